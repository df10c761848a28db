"""pip requirements files (``requirements*.txt``, ``*.in``, constraints) and single pip lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sailint.collectors.manifests.base import Dependency, IndexOption, Manifest, Problem, normalise
from sailint.collectors.manifests.pep508 import exact_version, from_pep508, is_local_url, url_pinned

EGG = re.compile(r"#(?:.*&)?egg=([A-Za-z0-9_.-]+)")
OPTION_NAMES = {
    "index_url": "--index-url",
    "extra_index_urls": "--extra-index-url",
    "find_links": "--find-links",
    "trusted_hosts": "--trusted-host",
}
INDEX_LINE = re.compile(
    r"^\s*(--index-url|-i|--extra-index-url|--find-links|-f|--trusted-host)[\s=]+(\S+)"
)


def _url_dependency(
    url: str, name: str | None, path: str, line: int, editable: bool, hashes: tuple[str, ...]
) -> Dependency:
    egg = EGG.search(url)
    local = is_local_url(url) or (not re.match(r"^\w[\w+.-]*://|^\w+\+", url))
    label = name or (egg.group(1) if egg else url.rstrip("/").rsplit("/", 1)[-1].split("@")[0])
    return Dependency(
        name=url if local and not (name or egg) else normalise(label.removesuffix(".git")),
        path=path,
        line=line,
        url=url,
        pinned=url_pinned(url) or bool(hashes),
        hashes=hashes,
        editable=editable,
        raw=("-e " if editable else "") + url,
        local=local,
    )


def read_requirements(path: str, abspath: str) -> tuple[Manifest, list[Problem]]:
    """A requirements file read with pip-requirements-parser (``-r``/``-c`` not followed here)."""
    from pip_requirements_parser import RequirementsFile  # type: ignore[import-untyped]

    name = path.rsplit("/", 1)[-1].lower()
    manifest = Manifest(path, "requirements", is_constraints=name.startswith("constraint"))
    try:
        parsed = RequirementsFile.from_file(abspath, include_nested=False)
    except Exception as error:  # the parser raises assorted errors on odd input
        return manifest, [Problem(path, 1, f"unreadable requirements file: {error}", fatal=True)]
    problems = [
        Problem(
            path,
            bad.line_number or 1,
            f"invalid requirement line skipped: {_first(bad.error_message)}",
        )
        for bad in parsed.invalid_lines
    ]
    for requirement in parsed.requirements:
        manifest.dependencies.append(_from_install_requirement(requirement, path))
    for option_line in parsed.options:
        _options(manifest, option_line.line_number or 1, option_line.options)
    return manifest, problems


def _first(message: str) -> str:
    return (message or "").strip().splitlines()[0] if message else "unparsable"


def _from_install_requirement(requirement: Any, path: str) -> Dependency:
    line = requirement.line_number or 1
    hashes = tuple(sorted(requirement.hash_options or ()))
    link = requirement.link
    if link is not None:
        return _url_dependency(
            link.url, requirement.name, path, line, bool(requirement.is_editable), hashes
        )
    specifier = requirement.specifier
    version = exact_version(specifier) if specifier is not None else None
    return Dependency(
        name=normalise(requirement.name or "unknown"),
        path=path,
        line=line,
        spec=str(specifier or ""),
        version=version,
        pinned=version is not None,
        hashes=hashes,
        raw=_written(requirement),
    )


def _written(requirement: Any) -> str:
    """The requirement as written (marker included), without hashes or continuations."""
    line = getattr(requirement.requirement_line, "line", None)
    if not isinstance(line, str):
        return str(requirement.req or requirement.name)
    text = re.split(r"\s--?[a-z]", " " + line.replace("\\\n", " "))[0]
    return text.replace("\\", " ").split(" #", 1)[0].strip()


def _options(manifest: Manifest, line: int, options: dict[str, Any]) -> None:
    for key, value in options.items():
        if key in ("requirements", "constraints"):
            flag = "-r" if key == "requirements" else "-c"
            for target in value or ():
                manifest.includes.append((flag, line, str(target)))
        elif key in OPTION_NAMES:
            values = value if isinstance(value, list) else [value]
            for item in values:
                manifest.index_options.append(
                    IndexOption(manifest.path, line, OPTION_NAMES[key], str(item))
                )


def parse_requirement_line(
    text: str, path: str, line: int
) -> Dependency | IndexOption | Problem | None:
    """One pip requirement line outside a file (e.g. a conda ``pip:`` entry)."""
    stripped = text.split(" #", 1)[0].strip()
    if not stripped or stripped.startswith("#"):
        return None
    option = INDEX_LINE.match(stripped)
    if option:
        flag = {"-i": "--index-url", "-f": "--find-links"}.get(option.group(1), option.group(1))
        return IndexOption(path, line, flag, option.group(2))
    if stripped.startswith("-"):
        editable = stripped.startswith(("-e ", "--editable"))
        if editable:
            url = stripped.split(None, 1)[1] if " " in stripped else stripped.split("=", 1)[-1]
            return _url_dependency(url.strip(), None, path, line, True, ())
        return None  # -r/-c/other pip options in a conda pip section are not followed
    if re.match(r"^(git|hg|svn|bzr)\+|^https?://|^file:|^\.{0,2}/", stripped):
        return _url_dependency(stripped, None, path, line, False, ())
    dependency = from_pep508(stripped, path, line)
    if dependency is None:
        return Problem(path, line, f"invalid requirement {stripped!r} (skipped)")
    return dependency


def resolve_include(base: str, target: str) -> str:
    """Project-relative POSIX path of a ``-r``/``-c`` target written in file ``base``."""
    if target.startswith("/") or "://" in target or Path(target).is_absolute():
        return ""  # outside the project (or remote): never read
    parent = Path(base).parent
    joined = (parent / target).as_posix()
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            else:
                return ""  # points outside the project
        else:
            parts.append(part)
    return "/".join(parts)
