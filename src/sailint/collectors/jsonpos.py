"""A JSON reader that remembers where each string value sits in the file."""

from __future__ import annotations

import bisect
import json
from json import decoder, scanner
from typing import Any


class PosStr(str):
    """A decoded JSON string that knows the offset of its opening quote."""

    pos: int = 0


class _PositionDecoder(json.JSONDecoder):
    """JSONDecoder whose string values are PosStr (keys stay plain str)."""

    def __init__(self) -> None:
        super().__init__()

        def parse_string(text: str, end: int, strict: bool = True) -> tuple[PosStr, int]:
            value, new_end = decoder.scanstring(text, end, strict)  # type: ignore[attr-defined]
            located = PosStr(value)
            located.pos = end - 1
            return located, new_end

        self.parse_string = parse_string
        # The pure-Python scanner calls self.parse_string; the C one would bypass it.
        self.scan_once = scanner.py_make_scanner(self)  # type: ignore[attr-defined]


class LineIndex:
    """Converts character offsets of a text into 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        """Index the line starts of ``text``."""
        self.starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.starts.append(index + 1)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def loads_with_positions(text: str) -> Any:
    """Parse JSON whose string values carry ``.pos``; raises ValueError or RecursionError."""
    return _PositionDecoder().decode(text)
