"""Notebook parsing: code cells and outputs mapped to real .ipynb lines; broken notebooks skipped."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import scan, write_files

from sailint.collectors.notebooks import parse_notebook
from sailint.collectors.pyunits import load_unit, units_of
from sailint.config import Config
from sailint.project import Project
from sailint.rulemeta import ExampleFile

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Fine-tune\n", "notes"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "source": [
                "!pip install transformers\n",
                "import torch\n",
                "model.save_pretrained('out')",
            ],
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": ["loss 0.31\n", "done\n"]},
                {
                    "output_type": "display_data",
                    "data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure>"]},
                },
                {
                    "output_type": "error",
                    "ename": "ValueError",
                    "evalue": "bad",
                    "traceback": ["\u001b[31mValueError\u001b[0m: bad"],
                },
            ],
        },
    ],
    "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _lines_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_cells_and_outputs_map_to_file_lines() -> None:
    text = json.dumps(NOTEBOOK, indent=1)
    notebook = parse_notebook("nb.ipynb", text)
    code = notebook.code_cells[0]
    assert [line.text for line in code.lines] == [
        "!pip install transformers",
        "import torch",
        "model.save_pretrained('out')",
    ]
    assert code.lines[2].line == _lines_of(text, "save_pretrained")
    assert code.lines[2].column == text.splitlines()[code.lines[2].line - 1].index("model") + 1
    stream, plain, error = code.outputs
    assert [line.text for line in stream.lines] == ["loss 0.31", "done"]
    assert stream.lines[1].line == _lines_of(text, "done")
    assert plain.mime == "text/plain"  # the base64 image is never read as text
    assert error.lines[0].text == "ValueError: bad"


def test_python_view_maps_notebook_code_and_keeps_magics(tmp_path: Path) -> None:
    text = json.dumps(NOTEBOOK, indent=1)
    (tmp_path / "nb.ipynb").write_text(text)
    project = Project(tmp_path, Config())
    (unit,) = units_of(project)
    source = load_unit(project, unit)
    assert source is not None
    assert source.kind == "notebook"
    assert [m.text for m in source.magics] == ["!pip install transformers"]
    assert source.magics[0].location.line == _lines_of(text, "!pip")
    call = next(n for n in __import__("ast").walk(source.tree) if type(n).__name__ == "Call")
    assert source.location(call).line == _lines_of(text, "save_pretrained")


def test_findings_in_notebooks_point_at_the_ipynb_line(tmp_path: Path) -> None:
    text = json.dumps(NOTEBOOK, indent=1)
    write_files(tmp_path, [ExampleFile("finetune.ipynb", text)])
    (finding,) = scan(tmp_path, ["SAI401"]).open_findings
    assert (finding.location.path, finding.location.line) == (
        "finetune.ipynb",
        _lines_of(text, "save_pretrained"),
    )


def test_broken_notebooks_are_reported_not_fatal(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        [
            ExampleFile("broken.ipynb", '{"cells": [\n  {"cell_type": "code",\n'),
            ExampleFile("notanotebook.ipynb", "[1, 2, 3]"),
            ExampleFile(
                "syntax.ipynb",
                json.dumps({"cells": [{"cell_type": "code", "source": ["def f(:\n"]}]}),
            ),
            ExampleFile("deep.ipynb", "[" * 100000 + "]" * 100000),
        ],
    )
    project = Project(tmp_path, Config())
    assert [load_unit(project, unit) for unit in units_of(project)] == [None] * 4
    reasons = {s.path: s.reason for s in project.skipped()}
    assert reasons["broken.ipynb"].startswith("invalid notebook JSON at line 3")
    assert reasons["notanotebook.ipynb"] == "not a Jupyter notebook (no 'cells' list)"
    assert reasons["syntax.ipynb"].startswith("Python syntax error in a code cell (file line 1)")
    assert reasons["deep.ipynb"] == "notebook JSON is nested too deeply"


def test_python_syntax_errors_and_python2_are_skipped(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        [
            ExampleFile("legacy.py", 'print "hello"\n'),
            ExampleFile("ok.py", "x = 1\n"),
            ExampleFile("bin/tool", "#!/usr/bin/env python3\nx = 1\n"),
        ],
    )
    project = Project(tmp_path, Config())
    loaded = [load_unit(project, unit) for unit in units_of(project)]
    assert sorted(s.path for s in loaded if s is not None) == ["bin/tool", "ok.py"]
    reasons = {s.path: s.reason for s in project.skipped()}
    assert "looks like Python 2" in reasons["legacy.py"]
