"""``sailint init``: scaffolding that satisfies the structure rules but not SAI403 until filled."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from helpers import ROOT, scan

from sailint.checks.cards import PLACEHOLDERS
from sailint.cli import cli
from sailint.commands import init as init_module
from sailint.config import load_config
from sailint.engine import scan_project

DOCS = (
    "SECURITY.md",
    "THREAT_MODEL.md",
    "INCIDENT_RESPONSE.md",
    "MODEL_CARD.md",
    "DATASET_CARD.md",
)
SHA = "0123456789abcdef0123456789abcdef01234567"


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def placeholder_lines(root: Path) -> set[tuple[str, int]]:
    found = set()
    for name in DOCS:
        for number, line in enumerate((root / name).read_text().splitlines(), start=1):
            if PLACEHOLDERS.search(line):
                found.add((name, number))
    return found


def test_init_then_scan_reports_every_placeholder(tmp_path: Path) -> None:
    result = run("init", str(tmp_path), "--all", "--name", "churn-model")
    assert result.exit_code == 0, result.output
    for target in (
        *DOCS,
        ".github/workflows/sailint.yml",
        ".pre-commit-config.yaml",
        ".github/dependabot.yml",
    ):
        assert f"created {target}" in result.stdout
    assert "# Security policy for churn-model" in (tmp_path / "SECURITY.md").read_text()
    report = scan(tmp_path, ["SAI4"])
    placeholders = placeholder_lines(tmp_path)
    assert len(placeholders) >= 5 * 3
    assert {(f.location.path, f.location.line) for f in report.open_findings} == placeholders
    assert {f.rule_id for f in report.open_findings} == {"SAI403"}


def test_filled_in_templates_satisfy_the_documentation_rules(tmp_path: Path) -> None:
    run(
        "init",
        str(tmp_path),
        "--with",
        "security,threat-model,incident-response,model-card,dataset-card",
    )
    for name in DOCS:
        path = tmp_path / name
        path.write_text(re.sub(r"<fill in: [^>]*>", "Documented by the team.", path.read_text()))
    report = scan(tmp_path, ["SAI4"])
    assert report.open_findings == []
    proved = {(e.rule_id, e.path) for e in report.evidence}
    assert {
        ("SAI406", "SECURITY.md"),
        ("SAI407", "THREAT_MODEL.md"),
        ("SAI408", "INCIDENT_RESPONSE.md"),
    } <= proved


def test_threat_model_template_names_ai_threats_with_atlas_and_owasp_ids(tmp_path: Path) -> None:
    run("init", str(tmp_path), "--with", "threat-model")
    text = (tmp_path / "THREAT_MODEL.md").read_text()
    for reference in (
        "AML.T0020",
        "AML.T0051",
        "AML.T0010",
        "AML.T0024",
        "LLM01",
        "LLM04",
        "ML01",
        "ML05",
    ):
        assert reference in text, reference


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "SECURITY.md").write_text("# Our policy\nsecurity@example.com\n")
    result = run("init", str(tmp_path), "--with", "security,threat-model")
    assert result.exit_code == 0
    assert "kept SECURITY.md: it exists (--force overwrites it)" in result.stdout
    assert "created THREAT_MODEL.md" in result.stdout
    assert (tmp_path / "SECURITY.md").read_text() == "# Our policy\nsecurity@example.com\n"
    forced = run("init", str(tmp_path), "--with", "security", "--force")
    assert "overwrote SECURITY.md" in forced.stdout
    assert "<fill in:" in (tmp_path / "SECURITY.md").read_text()


def test_init_without_a_choice_outside_a_terminal_is_a_usage_error(tmp_path: Path) -> None:
    result = run("init", str(tmp_path))
    assert result.exit_code == 2
    assert "--with" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_asks_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init_module, "_interactive", lambda: True)
    answers = "y\nn\ny\nn\nn\nn\nn\nn\n"
    result = run("init", str(tmp_path), input=answers)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["INCIDENT_RESPONSE.md", "SECURITY.md"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--with", "sbom"], "unknown scaffold 'sbom'"),
        (["--all", "--action-ref", "main"], "full 40-character commit SHA"),
    ],
)
def test_init_rejects_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    result = run("init", str(tmp_path), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_workflow_is_pinned_and_passes_zizmor(tmp_path: Path) -> None:
    result = run("init", str(tmp_path), "--with", "workflow,dependabot", "--action-ref", SHA)
    assert result.exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/sailint.yml").read_text())
    uses = [step["uses"] for step in workflow["jobs"]["sailint"]["steps"]]
    assert uses[1] == f"sailint/sailint@{SHA}"
    assert all(re.fullmatch(r"[\w/.-]+@[0-9a-f]{40}", u) for u in uses)
    assert workflow["permissions"] == {}
    zizmor = shutil.which("zizmor") or str(Path(sys.executable).parent / "zizmor")
    if not Path(zizmor).exists():
        pytest.skip("zizmor is not installed")
    check = subprocess.run(
        [zizmor, "--offline", str(tmp_path / ".github")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_workflow_without_action_ref_keeps_a_placeholder_and_says_so(tmp_path: Path) -> None:
    result = run("init", str(tmp_path), "--with", "workflow")
    assert "rerun with --action-ref SHA" in result.stdout
    workflow = yaml.safe_load((tmp_path / ".github/workflows/sailint.yml").read_text())
    assert workflow["jobs"]["sailint"]["steps"][1]["uses"] == (
        "sailint/sailint@<fill in: full commit SHA of sailint v0.1.0>"
    )


@pytest.mark.parametrize(
    "existing",
    [
        "default_stages: [pre-commit]\nrepos:\n    -   repo: https://github.com/psf/black\n"
        "        rev: 24.1.0\n        hooks:\n        -   id: black\n",
        "repos:\n- repo: local\n  hooks: []",
    ],
)
def test_pre_commit_entry_is_added_to_an_existing_config(tmp_path: Path, existing: str) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(existing)
    result = run("init", str(tmp_path), "--with", "pre-commit")
    assert "added the sailint hooks to .pre-commit-config.yaml" in result.stdout
    data = yaml.safe_load(config.read_text())
    assert data["repos"][0]["repo"] != "https://github.com/sailint/sailint"
    assert data["repos"][-1] == {
        "repo": "https://github.com/sailint/sailint",
        "rev": "v0.1.0",
        "hooks": [{"id": "sailint"}, {"id": "sailint-repo"}],
    }
    again = run("init", str(tmp_path), "--with", "pre-commit")
    assert "kept .pre-commit-config.yaml: it already uses sailint" in again.stdout


def test_pre_commit_config_that_cannot_be_edited_safely_is_left_alone(tmp_path: Path) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    existing = "repos:\n- repo: local\n  hooks: []\nci:\n  autofix_prs: false\n"
    config.write_text(existing)
    result = run("init", str(tmp_path), "--with", "pre-commit")
    assert "add this entry under `repos:` yourself" in result.stdout
    assert "- repo: https://github.com/sailint/sailint" in result.stdout
    assert config.read_text() == existing


def test_sailints_own_templates_are_not_mistaken_for_documents() -> None:
    config = load_config(ROOT)
    config.select = ["SAI401", "SAI402", "SAI403", "SAI404"]
    report = scan_project(ROOT, config)
    assert not [f for f in report.findings if f.location.path.startswith("src/sailint/templates/")]
