"""Unsafe model and data loading in Python code and notebooks (SAI306-SAI310)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sailint.collectors.pins import PackagePins
from sailint.collectors.pyresolve import MISSING, CodeFacts, SourceFacts, is_commit_sha, per_unit
from sailint.collectors.python import PythonSource
from sailint.context import RuleContext
from sailint.model import Finding, Level
from sailint.project import Project

PICKLE_CALLS = {
    **{f"{m}.{f}": m for m in ("pickle", "cPickle", "_pickle", "dill", "cloudpickle", "pickle5")
       for f in ("load", "loads", "Unpickler")},
    "joblib.load": "joblib",
    "sklearn.externals.joblib.load": "joblib",
    "pandas.read_pickle": "pandas",
    "shelve.open": "shelve",
    "shelve.DbfilenameShelf": "shelve",
    "jsonpickle.decode": "jsonpickle",
    "jsonpickle.unpickler.decode": "jsonpickle",
    "jsonpickle.unpickler.Unpickler": "jsonpickle",
    "torch.package.PackageImporter": "torch.package",
    "torch.package.package_importer.PackageImporter": "torch.package",
}  # fmt: skip
YAML_UNSAFE = {"yaml.unsafe_load", "yaml.unsafe_load_all"}
YAML_LOADING = {"yaml.load", "yaml.load_all"}
SAFE_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")
TORCH_LOADS = {"torch.load", "torch.serialization.load"}
TORCH_SAFE_DEFAULT = "2.6"
DANGEROUS_FLAGS = (
    "allow_dangerous_deserialization",
    "allow_dangerous_code",
    "allow_dangerous_requests",
)
TRUST_REMOTE_CLI = re.compile(r"--trust[-_]remote[-_]code\b(?!\s*(?:=\s*)?(?:false|False|0)\b)")
CLI_REVISION = re.compile(r"--(?:model[-_])?revision[=\s]+['\"]?([0-9a-f]{40})\b")
SHELL_CALLS = ("subprocess.", "os.system", "os.popen", "os.exec", "os.spawn")


@dataclass(frozen=True)
class Hit:
    """One occurrence a code rule reports: where, what, and an optional level override."""

    node: ast.AST | int  # AST node, or 1-based unit line (notebook magics)
    message: str
    level: Level | None = None


def _facts(source: PythonSource, project: Project) -> SourceFacts:
    return project.get(CodeFacts).of(source)


def _emit(source: PythonSource, ctx: RuleContext, hits: Iterator[Hit]) -> Iterator[Finding]:
    for hit in hits:
        yield ctx.finding(source.location(hit.node), message=hit.message, level=hit.level)


def _safe_loader(facts: SourceFacts, node: ast.expr) -> bool:
    name = facts.imports.qualify(node) or ""
    if name.endswith(SAFE_LOADERS):
        return True
    # class MyLoader(yaml.SafeLoader): ... is a safe loader too.
    for statement in facts.source.tree.body:
        if isinstance(statement, ast.ClassDef) and statement.name == name:
            return any(
                (facts.imports.qualify(b) or "").endswith(SAFE_LOADERS) for b in statement.bases
            )
    return False


def unsafe_deserialization_hits(facts: SourceFacts) -> Iterator[Hit]:
    """SAI306: pickle-family loads, numpy allow_pickle, yaml without a safe loader."""
    for site in facts.calls:
        name = site.name
        if name in PICKLE_CALLS:
            yield Hit(
                site.node,
                f"`{name}` deserializes with pickle semantics: loading an untrusted or tampered "
                "file runs arbitrary code",
            )
        elif name == "numpy.load" and facts.kwarg(site, "allow_pickle") is True:
            yield Hit(
                site.node,
                "`numpy.load(..., allow_pickle=True)` unpickles object arrays: an untrusted "
                ".npy/.npz file runs arbitrary code",
            )
        elif name in YAML_UNSAFE:
            yield Hit(site.node, f"`{name}` constructs arbitrary Python objects from YAML")
        elif name in YAML_LOADING:
            loader = facts.argument(site.node, "Loader", 1, site.scope)
            if loader is None or not _safe_loader(facts, loader):
                yield Hit(
                    site.node,
                    f"`{name}` without `Loader=yaml.SafeLoader` can construct arbitrary Python "
                    "objects; use `yaml.safe_load`",
                )


@per_unit
def unsafe_deserialization(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI306 unsafe-deserialization-call."""
    yield from _emit(source, ctx, unsafe_deserialization_hits(_facts(source, ctx.project)))


def _torch_safe_default(project: Project) -> str | None:
    pin = project.get(PackagePins).get("torch")
    if pin is None:
        return None
    from packaging.version import Version

    known = pin.version or pin.floor
    if known is not None and known >= Version(TORCH_SAFE_DEFAULT):
        return f"{pin.path} pins torch {'==' if pin.version else '>='}{known}"
    return None


def _torch_load_hits(facts: SourceFacts, project: Project) -> Iterator[Hit]:
    """SAI307: ``torch.load`` without a literal ``weights_only=True``."""
    safe_default: str | bool | None = False  # looked up lazily, once per unit
    for site in facts.calls:
        if site.name not in TORCH_LOADS:
            continue
        value = facts.kwarg(site, "weights_only")
        if value is True:
            continue
        if value is False:
            yield Hit(
                site.node,
                f"`{site.name}(..., weights_only=False)` unpickles the whole checkpoint: a "
                "malicious file runs code on load",
                Level.ERROR,
            )
            continue
        if value is MISSING:
            if safe_default is False:
                safe_default = _torch_safe_default(project)
            if isinstance(safe_default, str):
                yield Hit(
                    site.node,
                    f"`{site.name}` relies on the weights_only default ({safe_default}, where "
                    "it is True); pass `weights_only=True` so a downgrade cannot make it unsafe",
                    Level.NOTE,
                )
                continue
        yield Hit(
            site.node,
            f"`{site.name}` without `weights_only=True` unpickles arbitrary objects (the "
            "default is False before torch 2.6)",
        )


