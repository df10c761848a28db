"""Python units analysed one at a time, spread over worker processes when the code is large.

Each module or notebook is parsed once; its shared facts are built once; every Python rule of
the scan (SAI and bandit's B rules alike, bandit reusing the same tree) runs on it; what the
repository-level views need from it is kept as a small summary; then the tree is dropped. No
process ever holds every tree, and on a large project the units are shared out between one
worker per core (forked, so they start with the scan's project and configuration).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sailint.collectors.python import PythonSource, load_module, module_paths, notebook_unit
from sailint.context import RuleContext
from sailint.model import Finding
from sailint.project import Project, ProjectChanges, View
from sailint.rulemeta import RuleMeta

if TYPE_CHECKING:  # multiprocessing is imported only when workers start
    from concurrent.futures import Future, ProcessPoolExecutor

    from sailint.collectors.bandit_run import Scanned

    # The analysis modules are imported when a unit is first summarised: in a pre-commit run
    # that is after the bandit helper forks (it needs none of them), in parallel with its work.
    from sailint.collectors.envreads import EnvRead
    from sailint.collectors.hubrefs import HubRef
    from sailint.collectors.mlsignals import UnitSignals
    from sailint.collectors.pyhelper import Helper
    from sailint.collectors.pynames import ImportMap
    from sailint.collectors.pyresolve import SourceFacts

log = logging.getLogger("sailint")

BANDIT_CHECK = "sailint.checks.bandit_rules:bandit_results"
# Below this much code a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 400_000
PARALLEL_MIN_UNITS = 24
CLAIM_TIMEOUT = 30.0  # seconds
COLLECT_EVERY = 64  # units between two collections of their garbage
# Keys of UnitResults.seconds besides rule IDs.
PARSE, FACTS, BANDIT = "(read and parse)", "(facts and summary)", "(bandit's walk)"
Unit = tuple[str, str]  # (kind, path): kind is "module" or "notebook"


@dataclass(frozen=True)
class UnitSummary:
    """What the repository-level views need from one parsed unit (its tree is gone)."""

    path: str
    kind: str
    imports: ImportMap
    ml: UnitSignals
    hub_refs: tuple[HubRef, ...]
    env_reads: tuple[EnvRead, ...]

    def imports_any(self, *modules: str) -> bool:
        """True if the unit imports any of ``modules`` or one of their submodules."""
        return any(self.imports.imports(module) for module in modules)


@dataclass
class UnitResults:
    """Summaries and Python-rule results for a set of units (one worker's share, or all)."""

    summaries: list[UnitSummary] = field(default_factory=list)
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # rule id -> first error
    # CPU seconds per rule id, plus PARSE, FACTS and BANDIT, summed over every process.
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, other: UnitResults) -> None:
        """Fold another share's results into these."""
        self.summaries.extend(other.summaries)
        for rule_id, found in other.findings.items():
            self.findings.setdefault(rule_id, []).extend(found)
        for rule_id, message in other.failures.items():
            self.failures.setdefault(rule_id, message)
        for rule_id, seconds in other.seconds.items():
            self.seconds[rule_id] = self.seconds.get(rule_id, 0.0) + seconds


def summarise(facts: SourceFacts, project: Project) -> UnitSummary:
    """The summary of one unit; a unit too deeply nested to analyse keeps only its imports."""
    from sailint.collectors.envreads import env_reads
    from sailint.collectors.hubrefs import code_refs
    from sailint.collectors.mlsignals import UnitSignals, unit_signals

    source = facts.source
    try:
        return UnitSummary(
            source.path,
            source.kind,
            facts.imports,
            unit_signals(facts),
            tuple(code_refs(facts, project)),
            tuple(env_reads(facts)),
        )
    except RecursionError:
        project.skip(source.path, "too deeply nested; ML signals and hub references not analysed")
        return UnitSummary(source.path, source.kind, facts.imports, UnitSignals(), (), ())


def units_of(project: Project) -> list[Unit]:
    """Every Python unit of the project: modules, then notebooks."""
    return [("module", path) for path in module_paths(project)] + [
        ("notebook", path) for path in project.paths("*.ipynb")
    ]


