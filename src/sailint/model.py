"""Core value types shared by collectors, rules, the engine and formatters."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Level(enum.IntEnum):
    """Severity level of a finding, ordered so that comparisons mean "at least"."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """The lowercase name used in output, config and SARIF."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Level:
        """Parse a level name; raises ``ValueError`` for an unknown one."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown level {value!r} (expected note, warning or error)") from None


class Confidence(enum.IntEnum):
    """How sure a rule is that a finding is a true positive."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        """The lowercase name used in output and config."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Confidence:
        """Parse a confidence name; raises ``ValueError`` for an unknown one."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown confidence {value!r} (expected low, medium or high)"
            ) from None


@dataclass(frozen=True)
class Location:
    """A place in a file: project-relative POSIX path and 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    message: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, int, int]:
        """Order by place; unknown end positions sort first (None is never compared)."""
        return (self.path, self.line, self.column, self.end_line or 0, self.end_column or 0)


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not reported as open: an inline comment or a config ignore."""

    kind: str  # "inSource" (comment in the scanned file) or "external" (config, baseline)
    justification: str
    origin: str  # human-readable origin, e.g. "train.py:12" or "pyproject.toml [tool.sailint]"


@dataclass
class Finding:
    """One problem reported by one rule at one primary location."""

    rule_id: str
    message: str
    level: Level
    confidence: Confidence
    location: Location
    related: tuple[Location, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    key: str | None = None  # logical identity used for the fingerprint; None = primary line text
    suppression: Suppression | None = None


@dataclass(frozen=True, order=True)
class Skipped:
    """A file that was not (fully) analysed, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Notification:
    """A message about the run itself (bad suppression, expired ignore, rule error)."""

    level: str  # "error" | "warning" | "note"
    message: str
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True, order=True)
class Evidence:
    """Something found in the repository that shows a Guideline is being followed."""

    rule_id: str
    path: str
    line: int
    description: str


@dataclass(frozen=True)
class ProjectInfo:
    """Where a scanned project sits, for building output paths."""

    root: str  # absolute path of the scanned directory
    repo_root: str | None  # absolute path of the git work tree, if any
    uri_prefix: str  # project root relative to the repo root ("" or "sub/dir/")
