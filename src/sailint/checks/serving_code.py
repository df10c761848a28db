"""Model serving code: insecure defaults, unauthenticated and unlogged inference routes."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from sailint.checks.models_code import Hit, _cli_strings
from sailint.collectors.pyflow import LLM_PREFIXES, Route, calls_model, llm_flow, routes
from sailint.collectors.pyresolve import MISSING, CodeFacts, SourceFacts, per_unit
from sailint.collectors.python import PythonSource
from sailint.context import RuleContext
from sailint.model import Finding

PUBLIC_HOSTS = ("0.0.0.0", "::", "[::]")  # nosec B104 - these are what the rule looks for
JUPYTER_NO_AUTH = re.compile(
    r"--(NotebookApp|ServerApp|IdentityProvider)\.(token|password)=(''|\"\"|\s|$)|"
    r"--(NotebookApp|ServerApp)\.disable_check_xsrf=True"
)
RAY_PUBLIC = re.compile(r"--dashboard[-_]host[=\s]+['\"]?(0\.0\.0\.0|::)")
MLFLOW_PUBLIC = re.compile(r"\bmlflow\s+(server|ui)\b[^\n]*--host[=\s]+['\"]?(0\.0\.0\.0|::)")
INFERENCE_URL = re.compile(r"(/v1/|predict|infer|generat|complet|chat|embed|model)", re.I)
AUTH_WORDS = re.compile(
    r"auth|user|token|api_?key|verify|credential|current|jwt|oauth|login|permission|principal|"
    r"session|secur|bearer|guard|require",
    re.IGNORECASE,
)
AUTH_MIDDLEWARE = re.compile(r"auth|session|jwt|oauth|keycloak|okta|cognito", re.IGNORECASE)
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
LOGGER_NAMES = re.compile(r"log|audit", re.IGNORECASE)
TRACE_DECORATORS = re.compile(r"observe|traceable|trace|span|instrument|track|logfire", re.I)
INSTRUMENTATION = re.compile(
    r"(Instrumentor|instrument_(app|fastapi|flask|starlette|openai|httpx|requests)|"
    r"^openlit\.init|^logfire\.|^langfuse|^langsmith|\.autolog$|^traceloop|^opentelemetry\."
    r"instrumentation|^sentry_sdk\.init|^weave\.init|^phoenix|^arize)"
)


def _public(value: object) -> bool:
    return isinstance(value, str) and value in PUBLIC_HOSTS


def serving_default_hits(facts: SourceFacts) -> Iterator[Hit]:
    """SAI601: debug/reload servers, public Gradio links, auth-less notebooks and dashboards."""
    flask = facts.imports_any("flask", "quart")
    gradio = facts.imports_any("gradio")
    llm = any(facts.imports.imports(prefix.rstrip(".")) for prefix in LLM_PREFIXES)
    for site in facts.calls:
        name, method = site.name, site.method
        if method == "run" and flask and facts.kwarg(site, "debug") is True:
            yield Hit(site.node, "Flask `run(debug=True)` serves the Werkzeug debugger, which "
                      "executes code for whoever reaches it")  # fmt: skip
        elif name == "uvicorn.run":
            for flag in ("reload", "debug"):
                if facts.kwarg(site, flag) is True:
                    yield Hit(site.node, f"`uvicorn.run({flag}=True)` is a development setting "
                              "in a serving entry point")  # fmt: skip
        elif name == "fastapi.FastAPI" and facts.kwarg(site, "debug") is True:
            yield Hit(site.node, "`FastAPI(debug=True)` returns tracebacks to callers")
        elif method == "launch" and gradio:
            if facts.kwarg(site, "share") is True:
                yield Hit(site.node, "Gradio `launch(share=True)` publishes the app on a public "
                          "gradio.live link")  # fmt: skip
            elif _public(facts.kwarg(site, "server_name")) and facts.kwarg(site, "auth") in (
                MISSING,
                None,
            ):
                yield Hit(site.node, "Gradio app bound to all interfaces without `auth=`")
        elif name == "ray.init" and _public(facts.kwarg(site, "dashboard_host")):
            yield Hit(site.node, "Ray dashboard bound to all interfaces (it has no auth)")
        elif facts.kwarg(site, "verify") is False:
            url = facts.string(site.node.args[0], site.scope) if site.node.args else None
            if llm or (url and INFERENCE_URL.search(url)):
                yield Hit(site.node, f"`{name or method}(..., verify=False)` disables TLS "
                          "certificate checks on a model API client")  # fmt: skip
    for where, command in _cli_strings(facts):
        if JUPYTER_NO_AUTH.search(command):
            yield Hit(where, "Jupyter started with an empty token/password (no authentication)")
        if RAY_PUBLIC.search(command):
            yield Hit(where, "Ray dashboard bound to all interfaces (it has no auth)")
        if MLFLOW_PUBLIC.search(command) and "basic-auth" not in command:
            yield Hit(
                where, "MLflow server bound to all interfaces without `--app-name basic-auth`"
            )
        if "streamlit" in command:
            yield from _streamlit_hits(where, command)
    for node in facts.assignments:
        # jupyter_server_config.py: c.ServerApp.token = ""
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute):
            target = facts.imports.qualify(node.targets[0]) or ""
            if re.fullmatch(r"c\.(NotebookApp|ServerApp)\.(token|password)", target) and (
                facts.value(node.value) == ""
            ):
                yield Hit(node, f"`{target} = ''` disables Jupyter authentication")


def _streamlit_hits(where: ast.AST | int, command: str) -> Iterator[Hit]:
    """A ``streamlit run`` command line in code that turns off its XSRF protection."""
    # The shell and launch-flag readers: imported only for code that starts Streamlit.
    from sailint.collectors.cliflags import (
        is_streamlit,
        streamlit_cli_settings,
        streamlit_message,
        streamlit_unprotected,
    )
    from sailint.collectors.shell import parse_shell

    shell = command.lstrip().lstrip("!")  # a notebook `!` line is shell after the `!`
    for parsed in parse_shell(shell).commands:
        settings = streamlit_cli_settings(parsed) if is_streamlit(parsed) else {}
        xsrf = streamlit_unprotected(settings)
        if xsrf is not None:
            yield Hit(where, streamlit_message(xsrf, settings))


def _emit(source: PythonSource, ctx: RuleContext, hits: Iterator[Hit]) -> Iterator[Finding]:
    for hit in hits:
        if isinstance(hit.node, int):
            yield ctx.finding(source.path, hit.node, hit.message, level=hit.level)
        else:
            yield ctx.finding(source.location(hit.node), message=hit.message, level=hit.level)


@per_unit
def insecure_serving_default(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI601 insecure-serving-default."""
    yield from _emit(source, ctx, serving_default_hits(ctx.project.get(CodeFacts).of(source)))


