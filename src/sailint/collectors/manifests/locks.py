"""Lockfiles: ``uv.lock``, ``poetry.lock``, ``pdm.lock``, ``pylock*.toml``, ``Pipfile.lock``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sailint.collectors.jsonpos import LineIndex, PosStr, loads_with_positions
from sailint.collectors.manifests.base import Dependency, Manifest, Problem, normalise
from sailint.collectors.manifests.tomlpos import LineFinder, load_resilient


def _hash_strings(entries: Any) -> list[str]:
    """``sha256:<hex>`` strings from the many ways lockfiles spell file hashes."""
    found: list[str] = []
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return found
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        value = entry.get("hash")
        if isinstance(value, str) and ":" in value:
            found.append(value)
        hashes = entry.get("hashes")
        if isinstance(hashes, dict):
            found += [
                f"{alg}:{digest}" for alg, digest in hashes.items() if isinstance(digest, str)
            ]
    return found


def read_toml_lock(path: str, text: str, fmt: str) -> tuple[Manifest, list[Problem]]:
    """uv/poetry/pdm (``[[package]]``) and PEP 751 (``[[packages]]``) lockfiles."""
    data, errors = load_resilient(text)
    manifest = Manifest(path, fmt, is_lock=True)
    finder = LineFinder(text)
    table = "packages" if fmt == "pylock" else "package"
    packages = data.get(table)
    cursor = 1
    for package in packages if isinstance(packages, list) else []:
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            continue
        name = package["name"]
        line = finder.assignment("name", name, cursor) or finder.key("name", cursor) or cursor
        cursor = line + 1
        version = package.get("version")
        source = package.get("source")
        local = False
        if isinstance(source, dict):
            local = any(k in source for k in ("editable", "virtual", "path", "directory"))
            if fmt == "poetry.lock":
                local = source.get("type") in ("directory", "file")
        if fmt == "pylock" and ("directory" in package or package.get("editable")):
            local = True
        hashes: list[str] = []
        for key in ("sdist", "wheels", "files", "archive"):
            hashes += _hash_strings(package.get(key))
        manifest.dependencies.append(
            Dependency(
                name=normalise(name),
                path=path,
                line=line,
                spec=f"=={version}" if isinstance(version, str) else "",
                version=version if isinstance(version, str) else None,
                pinned=isinstance(version, str) or "vcs" in package,
                hashes=tuple(sorted(set(hashes))),
                raw=f"{name} {version or ''}".strip(),
                local=local,
            )
        )
    # poetry.lock < 1.5 kept hashes under [metadata.files]
    metadata = data.get("metadata")
    if (
        fmt == "poetry.lock"
        and isinstance(metadata, dict)
        and isinstance(metadata.get("files"), dict)
    ):
        by_name = {normalise(k): _hash_strings(v) for k, v in metadata["files"].items()}
        manifest.dependencies = [
            d if d.hashes else _with_hashes(d, by_name.get(d.name, []))
            for d in manifest.dependencies
        ]
    return manifest, [
        Problem(path, line, f"TOML syntax error: {msg} (this table skipped, the rest analysed)")
        for line, msg in errors
    ]


def _with_hashes(dependency: Dependency, hashes: list[str]) -> Dependency:
    return replace(dependency, hashes=tuple(sorted(set(hashes))))


def read_pipfile_lock(path: str, text: str) -> tuple[Manifest, list[Problem]]:
    """``Pipfile.lock`` (JSON): ``default`` and ``develop`` sections."""
    manifest = Manifest(path, "pipfile.lock", is_lock=True)
    try:
        data = loads_with_positions(text)
    except (ValueError, RecursionError) as error:
        line = getattr(error, "lineno", 1)
        return manifest, [Problem(path, line, f"invalid JSON: {error}", fatal=True)]
    if not isinstance(data, dict):
        return manifest, [Problem(path, 1, "Pipfile.lock is not a JSON object", fatal=True)]
    index = LineIndex(text)
    for section, group in (("default", None), ("develop", "dev")):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        for name, body in entries.items():
            if not isinstance(body, dict):
                continue
            version = body.get("version")
            anchor = version if isinstance(version, PosStr) else None
            line = index.position(anchor.pos)[0] if anchor is not None else 1
            exact = version[2:] if isinstance(version, str) and version.startswith("==") else None
            raw_hashes = body.get("hashes")
            hashes: list[Any] = raw_hashes if isinstance(raw_hashes, list) else []
            local = "path" in body or bool(body.get("editable"))
            manifest.dependencies.append(
                Dependency(
                    name=normalise(name),
                    path=path,
                    line=line,
                    spec=str(version or ""),
                    version=exact,
                    pinned=exact is not None or "ref" in body,
                    hashes=tuple(sorted(str(h) for h in hashes)),
                    group=group,
                    raw=f"{name}{version or ''}",
                    local=local,
                )
            )
    return manifest, []
