"""LLM application code: model output reaching code/shell/HTML sinks, inline system prompts."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from sailint.checks.models_code import Hit
from sailint.collectors.pyflow import calls_llm_library, llm_flow
from sailint.collectors.pyresolve import CallSite, CodeFacts, Scope, SourceFacts, per_unit
from sailint.collectors.python import PythonSource
from sailint.context import RuleContext
from sailint.model import Finding
from sailint.project import Project

CODE_SINKS = {"eval", "exec", "builtins.eval", "builtins.exec", "compile", "pandas.eval"}
SHELL_SINKS = re.compile(
    r"^(os\.(system|popen|exec\w*|spawn\w*)|subprocess\.(run|call|check_call|check_output|Popen|"
    r"getoutput|getstatusoutput)|asyncio\.create_subprocess_(shell|exec)|commands\.getoutput|"
    r"pexpect\.(spawn|run))$"
)
HTML_SINKS = re.compile(
    r"^(markupsafe\.Markup|flask\.Markup|jinja2\.Markup|django\.utils\.safestring\.mark_safe|"
    r"(fastapi|starlette)\.responses\.HTMLResponse|gradio\.HTML|IPython\.display\.(HTML|"
    r"display_html)|flask\.render_template_string|jinja2\.Template|quart\.render_template_string)$"
)
UNSAFE_HTML_KWARG = "unsafe_allow_html"


def _sink(facts: SourceFacts, site: CallSite) -> str | None:
    name, call, scope = site.name, site.node, site.scope
    if name in CODE_SINKS:
        return f"`{name}` executes it as Python"
    if SHELL_SINKS.match(name):
        return f"`{name}` runs it as a command"
    if HTML_SINKS.match(name):
        return f"`{name}` renders it as HTML without escaping"
    if facts.kwarg_at(call, UNSAFE_HTML_KWARG, scope) is True:
        label = name or "the call"
        return f"`{label}(..., unsafe_allow_html=True)` renders it as HTML without escaping"
    return None


def _llm_output_hits(facts: SourceFacts) -> Iterator[tuple[Hit, ast.AST]]:
    """SAI602: an LLM result flows, within one function, into a dangerous sink."""
    # Model output starts at a call of an LLM library (LLM_FUNCTIONS are among LLM_PREFIXES) or
    # at a call on an object one built: a unit with no call into those libraries has none.
    if not calls_llm_library(facts):
        return
    flow = None  # the flow analysis is only worth running once a sink is found
    for site in facts.calls:
        effect = _sink(facts, site)
        if effect is None:
            continue
        flow = flow or llm_flow(facts)
        scope_flow = flow.of(site.scope)
        arguments = [*site.node.args, *(k.value for k in site.node.keywords)]
        for argument in arguments:
            origin = flow.origin(argument, scope_flow)
            if origin is not None:
                yield (
                    Hit(site.node, f"model output reaches a sink: {effect}"),
                    origin,
                )
                break


@per_unit
def unsafe_llm_output_handling(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI602 unsafe-llm-output-handling."""
    facts = ctx.project.get(CodeFacts).of(source)
    for hit, origin in _llm_output_hits(facts):
        related = source.location(origin)
        yield ctx.finding(
            source.location(hit.node),
            message=f"{hit.message} (the output comes from line {related.line})",
            related=[related],
        )


# -- SAI405 ------------------------------------------------------------------------------

PROMPT_DOC_DIRS = re.compile(r"(^|/)prompts?/", re.IGNORECASE)
PROMPT_DOC_NAMES = re.compile(r"(^|/)[^/]*prompt[^/]*\.(md|rst|txt|ya?ml|json)$", re.IGNORECASE)
PROMPT_METADATA = re.compile(r"^\s*(owner|purpose|version)\s*:", re.IGNORECASE | re.MULTILINE)


def _text_length(facts: SourceFacts, node: ast.AST | None, scope: Scope) -> int:
    """Length of the literal text of a prompt (f-string placeholders count as nothing)."""
    if node is None:
        return 0
    if isinstance(node, ast.JoinedStr):
        return sum(
            len(p.value)
            for p in node.values
            if isinstance(p, ast.Constant) and isinstance(p.value, str)
        )
    value = facts.string(node, scope)
    return len(value) if value is not None else 0


def _prompt_nodes(facts: SourceFacts) -> Iterator[tuple[ast.AST, ast.AST | None, Scope]]:
    """(anchor, prompt text node, scope) for each inline system prompt."""
    for site in facts.calls:
        call, scope = site.node, site.scope
        if site.method in ("SystemMessage", "SystemMessagePromptTemplate") or site.name.endswith(
            "SystemMessagePromptTemplate.from_template"
        ):
            yield (
                call,
                facts.argument(call, "content", 0, scope)
                or facts.argument(call, "template", 0, scope),
                scope,
            )
        if site.method in ("create", "stream", "generate_content", "chat"):
            system = facts.argument(call, "system", None, scope)
            if system is not None:
                yield call, system, scope
        if site.method in ("from_messages", "ChatPromptTemplate"):
            messages = facts.argument(call, "messages", 0, scope)
            for element in getattr(messages, "elts", []):
                if (
                    isinstance(element, ast.Tuple)
                    and len(element.elts) == 2
                    and facts.string(element.elts[0], scope) == "system"
                ):
                    yield element, element.elts[1], scope
    for node in facts.dicts:
        keys = {
            k.value: v
            for k, v in zip(node.keys, node.values, strict=False)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
        role = keys.get("role")
        if isinstance(role, ast.Constant) and role.value in ("system", "developer"):
            yield node, keys.get("content"), facts.module


def _prompt_registry_text(project: Project) -> str:
    """Text of documented prompt files / registries (with owner, purpose or version metadata)."""
    cached = project.get(CodeFacts).derived.get("prompt_registry")
    if isinstance(cached, str):
        return cached
    texts = []
    for path in project.files:
        if PROMPT_DOC_DIRS.search(path) or PROMPT_DOC_NAMES.search(path):
            text = project.text(path)
            if text and PROMPT_METADATA.search(text):
                texts.append(text)
    joined = "\n".join(texts)
    project.get(CodeFacts).derived["prompt_registry"] = joined
    return joined


def _holder_name(facts: SourceFacts, node: ast.AST | None) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


@per_unit
def undocumented_system_prompt(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI405 undocumented-system-prompt."""
    facts = ctx.project.get(CodeFacts).of(source)
    minimum = int(ctx.option("min-length"))
    registry: str | None = None
    seen: set[int] = set()
    for anchor, text, scope in _prompt_nodes(facts):
        length = _text_length(facts, text, scope)
        line = getattr(anchor, "lineno", 0)
        if length < minimum or line in seen:
            continue
        if registry is None:
            registry = _prompt_registry_text(ctx.project)
        holder = _holder_name(facts, text)
        if source.path in registry or (holder is not None and holder in registry):
            continue
        seen.add(line)
        yield ctx.finding(
            source.location(anchor),
            message=f"a {length}-character system prompt is defined inline and is not "
            "documented in a prompt file or registry (owner, purpose, version)",
        )
