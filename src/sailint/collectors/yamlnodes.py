"""YAML composed into PyYAML nodes (which keep line and column), with a bound on alias expansion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeGuard

from sailint.project import Project, View

if TYPE_CHECKING:
    # PyYAML is imported when a YAML file is composed (``compose_documents``), not by every
    # module that walks nodes: a pre-commit run on Python files reads no YAML.
    from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# A document whose aliases expand to more nodes than this is rejected ("billion laughs").
MAX_EXPANDED_NODES = 200_000


def is_mapping(node: object) -> TypeGuard[MappingNode]:
    """True for a PyYAML mapping node, told by its ``id`` (without importing yaml)."""
    return getattr(node, "id", None) == "mapping"


def is_scalar(node: object) -> TypeGuard[ScalarNode]:
    """True for a PyYAML scalar node, told by its ``id`` (without importing yaml)."""
    return getattr(node, "id", None) == "scalar"


def is_sequence(node: object) -> TypeGuard[SequenceNode]:
    """True for a PyYAML sequence node, told by its ``id`` (without importing yaml)."""
    return getattr(node, "id", None) == "sequence"


def _loader() -> Any:
    import yaml

    # libyaml's composer keeps the same marks and styles and is about ten times faster.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    """The text is not YAML sailint will read; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        """Record the message and line."""
        super().__init__(message)
        self.line = line


def _expanded_size(root: Node, limit: int) -> int:
    """Nodes visited when every alias is followed, stopping early past ``limit``."""
    count = 0
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            return count
        if is_sequence(node):
            stack.extend(node.value)
        elif is_mapping(node):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
    return count


def compose_documents(text: str, limit: int = MAX_EXPANDED_NODES) -> list[Node]:
    """Every non-empty document of ``text`` as a node tree; raises YamlError.

    ``limit`` bounds the nodes all documents expand to together (aliases followed).
    """
    import yaml

    try:
        documents = [doc for doc in yaml.compose_all(text, Loader=_loader()) if doc is not None]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlError(f"invalid YAML at line {line}: {error.problem or error}", line) from None
    except (yaml.YAMLError, RecursionError) as error:
        raise YamlError(f"invalid YAML: {type(error).__name__}", 1) from None
    budget = limit
    for root in documents:
        budget -= _expanded_size(root, budget)
        if budget < 0:
            raise YamlError(
                f"YAML aliases expand to more than {limit} nodes (possible billion-laughs "
                "document)",
                root.start_mark.line + 1,
            )
    return documents


def compose(text: str, limit: int = MAX_EXPANDED_NODES) -> Node | None:
    """The first document of ``text`` as a node tree (None when empty); raises YamlError."""
    documents = compose_documents(text, limit)
    return documents[0] if documents else None


def line(node: Node) -> int:
    """The 1-based line where ``node`` starts."""
    return int(node.start_mark.line) + 1


def scalar(node: Node | None) -> str | None:
    """The text of a scalar node, else None."""
    return str(node.value) if is_scalar(node) else None


def items(node: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """``(key text, key node, value node)`` of a mapping with scalar keys."""
    if is_mapping(node):
        for key, value in node.value:
            if is_scalar(key):
                yield str(key.value), key, value


def get(node: Node | None, key: str) -> Node | None:
    """The value node of ``key`` in a mapping, else None."""
    for name, _, value in items(node):
        if name == key:
            return value
    return None


def key_node(node: Node | None, key: str) -> Node | None:
    """The key node of ``key`` in a mapping (where a finding about the key belongs)."""
    for name, key_item, _ in items(node):
        if name == key:
            return key_item
    return None


def sequence(node: Node | None) -> list[Node]:
    """The items of a sequence node (empty for anything else)."""
    return list(node.value) if is_sequence(node) else []


def scalar_lines(node: ScalarNode, file_lines: list[str]) -> list[int]:
    """The file line of each line of a scalar's value (block scalars map line by line)."""
    value_lines = str(node.value).split("\n")
    start = line(node)
    if node.style == "|":
        return [start + 1 + offset for offset in range(len(value_lines))]
    if (node.style is None or node.style in ("'", '"')) and len(value_lines) == 1:
        return [start]
    # Folded or multi-line flow scalars: find each value line in the file from the start on.
    result: list[int] = []
    cursor = start
    end = int(node.end_mark.line) + 1
    for text in value_lines:
        probe = text.strip()
        found = next(
            (
                n
                for n in range(cursor, min(end, len(file_lines)) + 1)
                if probe and probe[:40] in file_lines[n - 1]
            ),
            cursor,
        )
        result.append(found)
        cursor = found
    return result


class ComposedYaml(View):
    """YAML files composed once per scan, for every reader of the same config file."""

    def __init__(self) -> None:
        """Start with nothing composed."""
        self._documents: dict[str, list[Node] | YamlError] = {}

    @classmethod
    def build(cls, project: Project) -> ComposedYaml:
        """See ``View.build``: files are composed when first asked for."""
        return cls()

    def documents(self, path: str, text: str) -> list[Node]:
        """``compose_documents(text)`` of the file at ``path``; raises the same YamlError."""
        found = self._documents.get(path)
        if found is None:
            try:
                found = compose_documents(text)
            except YamlError as error:
                found = error
            self._documents[path] = found
        if isinstance(found, YamlError):
            raise found
        return found
