"""LLM clients, model objects, their results (intra-procedural taint) and web routes in code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sailint.collectors.pyresolve import Scope, SourceFacts

LLM_PREFIXES = (
    "openai.", "anthropic.", "langchain", "llama_index.", "litellm.", "vllm.", "cohere.",
    "mistralai.", "groq.", "google.generativeai.", "google.genai.", "ollama.", "replicate.",
    "together.", "huggingface_hub.InferenceClient", "huggingface_hub.AsyncInferenceClient",
    "transformers.pipeline", "instructor.", "dspy.", "guidance.",
)  # fmt: skip
# Calls that return model output directly (module functions rather than client methods).
LLM_FUNCTIONS = re.compile(
    r"^(litellm\.(a?completion|text_completion|a?responses)|openai\.(ChatCompletion|Completion)"
    r"\.a?create|ollama\.(chat|generate)|replicate\.run|vllm\.LLM\.generate)$"
)
# Methods of LLM objects that configure and return another object, not model output.
CONFIG_METHODS = {
    "bind_tools", "with_structured_output", "with_config", "bind", "with_retry", "with_fallbacks",
    "configurable_fields", "as_retriever", "pipe", "partial", "from_template", "from_messages",
    "with_options", "copy",
}  # fmt: skip
MODEL_FACTORIES = re.compile(
    r"(\.from_pretrained|^transformers\.pipeline|\.load_model|^joblib\.load|^torch\.load|"
    r"^torch\.jit\.load|^pickle\.loads?|^onnxruntime\.InferenceSession|SentenceTransformer|"
    r"CrossEncoder|^tensorflow\.saved_model\.load|^mlflow\.\w+\.load_model|^xgboost\.Booster|"
    r"^vllm\.LLM|\.load_from_checkpoint)$"
)
MODEL_METHODS = {
    "predict", "predict_proba", "generate", "encode", "run", "forward", "transform", "infer",
    "invoke", "ainvoke", "stream", "astream", "batch", "chat", "complete", "embed_query",
    "embed_documents", "create", "classify", "score", "detect", "decode_image",
}  # fmt: skip
ROUTE_METHODS = {"get", "post", "put", "delete", "patch", "route", "api_route", "websocket"}
# Calls whose result is safe to render or run even when their input is model output.
SANITIZERS = re.compile(
    r"^(html\.escape|markupsafe\.escape|markupsafe\.Markup\.escape|bleach\.clean|nh3\.clean|"
    r"shlex\.quote|ast\.literal_eval|int|float|bool|len)$"
)
WEB_LIBRARIES = ("fastapi", "flask", "starlette", "quart", "sanic", "litestar", "aiohttp")


@dataclass
class FlowScope:
    """LLM objects and tainted (model-output) names of one scope."""

    objects: set[str] = field(default_factory=set)
    tainted: dict[str, ast.AST] = field(default_factory=dict)  # name -> source call


def _names(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _scope_statements(scope: Scope) -> Iterator[ast.AST]:
    """Nodes of the scope's own body (nested functions and classes excluded)."""
    body = getattr(scope.node, "body", [])
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


