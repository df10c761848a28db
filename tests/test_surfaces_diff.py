"""``--diff BASE``: changed files from git, file-level findings filtered, repository rules kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import git, init_repo

from sailint.cli import cli
from sailint.config import Config
from sailint.diffmode import DiffError, changed_files, outside_diff
from sailint.engine import scan_project
from sailint.model import Confidence, Level
from sailint.registry import find_rule
from sailint.rulemeta import RuleMeta

TODO_RULE = RuleMeta(
    id="SAI999",
    slug="test-hardcoded-token",
    title="Hard-coded token (test rule)",
    level=Level.WARNING,
    confidence=Confidence.HIGH,
    scope="text",
    category="test",
    guidelines=("2.1",),
    rationale="test",
    remediation="test",
    bad_example=(),
    good_example=(),
    check=None,
    match={"pattern": r"TOKEN = \"\w+\"", "files": ["*.py"], "message": "token {match}"},
    file_local=True,
)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """main: old.py and README; branch `feature` adds new.py and edits old.py; main moves on."""
    root = tmp_path / "repo"
    init_repo(root)
    (root / "README.md").write_text("# Project\n")
    (root / "old.py").write_text('TOKEN = "abc"\n')
    (root / "stable.py").write_text('TOKEN = "stable"\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "new.py").write_text('TOKEN = "new"\n')
    (root / "old.py").write_text('# edited\nTOKEN = "abc"\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature work")
    git(root, "checkout", "-q", "main")
    (root / "main_only.py").write_text('TOKEN = "main"\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main moves on")
    git(root, "checkout", "-q", "feature")
    return root


def test_changed_files_start_at_the_merge_base_and_include_the_work_tree(repo: Path) -> None:
    (repo / "stable.py").write_text('TOKEN = "stable"\n# local edit\n')
    (repo / "untracked.py").write_text("x = 1\n")
    changed = changed_files(str(repo), "main")
    # main_only.py changed on main after the branch point: not part of this branch's diff.
    assert changed == {"new.py", "old.py", "stable.py", "untracked.py"}


def test_unknown_base_is_a_clear_error(repo: Path) -> None:
    with pytest.raises(DiffError, match=r"'nope' is not a commit .*fetch-depth: 0"):
        changed_files(str(repo), "nope")


def test_file_level_findings_outside_the_diff_are_dropped(repo: Path) -> None:
    report = scan_project(repo, Config(), rules=[TODO_RULE])
    assert {f.location.path for f in report.findings} == {"old.py", "new.py", "stable.py"}
    dropped = outside_diff(report, changed_files(str(repo), "main"))
    assert [f.location.path for f in dropped] == ["stable.py"]


def test_repository_level_rules_are_kept_whatever_changed(repo: Path) -> None:
    rule = find_rule("SAI406")
    assert rule is not None
    report = scan_project(repo, Config(), rules=[rule, TODO_RULE])
    dropped = outside_diff(report, {"new.py"})
    assert {(f.rule_id, f.location.path) for f in dropped} == {
        ("SAI999", "old.py"),
        ("SAI999", "stable.py"),
    }
    assert any(f.rule_id == "SAI406" for f in report.findings if f not in dropped)


def test_cli_diff_reports_repository_findings_and_names_the_filter(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["scan", "--select", "SAI406", "--diff", "main"])
    assert result.exit_code == 1, result.output
    assert "README.md:1:1: SAI406 [warning]" in result.stdout


def test_cli_diff_with_bad_ref_is_a_usage_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["scan", "--diff", "v9.9.9"])
    assert result.exit_code == 2
    assert "'v9.9.9' is not a commit" in result.stderr


def test_cli_diff_outside_git_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "README.md").write_text("# x\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["scan", "--diff", "main"])
    assert result.exit_code == 2
    assert "inside a git repository" in result.stderr


def test_cli_diff_drops_unchanged_files_and_says_how_many(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    security = find_rule("SAI406")
    assert security is not None
    monkeypatch.setattr("sailint.engine.all_rules", lambda: [security, TODO_RULE])
    monkeypatch.chdir(repo)
    full = CliRunner().invoke(cli, ["scan", "--fail-on", "none"])
    assert "stable.py:1:1: SAI999" in full.stdout
    result = CliRunner().invoke(cli, ["scan", "--diff", "main", "--fail-on", "none"])
    lines = [line for line in result.stdout.splitlines() if ": SAI" in line]
    assert [line.split(" [")[0] for line in lines] == [
        "README.md:1:1: SAI406",
        "new.py:1:1: SAI999",
        "old.py:2:1: SAI999",
    ]
    assert (
        "sailint: note: --diff main: 1 finding(s) in files not changed since the base are not "
        "reported" in result.stdout
    )
