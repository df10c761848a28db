"""Secrets never appear whole in any output format, notification or log line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from helpers import git, init_repo

from sailint.cli import main

# Invented values in the shape of real keys (none is a real credential).
_BODY = "Hq3VtN8cW2xLp5RzK9mB4yJ7dF1sG6aE0uT2iO5wQ8eR3tY6uI9oP4aS7dF0gH2jK5lZ8xC1vB4nM7qW0eR3tYa9Sd8Fg7Hj6Kl5Zx4Cv3Bn2"
assert len(_BODY) >= 74
PLANTED = {
    "openai": "sk-proj-" + _BODY[:74] + "T3BlbkFJ" + _BODY[-74:],
    "hf": "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",
    "wandb": "7d3e9a1c5b2f4d6e8a0c1b3d5f7e9a2c4b6d8f0e",
    "db": "Vq9!mT4zR2xLp8kW",
    "aws": "Zt7Rk2Vq9Lm4Xp8Wn3Bc6Hy1Js5Df0Gk7Qa2Ue4+",
    "removed": "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",
}


@pytest.fixture
def leaky_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "leaky"
    init_repo(repo)
    (repo / "README.md").write_text("# leaky\n", encoding="utf-8")
    (repo / "old.py").write_text(f'TOKEN = "{PLANTED["removed"]}"\n', encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first", date="2024-01-01")
    git(repo, "rm", "-q", "old.py")
    git(repo, "commit", "-q", "-m", "remove token", date="2024-01-02")
    (repo / "app.py").write_text(
        f'import os\nclient_key = "{PLANTED["openai"]}"\nHF = "{PLANTED["hf"]}"\n',
        encoding="utf-8",
    )
    (repo / "config.yaml").write_text(
        f"wandb:\n  api_key: {PLANTED['wandb']}\n"
        f"db: postgresql://ml:{PLANTED['db']}@db.internal:5432/ml\n",
        encoding="utf-8",
    )
    (repo / ".env").write_text(f"AWS_SECRET_ACCESS_KEY={PLANTED['aws']}\n", encoding="utf-8")
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "source": ["print(os.environ['HF_TOKEN'])"],
                "outputs": [
                    {"name": "stdout", "output_type": "stream", "text": [PLANTED["hf"] + "\n"]}
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (repo / "nb.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "app", date="2024-01-03")
    return repo


def test_no_output_format_or_log_contains_a_secret(
    leaky_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(leaky_repo)
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "out"
    formats = ["json", "sarif", "markdown", "text"]
    args = ["scan", ".", "--history", "--select", "SAI2", "--fail-on", "none", "-v"]
    for fmt in formats[:-1]:
        args += ["-f", f"{fmt}:{out / fmt}"]
    args += ["-f", "text"]
    assert main(args) == 0
    captured = capsys.readouterr()
    outputs = {fmt: (out / fmt).read_text(encoding="utf-8") for fmt in formats[:-1]}
    outputs["text"] = captured.out
    outputs["stderr"] = captured.err
    outputs["log"] = "\n".join(record.getMessage() for record in caplog.records)
    # The scan found every planted secret (redacted) ...
    results = json.loads(outputs["json"])
    found = {f["rule"] if "rule" in f else f.get("ruleId") for f in results["findings"]}
    assert {"SAI201", "SAI202", "SAI203", "SAI204"} <= found, found
    for name, secret in PLANTED.items():
        assert secret[:4] + "\u2026" in outputs["text"] + outputs["json"], name
    # ... and no output holds one whole, nor its tail after the four shown characters.
    for where, text in outputs.items():
        for name, secret in PLANTED.items():
            assert secret not in text, (where, name)
            assert secret[4:] not in text, (where, name)
