"""Loads and validates ``[tool.sailint]`` from pyproject.toml or ``.sailint.toml``."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sailint.model import Level

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024


class ConfigError(Exception):
    """A configuration file or option is invalid; the message names the key or flag."""


@dataclass(frozen=True)
class IgnoreEntry:
    """A config-level ignore of a rule, optionally limited to paths and with an expiry date."""

    rules: tuple[str, ...]
    paths: tuple[str, ...]
    reason: str
    expires: dt.date | None


@dataclass
class Config:
    """Effective settings for one scan (file values, then CLI overrides)."""

    select: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    levels: dict[str, Level] = field(default_factory=dict)
    fail_on: Level | None = Level.WARNING
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    ignores: list[IgnoreEntry] = field(default_factory=list)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Opt-in work that is slow or leaves the machine (issues: history, vulnerabilities).
    online: bool = False
    vulnerability_service: str = "osv"  # "osv" | "pypi" with --online
    vuln_db: str | None = None  # path of an offline OSV export (directory or zip)
    history: bool = False
    history_all_refs: bool = False
    history_since: str | None = None
    history_max_commits: int | None = None
    source: str | None = None  # file the settings came from
    attestations: list[dict[str, Any]] = field(default_factory=list)  # sailint.attestations


def _string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{key} must be a list of strings")
    return list(value)


def parse_fail_on(value: Any, key: str) -> Level | None:
    """Parse a ``fail-on`` value: a level name or ``none``."""
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be one of: note, warning, error, none")
    if value.strip().lower() == "none":
        return None
    try:
        return Level.parse(value)
    except ValueError:
        raise ConfigError(
            f"{key} must be one of: note, warning, error, none (got {value!r})"
        ) from None


def _parse_ignores(value: Any, key: str) -> list[IgnoreEntry]:
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be an array of tables ([[tool.sailint.ignores]])")
    entries = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be a table")
        unknown = set(item) - {"rule", "rules", "path", "paths", "reason", "expires"}
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        rules = item.get("rules", [item["rule"]] if "rule" in item else None)
        if rules is None:
            raise ConfigError(f"{where}: 'rule' is required")
        rules = _string_list(rules if isinstance(rules, list) else [rules], f"{where}.rule")
        paths = item.get("paths", [item["path"]] if "path" in item else [])
        paths = _string_list(paths if isinstance(paths, list) else [paths], f"{where}.path")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}.reason is required: say why the finding is accepted")
        expires = item.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise ConfigError(f"{where}.expires must be a date (YYYY-MM-DD)") from None
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if expires is not None and not isinstance(expires, dt.date):
            raise ConfigError(f"{where}.expires must be a date (YYYY-MM-DD)")
        entries.append(IgnoreEntry(tuple(rules), tuple(paths), reason.strip(), expires))
    return entries


def parse_table(table: dict[str, Any], prefix: str = "tool.sailint") -> Config:
    """Validate a ``[tool.sailint]`` table into a Config; unknown keys raise ConfigError."""
    config = Config()
    for raw_key, value in table.items():
        key = f"{prefix}.{raw_key}"
        name = raw_key.replace("_", "-")
        if name == "select":
            config.select = _string_list(value, key)
        elif name == "extend-select":
            config.extend_select = _string_list(value, key)
        elif name == "ignore":
            config.ignore = _string_list(value, key)
        elif name in ("exclude", "extend-exclude"):
            config.exclude += _string_list(value, key)
        elif name == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{key} must be a table of glob = [rules]")
            config.per_file_ignores = {
                glob: _string_list(rules, f"{key}.{glob}") for glob, rules in value.items()
            }
        elif name == "levels":
            if not isinstance(value, dict):
                raise ConfigError(f"{key} must be a table of rule = level")
            for rule, level in value.items():
                try:
                    config.levels[rule] = Level.parse(str(level))
                except ValueError:
                    raise ConfigError(
                        f"{key}.{rule} must be note, warning or error (got {level!r})"
                    ) from None
        elif name == "fail-on":
            config.fail_on = parse_fail_on(value, key)
        elif name == "max-file-size":
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{key} must be a positive number of bytes")
            config.max_file_size = value
        elif name == "ignores":
            config.ignores = _parse_ignores(value, key)
        elif name in ("online", "history"):
            if not isinstance(value, bool):
                raise ConfigError(f"{key} must be true or false")
            setattr(config, name, value)
        elif name == "vulnerability-service":
            if value not in ("osv", "pypi"):
                raise ConfigError(f"{key} must be 'osv' or 'pypi'")
            config.vulnerability_service = value
        elif name == "vuln-db":
            if not isinstance(value, str):
                raise ConfigError(f"{key} must be a path")
            config.vuln_db = value
        elif name == "history-max-commits":
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{key} must be a positive integer")
            config.history_max_commits = value
        elif name == "history-since":
            if not isinstance(value, str | dt.date):
                raise ConfigError(f"{key} must be a date (YYYY-MM-DD) or a git date string")
            config.history_since = str(value)
        elif name == "rule-options":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{key} must be a table of rule = {{option = value}}")
            config.rule_options = {rule: dict(options) for rule, options in value.items()}
        elif name == "attestations":
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise ConfigError(
                    f"{key} must be an array of tables ([[tool.sailint.attestations]])"
                )
            config.attestations = [dict(item) for item in value]
        else:
            raise ConfigError(f"unknown configuration key {key!r}")
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Load settings for the project at ``root``.

    An explicit ``--config`` file wins; otherwise ``.sailint.toml`` in the project root, then the
    ``[tool.sailint]`` table of its ``pyproject.toml``. The project root is the scanned directory,
    so a subdirectory scanned on its own uses its own settings.
    """
    if explicit is not None:
        data = _read_toml(explicit)
        table = (
            data.get("tool", {}).get("sailint", data) if explicit.name == "pyproject.toml" else data
        )
        config = parse_table(
            table, "tool.sailint" if explicit.name == "pyproject.toml" else explicit.name
        )
        config.source = str(explicit)
        return config
    dotfile = root / ".sailint.toml"
    if dotfile.is_file():
        config = parse_table(_read_toml(dotfile), ".sailint.toml")
        config.source = str(dotfile)
        return config
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = _read_toml(pyproject)
        except ConfigError:
            # A broken pyproject.toml in the scanned project is a finding for the manifest
            # rules, not a configuration error of sailint itself.
            return Config()
        table = data.get("tool", {}).get("sailint")
        if isinstance(table, dict):
            config = parse_table(table)
            config.source = str(pyproject)
            return config
    return Config()
