"""Commands that start programs, as argv words with lines: shell, Dockerfile CMD, YAML and JSON.

``ShellCommands`` covers shell text (RUN, CI ``run:``, scripts, Makefiles). Services are also
started by a Dockerfile's ``CMD`` / ``ENTRYPOINT``, a compose ``command:``, a Kubernetes
container's ``args:`` list or a VS Code ``launch.json`` ``args`` array; this view adds those, so
a rule about a command-line flag reads one list. Notebook ``!`` lines are left to the Python
rules, which read them with the code around them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sailint.collectors.dockerfiles import Dockerfile, Dockerfiles, Instruction, expand, run_shell
from sailint.collectors.hubrefs import config_files
from sailint.collectors.jsonpos import LineIndex, PosStr, json_problem, loads_with_positions
from sailint.collectors.shell import Command, Word
from sailint.collectors.shellsources import ShellCommands, parse_mapped
from sailint.collectors.workflows import Workflows
from sailint.collectors.yamlnodes import (
    ComposedYaml,
    YamlError,
    get,
    is_mapping,
    is_scalar,
    is_sequence,
    line,
    scalar_lines,
)
from sailint.project import Project, View

if TYPE_CHECKING:
    from yaml.nodes import MappingNode, Node, SequenceNode

# Words a YAML / JSON config must contain for its argv lists to matter to any rule using this view.
NEEDLES = ("trust", "streamlit", "NotebookApp", "ServerApp", "dashboard", "mlflow")
# Keys whose string value is a command line (compose, Kubernetes, devcontainer, Procfile-like).
COMMAND_KEYS = {"command", "entrypoint", "cmd", "args"}
# YAML files whose shell lives in ``run:`` / ``script:`` and is already in ShellCommands.
SHELL_YAML_KINDS = ("workflow", "action", "gitlab")
MAX_SEQUENCE = 200  # longer lists are data, not command lines


@dataclass(frozen=True)
class Launch:
    """One command with where it comes from (``origin``: script, dockerfile-cmd, yaml ...)."""

    path: str
    origin: str
    command: Command
    env_lines: dict[str, int] = field(default_factory=dict)  # where an env value was set

    @property
    def words(self) -> list[Word]:
        """The command's words (arguments with their lines)."""
        return self.command.words


def exec_form_words(instruction: Instruction) -> list[Word] | None:
    """The words of a JSON-array ``CMD`` / ``ENTRYPOINT``, each on its own file line."""
    try:
        argv = json.loads(instruction.args)
    except json.JSONDecodeError:
        return None
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        return None
    physical = instruction.physical or [(instruction.line, instruction.args)]
    words: list[Word] = []
    cursor = 0
    for arg in argv:
        encoded = json.dumps(arg)
        found = next((i for i in range(cursor, len(physical)) if encoded in physical[i][1]), cursor)
        cursor = min(found, len(physical) - 1)
        words.append(Word(arg, arg, physical[cursor][0]))
    return words


def _instruction_words(instruction: Instruction) -> list[Word]:
    if instruction.is_exec_form:
        return exec_form_words(instruction) or []
    words: list[Word] = []
    for text, lines in run_shell(instruction):
        for command in parse_mapped(text, lines).commands:
            words.extend(command.words)
    return words


def dockerfile_launches(dockerfile: Dockerfile) -> Iterator[Launch]:
    """The command each stage starts: its last ENTRYPOINT followed by its last CMD."""
    stages = dockerfile.stages or []
    for stage in stages:
        entrypoint = cmd = None
        env_lines: dict[str, int] = {}
        for instruction in stage.instructions:
            if instruction.keyword == "ENTRYPOINT":
                entrypoint = instruction
            elif instruction.keyword == "CMD":
                cmd = instruction
            elif instruction.keyword == "ENV":
                for name in re.findall(r"(?:^|\s)([A-Za-z_]\w*)(?:=|\s)", instruction.args):
                    env_lines[name] = instruction.line
        words: list[Word] = []
        if entrypoint is not None:
            words = _instruction_words(entrypoint)
        # Docker ignores CMD after a shell-form ENTRYPOINT.
        if cmd is not None and (entrypoint is None or entrypoint.is_exec_form):
            words = words + _instruction_words(cmd)
        if words:
            env = {name: expand(value, stage.env)[0] for name, value in stage.env.items()}
            yield Launch(
                dockerfile.path,
                "dockerfile-cmd",
                Command(words, words[0].line, env),
                {k: v for k, v in env_lines.items() if k in env},
            )


def _sequence_words(node: SequenceNode) -> list[Word] | None:
    items = node.value
    if not items or len(items) > MAX_SEQUENCE:
        return None
    if not all(is_scalar(item) for item in items):
        return None
    return [Word(str(item.value), str(item.value), line(item)) for item in items]