def _callable_name(facts: SourceFacts, node: ast.AST) -> str:
    if isinstance(node, ast.Call) and node.args:
        return facts.imports.qualify(node.args[0]) or ""
    return ""


def _is_dependency(facts: SourceFacts, node: ast.AST | None) -> bool:
    """``Depends(get_current_user)`` / ``Security(api_key)``: an auth dependency."""
    if not isinstance(node, ast.Call):
        return False
    name = facts.imports.qualify(node.func) or ""
    if name.endswith("Security"):
        return True
    return name.endswith("Depends") and bool(AUTH_WORDS.search(_callable_name(facts, node)))


def _has_auth_dependency(facts: SourceFacts, nodes: list[ast.AST]) -> bool:
    return any(
        _is_dependency(facts, sub) or (isinstance(sub, ast.Name) and "Credentials" in sub.id)
        for node in nodes
        for sub in ast.walk(node)
    )


def _module_auth(facts: SourceFacts) -> bool:
    """App-wide auth: app/router dependencies, auth middleware, a before_request hook."""
    cached = facts.derived.get("module_auth")
    if isinstance(cached, bool):
        return cached
    found = False
    for site in facts.calls:
        if site.name.endswith(("FastAPI", "APIRouter")) or site.method == "include_router":
            deps = facts.keywords(site.node).get("dependencies")
            found = found or (deps is not None and _has_auth_dependency(facts, [deps]))
        if site.method == "add_middleware" and site.node.args:
            found = found or bool(
                AUTH_MIDDLEWARE.search(facts.imports.qualify(site.node.args[0]) or "")
            )
    for scope in facts.functions:
        function = scope.node
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in (
                "before_request",
                "middleware",
            ):
                found = found or bool(AUTH_WORDS.search(ast.unparse(function)))
    facts.derived["module_auth"] = found
    return found


