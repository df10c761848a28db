"""Pre-commit file mode given only Python modules: checks declared not to report one are skipped.

A rule declares ``reads-python-modules: false`` when its repository check never reports a
``*.py`` file (it reads shell, manifests, workflows, Dockerfiles...), or the names of the only
modules it can report (``[setup.py]``). The skip must never change a report: every fixture
repository with Python modules is scanned in file mode, on its modules, with and without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import FIXTURES, copy_case

from sailint import engine
from sailint.config import Config, ConfigError, load_config
from sailint.context import RuleContext
from sailint.engine import scan_project
from sailint.formatters.json_format import render as render_json
from sailint.project import Project
from sailint.registry import all_rules, resolve_check
from sailint.rulemeta import RuleMeta

RULES = list(all_rules())
SKIPPABLE = [rule for rule in RULES if rule.reads_python_modules is not True]


def _named(rule: RuleMeta) -> tuple[str, ...]:
    """The Python modules ``rule`` can report, by file name (none for ``false``)."""
    reads = rule.reads_python_modules
    return reads if isinstance(reads, tuple) else ()


CASES = sorted(
    case
    for case in [
        *(FIXTURES / "rules").glob("*/*"),
        FIXTURES / "demo",
        FIXTURES / "bandit" / "ml-service",
    ]
    if case.is_dir() and any(case.rglob("*.py"))
)


def _config(root: Path) -> Config:
    """The case's own settings (``.sailint.toml``), as the CLI loads them."""
    try:
        return load_config(root)
    except ConfigError:
        return Config()


def _file_mode_report(root: Path, paths: list[str]) -> str:
    document = json.loads(render_json(scan_project(root, _config(root), only=paths)))
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
        root = copy_case(case, tmp_path / str(number))
        project = Project(root, _config(root))
        for finding in check(RuleContext(rule, project)):
            reported += 1
            path = finding.location.path
            assert not path.endswith(".py") or path.rpartition("/")[2] in _named(rule), finding
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
    names = {module.rpartition("/")[2] for module in modules}
    expected = [r.id for r in SKIPPABLE if not names & set(_named(r))]
    assert sorted(skipped) == ([] if _config(root).history else sorted(expected))
    monkeypatch.setattr(engine, "_nothing_to_report", lambda rule, project: False)
    assert _file_mode_report(root, modules) == with_skip


def test_a_run_given_any_other_file_skips_nothing(tmp_path: Path) -> None:
    root = copy_case(FIXTURES / "demo", tmp_path / "repo")
    report = scan_project(root, Config(), only=["train.py", "Dockerfile"])
    found = {finding.rule_id for finding in report.findings}
    assert {"SAI104", "SAI505"} <= found  # the Dockerfile's unpinned install, its root user


@pytest.mark.parametrize(
    ("case", "module", "rule_id"),
    [
        ("SAI105-extra-index-url/nox-session-extra-index", "noxfile.py", "SAI105"),
        ("SAI118-end-of-life-python/legacy-setup-py", "setup.py", "SAI118"),
    ],
)
def test_a_module_a_check_names_is_checked(
    case: str, module: str, rule_id: str, tmp_path: Path
) -> None:
    rule = next(rule for rule in SKIPPABLE if rule.id == rule_id)
    assert module in _named(rule)
    root = copy_case(FIXTURES / "rules" / case, tmp_path / "repo")
    report = scan_project(root, Config(), only=[module])
    assert [(f.rule_id, f.location.path) for f in report.findings] == [(rule_id, module)]


def test_a_run_that_reads_history_skips_nothing(tmp_path: Path) -> None:
    # Such a check reports past blobs (SAI207), which are no given file at all.
    root = copy_case(FIXTURES / "demo", tmp_path / "repo")
    config = Config()
    config.history = True
    project = Project(root, config, only=["train.py"])
    assert not any(engine._nothing_to_report(rule, project) for rule in SKIPPABLE)
    config.history = False
    assert all(engine._nothing_to_report(rule, project) for rule in SKIPPABLE)
