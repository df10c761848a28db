"""``sailint sbom``: a CycloneDX 1.6 JSON SBOM of locked dependencies, models and datasets."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sailint.collectors.dependencies import Dependencies
from sailint.collectors.hubrefs import HubReferences
from sailint.collectors.manifests.base import Dependency
from sailint.collectors.mlsignals import TEST_DIRS, MlSignals, is_lfs_pointer
from sailint.config import ConfigError, load_config
from sailint.project import Project

if TYPE_CHECKING:
    from cyclonedx.model import HashType
    from cyclonedx.model.bom import Bom

HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128}
LFS_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.M)
CHUNK = 1024 * 1024


def _hash_types(hashes: tuple[str, ...]) -> list[HashType]:
    from cyclonedx.model import HashAlgorithm, HashType

    algorithms = {
        "md5": HashAlgorithm.MD5,
        "sha1": HashAlgorithm.SHA_1,
        "sha256": HashAlgorithm.SHA_256,
        "sha384": HashAlgorithm.SHA_384,
        "sha512": HashAlgorithm.SHA_512,
    }
    result = []
    for item in hashes:
        algorithm, _, digest = item.partition(":")
        algorithm = algorithm.lower().replace("-", "")
        digest = digest.lower()
        if algorithm in algorithms and re.fullmatch(
            f"[0-9a-f]{{{HASH_LENGTHS[algorithm]}}}", digest
        ):
            result.append(HashType(alg=algorithms[algorithm], content=digest))
    return result


def file_sha256(project: Project, path: str) -> str | None:
    """SHA-256 of a file's content; for a Git LFS pointer, the object id it records."""
    if is_lfs_pointer(project, path):
        head = project.read_head(path, 1024) or b""
        match = LFS_OID.search(head)
        return match.group(1).decode() if match else None
    digest = hashlib.sha256()
    try:
        with open(project.files[path].abspath, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except OSError as error:
        project.skip(path, f"unreadable: {error.strerror or error}")
        return None
    project.claim(path)
    return digest.hexdigest()


def _library(dependency: Dependency) -> Any:
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    purl = PackageURL(type="pypi", name=dependency.name, version=dependency.version)
    return Component(
        type=ComponentType.LIBRARY,
        name=dependency.name,
        version=dependency.version,
        purl=purl,
        bom_ref=purl.to_string(),
        hashes=_hash_types(dependency.hashes),
    )


def _file_component(project: Project, path: str, kind: str) -> Any:
    from cyclonedx.model import HashAlgorithm, HashType
    from cyclonedx.model.component import Component, ComponentType

    digest = file_sha256(project, path)
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL if kind == "model" else ComponentType.DATA,
        name=path,
        bom_ref=f"{kind}:{path}",
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=digest)] if digest else [],
    )


def _hub_component(repo_id: str, revision: str | None, kind: str) -> Any:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    url = "https://huggingface.co/" + ("datasets/" if kind == "dataset" else "") + repo_id
    namespace, _, name = repo_id.rpartition("/")
    purl = None
    if kind == "model":
        purl = PackageURL(
            type="huggingface", namespace=namespace or None, name=name, version=revision
        )
    reference = f"hf-{kind}:{repo_id}" + (f"@{revision}" if revision else "")
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL if kind == "model" else ComponentType.DATA,
        name=repo_id,
        version=revision,
        purl=purl,
        bom_ref=reference,
        external_references=[
            ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(url))
        ],
    )


def build_bom(project: Project) -> Bom:
    """The SBOM of a project (deterministic: no serial number, no timestamp by default)."""
    from cyclonedx.model.bom import Bom

    bom = Bom()
    bom.serial_number = None  # type: ignore[assignment]
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    bom.metadata.timestamp = (
        dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        if epoch and epoch.isdigit()
        else None  # type: ignore[assignment]
    )
    from cyclonedx.model.component import Component, ComponentType

    from sailint import __version__

    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="sailint", version=__version__)
    )
    dependencies = project.get(Dependencies)
    subject = next(
        (d for m in dependencies.locks for d in m.dependencies if d.local and d.version), None
    )
    if subject is not None:  # the project itself, as its lockfile names it
        bom.metadata.component = Component(
            type=ComponentType.APPLICATION,
            name=subject.name,
            version=subject.version,
            bom_ref=f"project:{subject.name}",
        )
    for dependency in dependencies.inventory():
        bom.components.add(_library(dependency))
    signals = project.get(MlSignals)
    for path in sorted(p for p in signals.model_artifacts if not TEST_DIRS.search(p)):
        bom.components.add(_file_component(project, path, "model"))
    for path in sorted(signals.dataset_files):
        bom.components.add(_file_component(project, path, "dataset"))
    seen: set[tuple[str, str | None, str]] = set()
    for ref in project.get(HubReferences).refs:
        identity = (ref.repo_id, ref.revision, ref.kind)
        if identity not in seen:
            seen.add(identity)
            bom.components.add(_hub_component(*identity))
    return bom


def render(bom: Bom) -> str:
    """CycloneDX 1.6 JSON, checked with the library's strict validator before it is returned."""
    from cyclonedx.output.json import JsonV1Dot6

    from sailint.collectors.sbomparse import strict_validator

    with warnings.catch_warnings():
        # The dependency graph is left out on purpose (lockfiles differ in how they record it);
        # the library warns that the root component then has no dependencies.
        warnings.simplefilter("ignore", UserWarning)
        text = JsonV1Dot6(bom).output_as_string(indent=2)
    error = strict_validator("json", "1.6").validate_str(text)
    if error is not None:  # a bug in the builder, never the user's fault
        raise RuntimeError(f"generated SBOM failed validation: {error.data.message}")
    return text + "\n"


@click.command("sbom")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
def sbom_command(path: str, output: str | None) -> None:
    """Write a CycloneDX 1.6 JSON SBOM of PATH: locked dependencies, models and datasets."""
    root = Path(path)
    try:
        config = load_config(root)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    project = Project(root, config)
    text = render(build_bom(project))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)
