"""Runs bandit as a library on each Python unit of the scan, on the tree sailint parsed."""

from __future__ import annotations

import ast
import io
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from typing import Any

from sailint.collectors.python import PythonSource
from sailint.project import Project, View

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


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
        # Not at the top: a pre-commit run's main process imports this module for the B rules
        # but never bandit (its helper runs bandit), and bandit imports configparser itself.
        import configparser

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

    from sailint.collectors.banditload import import_bandit_core

    # If bandit is imported as a package after all (banditload falls back), its extension
    # loader also loads its output-format plugins; one of them needs
    # `sarif_om`, which sailint does not install (it writes its own SARIF). stevedore logs that
    # failure as an error on stderr, which would look like a problem of the scan.
    logging.getLogger("stevedore.extension").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stevedore deprecation noise on bandit's import
        import_bandit_core()
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
    path: str,
    text: str,
    settings: BanditSettings,
    errors: list[str] | None = None,
    tree: ast.Module | None = None,
) -> list[BanditIssue] | str:
    """Bandit's results for one unit of code, or the reason it could not be scanned.

    With ``tree`` (the unit's text, already parsed) bandit walks it instead of parsing again.
    Bandit survives a crashing plugin and only logs it; those messages go to ``errors``.
    """
    import tokenize

    meta_ast, metrics, node_visitor = (
        _bandit("meta_ast"),
        _bandit("metrics"),
        _bandit("node_visitor"),
    )

    testset = _tester(settings)
    data = text.encode("utf-8")
    nosec_lines: dict[int, Any] = {}
    # Bandit tokenizes every file to find `# nosec` comments; its pattern is case-sensitive, so
    # a unit without the word cannot have one and skips a tokenizer pass (same results).
    if "nosec" in text:
        b_manager = _bandit("manager")  # bandit's CLI module: imported only when needed
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
        if tree is None:
            visitor.process(data)
        else:
            _process_tree(visitor, tree)
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


def _process_tree(visitor: Any, tree: ast.Module) -> None:
    """``BanditNodeVisitor.process`` minus its ``ast.parse``: the same steps on a given tree."""
    visitor.generic_visit(tree)
    # The tests that read the whole file rather than the tree, as bandit runs them last.
    visitor.context = {
        "file_data": visitor.fdata,
        "filename": visitor.fname,
        "lineno": 0,
        "linerange": [0, 1],
        "col_offset": 0,
    }
    visitor.update_scores(visitor.tester.run_tests(visitor.context, "File"))


def load_bandit(project: Project) -> None:
    """Import bandit and load its plugins for the project's settings (once per process)."""
    _tester(project.get(BanditResults).settings)


# Bandit tests every result of which the SAI rule named reports better while it runs
# (checks/bandit_rules.py drops them): B614 flags `torch.load(weights_only=SAFE)` with SAFE a
# True constant, B615 a local `load_dataset("csv", ...)`; SAI307 and SAI108 judge those calls.
SUPERSEDED = {"B614": "SAI307", "B615": "SAI108"}


def _active_rules(project: Project) -> frozenset[str]:
    """IDs of the rules the scan runs; none if its selection is invalid (the engine says so)."""
    from sailint.config import ConfigError
    from sailint.engine import select_rules
    from sailint.registry import all_rules

    try:
        return frozenset(rule.id for rule in select_rules(all_rules(), project.config))
    except ConfigError:
        return frozenset()


def _needless_tests(active: frozenset[str]) -> list[str]:
    """IDs of the bandit tests whose results no rule of the scan would report."""
    from sailint.collectors.pyunits import BANDIT_CHECK
    from sailint.registry import all_rules

    if not active:  # the selection is unknown: bandit runs every test
        return []
    unused = [r.id for r in all_rules() if r.check == BANDIT_CHECK and r.id not in active]
    return unused + [test for test, rule in SUPERSEDED.items() if rule in active]


Mapped = tuple[BanditIssue, int, int]  # the issue, its file line and 1-based column
# What bandit made of one unit: its issues or why it could not scan it, and plugin errors.
Scanned = tuple[list[BanditIssue] | str, list[str]]


@dataclass
class BanditResults(View):
    """Bandit's results for the units under analysis, lines mapped to the real file.

    Units are added one at a time by the Python analysis (collectors/pyunits.py), read by the
    B rules, then released with the unit's tree.
    """

    settings: BanditSettings = field(default_factory=BanditSettings)
    # (path, test id) -> that test's results in the unit: what each B### rule looks up
    by_test: dict[tuple[str, str], list[Mapped]] = field(default_factory=dict)
    # IDs of the rules the scan runs: which SAI rules report what a bandit test would
    active_rules: frozenset[str] = frozenset()

    @classmethod
    def build(cls, project: Project) -> BanditResults:
        """See ``View.build``: the project's bandit settings, no results yet.

        Bandit skips the tests whose results the scan would drop: those of B rules it does not
        run, and those a running SAI rule supersedes.
        """
        settings = read_settings(project)
        active = _active_rules(project)
        needless = tuple(sorted(set(_needless_tests(active)) - set(settings.skips)))
        return cls(replace(settings, skips=settings.skips + needless), active_rules=active)

    def add(self, source: PythonSource, project: Project) -> bool:
        """Run bandit on one parsed unit; False when bandit excludes or cannot scan it."""
        if self.settings.excluded(source.path):
            return False
        return self.record(source, self.scan(source), project)

    def scan(self, source: PythonSource) -> Scanned:
        """Bandit's outcome for one unit (``add`` without recording it: see ``record``)."""
        errors: list[str] = []
        outcome = scan_text(source.path, source.text, self.settings, errors, source.tree)
        return outcome, errors

    def record(self, source: PythonSource, scanned: Scanned, project: Project) -> bool:
        """Keep a unit's outcome (from ``scan``, maybe in another process); False if it failed."""
        outcome, errors = scanned
        if isinstance(outcome, str):
            project.skip(source.path, f"{outcome}; bandit results incomplete")
            return False
        if errors:
            project.skip(source.path, f"bandit error: {errors[0]}; bandit results incomplete")
        for issue in outcome:
            location = source.location(max(issue.line, 1), issue.column)
            entry = (issue, location.line, location.column)
            self.by_test.setdefault((source.path, issue.test_id), []).append(entry)
        return True

    def release(self, path: str) -> None:
        """Forget a unit's results once its rules have read them."""
        for key in [key for key in self.by_test if key[0] == path]:
            del self.by_test[key]
