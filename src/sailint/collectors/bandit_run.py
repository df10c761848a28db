"""Runs bandit as a library over the Python units of the scan, in parallel when it pays."""

from __future__ import annotations

import configparser
import io
import logging
import os
import sys
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

from sailint.collectors.python import PYTHON_PATTERNS, PythonSources
from sailint.project import Project, View

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# Below this much code a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 400_000
PARALLEL_MIN_UNITS = 24


@dataclass(frozen=True)
class BanditIssue:
    """One bandit result, in the unit's own line numbers."""

    test_id: str
    test_name: str
    line: int
    column: int  # 0-based, as ast reports it
    severity: str  # LOW | MEDIUM | HIGH
    confidence: str
    text: str
    cwe: int | None


@dataclass(frozen=True)
class BanditSettings:
    """What ``[tool.bandit]`` (pyproject.toml) or ``.bandit`` says: tests, skips, excludes."""

    config_file: str | None = None  # pyproject.toml holding [tool.bandit], read by bandit
    tests: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def excluded(self, path: str) -> bool:
        """Bandit's exclude semantics: a glob match or a substring of the path."""
        return any(
            fnmatch(path, pattern) or pattern.strip("/") + "/" in path + "/"
            for pattern in self.exclude
            if pattern.strip("./")
        )