class LlmFlow:
    """Where LLM output originates and which names carry it, per scope of one unit."""

    def __init__(self, facts: SourceFacts) -> None:
        """Analyse the module scope once; function scopes on demand."""
        self.facts = facts
        self._scopes: dict[int, FlowScope] = {}
        self.module = FlowScope()  # placeholder while the module scope itself is analysed
        self.module = self.of(facts.module)

    def is_llm_constructor(self, call: ast.Call) -> bool:
        """``OpenAI()``, ``ChatOpenAI(...)``, ``pipeline("text-generation")``, ``LLM(...)``."""
        name = self.facts.imports.qualify(call.func) or ""
        return name.startswith(LLM_PREFIXES) and not LLM_FUNCTIONS.match(name)

    def is_source(self, call: ast.Call, flow: FlowScope) -> bool:
        """True if ``call`` returns model output (an LLM function, or a call on an LLM object)."""
        name = self.facts.imports.qualify(call.func) or ""
        if LLM_FUNCTIONS.match(name):
            return True
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in CONFIG_METHODS:
            return False
        root = _root(func)
        if isinstance(root, ast.Name) and (
            root.id in flow.objects or root.id in self.module.objects
        ):
            return True
        return isinstance(func, ast.Attribute) and any(
            isinstance(inner, ast.Call) and self.is_llm_constructor(inner)
            for inner in ast.walk(func.value)
        )

    def source_call(self, node: ast.AST, flow: FlowScope) -> ast.Call | None:
        """The LLM call inside ``node`` whose result is model output, if any."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and self.is_source(sub, flow):
                return sub
        return None

    def _is_object(self, value: ast.AST, flow: FlowScope) -> bool:
        if isinstance(value, ast.Call):
            if self.is_llm_constructor(value):
                return True
            func = value.func
            if isinstance(func, ast.Attribute) and func.attr in CONFIG_METHODS:
                return self._is_object(func.value, flow) or self._names_objects(func.value, flow)
            return False
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):
            return self._names_objects(value, flow) or any(
                isinstance(sub, ast.Call) and self.is_llm_constructor(sub)
                for sub in ast.walk(value)
            )
        if isinstance(value, ast.Name):
            return value.id in flow.objects or value.id in self.module.objects
        return False

    def _names_objects(self, node: ast.AST, flow: FlowScope) -> bool:
        return any(n in flow.objects or n in self.module.objects for n in _names(node))

    def origin(self, node: ast.AST, flow: FlowScope) -> ast.AST | None:
        """The LLM call that ``node``'s value comes from, or None when it is not model output."""
        if isinstance(node, ast.Name):
            return flow.tainted.get(node.id)
        if isinstance(node, ast.Call):
            if SANITIZERS.match(self.facts.imports.qualify(node.func) or ""):
                return None
            if self.is_source(node, flow):
                return node
        if isinstance(node, ast.Subscript):
            # TABLE[model_choice] picks one of our own values: only the container matters.
            return self.origin(node.value, flow)
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        for child in ast.iter_child_nodes(node):
            found = self.origin(child, flow)
            if found is not None:
                return found
        return None

    def of(self, scope: Scope) -> FlowScope:
        """Objects and tainted names of ``scope``, to a fixpoint over its assignments."""
        key = id(scope.node)
        if key in self._scopes:
            return self._scopes[key]
        flow = FlowScope()
        self._scopes[key] = flow
        assignments: list[tuple[list[ast.AST], ast.AST]] = []
        for node in _scope_statements(scope):
            if isinstance(node, ast.Assign):
                assignments.append((list(node.targets), node.value))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and node.value:
                assignments.append(([node.target], node.value))
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                assignments.append(([node.target], node.iter))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        assignments.append(([item.optional_vars], item.context_expr))
        changed = True
        while changed:
            changed = False
            for targets, value in assignments:
                names = [n for target in targets for n in _names(target)]
                if self._is_object(value, flow):
                    new = set(names) - flow.objects
                    flow.objects.update(new)
                    changed = changed or bool(new)
                    continue
                source = self.origin(value, flow)
                if source is not None:
                    for name in names:
                        if name not in flow.tainted and name not in flow.objects:
                            flow.tainted[name] = source
                            changed = True
        return flow


@dataclass(frozen=True)
class Route:
    """A web route handler: its function, the decorator that registers it, and the framework."""

    function: ast.FunctionDef | ast.AsyncFunctionDef
    decorator: ast.Call
    framework: str  # "fastapi" | "flask" | "web"
    scope: Scope


def routes(facts: SourceFacts) -> Iterator[Route]:
    """Functions registered as HTTP routes (``@app.post("/x")``, ``@bp.route("/x")``)."""
    if not facts.imports_any(*WEB_LIBRARIES):
        return
    framework = (
        "fastapi"
        if facts.imports_any("fastapi", "starlette")
        else "flask"
        if facts.imports_any("flask", "quart")
        else "web"
    )
    for scope in facts.functions:
        function = scope.node
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for decorator in function.decorator_list:
            if not (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in ROUTE_METHODS
            ):
                continue
            path = facts.string(decorator.args[0]) if decorator.args else None
            path = path or facts.string(facts.keywords(decorator).get("path"))
            if path is not None and path.startswith("/"):
                yield Route(function, decorator, framework, scope)
                break


