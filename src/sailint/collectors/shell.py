"""A small POSIX-shell reader: words, pipelines and simple commands with their line numbers.

Hand-written rather than ``shlex`` (which drops the newline after a comment, treats ``#`` inside a
word such as ``git+https://x#egg=y`` as a comment and gives no line per token) or ``bashlex``
(which raises on common constructs such as arrays, ``[[ ]]`` and here-documents). It never runs
anything and never raises: problems are returned as ``ShellProblem`` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")")
REDIRECTS = ("<<<", "<<-", "<<", ">>", "&>>", "&>", ">&", "<&", ">|", "<>", ">", "<")
RESERVED = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}"}
RESERVED |= {"esac", "time", "in"}
# Wrappers that run the rest of the line as a command; value: options that take an argument.
WRAPPERS: dict[str, set[str]] = {
    "sudo": {"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "--user", "--group"},
    "env": {"-u", "-C", "-S", "--unset", "--chdir"},
    "nohup": set(),
    "exec": set(),
    "command": set(),
    "nice": {"-n"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "stdbuf": {"-i", "-o", "-e"},
    "xargs": {"-n", "-I", "-L", "-P", "-d", "-a", "-E", "-s"},
}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_HEREDOC_WORD = re.compile(r"^(['\"]?)([^'\"\s]+)\1$")


@dataclass(frozen=True)
class Word:
    """One shell word: its value with quotes removed, as written, and its 1-based line."""

    text: str
    raw: str
    line: int


@dataclass
class Command:
    """A simple command after assignments, reserved words and wrappers such as sudo are removed."""

    words: list[Word]
    line: int
    env: dict[str, str] = field(default_factory=dict)
    redirects: list[tuple[str, str]] = field(default_factory=list)
    sudo: bool = False

    @property
    def argv(self) -> list[str]:
        """The words' values."""
        return [word.text for word in self.words]

    @property
    def name(self) -> str:
        """The command's base name (``/usr/bin/pip3`` -> ``pip3``), or ""."""
        return self.words[0].text.rsplit("/", 1)[-1] if self.words else ""


@dataclass(frozen=True)
class ShellProblem:
    """Something the reader could not make sense of, with its 1-based line."""

    line: int
    message: str


@dataclass
class ShellScript:
    """A parsed snippet: pipelines of commands (one-command pipelines for plain commands)."""

    pipelines: list[list[Command]]
    problems: list[ShellProblem] = field(default_factory=list)

    @property
    def commands(self) -> list[Command]:
        """Every simple command in order."""
        return [command for pipeline in self.pipelines for command in pipeline]


@dataclass(frozen=True)
class _Token:
    kind: str  # "word" | "op" | "redirect" | "newline"
    value: str
    raw: str
    line: int


