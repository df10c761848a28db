"""The pre-commit hooks, run with the real ``pre-commit try-repo`` (installs sailint from PyPI deps)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, git, init_repo

from sailint.model import Level
from sailint.registry import all_rules
from sailint.rulemeta import RuleMeta

NETWORK_TROUBLE = re.compile(
    r"NewConnectionError|Temporary failure in name resolution|Network is unreachable|"
    r"No matching distribution found|Could not fetch URL|ProxyError",
)


def _pre_commit() -> str:
    found = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(found).exists():
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    return found


def test_manifest_is_valid_and_selects_model_files_by_name() -> None:
    result = subprocess.run(
        [_pre_commit(), "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {
        hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    fast, repo = hooks["sailint"], hooks["sailint-repo"]
    assert fast.get("pass_filenames", True) is True and "types" not in fast
    pattern = re.compile(fast["files"])
    for path in (
        "train.py",
        "nb/explore.ipynb",
        "models/clf.pkl",
        "w/model.safetensors",
        "ckpt/last.ckpt",
        "model.onnx",
        "requirements.txt",
        "docker/Dockerfile",
    ):
        assert pattern.search(path), path
    for path in ("logo.png", "data/raw.parquet"):
        assert not pattern.search(path), path
    assert repo["pass_filenames"] is False and repo["always_run"] is True


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A committed copy of this source tree (with uncommitted edits), as pre-commit clones it."""
    target = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
    )
    if listed.returncode != 0:
        pytest.skip("the sailint sources are not a git checkout (needed to build the hook repo)")
    listing = listed.stdout.decode()
    for rel in filter(None, listing.split("\0")):
        source = ROOT / rel
        if not source.is_file():
            continue  # deleted in the work tree
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / rel)
    init_repo(target)
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "hook repo snapshot")
    return target, git(target, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(
    project: Path, hook_repo: tuple[Path, str], home: Path, hook: str, *args: str
) -> subprocess.CompletedProcess[str]:
    repo, sha = hook_repo
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("no_proxy", None)  # pre-commit installs sailint's dependencies from PyPI
    result = subprocess.run(
        [_pre_commit(), "try-repo", str(repo), hook, "--ref", sha, "--color", "never", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode not in (0, 1) or NETWORK_TROUBLE.search(result.stdout + result.stderr):
        log = home / "pre-commit.log"
        details = log.read_text() if log.exists() else result.stdout + result.stderr
        if NETWORK_TROUBLE.search(details):
            pytest.skip(
                f"pre-commit could not install sailint (no package index): {details[-500:]}"
            )
        raise AssertionError(details)
    return result


@pytest.mark.slow
def test_repo_hook_fails_on_planted_placeholder_then_passes(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    project = tmp_path / "ml-project"
    init_repo(project)
    (project / ".sailint.toml").write_text('select = ["SAI403"]\n')
    (project / "README.md").write_text("# Churn model\n")
    (project / "SECURITY.md").write_text(
        "# Security policy\n\nReport vulnerabilities to <fill in: security contact address>.\n"
    )
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "start")

    failed = _try_repo(
        project, hook_repo, pre_commit_home, "sailint-repo", "--all-files", "--hook-stage", "manual"
    )
    assert failed.returncode == 1, failed.stdout
    assert re.search(r"sailint \(whole repository\)\.+Failed", failed.stdout)
    assert "SECURITY.md:3:" in failed.stdout and "SAI403 [warning]" in failed.stdout

    (project / "SECURITY.md").write_text(
        "# Security policy\n\nReport vulnerabilities to security@example.com.\n"
    )
    git(project, "commit", "-q", "-am", "fill in the contact")
    passed = _try_repo(
        project, hook_repo, pre_commit_home, "sailint-repo", "--all-files", "--hook-stage", "manual"
    )
    assert passed.returncode == 0, passed.stdout
    assert re.search(r"sailint \(whole repository\)\.+Passed", passed.stdout)


def _file_local_rule_with_examples() -> RuleMeta | None:
    for rule in all_rules():
        examples = rule.bad_example + rule.good_example
        if (
            rule.file_local
            and rule.level >= Level.WARNING  # the hook fails at the default --fail-on warning
            and rule.bad_example
            and rule.good_example
            and not any(item.committed for item in examples)
        ):
            return rule
    return None


@pytest.mark.slow
def test_file_hook_fails_on_changed_bad_file_then_passes(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    rule = _file_local_rule_with_examples()
    if rule is None:
        pytest.skip("no file-local rule with examples is registered yet")
    project = tmp_path / "ml-project"
    init_repo(project)
    (project / ".sailint.toml").write_text(f'select = ["{rule.id}"]\n')
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "start")
    for item in rule.bad_example:
        (project / item.path).parent.mkdir(parents=True, exist_ok=True)
        (project / item.path).write_text(item.content)
    git(project, "add", "-A")  # the fast hook sees staged files only
    failed = _try_repo(project, hook_repo, pre_commit_home, "sailint")
    if not re.search(rf"\b{rule.id}\b", failed.stdout):
        pytest.fail(f"{rule.id} bad example not reported through the hook:\n{failed.stdout}")
    assert failed.returncode == 1
    for item in rule.bad_example:
        (project / item.path).unlink()
    for item in rule.good_example:
        (project / item.path).parent.mkdir(parents=True, exist_ok=True)
        (project / item.path).write_text(item.content)
    git(project, "add", "-A")
    passed = _try_repo(project, hook_repo, pre_commit_home, "sailint")
    assert passed.returncode == 0, passed.stdout