def _factory_objects(facts: SourceFacts, scope: Scope) -> set[str]:
    """Names ``scope``'s own statements bind to a model factory's result (cached per scope)."""
    cache = facts.derived.setdefault("factory_objects", {})
    found = cache.get(id(scope.node))
    if found is None:
        found = set()
        for node in _scope_statements(scope):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                name = facts.imports.qualify(node.value.func) or ""
                if MODEL_FACTORIES.search(name):
                    found.update(n for t in node.targets for n in _names(t))
        cache[id(scope.node)] = found
    return found  # type: ignore[no-any-return]


def model_objects(facts: SourceFacts, flow: LlmFlow, scope: Scope) -> set[str]:
    """Names bound to loaded models, pipelines or LLM clients in ``scope`` or the module."""
    return (
        flow.module.objects
        | flow.of(scope).objects
        | _factory_objects(facts, facts.module)
        | _factory_objects(facts, scope)
    )


def calls_model(facts: SourceFacts, flow: LlmFlow, scope: Scope, depth: int = 1) -> bool:
    """True if the scope calls a model or LLM client (through one local helper at most)."""
    objects = model_objects(facts, flow, scope)
    local = {s.node.name: s for s in facts.functions if s.parent is facts.module}  # type: ignore[attr-defined]
    for node in _scope_statements(scope):
        if not isinstance(node, ast.Call):
            continue
        if flow.source_call(node, flow.of(scope)) is not None:
            return True
        func = node.func
        root = _root(func)
        if (
            isinstance(root, ast.Name)
            and root.id in objects
            and (
                isinstance(func, ast.Name)
                or (isinstance(func, ast.Attribute) and func.attr in MODEL_METHODS)
            )
        ):
            return True
        if isinstance(func, ast.Name) and func.id in local and depth > 0:
            helper = local[func.id]
            if helper is not scope and calls_model(facts, flow, helper, depth - 1):
                return True
    return False


def calls_llm_library(facts: SourceFacts) -> bool:
    """True if the unit calls anything of an LLM library (LLM_PREFIXES)."""
    found = facts.derived.get("calls_llm_library")
    if not isinstance(found, bool):
        found = any(site.name.startswith(LLM_PREFIXES) for site in facts.calls)
        facts.derived["calls_llm_library"] = found
    return found


class NoLlmFlow(LlmFlow):
    """The flow of a unit that calls no LLM library: no LLM objects, no model output.

    Every LLM object is built by a call under LLM_PREFIXES and every source of model output is
    such a call (LLM_FUNCTIONS are among LLM_PREFIXES, tests/test_code_analysis.py) or a call
    on such an object, so without those calls the analysis would find nothing: skip it.
    """

    def __init__(self, facts: SourceFacts) -> None:
        """No analysis: every scope is empty."""
        self.facts = facts
        self.module = FlowScope()

    def of(self, scope: Scope) -> FlowScope:
        """See ``LlmFlow.of``: always empty here."""
        return FlowScope()

    def source_call(self, node: ast.AST, flow: FlowScope) -> ast.Call | None:
        """See ``LlmFlow.source_call``: never one here."""
        return None

    def origin(self, node: ast.AST, flow: FlowScope) -> ast.AST | None:
        """See ``LlmFlow.origin``: never model output here."""
        return None


def llm_flow(facts: SourceFacts) -> LlmFlow:
    """The unit's LLM flow analysis (computed once and shared by the rules)."""
    flow = facts.derived.get("llm_flow")
    if not isinstance(flow, LlmFlow):
        flow = LlmFlow(facts) if calls_llm_library(facts) else NoLlmFlow(facts)
        facts.derived["llm_flow"] = flow
    return flow
