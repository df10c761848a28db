"""CI YAML read once: GitHub workflows, composite actions, GitLab CI and compose files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sailint.collectors.yamlnodes import (
    YamlError,
    compose,
    get,
    is_mapping,
    is_scalar,
    items,
    line,
    scalar,
    sequence,
)
from sailint.collectors.yamlnodes import scalar_lines as _scalar_lines
from sailint.project import Project, View

if TYPE_CHECKING:
    from yaml.nodes import MappingNode, Node, ScalarNode

KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("workflow", re.compile(r"\.github/workflows/[^/]+\.ya?ml")),
    ("action", re.compile(r"(.*/)?action\.ya?ml")),
    ("gitlab", re.compile(r"\.gitlab-ci\.ya?ml|\.gitlab/ci/.+\.ya?ml")),
    ("compose", re.compile(r"(.*/)?(docker-)?compose(\.[\w.-]+)?\.ya?ml")),
)
GITLAB_RESERVED = {
    "stages", "variables", "include", "workflow", "default", "image", "services", "cache",
    "before_script", "after_script",
}  # fmt: skip
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


@dataclass
class YamlFile:
    """A CI YAML file whose top level is a mapping."""

    path: str
    kind: str  # workflow | action | gitlab | compose
    root: MappingNode
    lines: list[str]


@dataclass
class Step:
    """One step of a job or composite action."""

    node: MappingNode
    uses: str | None
    uses_node: Node | None
    run: ScalarNode | None
    with_: Node | None

    @property
    def action(self) -> str:
        """The action's ``owner/repo[/path]`` without the ref, lower-cased ("" for run steps)."""
        return (self.uses or "").split("@", 1)[0].lower()


@dataclass
class Job:
    """A job of a workflow (or the steps of a composite action, as a pseudo-job)."""

    name: str
    key: Node
    node: MappingNode
    steps: list[Step]


@dataclass
class ShellBlock:
    """A shell script embedded in YAML with the file line of each of its lines."""

    path: str
    text: str
    lines: list[int]


def _step(node: Node) -> Step | None:
    if not is_mapping(node):
        return None
    uses_node = get(node, "uses")
    run = get(node, "run")
    return Step(
        node,
        scalar(uses_node),
        uses_node,
        run if is_scalar(run) else None,
        get(node, "with"),
    )


def jobs(document: YamlFile) -> list[Job]:
    """The jobs of a workflow, or one pseudo-job with a composite action's steps."""
    if document.kind == "action":
        runs = get(document.root, "runs")
        steps = [s for s in map(_step, sequence(get(runs, "steps"))) if s is not None]
        if is_mapping(runs):
            key = next(k for name, k, _ in items(document.root) if name == "runs")
            return [Job("runs", key, runs, steps)]
        return []
    result: list[Job] = []
    for name, key, value in items(get(document.root, "jobs")):
        if is_mapping(value):
            steps = [s for s in map(_step, sequence(get(value, "steps"))) if s is not None]
            result.append(Job(name, key, value, steps))
    return result


def triggers(document: YamlFile) -> dict[str, Node]:
    """The events of a workflow's ``on:`` (string, list or mapping form) -> the node naming it."""
    on = get(document.root, "on")
    if on is None:
        on = get(document.root, "true")  # `on` read as a YAML 1.1 boolean by some writers
    if is_scalar(on):
        return {str(on.value): on}
    if is_mapping(on):
        return {name: key for name, key, _ in items(on)}
    return {str(n.value): n for n in sequence(on) if is_scalar(n)}


def scalar_block(document: YamlFile, node: ScalarNode) -> ShellBlock:
    """The text of a scalar with the file line of each of its lines."""
    return ShellBlock(document.path, str(node.value), _scalar_lines(node, document.lines))


def gitlab_scripts(document: YamlFile) -> list[ShellBlock]:
    """The ``script``/``before_script``/``after_script`` lines of every GitLab job (and default)."""
    blocks: list[ShellBlock] = []
    holders = [document.root, get(document.root, "default")]
    holders += [v for name, _, v in items(document.root) if name not in GITLAB_RESERVED]
    for holder in holders:
        for key in ("before_script", "script", "after_script"):
            value = get(holder, key)
            nodes = [value] if is_scalar(value) else sequence(value)
            if holder is document.root and key == "script":
                continue
            for node in nodes:
                if is_scalar(node):
                    blocks.append(scalar_block(document, node))
    return blocks


def shell_blocks(document: YamlFile) -> list[ShellBlock]:
    """Every shell script of a workflow, composite action or GitLab file."""
    if document.kind == "gitlab":
        return gitlab_scripts(document)
    blocks: list[ShellBlock] = []
    for job in jobs(document):
        for step in job.steps:
            shell = scalar(get(step.node, "shell")) or "bash"
            if step.run is not None and not re.search(r"pwsh|powershell|cmd|python", shell):
                blocks.append(scalar_block(document, step.run))
    return blocks


def expressions(text: str) -> list[tuple[int, str]]:
    """``(0-based line index, inner text)`` of every ``${{ }}`` expression in ``text``."""
    return [(text.count("\n", 0, m.start()), m.group(1).strip()) for m in EXPRESSION.finditer(text)]


def locate(document: YamlFile, node: Node, needle: str, after: int = 0) -> tuple[int, int]:
    """File ``(line, column)`` of the first ``needle`` inside ``node`` at or after line ``after``."""
    first, last = line(node), int(node.end_mark.line) + 1
    for number in range(max(first, after), min(last, len(document.lines)) + 1):
        column = document.lines[number - 1].find(needle)
        if column >= 0:
            return number, column + 1
    return max(first, after), 1


class Workflows(View):
    """GitHub workflows, composite actions, GitLab CI and compose files as line-aware nodes."""

    def __init__(self, files: list[YamlFile]) -> None:
        """Hold the parsed files."""
        self.files = files

    def of_kind(self, *kinds: str) -> list[YamlFile]:
        """The files of the given kinds."""
        return [f for f in self.files if f.kind in kinds]

    @classmethod
    def build(cls, project: Project) -> Workflows:
        """See ``View.build``; invalid YAML and non-mapping documents are reported skips."""
        files: list[YamlFile] = []
        for path in sorted(project.files):
            kind = next((k for k, pattern in KINDS if pattern.fullmatch(path)), None)
            if kind is None:
                continue
            text = project.text(path)
            if text is None:
                continue
            try:
                root = compose(text)
            except YamlError as error:
                project.skip(path, f"{error}; not analysed")  # the reason names the line
                continue
            if root is None:
                continue
            if not is_mapping(root):
                where = line(root)
                reason = f"{kind} file is not a mapping (line {where}); not analysed"
                project.skip(path, reason)
                continue
            files.append(YamlFile(path, kind, root, text.splitlines()))
        return cls(files)
