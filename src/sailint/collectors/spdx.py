"""SPDX documents: 2.x JSON and tag-value, and 3.x JSON-LD, read and checked for structure."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sailint.collectors.jsonpos import LineIndex, PosStr, loads_with_positions
from sailint.collectors.sbomparse import json_line

if TYPE_CHECKING:
    from sailint.collectors.sbom import SbomDocument

SPDX2_REQUIRED = ("spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace")
SPDX2_PACKAGE_REQUIRED = ("name", "SPDXID", "downloadLocation")
SPDX_ID = re.compile(r"^SPDXRef-[A-Za-z0-9.-]+$")
TV_REQUIRED = ("SPDXVersion", "DataLicense", "SPDXID", "DocumentName", "DocumentNamespace")
TV_LINE = re.compile(r"^([A-Za-z][\w-]*):\s?(.*)$")
SPDX3_ML_TYPES = {"ai_AIPackage": "machine-learning-model", "dataset_DatasetPackage": "data"}


def _load(text: str, document: SbomDocument) -> tuple[Any, LineIndex] | None:
    try:
        data = loads_with_positions(text)
    except ValueError as error:
        document.errors.append((getattr(error, "lineno", 1), f"invalid JSON: {error}"))
        return None
    except RecursionError:
        document.errors.append((1, "JSON nested too deeply to read"))
        return None
    if not isinstance(data, dict):
        document.errors.append((1, "an SPDX document must be a JSON object"))
        return None
    return data, LineIndex(text)


def _purl(refs: Any) -> str | None:
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("referenceType") == "purl":
            locator = ref.get("referenceLocator")
            return str(locator) if isinstance(locator, str) else None
    return None


def parse_spdx2_json(text: str, document: SbomDocument) -> None:
    """SPDX 2.x JSON: required document and package fields, packages as components."""
    from sailint.collectors.sbom import SbomComponent

    loaded = _load(text, document)
    if loaded is None:
        return
    data, index = loaded
    document.spec_version = str(data.get("spdxVersion", "")).removeprefix("SPDX-")
    for key in SPDX2_REQUIRED:
        if not isinstance(data.get(key), str) or not data.get(key):
            document.errors.append((1, f"required field {key!r} is missing"))
    if data.get("dataLicense") not in (None, "CC0-1.0"):
        line = json_line(data, ["dataLicense"], index)
        document.errors.append((line, "dataLicense must be 'CC0-1.0'"))
    if data.get("SPDXID") not in (None, "SPDXRef-DOCUMENT"):
        document.errors.append(
            (json_line(data, ["SPDXID"], index), "SPDXID must be 'SPDXRef-DOCUMENT'")
        )
    creation = data.get("creationInfo")
    if (
        not isinstance(creation, dict)
        or not creation.get("created")
        or not creation.get("creators")
    ):
        document.errors.append(
            (
                json_line(data, ["creationInfo"], index),
                "creationInfo needs 'created' and 'creators'",
            )
        )
    packages = data.get("packages", [])
    if not isinstance(packages, list):
        document.errors.append((json_line(data, ["packages"], index), "'packages' must be a list"))
        packages = []
    for position, package in enumerate(packages):
        if not isinstance(package, dict):
            continue
        line = json_line(data, ["packages", position], index)
        missing = [k for k in SPDX2_PACKAGE_REQUIRED if not package.get(k)]
        if missing:
            document.errors.append((line, f"package {position}: missing {', '.join(missing)}"))
        spdx_id = package.get("SPDXID")
        if isinstance(spdx_id, str) and not SPDX_ID.match(spdx_id):
            document.errors.append((line, f"package {position}: malformed SPDXID {spdx_id!r}"))
        name = package.get("name")
        if isinstance(name, str):
            version = package.get("versionInfo")
            document.components.append(
                SbomComponent(
                    name=str(name),
                    version=str(version) if isinstance(version, str) else None,
                    kind="library",
                    purl=_purl(package.get("externalRefs")),
                    line=index.position(name.pos)[0] if isinstance(name, PosStr) else line,
                )
            )


def parse_spdx2_tag_value(text: str, document: SbomDocument) -> None:
    """SPDX 2.x tag-value: required document tags, each package with SPDXID and location."""
    from sailint.collectors.sbom import SbomComponent

    seen: dict[str, int] = {}
    package: dict[str, Any] | None = None
    packages: list[dict[str, Any]] = []
    in_text = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if in_text:
            in_text = "</text>" not in raw
            continue
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = TV_LINE.match(raw)
        if not match:
            document.errors.append((number, f"not a 'Tag: value' line: {raw[:60]!r}"))
            continue
        tag, value = match.group(1), match.group(2).strip()
        if "<text>" in value and "</text>" not in value:
            in_text = True
        seen.setdefault(tag, number)
        if tag == "PackageName":
            package = {"name": value, "line": number}
            packages.append(package)
        elif package is not None and tag in ("SPDXID", "PackageVersion", "PackageDownloadLocation"):
            package[tag] = value
        elif package is not None and tag == "ExternalRef":
            parts = value.split()
            if len(parts) >= 3 and parts[1] == "purl":
                package["purl"] = parts[2]
        if tag == "SPDXVersion":
            document.spec_version = value.removeprefix("SPDX-")
    for tag in TV_REQUIRED:
        if tag not in seen:
            document.errors.append((1, f"required tag {tag} is missing"))
    for item in packages:
        missing = [t for t in ("SPDXID", "PackageDownloadLocation") if t not in item]
        if missing:
            document.errors.append(
                (item["line"], f"package {item['name']!r} has no {' or '.join(missing)}")
            )
        document.components.append(
            SbomComponent(
                name=item["name"],
                version=item.get("PackageVersion"),
                kind="library",
                purl=item.get("purl"),
                line=item["line"],
            )
        )


def parse_spdx3(text: str, document: SbomDocument) -> None:
    """SPDX 3 JSON-LD: ``@context``, ``@graph`` of typed elements with ``spdxId``."""
    from sailint.collectors.sbom import SbomComponent

    loaded = _load(text, document)
    if loaded is None:
        return
    data, index = loaded
    context = data.get("@context")
    match = re.search(r"spdx\.org/rdf/(3[\d.]*)", str(context))
    document.spec_version = match.group(1).rstrip(".") if match else "3"
    graph = data.get("@graph")
    if not isinstance(graph, list):
        document.errors.append((1, "'@graph' must be a list of elements"))
        return
    types = set()
    for position, element in enumerate(graph):
        line = json_line(data, ["@graph", position], index)
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            document.errors.append((line, f"@graph element {position} has no 'type'"))
            continue
        kind = element["type"]
        types.add(kind)
        if kind != "CreationInfo" and not element.get("spdxId") and not element.get("@id"):
            document.errors.append((line, f"{kind} element {position} has no 'spdxId'"))
        if kind.endswith("Package") and isinstance(element.get("name"), str):
            name = element["name"]
            purl = element.get("software_packageUrl")
            version = element.get("software_packageVersion")
            document.components.append(
                SbomComponent(
                    name=str(name),
                    version=str(version) if isinstance(version, str) else None,
                    kind=SPDX3_ML_TYPES.get(kind, "library"),
                    purl=str(purl) if isinstance(purl, str) else None,
                    line=index.position(name.pos)[0] if isinstance(name, PosStr) else line,
                )
            )
    if "SpdxDocument" not in types:
        document.errors.append((1, "no SpdxDocument element in '@graph'"))
    if "CreationInfo" not in types and not any(
        isinstance(e, dict) and isinstance(e.get("creationInfo"), dict) for e in graph
    ):
        document.errors.append((1, "no CreationInfo in '@graph'"))
