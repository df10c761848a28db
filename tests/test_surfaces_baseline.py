"""Baselines: keyed by content fingerprints, robust to moved lines, with stale entries listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sailint.cli import cli

POLICY = """# Security policy

## Reporting
Write to <fill in: security contact address>.
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / ".sailint.toml").write_text('select = ["SAI403"]\n')
    (root / "README.md").write_text("# Project\n")
    (root / "SECURITY.md").write_text(POLICY)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def record(project: Path) -> dict:
    result = run("baseline", "-o", "baseline.json")
    assert result.exit_code == 0, result.output
    assert "recorded 1 finding(s) in baseline.json" in result.stderr
    return json.loads((project / "baseline.json").read_text())


def test_baseline_records_open_findings(project: Path) -> None:
    data = record(project)
    assert data["version"] == 1
    [entry] = data["findings"]
    assert entry["rule"] == "SAI403" and entry["path"] == "SECURITY.md" and entry["line"] == 4
    assert len(entry["fingerprint"]) == 32


def test_baselined_finding_stays_hidden_after_unrelated_edits_move_it(project: Path) -> None:
    record(project)
    before = run("scan")
    assert before.exit_code == 1
    (project / "SECURITY.md").write_text(
        POLICY.replace("## Reporting\n", "Supported versions: 2.x.\n\n\n## Reporting\n")
    )
    result = run("scan", "--baseline", "baseline.json", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [finding] = data["findings"]
    assert finding["location"]["line"] == 7
    assert finding["suppressed"]["kind"] == "external"
    assert finding["suppressed"]["origin"] == "baseline.json"
    assert data["summary"]["findings"] == 0 and data["summary"]["suppressed"] == 1
    sarif = json.loads(run("scan", "--baseline", "baseline.json", "-f", "sarif").stdout)
    [res] = sarif["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert res["suppressions"][0]["kind"] == "external"
    assert "baseline" in res["suppressions"][0]["justification"]


def test_new_copies_of_a_baselined_problem_are_reported(project: Path) -> None:
    record(project)
    (project / "SECURITY.md").write_text(POLICY + "Write to <fill in: security contact address>.\n")
    (project / "THREAT_MODEL.md").write_text(
        "# Threat model\n\nWrite to <fill in: security contact address>.\n"
    )
    result = run("scan", "--baseline", "baseline.json")
    assert result.exit_code == 1
    reported = [line for line in result.stdout.splitlines() if "SAI403 [warning]" in line]
    # One of the two identical SECURITY.md lines is the baselined one; the copy and the other file
    # are new.
    assert len(reported) == 2
    assert any(line.startswith("THREAT_MODEL.md:3:") for line in reported)
    assert any(line.startswith("SECURITY.md:") for line in reported)
    assert "1 suppressed" in result.stdout


def test_stale_entries_are_listed(project: Path) -> None:
    record(project)
    (project / "SECURITY.md").write_text(
        POLICY.replace("<fill in: security contact address>", "sec@example.com")
    )
    result = run("scan", "--baseline", "baseline.json")
    assert result.exit_code == 0
    assert (
        "baseline entry no longer matches any finding: SAI403 at SECURITY.md:4 "
        "(template placeholder '<fill in: security contact address>' left in SECURITY.md)"
    ) in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a sailint baseline (invalid JSON"),
        ('{"version": 1}', "no 'findings' list"),
        ('{"version": 7, "findings": []}', "baseline version 7 is not supported"),
        (
            '{"version": 1, "findings": [{"rule": "SAI403"}]}',
            "findings[0] has no valid 'fingerprint'",
        ),
    ],
)
def test_broken_baseline_is_a_usage_error(project: Path, content: str, message: str) -> None:
    (project / "bad.json").write_text(content)
    result = run("scan", "--baseline", "bad.json")
    assert result.exit_code == 2
    assert "bad.json" in result.stderr and message in result.stderr


def test_missing_baseline_is_a_usage_error(project: Path) -> None:
    result = run("scan", "--baseline", "nowhere.json")
    assert result.exit_code == 2
    assert "nowhere.json: cannot read" in result.stderr
