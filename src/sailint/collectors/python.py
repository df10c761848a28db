"""Python code parsed once per scan: ``.py`` modules and notebook code cells alike."""

from __future__ import annotations

import ast
import gc
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sailint.model import Location
from sailint.project import Project

if TYPE_CHECKING:
    from sailint.collectors.notebooks import Notebook

PYTHON_PATTERNS = ("*.py", "*.pyw")
# IPython lines that are not Python: shell escapes, magics, help queries.
MAGIC_LINE = re.compile(r"^\s*(!|%|\?|[A-Za-z_][\w.]*\?\s*$)")
SHEBANG_PYTHON = re.compile(rb"^#!.*\bpython[0-9.]*\b")


@dataclass(frozen=True)
class Magic:
    """An IPython magic or ``!`` shell line of a notebook, kept out of the parse."""

    text: str
    location: Location


@dataclass
class PythonSource:
    """One parsed unit of Python: a module, or all code cells of one notebook."""

    path: str
    text: str
    tree: ast.Module
    kind: str = "module"  # "module" | "notebook"
    # For notebooks: 1-based line of the joined cell code -> (file line, file column offset)
    line_map: list[tuple[int, int]] | None = None
    magics: list[Magic] = field(default_factory=list)
    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        """The unit's source lines (joined cells for notebooks)."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def _char_column(self, line: int, byte_offset: int) -> int:
        """Convert ast's UTF-8 byte offset on ``line`` into a 0-based character offset."""
        if not 0 < line <= len(self.lines):
            return byte_offset
        encoded = self.lines[line - 1].encode("utf-8")
        return len(encoded[:byte_offset].decode("utf-8", errors="ignore"))

    def location(self, node: ast.AST | int, column: int | None = None) -> Location:
        """The file location of an AST node (or of a 1-based unit line)."""
        if isinstance(node, int):
            line, col, end_line, end_col = node, column or 0, None, None
        else:
            line = getattr(node, "lineno", 1)
            col = self._char_column(line, getattr(node, "col_offset", 0))
            end_line = getattr(node, "end_lineno", None)
            end_offset = getattr(node, "end_col_offset", None)
            end_col = (
                self._char_column(end_line, end_offset)
                if end_line is not None and end_offset is not None
                else None
            )
        if self.line_map is None:
            return Location(
                self.path,
                line,
                col + 1,
                end_line,
                end_col + 1 if end_col is not None and end_line is not None else None,
            )
        file_line, file_col = self.line_map[min(max(line, 1), len(self.line_map)) - 1]
        return Location(self.path, file_line, file_col + col)


def _parse(path: str, text: str) -> ast.Module:
    # A syntax tree holds no reference cycles, but its thousands of new nodes would set off the
    # cycle collector again and again while it is built: parsing runs with collection paused.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not our business
            return ast.parse(text, filename=path)
    finally:
        if collecting:
            gc.enable()


def _syntax_reason(error: SyntaxError, text: str) -> str:
    hint = ""
    if re.search(r"^\s*print\s+[^(\s=]", text, re.MULTILINE) or "except Exception, " in text:
        hint = " (looks like Python 2)"
    return f"Python syntax error at line {error.lineno}: {error.msg}{hint}; not analysed"


@dataclass(frozen=True)
class NotebookCode:
    """A notebook's code cells joined into one unit of text, magics blanked out."""

    text: str
    line_map: list[tuple[int, int]]
    magics: list[Magic]


def notebook_code(notebook: Notebook) -> NotebookCode:
    """Join a notebook's code cells with a line map; IPython magics are kept aside."""
    code: list[str] = []
    line_map: list[tuple[int, int]] = []
    magics: list[Magic] = []
    for cell in notebook.code_cells:
        cell_lines = cell.lines
        is_cell_magic = bool(cell_lines) and cell_lines[0].text.lstrip().startswith("%%")
        for mapped in cell_lines:
            location = Location(notebook.path, mapped.line, mapped.column)
            if is_cell_magic or MAGIC_LINE.match(mapped.text):
                magics.append(Magic(mapped.text, location))
                code.append("")  # keep the line count so positions stay mapped
            else:
                code.append(mapped.text)
            line_map.append((mapped.line, mapped.column))
        code.append("")  # cells are separate statements
        line_map.append((cell_lines[-1].line if cell_lines else cell.line, 1))
    return NotebookCode("\n".join(code) + "\n", line_map or [(1, 1)], magics)


def is_python_notebook(notebook: Notebook) -> bool:
    """True for a notebook whose kernel runs Python (R or Julia notebooks are not parsed)."""
    return notebook.kernel_language.startswith("python")


def notebook_unit(project: Project, notebook: Notebook) -> PythonSource | None:
    """A Python notebook's code as one parsed unit, or None (syntax errors are reported)."""
    if not is_python_notebook(notebook):
        return None
    code = notebook_code(notebook)
    try:
        tree = _parse(notebook.path, code.text)
    except SyntaxError as error:
        line_map = code.line_map
        file_line = line_map[min(max(error.lineno or 1, 1), len(line_map)) - 1][0]
        project.skip(
            notebook.path,
            f"Python syntax error in a code cell (file line {file_line}): {error.msg}; "
            "code not analysed",
        )
        return None
    except (ValueError, RecursionError, MemoryError) as error:
        project.skip(notebook.path, f"notebook code cannot be parsed: {type(error).__name__}")
        return None
    return PythonSource(notebook.path, code.text, tree, "notebook", code.line_map, code.magics)


def module_paths(project: Project) -> list[str]:
    """Python modules of the project: ``*.py``/``*.pyw`` and extensionless Python scripts."""
    candidates = set(project.paths(*PYTHON_PATTERNS))
    for path in project.files:
        if "." not in path.rsplit("/", 1)[-1] and path not in candidates:
            head = project.read_head(path, 64)
            if head and SHEBANG_PYTHON.match(head):
                candidates.add(path)
    return sorted(candidates)


def load_module(project: Project, path: str) -> PythonSource | None:
    """Read and parse one module; unreadable or unparsable files become reported skips."""
    text = project.text(path)
    if text is None:
        return None
    try:
        tree = _parse(path, text)
    except SyntaxError as error:
        project.skip(path, _syntax_reason(error, text))
        return None
    except (ValueError, RecursionError, MemoryError) as error:
        project.skip(path, f"Python file cannot be parsed: {type(error).__name__}")
        return None
    return PythonSource(path, text, tree)
