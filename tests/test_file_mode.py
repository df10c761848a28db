"""Pre-commit file mode given only Python modules: checks declared not to report one are skipped.

A rule declares ``reads-python-modules: false`` when its repository check never reports a
``*.py`` file (it reads shell, manifests, workflows, Dockerfiles...). The skip must never change
a report: every fixture repository with Python modules is scanned in file mode, on its modules,
with and without the skip.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import FIXTURES, copy_case

from sailint import engine
from sailint.config import Config
from sailint.context import RuleContext
from sailint.engine import scan_project
from sailint.formatters.json_format import render as render_json
from sailint.project import Project
from sailint.registry import all_rules, resolve_check
from sailint.rulemeta import RuleMeta

RULES = list(all_rules())
SKIPPABLE = [rule for rule in RULES if not rule.reads_python_modules]
CASES = sorted(
    case
    for case in [
        *(FIXTURES / "rules").glob("*/*"),
        FIXTURES / "demo",
        FIXTURES / "bandit" / "ml-service",
    ]
    if case.is_dir() and any(case.rglob("*.py"))
)


def _file_mode_report(root: Path, paths: list[str]) -> str:
    document = json.loads(render_json(scan_project(root, Config(), only=paths)))
    document.pop("duration", None)
    return json.dumps(document, sort_keys=True, indent=1)


def test_only_file_local_repository_checks_declare_it() -> None:
    assert SKIPPABLE, "no rule declares reads-python-modules: false"
    for rule in SKIPPABLE:
        assert rule.file_local and rule.scope == "repository" and rule.check, rule.id


@pytest.mark.parametrize("rule", SKIPPABLE, ids=lambda rule: rule.id)
def test_a_skippable_check_reports_no_python_module_in_its_fixtures(
    rule: RuleMeta, tmp_path: Path
) -> None:
    # The repository check alone (SAI308 and SAI601 also judge Python code, in their Python
    # part, which file mode always runs).
    assert rule.check is not None
    check = resolve_check(rule.check)
    cases = [case for case in (FIXTURES / "rules").glob(f"{rule.stem}/*") if case.is_dir()]
    reported = 0
    for number, case in enumerate(sorted(cases)):
        project = Project(copy_case(case, tmp_path / str(number)), Config())
        for finding in check(RuleContext(rule, project)):
            reported += 1
            assert not finding.location.path.endswith(".py"), (case, finding)
    assert reported  # the fixtures do exercise the check


@pytest.mark.parametrize("case", CASES, ids=lambda case: str(case.relative_to(FIXTURES)))
def test_skipping_changes_no_report(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAILINT_JOBS", "1")
    root = copy_case(case, tmp_path / "repo")
    modules = sorted(str(path.relative_to(root)) for path in root.rglob("*.py"))
    skipped: list[str] = []
    decide = engine._nothing_to_report

    def recording(rule: RuleMeta, project: Project) -> bool:
        skip = decide(rule, project)
        if skip:
            skipped.append(rule.id)
        return skip

    monkeypatch.setattr(engine, "_nothing_to_report", recording)
    with_skip = _file_mode_report(root, modules)
    assert sorted(skipped) == sorted(rule.id for rule in SKIPPABLE)
    monkeypatch.setattr(engine, "_nothing_to_report", lambda rule, project: False)
    assert _file_mode_report(root, modules) == with_skip


def test_a_run_given_any_other_file_skips_nothing(tmp_path: Path) -> None:
    root = copy_case(FIXTURES / "demo", tmp_path / "repo")
    report = scan_project(root, Config(), only=["train.py", "Dockerfile"])
    found = {finding.rule_id for finding in report.findings}
    assert {"SAI104", "SAI505"} <= found  # the Dockerfile's unpinned install, its root user
