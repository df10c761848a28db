"""``setup.py`` read statically (AST, never executed) and ``setup.cfg`` read line by line."""

from __future__ import annotations

import ast
import re

from sailint.collectors.manifests.base import Manifest, Problem
from sailint.collectors.manifests.pep508 import from_pep508

SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
KEY = re.compile(r"^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$")


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = <expr>`` assignments (for ``install_requires=REQUIRES``)."""
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = node.value
    return found


def _strings(node: ast.expr, constants: dict[str, ast.expr], depth: int = 0) -> list[ast.Constant]:
    if depth > 5:
        return []
    if isinstance(node, ast.Name) and node.id in constants:
        return _strings(constants[node.id], constants, depth + 1)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        result: list[ast.Constant] = []
        for element in node.elts:
            result += _strings(element, constants, depth + 1)
        return result
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left, constants, depth + 1) + _strings(
            node.right, constants, depth + 1
        )
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    return []


def read_setup_py(path: str, text: str) -> tuple[Manifest, list[Problem]]:
    """``install_requires``, ``extras_require`` and ``python_requires`` of ``setup(...)`` calls."""
    manifest = Manifest(path, "setup.py")
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None) or 1
        return manifest, [
            Problem(path, line, f"Python syntax error, setup.py not analysed: {error}", fatal=True)
        ]
    constants = _constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name != "setup":
            continue
        for keyword in node.keywords:
            if keyword.arg == "install_requires":
                manifest.declaration_line = keyword.value.lineno
                _add(manifest, _strings(keyword.value, constants), None)
            elif keyword.arg == "extras_require":
                value = keyword.value
                if isinstance(value, ast.Name) and value.id in constants:
                    value = constants[value.id]
                if isinstance(value, ast.Dict):
                    for key, item in zip(value.keys, value.values, strict=True):
                        extra = key.value if isinstance(key, ast.Constant) else None
                        _add(manifest, _strings(item, constants), str(extra))
            elif keyword.arg == "python_requires":
                found = _strings(keyword.value, constants)
                if found:
                    manifest.requires_python = (str(found[0].value), found[0].lineno)
    return manifest, []


def _add(manifest: Manifest, nodes: list[ast.Constant], group: str | None) -> None:
    for node in nodes:
        dependency = from_pep508(str(node.value), manifest.path, node.lineno, group=group)
        if dependency is not None:
            manifest.dependencies.append(dependency)


def read_setup_cfg(path: str, text: str) -> tuple[Manifest, list[Problem]]:
    """``[options] install_requires``, ``[options.extras_require]`` and ``python_requires``."""
    manifest = Manifest(path, "setup.cfg")
    problems: list[Problem] = []
    section = ""
    key = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        header = SECTION.match(raw)
        if header:
            section, key = header.group(1).strip(), ""
            continue
        if raw[:1] in (" ", "\t") and key:
            value = stripped
        else:
            match = KEY.match(stripped)
            if not match:
                problems.append(
                    Problem(path, number, f"unreadable setup.cfg line {stripped!r} (skipped)")
                )
                key = ""
                continue
            key, value = match.group(1), match.group(2).strip()
            if section == "options" and key == "python_requires" and value:
                manifest.requires_python = (value, number)
            if section == "options" and key == "install_requires":
                manifest.declaration_line = number
        group = None
        if section == "options" and key == "install_requires":
            pass
        elif section == "options.extras_require":
            group = key
        else:
            continue
        value = value.split(" #", 1)[0].strip()
        if not value:
            continue
        dependency = from_pep508(value, path, number, group=group)
        if dependency is None:
            problems.append(Problem(path, number, f"invalid requirement {value!r} (skipped)"))
        else:
            manifest.dependencies.append(dependency)
    return manifest, problems
