"""Git history of the project through gitpython: last changes, commit counts, shallow clones."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sailint.project import Project, View

log = logging.getLogger("sailint")
GLOB_CHARS = re.compile(r"[*?\[]")


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
        self._changes: dict[str, list[list[str]]] = {}
        self._last: dict[str, LastChange | None] = {}

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
        if path not in self._last:
            self._last[path] = self._last_change(path)
        return self._last[path]

    def _last_change(self, path: str) -> LastChange | None:
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
        """How many commits after ``sha`` touched a path matching the project-relative specs.

        Specs are exact paths or git-style globs (``**/prompts/**``). Matching is done here,
        over one cached ``git log`` per ``sha``: git's own pathspec matching took half a second
        per call once the spec list held thousands of model-code paths.
        """
        if not self.available or not pathspecs:
            return 0
        import pathspec

        exact = {spec for spec in pathspecs if not GLOB_CHARS.search(spec)}
        globs = pathspec.GitIgnoreSpec.from_lines(
            ["/" + spec.lstrip("/") for spec in pathspecs if spec not in exact]
        )
        return sum(
            1
            for changed in self.changes_since(sha)
            if any(path in exact or globs.match_file(path) for path in changed)
        )

    def changes_since(self, sha: str) -> list[list[str]]:
        """Project-relative paths changed by each commit in ``sha..HEAD`` (cached per sha)."""
        cached = self._changes.get(sha)
        if cached is not None:
            return cached
        commits: list[list[str]] = []
        try:
            # quotePath off: non-ASCII file names come out as they are, not octal-escaped.
            output: str = self.repo.git.execute(
                [
                    *("git", "-c", "core.quotePath=false", "log", "--format=%x00"),
                    *("--name-only", "--no-renames", f"{sha}..HEAD", "--", self.prefix or "."),
                ]
            )
        except Exception as error:
            log.debug("git log failed: %s", error)
            output = ""
        for block in output.split("\0")[1:]:
            paths = [line for line in block.splitlines() if line.strip()]
            commits.append([p[len(self.prefix) :] for p in paths if p.startswith(self.prefix)])
        self._changes[sha] = commits
        return commits
