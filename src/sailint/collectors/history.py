"""Git history of the project through gitpython: last changes, commit counts, shallow clones."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sailint.project import Project, View

log = logging.getLogger("sailint")


@dataclass(frozen=True)
class LastChange:
    """The most recent commit that touched a path."""

    sha: str
    timestamp: int


class GitHistory(View):
    """Read-only access to the git repository that holds the project, if there is one."""

    def __init__(self, repo: Any, prefix: str, shallow: bool, empty: bool) -> None:
        """Hold the gitpython Repo (or None outside git) and the project's repo prefix."""
        self.repo = repo
        self.prefix = prefix
        self.shallow = shallow
        self.empty = empty

    @property
    def available(self) -> bool:
        """True when there is history to read."""
        return self.repo is not None and not self.empty

    @classmethod
    def build(cls, project: Project) -> GitHistory:
        """See ``View.build``; a shallow clone or empty repository is noted, never fatal."""
        if not project.info.repo_root:
            return cls(None, "", False, True)
        try:
            import git

            repo = git.Repo(project.info.repo_root)
            shallow = (Path(repo.git_dir) / "shallow").exists()
            try:
                repo.head.commit  # noqa: B018 - raises ValueError on a repository with no commits
                empty = False
            except ValueError:
                empty = True
        except Exception as error:  # gitpython raises many types for broken repositories
            project.notify("warning", f"git history unavailable: {error}")
            return cls(None, project.info.uri_prefix, False, True)
        if shallow:
            project.notify(
                "warning",
                "shallow git clone: history-based checks see only the fetched commits "
                "(fetch full history with `git fetch --unshallow` or `fetch-depth: 0`)",
            )
        return cls(repo, project.info.uri_prefix, shallow, empty)

    def last_change(self, path: str) -> LastChange | None:
        """The last commit touching the project-relative ``path`` (None if never committed)."""
        if not self.available:
            return None
        try:
            output: str = self.repo.git.log("-1", "--format=%H %ct", "--", self.prefix + path)
        except Exception as error:
            log.debug("git log failed for %s: %s", path, error)
            return None
        if not output.strip():
            return None
        sha, stamp = output.split()
        return LastChange(sha, int(stamp))

    def commits_since(self, sha: str, pathspecs: list[str]) -> int:
        """How many commits after ``sha`` touched any of the project-relative ``pathspecs``."""
        if not self.available or not pathspecs:
            return 0
        specs = [f":(glob){self.prefix}{spec}" for spec in pathspecs]
        try:
            output: str = self.repo.git.rev_list("--count", f"{sha}..HEAD", "--", *specs)
        except Exception as error:
            log.debug("git rev-list failed: %s", error)
            return 0
        return int(output.strip() or 0)
