"""Secrets in the working tree: every text file, notebook cell sources and notebook outputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sailint.collectors.notebooks import Notebook, Notebooks
from sailint.collectors.secretdetect import DetectorError, SecretMatch, TextLine, load_detectors
from sailint.project import Project, View

Scanner = Callable[[Sequence[TextLine], str], list[SecretMatch]]


@dataclass(frozen=True)
class FoundSecret:
    """A secret at a place in the project; ``where`` says which part of a notebook."""

    path: str
    match: SecretMatch
    where: str = "file"  # file | notebook source | notebook output
    cell: int | None = None  # 1-based cell number in a notebook
    output: str | None = None  # stream | execute_result | display_data | error


@dataclass
class SecretScan(View):
    """Every secret found in the files of the project (one pass, shared by SAI201-SAI203)."""

    in_sources: list[FoundSecret] = field(default_factory=list)
    in_outputs: list[FoundSecret] = field(default_factory=list)
    files_scanned: int = 0

    @property
    def digests(self) -> set[str]:
        """SHA-256 of every secret present in the tree (history reports only the others)."""
        return {f.match.digest for f in self.in_sources + self.in_outputs}

    @classmethod
    def build(cls, project: Project) -> SecretScan:
        """See ``View.build``; an invalid detector file becomes an error notification."""
        scan = cls()
        try:
            detectors = load_detectors()
        except DetectorError as error:
            project.notify("error", f"secret detectors unavailable: {error}")
            return scan
        parsed = {nb.path: nb for nb in project.get(Notebooks).notebooks}
        for path in sorted(project.files):
            if path in parsed:
                scan.files_scanned += 1
                scan._add_notebook(parsed[path], detectors.scan_lines)
                continue
            if project.is_binary(path):
                continue  # model files and images: other collectors claim or report them
            text = project.text(path)
            if text is None:
                continue
            scan.files_scanned += 1
            for match in detectors.scan_text(text, path):
                scan.in_sources.append(FoundSecret(path, match))
        return scan

    def _add_notebook(self, notebook: Notebook, scan_lines: Scanner) -> None:
        sources: list[TextLine] = []
        cell_of: dict[int, int] = {}
        for cell in notebook.cells:
            for item in cell.lines:
                sources.append((item.text, item.line, item.column))
                cell_of.setdefault(item.line, cell.index + 1)
        for match in scan_lines(sources, notebook.path):
            self.in_sources.append(
                FoundSecret(notebook.path, match, "notebook source", cell_of.get(match.line))
            )
        for cell in notebook.code_cells:
            for output in cell.outputs:
                lines = [(item.text, item.line, item.column) for item in output.lines]
                # Output text is data, never code: quotes are not required around a value.
                for match in scan_lines(lines, notebook.path + ".output.txt"):
                    self.in_outputs.append(
                        FoundSecret(
                            notebook.path, match, "notebook output", cell.index + 1, output.kind
                        )
                    )