def _route_authenticated(facts: SourceFacts, route: Route) -> bool:
    function = route.function
    if _has_auth_dependency(facts, [*function.args.defaults, *function.args.kw_defaults]):  # type: ignore[list-item]
        return True
    annotations = [
        a.annotation for a in function.args.args + function.args.kwonlyargs if a.annotation
    ]
    if _has_auth_dependency(facts, annotations):  # type: ignore[arg-type]
        return True
    deps = facts.keywords(route.decorator).get("dependencies")
    if deps is not None and _has_auth_dependency(facts, [deps]):
        return True
    for decorator in function.decorator_list:
        if decorator is not route.decorator:
            label = facts.imports.qualify(
                decorator.func if isinstance(decorator, ast.Call) else decorator
            )
            if label and AUTH_WORDS.search(label):
                return True
    body = ast.unparse(ast.Module(body=function.body, type_ignores=[]))
    if re.search(
        r"status_code\s*=\s*40[13]|abort\(\s*40[13]|HTTP_40[13]|[Aa]uthorization|api[-_]key", body
    ):
        return True
    return _module_auth(facts)


def _inference_routes(facts: SourceFacts) -> list[Route]:
    """Routes whose handler calls a model or an LLM client (SAI603 and SAI604 share them)."""
    cached = facts.derived.get("inference_routes")
    if isinstance(cached, list):
        return cached
    found = list(routes(facts))
    if found:  # else the flow analysis is not needed
        flow = llm_flow(facts)
        found = [route for route in found if calls_model(facts, flow, route.scope)]
    facts.derived["inference_routes"] = found
    return found


def _path(facts: SourceFacts, route: Route) -> str:
    found = facts.string(route.decorator.args[0]) if route.decorator.args else None
    return found or ""


@per_unit
def unauthenticated_inference_route(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI603 unauthenticated-inference-route."""
    facts = ctx.project.get(CodeFacts).of(source)
    for route in _inference_routes(facts):
        if not _route_authenticated(facts, route):
            yield ctx.finding(
                source.location(route.decorator),
                message=f"inference route {_path(facts, route)!r} ({route.function.name}) calls "
                "a model but has no authentication dependency or decorator",
            )


def _module_traced(facts: SourceFacts) -> bool:
    cached = facts.derived.get("module_traced")
    if isinstance(cached, bool):
        return cached
    found = any(INSTRUMENTATION.search(site.name) for site in facts.calls)
    found = (
        found
        or "LANGCHAIN_TRACING_V2" in facts.source.text
        or "LANGSMITH_TRACING" in facts.source.text
    )
    for scope in facts.functions:
        function = scope.node
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr == "middleware":
                found = found or _logs(facts, function.body)
    facts.derived["module_traced"] = found
    return found


def _logs(facts: SourceFacts, body: list[ast.stmt]) -> bool:
    for statement in body:
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            name = facts.imports.qualify(node.func) or ""
            if name.startswith(("logging.", "structlog.", "loguru.", "mlflow.log", "wandb.log")):
                return True
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in LOG_METHODS:
                receiver = facts.imports.qualify(func.value) or ""
                if LOGGER_NAMES.search(receiver):
                    return True
            if isinstance(func, ast.Attribute) and func.attr.startswith("start_as_current_span"):
                return True
    return False


@per_unit
def unlogged_inference_route(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI604 unlogged-inference-route."""
    facts = ctx.project.get(CodeFacts).of(source)
    for route in _inference_routes(facts):
        function = route.function
        decorated = any(
            TRACE_DECORATORS.search(ast.unparse(d))
            for d in function.decorator_list
            if d is not route.decorator
        )
        if decorated or _logs(facts, function.body) or _module_traced(facts):
            continue
        yield ctx.finding(
            source.location(route.decorator),
            message=f"inference route {_path(facts, route)!r} ({function.name}) neither logs its "
            "input nor is covered by tracing or telemetry",
        )
