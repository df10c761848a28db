"""Pinning, lockfiles, hashes and extra indexes: SAI101, SAI102, SAI103, SAI105."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from sailint.collectors.ci import CiFiles
from sailint.collectors.dependencies import Dependencies, Manifest
from sailint.collectors.manifests.base import redact
from sailint.context import RuleContext
from sailint.model import Finding

DECLARING_FORMATS = ("pyproject", "setup.cfg", "setup.py", "pipfile")
# conda entries that are the toolchain itself, not a package the project imports
CONDA_TOOLCHAIN = {"python", "pip"}
EXTRA_INDEX = re.compile(
    r"(?<![\w-])--extra-index-url\b|^\s*extra[-_]index[-_]url\s*[=:]|"
    r"\bPIP_EXTRA_INDEX_URL\s*[=:]",
    re.I,
)
INDEX_VALUE = re.compile(
    r"(?:--extra-index-url[=\s]+|extra[-_]index[-_]url\s*[=:]\s*|EXTRA_INDEX_URL\s*[=:]\s*)"
    r"[\"']?([^\s\"']+)",
    re.I,
)
INDEX_FILES = ("pip.conf", "pip.ini", "Dockerfile*", "*.dockerfile", "*.sh", "*.bash", ".envrc")
# uv's default index strategy (first-index) stops at the first index that has a package, so an
# extra index is only a confusion risk when an "unsafe-*" strategy is chosen.
UV_SAFE = re.compile(r"\buv\b(?!.*unsafe-(best|first)-match)")
COMMENT = re.compile(r"^\s*(#|;|//|REM\b)")


def _dir(path: str) -> str:
    parent = PurePosixPath(path).parent.as_posix()
    return "" if parent == "." else parent


def _same_or_ancestor(directory: str, of: str) -> bool:
    return directory == "" or of == directory or of.startswith(directory + "/")


def _compiled_input(manifest: Manifest, view: Dependencies) -> bool:
    """A pip-tools ``.in`` file whose compiled ``.txt`` sibling is committed."""
    if not manifest.path.endswith(".in"):
        return False
    return any(m.path == manifest.path[:-3] + ".txt" for m in view.requirements)


def _constraint_pins(view: Dependencies) -> set[str]:
    return {
        d.name for m in view.requirements if m.is_constraints for d in m.third_party if d.pinned
    }


def unpinned_requirement(ctx: RuleContext) -> Iterator[Finding]:
    """SAI101: requirement entries without an exact pin, one finding per line."""
    view = ctx.project.get(Dependencies)
    constrained = _constraint_pins(view)
    locks = view.locks
    for manifest in view.manifests:
        if manifest.format == "requirements":
            if _compiled_input(manifest, view):
                continue
            candidates = [d for d in manifest.third_party if d.name not in constrained]
            where = "constraints file" if manifest.is_constraints else "requirements file"
        elif manifest.format == "conda-env":
            directory = _dir(manifest.path)
            if any(m.format == "conda-lock" and _dir(m.path) == directory for m in locks):
                continue
            candidates = [d for d in manifest.third_party if d.name not in CONDA_TOOLCHAIN]
            where = "conda environment"
        elif manifest.format == "pipfile":
            directory = _dir(manifest.path)
            if any(m.format == "pipfile.lock" and _dir(m.path) == directory for m in locks):
                continue
            candidates = manifest.third_party
            where = "Pipfile without Pipfile.lock"
        else:
            continue
        for dependency in candidates:
            if dependency.pinned:
                continue
            if dependency.url:
                why = "a URL/VCS reference that is not a 40-hex commit (or hashed archive)"
            else:
                why = f"version {dependency.spec!r}" if dependency.spec else "no version"
            yield ctx.finding(
                dependency.path,
                dependency.line,
                f"`{redact(dependency.raw)}` in {where} is not pinned to an exact version ({why}); "
                "every install may resolve a different, possibly compromised, release",
                properties={"package": dependency.name},
            )


def missing_lockfile(ctx: RuleContext) -> Iterator[Finding]:
    """SAI102: a project declares dependencies but commits no lock or fully pinned file."""
    view = ctx.project.get(Dependencies)
    lock_dirs = [_dir(m.path) for m in view.locks]
    pinned_files = view.pinned_requirement_files()
    for manifest in view.locks + pinned_files:
        ctx.evidence(manifest.path, 1, f"dependencies locked in {manifest.path}")
    if pinned_files:
        return
    reported: set[str] = set()
    order = {fmt: index for index, fmt in enumerate(DECLARING_FORMATS)}
    declaring = sorted(
        (m for m in view.of_format(*DECLARING_FORMATS) if m.third_party),
        key=lambda m: (_dir(m.path), order[m.format]),
    )
    for manifest in declaring:
        directory = _dir(manifest.path)
        if directory in reported or any(_same_or_ancestor(d, directory) for d in lock_dirs):
            continue
        reported.add(directory)
        count = len(manifest.third_party)
        yield ctx.finding(
            manifest.path,
            manifest.declaration_line,
            f"{manifest.path} declares {count} dependenc{'y' if count == 1 else 'ies'} but no "
            "lockfile (uv.lock, poetry.lock, pdm.lock, Pipfile.lock, pylock.toml, "
            "conda-lock.yml) or fully pinned requirements file is committed",
            key=f"missing-lockfile:{manifest.path}",
        )


def requirement_without_hash(ctx: RuleContext) -> Iterator[Finding]:
    """SAI103: an exactly pinned requirements file without ``--hash`` on every entry."""
    view = ctx.project.get(Dependencies)
    for manifest in view.pinned_requirement_files():
        if manifest.is_constraints:
            continue
        entries = manifest.third_party
        missing = [d for d in entries if not d.hashes]
        if not missing:
            ctx.evidence(manifest.path, 1, "every pinned requirement carries --hash")
            continue
        if len(missing) == len(entries):
            first = missing[0]
            yield ctx.finding(
                first.path,
                first.line,
                f"{manifest.path} pins {len(entries)} requirement(s) but none carries --hash; "
                "pip cannot verify that the downloaded files are the ones that were reviewed "
                "(pip-compile --generate-hashes, uv pip compile --generate-hashes)",
                key=f"no-hashes:{manifest.path}",
            )
            continue
        for dependency in missing:
            yield ctx.finding(
                dependency.path,
                dependency.line,
                f"`{redact(dependency.raw)}` has no --hash while other entries of {manifest.path} do: "
                "pip's hash-checking mode will refuse to install this file",
                properties={"package": dependency.name},
            )


def extra_index_url(ctx: RuleContext) -> Iterator[Finding]:
    """SAI105: ``--extra-index-url`` in requirements, pip.conf, scripts, CI or Dockerfiles."""
    project = ctx.project
    view = project.get(Dependencies)
    seen: set[tuple[str, int]] = set()
    for manifest in view.manifests:
        for option in manifest.index_options:
            if option.option != "--extra-index-url" or (option.path, option.line) in seen:
                continue
            seen.add((option.path, option.line))
            yield ctx.finding(option.path, option.line, _index_message(option.value))
    read_as_manifest = {m.path for m in view.manifests}
    candidates = set(project.paths(*INDEX_FILES)) | set(project.get(CiFiles).paths)
    for path in sorted(candidates - read_as_manifest):
        for number, line in enumerate(project.lines(path), start=1):
            if COMMENT.match(line) or not EXTRA_INDEX.search(line) or (path, number) in seen:
                continue
            if UV_SAFE.search(line):
                continue
            seen.add((path, number))
            url = INDEX_VALUE.search(line)
            yield ctx.finding(path, number, _index_message(url.group(1) if url else ""))


def _index_message(url: str) -> str:
    url = redact(url)
    return (
        f"extra package index {url or '(from the environment)'} is searched alongside PyPI: the "
        "installer takes a package from whichever index offers it (pip: the highest version), so anyone who registers the same name on "
        "PyPI can substitute a package (dependency confusion, as in the 2022 torchtriton "
        "compromise); use a single --index-url that proxies PyPI, or uv with per-package indexes"
    )
