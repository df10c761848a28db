"""Line-accurate YAML and what a scan does with CI YAML it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import scan
from yaml.nodes import ScalarNode

from sailint.collectors.yamlnodes import YamlError, compose, get, line, scalar_lines

SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"
BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


def _workflow(path: Path, name: str, text: str) -> None:
    target = path / ".github" / "workflows" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def test_literal_block_lines_map_to_the_file() -> None:
    text = "steps:\n  - run: |\n      echo one\n\n      echo three\n"
    steps = get(compose(text), "steps")
    assert steps is not None
    run = get(steps.value[0], "run")
    assert isinstance(run, ScalarNode)
    assert line(run) == 2
    assert scalar_lines(run, text.splitlines()) == [3, 4, 5, 6]


def test_billion_laughs_is_rejected_quickly() -> None:
    with pytest.raises(YamlError, match="aliases expand to more than"):
        compose(BILLION_LAUGHS)


def test_recursive_alias_is_rejected() -> None:
    with pytest.raises(YamlError):
        compose("a: &a [*a, *a]\n", limit=1000)


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    _workflow(tmp_path, "broken.yml", "on: push\njobs:\n  build:\n    steps: [\n")
    _workflow(
        tmp_path,
        "ok.yml",
        f"on: push\npermissions: {{}}\njobs:\n  t:\n    steps:\n      - uses: actions/checkout@v4\n"
        f"      - uses: actions/setup-python@{SHA}\n",
    )
    report = scan(tmp_path, ["SAI106"])
    assert [(f.location.path, f.location.line) for f in report.open_findings] == [
        (".github/workflows/ok.yml", 6)
    ]
    skipped = {s.path: s.reason for s in report.skipped}
    assert skipped[".github/workflows/broken.yml"].startswith("invalid YAML at line 5")


def test_workflow_that_is_not_a_mapping_is_skipped(tmp_path: Path) -> None:
    _workflow(tmp_path, "list.yml", "- on: push\n- jobs: {}\n")
    report = scan(tmp_path, ["SAI501"])
    assert report.open_findings == []
    assert [(s.path, s.reason) for s in report.skipped] == [
        (".github/workflows/list.yml", "workflow file is not a mapping (line 1); not analysed")
    ]
    assert report.notifications == []  # one message per problem: the skip names the line


def test_billion_laughs_workflow_is_a_skip_not_a_hang(tmp_path: Path) -> None:
    _workflow(tmp_path, "laughs.yml", BILLION_LAUGHS + "\n")
    report = scan(tmp_path, ["SAI106", "SAI501", "SAI503"])
    assert report.open_findings == []
    assert (
        "billion-laughs"
        in {s.path: s.reason for s in report.skipped}[".github/workflows/laughs.yml"]
    )


def test_non_utf8_workflow_is_skipped_and_others_still_scanned(tmp_path: Path) -> None:
    target = tmp_path / ".github" / "workflows" / "latin1.yml"
    target.parent.mkdir(parents=True)
    target.write_bytes("name: d\xe9ploiement\non: push\n".encode("latin-1"))
    (tmp_path / "compose.yaml").write_text("services:\n  db:\n    image: postgres:16\n")
    report = scan(tmp_path, ["SAI107"])
    assert [(f.location.path, f.location.line) for f in report.open_findings] == [
        ("compose.yaml", 3)
    ]
    assert ".github/workflows/latin1.yml" in {s.path for s in report.skipped}


def test_jobs_and_steps_of_the_wrong_shape_are_ignored(tmp_path: Path) -> None:
    _workflow(
        tmp_path,
        "odd.yml",
        "on: push\njobs:\n  a: just-a-string\n  b:\n    steps:\n      - just-a-string\n"
        "      - uses: actions/checkout@main\n",
    )
    report = scan(tmp_path, ["SAI106"])
    assert [(f.location.line, f.message) for f in report.open_findings] == [
        (
            7,
            "`actions/checkout@main` is pinned to the branch or tag `main`: pin a full commit "
            "SHA (`owner/repo@<40 hex>  # vX.Y.Z`)",
        )
    ]


def test_suppression_comment_in_a_workflow(tmp_path: Path) -> None:
    _workflow(
        tmp_path,
        "ci.yml",
        "on: push\npermissions: {}\njobs:\n  t:\n    steps:\n"
        "      # sailint: ignore[SAI106] first-party action, released from this repository\n"
        "      - uses: acme/internal-action@v1\n",
    )
    report = scan(tmp_path, ["SAI106"])
    assert report.open_findings == []
    assert [f.location.line for f in report.suppressed_findings] == [7]


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(YamlError):
        compose("a: " + "[" * 50_000 + "]" * 50_000)
