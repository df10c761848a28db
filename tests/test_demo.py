"""The bundled demo project (fixtures/demo) shows the documentation gaps the README promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, locations, scan

from sailint.cli import main

DEMO = FIXTURES / "demo"

# Every SAI4xx finding on the demo: what a user sees after `sailint scan fixtures/demo`.
EXPECTED_SAI4 = {
    ("MODEL_CARD.md", 1, "SAI402"),  # no failure modes, guardrails, hashes, retention, review
    ("MODEL_CARD.md", 10, "SAI403"),  # License: [More Information Needed]
    ("MODEL_CARD.md", 16, "SAI403"),  # TODO: describe how the labels were produced
    ("MODEL_CARD.md", 27, "SAI403"),  # <fill in after the next run>
    ("MODEL_CARD.md", 31, "SAI403"),  # Limitations: [More Information Needed]
    ("data/test.csv", 1, "SAI404"),  # three CSV splits, no datasheet
    ("SECURITY.md", 1, "SAI406"),  # a reporting channel, but no word on AI issues
    ("README.md", 1, "SAI407"),  # no threat model
    ("README.md", 1, "SAI408"),  # no incident response plan
    ("train.py", 46, "SAI409"),  # trains and publishes a model, no security evaluation
}


def test_demo_documentation_findings() -> None:
    report = scan(DEMO, ["SAI4"])
    assert locations(report) == EXPECTED_SAI4
    by_rule = {f.rule_id: f for f in report.open_findings}
    assert by_rule["SAI402"].properties["missing_fields"] == [
        "failure modes",
        "guardrails",
        "hashes or signatures",
        "retention",
        "review frequency",
    ]
    assert by_rule["SAI406"].level.name == "NOTE"
    placeholders = sorted(
        f.message.split("'")[1] for f in report.open_findings if f.rule_id == "SAI403"
    )
    assert placeholders == [
        "<fill in after the next run>",
        "TODO",
        "[More Information Needed]",
        "[More Information Needed]",
    ]


def test_demo_has_a_model_card_so_sai401_is_quiet() -> None:
    report = scan(DEMO, ["SAI401"])
    assert report.open_findings == []
    assert ("SAI401", "MODEL_CARD.md") in {(e.rule_id, e.path) for e in report.evidence}


def test_cli_json_scan_of_the_demo_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    output = tmp_path / "demo.json"
    code = main(
        ["scan", "fixtures/demo", "--select", "SAI4", "--format", "json", "--output", str(output)]
    )
    assert code == 1
    data = json.loads(output.read_text(encoding="utf-8"))
    found = {(f["location"]["path"], f["location"]["line"], f["rule"]) for f in data["findings"]}
    assert found == EXPECTED_SAI4
    assert {f["location"]["uri"] for f in data["findings"]} == {
        f"fixtures/demo/{path}" for path, _, _ in EXPECTED_SAI4
    }
    assert data["summary"]["findings"] == len(EXPECTED_SAI4)
    assert data["skipped"] == []
