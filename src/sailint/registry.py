"""Finds the rule files, validates them against the schema and binds their checks."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sailint.model import Confidence, Level
from sailint.ruleindex import digest, read_index
from sailint.rulemeta import ExampleFile, OptionSpec, RuleMeta

REFERENCE_KEYS = ("ssdf", "owasp-llm", "owasp-ml", "atlas", "cwe")


class RuleLoadError(Exception):
    """A rule file is invalid, duplicated, or names a check that does not exist."""


def rules_dir() -> Path:
    """Where rule files live: ``$SAILINT_RULES_DIR``, the installed package, or the checkout."""
    override = os.environ.get("SAILINT_RULES_DIR")
    if override:
        return Path(override)
    # The package directory, as importlib.resources.files("sailint") gives it for an installed
    # package (that module imports tempfile, shutil, zipfile ...: ~10 ms of every start).
    installed = Path(__file__).parent / "_rules"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "rules"


def rule_files(directory: Path | None = None) -> list[Path]:
    """Every ``*.yaml`` rule file below the rules directory, sorted."""
    base = directory or rules_dir()
    return [base / name for name in _rule_names(base)]


def _rule_names(base: Path) -> list[str]:
    """Relative names of the rule files below ``base``, sorted as paths (by their parts).

    Listed at every start: os.walk takes about half the time of Path.rglob.
    """
    names: list[str] = []
    for directory, _, files in os.walk(base):
        relative = os.path.relpath(directory, base)
        for file in files:
            if file.endswith(".yaml") and os.path.isfile(os.path.join(directory, file)):
                names.append(file if relative == "." else f"{relative}/{file}".replace(os.sep, "/"))
    return sorted(names, key=lambda name: name.split("/"))


def _schema(directory: Path) -> dict[str, Any]:
    with open(directory / "schema.json", encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def _examples(raw: Any) -> tuple[ExampleFile, ...]:
    return tuple(
        ExampleFile(
            str(item["path"]), str(item["content"]), item.get("committed"), item.get("removed")
        )
        for item in raw
    )


def _python_modules_read(value: Any) -> bool | tuple[str, ...]:
    """``reads-python-modules``: true, false, or a list of file names (schema-checked)."""
    return tuple(value) if isinstance(value, list) else bool(value)


def parse_rule(data: dict[str, Any], source: str) -> RuleMeta:
    """Build a RuleMeta from a schema-valid rule document."""
    references = {
        key: tuple(str(v) for v in data.get("references", {}).get(key, []))
        for key in REFERENCE_KEYS
    }
    options = tuple(
        OptionSpec(name, str(spec["type"]), spec.get("default"), str(spec.get("description", "")))
        for name, spec in data.get("options", {}).items()
    )
    return RuleMeta(
        id=data["id"],
        slug=data["slug"],
        title=data["title"],
        level=Level.parse(data["level"]),
        confidence=Confidence.parse(data["confidence"]),
        scope=data["scope"],
        category=data["category"],
        guidelines=tuple(str(g) for g in data["guidelines"]),
        rationale=data["rationale"].strip(),
        remediation=data["remediation"].strip(),
        bad_example=_examples(data["examples"]["bad"]),
        good_example=_examples(data["examples"]["good"]),
        check=data.get("check"),
        python_check=data.get("python-check"),
        match=data.get("match"),
        references=references,
        links=tuple(data.get("links", [])),
        options=options,
        security_severity=data.get("security-severity"),
        file_local=bool(data.get("file-local", data["scope"] != "repository")),
        reads_python_modules=_python_modules_read(data.get("reads-python-modules", True)),
        source_file=source,
    )


def resolve_check(target: str) -> Callable[..., Iterable[Any]]:
    """Import ``module:function`` named by a rule's ``check`` key."""
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        function = getattr(module, attribute)
    except (ImportError, AttributeError) as error:
        raise RuleLoadError(f"check {target!r} cannot be imported: {error}") from error
    if not callable(function):
        raise RuleLoadError(f"check {target!r} is not callable")
    result: Callable[..., Iterable[Any]] = function
    return result


def _rule_bytes(base: Path) -> list[tuple[str, bytes]]:
    """(relative name, content) of every rule file below ``base``, in ``rule_files`` order."""
    found = []
    for name in _rule_names(base):
        with open(os.path.join(base, name), "rb") as handle:  # cheaper than Path.read_bytes
            found.append((name, handle.read()))
    return found


