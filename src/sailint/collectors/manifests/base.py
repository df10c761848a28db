"""The records every manifest reader produces: dependencies, index options and problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEX40 = re.compile(r"^[0-9a-f]{40}$")


USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def redact(text: str) -> str:
    """Text with URL credentials (``https://user:token@host``) masked, for messages."""
    return USERINFO.sub("***@", text)


def normalise(name: str) -> str:
    """PEP 503 normalised project name (``Foo_Bar`` -> ``foo-bar``)."""
    # imported here: this module is loaded by every scan, packaging only when names are read
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


@dataclass(frozen=True)
class Dependency:
    """One dependency as a file declares or locks it, with where it is written."""

    name: str  # PEP 503 normalised
    path: str
    line: int
    spec: str = ""  # version specifier or conda match spec as written, "" when none
    version: str | None = None  # the exact version when pinned (or locked)
    pinned: bool = False  # exact version, or a URL/VCS reference to a 40-hex commit
    hashes: tuple[str, ...] = ()  # "sha256:<hex>" style
    url: str | None = None
    editable: bool = False
    group: str | None = None  # optional-dependency extra / dependency group / dev section
    ecosystem: str = "pypi"  # "pypi" | "conda"
    raw: str = ""  # the requirement text, for messages
    local: bool = False  # the project itself or a path dependency (not a third-party package)


@dataclass(frozen=True)
class IndexOption:
    """A package index setting (``--index-url``, ``--extra-index-url``, ``--find-links``...)."""

    path: str
    line: int
    option: str
    value: str


@dataclass
class Manifest:
    """One manifest or lockfile and what it says."""

    path: str
    format: str  # "requirements", "pyproject", "setup.cfg", "setup.py", "pipfile", "pipfile.lock",
    # "poetry.lock", "uv.lock", "pdm.lock", "pylock", "conda-env", "conda-lock"
    is_lock: bool = False
    dependencies: list[Dependency] = field(default_factory=list)
    index_options: list[IndexOption] = field(default_factory=list)
    # the line that declares the dependency list (anchor for "this manifest needs a lock")
    declaration_line: int = 1
    requires_python: tuple[str, int] | None = None  # (specifier, line)
    includes: list[tuple[str, int, str]] = field(default_factory=list)  # (-r|-c, line, target)
    is_constraints: bool = False

    @property
    def third_party(self) -> list[Dependency]:
        """Dependencies that are packages from an index (not the project or local paths)."""
        return [d for d in self.dependencies if not d.local]


@dataclass(frozen=True)
class Problem:
    """A line a reader could not understand (reported as a skip, the rest still read)."""

    path: str
    line: int
    message: str
    fatal: bool = False  # nothing of the file could be read: it is also reported as skipped
