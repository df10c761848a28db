"""Runs the selected rules over a project and turns their findings into a Report."""

from __future__ import annotations

import gc
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sailint import __version__
from sailint.config import Config, ConfigError
from sailint.context import RuleContext
from sailint.model import Evidence, Finding, Level, Notification, ProjectInfo, Skipped
from sailint.project import Project
from sailint.registry import all_rules, resolve_check
from sailint.rulemeta import RuleMeta
from sailint.suppress import Suppressor, rule_matches

if TYPE_CHECKING:
    from sailint.attestations import Attestation

log = logging.getLogger("sailint")

#: Called before each rule runs: (rules done, rules selected, the rule about to run).
ProgressCallback = Callable[[int, int, RuleMeta], None]


@dataclass
class Report:
    """The outcome of a scan; formatters render it and nothing else."""

    findings: list[Finding]
    rules: list[RuleMeta]
    skipped: list[Skipped] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    project: ProjectInfo | None = None
    files_scanned: int = 0
    excluded_count: int = 0
    duration: float = 0.0
    tool_version: str = __version__
    display_prefix: str = ""  # prepended to paths in human output (project root from the cwd)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase and per rule
    attestations: list[Attestation] = field(default_factory=list)
    source_url_base: str = ""  # e.g. https://github.com/o/r/blob/<sha>/ for links in reports

    @property
    def open_findings(self) -> list[Finding]:
        """Findings that are not suppressed."""
        return [f for f in self.findings if f.suppression is None]

    @property
    def suppressed_findings(self) -> list[Finding]:
        """Findings hidden by a comment or the configuration."""
        return [f for f in self.findings if f.suppression is not None]

    def exit_code(self, fail_on: Level | None) -> int:
        """0 when nothing open is at or above ``fail_on``, else 1."""
        if fail_on is None:
            return 0
        return 1 if any(f.level >= fail_on for f in self.open_findings) else 0

    def uri(self, path: str) -> str:
        """The path relative to the git work-tree root (what SARIF consumers expect)."""
        return (self.project.uri_prefix if self.project else "") + path


def select_rules(rules: Sequence[RuleMeta], config: Config) -> list[RuleMeta]:
    """Apply select / extend-select / ignore (IDs, slugs or ID prefixes) to ``rules``."""
    for key, tokens in (
        ("select", config.select),
        ("extend-select", config.extend_select),
        ("ignore", config.ignore),
    ):
        for token in tokens:
            if not any(rule_matches(token, rule) for rule in rules):
                raise ConfigError(f"{key}: {token!r} matches no rule ID, slug or prefix")
    for token in config.levels:
        if not any(rule_matches(token, rule) for rule in rules):
            raise ConfigError(f"levels: {token!r} matches no rule ID, slug or prefix")
    selected = [
        rule
        for rule in rules
        if (not config.select or any(rule_matches(t, rule) for t in config.select))
        or any(rule_matches(t, rule) for t in config.extend_select)
    ]
    return [rule for rule in selected if not any(rule_matches(t, rule) for t in config.ignore)]


def validate_rule_options(rules: Sequence[RuleMeta], config: Config) -> None:
    """Check ``rule-options`` names and value types against each rule's declared options."""
    types: dict[str, Callable[[Any], bool]] = {
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list),
    }
    for token, options in config.rule_options.items():
        rule = next((r for r in rules if token in (r.id, r.slug)), None)
        if rule is None:
            raise ConfigError(f"rule-options: {token!r} is not a rule ID or slug")
        declared = {option.name: option for option in rule.options}
        for name, value in options.items():
            if name not in declared:
                raise ConfigError(f"rule-options.{token}: unknown option {name!r}")
            if not types[declared[name].type](value):
                raise ConfigError(
                    f"rule-options.{token}.{name} must be of type {declared[name].type}"
                )


def _line_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def fingerprint(rule_id: str, path: str, key: str) -> str:
    """A content fingerprint: stable when lines above the finding move."""
    digest = hashlib.sha256(f"{rule_id}\0{path}\0{key}".encode()).hexdigest()
    return digest[:32]


