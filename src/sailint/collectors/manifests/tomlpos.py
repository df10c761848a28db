"""TOML parsing that survives broken sections, and line numbers that tomllib does not give.

tomllib returns plain values without positions. Lines are recovered by a targeted text search:
a reader asks for the first line at or after a starting line that holds a given key or quoted
string (e.g. ``name = "torch"`` after the N-th ``[[package]]`` header). Because TOML entries are
read in file order, a cursor that only moves forward finds each entry's own line even when the
same text appears in several tables. When the whole document does not parse, it is split at its
table headers and each section is parsed on its own so that one bad table costs only that table.
"""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
ERROR_LINE = re.compile(r"at line (\d+)")


def error_line(error: Exception) -> int:
    """The 1-based line a TOMLDecodeError names (1 when it names none)."""
    line = getattr(error, "lineno", None)
    if isinstance(line, int):
        return line
    match = ERROR_LINE.search(str(error))
    return int(match.group(1)) if match else 1


def _merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, list) and isinstance(target.get(key), list):
            target[key].extend(value)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def load_resilient(text: str) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """Parse TOML; on error parse each table section alone. Returns (data, [(line, error)])."""
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as error:
        first_error = (error_line(error), str(error).split(" (at ")[0])
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if HEADER.match(line)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    data: dict[str, Any] = {}
    errors: list[tuple[int, str]] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        chunk = "\n".join(lines[start:end])
        try:
            _merge(data, tomllib.loads(chunk))
        except tomllib.TOMLDecodeError as error:
            errors.append((start + error_line(error), str(error).split(" (at ")[0]))
    return data, errors or [first_error]


class LineFinder:
    """Finds the lines of TOML keys and values by forward text search."""

    def __init__(self, text: str) -> None:
        """Index ``text`` by lines."""
        self.lines = text.splitlines()
        self._index: dict[str, dict[str, list[int]]] = {}

    def header(self, name: str, start: int = 1) -> int | None:
        """The line of table header ``[name]`` or ``[[name]]`` at or after ``start``."""
        for number in range(max(1, start), len(self.lines) + 1):
            match = HEADER.match(self.lines[number - 1])
            if match and match.group(1).replace(" ", "") == name:
                return number
        return None

    def key(self, key: str, start: int = 1, stop: int | None = None) -> int | None:
        """The line where ``key =`` (bare or quoted) is assigned, at or after ``start``."""
        pattern = re.compile(r'^\s*(["\']?)' + re.escape(key) + r"\1\s*=")
        return self._search(pattern, start, stop)

    def assignment(self, key: str, value: str, start: int = 1) -> int | None:
        """The line of ``key = "value"`` at or after ``start`` (e.g. a lock's package name)."""
        for line in self._assignments(key).get(value, []):
            if line >= start:
                return line
        return None

    def _assignments(self, key: str) -> dict[str, list[int]]:
        """Value -> lines of every one-line ``key = "value"`` (indexed once per key)."""
        if key not in self._index:
            pattern = re.compile(
                r'^\s*(["\']?)' + re.escape(key) + r"\1\s*=\s*([\"'])(.*?)\2\s*(#.*)?$"
            )
            index: dict[str, list[int]] = {}
            for number, text in enumerate(self.lines, start=1):
                match = pattern.match(text)
                if match:
                    index.setdefault(match.group(3), []).append(number)
            self._index[key] = index
        return self._index[key]

    def string(self, value: str, start: int = 1, stop: int | None = None) -> int | None:
        """The line holding the quoted string ``value`` at or after ``start``."""
        pattern = re.compile(r"([\"'])" + re.escape(value) + r"\1")
        return self._search(pattern, start, stop)

    def section_end(self, start: int) -> int:
        """The last line of the table that starts at line ``start``."""
        for number in range(start + 1, len(self.lines) + 1):
            if HEADER.match(self.lines[number - 1]):
                return number - 1
        return len(self.lines)

    def _search(self, pattern: re.Pattern[str], start: int, stop: int | None) -> int | None:
        last = min(stop or len(self.lines), len(self.lines))
        for number in range(max(1, start), last + 1):
            if pattern.search(self.lines[number - 1]):
                return number
        return None
