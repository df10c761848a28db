"""Every rule's documented bad example fires and its good example does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import scan, write_files

from sailint.registry import all_rules
from sailint.rulemeta import RuleMeta

RULES = list(all_rules())


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_bad_example_fires(rule: RuleMeta, tmp_path: Path) -> None:
    write_files(tmp_path, rule.bad_example)
    report = scan(tmp_path, [rule.id])
    assert [f for f in report.open_findings if f.rule_id == rule.id], rule.id


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_good_example_is_quiet(rule: RuleMeta, tmp_path: Path) -> None:
    write_files(tmp_path, rule.good_example)
    report = scan(tmp_path, [rule.id])
    assert [f.message for f in report.open_findings if f.rule_id == rule.id] == []