class _Lexer:
    """Turns shell text into tokens; here-document bodies are consumed and dropped."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.tokens: list[_Token] = []
        self.problems: list[ShellProblem] = []
        self.pending_heredocs: list[tuple[str, bool, int]] = []

    def run(self) -> None:
        self._scan()
        self._read_heredoc_bodies()  # a heredoc opened on the last line without a newline

    def _scan(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r":
                self.pos += 1
            elif char == "\\" and text.startswith("\\\n", self.pos):
                self.pos += 2
                self.line += 1
            elif char == "\n":
                self.tokens.append(_Token("newline", "\n", "\n", self.line))
                self.pos += 1
                self.line += 1
                self._read_heredoc_bodies()
            elif char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif self._operator():
                continue
            else:
                self._word()

    def _operator(self) -> bool:
        text, pos = self.text, self.pos
        if text.startswith(("<(", ">("), pos):
            return False  # process substitution is a word
        digits = re.match(r"\d*", text[pos:]).group(0)  # type: ignore[union-attr]
        for op in REDIRECTS:
            if text.startswith(op, pos + len(digits)):
                self.pos = pos + len(digits) + len(op)
                self.tokens.append(_Token("redirect", op, digits + op, self.line))
                if op in ("<<", "<<-"):
                    self._heredoc_start(op == "<<-")
                return True
        if digits:
            return False
        for op in OPERATORS:
            if text.startswith(op, pos):
                self.pos += len(op)
                self.tokens.append(_Token("op", op, op, self.line))
                return True
        return False

    def _heredoc_start(self, strip_tabs: bool) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1
        start_line = self.line
        self._word()
        if not self.tokens or self.tokens[-1].kind != "word":
            self.problems.append(ShellProblem(start_line, "here-document without a delimiter"))
            return
        delimiter = self.tokens.pop().value
        self.pending_heredocs.append((delimiter, strip_tabs, start_line))

    def _read_heredoc_bodies(self) -> None:
        while self.pending_heredocs:
            delimiter, strip_tabs, start_line = self.pending_heredocs.pop(0)
            while True:
                if self.pos >= len(self.text):
                    self.problems.append(
                        ShellProblem(start_line, f"unterminated here-document (<<{delimiter})")
                    )
                    return
                end = self.text.find("\n", self.pos)
                end = len(self.text) if end < 0 else end
                body_line = self.text[self.pos : end]
                self.pos = min(end + 1, len(self.text))
                self.line += 1
                if (body_line.lstrip("\t") if strip_tabs else body_line).rstrip("\r") == delimiter:
                    break

    def _balanced(self, open_char: str, close_char: str) -> str:
        """Read from an opening bracket to its partner (quotes respected); returns the raw text."""
        text, start, depth = self.text, self.pos, 0
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\":
                self.pos += 2
                continue
            if char in "'\"":
                close = text.find(char, self.pos + 1)
                self.pos = len(text) if close < 0 else close + 1
                continue
            if char == "\n":
                self.line += 1
            if char == open_char:
                depth += 1
            elif char == close_char:
                depth -= 1
                if depth == 0:
                    self.pos += 1
                    return text[start : self.pos]
            self.pos += 1
        self.problems.append(ShellProblem(self.line, f"unbalanced {open_char!r}"))
        return text[start:]

    def _word(self) -> None:
        text = self.text
        start, line = self.pos, self.line
        value: list[str] = []
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\n" or (char in ";&|()<>" and not self._substitution_start()):
                break
            if char == "\\":
                if text.startswith("\\\n", self.pos):
                    self.line += 1
                else:
                    value.append(text[self.pos + 1 : self.pos + 2])
                self.pos += 2
            elif char == "'":
                close = text.find("'", self.pos + 1)
                close = len(text) if close < 0 else close
                chunk = text[self.pos + 1 : close]
                self.line += chunk.count("\n")
                value.append(chunk)
                self.pos = close + 1
            elif char == '"':
                value.append(self._double_quoted())
            elif text.startswith(("$(", "<(", ">("), self.pos):
                self.pos += 1
                value.append(text[self.pos - 1] + self._balanced("(", ")"))
            elif text.startswith("${", self.pos):
                self.pos += 1
                value.append("$" + self._balanced("{", "}"))
            elif char == "`":
                close = text.find("`", self.pos + 1)
                close = len(text) if close < 0 else close
                value.append(text[self.pos : close + 1])
                self.line += text[self.pos : close].count("\n")
                self.pos = close + 1
            else:
                value.append(char)
                self.pos += 1
        if self.pos > start:
            self.tokens.append(_Token("word", "".join(value), text[start : self.pos], line))

    def _substitution_start(self) -> bool:
        return self.text.startswith(("<(", ">("), self.pos)

    def _double_quoted(self) -> str:
        text = self.text
        self.pos += 1
        value: list[str] = []
        while self.pos < len(text) and text[self.pos] != '"':
            char = text[self.pos]
            if char == "\\" and self.pos + 1 < len(text) and text[self.pos + 1] in '"\\$`\n':
                if text[self.pos + 1] == "\n":
                    self.line += 1
                else:
                    value.append(text[self.pos + 1])
                self.pos += 2
            elif text.startswith("$(", self.pos):
                self.pos += 1
                value.append("$" + self._balanced("(", ")"))
            else:
                if char == "\n":
                    self.line += 1
                value.append(char)
                self.pos += 1
        self.pos += 1
        return "".join(value)


def _simple_command(tokens: list[_Token]) -> Command | None:
    words: list[Word] = []
    redirects: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "redirect":
            target = tokens[index + 1] if index + 1 < len(tokens) else None
            if target is not None and target.kind == "word":
                redirects.append((token.value, target.value))
                index += 1
        elif token.kind == "word":
            words.append(Word(token.value, token.raw, token.line))
        index += 1
    env: dict[str, str] = {}
    sudo = False
    while words:
        head = words[0]
        if head.raw in RESERVED or head.text in ("for", "case", "select", "function"):
            if head.text in ("for", "case", "select", "function"):
                return None  # loop headers and case words are not commands
            words = words[1:]
        elif ASSIGNMENT.match(head.raw):
            name, _, value = head.text.partition("=")
            env[name] = value
            words = words[1:]
        elif head.text.rsplit("/", 1)[-1] in WRAPPERS:
            wrapper = head.text.rsplit("/", 1)[-1]
            sudo = sudo or wrapper == "sudo"
            takes_value = WRAPPERS[wrapper]
            words = words[1:]
            if wrapper == "timeout" and words and not words[0].text.startswith("-"):
                words = words[1:]  # the duration
            while words and (words[0].text.startswith("-") or ASSIGNMENT.match(words[0].raw)):
                option = words[0]
                words = words[1:]
                if ASSIGNMENT.match(option.raw):
                    name, _, value = option.text.partition("=")
                    env[name] = value
                elif option.text in takes_value and words:
                    words = words[1:]
        else:
            break
    if not words:
        return None
    return Command(words, words[0].line, env, redirects, sudo)


def parse_shell(text: str) -> ShellScript:
    """Split shell text into pipelines of simple commands; lines are 1-based within ``text``."""
    lexer = _Lexer(text.replace("\r\n", "\n"))  # scripts committed from Windows
    lexer.run()
    pipelines: list[list[Command]] = []
    current: list[Command] = []
    segment: list[_Token] = []
    previous: _Token | None = None
    for token in [*lexer.tokens, _Token("newline", "\n", "\n", lexer.line)]:
        joins_next_line = previous is not None and previous.value in ("|", "|&", "&&", "||")
        previous = token
        if token.kind == "newline" and joins_next_line:
            continue  # `curl ... |` followed by a newline still pipes into the next line
        if token.kind == "op" and token.value in ("|", "|&"):
            command = _simple_command(segment)
            if command is not None:
                current.append(command)
            segment = []
        elif token.kind in ("op", "newline"):
            command = _simple_command(segment)
            if command is not None:
                current.append(command)
            if current:
                pipelines.append(current)
            current, segment = [], []
        else:
            segment.append(token)
    return ShellScript(pipelines, lexer.problems)