def _split(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        return tuple(str(part).strip() for part in value if str(part).strip())
    return ()


def read_settings(project: Project) -> BanditSettings:
    """Bandit configuration of the project: ``[tool.bandit]`` first, else a ``.bandit`` file."""
    if project.exists("pyproject.toml"):
        text = project.text("pyproject.toml")
        try:
            table = tomllib.loads(text or "").get("tool", {}).get("bandit")
        except tomllib.TOMLDecodeError as error:
            project.notify(
                "warning", f"[tool.bandit] not read: invalid TOML ({error})", "pyproject.toml"
            )
            table = None
        if isinstance(table, dict):
            return BanditSettings(
                str(project.root / "pyproject.toml"),
                _split(table.get("tests")),
                _split(table.get("skips")),
                _split(table.get("exclude_dirs")),
            )
    if project.exists(".bandit"):
        parser = configparser.ConfigParser()
        try:
            parser.read_string(project.text(".bandit") or "")
        except configparser.Error as error:
            project.notify("warning", f".bandit not read: {error}", ".bandit")
            return BanditSettings()
        if parser.has_section("bandit"):
            section = parser["bandit"]
            return BanditSettings(
                None,
                _split(section.get("tests")),
                _split(section.get("skips")),
                _split(section.get("exclude")),
            )
    return BanditSettings()


# -- worker side (runs in the pool processes, or in-process for small scans) ------------------

_WORKER: dict[BanditSettings, Any] = {}


def _bandit(module: str) -> Any:
    """Import ``bandit.core.<module>`` (heavy, untyped: only when bandit actually runs)."""
    import importlib
    import warnings

    # Bandit's extension loader also loads its output-format plugins; one of them needs
    # `sarif_om`, which sailint does not install (it writes its own SARIF). stevedore logs that
    # failure as an error on stderr, which would look like a problem of the scan.
    logging.getLogger("stevedore.extension").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stevedore deprecation noise on bandit's import
        return importlib.import_module(f"bandit.core.{module}")


def _tester(settings: BanditSettings) -> Any:
    """A bandit test set for ``settings`` (built once per process)."""
    cached = _WORKER.get(settings)
    if cached is None:
        b_config = _bandit("config")
        extension_loader = _bandit("extension_loader")
        b_test_set = _bandit("test_set")

        bandit_log = logging.getLogger("bandit")
        bandit_log.setLevel(logging.ERROR)
        bandit_log.propagate = False  # its errors are collected per unit and reported as skips
        bandit_log.handlers = [logging.NullHandler()]
        conf = b_config.BanditConfig(settings.config_file)
        manager = extension_loader.MANAGER

        def ids(tokens: Iterable[str]) -> set[str]:
            return {manager.get_test_id(t) or t for t in tokens}

        profile = {"include": ids(settings.tests), "exclude": ids(settings.skips)}
        cached = b_test_set.BanditTestSet(conf, profile)
        _WORKER[settings] = cached
    return cached


class _ErrorCollector(logging.Handler):
    """Collects bandit's own error log records (a plugin that crashed on some node)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().split("Traceback")[0].strip())


def scan_text(
    path: str, text: str, settings: BanditSettings, errors: list[str] | None = None
) -> list[BanditIssue] | str:
    """Bandit's results for one unit of code, or the reason it could not be scanned.

    Bandit survives a crashing plugin and only logs it; those messages go to ``errors``.
    """
    import tokenize

    b_manager, meta_ast = _bandit("manager"), _bandit("meta_ast")
    metrics, node_visitor = _bandit("metrics"), _bandit("node_visitor")

    testset = _tester(settings)
    data = text.encode("utf-8")
    nosec_lines: dict[int, Any] = {}
    # Bandit tokenizes every file to find `# nosec` comments; its pattern is case-sensitive, so
    # a unit without the word cannot have one and skips a tokenizer pass (same results).
    if "nosec" in text:
        try:
            for token in tokenize.tokenize(io.BytesIO(data).readline):
                if token.type == tokenize.COMMENT:
                    nosec_lines[token.start[0]] = b_manager._parse_nosec_comment(token.string)
        except (tokenize.TokenError, SyntaxError):
            pass
    counter = metrics.Metrics()
    counter.begin(path)
    visitor = node_visitor.BanditNodeVisitor(
        path, io.BytesIO(data), meta_ast.BanditMetaAst(), testset, False, nosec_lines, counter
    )
    collector = _ErrorCollector()
    bandit_log = logging.getLogger("bandit")
    bandit_log.addHandler(collector)
    try:
        visitor.process(data)
    except SyntaxError:
        return "bandit could not parse it (syntax error)"
    except (RecursionError, MemoryError) as error:
        return f"bandit could not analyse it ({type(error).__name__})"
    except Exception as error:  # a bandit plugin bug must not end the scan
        return f"bandit failed on it ({type(error).__name__}: {error})"
    finally:
        bandit_log.removeHandler(collector)
    if errors is not None:
        errors.extend(dict.fromkeys(collector.messages))
    results = []
    for issue in visitor.tester.results:
        cwe = getattr(issue.cwe, "id", None) or None
        results.append(
            BanditIssue(
                issue.test_id,
                issue.test,
                int(issue.lineno),
                int(issue.col_offset or 0),
                str(issue.severity),
                str(issue.confidence),
                str(issue.text),
                int(cwe) if cwe else None,
            )
        )
    return results


Outcome = tuple["list[BanditIssue] | str", list[str]]


def _scan_chunk(
    chunk: list[tuple[str, str]], settings: BanditSettings
) -> list[tuple[str, Outcome]]:
    results = []
    for path, text in chunk:
        errors: list[str] = []
        results.append((path, (scan_text(path, text, settings, errors), errors)))
    return results


def _chunks(items: list[tuple[str, str]], count: int) -> list[list[tuple[str, str]]]:
    """Split into ``count`` chunks of similar total size (largest units first)."""
    buckets: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    sizes = [0] * count
    for item in sorted(items, key=lambda pair: -len(pair[1])):
        index = sizes.index(min(sizes))
        buckets[index].append(item)
        sizes[index] += len(item[1])
    return [bucket for bucket in buckets if bucket]


def workers() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class BanditRun:
    """Bandit over (path, code) units: in a process pool when the work is large enough.

    Work submitted to the pool runs while the main process goes on (parsing, SAI analysis):
    that overlap is what makes sailint-with-bandit faster than bandit alone.
    """

    def __init__(self, settings: BanditSettings, parallel: bool) -> None:
        """Start a pool of one process per core when ``parallel``."""
        self.settings = settings
        self.results: dict[str, Outcome] = {}
        self._futures: list[Future[list[tuple[str, Outcome]]]] = []
        self._pool: ProcessPoolExecutor | None = None
        self.cores = workers()
        if parallel and self.cores > 1:
            import multiprocessing

            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            _tester(settings)  # load bandit's plugins once, before forking
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(self.cores, mp_context=context)

    def submit(self, items: list[tuple[str, str]]) -> None:
        """Queue units (in the pool) or scan them now (serial mode)."""
        if self._pool is None:
            self.results.update(_scan_chunk(items, self.settings))
            return
        for chunk in _chunks(items, self.cores * 4):
            self._futures.append(self._pool.submit(_scan_chunk, chunk, self.settings))

    def collect(self) -> dict[str, Outcome]:
        """Every result, waiting for the pool and shutting it down."""
        try:
            for future in self._futures:
                self.results.update(future.result())
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        return self.results


def should_parallelise(items: list[tuple[str, str]]) -> bool:
    """True when the code is large enough for a process pool to pay for itself."""
    total = sum(len(text) for _, text in items)
    return len(items) >= PARALLEL_MIN_UNITS and total >= PARALLEL_MIN_BYTES


def run_units(items: list[tuple[str, str]], settings: BanditSettings) -> dict[str, Outcome]:
    """Bandit over every (path, code) pair; a process pool when the work is large enough."""
    run = BanditRun(settings, should_parallelise(items))
    run.submit(items)
    return run.collect()


@dataclass
class BanditResults(View):
    """Bandit's results per Python unit path, with lines mapped to the real file."""

    issues: dict[str, list[tuple[BanditIssue, int, int]]] = field(default_factory=dict)
    # (path, test id) -> that test's results in the unit: what each B### rule looks up
    by_test: dict[tuple[str, str], list[tuple[BanditIssue, int, int]]] = field(default_factory=dict)
    settings: BanditSettings = field(default_factory=BanditSettings)

    @classmethod
    def build(cls, project: Project) -> BanditResults:
        """See ``View.build``; units bandit cannot scan become reported skips."""
        settings = read_settings(project)
        # Plain modules go to the pool first, straight from their text ...
        early: list[tuple[str, str]] = []
        for path in sorted(project.paths(*PYTHON_PATTERNS)):
            text = project.text(path) if not settings.excluded(path) else None
            if text is not None:
                early.append((path, text))
        run = BanditRun(settings, should_parallelise(early))
        run.submit(early)
        # ... and while bandit works, the main process parses and prepares the SAI analyses.
        sources = {
            source.path: source
            for source in project.get(PythonSources).sources
            if not settings.excluded(source.path)
        }
        if run.cores > 1:
            warm_up(project)
        submitted = {path for path, _ in early}
        run.submit([(p, s.text) for p, s in sources.items() if p not in submitted])
        view = cls(settings=settings)
        for path, (outcome, errors) in run.collect().items():
            source = sources.get(path)
            if isinstance(outcome, str):
                project.skip(path, f"{outcome}; bandit results incomplete")
                continue
            if errors:
                project.skip(path, f"bandit error: {errors[0]}; bandit results incomplete")
            if source is None:
                continue  # unparsable for sailint too: already reported as skipped
            mapped = []
            for issue in outcome:
                location = source.location(max(issue.line, 1), issue.column)
                mapped.append((issue, location.line, location.column))
            view.issues[path] = mapped
            for entry in mapped:
                view.by_test.setdefault((path, entry[0].test_id), []).append(entry)
        return view


def warm_up(project: Project) -> None:
    """Build the shared views of the Python rules (they are cached for the rules that follow)."""
    from sailint.collectors.hubrefs import HubReferences
    from sailint.collectors.pyresolve import project_facts

    for _ in project_facts(project):
        pass
    project.get(HubReferences)