@per_unit
def torch_load_unsafe(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI307 torch-load-unsafe."""
    yield from _emit(source, ctx, _torch_load_hits(_facts(source, ctx.project), ctx.project))


def _cli_strings(facts: SourceFacts) -> Iterator[tuple[ast.AST | int, str]]:
    """Command lines the unit runs: ``!``/``%`` magics and strings passed to subprocess."""
    for magic in facts.source.magics:
        yield magic.location.line, magic.text
    for site in facts.calls:
        if not site.name.startswith(SHELL_CALLS):
            continue
        pieces = []
        for arg in site.node.args[:1]:
            value = facts.value(arg, site.scope)
            if isinstance(value, str):
                pieces.append(value)
            elif isinstance(value, (list, tuple)):
                pieces.append(" ".join(str(v) for v in value))
        if pieces:
            yield site.node, " ".join(pieces)


def _trust_remote_code_hits(facts: SourceFacts) -> Iterator[Hit]:
    """SAI308: ``trust_remote_code=True`` in calls, and ``--trust-remote-code`` on command lines."""
    for site in facts.calls:
        if facts.kwarg(site, "trust_remote_code") is not True:
            continue
        revision = facts.kwarg(site, "code_revision")
        if not is_commit_sha(revision):
            revision = facts.kwarg(site, "revision")
        label = site.name or site.method
        if is_commit_sha(revision):
            yield Hit(
                site.node,
                f"`{label}(..., trust_remote_code=True)` runs Python code from the model "
                "repository (pinned to a commit, so review that commit's code)",
                Level.WARNING,
            )
        else:
            yield Hit(
                site.node,
                f"`{label}(..., trust_remote_code=True)` runs Python code from the model "
                "repository at whatever revision the hub serves",
            )
    for where, command in _cli_strings(facts):
        if TRUST_REMOTE_CLI.search(command):
            pinned = CLI_REVISION.search(command)
            yield Hit(
                where,
                "`--trust-remote-code` on a command line runs code from the model repository"
                + (" (pinned to a commit)" if pinned else ""),
                Level.WARNING if pinned else None,
            )


@per_unit
def trust_remote_code(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI308 trust-remote-code."""
    facts = _facts(source, ctx.project)
    for hit in _trust_remote_code_hits(facts):
        if isinstance(hit.node, int):
            yield ctx.finding(source.path, hit.node, hit.message, level=hit.level)
        else:
            yield ctx.finding(source.location(hit.node), message=hit.message, level=hit.level)


def _keras_unsafe_hits(facts: SourceFacts) -> Iterator[Hit]:
    """SAI309: Keras ``safe_mode=False`` and ``enable_unsafe_deserialization()``."""
    keras = facts.imports_any("keras", "tensorflow", "tf_keras")
    for site in facts.calls:
        if site.name.endswith("config.enable_unsafe_deserialization") or (
            keras and site.method == "enable_unsafe_deserialization"
        ):
            yield Hit(
                site.node,
                "`enable_unsafe_deserialization()` lets every later Keras load run Lambda-layer "
                "bytecode from model files",
            )
        elif (keras or "keras" in site.name) and facts.kwarg(site, "safe_mode") is False:
            yield Hit(
                site.node,
                f"`{site.name or site.method}(..., safe_mode=False)` deserializes Lambda layers: "
                "a malicious model file runs code",
            )


@per_unit
def keras_unsafe_mode(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI309 keras-unsafe-mode."""
    yield from _emit(source, ctx, _keras_unsafe_hits(_facts(source, ctx.project)))


def _dangerous_flag_hits(facts: SourceFacts) -> Iterator[Hit]:
    """SAI310: LangChain allow_dangerous_*, torch.hub trust_repo=True, ONNX custom op libraries."""
    for site in facts.calls:
        label = site.name or site.method
        for flag in DANGEROUS_FLAGS:
            if facts.kwarg(site, flag) is True:
                yield Hit(site.node, f"`{label}(..., {flag}=True)` disables a framework safeguard")
        if site.name == "torch.hub.load" and facts.kwarg(site, "trust_repo") is True:
            yield Hit(
                site.node,
                "`torch.hub.load(..., trust_repo=True)` runs the repository's hubconf.py "
                "without asking",
            )
        if site.method == "register_custom_ops_library":
            path = facts.argument(site.node, "library_path", 0, site.scope)
            packaged = isinstance(path, ast.Call) and (
                facts.imports.qualify(path.func) or ""
            ).startswith("onnxruntime_extensions.")
            if path is not None and not packaged and facts.string(path, site.scope) is None:
                yield Hit(
                    site.node,
                    "ONNX Runtime loads a native custom-op library from a path that is not a "
                    "constant: whoever controls the path runs native code",
                )


@per_unit
def dangerous_framework_flag(source: PythonSource, ctx: RuleContext) -> Iterator[Finding]:
    """SAI310 dangerous-framework-flag."""
    yield from _emit(source, ctx, _dangerous_flag_hits(_facts(source, ctx.project)))