def load_unit(project: Project, unit: Unit) -> PythonSource | None:
    """Read and parse one unit; what cannot be read or parsed is a reported skip."""
    kind, path = unit
    if kind == "module":
        return load_module(project, path)
    from sailint.collectors.notebooks import parse_notebook  # only when there are notebooks

    text = project.text(path)
    if text is None:
        return None
    try:
        notebook = parse_notebook(path, text)
    except ValueError as error:
        project.skip(path, str(error))
        return None
    return notebook_unit(project, notebook)


class _RuleRunner:
    """Runs the scan's Python rules on one unit at a time and keeps their results."""

    def __init__(
        self,
        project: Project,
        rules: Iterable[RuleMeta],
        results: UnitResults,
        feed: BanditFeed | None = None,
    ) -> None:
        from sailint.engine import python_check
        from sailint.registry import RuleLoadError, resolve_check

        self.project = project
        self.results = results
        self.feed = feed
        self.sai: list[tuple[RuleMeta, RuleContext, Callable[..., Iterable[Finding]]]] = []
        self.bandit: list[tuple[RuleMeta, RuleContext, Callable[..., Iterable[Finding]]]] = []
        for rule in rules:
            check = python_check(rule)
            if check is None:
                continue
            try:
                function = resolve_check(check)
            except RuleLoadError as error:  # that rule fails (and says so), not the analysis
                results.failures.setdefault(rule.id, str(error))
                continue
            entry = (rule, RuleContext(rule, project), function)
            (self.bandit if check == BANDIT_CHECK else self.sai).append(entry)

    def run(self, source: PythonSource) -> None:
        # Rule order (B before SAI), so a unit's first reported skip is the same as ever.
        if self.bandit:
            from sailint.collectors.bandit_run import BanditResults

            bandit = self.project.get(BanditResults)
            seconds = self.results.seconds
            helped = None
            if self.feed is not None and not bandit.settings.excluded(source.path):
                helped = self.feed.take(source.path, seconds)
            if helped is not None:
                added = bandit.record(source, helped, self.project)
            else:
                started = time.process_time()
                added = bandit.add(source, self.project)
                seconds[BANDIT] = seconds.get(BANDIT, 0.0) + time.process_time() - started
            if added:
                for entry in self.bandit:
                    self._run_one(entry, source)
                bandit.release(source.path)
        for entry in self.sai:
            self._run_one(entry, source)

    def _run_one(
        self,
        entry: tuple[RuleMeta, RuleContext, Callable[..., Iterable[Finding]]],
        source: PythonSource,
    ) -> None:
        rule, ctx, check = entry
        started = time.process_time()
        try:
            found = list(check(source, ctx))
        except Exception as error:  # a bug in one rule must not lose the rest of the scan
            log.debug("rule %s crashed on %s", rule.id, source.path, exc_info=True)
            self.results.failures.setdefault(rule.id, repr(error))
            found = []
        if found:
            self.results.findings.setdefault(rule.id, []).extend(found)
        seconds = self.results.seconds
        seconds[rule.id] = seconds.get(rule.id, 0.0) + time.process_time() - started


def analyse(
    project: Project,
    units: list[Unit],
    rules: Iterable[RuleMeta],
    feed: BanditFeed | None = None,
) -> UnitResults:
    """Parse, summarise and run ``rules`` on each unit in turn, dropping each tree after.

    With a ``feed``, bandit's outcome for each unit comes from the helper process running it.
    """
    results = UnitResults()
    runner = _RuleRunner(project, rules, results, feed)
    # Everything the scan holds so far lives until it ends: keep the cycle collector off it
    # while thousands of units come and go (the engine unfreezes when the scan is over).
    gc.freeze()
    collecting = gc.isenabled()
    try:
        gc.disable()
        _analyse_units(project, units, runner, results)
    finally:
        if collecting:
            gc.enable()
    return results


