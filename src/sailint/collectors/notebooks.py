"""Jupyter notebooks: code cells and outputs, each line mapped back to the ``.ipynb`` file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sailint.collectors.jsonpos import LineIndex, PosStr, loads_with_positions
from sailint.project import Project, View

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TEXT_MIME_TYPES = (
    "text/plain",
    "text/html",
    "text/markdown",
    "text/latex",
    "application/javascript",
)


@dataclass(frozen=True)
class MappedLine:
    """One line of cell text and where it sits in the notebook file."""

    text: str
    line: int  # 1-based line in the .ipynb file
    column: int  # 1-based column of the line's first character (approximate after escapes)


@dataclass
class CellOutput:
    """The text of one output of a code cell (never base64 images)."""

    kind: str  # stream | execute_result | display_data | error
    mime: str
    lines: list[MappedLine]


@dataclass
class Cell:
    """A notebook cell with its source lines and outputs."""

    index: int
    cell_type: str
    lines: list[MappedLine]
    outputs: list[CellOutput] = field(default_factory=list)
    line: int = 1  # line of the cell's "source" key (anchor when the source is empty)

    @property
    def source(self) -> str:
        """The cell's source as one string."""
        return "\n".join(item.text for item in self.lines)


@dataclass
class Notebook:
    """A parsed notebook."""

    path: str
    cells: list[Cell]
    kernel_language: str

    @property
    def code_cells(self) -> list[Cell]:
        """Cells of type code."""
        return [cell for cell in self.cells if cell.cell_type == "code"]

    @property
    def has_outputs(self) -> bool:
        """True if any code cell stored outputs."""
        return any(cell.outputs for cell in self.cells)


def _mapped(value: Any, index: LineIndex, strip_ansi: bool = False) -> list[MappedLine]:
    """Split a notebook multiline string (str or list of str) into mapped lines."""
    pieces = value if isinstance(value, list) else [value]
    result: list[MappedLine] = []
    pending = ""
    pending_pos: tuple[int, int] | None = None
    for piece in pieces:
        if not isinstance(piece, str):
            continue
        position = index.position(piece.pos + 1) if isinstance(piece, PosStr) else (1, 1)
        text = ANSI_ESCAPE.sub("", piece) if strip_ansi else piece
        for chunk in text.splitlines(keepends=True):
            if pending_pos is None:
                pending_pos = position
            pending += chunk
            if chunk.endswith(("\n", "\r")):
                result.append(MappedLine(pending.rstrip("\r\n"), *pending_pos))
                pending, pending_pos = "", None
    if pending_pos is not None:
        result.append(MappedLine(pending, *pending_pos))
    return result


def _outputs(raw: Any, index: LineIndex) -> list[CellOutput]:
    outputs: list[CellOutput] = []
    if not isinstance(raw, list):
        return outputs
    for item in raw:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("output_type", ""))
        if kind == "stream":
            outputs.append(CellOutput(kind, "text/plain", _mapped(item.get("text", ""), index)))
        elif kind in ("execute_result", "display_data"):
            data = item.get("data", {})
            if isinstance(data, dict):
                for mime in TEXT_MIME_TYPES:
                    if mime in data:
                        outputs.append(CellOutput(kind, mime, _mapped(data[mime], index)))
        elif kind == "error":
            lines = _mapped(item.get("traceback", []), index, strip_ansi=True)
            evalue = item.get("evalue")
            if isinstance(evalue, str):
                lines += _mapped(evalue, index)
            outputs.append(CellOutput(kind, "text/plain", lines))
    return outputs


def parse_notebook(path: str, text: str) -> Notebook:
    """Parse notebook JSON; raises ValueError with a readable reason when it is not one."""
    try:
        data = loads_with_positions(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid notebook JSON at line {error.lineno}: {error.msg}") from None
    except RecursionError:
        raise ValueError("notebook JSON is nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no 'cells' list)")
    index = LineIndex(text)
    language = "python"
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        info = metadata.get("kernelspec") or metadata.get("language_info") or {}
        if isinstance(info, dict):
            language = str(info.get("language") or info.get("name") or "python").lower()
    cells = []
    for number, raw in enumerate(data["cells"]):
        if not isinstance(raw, dict):
            continue
        source = raw.get("source", "")
        lines = _mapped(source, index)
        anchor = lines[0].line if lines else 1
        if not lines and isinstance(source, PosStr):
            anchor = index.position(source.pos)[0]
        cells.append(
            Cell(
                index=number,
                cell_type=str(raw.get("cell_type", "")),
                lines=lines,
                outputs=_outputs(raw.get("outputs"), index),
                line=anchor,
            )
        )
    return Notebook(path, cells, language)


class Notebooks(View):
    """Every ``.ipynb`` file of the project, parsed once."""

    def __init__(self, notebooks: list[Notebook]) -> None:
        """Hold the parsed notebooks."""
        self.notebooks = notebooks

    @classmethod
    def build(cls, project: Project) -> Notebooks:
        """See ``View.build``; unparsable notebooks are reported as skipped."""
        notebooks = []
        for path in project.paths("*.ipynb"):
            text = project.text(path)
            if text is None:
                continue
            try:
                notebooks.append(parse_notebook(path, text))
            except ValueError as error:
                project.skip(path, str(error))
        return cls(notebooks)
