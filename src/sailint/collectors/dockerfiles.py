"""Dockerfiles read line-accurately: directives, continuations, heredocs, ARG defaults, stages.

Hand-written rather than ``dockerfile-parse``: that library gives no line for each heredoc
body line, does not expand ``ARG`` defaults inside ``FROM`` per BuildKit's scoping and needs a
file object; the grammar needed here is small.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

from sailint.project import Project, View

DOCKERFILE_PATTERNS = (
    "Dockerfile", "*.Dockerfile", "Dockerfile.*", "*.dockerfile", "Containerfile", "Containerfile.*",
)  # fmt: skip
# `Dockerfile.dockerignore` (BuildKit's per-Dockerfile ignore file) and docs are not Dockerfiles.
NOT_DOCKERFILE = re.compile(r".*\.(dockerignore|md|rst|txt|json|ya?ml|sh|py|lock)$")
KNOWN_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
    "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip
DIRECTIVE = re.compile(r"^#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$")
INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)(?:\s+|$)(.*)$", re.DOTALL)
HEREDOC = re.compile(r"<<(-?)(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)
FLAG = re.compile(r"^--([a-z-]+)(?:=(\S*))?\s*")


@dataclass
class Heredoc:
    """A here-document of an instruction: its delimiter, body and the file line of its body."""

    delimiter: str
    body: str
    first_line: int  # file line of the body's first line


@dataclass
class Instruction:
    """One Dockerfile instruction with its arguments and where they sit."""

    keyword: str
    args: str  # arguments with continuations joined and comment lines dropped
    line: int
    flags: dict[str, str] = field(default_factory=dict)
    # Shell text of the arguments with one entry per physical line (file line, text).
    physical: list[tuple[int, str]] = field(default_factory=list)
    heredocs: list[Heredoc] = field(default_factory=list)

    @property
    def is_exec_form(self) -> bool:
        """True for the JSON array form (``RUN ["pip", "install", ...]``)."""
        return self.args.lstrip().startswith("[")


@dataclass
class Stage:
    """A build stage: its ``FROM`` and the instructions up to the next one."""

    index: int
    name: str | None
    image: str  # the base with ARG defaults expanded
    line: int
    unresolved: set[str]  # ARGs in the FROM line with no value
    parent: Stage | None  # the earlier stage this one builds on, if any
    instructions: list[Instruction] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Dockerfile:
    """A parsed Dockerfile."""

    path: str
    instructions: list[Instruction]
    stages: list[Stage]
    directives: dict[str, str]
    problems: list[tuple[int, str]]


def expand(text: str, values: dict[str, str]) -> tuple[str, set[str]]:
    """Expand ``$X``/``${X}``/``${X:-d}``/``${X:+v}`` with ``values``; also return unknown names."""
    unknown: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        operator, word = match.group(2), match.group(3) or ""
        value = values.get(name)
        if operator and operator.endswith("-"):
            return value if value else word
        if operator and operator.endswith("+"):
            return word if value else ""
        if value is None:
            unknown.add(name)
            return match.group(0)
        return value

    return VARIABLE.sub(substitute, text), unknown


def _flags(args: str) -> tuple[dict[str, str], str]:
    flags: dict[str, str] = {}
    while True:
        match = FLAG.match(args)
        if not match:
            return flags, args
        flags[match.group(1)] = match.group(2) or ""
        args = args[match.end() :]


def _arg_pairs(args: str) -> list[tuple[str, str | None]]:
    try:
        parts = shlex.split(args)
    except ValueError:
        parts = args.split()
    pairs: list[tuple[str, str | None]] = []
    for part in parts:
        name, equals, value = part.partition("=")
        pairs.append((name, value if equals else None))
    return pairs


def _env_pairs(args: str) -> list[tuple[str, str]]:
    pairs = _arg_pairs(args)
    if len(pairs) >= 2 and all(value is None for _, value in pairs):
        return [(pairs[0][0], " ".join(name for name, _ in pairs[1:]))]  # ENV KEY value
    return [(name, value) for name, value in pairs if value is not None]


def parse_dockerfile(path: str, text: str) -> Dockerfile:
    """Read ``text`` into instructions and stages; problems are returned with their lines."""
    lines = text.splitlines()
    directives: dict[str, str] = {}
    problems: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):  # parser directives come first, before any comment or blank line
        match = DIRECTIVE.match(lines[index])
        if not match or match.group(1).lower() in directives:
            break
        directives[match.group(1).lower()] = match.group(2)
        index += 1
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        problems.append((1, f"unsupported escape directive {escape!r}; using '\\'"))
        escape = "\\"
    instructions: list[Instruction] = []
    while index < len(lines):
        first = index
        stripped = lines[index].strip()
        index += 1
        if not stripped or stripped.startswith("#"):
            continue
        physical = [(first + 1, lines[first])]
        while physical[-1][1].rstrip().endswith(escape) and index < len(lines):
            following = lines[index]
            index += 1
            if following.strip().startswith("#") or not following.strip():
                continue  # Docker drops comment and empty lines inside a continuation
            physical.append((index, following))
        match = INSTRUCTION.match(physical[0][1])
        if not match:
            problems.append((first + 1, f"cannot read instruction {stripped[:40]!r}"))
            continue
        keyword = match.group(1).upper()
        if keyword not in KNOWN_INSTRUCTIONS:
            problems.append((first + 1, f"unknown instruction {match.group(1)!r}; skipped"))
            continue
        head = match.group(2)
        physical[0] = (physical[0][0], head)
        if escape == "`":
            physical = [(n, t[:-1] + "\\" if t.rstrip().endswith("`") else t) for n, t in physical]
            physical = [(n, t.rstrip()) for n, t in physical]
        joined = " ".join(
            t.rstrip()[:-1] if t.rstrip().endswith("\\") else t for _, t in physical
        ).strip()
        flags, args = _flags(joined)
        if physical and flags:
            physical[0] = (physical[0][0], _flags(physical[0][1].lstrip())[1])
        instruction = Instruction(keyword, args, first + 1, flags, physical)
        if keyword in ("RUN", "COPY", "ADD") and not instruction.is_exec_form:
            for heredoc in HEREDOC.finditer(physical[0][1]):
                strip_tabs, delimiter = heredoc.group(1) == "-", heredoc.group(3)
                body: list[str] = []
                body_start = index + 1
                while index < len(lines):
                    candidate = lines[index].lstrip("\t") if strip_tabs else lines[index]
                    index += 1
                    if candidate.rstrip() == delimiter:
                        break
                    body.append(candidate)
                else:
                    problems.append(
                        (first + 1, f"unterminated heredoc <<{delimiter}; read to end of file")
                    )
                instruction.heredocs.append(Heredoc(delimiter, "\n".join(body), body_start))
        instructions.append(instruction)
    return Dockerfile(path, instructions, _stages(instructions), directives, problems)


def _stages(instructions: list[Instruction]) -> list[Stage]:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "ARG" and not stages:
            for name, value in _arg_pairs(instruction.args):
                if value is not None:  # defaults may use earlier ARGs: `nvidia/cuda:${CUDA}-...`
                    global_args[name] = expand(value, global_args)[0]
        elif instruction.keyword == "FROM":
            words = instruction.args.split()
            image, unknown = expand(words[0] if words else "", global_args)
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            parent = next(
                (s for s in reversed(stages) if s.name and s.name.lower() == image.lower()), None
            )
            stage = Stage(len(stages), alias, image, instruction.line, unknown, parent)
            if parent is not None:
                stage.env = dict(parent.env)
            stages.append(stage)
        elif stages:
            stage = stages[-1]
            stage.instructions.append(instruction)
            if instruction.keyword == "ARG":
                for name, value in _arg_pairs(instruction.args):
                    if value is not None:
                        stage.env[name] = expand(value, stage.env)[0]
                    elif name in global_args:
                        stage.env[name] = global_args[name]
            elif instruction.keyword == "ENV":
                for name, value in _env_pairs(instruction.args):
                    stage.env[name] = expand(value, stage.env)[0]
    return stages


def run_shell(instruction: Instruction) -> list[tuple[str, list[int]]]:
    """The shell texts a RUN executes, each with the file line of every text line."""
    if instruction.is_exec_form:
        try:
            argv = json.loads(instruction.args)
        except json.JSONDecodeError:
            argv = None
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            return [(shlex.join(argv), [instruction.line])]
        return []
    physical = list(instruction.physical)
    head = HEREDOC.sub("", physical[0][1]).strip() if physical else ""
    if instruction.heredocs:
        physical[0] = (physical[0][0], head)  # the bodies are not in this text
    texts = [("\n".join(t for _, t in physical), [n for n, _ in physical])]
    for heredoc in instruction.heredocs:
        shell_body = not head or re.match(r"^(\S*/)?(ba|da|z)?sh\b", head) is not None
        first_line = heredoc.body.split("\n", 1)[0]
        if first_line.startswith("#!") and not re.search(r"\b(ba|da|z)?sh\b", first_line):
            shell_body = False
        if shell_body:
            count = heredoc.body.count("\n") + 1
            texts.append(
                (heredoc.body, list(range(heredoc.first_line, heredoc.first_line + count)))
            )
    return texts


class Dockerfiles(View):
    """Every Dockerfile / Containerfile of the project, parsed once."""

    def __init__(self, files: list[Dockerfile]) -> None:
        """Hold the parsed files."""
        self.files = files

    @classmethod
    def build(cls, project: Project) -> Dockerfiles:
        """See ``View.build``; reading problems become notifications with file and line."""
        files: list[Dockerfile] = []
        for path in sorted(project.paths(*DOCKERFILE_PATTERNS)):
            if NOT_DOCKERFILE.match(path.rsplit("/", 1)[-1]):
                continue
            text = project.text(path)
            if text is None:
                continue
            parsed = parse_dockerfile(path, text)
            for line, message in parsed.problems:
                project.notify("warning", f"Dockerfile: {message}", path, line)
            files.append(parsed)
        return cls(files)