def _analyse_units(
    project: Project,
    units: list[Unit],
    runner: _RuleRunner,
    results: UnitResults,
) -> None:
    from sailint.collectors.pyresolve import CodeFacts

    facts_cache = project.get(CodeFacts)
    seconds = results.seconds
    for number, unit in enumerate(units, start=1):
        if number % (COLLECT_EVERY if runner.bandit else COLLECT_EVERY * 16) == 0:
            # Bandit links every node to its parent, so a unit's tree is freed only by the cycle
            # collector. Collecting every few units bounds that garbage (and keeps the cost out
            # of the parse timings, where the collector's own schedule had put half of it).
            # Without bandit, modules leave no cycles (tests/test_pyunits.py); a notebook's JSON
            # decoder leaves one small closure cycle, collected far less often.
            gc.collect()
        started = time.process_time()
        source = load_unit(project, unit)
        loaded = time.process_time()
        seconds[PARSE] = seconds.get(PARSE, 0.0) + loaded - started
        if source is None:
            continue
        try:
            facts = facts_cache.of(source)
            results.summaries.append(summarise(facts, project))
            seconds[FACTS] = seconds.get(FACTS, 0.0) + time.process_time() - loaded
        except Exception as error:  # a bug on one odd unit must not cost the whole analysis
            log.debug("Python analysis failed on %s", source.path, exc_info=True)
            project.skip(source.path, f"Python analysis failed ({error!r}); not analysed")
        else:
            runner.run(source)
        facts_cache.release(source)


# -- worker processes -------------------------------------------------------------------------

_SHARED: dict[str, Any] = {}  # what forked workers inherit: project, rules, shares, counter

Done = tuple[int, UnitResults, ProjectChanges]  # a share's index, results and project changes


def _analyse_marked(
    project: Project, units: list[Unit], rules: list[RuleMeta]
) -> tuple[UnitResults, ProjectChanges]:
    """``analyse`` in another process: the results and what it recorded on its project copy."""
    mark = project.mark()
    results = analyse(project, units, rules)
    return results, project.changes_since(mark)


def _analyse_share(units: list[Unit]) -> tuple[UnitResults, ProjectChanges]:
    return _analyse_marked(_SHARED["project"], units, _SHARED["rules"])


def _claim() -> int | None:
    """The index of the next share nobody has taken (workers and the main process alike)."""
    counter = _SHARED["next"]
    lock = counter.get_lock()
    # A worker killed while holding the lock must not hang the scan: give up on claiming (the
    # main process then analyses whatever was not returned).
    if not lock.acquire(timeout=CLAIM_TIMEOUT):
        return None
    try:
        index = int(counter.value)
        counter.value = index + 1
    finally:
        lock.release()
    return index if index < len(_SHARED["shares"]) else None


def _in_worker() -> list[Done]:
    """A worker's whole task: take shares until none is left."""
    done: list[Done] = []
    while (index := _claim()) is not None:
        done.append((index, *_analyse_share(_SHARED["shares"][index])))
    return done


def _worker_started() -> None:
    # The inherited heap (the scan so far) is never garbage: keep the collector off it.
    gc.freeze()
    # Ctrl-C is the main process's business (it stops the scan and the workers with it); a
    # worker would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def cores() -> int:
    """Worker processes to use: ``SAILINT_JOBS`` if set, else the cores this process may use."""
    configured = os.environ.get("SAILINT_JOBS", "").strip()
    if configured.isdigit():
        return max(1, int(configured))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _shares(units: list[Unit], sizes: dict[str, int], count: int) -> list[list[Unit]]:
    """Split into ``count`` shares of similar total size, largest units first."""
    shares: list[list[Unit]] = [[] for _ in range(count)]
    totals = [0] * count
    for unit in sorted(units, key=lambda u: (-sizes.get(u[1], 0), u)):
        index = totals.index(min(totals))
        shares[index].append(unit)
        totals[index] += sizes.get(unit[1], 0)
    return [share for share in shares if share]


class AnalysisPending(BaseException):
    """A rule asked for ``PythonUnits`` while the scan runs the rules that need no Python results.

    The engine runs such a rule again once those rules are done (engine.py). It derives from
    BaseException so that no ``except Exception`` in a check or collector takes it for a failure.
    """


