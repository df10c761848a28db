"""``--diff BASE``: report findings only in files changed since a git ref (pull-request mode)."""

from __future__ import annotations

from sailint.engine import Report
from sailint.model import Finding
from sailint.rulemeta import RuleMeta


class DiffError(Exception):
    """The base ref cannot be compared (no repository, unknown ref, shallow clone)."""


def changed_files(repo_root: str, base: str) -> set[str]:
    """Repository-relative paths changed since ``base``.

    The comparison starts at the merge base of ``base`` and HEAD (what a pull request changes,
    not what the base branch gained since), and ends at the work tree, so uncommitted and
    untracked files count as changed.
    """
    import git  # gitpython: slow to import, only needed here

    try:
        repo = git.Repo(repo_root)
    except Exception as error:  # gitpython raises several types for broken repositories
        raise DiffError(f"--diff: cannot open the git repository at {repo_root}: {error}") from None
    try:
        base_commit = repo.commit(base)
    except Exception:
        raise DiffError(
            f"--diff: {base!r} is not a commit of {repo_root} (in CI, fetch the history: "
            "actions/checkout with fetch-depth: 0)"
        ) from None
    start = base_commit
    try:
        bases = repo.merge_base(base_commit, repo.head.commit)
        if bases:
            start = bases[0]
    except (ValueError, git.GitCommandError):
        pass  # no HEAD commit yet, or unrelated histories: compare against the base itself
    try:
        listing = repo.git.diff("--name-only", "-z", "--no-renames", start.hexsha, "--")
    except git.GitCommandError as error:
        raise DiffError(
            f"--diff: git diff against {base!r} failed: {error.stderr.strip()}"
        ) from None
    changed = {path for path in listing.split("\0") if path}
    changed.update(repo.untracked_files)
    return changed


def is_repository_level(rule: RuleMeta) -> bool:
    """Rules about the repository as a whole are reported whatever the diff touched."""
    return rule.scope == "repository" and not rule.file_local


def outside_diff(report: Report, changed: set[str]) -> list[Finding]:
    """Findings of file-level rules whose file is not among ``changed`` (repository paths)."""
    rules = {rule.id: rule for rule in report.rules}
    return [
        finding
        for finding in report.findings
        if not is_repository_level(rules[finding.rule_id])
        and report.uri(finding.location.path) not in changed
    ]
