"""Shared AST facts per Python unit: qualified calls, scopes, resolved constants and kwargs."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sailint.collectors.pynames import ImportMap
from sailint.collectors.python import PythonSource
from sailint.project import Project, View

HEX40 = re.compile(r"^[0-9a-f]{40}$")
UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
LITERAL_TYPES = (str, bool, int, float, type(None))


def is_commit_sha(value: object) -> bool:
    """True for a full 40-hex commit id (what pins a hub download immutably)."""
    return isinstance(value, str) and bool(HEX40.match(value.lower()))


@dataclass
class Scope:
    """A module or function body: its own calls and names bound once to a literal."""

    node: ast.AST
    constants: dict[str, Any] = field(default_factory=dict)
    parent: Scope | None = None

    @property
    def is_function(self) -> bool:
        """True for a function body (module scope otherwise)."""
        return isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef))


@dataclass(frozen=True)
class CallSite:
    """One call with its import-resolved name and the scope it sits in."""

    node: ast.Call
    name: str  # qualified name ("" when the callee is not a plain name chain)
    method: str  # last component ("from_pretrained")
    scope: Scope


def _literal(node: ast.AST) -> Any:
    """The value of a literal node (str/bool/number/None, or dict/list/tuple of them)."""
    try:
        return literal_value(node)
    except (ValueError, TypeError, MemoryError, RecursionError):
        return UNKNOWN


_NUMBERS = (int, float, complex)


def _number(node: ast.AST) -> Any:
    if not isinstance(node, ast.Constant) or type(node.value) not in _NUMBERS:
        raise ValueError("not a number")
    return node.value


def _signed_number(node: ast.AST) -> Any:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _number(node.operand)
        return +operand if isinstance(node.op, ast.UAdd) else -operand
    return _number(node)


def literal_value(node: ast.AST) -> Any:
    """What ``ast.literal_eval(node)`` returns (or raises ValueError/TypeError for).

    Written out because ``literal_eval`` builds four mutually recursive closures per call, a
    reference cycle each time: thousands of them per scan for the cycle collector to find.
    """
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(map(literal_value, node.elts))
    if isinstance(node, ast.List):
        return list(map(literal_value, node.elts))
    if isinstance(node, ast.Set):
        return set(map(literal_value, node.elts))
    if isinstance(node, ast.Dict):
        if len(node.keys) != len(node.values) or any(key is None for key in node.keys):
            raise ValueError("not a literal dict")  # {**other}
        keys = [literal_value(key) for key in node.keys if key is not None]
        return dict(zip(keys, map(literal_value, node.values), strict=True))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "set"
        and not node.args
        and not node.keywords
    ):
        return set()
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        left, right = _signed_number(node.left), _number(node.right)
        if isinstance(left, (int, float)) and isinstance(right, complex):
            return left + right if isinstance(node.op, ast.Add) else left - right
        raise ValueError("not a complex literal")
    return _signed_number(node)


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
TARGET_BINDERS = (ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)
FUNCTION_TYPES = frozenset(FUNCTIONS)
TARGET_BINDER_TYPES = frozenset(TARGET_BINDERS)
# Node types the facts walk acts on (the rest it only descends into), and childless ones.
NOTABLE = frozenset(
    {
        *FUNCTIONS, *TARGET_BINDERS, ast.ClassDef, ast.Lambda, ast.Call, ast.Dict, ast.Assign,
        ast.Import, ast.ImportFrom, ast.Subscript, ast.AnnAssign, ast.With, ast.AsyncWith,
    }
)  # fmt: skip
# Childless nodes, and operators (``ast.Add`` ...): never pushed on the walk's stack.
LEAVES = frozenset(
    {ast.Name, ast.Constant, ast.alias, ast.Pass, ast.Break, ast.Continue}
    | {
        kind
        for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
        for kind in base.__subclasses__()
    }
)
# Per node type, the fields that may hold child nodes (``ctx`` never does anything of note).
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _target_names(target: ast.AST) -> Iterator[str]:
    for sub in ast.walk(target):
        if isinstance(sub, ast.Name):
            yield sub.id


def _constants(bindings: list[tuple[str, ast.AST | None]]) -> dict[str, Any]:
    """Names bound exactly once in a scope, to a literal (a 40-hex revision held in a constant)."""
    seen: dict[str, Any] = {}
    rebound: set[str] = set()
    for name, value in bindings:
        if name in seen:
            rebound.add(name)
        literal = _literal(value) if value is not None else UNKNOWN
        # A dict display with non-literal values (``{"revision": REV}``) is kept as a node so
        # that ``**HUB_ARGS`` can still be expanded argument by argument.
        seen[name] = value if literal is UNKNOWN and isinstance(value, ast.Dict) else literal
    return {name: value for name, value in seen.items() if name not in rebound}


def _import_map(nodes: list[ast.Import | ast.ImportFrom]) -> ImportMap:
    """ImportMap.of semantics over already collected import statements, in source order."""
    aliases: dict[str, str] = {}
    for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases.setdefault(top, top)
        elif node.module and node.level == 0:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return ImportMap(aliases)


class SourceFacts:
    """Everything the Python rules share about one unit, computed in one pass over its tree."""

    def __init__(self, source: PythonSource) -> None:
        """Walk ``source`` once: imports, scopes with their constants, calls, dicts, assignments."""
        self.source = source
        self.module = Scope(source.tree)
        self.functions: list[Scope] = []
        self.calls: list[CallSite] = []
        self.derived: dict[str, Any] = {}  # other analyses of this unit, cached by name
        self.dicts: list[ast.Dict] = []  # dict displays ({"role": "system", ...})
        self.assignments: list[ast.Assign] = []
        self.subscripts: list[ast.Subscript] = []  # os.environ["KEY"] and the like
        imports: list[ast.Import | ast.ImportFrom] = []
        raw_calls: list[tuple[ast.Call, Scope]] = []
        bindings: dict[int, list[tuple[str, ast.AST | None]]] = {id(self.module): []}
        # The scope the walk is in, and whether bindings there count (not in class bodies or
        # lambdas). The stack holds nodes, and (scope, binds) pairs that set both when popped:
        # cheaper than a pair per node, and they change only at functions, classes and lambdas.
        scope, binds = self.module, True
        stack: list[Any] = list(reversed(source.tree.body))
        child_fields = _CHILD_FIELDS
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is tuple:
                scope, binds = node
                continue
            if kind in LEAVES:
                continue
            if kind in NOTABLE:
                bound = bindings[id(scope)] if binds else None
                if kind in FUNCTION_TYPES:
                    if bound is not None:
                        bound.append((node.name, None))
                    inner = Scope(node, {}, scope)
                    self.functions.append(inner)
                    bindings[id(inner)] = []
                    stack.append((scope, binds))  # back to this scope after the body
                    stack.extend(reversed(node.body))
                    stack.append((inner, True))
                    # Decorators and argument defaults evaluate in the enclosing scope.
                    stack.append(node.args)
                    stack.extend(reversed(node.decorator_list))
                    stack.append((scope, False))
                    continue
                if kind is ast.ClassDef or kind is ast.Lambda:
                    if bound is not None and kind is ast.ClassDef:
                        bound.append((node.name, None))
                    # Class attributes (and lambda parameters) are not constants of the scope.
                    stack.append((scope, binds))
                    self._push_children(stack, node, child_fields)
                    stack.append((scope, False))
                    continue
                self._note(node, kind, scope, bound, raw_calls, imports)
            self._push_children(stack, node, child_fields)
        self.imports = _import_map(imports)
        self.import_nodes = sorted(imports, key=lambda n: (n.lineno, n.col_offset))
        for scope in (self.module, *self.functions):
            scope.constants = _constants(bindings[id(scope)])
        raw_calls.sort(key=lambda pair: (pair[0].lineno, pair[0].col_offset))
        for call, scope in raw_calls:
            func = call.func
            method = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            self.calls.append(CallSite(call, self.imports.qualify(func) or "", method, scope))

    def _note(
        self,
        node: Any,
        kind: type,
        scope: Scope,
        bound: list[tuple[str, ast.AST | None]] | None,
        raw_calls: list[tuple[ast.Call, Scope]],
        imports: list[ast.Import | ast.ImportFrom],
    ) -> None:
        """Record a notable node (not a function, class or lambda) of the facts walk."""
        if kind is ast.Call:
            raw_calls.append((node, scope))
        elif kind is ast.Dict:
            self.dicts.append(node)
        elif kind is ast.Assign:
            self.assignments.append(node)
            if bound is not None:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        bound.append((target.id, node.value))
                    else:
                        bound.extend((name, None) for name in _target_names(target))
        elif kind is ast.Import or kind is ast.ImportFrom:
            imports.append(node)
        elif kind is ast.Subscript:
            self.subscripts.append(node)
        elif bound is not None:
            if kind is ast.AnnAssign and isinstance(node.target, ast.Name):
                bound.append((node.target.id, node.value))
            elif kind in TARGET_BINDER_TYPES:
                bound.extend((name, None) for name in _target_names(node.target))
            elif kind is ast.With or kind is ast.AsyncWith:
                for item in node.items:
                    if item.optional_vars is not None:
                        bound.extend((n, None) for n in _target_names(item.optional_vars))

    @staticmethod
    def _push_children(
        stack: list[Any], node: ast.AST, child_fields: dict[type, tuple[str, ...]]
    ) -> None:
        # The hottest loop of the Python analysis: leaves are filtered here rather than pushed
        # and popped, and each type's child fields are looked up once.
        kind = type(node)
        fields = child_fields.get(kind)
        if fields is None:
            fields = child_fields[kind] = tuple(f for f in kind._fields if f != "ctx")
        for field_name in fields:
            child = getattr(node, field_name, None)
            if type(child) is list:
                for item in child:
                    if type(item) not in LEAVES and isinstance(item, ast.AST):
                        stack.append(item)
            elif type(child) not in LEAVES and isinstance(child, ast.AST):
                stack.append(child)

    # -- resolution ----------------------------------------------------------------------

    def value(self, node: ast.AST | None, scope: Scope | None = None) -> Any:
        """A node's literal value, through names bound once to a literal; else UNKNOWN."""
        if node is None:
            return MISSING
        if isinstance(node, ast.Name):
            current = scope
            while current is not None:
                if node.id in current.constants:
                    return current.constants[node.id]
                current = current.parent
            return self.module.constants.get(node.id, UNKNOWN)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for piece in node.values:
                if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                    parts.append(piece.value)
                elif isinstance(piece, ast.FormattedValue):
                    inner = self.value(piece.value, scope)
                    if not isinstance(inner, (str, int)) or isinstance(inner, bool):
                        return UNKNOWN
                    parts.append(str(inner))
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
            return UNKNOWN
        return _literal(node)

    def string(self, node: ast.AST | None, scope: Scope | None = None) -> str | None:
        """A node's string value when it resolves to one."""
        value = self.value(node, scope)
        return value if isinstance(value, str) else None

    def keywords(self, call: ast.Call, scope: Scope | None = None) -> dict[str, ast.expr]:
        """Keyword arguments by name, ``**{"k": v}`` literals and ``**CONST_DICT`` included."""
        result: dict[str, ast.expr] = {}
        for keyword in call.keywords:
            if keyword.arg is not None:
                result[keyword.arg] = keyword.value
                continue
            spread = keyword.value
            if isinstance(spread, ast.Name):
                held = self.value(spread, scope)
                spread = held if isinstance(held, ast.Dict) else spread
            if isinstance(spread, ast.Dict):
                for key, value in zip(spread.keys, spread.values, strict=False):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        result[key.value] = value
            elif isinstance(spread, ast.Call) and self.imports.qualify(spread.func) == "dict":
                for inner in spread.keywords:
                    if inner.arg is not None:
                        result[inner.arg] = inner.value
            else:
                resolved = self.value(spread, scope)
                if isinstance(resolved, dict):
                    for key, value in resolved.items():
                        if isinstance(key, str) and isinstance(value, LITERAL_TYPES):
                            result[key] = ast.Constant(value)
        return result

    def argument(
        self, call: ast.Call, name: str, position: int | None = None, scope: Scope | None = None
    ) -> ast.expr | None:
        """A call argument by keyword (``**`` literals included) or by position."""
        # The rules ask for a few names of every call: only a call with a ``**`` spread needs
        # the resolved keyword table of ``keywords``.
        found: ast.expr | None = None
        for keyword in call.keywords:
            if keyword.arg is None:
                found = self.keywords(call, scope).get(name)
                break
            if keyword.arg == name:
                found = keyword.value
        if found is not None:
            return found
        if position is not None and position < len(call.args):
            candidate = call.args[position]
            if not isinstance(candidate, ast.Starred):
                return candidate
        return None

    def kwarg(self, site: CallSite, name: str, position: int | None = None) -> Any:
        """The resolved value of an argument: a literal, UNKNOWN, or MISSING."""
        return self.kwarg_at(site.node, name, site.scope, position)

    def kwarg_at(
        self, call: ast.Call, name: str, scope: Scope | None = None, position: int | None = None
    ) -> Any:
        """Like ``kwarg`` for a bare call node."""
        node = self.argument(call, name, position, scope)
        return MISSING if node is None else self.value(node, scope)

    def imports_any(self, *modules: str) -> bool:
        """True if the unit imports any of ``modules`` (or a submodule); cached per question."""
        cache: dict[tuple[str, ...], bool] = self.derived.setdefault("imports_any", {})
        found = cache.get(modules)
        if found is None:
            roots = {target.split(".")[0] for target in self.imports.aliases.values()}
            found = any(
                self.imports.imports(module) for module in modules if module.split(".")[0] in roots
            )
            cache[modules] = found
        return found


