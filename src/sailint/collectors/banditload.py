"""Imports bandit's scanning core without the command-line machinery its package loads first.

``import bandit`` runs ``bandit/__init__.py`` and ``bandit/core/__init__.py``, which import the
CLI's run manager (and with it ``rich.progress``), read bandit's own distribution metadata for
``__version__``, and have stevedore scan every installed distribution's entry points and import
all nine report formatters; its config module imports PyYAML, for YAML config files. sailint
needs none of that: it walks trees with bandit's node visitor and test set. On a pre-commit run
of a few files that import work was most of bandit's cost (about 0.15 s of 0.25 s), so this
module builds the two packages by hand from the submodules their ``__init__`` files re-export,
loads bandit's own plugins and blacklists from bandit's ``entry_points.txt`` - the list
stevedore would have read - and defers PyYAML until a YAML config is read.

Anything unexpected (another bandit layout, no ``entry_points.txt``, a missing name) undoes the
partial import and falls back to a plain ``import bandit``; tests/test_bandit.py checks that
both ways load the same tests and give the same results.
"""

from __future__ import annotations

import configparser
import importlib
import importlib.util
import logging
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# What bandit/__init__.py and bandit/core/__init__.py re-export with ``import *``; bandit's
# plugins use these names as ``bandit.test_id``, ``bandit.Issue``, ``bandit.HIGH``, ...
_STAR_MODULES = ("constants", "issue", "test_properties")
# Plugin kinds sailint runs; bandit's report formatters are never needed.
_NAMESPACES = ("bandit.plugins", "bandit.blacklists")


def import_bandit_core() -> None:
    """Make ``bandit.core.*`` importable, the lean way when possible (once per process)."""
    if "bandit" in sys.modules:
        return
    try:
        _lean_import()
    except Exception:  # any surprise: forget the partial import, let bandit import itself
        log.debug("lean bandit import failed; importing bandit as a package", exc_info=True)
        for name in [n for n in sys.modules if n == "bandit" or n.startswith("bandit.")]:
            del sys.modules[name]


def _package(name: str) -> types.ModuleType:
    """The package ``name`` as an empty module that finds its submodules (``__init__`` not run)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{name} is not a package")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    return module


def _version_attribute(name: str) -> Any:
    """``bandit.__version__`` / ``__author__``, read from the metadata only if someone asks."""
    if name in ("__version__", "__author__"):
        from importlib import metadata

        return metadata.version("bandit") if name == "__version__" else None
    raise AttributeError(f"module 'bandit' has no attribute {name!r}")


def _lean_import() -> None:
    bandit = _package("bandit")
    core = _package("bandit.core")
    bandit.core = core  # type: ignore[attr-defined]
    bandit.__getattr__ = _version_attribute  # type: ignore[method-assign]
    for short in _STAR_MODULES:
        module = importlib.import_module(f"bandit.core.{short}")
        public = getattr(module, "__all__", None) or [
            key for key in vars(module) if not key.startswith("_")
        ]
        for key in public:
            setattr(bandit, key, getattr(module, key))
            setattr(core, key, getattr(module, key))
    entry_points = _entry_points(Path(bandit.__path__[0]))
    # bandit's extension loader builds its plugin manager with stevedore when it is imported;
    # for that one import, stevedore is this module's reader of bandit's own entry points.
    saved = {name: sys.modules.get(name) for name in ("stevedore", "stevedore.extension")}
    stand_in = types.ModuleType("stevedore.extension")
    stand_in.ExtensionManager = _manager_class(entry_points)  # type: ignore[attr-defined]
    stevedore = types.ModuleType("stevedore")
    stevedore.extension = stand_in  # type: ignore[attr-defined]
    sys.modules.update({"stevedore": stevedore, "stevedore.extension": stand_in})
    try:
        importlib.import_module("bandit.core.extension_loader")
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
    # bandit's config module imports PyYAML for YAML config files, which sailint never passes
    # (it hands bandit pyproject.toml): a stand-in defers that import (~25 ms) until used.
    deferred = "yaml" not in sys.modules
    if deferred:
        sys.modules["yaml"] = _DeferredYaml("yaml")
    try:
        importlib.import_module("bandit.core.config")
    finally:
        if deferred and isinstance(sys.modules.get("yaml"), _DeferredYaml):
            del sys.modules["yaml"]
    for short in ("config", "context", "meta_ast", "node_visitor", "test_set", "tester", "utils"):
        setattr(core, short, importlib.import_module(f"bandit.core.{short}"))


class _DeferredYaml(types.ModuleType):
    """PyYAML for a module that imports it at its top but may never use it: imported on use."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get("yaml") is self:
            del sys.modules["yaml"]
        return getattr(importlib.import_module("yaml"), name)


def _entry_points(package_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """Namespace -> [(name, "module:attribute")] from the one bandit dist-info beside the package."""
    found = sorted(package_dir.parent.glob("bandit-*.dist-info/entry_points.txt"))
    if len(found) != 1:
        raise ImportError(f"expected one bandit entry_points.txt, found {len(found)}")
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # names keep their case
    parser.read(found[0], encoding="utf-8")
    points = {
        namespace: [(name, target.strip()) for name, target in parser.items(namespace)]
        for namespace in _NAMESPACES
        if parser.has_section(namespace)
    }
    if not points.get("bandit.plugins") or not points.get("bandit.blacklists"):
        raise ImportError("bandit's entry_points.txt lists no plugins")
    return points


class _Extension:
    """What bandit reads of a stevedore extension: its name and the loaded object."""

    def __init__(self, name: str, target: str, plugin: Any) -> None:
        self.name = name
        self.entry_point_target = target
        self.plugin = plugin
        self.obj = None


def _manager_class(entry_points: dict[str, list[tuple[str, str]]]) -> type:
    """A stand-in for ``stevedore.extension.ExtensionManager`` over ``entry_points``."""

    class ExtensionManager:
        def __init__(self, namespace: str, **_options: Any) -> None:
            self.extensions = [
                _Extension(name, target, _load(target))
                for name, target in entry_points.get(namespace, [])
            ]

        def __iter__(self) -> Iterator[_Extension]:
            return iter(self.extensions)

        def names(self) -> list[str]:
            return [extension.name for extension in self.extensions]

    return ExtensionManager


def _load(target: str) -> Any:
    """The object an entry point ``module:attribute`` names."""
    module_name, _, attribute = target.partition(":")
    value: Any = importlib.import_module(module_name.strip())
    for part in attribute.strip().split("."):
        value = getattr(value, part)
    return value
