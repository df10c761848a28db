"""Streamlit ``.streamlit/config.toml`` files: the ``[server]`` settings and their lines."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

from sailint.collectors.cliflags import Setting
from sailint.project import Project, View

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_GLOB = ".streamlit/config.toml"
TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_.\"' -]+?)\s*=")
TOML_LINE = re.compile(r"line (\d+)")


def _bare(key: str) -> str:
    """A dotted TOML key without quotes or spaces around its parts."""
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def key_line(text: str, table: str, key: str) -> int | None:
    """The 1-based line that sets ``table.key``: under ``[table]``, dotted, or in an inline table.

    Multi-line strings are not tracked (a line inside one that looks like a key could match);
    Streamlit configs hold booleans and short strings.
    """
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        header = TABLE.match(raw)
        if header and not raw.lstrip().startswith("[["):
            current = _bare(header.group(1))
            continue
        assigned = KEY.match(raw)
        if assigned is None:
            continue
        full = _bare(f"{current}.{assigned.group('key')}" if current else assigned.group("key"))
        if full == f"{table}.{key}":
            return number
        if full == table and re.search(rf"[{{,]\s*[\"']?{re.escape(key)}[\"']?\s*=", raw):
            return number  # server = { enableXsrfProtection = false }
    return None


@dataclass
class StreamlitConfig:
    """One ``config.toml``: its ``[server]`` settings (values as text) with their lines."""

    path: str
    server: dict[str, Setting]


def _text_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_config(path: str, text: str) -> StreamlitConfig:
    """Parse ``text``; raises ``tomllib.TOMLDecodeError`` for broken TOML."""
    data = tomllib.loads(text)
    server = data.get("server")
    settings: dict[str, Setting] = {}
    if isinstance(server, dict):
        for name, value in server.items():
            if isinstance(value, (bool, str, int, float)):
                number = key_line(text, "server", name) or 1
                shown = _text_value(value)
                settings[name] = Setting(shown, number, f"server.{name} = {shown}")
    return StreamlitConfig(path, settings)


class StreamlitConfigs(View):
    """Every ``.streamlit/config.toml`` of the project (a broken one is a reported skip)."""

    def __init__(self, configs: list[StreamlitConfig]) -> None:
        """Hold the configs."""
        self.configs = configs

    @classmethod
    def build(cls, project: Project) -> StreamlitConfigs:
        """See ``View.build``."""
        configs: list[StreamlitConfig] = []
        for path in sorted(project.files):
            if not (path == CONFIG_GLOB or path.endswith("/" + CONFIG_GLOB)):
                continue
            text = project.text(path)
            if text is None:
                continue
            try:
                configs.append(read_config(path, text))
            except tomllib.TOMLDecodeError as error:
                found = TOML_LINE.search(str(error))
                where = f" at line {found.group(1)}" if found else ""
                project.skip(path, f"invalid TOML{where}; Streamlit settings not analysed")
        return cls(configs)
