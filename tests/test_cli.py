"""The command line: exit codes, formats, outputs, config errors, explain, rules, version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_files

from sailint import __version__
from sailint.cli import main
from sailint.rulemeta import ExampleFile


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write_files(
        root,
        [
            ExampleFile("README.md", "# review-router\n"),
            ExampleFile(
                "train.py", 'from transformers import Trainer\nmodel.save_pretrained("out")\n'
            ),
        ],
    )
    return root


def test_exit_1_on_warning_and_0_when_fail_on_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(repo), "--select", "SAI401"]) == 1
    out = capsys.readouterr().out
    assert "train.py:2:1: SAI401 [warning]" in out
    assert "help: Add a `MODEL_CARD.md`" in out
    assert "1 finding (0 error, 1 warning, 0 note)" in out
    assert main(["scan", str(repo), "--select", "SAI401", "--fail-on", "error"]) == 0
    assert main(["scan", str(repo), "--select", "SAI401", "--fail-on", "none"]) == 0


def test_clean_scan_exits_0(tmp_path: Path) -> None:
    write_files(tmp_path, [ExampleFile("notes.md", "hello\n")])
    assert main(["scan", str(tmp_path), "--select", "SAI401"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "critical"], "--fail-on"),
        (["--select", "SAI999"], "SAI999"),
        (["--format", "xml"], "--format"),
        (["--format", "json", "--format", "sarif"], "--format"),
    ],
)
def test_usage_errors_exit_2_and_name_the_flag(
    repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["scan", str(repo), *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[tool.sailint]\nselectt = ['SAI401']\n", "tool.sailint.selectt"),
        ("[tool.sailint]\nfail-on = 'loud'\n", "tool.sailint.fail-on"),
        ("[tool.sailint]\nmax-file-size = -1\n", "tool.sailint.max-file-size"),
        ("[tool.sailint]\nlevels = {SAI401 = 'fatal'}\n", "tool.sailint.levels.SAI401"),
        ("[[tool.sailint.ignores]]\nrule = 'SAI401'\n", "reason"),
        ("[tool.sailint.rule-options.SAI410]\nmax-age = 3\n", "max-age"),
        ("[tool.sailint.rule-options.SAI410]\nmax-age-days = 'old'\n", "max-age-days"),
    ],
)
def test_config_errors_exit_2_and_name_the_key(
    repo: Path, capsys: pytest.CaptureFixture[str], toml: str, key: str
) -> None:
    (repo / "pyproject.toml").write_text(toml)
    assert main(["scan", str(repo)]) == 2
    assert key in capsys.readouterr().err


def test_several_formats_in_one_run(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sarif, report, js = tmp_path / "o.sarif", tmp_path / "r.md", tmp_path / "o.json"
    code = main(
        [
            "scan",
            str(repo),
            "-f",
            "text",
            "-f",
            f"sarif:{sarif}",
            "-f",
            f"markdown:{report}",
            "-f",
            f"json:{js}",
        ]
    )
    assert code == 1
    assert "SAI401" in capsys.readouterr().out
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    row = next(line for line in report.read_text().splitlines() if line.startswith("| 2.3 "))
    assert row.startswith("| 2.3 Document your data, models and prompts | ")
    assert {"SAI401", "SAI402", "SAI403", "SAI404"} <= set(row.split(" | ")[1].split(", "))
    data = json.loads(js.read_text())
    assert data["version"] == 1
    assert {f["rule"] for f in data["findings"]} >= {"SAI401", "SAI406", "SAI407"}


def test_no_color_unless_tty(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["scan", str(repo), "--select", "SAI401"])
    assert "\033[" not in capsys.readouterr().out


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert any(r["id"] == "SAI401" and r["guidelines"] == ["2.3", "3.4"] for r in rules)
    assert main(["explain", "missing-model-card"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# SAI401 missing-model-card")
    assert "## Remediation" in text
    assert main(["explain", "SAI999"]) == 2


def test_version_and_python_m(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sailint", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"sailint, version {__version__}"


def test_nonexistent_path_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_level_override_and_per_file_ignores(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".sailint.toml").write_text('levels = {missing-model-card = "error"}\n')
    main(["scan", str(repo), "--select", "SAI401"])
    assert "SAI401 [error]" in capsys.readouterr().out
    (repo / ".sailint.toml").write_text('[per-file-ignores]\n"train.py" = ["SAI4"]\n')
    assert main(["scan", str(repo), "--select", "SAI401"]) == 0
    assert "1 suppressed" in capsys.readouterr().out


def test_config_ignore_expires(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".sailint.toml").write_text(
        '[[ignores]]\nrule = "SAI401"\nreason = "card lands in Q3"\nexpires = 2026-06-30\n'
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01: still valid
    assert main(["scan", str(repo), "--select", "SAI401"]) == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # 2027-01-01: expired
    assert main(["scan", str(repo), "--select", "SAI401"]) == 1
    assert "expired on 2026-06-30" in capsys.readouterr().out


def test_file_mode_runs_only_file_local_rules(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = repo / "MODEL_CARD.md"
    card.write_text("# Card\nTODO\n")
    assert main(["scan", str(card)]) == 0  # SAI403 is repository-scoped: not run on a lone file
    out = capsys.readouterr().out
    assert "0 findings" in out


def test_same_input_gives_byte_identical_json_and_sarif(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    outputs = []
    for run in range(2):
        sarif, js = tmp_path / f"{run}.sarif", tmp_path / f"{run}.json"
        main(["scan", str(repo), "-f", f"sarif:{sarif}", "-f", f"json:{js}", "-q"])
        outputs.append((sarif.read_bytes(), js.read_bytes()))
    assert outputs[0] == outputs[1]


def test_findings_at_the_same_place_with_and_without_end_positions_sort(tmp_path: Path) -> None:
    from sailint.engine import _sort_key
    from sailint.model import Confidence, Finding, Level, Location

    with_end = Finding("B101", "m", Level.NOTE, Confidence.HIGH, Location("a.py", 3, 1, 3, 9))
    without = Finding("B101", "m", Level.NOTE, Confidence.HIGH, Location("a.py", 3, 1))
    assert sorted([with_end, without], key=_sort_key) == [without, with_end]
