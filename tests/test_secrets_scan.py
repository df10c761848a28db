"""SAI201/SAI202 in the engine: other scanners' markers, SARIF suppressions, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import scan

from sailint.formatters import sarif

HF = "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"
HF2 = "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"


def test_markers_of_other_scanners_suppress_in_source(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        f'A = "{HF}"  # gitleaks:allow\n'
        "# pragma: allowlist nextline secret\n"
        f'B = "{HF2}"\n'
        f'C = "{HF}"  # sailint: ignore[SAI201] revoked test token\n'
        "\n"
        f'D = "{HF2}"\n',
        encoding="utf-8",
    )
    report = scan(tmp_path, ["SAI201"])
    assert [(f.location.line, f.suppression is None) for f in report.findings] == [
        (1, False), (3, False), (4, False), (6, True),
    ]  # fmt: skip
    kinds = [(f.suppression.kind, f.suppression.justification) for f in report.suppressed_findings]
    assert kinds == [
        ("inSource", "`gitleaks:allow` on the line (marker of another secret scanner)"),
        (
            "inSource",
            "`pragma: allowlist nextline secret` on the line (marker of another secret scanner)",
        ),
        ("inSource", "revoked test token"),
    ]
    results = json.loads(sarif.render(report))["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert len(suppressed) == 3
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"
    assert "gitleaks:allow" in suppressed[0]["suppressions"][0]["justification"]


def test_same_secret_twice_keeps_distinct_stable_fingerprints(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(f"HF_TOKEN={HF}\n", encoding="utf-8")
    first = scan(tmp_path, ["SAI201"]).findings[0].fingerprint
    (tmp_path / "a.env").write_text(f"# moved down\n\nHF_TOKEN={HF}\n", encoding="utf-8")
    moved = scan(tmp_path, ["SAI201"]).findings[0]
    assert moved.location.line == 3
    assert moved.fingerprint == first


def test_bad_input_is_reported_and_the_rest_still_scanned(tmp_path: Path) -> None:
    (tmp_path / "latin1.env").write_bytes(b"NAME=caf\xe9\nHF_TOKEN=" + HF.encode() + b"\n")
    (tmp_path / "weights.bin").write_bytes(b"\x00\x01" + HF.encode())
    (tmp_path / "broken.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "source": ["login(\\"' + HF2 + '\\")"]', encoding="utf-8"
    )
    (tmp_path / "ok.py").write_text(f'TOKEN = "{HF}"\n', encoding="utf-8")
    report = scan(tmp_path, ["SAI201", "SAI202"])
    assert sorted((f.location.path, f.location.line) for f in report.findings) == [
        ("broken.ipynb", 1),  # unparsable notebook: its raw text is still scanned
        ("ok.py", 1),
    ]
    skipped = {s.path: s.reason for s in report.skipped}
    assert skipped["latin1.env"].startswith("not valid UTF-8")
    assert skipped["broken.ipynb"].startswith("invalid notebook JSON")
    assert skipped["weights.bin"] == "binary file with no analyser for its type"


def test_notebook_images_are_not_scanned(tmp_path: Path) -> None:
    encoded = "iVBORw0KGgo" + HF + "AAAA"  # a token-shaped run inside base64 image data
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "source": ["plot()"],
                "outputs": [
                    {
                        "data": {"image/png": encoded, "text/plain": ["<Figure>"]},
                        "metadata": {},
                        "output_type": "display_data",
                    }
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "plot.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    assert scan(tmp_path, ["SAI201", "SAI202"]).findings == []
