"""CycloneDX JSON and XML: components read from the raw document, strict schema validation.

Components are read from the raw JSON/XML rather than through cyclonedx-python-lib's model
because the library drops fields it does not model (e.g. ``modelCard``) when it reads a BOM back.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sailint.collectors.jsonpos import LineIndex, PosStr, loads_with_positions

if TYPE_CHECKING:
    from sailint.collectors.sbom import SbomDocument

MAX_ERRORS = 20


def _first_position(value: Any) -> int | None:
    """Offset of the first string inside a JSON value (objects' keys are not located)."""
    if isinstance(value, PosStr):
        return value.pos
    if isinstance(value, dict):
        for item in value.values():
            found = _first_position(item)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = _first_position(item)
            if found is not None:
                return found
    return None


def json_line(data: Any, path: Any, index: LineIndex) -> int:
    """The line of the JSON value at ``path`` (or of its nearest located ancestor)."""
    trail = [data]
    current = data
    for step in path:
        try:
            current = current[step]
        except (KeyError, IndexError, TypeError):
            break
        trail.append(current)
    for value in reversed(trail):
        offset = _first_position(value)
        if offset is not None:
            return index.position(offset)[0]
    return 1


def _walk_json(components: Any) -> Iterator[dict[str, Any]]:
    for component in components if isinstance(components, list) else []:
        if isinstance(component, dict):
            yield component
            yield from _walk_json(component.get("components"))


def parse_cyclonedx_json(text: str, document: SbomDocument) -> None:
    """Read components and validate with cyclonedx-python-lib's strict JSON validator."""
    from sailint.collectors.sbom import SbomComponent

    try:
        data = loads_with_positions(text)
    except ValueError as error:
        document.errors.append((getattr(error, "lineno", 1), f"invalid JSON: {error}"))
        return
    except RecursionError:
        document.errors.append((1, "JSON nested too deeply to read"))
        return
    if not isinstance(data, dict):
        document.errors.append((1, "a CycloneDX BOM must be a JSON object"))
        return
    index = LineIndex(text)
    document.spec_version = str(data.get("specVersion", ""))
    document.vex = "components" not in data and "vulnerabilities" in data
    for component in _walk_json(data.get("components")):
        name = component.get("name")
        if not isinstance(name, str):
            continue
        line = index.position(name.pos)[0] if isinstance(name, PosStr) else 1
        version = component.get("version")
        purl = component.get("purl")
        document.components.append(
            SbomComponent(
                name=str(name),
                version=str(version) if isinstance(version, str) else None,
                kind=str(component.get("type", "library")),
                purl=str(purl) if isinstance(purl, str) else None,
                line=line,
            )
        )
    _validate_json(text, data, document, index)


@functools.cache
def strict_validator(output: str, spec_version: str) -> Any:
    """A (cached: schema loading is slow) strict validator; raises ValueError if unknown."""
    from sailint.schemaformats import import_jsonschema

    import_jsonschema()  # before cyclonedx imports it: without the 2-second IRI grammar
    from cyclonedx.schema import OutputFormat, SchemaVersion
    from cyclonedx.validation import make_schemabased_validator
    from cyclonedx.validation.json import JsonStrictValidator

    version = SchemaVersion.from_version(spec_version)
    if output == "json":
        return JsonStrictValidator(version)
    return make_schemabased_validator(OutputFormat.XML, version)


def _validate_json(text: str, data: Any, document: SbomDocument, index: LineIndex) -> None:
    try:
        validator = strict_validator("json", document.spec_version)
    except (ValueError, KeyError):
        line = json_line(data, ["specVersion"], index)
        document.errors.append(
            (line, f"specVersion {document.spec_version!r} has no CycloneDX JSON schema")
        )
        return
    errors = validator.validate_str(text, all_errors=True)
    if errors is None:
        return
    for problem in _as_list(errors)[:MAX_ERRORS]:
        detail = problem.data
        where = list(getattr(detail, "absolute_path", []))
        message = getattr(detail, "message", None) or str(detail).splitlines()[0]
        place = "/".join(str(p) for p in where) or "(document)"
        document.errors.append((json_line(data, where, index), f"{place}: {message}"))


def _as_list(errors: Any) -> list[Any]:
    """The validators return one error, or an iterable of errors with ``all_errors``."""
    return [errors] if hasattr(errors, "data") else list(errors)


XML_NAMESPACE = "http://cyclonedx.org/schema/bom/"


def parse_cyclonedx_xml(text: str, document: SbomDocument) -> None:
    """Read components with lxml (entities off, no network) and validate against the XSD."""
    from lxml import etree  # type: ignore[import-untyped]

    from sailint.collectors.sbom import SbomComponent

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError as error:
        document.errors.append((error.lineno or 1, f"invalid XML: {error.msg}"))
        return
    namespace = etree.QName(root).namespace or ""
    document.spec_version = namespace.removeprefix(XML_NAMESPACE)
    ns = {"c": namespace}
    for component in root.iterfind(".//c:component", ns):
        name = component.find("c:name", ns)
        if name is None or not name.text:
            continue
        version = component.find("c:version", ns)
        purl = component.find("c:purl", ns)
        document.components.append(
            SbomComponent(
                name=name.text.strip(),
                version=version.text.strip() if version is not None and version.text else None,
                kind=component.get("type", "library"),
                purl=purl.text.strip() if purl is not None and purl.text else None,
                line=name.sourceline or component.sourceline or 1,
            )
        )
    try:
        validator = strict_validator("xml", document.spec_version)
    except (ValueError, KeyError):
        document.errors.append(
            (root.sourceline or 1, f"namespace {namespace!r} is not a known CycloneDX version")
        )
        return
    errors = validator.validate_str(text, all_errors=True)
    if errors is None:
        return
    for problem in _as_list(errors)[:MAX_ERRORS]:
        entry = problem.data
        document.errors.append(
            (getattr(entry, "line", 1) or 1, str(getattr(entry, "message", entry)))
        )
