"""Secrets in the added lines of past commits (``--history``), read through gitpython."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sailint.collectors.history import GitHistory
from sailint.collectors.secretdetect import DetectorError, SecretMatch, TextLine, load_detectors
from sailint.project import Project, View

log = logging.getLogger("sailint")

COMMIT_MARK = "\x00commit "
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class PastSecret:
    """A secret added by ``commit`` to ``path`` (repository path, as it was then)."""

    path: str
    match: SecretMatch
    commit: str
    timestamp: int


@dataclass
class HistoryScan(View):
    """The outcome of scanning history: what ran, how far, and what was found."""

    ran: bool = False
    reason: str = ""
    commits: int = 0
    shallow: bool = False
    scope: str = "HEAD"
    found: list[PastSecret] = field(default_factory=list)

    @classmethod
    def build(cls, project: Project) -> HistoryScan:
        """See ``View.build``; without ``--history`` nothing runs and ``reason`` says why."""
        config = project.config
        if not config.history:
            return cls(reason="git history is scanned only with --history")
        history = project.get(GitHistory)
        if not history.available:
            return cls(reason="the project is not in a git repository with commits")
        try:
            detectors = load_detectors()
        except DetectorError as error:
            return cls(reason=f"secret detectors unavailable: {error}")
        scan = cls(ran=True, shallow=history.shallow)
        args = ["-p", "-U0", "--no-color", "--no-ext-diff", "--no-renames", "--full-history"]
        args += ["--diff-filter=AM", "--format=%x00commit %H %ct"]
        if config.history_all_refs:
            args.append("--all")
            scan.scope = "all refs"
        else:
            args.append("HEAD")
        if config.history_since:
            args.append(f"--since={config.history_since}")
        if config.history_max_commits:
            args.append(f"--max-count={config.history_max_commits}")
        args += ["--", history.prefix or "."]
        try:
            process = history.repo.git.log(*args, as_process=True)
            for commit, stamp, path, lines, first in _added_lines(_decoded(process.proc.stdout)):
                if first:
                    scan.commits += 1
                if path is None or not path.startswith(history.prefix):
                    continue
                whole = _file_at(history.repo, commit, path)
                for match in detectors.scan_lines(lines, path, whole):
                    scan.found.append(PastSecret(path[len(history.prefix) :], match, commit, stamp))
            process.wait()
        except Exception as error:  # gitpython raises many types; a partial scan is still reported
            log.debug("git log failed", exc_info=True)
            project.notify("warning", f"git history scan stopped early: {type(error).__name__}")
        return scan


def _file_at(repo: Any, commit: str, path: str) -> Callable[[], str]:
    """The file as of ``commit``, read only when a detector needs context beyond added lines."""

    def read() -> str:
        try:
            text: str = repo.git.show(f"{commit}:{path}")
        except Exception:  # gitpython raises many types; no context is a safe answer
            return ""
        return text

    return read


def _decoded(stream: Iterable[bytes]) -> Iterator[str]:
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual path names."""
    if path.startswith('"') and path.endswith('"'):
        raw = codecs.escape_decode(path[1:-1].encode("latin-1", errors="replace"))[0]
        return bytes(raw).decode("utf-8", errors="replace")
    return path


def _added_lines(
    lines: Iterable[str],
) -> Iterator[tuple[str, int, str | None, list[TextLine], bool]]:
    """``(commit, timestamp, path, added lines, first)`` per file per commit, newest first.

    ``first`` is true for the first file of each commit (so callers can count commits); a commit
    without file changes yields once with path None.
    """
    commit, stamp, path = "", 0, None
    new_commit = False
    added: list[TextLine] = []
    number = 0
    in_hunk = False  # "+++ x" inside a hunk is an added line "++ x", not a file header
    for line in lines:
        if line.startswith(COMMIT_MARK):
            if path is not None or new_commit:
                yield commit, stamp, path, added, new_commit
            sha, _, when = line[len(COMMIT_MARK) :].partition(" ")
            commit, stamp, path, added, new_commit = sha, int(when or 0), None, [], True
            in_hunk = False
        elif line.startswith("diff --git "):
            if path is not None:
                yield commit, stamp, path, added, new_commit
                new_commit = False
            path, added, in_hunk = None, [], False
        elif line.startswith("+++ ") and not in_hunk:
            target = line[4:]
            path = None if target == "/dev/null" else _unquote(target)
            if path is not None and path.startswith(("b/", '"b/')):
                path = path[2:]
        elif line.startswith("@@"):
            hunk = HUNK.match(line)
            number = int(hunk.group(1)) if hunk else 0
            in_hunk = True
        elif line.startswith("+") and path is not None:
            added.append((line[1:], number, 1))
            number += 1
    if path is not None or new_commit:
        yield commit, stamp, path, added, new_commit
