"""Known vulnerabilities of pinned and locked dependencies: SAI113 (offline OSV or online)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from sailint.collectors.dependencies import Dependencies, Dependency
from sailint.collectors.osv import Advisory, OsvDatabase
from sailint.context import RuleContext
from sailint.model import Finding, Location
from sailint.project import Project

ONLINE_TIMEOUT = 30


def _targets(project: Project) -> list[tuple[Dependency, list[Dependency]]]:
    """One (anchor, other pins) per (name, version): lockfiles first, then other files."""
    view = project.get(Dependencies)
    pins = sorted(view.pinned(), key=lambda d: (not _is_lock(view, d.path), d.path, d.line))
    grouped: dict[tuple[str, str], list[Dependency]] = {}
    for dependency in pins:
        assert dependency.version is not None
        grouped.setdefault((dependency.name, dependency.version), []).append(dependency)
    return [(group[0], group[1:]) for group in grouped.values()]


def _is_lock(view: Dependencies, path: str) -> bool:
    return any(m.path == path and m.is_lock for m in view.manifests)


def _offline(project: Project, location: str, names: set[str]) -> OsvDatabase | None:
    path = Path(location).expanduser()
    if not path.is_absolute() and not path.exists() and (project.root / path).exists():
        path = project.root / path  # a relative path from the project's own configuration
    if not path.exists():
        project.notify("error", f"SAI113: --vuln-db {location}: no such file or directory")
        return None
    try:
        database = OsvDatabase.load(path, names)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        project.notify("error", f"SAI113: cannot read the OSV database {location}: {error}")
        return None
    try:  # a database committed to the project was analysed, not skipped
        inside = path.resolve().relative_to(project.root).as_posix()
    except ValueError:
        inside = None
    if inside and inside in project.files:
        project.claim(inside)
    for member, reason in database.problems[:20]:
        project.notify("warning", f"SAI113: OSV database entry {member} skipped: {reason}")
    project.notify(
        "note", f"SAI113: {database.count} advisories read from the offline OSV database {location}"
    )
    return database


def _online(project: Project, dependency: Dependency) -> list[Advisory] | None:
    """Advisories from pip-audit's OSV or PyPI service (None when the service failed)."""
    from packaging.version import Version
    from pip_audit._service import (  # type: ignore[import-untyped]
        OsvService,
        PyPIService,
        ResolvedDependency,
        ServiceError,
    )

    kind = project.config.vulnerability_service
    service = (
        PyPIService(timeout=ONLINE_TIMEOUT)
        if kind == "pypi"
        else OsvService(timeout=ONLINE_TIMEOUT)
    )
    assert dependency.version is not None
    try:
        _, results = service.query(ResolvedDependency(dependency.name, Version(dependency.version)))
    except (ServiceError, OSError, ValueError) as error:
        project.notify(
            "warning",
            f"SAI113: {kind} lookup of {dependency.name} {dependency.version} failed: {error}",
            dependency.path,
            dependency.line,
        )
        return None
    return [
        Advisory(
            id=str(result.id),
            aliases=tuple(sorted(str(a) for a in result.aliases)),
            summary=(result.description or "")[:200],
            fixed=tuple(str(v) for v in sorted(result.fix_versions)),
        )
        for result in results
    ]


def vulnerable_dependency(ctx: RuleContext) -> Iterator[Finding]:
    """SAI113: one finding per (package, advisory), at the pin's line."""
    project = ctx.project
    config = project.config
    if not config.vuln_db and not config.online:
        project.notify(
            "note",
            "SAI113 (vulnerable-dependency) not run: pass --vuln-db PATH (an OSV export) or "
            "--online to check pinned dependencies for known vulnerabilities",
        )
        return
    targets = _targets(project)
    if not targets:
        return
    database = None
    if config.vuln_db:
        database = _offline(project, config.vuln_db, {d.name for d, _ in targets})
        if database is None:
            return
    for anchor, others in targets:
        assert anchor.version is not None
        if database is not None:
            advisories = database.matches(anchor.name, anchor.version)
        else:
            found = _online(project, anchor)
            if found is None:
                continue
            advisories = found
        for advisory in advisories:
            yield _finding(ctx, anchor, others, advisory)


def _finding(
    ctx: RuleContext, anchor: Dependency, others: list[Dependency], advisory: Advisory
) -> Finding:
    aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
    fixed = (
        f"fixed in {', '.join(advisory.fixed)}" if advisory.fixed else "no fixed version published"
    )
    summary = f": {advisory.summary}" if advisory.summary else ""
    return ctx.finding(
        anchor.path,
        anchor.line,
        f"{anchor.name} {anchor.version} is affected by {advisory.id}{aliases}{summary}; {fixed}",
        key=f"{anchor.name}:{advisory.id}",
        related=[Location(d.path, d.line) for d in others],
        properties={
            "package": anchor.name,
            "version": anchor.version,
            "advisory": advisory.id,
            "aliases": list(advisory.aliases),
            "fixed": list(advisory.fixed),
        },
    )
