"""Minimal reader of a package's locked or pinned version (uv/poetry/pdm locks, pins, floors)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sailint.project import Project, View

if TYPE_CHECKING:
    from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock")
REQUIREMENT_FILES = ("requirements*.txt", "constraints*.txt", "requirements/*.txt")


@dataclass(frozen=True)
class PinnedVersion:
    """What the project says about one package: an exact (locked) version or a lower bound."""

    name: str
    version: Version | None  # exact, from a lock or an == pin
    floor: Version | None  # lowest version allowed by a >= / ~= / == specifier
    path: str


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version(text: str) -> Version | None:
    # packaging is imported when a pin is read, not with every scan (pre-commit runs)
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


def _from_requirement(line: str, path: str) -> PinnedVersion | None:
    text = line.split(" #", 1)[0].strip()
    if not text or text.startswith(("#", "-")):
        return None
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    exact = floor = None
    for spec in requirement.specifier:
        version = _version(spec.version.rstrip(".*"))
        if version is None:
            continue
        if spec.operator in ("==", "==="):
            exact = floor = version
        elif spec.operator in (">=", "~=", ">") and (floor is None or version > floor):
            floor = version
    if exact is None and floor is None:
        return None
    return PinnedVersion(_normalise(requirement.name), exact, floor, path)


class PackagePins(View):
    """Locked and pinned versions by normalised package name (locks win over manifests)."""

    def __init__(self, pins: dict[str, PinnedVersion]) -> None:
        """Hold the pins."""
        self.pins = pins

    def get(self, name: str) -> PinnedVersion | None:
        """The pin of ``name``, if the project declares one."""
        return self.pins.get(_normalise(name))

    @classmethod
    def build(cls, project: Project) -> PackagePins:
        """See ``View.build``; unreadable manifests are skipped by ``project.text``."""
        pins: dict[str, PinnedVersion] = {}
        for path in sorted(project.paths("pyproject.toml")):
            data = _toml(project, path)
            deps = data.get("project", {}).get("dependencies", [])
            for line in deps if isinstance(deps, list) else []:
                pin = _from_requirement(str(line), path) if isinstance(line, str) else None
                if pin:
                    pins.setdefault(pin.name, pin)
        for path in sorted(project.paths(*REQUIREMENT_FILES)):
            for line in project.lines(path):
                pin = _from_requirement(line, path)
                if pin:
                    pins[pin.name] = pin
        for path in sorted(project.paths(*LOCK_FILES)):
            for package in _toml(project, path).get("package", []):
                if not isinstance(package, dict):
                    continue
                name, version = package.get("name"), package.get("version")
                parsed = _version(str(version)) if version is not None else None
                if isinstance(name, str) and parsed is not None:
                    pins[_normalise(name)] = PinnedVersion(_normalise(name), parsed, parsed, path)
        return cls(pins)


def _toml(project: Project, path: str) -> dict[str, Any]:
    text = project.text(path)
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        project.skip(path, f"invalid TOML: {error}")
        return {}