@dataclass
class _Pending:
    rules: list[RuleMeta]
    units: list[Unit] | None = None  # listed once by ``start`` when it looked
    shares: list[list[Unit]] = field(default_factory=list)
    tasks: list[Future[list[Done]]] = field(default_factory=list)
    pool: ProcessPoolExecutor | None = None
    helper: Helper | None = None  # file mode: one forked process runs bandit on the units
    deferring: bool = False  # asking for the results raises AnalysisPending (see ``defer``)


_PENDING: weakref.WeakKeyDictionary[Project, _Pending] = weakref.WeakKeyDictionary()


def start(project: Project, rules: list[RuleMeta]) -> None:
    """Begin the Python analysis of ``project`` with ``rules`` (scope ``python``).

    On a large project with several cores the units go to worker processes now, and the
    scan's other rules run meanwhile; otherwise the analysis happens in-process when a rule
    first asks for ``PythonUnits``.
    """
    pending = _Pending(rules)
    _PENDING[project] = pending
    workers = cores()
    if not rules or workers < 2:
        return
    units = pending.units = units_of(project)
    if project.file_mode:
        # A pre-commit run: a few units, but bandit's import and walk of them are half of the
        # run. One forked helper runs bandit while this process runs everything else.
        if units and any(rule.check == BANDIT_CHECK for rule in rules):
            pending.helper = _start_helper(project, units)
        return
    sizes = {path: project.files[path].size for _, path in units}
    if len(units) < PARALLEL_MIN_UNITS or sum(sizes.values()) < PARALLEL_MIN_BYTES:
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Spawned workers would rebuild the whole project (not worth it), and fork is only safe to
    # rely on on Linux (macOS system libraries may not survive it).
    if (
        not sys.platform.startswith("linux")
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return
    if any(rule.check == BANDIT_CHECK for rule in rules):
        from sailint.collectors.bandit_run import load_bandit

        load_bandit(project)  # import bandit and its plugins once, before forking
    context = multiprocessing.get_context("fork")
    # Many small shares, taken one at a time by whoever is free (the main process too, once it
    # needs the results): no core idles while another still has a queue of work.
    pending.shares = _shares(units, sizes, workers * 8)
    _SHARED.update(project=project, rules=rules, shares=pending.shares, next=context.Value("i", 0))
    pending.pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_started)
    pending.tasks = [pending.pool.submit(_in_worker) for _ in range(workers)]


def defer(project: Project, deferring: bool) -> None:
    """While ``deferring``, a rule that asks for ``PythonUnits`` is stopped with AnalysisPending.

    The engine first runs every rule that can do without the Python results - while the workers
    analyse - and only then the others, which wait for (and share) the rest of the analysis.
    The same in every mode, so that rules run, and record notes, in the same order.
    """
    pending = _PENDING.get(project)
    if pending is not None:
        pending.deferring = deferring


def _start_helper(project: Project, units: list[Unit]) -> Helper | None:
    from sailint.collectors.pyhelper import fork_helper

    return fork_helper(lambda send: _bandit_in_helper(project, units, send), _worker_started)


def _bandit_in_helper(project: Project, units: list[Unit], send: Callable[[Any], None]) -> None:
    """The helper's work: bandit's outcome for each unit in turn, sent as soon as it is known.

    Only bandit runs here: its rules (which drop what a SAI rule reports better, and so need
    the unit's facts) run in the main process, which has those facts anyway.
    """
    from sailint.collectors.bandit_run import BanditResults

    bandit = project.get(BanditResults)
    gc.disable()  # bandit's trees are cyclic: collected every few units, as ``analyse`` does
    for number, unit in enumerate(units, start=1):
        if number % COLLECT_EVERY == 0:
            gc.collect()
        if bandit.settings.excluded(unit[1]):
            continue  # the main process does not ask for it
        started = time.process_time()
        source = load_unit(project, unit)
        loaded = time.process_time()
        # None if the unit could not be loaded here: the main process then tries it itself
        scanned = None if source is None else bandit.scan(source)
        send((unit[1], scanned, loaded - started, time.process_time() - loaded))