def _run_match(rule: RuleMeta, ctx: RuleContext) -> Iterable[Finding]:
    """The declarative matcher: a regex over the lines of files selected by glob."""
    spec = rule.match or {}
    pattern = re.compile(spec["pattern"])
    globs = spec.get("files", ["*"])
    for path in ctx.project.paths(*globs):
        for number, line in enumerate(ctx.project.lines(path), start=1):
            match = pattern.search(line)
            if match:
                yield ctx.finding(
                    path,
                    number,
                    spec["message"].format(match=match.group(0).strip()),
                    column=match.start() + 1,
                )


def _is_python_rule(rule: RuleMeta) -> bool:
    """A rule with a check run on each Python unit (by collectors/pyunits.py, not ``_units``)."""
    return python_check(rule) is not None


def python_check(rule: RuleMeta) -> str | None:
    """The check a rule runs on each Python unit: its ``python-check``, or a Python rule's check."""
    if rule.python_check is not None:
        return rule.python_check
    return rule.check if rule.scope == "python" and rule.match is None else None


def _python_results(rule: RuleMeta, project: Project) -> list[Finding]:
    from sailint.collectors.pyunits import PythonUnits

    results = project.get(PythonUnits).results
    failure = results.failures.get(rule.id)
    if failure is not None:
        project.notify("error", f"rule {rule.id} failed and its results are incomplete: {failure}")
    return list(results.findings.get(rule.id, []))


def _units(rule: RuleMeta, project: Project) -> Iterable[tuple[Any, ...]]:
    """The arguments a check receives before its context, by scope."""
    if rule.scope == "repository":
        yield ()
    elif rule.scope == "document":
        from sailint.collectors.documents import Documents

        for document in project.get(Documents).documents:
            yield (document,)
    elif rule.scope == "text":
        for path in project.files:
            if project.text(path) is not None:
                yield (path,)


def _nothing_to_report(rule: RuleMeta, project: Project) -> bool:
    """A pre-commit run given only Python modules, and a repository check that reports none.

    Skipping the check there saves importing and building what it reads (shell, Dockerfiles,
    workflows, requirements files), much of a small run; tests/test_file_mode.py checks that
    the report of such a run is the same with and without the skip, on every fixture repository.
    A check that reports some Python modules by name (``setup.py``) runs when one is given, and
    every check runs when the scan reads git history (whose findings are about other paths).
    """
    reads = rule.reads_python_modules
    if reads is True or not project.file_mode or project.config.history:
        return False
    names = reads if isinstance(reads, tuple) else ()
    return all(
        path.endswith(".py") and path.rpartition("/")[2] not in names for path in project.files
    )


def run_rule(rule: RuleMeta, project: Project) -> list[Finding]:
    """Run one rule; a crash becomes an error notification, never a traceback."""
    ctx = RuleContext(rule, project)
    findings: list[Finding] = []
    try:
        if rule.match is not None:
            findings.extend(_run_match(rule, ctx))
        elif _is_python_rule(rule):
            findings.extend(_python_results(rule, project))
            if (
                rule.scope == "repository"
                and rule.check is not None
                and not _nothing_to_report(rule, project)
            ):
                findings.extend(resolve_check(rule.check)(ctx))  # its non-Python part
        elif not _nothing_to_report(rule, project):
            assert rule.check is not None
            check = resolve_check(rule.check)
            for unit in _units(rule, project):
                findings.extend(check(*unit, ctx))
    except Exception as error:  # a bug in one rule must not lose the rest of the scan
        # (pyunits.AnalysisPending is no Exception: it goes to scan_project)
        log.debug("rule %s crashed", rule.id, exc_info=True)
        project.notify("error", f"rule {rule.id} failed and its results are incomplete: {error!r}")
    return findings


def _sort_key(finding: Finding) -> tuple[str, int, int, int, int, str, str]:
    """Stable output order; optional end positions sort as 0 (never compared with None)."""
    return (*finding.location.sort_key, finding.rule_id, finding.message)


