"""SBOM presence, validity, freshness and ML components: SAI109, SAI110, SAI111, SAI112."""

from __future__ import annotations

import re
from collections.abc import Iterator

from packaging.version import InvalidVersion, Version

from sailint.collectors.ci import CiFiles
from sailint.collectors.dependencies import Dependencies
from sailint.collectors.hubrefs import HubReferences
from sailint.collectors.manifests.base import normalise, redact
from sailint.collectors.mlsignals import TEST_DIRS, MlSignals
from sailint.collectors.sbom import SbomDocument, Sboms
from sailint.context import RuleContext
from sailint.model import Finding
from sailint.project import Project

SBOM_GENERATORS = re.compile(
    r"\bcyclonedx-py\b|\bcyclonedx-bom\b|\bcyclonedx_py\b|anchore/sbom-action|\bsyft\b|\bcdxgen\b|"
    r"@cyclonedx/cdxgen|pip-audit\b.*(-f|--format)[=\s]*cyclonedx|\bsailint\s+sbom\b|"
    r"\btrivy\b.*--format[=\s]*(cyclonedx|spdx)|spdx-sbom-generator|\bsbom-tool\b",
    re.I,
)


def _project_sboms(project: Project) -> list[SbomDocument]:
    """SBOMs that describe the project (VEX documents, test data and fixtures excluded)."""
    return [d for d in project.get(Sboms).documents if not d.vex and not TEST_DIRS.search(d.path)]


def _dependency_anchor(project: Project) -> tuple[str, int] | None:
    manifests = [m for m in project.get(Dependencies).manifests if m.third_party]
    if not manifests:
        return None
    first = sorted(manifests, key=lambda m: (not m.is_lock, m.path))[0]
    return first.path, first.declaration_line


def missing_sbom(ctx: RuleContext) -> Iterator[Finding]:
    """SAI109: no SBOM committed (by content) and no CI step generates one."""
    project = ctx.project
    sboms = _project_sboms(project)
    for document in sboms:
        ctx.evidence(document.path, 1, f"{document.format} SBOM {document.spec_version}")
    if sboms:
        return
    generators = project.get(CiFiles).search(SBOM_GENERATORS)
    for hit in generators[:3]:
        ctx.evidence(hit.path, hit.line, "SBOM generated in CI")
    if generators:
        return
    anchor = _dependency_anchor(project)
    artifacts = [p for p in project.get(MlSignals).model_artifacts if not TEST_DIRS.search(p)]
    if anchor is None and not artifacts:
        return
    path, line = anchor or (artifacts[0], 1)
    yield ctx.finding(
        path,
        line,
        "no SBOM is committed (CycloneDX or SPDX) and no CI step generates one: the components "
        "and models this system is built from are not inventoried (`sailint sbom -o "
        "sbom.cdx.json`, cyclonedx-py, syft)",
        key="missing-sbom",
    )


def invalid_sbom(ctx: RuleContext) -> Iterator[Finding]:
    """SAI110: a committed SBOM fails its schema or structure checks."""
    for document in ctx.project.get(Sboms).documents:
        label = {"cyclonedx-json": "CycloneDX JSON", "cyclonedx-xml": "CycloneDX XML"}.get(
            document.format, "SPDX " + (document.spec_version or "")
        )
        if document.is_cyclonedx and document.spec_version:
            label += " " + document.spec_version
        for line, message in document.errors:
            yield ctx.finding(
                document.path, line, f"invalid {label.strip()} SBOM: {redact(message[:300])}"
            )


def _same_version(left: str, right: str) -> bool:
    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return left == right


def _listed(document: SbomDocument) -> dict[str, set[str]]:
    """Normalised PyPI name -> versions listed in an SBOM."""
    listed: dict[str, set[str]] = {}
    for component in document.components:
        if component.purl and not component.purl.startswith("pkg:pypi/"):
            continue
        if component.kind not in ("library", "framework", "application"):
            continue
        name = component.pypi_name or normalise(component.name)
        version = component.pypi_version
        listed.setdefault(name, set())
        if version:
            listed[name].add(version)
    return listed


def stale_sbom(ctx: RuleContext) -> Iterator[Finding]:
    """SAI111: the SBOM misses a locked dependency or lists another version."""
    project = ctx.project
    dependencies = project.get(Dependencies)
    for document in _project_sboms(project):
        if not document.components and document.errors:
            continue  # unreadable: SAI110 reports it
        inventory = dependencies.inventory(near=document.path)
        listed = _listed(document)
        for dependency in inventory:
            assert dependency.version is not None
            versions = listed.get(dependency.name)
            if versions is None:
                message = (
                    f"{dependency.name} {dependency.version} is locked here but missing from "
                    f"the SBOM {document.path}"
                )
            elif versions and not any(_same_version(v, dependency.version) for v in versions):
                message = (
                    f"the SBOM {document.path} lists {dependency.name} "
                    f"{', '.join(sorted(versions))} but {dependency.path} locks "
                    f"{dependency.version}"
                )
            else:
                continue
            yield ctx.finding(
                dependency.path,
                dependency.line,
                message + "; regenerate the SBOM from the lock",
                key=f"stale-sbom:{document.path}:{dependency.name}",
                properties={"package": dependency.name, "sbom": document.path},
            )


def sbom_missing_ml_components(ctx: RuleContext) -> Iterator[Finding]:
    """SAI112: models or datasets exist but no SBOM lists ML model / data components."""
    project = ctx.project
    sboms = [d for d in _project_sboms(project) if d.components or not d.errors]
    if not sboms:
        return
    signals = project.get(MlSignals)
    refs = project.get(HubReferences).refs
    models = [p for p in signals.model_artifacts if not TEST_DIRS.search(p)]
    hub_models = sorted({r.repo_id for r in refs if r.kind == "model"})
    datasets = signals.dataset_files
    hub_datasets = sorted({r.repo_id for r in refs if r.kind == "dataset"})
    target = sboms[0]
    note = ""
    if target.is_cyclonedx and target.spec_version in ("1.0", "1.1", "1.2", "1.3", "1.4"):
        note = f" (CycloneDX {target.spec_version} cannot express them: use 1.5 or later)"
    if (models or hub_models) and not any(d.of_kind("machine-learning-model") for d in sboms):
        what = ", ".join((models + hub_models)[:3])
        yield ctx.finding(
            target.path,
            1,
            f"the repository holds or references {len(models) + len(hub_models)} model(s) "
            f"({what}) but no SBOM lists a machine-learning-model component{note}",
            key="sbom-missing-models",
        )
    if (datasets or hub_datasets) and not any(d.of_kind("data") for d in sboms):
        what = ", ".join((datasets + hub_datasets)[:3])
        yield ctx.finding(
            target.path,
            1,
            f"the repository holds or loads {len(datasets) + len(hub_datasets)} dataset(s) "
            f"({what}) but no SBOM lists a data component{note}",
            key="sbom-missing-data",
        )
