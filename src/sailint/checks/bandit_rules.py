"""Bandit's results as sailint rules ``B###``, minus those a SAI rule reports better."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sailint.checks.models_code import unsafe_deserialization_hits
from sailint.checks.serving_code import serving_default_hits
from sailint.collectors.bandit_run import SUPERSEDED, BanditResults
from sailint.collectors.pyresolve import CodeFacts, SourceFacts, per_unit
from sailint.collectors.python import PythonSource
from sailint.context import RuleContext
from sailint.model import Confidence, Finding, Level
from sailint.project import Project

LEVELS = {"HIGH": Level.ERROR, "MEDIUM": Level.WARNING, "LOW": Level.NOTE}
CONFIDENCES = {"HIGH": Confidence.HIGH, "MEDIUM": Confidence.MEDIUM, "LOW": Confidence.LOW}
Coverage = Callable[["SourceFacts", "Project"], "set[int] | bool"]


def _lines(hits: Iterator[object], source: PythonSource) -> set[int]:
    lines = set()
    for hit in hits:
        node = getattr(hit, "node", None)
        if node is not None:
            lines.add(source.location(node).line if not isinstance(node, int) else node)
    return lines


def _sai306(facts: SourceFacts, project: Project) -> set[int]:
    return _lines(unsafe_deserialization_hits(facts), facts.source)


def _sai601(facts: SourceFacts, project: Project) -> set[int]:
    return _lines(serving_default_hits(facts), facts.source)


def _whole_unit(lines: Callable[[SourceFacts, Project], set[int]]) -> Coverage:
    """For import-level bandit tests: any SAI finding in the unit covers the whole unit."""

    def covered(facts: SourceFacts, project: Project) -> set[int] | bool:
        return bool(lines(facts, project))

    return covered


def _superseded(facts: SourceFacts, project: Project) -> bool:
    """The SAI rule judges every call site the bandit test looks at (bandit_run.SUPERSEDED).

    While that rule runs bandit does not even run the test (unless the rule selection could not
    be read), so this only guards against results of a bandit that ran it anyway.
    """
    return True


# bandit test -> (SAI rule reporting the same pattern, where that rule fires: lines, or the unit)
DUPLICATES: dict[str, tuple[str, Coverage]] = {
    **{test: (rule, _superseded) for test, rule in SUPERSEDED.items()},
    "B301": ("SAI306", _sai306),
    "B506": ("SAI306", _sai306),
    "B403": ("SAI306", _whole_unit(_sai306)),
    "B201": ("SAI601", _sai601),
    "B501": ("SAI601", _sai601),
}


@per_unit
def bandit_results(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """Every bandit result of this rule's test in ``source``."""
    bandit = ctx.project.get(BanditResults)
    mine = bandit.by_test.get((source.path, ctx.rule.id))
    if not mine:
        return
    covered: set[int] | bool = set()
    duplicate = DUPLICATES.get(ctx.rule.id)
    if duplicate is not None and duplicate[0] in bandit.active_rules:
        covered = duplicate[1](ctx.project.get(CodeFacts).of(source), ctx.project)
    for issue, line, column in mine:
        if covered is True or (isinstance(covered, set) and line in covered):
            continue
        yield ctx.finding(
            source.path,
            line,
            f"{issue.text} (bandit {issue.test_id} {issue.test_name})",
            column=column,
            level=LEVELS.get(issue.severity, Level.WARNING),
            confidence=CONFIDENCES.get(issue.confidence, Confidence.MEDIUM),
            properties={
                "bandit-severity": issue.severity.lower(),
                "bandit-confidence": issue.confidence.lower(),
                **({"cwe": f"CWE-{issue.cwe}"} if issue.cwe else {}),
            },
        )
