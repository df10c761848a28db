"""Imports jsonschema without the IRI grammar it builds at import, and checks IRIs another way.

jsonschema's format checkers use ``rfc3987-syntax`` (installed with cyclonedx-python-lib's JSON
validation) for the ``iri`` and ``iri-reference`` formats; importing it compiles a Lark grammar
of RFC 3987, which took 1.4-2.1 s on the benchmark machine - most of the cost of validating a
CycloneDX SBOM. Here jsonschema is imported with that module hidden (jsonschema then leaves the
two formats out) and the two formats are checked as RFC 3987 section 3.1 maps an IRI to a URI:
characters outside ASCII (which must be ``ucschar``, or ``iprivate`` in a query) are
percent-encoded, and the result is checked against RFC 3986 by ``rfc3986-validator``, the
regex-based checker jsonschema already uses for ``uri``. tests/test_sbom_validation.py compares
the two on valid and invalid IRIs.
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import quote

# RFC 3987 section 2.2: ucschar and iprivate code point ranges
_UCSCHAR = (
    (0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF), (0x10000, 0x1FFFD), (0x20000, 0x2FFFD),
    (0x30000, 0x3FFFD), (0x40000, 0x4FFFD), (0x50000, 0x5FFFD), (0x60000, 0x6FFFD),
    (0x70000, 0x7FFFD), (0x80000, 0x8FFFD), (0x90000, 0x9FFFD), (0xA0000, 0xAFFFD),
    (0xB0000, 0xBFFFD), (0xC0000, 0xCFFFD), (0xD0000, 0xDFFFD), (0xE1000, 0xEFFFD),
)  # fmt: skip
_IPRIVATE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))
_IRI_FORMATS = {"iri": "URI", "iri-reference": "URI_reference"}


def import_jsonschema() -> Any:
    """``jsonschema``, imported without ``rfc3987_syntax`` and with the two IRI formats."""
    if "jsonschema" in sys.modules:
        return sys.modules["jsonschema"]
    hide = "rfc3987_syntax" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import fails quietly
    try:
        import jsonschema
    finally:
        if hide:
            del sys.modules["rfc3987_syntax"]
    _add_iri_checks(jsonschema)
    return jsonschema


def _in(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def iri_to_uri(value: str) -> str | None:
    """The URI an IRI maps to (RFC 3987 section 3.1), or None if it holds a disallowed character."""
    query_at = value.find("?")
    parts = []
    for position, char in enumerate(value):
        code = ord(char)
        if code < 0x80:
            parts.append(char)
        elif _in(code, _UCSCHAR) or (0 <= query_at < position and _in(code, _IPRIVATE)):
            parts.append(quote(char, safe=""))
        else:
            return None
    return "".join(parts)


def _add_iri_checks(jsonschema: Any) -> None:
    try:
        from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]
    except ImportError:  # jsonschema checks no URI formats either: nothing to mirror
        return

    def checker(rule: str) -> Any:
        def check(instance: object) -> bool:
            if not isinstance(instance, str):
                return True
            uri = iri_to_uri(instance)
            return uri is not None and bool(validate_rfc3986(uri, rule=rule))

        return check

    for validator in (
        jsonschema.Draft7Validator,
        jsonschema.Draft201909Validator,
        jsonschema.Draft202012Validator,
    ):
        format_checker = validator.FORMAT_CHECKER
        for name, rule in _IRI_FORMATS.items():
            if name not in format_checker.checkers:  # e.g. the `rfc3987` package supplied it
                format_checker.checks(name, raises=ValueError)(checker(rule))
