"""SAI203 / SAI207 history scanning: refs, bounds, shallow clones, the patch parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import git, init_repo, scan

from sailint.collectors.secrethistory import _added_lines
from sailint.config import Config

TOKEN = "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"
OTHER = "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"


def _commit(repo: Path, path: str, text: str | None, date: str, message: str = "change") -> None:
    target = repo / path
    if text is None:
        git(repo, "rm", "-q", path)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message, date=date)


def _history_config(**changes: object) -> Config:
    config = Config(select=["SAI203"], history=True)
    for key, value in changes.items():
        setattr(config, key, value)
    return config


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    init_repo(repo)
    _commit(repo, "README.md", "# demo\n", "2024-01-01")
    _commit(repo, "app.py", f'TOKEN = "{TOKEN}"\n', "2024-02-01", "prototype")
    _commit(repo, "app.py", 'import os\nTOKEN = os.environ["HF_TOKEN"]\n', "2024-03-01")
    return repo


def _messages(config: Config, root: Path) -> tuple[list[tuple[str, int]], list[str]]:
    report = scan(root, config=config)
    found = [(f.location.path, f.location.line) for f in report.open_findings]
    return found, [n.message for n in report.notifications]


def test_removed_secret_reported_once_with_its_commit(repo: Path) -> None:
    _commit(repo, "app.py", f'import os\nTOKEN = "{TOKEN}"  # again\n', "2024-04-01")
    _commit(repo, "app.py", 'import os\nTOKEN = os.environ["HF_TOKEN"]\n', "2024-05-01")
    report = scan(repo, config=_history_config())
    (finding,) = report.open_findings
    first = git(repo, "log", "--format=%H", "--reverse", "--", "app.py").split()[0]
    assert (finding.location.path, finding.location.line) == ("app.py", 1)
    assert finding.properties["commit"] == first
    assert f"in commit {first[:12]} (2024-02-01)" in finding.message
    assert TOKEN not in finding.message


def test_without_history_the_rule_says_it_did_not_run(repo: Path) -> None:
    found, notes = _messages(Config(select=["SAI203"]), repo)
    assert found == []
    assert "SAI203 did not run: git history is scanned only with --history" in notes


def test_outside_git_the_rule_says_why(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    found, notes = _messages(_history_config(), tmp_path)
    assert found == []
    assert "SAI203 did not run: the project is not in a git repository with commits" in notes


def test_all_refs_sees_other_branches(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "experiment")
    _commit(repo, "notes.txt", f"token {OTHER}\n", "2024-03-05")
    _commit(repo, "notes.txt", "token moved to vault\n", "2024-03-06")
    git(repo, "checkout", "-q", "main")
    head_only, _ = _messages(_history_config(), repo)
    every_ref, notes = _messages(_history_config(history_all_refs=True), repo)
    assert head_only == [("app.py", 1)]
    assert every_ref == [("README.md", 1), ("app.py", 1)]  # notes.txt is not in this tree
    assert "SAI203 scanned the added lines of 5 commits (all refs)" in notes


def test_since_and_max_commits_bound_the_scan(repo: Path) -> None:
    assert _messages(_history_config(history_since="2024-02-15"), repo)[0] == []
    found, notes = _messages(_history_config(history_max_commits=1), repo)
    assert found == []
    assert "SAI203 scanned the added lines of 1 commits (HEAD)" in notes


def test_shallow_clone_is_said(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    found, notes = _messages(_history_config(), clone)
    assert found == []
    assert any("shallow clone" in note and "1 commits" in note for note in notes)


def test_subdirectory_project_sees_only_its_paths(repo: Path) -> None:
    _commit(repo, "svc/api.py", f'KEY = "{OTHER}"\n', "2024-06-01")
    _commit(repo, "svc/api.py", "KEY = None\n", "2024-06-02")
    found, _ = _messages(_history_config(), repo / "svc")
    assert found == [("api.py", 1)]


def test_context_outside_the_added_lines_is_read_from_the_commit(repo: Path) -> None:
    config_yaml = "wandb:\n  project: churn\n  entity: acme\n"
    _commit(repo, "config.yaml", config_yaml, "2024-06-01")
    key = "5d2e8c1a7f3b9e0d4c6a8b2f1e3d5c7a9b0e2f4d"
    _commit(repo, "config.yaml", config_yaml + f"  api_key: {key}\n", "2024-06-02")
    _commit(repo, "config.yaml", config_yaml, "2024-06-03")
    report = scan(repo, config=_history_config())
    found = [(f.location.path, f.properties["detector"]) for f in report.open_findings]
    assert found == [("app.py", "huggingface-token"), ("config.yaml", "wandb-config-key")]


def test_patch_parser_handles_quoted_paths_and_plus_lines() -> None:
    patch = [
        "\x00commit abc123 1700000000",
        "",
        'diff --git "a/d\\303\\251j\\303\\240.txt" "b/d\\303\\251j\\303\\240.txt"',
        "new file mode 100644",
        "--- /dev/null",
        '+++ "b/d\\303\\251j\\303\\240.txt"',
        "@@ -0,0 +1,2 @@",
        "+first",
        "+++ not a header",
        "diff --git a/x.py b/x.py",
        "--- a/x.py",
        "+++ b/x.py",
        "@@ -3,0 +4 @@",
        "+added at four",
        "\x00commit def456 1700000001",
        "",
    ]
    units = list(_added_lines(patch))
    assert units == [
        ("abc123", 1700000000, "déjà.txt", [("first", 1, 1), ("++ not a header", 2, 1)], True),
        ("abc123", 1700000000, "x.py", [("added at four", 4, 1)], False),
        ("def456", 1700000001, None, [], True),
    ]


def test_large_blob_in_history_is_reported_once(tmp_path: Path) -> None:
    repo = tmp_path / "models"
    init_repo(repo)
    (repo / ".sailint.toml").write_text("[rule-options.SAI207]\nmax-size-bytes = 100\n")
    _commit(repo, "README.md", "# models\n", "2024-01-01")
    _commit(repo, "model.onnx", "a" * 300, "2024-01-02")
    _commit(repo, "model.onnx", "b" * 400, "2024-01-03")
    _commit(repo, "model.onnx", None, "2024-01-04")
    config = Config(
        select=["SAI207"], history=True, rule_options={"SAI207": {"max-size-bytes": 100}}
    )
    report = scan(repo, config=config)
    assert [(f.location.path, f.properties["size"]) for f in report.open_findings] == [
        ("README.md", 400)
    ]
    assert scan(repo, config=Config(select=["SAI207"])).open_findings == []
