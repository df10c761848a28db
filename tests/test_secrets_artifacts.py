"""SAI207 storage detection (Git LFS patterns, DVC outputs) and SAI204-SAI206 edge cases."""

from __future__ import annotations

from pathlib import Path

from helpers import scan

from sailint.config import Config


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def _sai207(root: Path) -> list[str]:
    config = Config(select=["SAI207"], rule_options={"SAI207": {"max-size-bytes": 100}})
    report = scan(root, config=config)
    return sorted(f.location.path for f in report.open_findings)


def test_lfs_patterns_are_relative_to_their_gitattributes(tmp_path: Path) -> None:
    big = b"\x00" * 200
    _write(
        tmp_path,
        {
            "models/.gitattributes": "*.pt filter=lfs diff=lfs merge=lfs -text\n",
            "models/a.pt": big,
            "models/sub/b.pt": big,
            "other/c.pt": big,
            ".gitattributes": "# comment filter=lfs\ndata/*.parquet filter=lfs -text\n",
            "data/d.parquet": big,
            "data/nested/e.parquet": big,
        },
    )
    assert _sai207(tmp_path) == ["data/nested/e.parquet", "other/c.pt"]


def test_dvc_outputs_cover_files_and_directories(tmp_path: Path) -> None:
    big = b"\x00" * 200
    _write(
        tmp_path,
        {
            "pipeline/dvc.yaml": "stages:\n  train:\n    cmd: python t.py\n    outs:\n"
            "      - ../models/out\n      - metrics.joblib:\n          cache: false\n",
            "models/out/w.safetensors": big,
            "pipeline/metrics.joblib": big,
            "data/raw.dvc": "outs:\n- md5: abc\n  path: raw\n",
            "data/raw/x.npy": big,
            "data/other.npy": big,
        },
    )
    assert _sai207(tmp_path) == ["data/other.npy"]


def test_broken_dvc_yaml_is_a_reported_skip(tmp_path: Path) -> None:
    _write(tmp_path, {"dvc.yaml": "stages: [unclosed\n", "model.onnx": b"\x00" * 200})
    config = Config(select=["SAI207"], rule_options={"SAI207": {"max-size-bytes": 100}})
    report = scan(tmp_path, config=config)
    assert [f.location.path for f in report.open_findings] == ["model.onnx"]
    skipped = {s.path: s.reason for s in report.skipped}
    assert skipped["dvc.yaml"] == "invalid YAML at line 2; DVC outputs not read"


def test_default_limit_is_ten_mebibytes(tmp_path: Path) -> None:
    model = tmp_path / "model.safetensors"
    with open(model, "wb") as handle:  # sparse: 10 MiB + 1 byte without writing them
        handle.truncate(10 * 1024 * 1024 + 1)
    (tmp_path / "small.safetensors").write_bytes(b"\x00" * 1024)
    report = scan(tmp_path, ["SAI207"])
    assert [(f.location.path, f.message.split(" is ")[0]) for f in report.open_findings] == [
        ("model.safetensors", "model.safetensors (10.0 MiB)")
    ]


def test_env_files_judged_by_content(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".env": "DEBUG=1\nAUTHOR=ml-team\n",
            "deploy/.env.production": "SENTRY_DSN=https://9f8e7d6c5b4a@o1.ingest.sentry.io/42\n",
            ".env.sample": "HF_TOKEN=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\n",
            "id_rsa": "not even a key, but the name says what it was\n",
            "id_rsa.pub": "ssh-rsa AAAAB3 user@host\n",
        },
    )
    report = scan(tmp_path, ["SAI204"])
    assert sorted((f.location.path, f.location.line) for f in report.open_findings) == [
        (".env.sample", 1),  # a template with a real-looking token is not a template
        ("deploy/.env.production", 1),
        ("id_rsa", 1),
    ]


def test_notebook_outputs_anchor_on_the_first_output(tmp_path: Path) -> None:
    notebook = (
        '{"cells": [\n'
        ' {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],\n'
        '  "source": ["x = 1"]},\n'
        ' {"cell_type": "code", "execution_count": 2, "metadata": {},\n'
        '  "outputs": [{"name": "stdout", "output_type": "stream",\n'
        '   "text": ["42\\n"]}],\n'
        '  "source": ["print(x * 42)"]}\n'
        '], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
    )
    _write(tmp_path, {"nb.ipynb": notebook, ".gitattributes": "*.ipynb filter=nbstripout\n"})
    assert scan(tmp_path, ["SAI206"]).open_findings == []
    (tmp_path / ".gitattributes").unlink()
    (finding,) = scan(tmp_path, ["SAI206"]).open_findings
    assert (finding.location.line, finding.message.split(" and ")[0]) == (
        6,
        "notebook committed with the outputs of 1 cell(s)",
    )