class BanditFeed:
    """Bandit's outcome for each unit, as the helper process sends them, for the main process."""

    def __init__(self, helper: Helper) -> None:
        """Read from ``helper``, which runs ``_bandit_in_helper``."""
        self.helper: Helper | None = helper
        self.received: dict[str, tuple[Scanned | None, float, float]] = {}

    def take(self, path: str, seconds: dict[str, float]) -> Scanned | None:
        """The outcome for ``path`` (waiting for it), its CPU time added to ``seconds``.

        None when the helper has none (it failed, or could not load the unit): the caller
        runs bandit on the unit itself.
        """
        while path not in self.received and self.helper is not None:
            item = self.helper.receive()
            if item is None:  # it has sent everything it will
                self.helper = None
            else:
                self.received[item[0]] = item[1:]
        if path not in self.received:
            return None
        scanned, parsing, walking = self.received.pop(path)
        seconds[PARSE] = seconds.get(PARSE, 0.0) + parsing
        seconds[BANDIT] = seconds.get(BANDIT, 0.0) + walking
        return scanned

    def close(self) -> None:
        """Stop the helper if it still runs."""
        if self.helper is not None:
            self.helper.close()
            self.helper = None


class PythonUnits(View):
    """The Python analysis of the scan: per-unit summaries and the Python rules' results."""

    def __init__(self, results: UnitResults) -> None:
        """Hold the results, summaries in path order."""
        results.summaries.sort(key=lambda summary: (summary.kind, summary.path))
        self.results = results

    @property
    def summaries(self) -> list[UnitSummary]:
        """One summary per parsed unit, modules then notebooks, by path."""
        return self.results.summaries

    @classmethod
    def build(cls, project: Project) -> PythonUnits:
        """See ``View.build``: take part in the workers' analysis and collect it, or do it all."""
        waiting = _PENDING.get(project)
        if waiting is not None and waiting.deferring:
            raise AnalysisPending
        pending = _PENDING.pop(project, None) or _Pending([])
        first_note = len(project.notifications)
        if pending.pool is None:
            units = pending.units if pending.units is not None else units_of(project)
            results = cls._with_helper(project, units, pending)
            _sort_notes(project, first_note)
            return cls(results)
        by_share: dict[int, UnitResults] = {}
        try:
            while (index := _claim()) is not None:
                by_share[index] = analyse(project, pending.shares[index], pending.rules)
            for task in pending.tasks:
                try:
                    done = task.result()
                except Exception as error:  # a worker died (out of memory ...)
                    log.debug("Python analysis worker failed: %r", error)
                    continue
                for index, results, changes in done:
                    by_share[index] = results
                    project.merge(changes)
        finally:
            discard(project, pending)
        for index, share in enumerate(pending.shares):
            if index not in by_share:  # claimed by a worker that died: analysed here
                by_share[index] = analyse(project, share, pending.rules)
        results = UnitResults()
        for index in sorted(by_share):
            results.add(by_share[index])
        _sort_notes(project, first_note)
        return cls(results)

    @staticmethod
    def _with_helper(project: Project, units: list[Unit], pending: _Pending) -> UnitResults:
        """The analysis in this process, with bandit's outcomes from the helper if one runs."""
        helper, pending.helper = pending.helper, None
        if helper is None:
            return analyse(project, units, pending.rules)
        feed = BanditFeed(helper)
        try:
            return analyse(project, units, pending.rules, feed=feed)
        finally:
            feed.close()


def _sort_notes(project: Project, first: int) -> None:
    """Order the notes the analysis added: which process made which varies, the report must not."""
    project.notifications[first:] = sorted(
        project.notifications[first:],
        key=lambda n: (n.path or "", n.line or 0, n.level, n.message),
    )


def discard(project: Project, pending: _Pending | None = None) -> None:
    """Stop the workers of ``project``'s Python analysis (done, or never asked for)."""
    pending = pending or _PENDING.pop(project, None)
    if pending is not None and pending.helper is not None:
        pending.helper.close()
        pending.helper = None
    if pending is None or pending.pool is None:
        return
    counter = _SHARED.get("next")
    if counter is not None and counter.get_lock().acquire(timeout=CLAIM_TIMEOUT):
        counter.value = len(pending.shares)  # nothing more to take: workers finish now
        counter.get_lock().release()
    pending.pool.shutdown(wait=True)
    pending.pool = None
    _SHARED.clear()
