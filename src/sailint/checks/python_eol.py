"""End-of-life Python versions admitted by a project's metadata or images: SAI118."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sailint.collectors.dependencies import Dependencies
from sailint.context import RuleContext
from sailint.model import Finding
from sailint.suppress import today

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

# End of life of each CPython minor version (https://devguide.python.org/versions/). Releases
# after the last row are assumed supported. Review this table when a version reaches its end.
PYTHON_EOL: dict[tuple[int, int], dt.date] = {
    (2, 6): dt.date(2013, 10, 29),
    (2, 7): dt.date(2020, 1, 1),
    (3, 0): dt.date(2009, 6, 27),
    (3, 1): dt.date(2012, 4, 9),
    (3, 2): dt.date(2016, 2, 20),
    (3, 3): dt.date(2017, 9, 29),
    (3, 4): dt.date(2019, 3, 18),
    (3, 5): dt.date(2020, 9, 30),
    (3, 6): dt.date(2021, 12, 23),
    (3, 7): dt.date(2023, 6, 27),
    (3, 8): dt.date(2024, 10, 7),
    (3, 9): dt.date(2025, 10, 31),
    (3, 10): dt.date(2026, 10, 31),
    (3, 11): dt.date(2027, 10, 31),
    (3, 12): dt.date(2028, 10, 31),
    (3, 13): dt.date(2029, 10, 31),
    (3, 14): dt.date(2030, 10, 31),
}
FUTURE_MINORS = [(3, minor) for minor in range(15, 20)]
PATCHES = (0, 1, 2, 5, 10, 15, 20, 30, 50)
FROM_PYTHON = re.compile(
    r"^\s*FROM\s+(?:--platform=\S+\s+)?(?:[\w.-]+(?::\d+)?/)?(?:library/)?python:(\d+)\.(\d+)",
    re.I,
)
DOCKERFILES = ("Dockerfile", "Dockerfile.*", "*.dockerfile", "Containerfile")
VERSION_FILE = re.compile(r"^\s*(?:cpython-|python)?(\d+)\.(\d+)")


def _poetry_to_pep440(part: str) -> str:
    """Poetry's ``^3.10``/``~3.10``/``3.10.*``/``3.10`` constraints as PEP 440 specifiers."""
    part = part.strip()
    match = re.match(r"^([\^~])\s*(\d+)(?:\.(\d+))?", part)
    if match:
        major, minor = int(match.group(2)), int(match.group(3) or 0)
        upper = f"{major + 1}.0" if match.group(1) == "^" else f"{major}.{minor + 1}"
        return f">={major}.{minor},<{upper}"
    if re.match(r"^\d", part):
        return "==" + part
    return part


def _specifier_sets(text: str) -> list[SpecifierSet]:
    """The alternatives of a requires-python (``||`` separates Poetry alternatives)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # only when a file has one

    result = []
    for alternative in text.split("||"):
        parts = [_poetry_to_pep440(p) for p in alternative.split(",") if p.strip()]
        try:
            result.append(SpecifierSet(",".join(parts)))
        except InvalidSpecifier:
            continue
    return result


def admitted(text: str) -> list[tuple[int, int]] | None:
    """Minor versions a requires-python admits (None when it cannot be read)."""
    from packaging.version import Version

    sets = _specifier_sets(text)
    if not sets:
        return None
    minors = sorted(PYTHON_EOL) + FUTURE_MINORS
    return [
        minor
        for minor in minors
        if any(
            spec.contains(Version(f"{minor[0]}.{minor[1]}.{patch}"))
            for spec in sets
            for patch in PATCHES
        )
    ]


def _past(minor: tuple[int, int], on: dt.date) -> bool:
    end = PYTHON_EOL.get(minor)
    return end is not None and end <= on


def _label(minors: list[tuple[int, int]]) -> str:
    return ", ".join(f"{a}.{b} (end of life {PYTHON_EOL[(a, b)].isoformat()})" for a, b in minors)


def end_of_life_python(ctx: RuleContext) -> Iterator[Finding]:
    """SAI118: requires-python / python_requires / .python-version / python image only EOL."""
    on = today()
    project = ctx.project
    for manifest in project.get(Dependencies).manifests:
        if manifest.requires_python is None:
            continue
        text, line = manifest.requires_python
        minors = admitted(text)
        if not minors or not all(_past(m, on) for m in minors):
            continue
        yield ctx.finding(
            manifest.path,
            line,
            f"Python requirement {text!r} admits only versions past end of life: "
            f"{_label(minors)}; they receive no security fixes",
        )
    for path in sorted(project.paths(".python-version")):
        lines = project.lines(path)
        for number, raw in enumerate(lines, start=1):
            match = VERSION_FILE.match(raw)
            if raw.strip().startswith("#") or not match:
                continue
            minor = (int(match.group(1)), int(match.group(2)))
            if _past(minor, on):
                yield ctx.finding(
                    path,
                    number,
                    f"{path} selects Python {raw.strip()}, past end of life: {_label([minor])}",
                )
    for path in sorted(project.paths(*DOCKERFILES)):
        for number, raw in enumerate(project.lines(path), start=1):
            match = FROM_PYTHON.match(raw)
            if not match:
                continue
            minor = (int(match.group(1)), int(match.group(2)))
            if _past(minor, on):
                yield ctx.finding(
                    path,
                    number,
                    f"base image python:{minor[0]}.{minor[1]} is past end of life: "
                    f"{_label([minor])}; the image gets no interpreter security fixes",
                )
