"""Shared Python analysis: import aliases, constants, ``**{...}`` kwargs, hub references, levels."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import scan

from sailint.collectors.hubrefs import HubRef, HubReferences
from sailint.collectors.pyresolve import MISSING, UNKNOWN, SourceFacts
from sailint.collectors.python import PythonSource
from sailint.config import Config
from sailint.model import Location
from sailint.project import Project


def facts_of(code: str) -> SourceFacts:
    return SourceFacts(PythonSource("m.py", code, ast.parse(code)))


def test_aliases_constants_and_spread_kwargs() -> None:
    facts = facts_of(
        "from pickle import load as unpickle\n"
        "import torch as t\n"
        "REV = 'a' * 2\n"
        "SHA = '0123456789abcdef0123456789abcdef01234567'\n"
        "ARGS = {'weights_only': True, 'revision': SHA}\n"
        "def f(x):\n"
        "    local = 'inner'\n"
        "    unpickle(x)\n"
        "    t.load(x, **ARGS)\n"
        "    t.load(x, **{'weights_only': False}, map_location=local)\n"
        "    t.load(x, weights_only=flag)\n"
    )
    names = [(site.name, site.node.lineno) for site in facts.calls]
    assert names == [("pickle.load", 8), ("torch.load", 9), ("torch.load", 10), ("torch.load", 11)]
    first, second, third = facts.calls[1:]
    assert facts.kwarg(first, "weights_only") is True
    assert facts.kwarg(first, "revision") == "0123456789abcdef0123456789abcdef01234567"
    assert facts.kwarg(second, "weights_only") is False
    assert facts.kwarg(second, "map_location") == "inner"
    assert facts.kwarg(third, "weights_only") is UNKNOWN
    assert facts.kwarg(third, "mmap") is MISSING
    assert facts.module.constants["REV"] is UNKNOWN  # not a literal: never guessed


def test_rebound_names_are_not_constants() -> None:
    facts = facts_of("MODEL = 'gpt2'\nif x:\n    MODEL = 'distilgpt2'\nf(MODEL)\n")
    assert facts.value(facts.calls[0].node.args[0]) is UNKNOWN


def test_hub_references_interface(tmp_path: Path) -> None:
    (tmp_path / "models" / "local-bert").mkdir(parents=True)
    (tmp_path / "models" / "local-bert" / "config.json").write_text("{}")
    code = (
        "from transformers import AutoModel, pipeline\n"
        "from datasets import load_dataset\n"
        "import torch\n"
        "SHA = '0123456789abcdef0123456789abcdef01234567'\n"
        "AutoModel.from_pretrained('org/base', revision=SHA)\n"
        "AutoModel.from_pretrained('models/local-bert')\n"
        "AutoModel.from_pretrained('local-bert-not-here/../x')\n"
        "pipeline('text-generation', model='gpt2')\n"
        "load_dataset('json', data_files='d.jsonl')\n"
        "load_dataset('org/corpus', revision='v2')\n"
        "torch.hub.load('pytorch/vision:v0.18.0', 'resnet18')\n"
        "AutoModel.from_pretrained('org/dyn', revision=args.revision)\n"
    )
    (tmp_path / "train.py").write_text(code)
    lines = code.splitlines()

    def call_at(line: int) -> Location:  # each call spans its whole line
        return Location("train.py", line, 1, line, len(lines[line - 1]) + 1)

    (tmp_path / "run.json").write_text(
        '{\n  "model_name_or_path": "org/json-model",\n  "revision": "main"\n}\n'
    )
    project = Project(tmp_path, Config())
    refs = project.get(HubReferences).refs
    assert refs == [
        HubRef(
            "org/json-model",
            "main",
            "model",
            Location("run.json", 2, 25),
            "config key model_name_or_path",
        ),
        HubRef(
            "org/base",
            "0123456789abcdef0123456789abcdef01234567",
            "model",
            call_at(5),
            "transformers.AutoModel.from_pretrained",
        ),
        HubRef("gpt2", None, "model", call_at(8), "transformers.pipeline"),
        HubRef("org/corpus", "v2", "dataset", call_at(10), "datasets.load_dataset"),
        HubRef("pytorch/vision", "v0.18.0", "model", call_at(11), "torch.hub.load"),
        HubRef(
            "org/dyn",
            None,
            "model",
            call_at(12),
            "transformers.AutoModel.from_pretrained",
            dynamic_revision=True,
        ),
    ]
    assert [ref.pinned for ref in refs] == [False, True, False, False, False, False]


def test_torch_load_levels_follow_the_torch_pin(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch==2.5.1\n")
    (tmp_path / "ev.py").write_text(
        "import torch\n"
        "a = torch.load('a.pt')\n"
        "b = torch.load('b.pt', weights_only=False)\n"
        "c = torch.load('c.pt', weights_only=flag)\n"
    )
    levels = {f.location.line: f.level.label for f in scan(tmp_path, ["SAI307"]).findings}
    assert levels == {2: "warning", 3: "error", 4: "warning"}
    (tmp_path / "requirements.txt").write_text("torch==2.6.0\n")
    report = scan(tmp_path, ["SAI307"])
    levels = {f.location.line: f.level.label for f in report.findings}
    assert levels == {2: "note", 3: "error", 4: "warning"}
    note = next(f for f in report.findings if f.location.line == 2)
    assert "requirements.txt pins torch ==2.6.0" in note.message


def test_trust_remote_code_is_a_warning_when_the_commit_is_pinned(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "from transformers import AutoModel\n"
        "SHA = '0123456789abcdef0123456789abcdef01234567'\n"
        "AutoModel.from_pretrained('org/m', trust_remote_code=True)\n"
        "AutoModel.from_pretrained('org/m', trust_remote_code=True, revision=SHA)\n"
    )
    levels = {f.location.line: f.level.label for f in scan(tmp_path, ["SAI308"]).findings}
    assert levels == {3: "error", 4: "warning"}


def test_llm_output_finding_points_at_the_source_call(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_text(
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "def run(q):\n"
        "    r = client.responses.create(model='gpt-4o-mini', input=q)\n"
        "    code = r.output_text\n"
        "    exec(code)\n"
        "def other(q):\n"
        "    exec(q)\n"
    )
    findings = scan(tmp_path, ["SAI602"]).findings
    assert [(f.location.line, [r.line for r in f.related]) for f in findings] == [(6, [4])]
    assert findings[0].message == (
        "model output reaches a sink: `exec` executes it as Python (the output comes from line 4)"
    )


def test_llm_functions_are_all_under_llm_prefixes() -> None:
    # A unit that calls nothing under LLM_PREFIXES gets no flow analysis (pyflow.NoLlmFlow, and
    # SAI602 skips it): every direct source of model output (LLM_FUNCTIONS) must be under one of
    # them for that to lose nothing.
    import re

    from sailint.collectors.pyflow import LLM_FUNCTIONS, LLM_PREFIXES

    body = LLM_FUNCTIONS.pattern.removeprefix("^(").removesuffix(")$")
    alternatives, depth, current = [], 0, ""
    for char in body:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            alternatives.append(current)
            current = ""
        else:
            current += char
    alternatives.append(current)
    modules = [re.match(r"[a-z_]+", alternative).group(0) for alternative in alternatives]  # type: ignore[union-attr]
    assert modules and all(f"{module}." in LLM_PREFIXES for module in modules), modules


def test_the_flow_analysis_finds_nothing_where_it_is_skipped() -> None:
    # Every fixture module that calls no LLM library: the full analysis finds no LLM object and
    # no model output in any scope, as NoLlmFlow says without looking.
    from sailint.collectors.pyflow import LlmFlow, NoLlmFlow, calls_llm_library, llm_flow

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    skipped = analysed = 0
    for path in sorted(fixtures.rglob("*.py")):
        code = path.read_text(encoding="utf-8", errors="replace")
        try:
            facts = facts_of(code)
        except (SyntaxError, ValueError, RecursionError):
            continue
        if calls_llm_library(facts):
            analysed += 1
            assert type(llm_flow(facts)) is LlmFlow
            continue
        skipped += 1
        assert isinstance(llm_flow(facts), NoLlmFlow)
        full = LlmFlow(facts)
        for scope in (facts.module, *facts.functions):
            flow = full.of(scope)
            assert not flow.objects and not flow.tainted, (path, scope.node)
    assert skipped > 50 and analysed > 5, (skipped, analysed)


def test_llm_output_through_an_unprefixed_alias_is_still_found(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_text(
        "import litellm as llm\n"
        "import subprocess\n"
        "def run(q):\n"
        "    out = llm.completion(model='m', messages=[q])\n"
        "    subprocess.run(out, shell=True)\n"
    )
    assert [f.location.line for f in scan(tmp_path, ["SAI602"]).findings] == [5]


def test_notebook_findings_map_to_ipynb_lines(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(
        '{"cells": [\n'
        ' {"cell_type": "code", "metadata": {}, "outputs": [], "source": [\n'
        '  "%matplotlib inline\\n",\n'
        '  "import joblib\\n",\n'
        '  "m = joblib.load(\\"m.joblib\\")\\n"\n'
        " ]}\n"
        '], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
    )
    findings = scan(tmp_path, ["SAI306"]).findings
    assert [(f.location.path, f.location.line) for f in findings] == [("nb.ipynb", 5)]


LITERALS = [
    "1", "-1", "+2.5", "'text'", "b'raw'", "None", "True", "...", "(1, 'a', None)", "[1, [2, (3,)]]",
    "{1, 2}", "set()", "{'a': 1, 'b': [1, 2]}", "{}", "()", "1+2j", "-1-2j", "3.5-1j", "--1", "-(1)",
    "1+2", "2j+1", "{**other}", "{[1]: 2}", "{{1}}", "set([1])", "x", "f(1)", "-'a'", "not True",
    "1 if a else 2", "[*a]", "(1, x)", "{'k': v}", "-True", "+1j", "1-2j", "'a' 'b'", "f'{x}'",
]  # fmt: skip


def test_literal_value_is_what_literal_eval_gives() -> None:
    from sailint.collectors.pyresolve import literal_value

    for text in LITERALS:
        node = ast.parse(text, mode="eval").body
        try:
            expected: object = ast.literal_eval(node)
        except (ValueError, TypeError) as error:
            expected = type(error)
        try:
            got: object = literal_value(node)
        except (ValueError, TypeError) as error:
            got = type(error)
        assert got == expected and type(got) is type(expected), text
