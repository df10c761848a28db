"""Per-rule fixture repositories: each case's findings equal its ``.expect`` file exactly.

Layout: ``fixtures/rules/<ID>-<slug>/<case>/`` is a small repository, ``<case>.expect`` lists the
``path:line`` of every finding the rule must report there (``[]`` for a clean case), and an
optional ``<case>.history.yaml`` builds git history from the case's files before the scan.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from helpers import FIXTURES, git, init_repo, scan

from sailint.registry import all_rules

RULE_FIXTURES = FIXTURES / "rules"


def _cases() -> list[tuple[str, Path]]:
    cases = []
    for expect in sorted(RULE_FIXTURES.glob("*/*.expect")):
        cases.append((expect.parent.name.split("-", 1)[0], expect))
    return cases


CASES = _cases()


def _build_history(case: Path, source: Path, spec: Path) -> None:
    """Commit the case's files following ``<case>.history.yaml`` (dated commits).

    ``write`` steps may give a file other content in the past; at the end every file has its
    fixture content again (except files a ``remove`` step deleted), and whatever differs from
    the last step is committed last.
    """
    steps = yaml.safe_load(spec.read_text(encoding="utf-8")) or []
    init_repo(case)
    removed: set[str] = set()
    for step in steps:
        for path, content in (step.get("write") or {}).items():
            target = case / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            git(case, "add", path)
        for path in step.get("add") or []:
            git(case, "add", path)
            removed.discard(path)
        for path in step.get("remove") or []:
            git(case, "rm", "-q", path)
            removed.add(path)
        git(
            case,
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            step.get("message", "change"),
            date=str(step["date"]),
        )
    for original in source.rglob("*"):
        if original.is_file() and original.relative_to(source).as_posix() not in removed:
            restored = case / original.relative_to(source)
            restored.parent.mkdir(parents=True, exist_ok=True)
            restored.write_bytes(original.read_bytes())
    git(case, "add", "-A")
    if git(case, "status", "--porcelain").strip():
        git(case, "commit", "-q", "-m", "rest of the project")


@pytest.mark.parametrize(
    ("rule_id", "expect"), CASES, ids=[f"{e.parent.name}/{e.stem}" for _, e in CASES]
)
def test_fixture_case(rule_id: str, expect: Path, tmp_path: Path) -> None:
    source = expect.with_suffix("")
    case = tmp_path / source.name
    shutil.copytree(source, case, symlinks=True)
    history = expect.with_name(source.name + ".history.yaml")
    if history.exists():
        _build_history(case, source, history)
    wanted = yaml.safe_load(expect.read_text(encoding="utf-8")) or []
    expected = sorted(
        (str(item).rsplit(":", 1)[0], int(str(item).rsplit(":", 1)[1])) for item in wanted
    )
    report = scan(case, [rule_id])
    found = sorted(
        (f.location.path, f.location.line) for f in report.open_findings if f.rule_id == rule_id
    )
    assert found == expected, "\n".join(
        f"{f.location.path}:{f.location.line}: {f.message}" for f in report.open_findings
    )


def test_every_rule_has_good_and_bad_fixtures() -> None:
    by_rule: dict[str, list[bool]] = {}
    for rule_id, expect in CASES:
        by_rule.setdefault(rule_id, []).append(bool(yaml.safe_load(expect.read_text()) or []))
    missing = []
    for rule in all_rules():
        if rule.category == "code":
            # Bandit's B### rules share one fixture suite (tests/test_bandit.py), which checks
            # the mapping (IDs, lines in .py and notebooks, nosec, dedup with SAI rules, config);
            # each also has its bad/good example checked by tests/test_rule_examples.py.
            continue
        kinds = by_rule.get(rule.id, [])
        if not (any(kinds) and not all(kinds)):
            missing.append(rule.id)
        if not (RULE_FIXTURES / rule.stem).is_dir():
            missing.append(f"{rule.id} (directory fixtures/rules/{rule.stem})")
    assert missing == [], f"rules without both a firing and a quiet fixture case: {missing}"
