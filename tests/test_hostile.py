"""A corpus of hostile files: every one gives a finding or a reported skip, never a traceback or hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from helpers import scan, write_files

from sailint.rulemeta import ExampleFile

BILLION_LAUGHS = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def build_corpus(root: Path) -> None:
    """Write the hostile corpus below ``root`` (outside any git repository)."""
    write_files(
        root,
        [
            ExampleFile("README.md", "# hostile corpus\n"),
            ExampleFile(".github/workflows/laughs.yml", BILLION_LAUGHS),
            ExampleFile("config/laughs.yaml", BILLION_LAUGHS),
            ExampleFile("deep.json", '{"model_details": ' + "[" * 200_000 + "]" * 200_000 + "}"),
            ExampleFile("nb/deep.ipynb", '{"cells": ' + "[" * 50_000 + "]" * 50_000 + "}"),
            ExampleFile("broken.toml", "[tool.sailint\nselect = \n"),
            ExampleFile("pyproject.toml", "[project\nname = 'x'\n"),
            ExampleFile("requirements.txt", "torch>=\n--hash\n-r requirements.txt\n\x00\n"),
            ExampleFile("py2.py", 'print "legacy"\n'),
            ExampleFile("MODEL_CARD.md", "---\n: : bad front matter [\n---\n# Card\n"),
        ],
    )
    (root / "latin1.py").write_bytes("# caf\xe9\nx = 1\n".encode("latin-1"))
    (root / "generated.py").write_text("x = (" * 2000 + "1" + ")" * 2000 + "\n")
    (root / "huge.py").write_text("x = 1\n" * 2_000_000)  # ~12 MB, above the text cap
    with open(root / "sparse.bin", "wb") as handle:  # a 2 GiB sparse file
        handle.truncate(2 * 1024**3)
    bomb = root / "weights.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.pkl", b"\0" * (64 * 1024 * 1024))
    (root / "truncated.pkl").write_bytes(
        b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c"
    )
    os.symlink("/etc/passwd", root / "passwd")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    os.mkfifo(root / "fifo.py")
    unreadable = root / "unreadable.md"
    unreadable.write_text("secret\n")
    unreadable.chmod(0)


@pytest.mark.slow
def test_hostile_corpus_scans_in_bounded_time(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    build_corpus(corpus)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "sailint", "scan", str(corpus), "--format", "json", "-v"],
        capture_output=True,
        text=True,
        timeout=600,  # a hang fails the test instead of the CI run
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    skipped = {item["path"]: item["reason"] for item in report["skipped"]}
    for path in ("passwd", "loop-a", "loop-b", "fifo.py", "huge.py", "latin1.py", "py2.py"):
        assert path in skipped, (path, skipped)
    analysed_or_reported = set(skipped) | {f["location"]["path"] for f in report["findings"]}
    for path in ("deep.json", "nb/deep.ipynb", "sparse.bin", "weights.zip", "truncated.pkl"):
        assert path in analysed_or_reported or any(
            n["path"] == path for n in report["notifications"]
        ), f"{path} neither analysed with a result nor reported: {skipped}"
    assert elapsed < 600


def test_a_billion_laughs_training_config_is_a_skip_for_every_config_reader(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "configs").mkdir(parents=True)
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        previous = chr(ord("a") + level - 1)
        current = chr(ord("a") + level)
        laughs.append(f"{current}: &{current} [{', '.join(['*' + previous] * 9)}]")
    (root / "configs" / "sft.yaml").write_text(
        "model_name_or_path: org/model\ntrust_remote_code: true\n"
        "args: [streamlit, run, app.py]\n" + "\n".join(laughs) + "\n",
        encoding="utf-8",
    )
    report = scan(root)
    (skip,) = [s for s in report.skipped if s.path == "configs/sft.yaml"]
    assert "billion-laughs" in skip.reason
