"""PEP 508 requirement strings: parse with ``packaging`` and decide whether they are pinned."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from sailint.collectors.manifests.base import HEX40, Dependency, normalise

VCS_REF = re.compile(r"^(git|hg|svn|bzr)\+.+@([^@#/]+?)(#.*)?$")
URL_HASH = re.compile(r"#(sha256|sha384|sha512)=([0-9a-fA-F]+)")
LOCAL_URL = re.compile(r"^(file:|\.{0,2}/|[A-Za-z]:\\)")


@dataclass(frozen=True)
class PinState:
    """Whether a requirement fixes exactly one artifact, and its version when known."""

    pinned: bool
    version: str | None


def exact_version(specifier: SpecifierSet | str) -> str | None:
    """The version of a single ``==X`` (no wildcard) or ``===X`` specifier, else None."""
    specs = list(SpecifierSet(str(specifier))) if isinstance(specifier, str) else list(specifier)
    if len(specs) != 1:
        return None
    spec = specs[0]
    if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith("*")):
        return spec.version
    return None


def url_pinned(url: str) -> bool:
    """A VCS URL whose ref is a full 40-hex commit, or an archive URL with a content hash."""
    match = VCS_REF.match(url)
    if match:
        return bool(HEX40.match(match.group(2).lower()))
    if url.split("+", 1)[0] in ("git", "hg", "svn", "bzr"):
        return False
    return bool(URL_HASH.search(url))


def is_local_url(url: str) -> bool:
    """Paths and ``file:`` URLs name local code, not a third-party package."""
    return bool(LOCAL_URL.match(url))


def from_pep508(
    text: str, path: str, line: int, *, group: str | None = None, hashes: tuple[str, ...] = ()
) -> Dependency | None:
    """A Dependency from a PEP 508 string, or None when it is not one."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    url = requirement.url
    if url:
        pinned = url_pinned(url) or bool(hashes)
        version = None
    else:
        version = exact_version(requirement.specifier)
        pinned = version is not None
    return Dependency(
        name=normalise(requirement.name),
        path=path,
        line=line,
        spec=str(requirement.specifier),
        version=version,
        pinned=pinned,
        hashes=hashes,
        url=url,
        group=group,
        raw=text.strip(),
        local=bool(url and is_local_url(url)),
    )
