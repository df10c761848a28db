"""Inline ``sailint: ignore[...]`` comments, config ignores with expiry, and per-file ignores."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from fnmatch import fnmatch

from sailint.config import Config
from sailint.model import Finding, Notification, Suppression
from sailint.rulemeta import RuleMeta

# The comment opener may be #, //, ;, -- or <!--; in notebooks the comment sits inside a JSON string.
INLINE = re.compile(
    r"(?:#|//|;|--|<!--)\s*sailint:\s*ignore\[(?P<rules>[^\]]*)\](?P<reason>[^\n]*)"
)
_TRAILER = re.compile(r'(?:-->|(?:\\n)?"\s*,?)\s*$')


@dataclass(frozen=True)
class InlineIgnore:
    """A parsed ``sailint: ignore[...]`` comment."""

    line: int
    rules: tuple[str, ...]
    reason: str


def parse_inline(lines: list[str]) -> dict[int, list[InlineIgnore]]:
    """Inline ignores by 1-based line number."""
    found: dict[int, list[InlineIgnore]] = {}
    for number, text in enumerate(lines, start=1):
        if "sailint" not in text:
            continue
        for match in INLINE.finditer(text):
            rules = tuple(r.strip() for r in match.group("rules").split(",") if r.strip())
            reason = _TRAILER.sub("", match.group("reason")).strip(" \t-:")
            found.setdefault(number, []).append(InlineIgnore(number, rules, reason))
    return found


def rule_matches(token: str, rule: RuleMeta) -> bool:
    """True if a config/comment token (ID, slug, or ID prefix) names ``rule``."""
    token = token.strip()
    return token == rule.slug or (rule.id.upper().startswith(token.upper()) and bool(token))


def today() -> dt.date:
    """The date used for expiry checks: SOURCE_DATE_EPOCH when set, for reproducible runs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    return dt.date.today()


class Suppressor:
    """Applies every suppression source to the findings of one project."""

    def __init__(self, config: Config, lines_of: dict[str, list[str]]) -> None:
        """Use ``config`` ignores and the text lines of files holding findings."""
        self.config = config
        self.lines_of = lines_of
        self.notifications: list[Notification] = []
        self._inline: dict[str, dict[int, list[InlineIgnore]]] = {}
        self._reported: set[tuple[str, int]] = set()
        self._expired_reported: set[int] = set()

    def _inline_for(self, path: str) -> dict[int, list[InlineIgnore]]:
        if path not in self._inline:
            self._inline[path] = parse_inline(self.lines_of.get(path, []))
        return self._inline[path]

    def apply(self, finding: Finding, rule: RuleMeta) -> None:
        """Set ``finding.suppression`` if a comment or the config suppresses it."""
        path = finding.location.path
        inline = self._inline_for(path)
        for line in (finding.location.line, finding.location.line - 1):
            for entry in inline.get(line, []):
                if not any(rule_matches(token, rule) for token in entry.rules):
                    continue
                if not entry.reason:
                    if (path, line) not in self._reported:
                        self._reported.add((path, line))
                        self.notifications.append(
                            Notification(
                                "warning",
                                f"suppression of {', '.join(entry.rules)} has no reason and is "
                                "not applied; write `sailint: ignore[ID] <why it is safe>`",
                                path,
                                line,
                            )
                        )
                    continue
                finding.suppression = Suppression("inSource", entry.reason, f"{path}:{line}")
                return
        for glob, tokens in self.config.per_file_ignores.items():
            if (fnmatch(path, glob) or path.startswith(glob.rstrip("/") + "/")) and any(
                rule_matches(token, rule) for token in tokens
            ):
                finding.suppression = Suppression(
                    "external", f"per-file-ignores: {glob}", self.config.source or "config"
                )
                return
        for index, ignore in enumerate(self.config.ignores):
            if not any(rule_matches(token, rule) for token in ignore.rules):
                continue
            if ignore.paths and not any(
                fnmatch(path, glob) or path.startswith(glob.rstrip("/") + "/")
                for glob in ignore.paths
            ):
                continue
            if ignore.expires is not None and ignore.expires < today():
                if index not in self._expired_reported:
                    self._expired_reported.add(index)
                    self.notifications.append(
                        Notification(
                            "warning",
                            f"config ignore of {', '.join(ignore.rules)} expired on "
                            f"{ignore.expires.isoformat()}; its findings are reported again",
                            None,
                            None,
                        )
                    )
                continue
            finding.suppression = Suppression(
                "external", ignore.reason, self.config.source or "config"
            )
            return
