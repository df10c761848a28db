"""The pipeline readers never raise on arbitrary text (bad input gives problems, not tracebacks)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sailint.collectors.dockerfiles import parse_dockerfile, run_shell
from sailint.collectors.shell import parse_shell
from sailint.collectors.shellsources import makefile_recipes
from sailint.collectors.yamlnodes import YamlError, compose

# Text biased towards the characters the readers treat specially.
SPECIAL = st.sampled_from(
    [*list("\\'\"`$(){}<>|&;#\n\t =-@:*[]!"), "<<EOF", "EOF", "RUN ", "FROM "]
)
TEXT = st.lists(st.one_of(SPECIAL, st.text(max_size=5)), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_shell_reader_total(text: str) -> None:
    script = parse_shell(text)
    lines = text.count("\n") + 1
    for command in script.commands:
        assert command.words
        assert 1 <= command.line <= lines + 1


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_dockerfile_reader_total(text: str) -> None:
    parsed = parse_dockerfile("Dockerfile", text)
    for instruction in parsed.instructions:
        assert instruction.line >= 1
        if instruction.keyword == "RUN":
            for body, numbers in run_shell(instruction):
                parse_shell(body)
                assert all(n >= 1 for n in numbers)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_makefile_and_yaml_readers_total(text: str) -> None:
    makefile_recipes(text)
    try:
        compose(text, limit=10_000)
    except YamlError as error:
        assert error.line >= 1