def yaml_environment(mapping: MappingNode) -> tuple[dict[str, str], dict[str, int]]:
    """A service's environment: compose ``environment:`` (mapping or ``K=V`` list), k8s ``env:``."""
    env: dict[str, str] = {}
    lines: dict[str, int] = {}
    for key, value in mapping.value:
        name = key.value if is_scalar(key) else None
        if name == "environment" and is_mapping(value):
            for item_key, item in value.value:
                if is_scalar(item_key) and is_scalar(item):
                    env[str(item_key.value)] = str(item.value)
                    lines[str(item_key.value)] = line(item_key)
        elif name == "environment" and is_sequence(value):
            for item in value.value:
                if is_scalar(item) and "=" in str(item.value):
                    variable, _, setting = str(item.value).partition("=")
                    env[variable] = setting
                    lines[variable] = line(item)
        elif name == "env" and is_sequence(value):
            for item in value.value:  # Kubernetes: [{name: X, value: "1"}]
                name_node, value_node = get(item, "name"), get(item, "value")
                if is_scalar(name_node) and is_scalar(value_node):
                    env[str(name_node.value)] = str(value_node.value)
                    lines[str(name_node.value)] = line(name_node)
    return env, lines


def _mapping_commands(path: str, node: MappingNode, file_lines: list[str]) -> Iterator[Launch]:
    """The command of one service / container: ``command`` (or ``entrypoint``) then ``args``."""
    env, env_lines = yaml_environment(node)
    argv: list[Word] = []
    for key, value in node.value:
        name = str(key.value).lower() if is_scalar(key) else ""
        if name not in COMMAND_KEYS:
            continue
        if is_sequence(value):
            argv.extend(_sequence_words(value) or [])
        elif is_scalar(value) and value.tag.endswith(":str") and value.value:
            lines = scalar_lines(value, file_lines)
            commands = parse_mapped(str(value.value), lines).commands
            for command in commands[:-1]:
                yield Launch(path, "yaml", replace(command, env={**env, **command.env}), env_lines)
            if commands:
                argv.extend(commands[-1].words)
                env = {**env, **commands[-1].env}
    if argv:
        yield Launch(path, "yaml", Command(argv, argv[0].line, env), env_lines)


def yaml_commands(path: str, roots: list[Node], file_lines: list[str]) -> Iterator[Launch]:
    """Command keys (``command`` + ``args``, with the environment) and other string lists."""
    stack: list[Node] = list(roots)
    while stack:
        node = stack.pop()
        if is_sequence(node):
            words = _sequence_words(node)
            if words:
                yield Launch(path, "yaml", Command(words, words[0].line))
            else:
                stack.extend(node.value)
        elif is_mapping(node):
            yield from _mapping_commands(path, node, file_lines)
            for key, value in node.value:
                name = str(key.value).lower() if is_scalar(key) else ""
                if name not in COMMAND_KEYS:
                    stack.append(value)


def json_commands(path: str, data: object, index: LineIndex) -> Iterator[Launch]:
    """Every array of strings in a JSON document, as argv (``launch.json`` ``args`` ...)."""
    stack = [data]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            if 0 < len(current) <= MAX_SEQUENCE and all(isinstance(v, PosStr) for v in current):
                words = [Word(str(v), str(v), index.position(v.pos)[0]) for v in current]
                yield Launch(path, "json", Command(words, words[0].line))
            else:
                stack.extend(current)


def _config_launches(project: Project) -> Iterator[Launch]:
    shell_yaml = {f.path for f in project.get(Workflows).of_kind(*SHELL_YAML_KINDS)}
    for path, text in config_files(project, NEEDLES):
        if path in shell_yaml:
            continue
        if path.endswith(".json"):
            try:
                data = loads_with_positions(text)
            except (ValueError, RecursionError) as error:
                project.skip(path, f"{json_problem(error)}; not analysed for command lines")
                continue
            yield from json_commands(path, data, LineIndex(text))
            continue
        try:
            roots = project.get(ComposedYaml).documents(path, text)
        except YamlError as error:
            project.skip(path, f"{error}; not analysed for command lines")
            continue
        yield from yaml_commands(path, roots, text.splitlines())


class LaunchCommands(View):
    """Every command the project runs or starts, outside Python code and notebooks."""

    def __init__(self, launches: list[Launch]) -> None:
        """Hold the launches."""
        self.launches = launches

    @classmethod
    def build(cls, project: Project) -> LaunchCommands:
        """See ``View.build``."""
        launches: list[Launch] = []
        for snippet in project.get(ShellCommands).snippets:
            if snippet.origin == "notebook":
                continue
            for command in snippet.script.commands:
                launches.append(Launch(snippet.path, snippet.origin, command))
        for dockerfile in project.get(Dockerfiles).files:
            launches.extend(dockerfile_launches(dockerfile))
        launches.extend(_config_launches(project))
        return cls(launches)
