"""SAI406 and SAI407 report a missing document as a warning and a document without AI scope as a note."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, scan

RULES = FIXTURES / "rules"


@pytest.mark.parametrize(
    ("case", "rule", "level", "message_start"),
    [
        ("SAI406-missing-security-policy/no-policy", "SAI406", "WARNING", "no security policy"),
        (
            "SAI406-missing-security-policy/policy-public-issues",
            "SAI406",
            "WARNING",
            "SECURITY.md gives no reporting channel",
        ),
        (
            "SAI406-missing-security-policy/policy-without-ai-scope",
            "SAI406",
            "NOTE",
            "SECURITY.md does not mention AI or model issues",
        ),
        (
            "SAI407-missing-threat-model/llm-app-no-threat-model",
            "SAI407",
            "WARNING",
            "no threat model",
        ),
        (
            "SAI407-missing-threat-model/software-supply-chain-only",
            "SAI407",
            "NOTE",
            "threat model names no AI-specific threat",
        ),
        (
            "SAI408-missing-incident-response/generic-rollback-plan",
            "SAI408",
            "NOTE",
            "incident-response.md does not cover rolling back a model",
        ),
    ],
)
def test_level_and_message(
    case: str, rule: str, level: str, message_start: str, tmp_path: Path
) -> None:
    root = Path(shutil.copytree(RULES / case, tmp_path / "case"))
    findings = [f for f in scan(root, [rule]).open_findings if f.rule_id == rule]
    assert [(f.level.name, f.message.startswith(message_start)) for f in findings] == [
        (level, True)
    ], [f.message for f in findings]
