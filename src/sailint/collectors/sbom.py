"""Committed SBOMs found by content (CycloneDX JSON/XML, SPDX 2 JSON/tag-value, SPDX 3 JSON-LD)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sailint.collectors.manifests.base import normalise
from sailint.collectors.sbomparse import parse_cyclonedx_json, parse_cyclonedx_xml
from sailint.collectors.spdx import parse_spdx2_json, parse_spdx2_tag_value, parse_spdx3
from sailint.project import Project, View

SNIFF = 64 * 1024
CANDIDATE = re.compile(r"\.(json|jsonld|json-ld|xml|spdx|tv|txt|cdx|bom|sbom)$|(^|/)[^./]+$", re.I)
SIGNATURES = (
    ("cyclonedx-json", re.compile(rb'"bomFormat"\s*:\s*"CycloneDX"')),
    ("cyclonedx-xml", re.compile(rb"cyclonedx\.org/schema/bom/")),
    ("spdx2-json", re.compile(rb'"spdxVersion"\s*:\s*"SPDX-2')),
    ("spdx2-tv", re.compile(rb"(?m)^SPDXVersion:\s*SPDX-2")),
    ("spdx3", re.compile(rb"spdx\.org/rdf/3")),
)


@dataclass(frozen=True)
class SbomComponent:
    """A component (package, model, dataset ...) listed in an SBOM."""

    name: str
    version: str | None
    kind: str  # CycloneDX component type, or "library"/"ai"/"dataset" mapped from SPDX
    purl: str | None
    line: int

    @property
    def pypi_name(self) -> str | None:
        """The normalised PyPI name when the purl (or an SPDX/CycloneDX library) says PyPI."""
        if self.purl and self.purl.startswith("pkg:pypi/"):
            return normalise(self.purl[len("pkg:pypi/") :].split("@")[0].split("?")[0])
        return None

    @property
    def pypi_version(self) -> str | None:
        """The version of a PyPI purl, else the component's version."""
        if self.purl and "@" in self.purl:
            return self.purl.split("@", 1)[1].split("?")[0].split("#")[0]
        return self.version


@dataclass
class SbomDocument:
    """One SBOM file: its format, spec version, components and validation errors."""

    path: str
    format: str  # "cyclonedx-json" | "cyclonedx-xml" | "spdx2-json" | "spdx2-tv" | "spdx3"
    spec_version: str = ""
    components: list[SbomComponent] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    vex: bool = False  # a CycloneDX VEX: advisories about components listed elsewhere

    @property
    def is_cyclonedx(self) -> bool:
        """True for CycloneDX JSON or XML."""
        return self.format.startswith("cyclonedx")

    def of_kind(self, *kinds: str) -> list[SbomComponent]:
        """Components of the given kinds."""
        return [c for c in self.components if c.kind in kinds]


def sniff(project: Project, path: str) -> str | None:
    """The SBOM format of a file judged by its first bytes, or None."""
    if not CANDIDATE.search(path):
        return None
    head = project.read_head(path, SNIFF)
    if not head or b"\0" in head[:8192]:
        return None
    for fmt, signature in SIGNATURES:
        if signature.search(head):
            if fmt == "spdx3" and b"@context" not in head:
                continue
            return fmt
    return None


PARSERS = {
    "cyclonedx-json": parse_cyclonedx_json,
    "cyclonedx-xml": parse_cyclonedx_xml,
    "spdx2-json": parse_spdx2_json,
    "spdx2-tv": parse_spdx2_tag_value,
    "spdx3": parse_spdx3,
}


@dataclass
class Sboms(View):
    """Every SBOM committed to the project, parsed and validated."""

    documents: list[SbomDocument] = field(default_factory=list)

    @classmethod
    def build(cls, project: Project) -> Sboms:
        """See ``View.build``."""
        view = cls()
        for path in sorted(project.files):
            fmt = sniff(project, path)
            if fmt is None:
                continue
            text = project.text(path)
            if text is None:
                continue
            document = SbomDocument(path, fmt)
            PARSERS[fmt](text, document)
            view.documents.append(document)
        return view
