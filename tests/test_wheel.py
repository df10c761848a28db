"""The built wheel carries the rule files and data: install it in a fresh venv and scan."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, write_files

from sailint.rulemeta import ExampleFile


@pytest.mark.slow
def test_wheel_installs_and_scans(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("sailint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sailint/_rules/schema.json" in names
    assert "sailint/_rules/documentation/SAI401-missing-model-card.yaml" in names
    assert "sailint/data/taxonomy.yaml" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Dependencies come from the test interpreter's site-packages (a plain path entry: its .pth
    # files, including the editable checkout's, are not processed); sailint only from the wheel.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
        check=True,
    )
    repo = tmp_path / "repo"
    write_files(repo, [ExampleFile("train.py", 'model.save_pretrained("out")\n')])
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import sailint, sailint.registry as r; print(sailint.__file__); print(r.rules_dir())",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout.splitlines()
    assert str(venv) in where[0] and where[1].endswith("sailint/_rules")
    rules = subprocess.run(
        [str(venv / "bin" / "sailint"), "rules", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    assert "SAI401" in {r["id"] for r in json.loads(rules.stdout)}
    scan = subprocess.run(
        [
            str(venv / "bin" / "sailint"),
            "scan",
            str(repo),
            "--select",
            "SAI401",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert scan.returncode == 1, scan.stderr
    assert [f["rule"] for f in json.loads(scan.stdout)["findings"]] == ["SAI401"]
