"""Bad input for the Python analysis: skipped with a reason, never a traceback; the rest goes on."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import locations, scan

from sailint.config import Config

CODE_RULES = ["SAI306", "SAI307", "SAI108", "B602"]
GOOD = "import torch\n\nstate = torch.load('checkpoints/best.pt')\n"


def _skips(report: object) -> dict[str, str]:
    return {s.path: s.reason for s in report.skipped}  # type: ignore[attr-defined]


def test_syntax_error_and_python2_are_skipped_rest_analysed(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(GOOD)
    (tmp_path / "broken.py").write_text("import torch\n\ndef f(:\n    torch.load('x')\n")
    (tmp_path / "legacy.py").write_text(
        "import pickle\nprint 'loading'\nm = pickle.load(open('m'))\n"
    )
    report = scan(tmp_path, CODE_RULES)
    assert locations(report) == {("train.py", 3, "SAI307")}
    skips = _skips(report)
    assert skips["broken.py"].startswith("Python syntax error at line 3")
    assert "looks like Python 2" in skips["legacy.py"]
    assert not [n for n in report.notifications if n.level == "error"]


def test_non_utf8_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(GOOD)
    (tmp_path / "latin.py").write_bytes(b"# coding: latin-1\nname = '\xe9t\xe9'\nimport pickle\n")
    report = scan(tmp_path, CODE_RULES)
    assert locations(report) == {("train.py", 3, "SAI307")}
    assert "not valid UTF-8" in _skips(report)["latin.py"]


def test_broken_notebook_json_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(GOOD)
    (tmp_path / "explore.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "source": ["x = 1\\n"\n'
    )
    report = scan(tmp_path, CODE_RULES)
    assert locations(report) == {("train.py", 3, "SAI307")}
    assert _skips(report)["explore.ipynb"].startswith("invalid notebook JSON at line")


def test_notebook_cell_with_syntax_error_is_skipped(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import torch\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["for x in\n"]},
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "bad.ipynb").write_text(json.dumps(notebook, indent=1))
    (tmp_path / "train.py").write_text(GOOD)
    report = scan(tmp_path, CODE_RULES)
    assert locations(report) == {("train.py", 3, "SAI307")}
    assert "syntax error in a code cell" in _skips(report)["bad.ipynb"]


def test_huge_generated_module_is_analysed(tmp_path: Path) -> None:
    rows = "".join(
        f"WEIGHT_{i} = {{'name': 'layer{i}', 'shape': [{i}, 768]}}\n" for i in range(40_000)
    )
    (tmp_path / "generated_weights.py").write_text(
        "import torch\n" + rows + "state = torch.load('big.pt')\n"
    )
    report = scan(tmp_path, ["SAI307", "B"])
    assert ("generated_weights.py", 40_002, "SAI307") in locations(report)
    assert _skips(report) == {}


def test_file_above_max_file_size_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(GOOD)
    (tmp_path / "tables.py").write_text("X = 1\n" * 2_000 + "import pickle\npickle.loads(b'')\n")
    report = scan(tmp_path, CODE_RULES, config=Config(max_file_size=4_000))
    assert locations(report) == {("train.py", 3, "SAI307")}
    assert "larger than max-file-size" in _skips(report)["tables.py"]


def test_deeply_nested_code_is_reported_not_crashed(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(GOOD)
    concatenation = " + ".join(["'ab'"] * 2_000)
    (tmp_path / "strings.py").write_text(
        f"import os\nimport torch\nBANNER = {concatenation}\nos.system(BANNER)\n"
        "m = torch.load('x.pt', weights_only=False)\n"
    )
    report = scan(tmp_path, ["SAI307", "SAI602", "B605"])
    found = locations(report)
    assert ("train.py", 3, "SAI307") in found
    assert ("strings.py", 5, "SAI307") in found
    assert not [n for n in report.notifications if n.level == "error"]
    # bandit's recursive helpers cannot handle it: reported as an incomplete analysis, not hidden
    skips = _skips(report)
    assert list(skips) == ["strings.py"]
    assert skips["strings.py"].endswith("; bandit results incomplete")
    assert "recursion" in skips["strings.py"].lower()


def test_unparsable_nesting_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(GOOD)
    concatenation = " + ".join(["'ab'"] * 5_000)
    (tmp_path / "strings.py").write_text(f"BANNER = {concatenation}\n")
    report = scan(tmp_path, ["SAI307", "B"])
    assert locations(report) == {("train.py", 3, "SAI307")}
    assert _skips(report) == {"strings.py": "Python file cannot be parsed: RecursionError"}
