"""A JSON reader that remembers where each string value sits in the file."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from json import decoder, scanner
from typing import Any


class PosStr(str):
    """A decoded JSON string that knows the offset of its opening quote."""

    pos: int = 0


class PosDict(dict[str, Any]):
    """A decoded JSON object that knows the offsets of its ``{`` and just past its ``}``."""

    start: int = 0
    end: int = 0


class _PositionDecoder(json.JSONDecoder):
    """JSONDecoder whose string values are PosStr (keys stay plain str), objects PosDict."""

    def __init__(self, objects: bool = False) -> None:
        super().__init__()

        def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
            value, end = decoder.JSONObject(s_and_end, *args)  # type: ignore[attr-defined]
            located = PosDict(value)
            located.start, located.end = s_and_end[1] - 1, end
            return located, end

        if objects:
            self.parse_object = parse_object

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


def loads_with_positions(text: str, objects: bool = False) -> Any:
    """Parse JSON whose string values carry ``.pos``; raises ValueError or RecursionError.

    With ``objects``, every JSON object is a ``PosDict`` with its extent (see ``key_offset``).
    """
    return _PositionDecoder(objects).decode(text)


def _nested_objects(value: Any) -> Iterator[PosDict]:
    """The objects directly inside ``value`` (through lists), not their own children."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, PosDict):
            yield current
        elif isinstance(current, list):
            stack.extend(current)


def key_offset(text: str, obj: PosDict, key: str) -> int | None:
    """Offset of the opening quote of ``key`` as a key of ``obj`` itself (not of a nested object)."""
    nested = [
        (child.start, child.end) for value in obj.values() for child in _nested_objects(value)
    ]
    quoted = re.escape(json.dumps(key))
    for match in re.finditer(quoted + r"\s*:", text[obj.start : obj.end]):
        offset = obj.start + match.start()
        if text[offset - 1] != "\\" and not any(a <= offset < b for a, b in nested):
            return offset
    return None


def json_problem(error: ValueError | RecursionError) -> str:
    """Why ``loads_with_positions`` failed, naming the line when there is one."""
    if isinstance(error, json.JSONDecodeError):
        return f"invalid JSON at line {error.lineno}"
    if isinstance(error, RecursionError):
        return "JSON nested too deeply to read"
    return "invalid JSON"
