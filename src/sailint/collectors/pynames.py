"""Resolves names in Python code through imports: ``import torch as t; t.load`` is ``torch.load``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class ImportMap:
    """Local name -> fully qualified name, from a module's import statements."""

    aliases: dict[str, str]

    @classmethod
    def of(cls, tree: ast.AST) -> ImportMap:
        """Collect every import in ``tree`` (module level and nested)."""
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        aliases.setdefault(top, top)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if alias.name != "*":
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return cls(aliases)

    def qualify(self, node: ast.AST) -> str | None:
        """The dotted, import-resolved name of a Name/Attribute chain, or None."""
        parts: list[str] = []
        current = node
        while isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        if not isinstance(current, ast.Name):
            return None
        base = self.aliases.get(current.id, current.id)
        return ".".join([base, *reversed(parts)])

    def imports(self, module: str) -> bool:
        """True if any import brings in ``module`` or one of its submodules."""
        prefixes = self.__dict__.get("_prefixes")
        if prefixes is None:  # every dotted prefix of every target, built on the first question
            prefixes = set()
            for target in self.aliases.values():
                parts = target.split(".")
                prefixes.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
            self.__dict__["_prefixes"] = prefixes
        return module in prefixes


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    """Every call expression in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def attribute_name(call: ast.Call) -> str | None:
    """The last component of the called name: ``save_pretrained`` for ``m.save_pretrained()``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None
