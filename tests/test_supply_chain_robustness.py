"""Readers never raise on arbitrary input: bad files become problems, not tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sailint.collectors.manifests.conda import read_conda_lock, read_environment
from sailint.collectors.manifests.locks import read_pipfile_lock, read_toml_lock
from sailint.collectors.manifests.pyproject import read_pipfile, read_pyproject
from sailint.collectors.manifests.requirements import parse_requirement_line
from sailint.collectors.manifests.setuptools import read_setup_cfg, read_setup_py
from sailint.collectors.sbom import SbomDocument
from sailint.collectors.sbomparse import parse_cyclonedx_json, parse_cyclonedx_xml
from sailint.collectors.spdx import parse_spdx2_json, parse_spdx2_tag_value, parse_spdx3

FRAGMENTS = [
    "[project]\n", "dependencies = [", '"torch>=2",', "]\n", "[[package]]\n", 'name = "x"\n',
    'version = "1.0"\n', "= =\n", "dependencies:\n", "  - numpy=1.2\n", "  - pip:\n",
    "    - torch==2\n", "{", "}", '"bomFormat": "CycloneDX",', '"components": [', "SPDXID: x\n",
    "PackageName: y\n", "setup(install_requires=[", "[options]\n", "install_requires =\n",
    "    requests\n", "\x00", "\ufeff", "'", '"', "\\\n", "@graph", "<bom>", "</bom>",
]  # fmt: skip
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=30).map(
    "".join
)
READERS: list[Callable[[str, str], Any]] = [
    read_pyproject,
    read_pipfile,
    read_pipfile_lock,
    lambda path, text: read_toml_lock(path, text, "uv.lock"),
    lambda path, text: read_toml_lock(path, text, "pylock"),
    read_environment,
    read_conda_lock,
    read_setup_py,
    read_setup_cfg,
]
SBOM_PARSERS = [
    parse_cyclonedx_json,
    parse_cyclonedx_xml,
    parse_spdx2_json,
    parse_spdx2_tag_value,
    parse_spdx3,
]


@pytest.mark.parametrize("reader", READERS)
@settings(max_examples=60, deadline=None)
@given(text=TEXT)
def test_manifest_readers_never_raise(reader: Callable[[str, str], Any], text: str) -> None:
    manifest, problems = reader("f", text)
    assert all(problem.line >= 1 for problem in problems)
    assert all(dependency.line >= 1 for dependency in manifest.dependencies)


@pytest.mark.parametrize("parser", SBOM_PARSERS)
@settings(max_examples=40, deadline=None)
@given(text=TEXT)
def test_sbom_parsers_never_raise(parser: Callable[[str, SbomDocument], None], text: str) -> None:
    document = SbomDocument("sbom", "x")
    parser(text, document)
    assert all(line >= 1 for line, _ in document.errors)


@settings(max_examples=80, deadline=None)
@given(text=TEXT)
def test_single_pip_lines_never_raise(text: str) -> None:
    parse_requirement_line(text, "environment.yml", 3)
