"""An offline OSV database (directory or zip of OSV JSON, PyPI ecosystem) and range matching.

The format is the one https://osv.dev publishes per ecosystem (``PyPI/all.zip``): one JSON
advisory per file, ``affected[].package`` naming the ecosystem and package, ``versions`` listing
affected releases, and ``ranges`` of ``ECOSYSTEM`` events (``introduced``/``fixed``/
``last_affected``) that are evaluated here with ``packaging`` versions.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from sailint.collectors.manifests.base import normalise

MAX_ADVISORY_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Advisory:
    """One advisory that affects one package version."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    fixed: tuple[str, ...]


@dataclass
class OsvDatabase:
    """Advisories indexed by normalised PyPI package name."""

    by_package: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (member, reason)
    count: int = 0

    @classmethod
    def load(cls, location: str | Path, wanted: Iterable[str] | None = None) -> OsvDatabase:
        """Read a directory or zip of OSV JSON; only packages in ``wanted`` are kept if given."""
        database = cls()
        names = {normalise(n) for n in wanted} if wanted is not None else None
        for member, raw in _documents(Path(location), database.problems):
            try:
                advisory = json.loads(raw)
            except (ValueError, RecursionError) as error:
                database.problems.append((member, f"invalid JSON: {error}"))
                continue
            if isinstance(advisory, dict):
                database._index(advisory, names)
        return database

    def _index(self, advisory: dict[str, Any], names: set[str] | None) -> None:
        if advisory.get("withdrawn") or not isinstance(advisory.get("id"), str):
            return
        self.count += 1
        packages = set()
        for affected in advisory.get("affected") or []:
            package = affected.get("package") if isinstance(affected, dict) else None
            if not isinstance(package, dict) or package.get("ecosystem") != "PyPI":
                continue
            name = normalise(str(package.get("name", "")))
            if names is None or name in names:
                packages.add(name)
        for name in packages:
            self.by_package.setdefault(name, []).append(advisory)

    def matches(self, name: str, version: str) -> list[Advisory]:
        """Advisories affecting ``name`` at ``version`` (aliases folded into one entry)."""
        try:
            parsed = Version(version)
        except InvalidVersion:
            return []
        groups: list[tuple[set[str], dict[str, Any], set[str]]] = []  # ids, primary, fixed
        for advisory in self.by_package.get(normalise(name), []):
            fixed = affected_fixes(advisory, normalise(name), parsed)
            if fixed is None:
                continue
            ids = {advisory["id"], *[str(a) for a in advisory.get("aliases") or []]}
            group = next((g for g in groups if g[0] & ids), None)
            if group is None:
                groups.append((ids, advisory, set(fixed)))
            else:  # the same vulnerability under another ID (PYSEC/GHSA/CVE): fold it in
                group[0].update(ids)
                group[2].update(fixed)
        found = [
            Advisory(
                id=primary["id"],
                aliases=tuple(sorted(ids - {primary["id"]})),
                summary=str(primary.get("summary") or primary.get("details") or "")[:200],
                fixed=tuple(sorted(fixes, key=_version_key)),
            )
            for ids, primary, fixes in groups
        ]
        return sorted(found, key=lambda a: a.id)


def _version_key(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


def _documents(location: Path, problems: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
    """OSV JSON documents of a directory (its ``*.json`` and ``*.zip`` files) or of a zip."""
    if location.is_dir():
        for path in sorted(location.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            if path.suffix == ".zip":  # a mirror of the bucket layout: <dir>/PyPI/all.zip
                try:
                    yield from _zip_documents(path, problems)
                except (OSError, zipfile.BadZipFile) as error:
                    problems.append((str(path), f"unreadable zip: {error}"))
                continue
            if path.suffix != ".json":
                continue
            if path.stat().st_size > MAX_ADVISORY_BYTES:
                problems.append((str(path), "larger than 5 MiB, not read"))
                continue
            yield str(path), path.read_bytes()
        return
    yield from _zip_documents(location, problems)


def _zip_documents(location: Path, problems: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(location) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            if info.file_size > MAX_ADVISORY_BYTES:
                problems.append((info.filename, "larger than 5 MiB, not read"))
                continue
            yield info.filename, archive.read(info)


def _in_range(events: list[dict[str, Any]], version: Version) -> tuple[bool, list[str]]:
    """OSV range semantics over sorted events; returns (affected, fixed versions)."""
    points: list[tuple[Version, int, str, str]] = []
    order = {"introduced": 0, "last_affected": 1, "fixed": 2, "limit": 3}
    fixes: list[str] = []
    for event in events:
        if not isinstance(event, dict):
            continue
        for kind, value in event.items():
            if kind not in order:
                continue
            if kind == "fixed":
                fixes.append(str(value))
            text = "0" if kind == "introduced" and value == "0" else str(value)
            try:
                points.append((Version(text), order[kind], kind, text))
            except InvalidVersion:
                continue
    points.sort()
    affected = False
    for point, _, kind, _ in points:
        if point > version or (kind == "last_affected" and point == version):
            continue  # events above the version do not apply; last_affected is inclusive
        affected = kind == "introduced"
    return affected, fixes


def affected_fixes(advisory: dict[str, Any], name: str, version: Version) -> list[str] | None:
    """The fixed versions if ``advisory`` affects ``name`` at ``version``, else None."""
    for affected in advisory.get("affected") or []:
        if not isinstance(affected, dict):
            continue
        package = affected.get("package") or {}
        if package.get("ecosystem") != "PyPI" or normalise(str(package.get("name"))) != name:
            continue
        fixes: list[str] = []
        hit = False
        for listed in affected.get("versions") or []:
            try:
                if Version(str(listed)) == version:
                    hit = True
            except InvalidVersion:
                continue
        for candidate in affected.get("ranges") or []:
            if not isinstance(candidate, dict) or candidate.get("type") not in (
                "ECOSYSTEM",
                "SEMVER",
            ):
                continue
            inside, range_fixes = _in_range(candidate.get("events") or [], version)
            fixes += range_fixes
            hit = hit or inside
        if hit:
            return fixes
    return None
