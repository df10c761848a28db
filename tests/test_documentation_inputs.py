"""Broken documentation inputs are reported (file and line), never silently ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import FIXTURES, locations, scan

RULES = FIXTURES / "rules"


def _copy(case: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(RULES / case, tmp_path / Path(case).name))


def test_truncated_threat_dragon_model_is_reported_once(tmp_path: Path) -> None:
    root = _copy("SAI407-missing-threat-model/threat-dragon-truncated", tmp_path)
    report = scan(root, ["SAI407", "SAI410"])
    assert locations(report) == {("README.md", 1, "SAI407")}
    notes = [(n.path, n.line, n.message) for n in report.notifications]
    assert notes == [
        (
            "security/assistant.json",
            10,
            "invalid JSON (Expecting ',' delimiter); not read as a Threat Dragon model",
        )
    ]


def test_broken_croissant_file_is_reported_and_the_data_still_needs_a_card(
    tmp_path: Path,
) -> None:
    root = _copy("SAI404-missing-dataset-card/croissant-broken", tmp_path)
    report = scan(root, ["SAI404"])
    assert locations(report) == {("data/trips-2024-01.csv", 1, "SAI404")}
    notes = [(n.path, n.line, n.message) for n in report.notifications]
    assert notes == [
        (
            "croissant.json",
            7,
            "invalid JSON (Expecting property name enclosed in double quotes); not read as a card",
        )
    ]
