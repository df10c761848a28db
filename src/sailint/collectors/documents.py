"""Documentation files: Markdown/reST/text with front matter and headings located by line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from sailint.project import Project, View

DOC_PATTERNS = ("*.md", "*.markdown", "*.rst", "*.txt", "*.adoc")
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT_UNDERLINE = re.compile(r"^(=+|-+|~+|\^+)\s*$")


@dataclass(frozen=True)
class Heading:
    """A section heading and its line."""

    level: int
    title: str
    line: int


@dataclass
class Document:
    """A documentation file with its parsed YAML front matter and headings."""

    path: str
    text: str
    front_matter: dict[str, Any] | None = None
    front_matter_end: int = 0  # last line of the front matter block, 0 when none
    headings: list[Heading] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file name without directories."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def lines(self) -> list[str]:
        """The document's lines."""
        return self.text.splitlines()

    def find(self, pattern: re.Pattern[str]) -> int | None:
        """The 1-based line of the first match of ``pattern``, or None."""
        for number, line in enumerate(self.lines, start=1):
            if pattern.search(line):
                return number
        return None


def parse_document(path: str, text: str) -> tuple[Document, str | None]:
    """Parse a document; returns it and an error message for broken front matter, if any."""
    document = Document(path, text)
    lines = text.splitlines()
    error = None
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() in ("---", "..."):
                block = "\n".join(lines[1:end])
                document.front_matter_end = end + 1
                try:
                    loaded = yaml.safe_load(block)
                except yaml.YAMLError as exc:
                    mark = getattr(exc, "problem_mark", None)
                    where = f" at line {mark.line + 2}" if mark is not None else ""
                    error = f"invalid YAML front matter{where}"
                    loaded = None
                if isinstance(loaded, dict):
                    document.front_matter = loaded
                break
    in_fence = False
    for number, line in enumerate(lines, start=1):
        if number <= document.front_matter_end:
            continue
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = MARKDOWN_HEADING.match(line)
        if match:
            document.headings.append(Heading(len(match.group(1)), match.group(2).strip(), number))
        elif (
            number > 1
            and SETEXT_UNDERLINE.match(line)
            and lines[number - 2].strip()
            and not MARKDOWN_HEADING.match(lines[number - 2])
        ):
            level = 1 if line.lstrip().startswith("=") else 2
            document.headings.append(Heading(level, lines[number - 2].strip(), number - 1))
    return document, error


class Documents(View):
    """Every documentation file of the project."""

    def __init__(self, documents: list[Document]) -> None:
        """Hold the parsed documents."""
        self.documents = documents
        self.by_path = {document.path: document for document in documents}

    @classmethod
    def build(cls, project: Project) -> Documents:
        """See ``View.build``."""
        documents = []
        for path in sorted(project.paths(*DOC_PATTERNS)):
            text = project.text(path)
            if text is None:
                continue
            document, error = parse_document(path, text)
            if error:
                project.notify("warning", f"{error}; front matter ignored", path, 1)
            documents.append(document)
        return cls(documents)

    def named(self, *patterns: str) -> list[Document]:
        """Documents whose path or file name matches (case-insensitive regexes, full match)."""
        compiled = [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
        return [
            document
            for document in self.documents
            if any(rx.fullmatch(document.path) or rx.fullmatch(document.name) for rx in compiled)
        ]