def finalise(findings: list[Finding], rules: Sequence[RuleMeta], project: Project) -> list[Finding]:
    """Apply level overrides, fingerprints and suppressions; sort for stable output."""
    by_id = {rule.id: rule for rule in rules}
    config = project.config
    lines_of = {f.location.path: project.lines(f.location.path) for f in findings}
    suppressor = Suppressor(config, lines_of)
    seen: dict[str, int] = {}
    findings.sort(key=_sort_key)
    for finding in findings:
        rule = by_id[finding.rule_id]
        for token, level in config.levels.items():
            if rule_matches(token, rule):
                finding.level = level
        key = finding.key
        if key is None:
            key = _line_key(project.line_text(finding.location.path, finding.location.line))
            key = key or finding.message
        base = fingerprint(finding.rule_id, finding.location.path, key)
        seen[base] = seen.get(base, 0) + 1
        finding.fingerprint = base if seen[base] == 1 else f"{base}:{seen[base]}"
        suppressor.apply(finding, rule)
    project.notifications.extend(suppressor.notifications)
    return findings


def _add_time(timings: dict[str, float], key: str, since: float) -> None:
    timings[key] = timings.get(key, 0.0) + time.perf_counter() - since


def scan_project(
    root: Path,
    config: Config,
    only: Iterable[str] | None = None,
    rules: Sequence[RuleMeta] | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Scan one directory with ``config``; ``only`` limits it to files (pre-commit mode)."""
    started = time.perf_counter()
    available = list(rules) if rules is not None else list(all_rules())
    validate_rule_options(available, config)
    selected = select_rules(available, config)
    timings: dict[str, float] = {}
    mark = time.perf_counter()
    project = Project(root, config, only=only)
    timings["inventory"] = time.perf_counter() - mark
    if project.file_mode:
        selected = [rule for rule in selected if rule.file_local]
    findings: list[Finding] = []
    from sailint.collectors import pyunits

    # Python rules run unit by unit, in worker processes on a large project, while the other
    # rules run here: first those that need no Python results, then those that do (a rule that
    # asks for them in the first pass is stopped and run again in the second).
    pyunits.start(project, [rule for rule in selected if _is_python_rule(rule)])
    stopped: list[RuleMeta] = []
    done = 0
    try:
        pyunits.defer(project, True)
        for rule in [rule for rule in selected if not _is_python_rule(rule)]:
            if progress is not None:
                progress(done, len(selected), rule)
            mark = time.perf_counter()
            try:
                findings.extend(run_rule(rule, project))
                done += 1
            except pyunits.AnalysisPending:
                stopped.append(rule)
            _add_time(timings, f"rule:{rule.id}", mark)
        pyunits.defer(project, False)
        for rule in [*stopped, *(rule for rule in selected if _is_python_rule(rule))]:
            if progress is not None:
                progress(done, len(selected), rule)
            done += 1
            mark = time.perf_counter()
            findings.extend(run_rule(rule, project))
            # NOTE: a rule's time includes the views it was first to build (parsing is shared).
            _add_time(timings, f"rule:{rule.id}", mark)
    finally:
        pyunits.discard(project)
        gc.unfreeze()  # frozen while Python units were analysed (collectors/pyunits.py)
    # A rule stopped in the first pass may have had a view record a note before it stopped;
    # the view recorded it again when it was built for good.
    project.notifications[:] = dict.fromkeys(project.notifications)
    if project.has_view(pyunits.PythonUnits):
        for key, seconds in project.get(pyunits.PythonUnits).results.seconds.items():
            timings[f"unit:{key}"] = seconds
    findings = [f for f in findings if f.location.path]
    mark = time.perf_counter()
    finalise(findings, selected, project)
    timings["finalise"] = time.perf_counter() - mark
    attestations: list[Attestation] = []
    if not project.file_mode:  # attestations are project-wide: not read for given files
        from sailint.attestations import load_attestations

        attestations = load_attestations(project)
    return Report(
        findings=findings,
        rules=selected,
        skipped=project.skipped(),
        notifications=project.notifications,
        evidence=sorted(project.evidence),
        project=project.info,
        files_scanned=len(project.files),
        excluded_count=project.inventory.excluded_count,
        duration=time.perf_counter() - started,
        timings=timings,
        attestations=attestations,
    )
