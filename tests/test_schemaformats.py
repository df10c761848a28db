"""jsonschema without its IRI grammar: the IRI formats still checked, the same way RFC 3987 reads.

(IPv6 literals are left out of the comparison: both the grammar and rfc3986-validator reject some
valid ones, such as ``http://[::1]/``.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sailint.collectors.sbom import Sboms
from sailint.config import Config
from sailint.project import Project
from sailint.schemaformats import import_jsonschema, iri_to_uri

VALID = [
    "https://example.com/models/bert",
    "https://例え.jp/モデル?q=ü#片",
    "http://example.com:8080/a%20b",
    "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "mailto:team@example.org",
    "file:///opt/models/model.safetensors",
    "pkg:pypi/torch@2.4.0",
    "https://example.com/?q=\ue000",  # a private-use character, allowed in a query
]
VALID_REFERENCES = [*VALID, "../docs/model-card.md", "#frag", "", "//cdn.example.com/x"]
INVALID = [
    "https://example.com/a b",
    "http://exa mple.com",
    "https://example.com/%zz",
    "http://[::1",
    "https://example.com/\ue000",  # private-use outside the query
    "https://example.com/\ufffe",  # not a ucschar
    "ht tp://x",
    "https://example.com/<script>",
]


def test_iri_to_uri_percent_encodes_utf8() -> None:
    assert iri_to_uri("https://例え.jp/ü") == "https://%E4%BE%8B%E3%81%88.jp/%C3%BC"
    assert iri_to_uri("https://example.com/\ue000") is None


def test_iri_checks_agree_with_the_rfc3987_grammar() -> None:
    jsonschema = import_jsonschema()
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    from rfc3987_syntax import is_valid_syntax  # the grammar jsonschema would have used

    for value in VALID + INVALID:
        assert checker.conforms(value, "iri") == is_valid_syntax("iri", value), value
    for value in VALID_REFERENCES + INVALID:
        assert checker.conforms(value, "iri-reference") == is_valid_syntax(
            "iri_reference", value
        ), value
    assert all(checker.conforms(v, "iri") for v in VALID)
    assert not any(checker.conforms(v, "iri-reference") for v in INVALID)


def _bom_with_url(url: str) -> str:
    """A CycloneDX 1.6 SBOM whose one component has a website at ``url``."""
    component = {
        "type": "library",
        "name": "torch",
        "version": "2.4.0",
        "externalReferences": [{"type": "website", "url": url}],
    }
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [component]}
    return json.dumps(bom, indent=2)


def test_sbom_validation_does_not_build_the_grammar_and_still_checks_iris(tmp_path: Path) -> None:
    (tmp_path / "bom.json").write_text(_bom_with_url("https://pytorch.org/a b"), encoding="utf-8")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sailint.collectors.sbom import Sboms\n"
        "from sailint.config import Config\n"
        "from sailint.project import Project\n"
        f"(document,) = Project(Path({str(tmp_path)!r}), Config()).get(Sboms).documents\n"
        "print(document.errors)\n"
        "print('rfc3987_syntax' in sys.modules, 'lark' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    errors, loaded = result.stdout.splitlines()
    # the url is an iri-reference or a bom-link: neither, once the IRI format is checked
    assert "components/0/externalReferences/0/url: 'https://pytorch.org/a b' is not valid" in errors
    assert loaded == "False False"


@pytest.mark.parametrize("url", ["https://pytorch.org/", "https://例え.jp/モデル"])
def test_valid_iris_in_an_sbom_are_accepted(tmp_path: Path, url: str) -> None:
    (tmp_path / "bom.json").write_text(_bom_with_url(url), encoding="utf-8")
    (document,) = Project(tmp_path, Config()).get(Sboms).documents
    assert document.errors == []
