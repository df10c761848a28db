"""Golden files for every formatter, rendered from one fixed in-memory report.

Regenerate after an intended change: ``SAILINT_UPDATE_GOLDEN=1 python -m pytest tests/test_formatters.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sailint.engine import Report
from sailint.formatters import json_format, markdown, sarif, text
from sailint.model import (
    Confidence,
    Evidence,
    Finding,
    Level,
    Location,
    Notification,
    ProjectInfo,
    Skipped,
    Suppression,
)
from sailint.registry import find_rule

GOLDEN = Path(__file__).parent / "golden"


def fixed_report() -> Report:
    rules = [find_rule("SAI401"), find_rule("SAI403")]
    assert all(rules)
    findings = [
        Finding(
            "SAI401",
            "no model card for this training script",
            Level.WARNING,
            Confidence.MEDIUM,
            Location("src/train.py", 12, 5, 12, 40),
            fingerprint="a" * 32,
        ),
        Finding(
            "SAI403",
            "template placeholder 'TODO' left in MODEL_CARD.md",
            Level.WARNING,
            Confidence.HIGH,
            Location("MODEL_CARD.md", 3, 1),
            related=(Location("MODEL_CARD.md", 1, 1, message="card title"),),
            fingerprint="b" * 32,
        ),
        Finding(
            "SAI403",
            "template placeholder 'TBD' left in MODEL_CARD.md",
            Level.WARNING,
            Confidence.HIGH,
            Location("MODEL_CARD.md", 7, 1),
            fingerprint="c" * 32,
            suppression=Suppression("inSource", "owner decides in Q3", "MODEL_CARD.md:7"),
        ),
    ]
    return Report(
        findings=findings,
        rules=[r for r in rules if r is not None],
        skipped=[Skipped("weights/model bin #1.npz", "binary file with no analyser for its type")],
        notifications=[Notification("warning", "shallow git clone: history incomplete")],
        evidence=[Evidence("SAI406", "SECURITY.md", 4, "security policy with a reporting channel")],
        project=ProjectInfo("/repo/services/ranker", "/repo", "services/ranker/"),
        files_scanned=42,
        duration=0.5,
        tool_version="0.1.0",
    )


RENDERERS = {
    "report.txt": lambda r: text.render(r),
    "report.json": lambda r: json_format.render(r),
    "report.sarif": lambda r: sarif.render(r),
    "report.md": lambda r: markdown.render(r),
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_golden(name: str) -> None:
    rendered = RENDERERS[name](fixed_report())
    path = GOLDEN / name
    if os.environ.get("SAILINT_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_sarif_golden_is_deterministic_json() -> None:
    first = sarif.render(fixed_report())
    assert first == sarif.render(fixed_report())
    log = json.loads(first)
    assert log["runs"][0]["results"][2]["suppressions"][0]["justification"] == "owner decides in Q3"
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    ]
    assert uris == [
        "services/ranker/src/train.py",
        "services/ranker/MODEL_CARD.md",
        "services/ranker/MODEL_CARD.md",
    ]


def test_text_colour_only_when_asked() -> None:
    assert "\033[" not in text.render(fixed_report())
    assert "\033[33m[warning]\033[0m" in text.render(fixed_report(), colour=True)
