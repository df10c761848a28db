"""The scanned project: its files, cached text, lazily built views, skips and notifications."""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import translate
from pathlib import Path, PurePosixPath
from typing import TypeVar

from sailint.config import Config
from sailint.inventory import FileEntry, Inventory, build_inventory
from sailint.model import Evidence, Notification, ProjectInfo, Skipped

SNIFF_BYTES = 8192

V = TypeVar("V", bound="View")


@dataclass(frozen=True)
class ProjectMark:
    """How much a project had recorded at one point of the scan."""

    notifications: int
    evidence: int
    skipped: set[str]
    analysed: set[str]


@dataclass(frozen=True)
class ProjectChanges:
    """What was recorded on a project after a mark: sent back by worker processes."""

    skipped: list[Skipped]
    notifications: list[Notification]
    evidence: list[Evidence]
    analysed: set[str]


class View(ABC):
    """A typed view of the project built once per scan by a collector and shared by rules."""

    @classmethod
    @abstractmethod
    def build(cls: type[V], project: Project) -> V:
        """Build the view from the project's files (collectors record skips on the project)."""


class Project:
    """Everything rules may read about one scanned directory."""

    def __init__(
        self,
        root: Path,
        config: Config,
        only: Iterable[str] | None = None,
        inventory: Inventory | None = None,
    ) -> None:
        """Inventory ``root`` with ``config``'s excludes (``only`` restricts to given files)."""
        self.root = root.resolve()
        self.config = config
        self.file_mode = only is not None
        self.inventory = inventory or build_inventory(self.root, config.exclude, only)
        repo_root = self.inventory.repo_root
        prefix = ""
        if repo_root:
            rel = os.path.relpath(self.root, repo_root)
            prefix = "" if rel == "." else PurePosixPath(Path(rel).as_posix()).as_posix() + "/"
        self.info = ProjectInfo(str(self.root), repo_root, prefix)
        self.files: dict[str, FileEntry] = {entry.path: entry for entry in self.inventory.files}
        self._text: dict[str, str | None] = {}
        self._lines: dict[str, list[str]] = {}
        self._views: dict[type[View], View] = {}
        self._matches: dict[tuple[str, ...], list[str]] = {}
        self._skipped: dict[str, Skipped] = {s.path: s for s in self.inventory.skipped}
        self.analysed: set[str] = set()
        self.claimed: set[str] = set()  # binary files a collector analysed (model files ...)
        self.notifications: list[Notification] = []
        self.evidence: list[Evidence] = []

    # -- files -------------------------------------------------------------------------

    def paths(self, *patterns: str) -> list[str]:
        """Project-relative paths whose name or path matches any fnmatch ``patterns``."""
        if not patterns:
            return list(self.files)
        found = self._matches.get(patterns)
        if found is None:
            # One compiled alternation per pattern set, cached: rules ask for the same sets
            # again and again, and fnmatch per file and pattern cost seconds on large projects.
            regex = re.compile("|".join(f"(?:{translate(pattern)})" for pattern in patterns))
            found = [
                path
                for path in self.files
                if regex.match(path) or regex.match(path.rsplit("/", 1)[-1])
            ]
            self._matches[patterns] = found
        return list(found)

    def exists(self, path: str) -> bool:
        """True if ``path`` is a file of the project inventory."""
        return path in self.files

    def is_binary(self, path: str) -> bool:
        """True if the file's first bytes contain a NUL byte (or it cannot be read)."""
        head = self.read_head(path)
        return head is None or b"\0" in head

    def read_head(self, path: str, size: int = SNIFF_BYTES) -> bytes | None:
        """The first ``size`` bytes of a file, or None (and a skip) if it cannot be read."""
        entry = self.files.get(path)
        if entry is None:
            return None
        try:
            with open(entry.abspath, "rb") as handle:
                return handle.read(size)
        except OSError as error:
            self.skip(path, f"unreadable: {error.strerror or error}")
            return None

    def text(self, path: str) -> str | None:
        """The file decoded as UTF-8, or None with a reported skip (binary, too large, ...)."""
        if path in self._text:
            return self._text[path]
        value = self._read_text(path)
        self._text[path] = value
        if value is not None:
            self.analysed.add(path)
        return value

    def _read_text(self, path: str) -> str | None:
        entry = self.files.get(path)
        if entry is None:
            return None
        limit = self.config.max_file_size
        if entry.size > limit:
            self.skip(
                path, f"larger than max-file-size ({entry.size} > {limit} bytes), text not read"
            )
            return None
        try:
            with open(entry.abspath, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as error:
            self.skip(path, f"unreadable: {error.strerror or error}")
            return None
        if b"\0" in data[:SNIFF_BYTES]:
            self.skip(path, "binary file, text not read")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.skip(
                path, f"not valid UTF-8 (invalid byte at offset {error.start}), text not read"
            )
            return None
        return text

    def lines(self, path: str) -> list[str]:
        """The file's text split into lines (empty when it cannot be read as text)."""
        if path not in self._lines:
            text = self.text(path)
            self._lines[path] = text.splitlines() if text is not None else []
        return self._lines[path]

    def line_text(self, path: str, line: int) -> str:
        """One 1-based line of a text file, or "" when out of range or unreadable."""
        lines = self.lines(path)
        return lines[line - 1] if 0 < line <= len(lines) else ""

    # -- views, skips, notes -------------------------------------------------------------

    def get(self, view: type[V]) -> V:
        """The view of type ``view``, built on first use and cached for the scan."""
        cached = self._views.get(view)
        if cached is None:
            cached = view.build(self)
            self._views[view] = cached
        assert isinstance(cached, view)
        return cached

    def has_view(self, view: type[View]) -> bool:
        """True if the view was built during this scan."""
        return view in self._views

    def skip(self, path: str, reason: str) -> None:
        """Record that ``path`` could not be (fully) analysed; the first reason wins."""
        self._skipped.setdefault(path, Skipped(path, reason))

    def notify(
        self, level: str, message: str, path: str | None = None, line: int | None = None
    ) -> None:
        """Record a message about the run itself."""
        self.notifications.append(Notification(level, message, path, line))

    def add_evidence(self, rule_id: str, path: str, line: int, description: str) -> None:
        """Record positive evidence that a Guideline is followed."""
        item = Evidence(rule_id, path, line, description)
        if item not in self.evidence:
            self.evidence.append(item)

    def claim(self, path: str) -> None:
        """Mark a file as analysed by a binary-aware collector (e.g. model files)."""
        self.analysed.add(path)
        self.claimed.add(path)

    def mark(self) -> ProjectMark:
        """A point to collect what was recorded after it (see ``changes_since``)."""
        return ProjectMark(
            len(self.notifications), len(self.evidence), set(self._skipped), set(self.analysed)
        )

    def changes_since(self, mark: ProjectMark) -> ProjectChanges:
        """Skips, notifications, evidence and analysed files recorded after ``mark``.

        A worker process analyses part of the project on its own copy of it; these changes are
        what it sends back to be ``merge``d into the scan's project.
        """
        return ProjectChanges(
            [item for path, item in self._skipped.items() if path not in mark.skipped],
            self.notifications[mark.notifications :],
            self.evidence[mark.evidence :],
            self.analysed - mark.analysed,
        )

    def merge(self, changes: ProjectChanges) -> None:
        """Record what a worker recorded on its copy of the project."""
        for item in changes.skipped:
            self._skipped.setdefault(item.path, item)
        self.notifications.extend(changes.notifications)
        for found in changes.evidence:
            if found not in self.evidence:
                self.evidence.append(found)
        self.analysed.update(changes.analysed)

    def skipped(self) -> list[Skipped]:
        """Every skip, plus binary files that no collector analysed."""
        # A claimed binary file was analysed; that it is not text (e.g. when the engine reads the
        # line of a finding on it) is no skip.
        result = {
            path: item
            for path, item in self._skipped.items()
            if not (path in self.claimed and item.reason.endswith("text not read"))
        }
        for path in self.files:
            if path in self.analysed or path in result or path in self._text:
                continue
            if self.is_binary(path):
                result.setdefault(path, Skipped(path, "binary file with no analyser for its type"))
        return sorted(result.values())

    def anchor(self) -> str:
        """Where findings about something missing go when no better file exists."""
        for name in ("README.md", "README.rst", "README.txt", "README"):
            if name in self.files:
                return name
        return min(self.files) if self.files else "README.md"
