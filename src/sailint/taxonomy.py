"""The Guidelines principles and the frameworks rules map to (SSDF, OWASP, ATLAS, CWE)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

#: Rule-file reference key -> taxonomy key in data/taxonomy.yaml.
FRAMEWORKS = ("guidelines", "ssdf", "owasp-llm", "owasp-ml", "atlas", "cwe")


@dataclass(frozen=True)
class Taxon:
    """One entry of a taxonomy: a principle, task, risk, technique or weakness."""

    id: str
    name: str
    stage: str = ""
    checkable: str = ""


@dataclass(frozen=True)
class Taxonomy:
    """A framework with its entries."""

    key: str
    name: str
    full_name: str
    uri: str
    version: str
    taxa: dict[str, Taxon]


@lru_cache(maxsize=1)
def taxonomies() -> dict[str, Taxonomy]:
    """All frameworks, keyed as in rule files (``guidelines``, ``ssdf``, ...)."""
    text = resources.files("sailint").joinpath("data/taxonomy.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    result = {}
    for key in FRAMEWORKS:
        data = raw[key]
        taxa = {
            str(taxon_id): Taxon(
                str(taxon_id),
                str(entry["name"]),
                str(entry.get("stage", "")),
                str(entry.get("checkable", "")),
            )
            for taxon_id, entry in data["taxa"].items()
        }
        result[key] = Taxonomy(
            key, data["name"], data["full-name"], data["uri"], str(data["version"]), taxa
        )
    return result


def principles() -> list[Taxon]:
    """The 17 Guideline principles in document order."""
    return list(taxonomies()["guidelines"].taxa.values())
