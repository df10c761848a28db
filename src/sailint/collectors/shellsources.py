"""Every shell command with its file line: RUN, CI scripts, ``*.sh``, Makefiles, notebook magics."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sailint.collectors.dockerfiles import Dockerfiles, run_shell
from sailint.collectors.notebooks import Notebooks
from sailint.collectors.python import is_python_notebook, notebook_code
from sailint.collectors.shell import Command, ShellScript, Word, parse_shell
from sailint.collectors.workflows import Workflows, shell_blocks
from sailint.project import Project, View

SHELL_SUFFIXES = ("*.sh", "*.bash")
SHEBANG_SHELL = re.compile(rb"^#!\s*(/usr)?(/bin/|/usr/bin/env\s+)(ba|da|z|k)?sh\b")
MAKEFILES = ("Makefile", "makefile", "GNUmakefile", "*.mk")
MAKE_ASSIGN = re.compile(
    r"^(?:export\s+|override\s+)?([A-Za-z_][\w.-]*)\s*(?:::?|\?|\+|!)?=\s*(.*)$"
)
MAKE_RULE = re.compile(r"^[^\s#=:][^=]*?::?(?!=)")
MAKE_VARIABLE = re.compile(r"\$[({]([A-Za-z_][\w.-]*)[)}]")
MAGIC_PREFIX = re.compile(r"^\s*(?:!|%(?:sx|system)\s+|%(?=(?:pip|conda|mamba|uv)\b))")
CELL_SHELL = re.compile(r"^\s*%%(?:bash|sh|script\s+(?:ba)?sh)\b")


@dataclass
class Snippet:
    """One shell text of one file with its commands (lines already in file coordinates)."""

    path: str
    origin: str  # dockerfile | workflow | action | gitlab | script | makefile | notebook
    script: ShellScript


def _mapped(path: str, origin: str, text: str, lines: list[int]) -> Snippet:
    """Parse ``text`` into a snippet of ``path`` with file lines (see ``parse_mapped``)."""
    return Snippet(path, origin, parse_mapped(text, lines))


def parse_mapped(text: str, lines: list[int]) -> ShellScript:
    """Parse shell ``text`` and move its 1-based lines onto the file lines in ``lines``."""
    script = parse_shell(text)

    def to_file(number: int) -> int:
        return lines[min(max(number, 1), len(lines)) - 1] if lines else number

    pipelines = [
        [
            replace(
                command,
                line=to_file(command.line),
                words=[Word(w.text, w.raw, to_file(w.line)) for w in command.words],
            )
            for command in pipeline
        ]
        for pipeline in script.pipelines
    ]
    problems = [replace(p, line=to_file(p.line)) for p in script.problems]
    return ShellScript(pipelines, problems)


def _recipe(text: str, variables: dict[str, str]) -> str:
    """A recipe line as the shell sees it: prefixes stripped, make variables expanded."""
    recipe = text.strip().lstrip("@-+").lstrip()
    for _ in range(3):  # nested variables, bounded
        recipe = MAKE_VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), recipe)
    return recipe.replace("$$", "$")


def makefile_recipes(text: str) -> list[tuple[str, list[int]]]:
    """Each recipe line of a Makefile (continuations joined) with make variables expanded."""
    variables: dict[str, str] = {}
    recipes: list[tuple[str, list[int]]] = []
    in_rule = False
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        raw = lines[index]
        number = index + 1
        index += 1
        if raw.startswith("\t") and in_rule:
            chunk, numbers = [raw[1:]], [number]
            while chunk[-1].rstrip().endswith("\\") and index < len(lines):
                chunk.append(lines[index].lstrip("\t"))
                numbers.append(index + 1)
                index += 1
            recipes.append((_recipe("\n".join(chunk), variables), numbers))
            continue
        assign = MAKE_ASSIGN.match(raw)
        if assign and not raw.startswith("\t"):
            variables[assign.group(1)] = assign.group(2).strip()
            in_rule = False
        elif MAKE_RULE.match(raw):
            in_rule = True
            target_recipe = raw.split(";", 1)
            if len(target_recipe) == 2 and target_recipe[1].strip():
                recipes.append((_recipe(target_recipe[1], variables), [number]))
        elif raw.strip() and not raw.startswith("#"):
            in_rule = in_rule and raw.startswith((" ", "\t"))
    return recipes


def notebook_shell(magics: list[tuple[str, int]]) -> list[tuple[str, list[int]]]:
    """Shell texts of notebook magics: ``!cmd``, ``%pip ...``, ``%%bash`` cells (by line runs)."""
    texts: list[tuple[str, list[int]]] = []
    cell: list[tuple[str, int]] | None = None
    for text, number in magics:
        if cell is not None and number == cell[-1][1] + 1 and not CELL_SHELL.match(text):
            cell.append((text, number))
            continue
        if cell is not None and len(cell) > 1:
            texts.append(("\n".join(t for t, _ in cell[1:]), [n for _, n in cell[1:]]))
        cell = None
        if CELL_SHELL.match(text):
            cell = [(text, number)]
            continue
        prefix = MAGIC_PREFIX.match(text)
        if prefix:
            texts.append((text[prefix.end() :], [number]))
    if cell is not None and len(cell) > 1:
        texts.append(("\n".join(t for t, _ in cell[1:]), [n for _, n in cell[1:]]))
    return texts


class ShellCommands(View):
    """Every shell snippet of the project, parsed once."""

    def __init__(self, snippets: list[Snippet]) -> None:
        """Hold the snippets."""
        self.snippets = snippets

    def commands(self) -> list[tuple[Snippet, list[Command]]]:
        """``(snippet, pipeline)`` pairs in file order."""
        return [(s, pipeline) for s in self.snippets for pipeline in s.script.pipelines]

    @classmethod
    def build(cls, project: Project) -> ShellCommands:
        """See ``View.build``; unreadable shell is reported as a notification with its line."""
        snippets: list[Snippet] = []
        for dockerfile in project.get(Dockerfiles).files:
            for instruction in dockerfile.instructions:
                if instruction.keyword == "RUN":
                    for text, lines in run_shell(instruction):
                        snippets.append(_mapped(dockerfile.path, "dockerfile", text, lines))
        for document in project.get(Workflows).files:
            for block in shell_blocks(document):
                snippets.append(_mapped(block.path, document.kind, block.text, block.lines))
        scripts = set(project.paths(*SHELL_SUFFIXES))
        for path in project.files:
            if "." not in path.rsplit("/", 1)[-1] and path not in scripts:
                head = project.read_head(path, 64)
                if head and SHEBANG_SHELL.match(head):
                    scripts.add(path)
        for path in sorted(scripts):
            script = project.text(path)
            if script is not None:
                numbers = list(range(1, script.count("\n") + 2))
                snippets.append(_mapped(path, "script", script, numbers))
        for path in sorted(project.paths(*MAKEFILES)):
            for recipe, lines in makefile_recipes(project.text(path) or ""):
                snippets.append(_mapped(path, "makefile", recipe, lines))
        notebooks = project.get(Notebooks).notebooks if project.paths("*.ipynb") else []
        for notebook in notebooks:
            if not is_python_notebook(notebook):
                continue
            magics = [(m.text, m.location.line) for m in notebook_code(notebook).magics]
            for text, lines in notebook_shell(magics):
                snippets.append(_mapped(notebook.path, "notebook", text, lines))
        for snippet in snippets:
            for problem in snippet.script.problems:
                project.notify("warning", f"shell: {problem.message}", snippet.path, problem.line)
        return cls(snippets)