class CodeFacts(View):
    """Per-unit facts built lazily and shared by every Python rule of the scan."""

    def __init__(self) -> None:
        """Start with an empty cache."""
        self._facts: dict[int, SourceFacts] = {}
        self.derived: dict[str, Any] = {}  # project-wide results shared by Python rules

    @classmethod
    def build(cls, project: Project) -> CodeFacts:
        """See ``View.build``: facts are computed on first request per unit."""
        return cls()

    def of(self, source: PythonSource) -> SourceFacts:
        """The facts of one unit (computed once)."""
        key = id(source)
        facts = self._facts.get(key)
        if facts is None:
            facts = SourceFacts(source)
            self._facts[key] = facts
        return facts

    def release(self, source: PythonSource) -> None:
        """Forget the facts of a unit whose analysis is over (its tree can then be freed)."""
        facts = self._facts.pop(id(source), None)
        if facts is not None:
            # Analyses cached here point back at the facts (llm_flow): without this cycle broken,
            # each tree would live on until a full garbage collection.
            facts.derived.clear()


CheckFunction = Callable[[PythonSource, Any], Iterator[Any]]


def per_unit(check: CheckFunction) -> CheckFunction:
    """Make a Python check survive one pathological unit (deep nesting): skip it, go on."""

    @functools.wraps(check)
    def guarded(source: PythonSource, ctx: Any) -> Iterator[Any]:
        try:
            yield from check(source, ctx)
        except (RecursionError, MemoryError) as error:
            ctx.project.skip(
                source.path,
                f"too deeply nested for rule {ctx.rule.id} ({type(error).__name__}); "
                "not fully analysed",
            )

    return guarded
