"""``pyproject.toml`` (PEP 621, PEP 735 groups, Poetry, PDM) and ``Pipfile`` readers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sailint.collectors.manifests.base import (
    Dependency,
    IndexOption,
    Manifest,
    Problem,
    normalise,
)
from sailint.collectors.manifests.pep508 import exact_version, from_pep508
from sailint.collectors.manifests.tomlpos import LineFinder, load_resilient

POETRY_EXACT_PREFIXES = ("==", "=")


def _problems(path: str, errors: list[tuple[int, str]], what: str) -> list[Problem]:
    return [
        Problem(path, line, f"{what}: {message} (this table skipped, the rest analysed)")
        for line, message in errors
    ]


def _string_list(
    manifest: Manifest,
    finder: LineFinder,
    values: Any,
    table: str,
    key: str,
    group: str | None,
) -> None:
    """Add PEP 508 strings of ``[table] key = [...]`` with the line of each string."""
    if not isinstance(values, list):
        return
    header = finder.header(table) or 1
    stop = finder.section_end(header) if finder.header(table) else None
    cursor = finder.key(key, header, stop) or header
    if group is None and key in ("dependencies",):
        manifest.declaration_line = cursor
    for value in values:
        if not isinstance(value, str):
            continue  # {include-group = "..."} of PEP 735
        line = finder.string(value, cursor, stop) or cursor
        cursor = line
        dependency = from_pep508(value, manifest.path, line, group=group)
        if dependency is not None:
            manifest.dependencies.append(dependency)


def _poetry_table(
    manifest: Manifest, finder: LineFinder, table: str, entries: Any, group: str | None
) -> None:
    if not isinstance(entries, dict):
        return
    header = finder.header(table)
    stop = finder.section_end(header) if header else None
    for name, value in entries.items():
        if name.lower() == "python":
            line = finder.key(name, header or 1, stop) or header or 1
            if isinstance(value, str):
                manifest.requires_python = (value, line)
            continue
        line = finder.key(name, header or 1, stop) or header or 1
        manifest.dependencies.append(_poetry_dependency(manifest.path, name, value, line, group))
        if group is None and manifest.declaration_line == 1:
            manifest.declaration_line = header or 1


def _table_dependency(
    path: str,
    name: str,
    value: Any,
    line: int,
    group: str | None,
    url_key: str,
    version_of: Callable[[str], str | None],
) -> Dependency:
    """A ``name = "spec"`` or ``name = {version, path, git, ...}`` entry (Poetry, Pipfile)."""
    spec = value if isinstance(value, str) else ""
    local = False
    url = None
    if isinstance(value, dict):
        spec = str(value.get("version", ""))
        local = "path" in value
        url = value.get("git") or value.get(url_key)
    version = version_of(spec)
    return Dependency(
        name=normalise(name),
        path=path,
        line=line,
        spec=spec,
        version=version,
        pinned=version is not None,
        url=url,
        group=group,
        raw=f"{name} = {value!r}",
        local=local,
    )


def _poetry_version(spec: str) -> str | None:
    """The exact version of a Poetry constraint (a bare version or ``==``/``=``), else None."""
    text = spec.strip()
    if text and text[0].isdigit() and not any(c in text for c in "*^~<>,|"):
        return text
    if text.startswith(POETRY_EXACT_PREFIXES):
        return exact_version(text if text.startswith("==") else "=" + text)
    return None


def _pipfile_version(spec: str) -> str | None:
    """The exact version of a Pipfile specifier (``"*"`` means any)."""
    return exact_version(spec) if spec and spec != "*" else None


def _poetry_dependency(
    path: str, name: str, value: Any, line: int, group: str | None
) -> Dependency:
    return _table_dependency(path, name, value, line, group, "url", _poetry_version)


def read_pyproject(path: str, text: str) -> tuple[Manifest, list[Problem]]:
    """Dependencies declared by a ``pyproject.toml``."""
    data, errors = load_resilient(text)
    manifest = Manifest(path, "pyproject")
    finder = LineFinder(text)
    project = data.get("project")
    if isinstance(project, dict):
        _string_list(manifest, finder, project.get("dependencies"), "project", "dependencies", None)
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for extra, values in optional.items():
                _string_list(
                    manifest, finder, values, "project.optional-dependencies", extra, extra
                )
        requires = project.get("requires-python")
        if isinstance(requires, str):
            header = finder.header("project") or 1
            manifest.requires_python = (requires, finder.key("requires-python", header) or header)
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for group, values in groups.items():
            _string_list(manifest, finder, values, "dependency-groups", group, group)
    raw_tool = data.get("tool")
    tool: dict[str, Any] = raw_tool if isinstance(raw_tool, dict) else {}
    poetry = tool.get("poetry")
    if isinstance(poetry, dict):
        _poetry_table(
            manifest, finder, "tool.poetry.dependencies", poetry.get("dependencies"), None
        )
        _poetry_table(
            manifest, finder, "tool.poetry.dev-dependencies", poetry.get("dev-dependencies"), "dev"
        )
        poetry_groups = poetry.get("group")
        if isinstance(poetry_groups, dict):
            for group, body in poetry_groups.items():
                if isinstance(body, dict):
                    table = f"tool.poetry.group.{group}.dependencies"
                    _poetry_table(manifest, finder, table, body.get("dependencies"), group)
    _index_settings(manifest, finder, tool)
    pdm = tool.get("pdm")
    pdm_groups = pdm.get("dev-dependencies") if isinstance(pdm, dict) else None
    if isinstance(pdm_groups, dict):  # PDM's own dev groups (before PEP 735)
        for group, values in pdm_groups.items():
            _string_list(manifest, finder, values, "tool.pdm.dev-dependencies", group, group)
    return manifest, _problems(path, errors, "TOML syntax error")


def _index_settings(manifest: Manifest, finder: LineFinder, tool: dict[str, Any]) -> None:
    """Extra indexes that a same-named PyPI package can shadow (uv unsafe strategies, Poetry).

    uv's default ``first-index`` strategy is safe and not recorded; Poetry's ``supplemental``
    (and legacy ``secondary``) sources are consulted after PyPI for names PyPI lacks.
    """
    uv = tool.get("uv")
    if isinstance(uv, dict) and str(uv.get("index-strategy", "")).startswith("unsafe-"):
        header = finder.header("tool.uv") or 1
        extra = uv.get("extra-index-url")
        for url in extra if isinstance(extra, list) else []:
            line = finder.string(str(url), header) or header
            manifest.index_options.append(
                IndexOption(manifest.path, line, "--extra-index-url", str(url))
            )
        indexes = uv.get("index")
        cursor = 1
        for index in indexes if isinstance(indexes, list) else []:
            if not isinstance(index, dict) or index.get("explicit") or index.get("default"):
                continue
            url = str(index.get("url", ""))
            line = finder.string(url, cursor) or finder.header("tool.uv.index", cursor) or header
            cursor = line
            manifest.index_options.append(
                IndexOption(manifest.path, line, "--extra-index-url", url)
            )
    poetry = tool.get("poetry")
    sources = poetry.get("source") if isinstance(poetry, dict) else None
    cursor = 1
    for source in sources if isinstance(sources, list) else []:
        if not isinstance(source, dict):
            continue
        if source.get("priority") in ("supplemental", "secondary") or source.get("secondary"):
            url = str(source.get("url", ""))
            line = finder.string(url, cursor) or finder.header("tool.poetry.source", cursor) or 1
            cursor = line
            manifest.index_options.append(
                IndexOption(manifest.path, line, "--extra-index-url", url)
            )


def read_pipfile(path: str, text: str) -> tuple[Manifest, list[Problem]]:
    """Dependencies of a ``Pipfile`` (``[packages]`` and ``[dev-packages]``)."""
    data, errors = load_resilient(text)
    manifest = Manifest(path, "pipfile")
    finder = LineFinder(text)
    for table, group in (("packages", None), ("dev-packages", "dev")):
        entries = data.get(table)
        if not isinstance(entries, dict):
            continue
        header = finder.header(table) or 1
        if group is None:
            manifest.declaration_line = header
        stop = finder.section_end(header)
        for name, value in entries.items():
            line = finder.key(name, header, stop) or header
            manifest.dependencies.append(
                _table_dependency(path, name, value, line, group, "file", _pipfile_version)
            )
    requires = data.get("requires")
    if isinstance(requires, dict) and isinstance(requires.get("python_version"), str):
        header = finder.header("requires") or 1
        line = finder.key("python_version", header) or header
        manifest.requires_python = ("==" + requires["python_version"] + ".*", line)
    return manifest, _problems(path, errors, "TOML syntax error")