def parse_yaml_bytes(name: str, raw: bytes) -> Any:
    """One rule (or rules data) file's document, its text decoded as ``Path.read_text`` would."""
    import yaml

    try:  # libyaml's safe loader is several times faster than the pure-Python one
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        from yaml import SafeLoader as Loader  # type: ignore[assignment]

    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    try:
        # sailint: ignore[B506] Loader is CSafeLoader or SafeLoader; bandit cannot resolve it
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as error:
        raise RuleLoadError(f"{name}: invalid YAML: {error}") from error


def rule_documents(directory: Path | None = None) -> dict[str, tuple[bytes, Any]]:
    """Every rule file's bytes and parsed YAML document, by relative name (no index used)."""
    base = directory or rules_dir()
    return {name: (raw, parse_yaml_bytes(name, raw)) for name, raw in _rule_bytes(base)}


REQUIRED_KEYS = (
    "id", "slug", "title", "level", "confidence", "scope", "category", "guidelines",
    "references", "rationale", "remediation", "examples",
)  # fmt: skip


def _schema_errors(base: Path, documents: dict[str, Any]) -> str | None:
    """Full JSON-schema validation (slow to import: used by tests and for user rule dirs)."""
    from sailint.schemaformats import import_jsonschema

    jsonschema = import_jsonschema()
    validator = jsonschema.Draft202012Validator(_schema(base))
    for name, data in documents.items():
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.absolute_path) or "(root)"
            return f"{name}: {where}: {first.message}"
    return None


def _quick_check(name: str, data: Any) -> None:
    """The structural checks every load makes; the packaged rules are schema-checked in CI."""
    if not isinstance(data, dict):
        raise RuleLoadError(f"{name}: (root): a rule file must be a mapping")
    for key in REQUIRED_KEYS:
        if key not in data:
            raise RuleLoadError(f"{name}: (root): {key!r} is a required property")
    if ("check" in data) == ("match" in data):
        raise RuleLoadError(f"{name}: (root): exactly one of 'check' or 'match' is required")


def load_rule_metas(directory: Path | None = None, validate: bool | None = None) -> list[RuleMeta]:
    """Load every rule file; raises RuleLoadError naming the bad file.

    ``validate`` runs the full JSON schema (default: only for a rules directory the user supplies
    with ``SAILINT_RULES_DIR``; importing jsonschema's format checkers costs seconds, and the
    shipped rules are schema-checked by the test suite).
    """
    base = directory or rules_dir()
    user_dir = "SAILINT_RULES_DIR" in os.environ
    if validate is None:
        validate = user_dir
    # The generated index stands in for YAML files it matches byte for byte (not for a rules
    # directory the user supplies: those are always read as written).
    index = {} if user_dir else read_index(base)
    documents: dict[str, Any] = {}
    for name, raw in _rule_bytes(base):
        cached = index.get(name)
        if cached is not None and cached[0] == digest(raw):
            documents[name] = cached[1]
        else:
            documents[name] = parse_yaml_bytes(name, raw)
    if validate:
        problem = _schema_errors(base, documents)
        if problem:
            raise RuleLoadError(problem)
    metas: list[RuleMeta] = []
    seen_ids: dict[str, str] = {}
    seen_slugs: dict[str, str] = {}
    for name, data in documents.items():
        _quick_check(name, data)
        try:
            meta = parse_rule(data, name)
        except (KeyError, TypeError, ValueError) as error:
            raise RuleLoadError(f"{name}: invalid rule: {error}") from error
        path = base / name
        if path.stem != meta.stem:
            raise RuleLoadError(f"{name}: file name must be {meta.stem}.yaml")
        for table, value in ((seen_ids, meta.id), (seen_slugs, meta.slug)):
            if value in table:
                raise RuleLoadError(f"{name}: {value} is already used by {table[value]}")
            table[value] = name
        metas.append(meta)
    return sorted(metas, key=lambda m: m.id)


@lru_cache(maxsize=4)
def _cached_metas(directory: str) -> tuple[RuleMeta, ...]:
    return tuple(load_rule_metas(Path(directory)))


def all_rules() -> tuple[RuleMeta, ...]:
    """All rules of the active rules directory (cached per process)."""
    return _cached_metas(str(rules_dir()))


def find_rule(token: str) -> RuleMeta | None:
    """Look a rule up by ID or slug (case-insensitive)."""
    wanted = token.strip().lower()
    for meta in all_rules():
        if meta.id.lower() == wanted or meta.slug == wanted:
            return meta
    return None
