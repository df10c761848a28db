"""SARIF output: OASIS schema, the codeql-action schema copy, GitHub's ingestion rules, Multitool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from helpers import FIXTURES, ROOT, write_files

from sailint.cli import main
from sailint.rulemeta import ExampleFile

SCHEMAS = ROOT.parent / "shared" / "schemas"
if not SCHEMAS.is_dir():  # CI lays shared/ beside the clone
    SCHEMAS = Path(os.environ.get("SAILINT_SHARED", "/work/shared")) / "schemas"


def multitool() -> str | None:
    """The Sarif.Multitool binary: $SARIF_MULTITOOL, or node_modules installed by .ci/run."""
    candidates = [
        os.environ.get("SARIF_MULTITOOL", ""),
        str(ROOT / ".ci/.tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("sarif")


def _sarif_of(root: Path, tmp_path: Path, *extra: str) -> tuple[Path, dict]:
    out = tmp_path / "out.sarif"
    code = main(["scan", str(root), "--format", "sarif", "--output", str(out), *extra])
    assert code in (0, 1)
    return out, json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture
def hostile_paths(tmp_path: Path) -> Path:
    """A project whose file names hold spaces, unicode, '#', '%' and ':'."""
    repo = tmp_path / "repo"
    write_files(
        repo,
        [
            ExampleFile("README.md", "# project\n"),
            ExampleFile("src dir/tr#ain %20 ü.py", 'm.save_pretrained("out")\n'),
            ExampleFile(
                "we:ird/MODEL_CARD.md", "# Card\n## Training data\n[More Information Needed]\n"
            ),
        ],
    )
    return repo


def _validate_schemas(log: dict) -> None:
    oasis = json.loads((SCHEMAS / "sarif-2.1.0.json").read_text())
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER  # knows uri-reference (draft 6+)
    errors = list(jsonschema.Draft4Validator(oasis, format_checker=checker).iter_errors(log))
    assert [e.message for e in errors] == []
    codeql = json.loads((SCHEMAS / "sarif-2.1.0-codeql-action-copy.json").read_text())
    errors = list(jsonschema.Draft202012Validator(codeql, format_checker=checker).iter_errors(log))
    assert [e.message for e in errors] == []


def _github_rules(log: dict) -> None:
    """The constraints GitHub code scanning applies beyond the schema (sarif-and-ci.md)."""
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert "results" in run
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        tags = rule["properties"]["tags"]
        assert len(tags) == len(set(tags)) and len(tags) <= 10
        assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
        assert len(rule["name"]) <= 255
        assert len(rule["shortDescription"]["text"]) <= 1024
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"]
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri and not uri.startswith("/") and ":" not in uri.split("/")[0]
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["sailint/v1"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_valid_on_hostile_paths(hostile_paths: Path, tmp_path: Path) -> None:
    _, log = _sarif_of(hostile_paths, tmp_path)
    _validate_schemas(log)
    _github_rules(log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert "src%20dir/tr%23ain%20%2520%20%C3%BC.py" in uris
    assert "we%3Aird/MODEL_CARD.md" in uris


def test_sarif_lists_every_rule_that_ran_with_taxonomies(
    hostile_paths: Path, tmp_path: Path
) -> None:
    _, log = _sarif_of(hostile_paths, tmp_path, "--select", "SAI401,SAI403")
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["SAI401", "SAI403"]
    names = [t["name"] for t in run["taxonomies"]]
    assert names == [
        "NCSC-CISA-Secure-AI",
        "NIST-SSDF",
        "OWASP-LLM-Top-10",
        "OWASP-ML-Top-10",
        "MITRE-ATLAS",
        "CWE",
    ]
    relationship = run["tool"]["driver"]["rules"][0]["relationships"][0]
    taxonomy = run["taxonomies"][relationship["target"]["toolComponent"]["index"]]
    assert taxonomy["taxa"][relationship["target"]["index"]]["id"] == relationship["target"]["id"]


def test_subdirectory_scan_keeps_uris_relative_to_git_root(tmp_path: Path) -> None:
    from helpers import git, init_repo

    repo = tmp_path / "mono"
    init_repo(repo)
    write_files(
        repo / "services" / "ranker", [ExampleFile("train.py", 'model.save_pretrained("x")\n')]
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    _, log = _sarif_of(repo / "services" / "ranker", tmp_path, "--select", "SAI401")
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    ]
    assert uris == ["services/ranker/train.py"]


def test_suppressed_findings_stay_in_sarif_with_justification(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(
        repo,
        [
            ExampleFile(
                "MODEL_CARD.md",
                "# Card\nTODO  <!-- sailint: ignore[SAI403] tracked in JIRA-12 -->\n",
            )
        ],
    )
    _, log = _sarif_of(repo, tmp_path, "--select", "SAI403")
    (result,) = log["runs"][0]["results"]
    assert result["suppressions"][0]["kind"] == "inSource"
    assert result["suppressions"][0]["justification"] == "tracked in JIRA-12"


def test_empty_scan_still_has_results_array(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "notes.txt").write_text("hello\n")
    _, log = _sarif_of(tmp_path / "repo", tmp_path, "--select", "SAI401")
    assert log["runs"][0]["results"] == []
    _validate_schemas(log)


def test_multitool_zero_errors_on_demo(tmp_path: Path) -> None:
    tool = multitool()
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("SARIF Multitool not installed (.ci/run installs it)")
        pytest.skip("SARIF Multitool not installed")
    demo = FIXTURES / "demo"
    target = demo if demo.is_dir() else FIXTURES
    sarif, log = _sarif_of(target, tmp_path)
    assert log["runs"][0]["results"], "the demo should produce findings to validate"
    out = tmp_path / "multitool.sarif"
    proc = subprocess.run(
        [
            tool,
            "validate",
            "--rule-kind",
            "Sarif;Gh",
            "--level",
            "Error;Warning",
            "-o",
            str(out),
            str(sarif),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validation = json.loads(out.read_text(encoding="utf-8-sig"))
    problems = [
        (r["ruleId"], r.get("message", {}).get("arguments"))
        for run in validation["runs"]
        for r in run.get("results", [])
        if r.get("level", "warning") in ("error", "warning")
    ]
    assert problems == []
