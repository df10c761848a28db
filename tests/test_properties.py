"""Property-based tests for the parsers and writers of the foundation."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sarif import SCHEMAS

from sailint.collectors.jsonpos import LineIndex, PosStr, loads_with_positions
from sailint.collectors.notebooks import parse_notebook
from sailint.engine import Report
from sailint.formatters import sarif
from sailint.formatters.linehash import line_hashes
from sailint.model import Confidence, Finding, Level, Location, ProjectInfo
from sailint.registry import find_rule
from sailint.suppress import parse_inline

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values, st.integers(min_value=0, max_value=2))
def test_position_json_matches_json_and_positions_point_at_quotes(
    value: object, indent: int
) -> None:
    text = json.dumps(value, indent=indent or None)
    parsed = loads_with_positions(text)
    assert parsed == value
    index = LineIndex(text)

    def walk(node: object) -> None:
        if isinstance(node, PosStr):
            assert text[node.pos] == '"'
            line, column = index.position(node.pos)
            assert text.splitlines()[line - 1][column - 1] == '"'
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)

    walk(parsed)


@given(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=8)
)
def test_notebook_source_lines_round_trip(lines: list[str]) -> None:
    source = [line.replace("\n", " ").replace("\r", " ") + "\n" for line in lines]
    text = json.dumps({"cells": [{"cell_type": "code", "source": source, "outputs": []}]}, indent=1)
    notebook = parse_notebook("x.ipynb", text)
    mapped = notebook.cells[0].lines
    assert [m.text for m in mapped] == [s[:-1] for s in source]
    raw = text.splitlines()
    for item in mapped:
        assert raw[item.line - 1].lstrip().startswith('"')


@given(st.text(max_size=300))
def test_garbage_never_crashes_the_notebook_parser(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_notebook("x.ipynb", text)


@given(st.text(max_size=200))
def test_suppression_parser_total(text: str) -> None:
    for entries in parse_inline(text.splitlines()).values():
        for entry in entries:
            assert entry.line >= 1


@given(st.text(max_size=500))
def test_line_hashes_one_per_line(text: str) -> None:
    hashes = line_hashes(text)
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    assert len(hashes) == normalised.count("\n") + 1


path_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(path_text, min_size=1, max_size=3), st.text(max_size=60))
def test_sarif_writer_accepts_any_path_and_message(parts: list[str], message: str) -> None:
    rule = find_rule("SAI403")
    assert rule is not None
    path = "/".join(parts)
    finding = Finding(
        "SAI403",
        message or "x",
        Level.WARNING,
        Confidence.HIGH,
        Location(path, 3, 2),
        fingerprint="f",
    )
    report = Report(findings=[finding], rules=[rule], project=ProjectInfo("/r", "/r", "sub dir#%/"))
    log = json.loads(sarif.render(report))
    schema = json.loads((SCHEMAS / "sarif-2.1.0.json").read_text())
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator, format_checker=checker)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ]
    from urllib.parse import unquote

    assert unquote(uri) == "sub dir#%/" + path


def test_schemas_dir_exists() -> None:
    assert Path(SCHEMAS, "sarif-2.1.0.json").is_file()
