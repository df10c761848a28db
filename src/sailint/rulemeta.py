"""The metadata of a rule, as declared in its YAML file under ``rules/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sailint.model import Confidence, Level

DOCS_BASE_URL = "https://github.com/sailint/sailint/blob/main/docs/rules"

#: Scopes a rule may declare: what the engine feeds its check function.
SCOPES = ("repository", "python", "text", "document")


@dataclass(frozen=True)
class ExampleFile:
    """One file of a rule's bad or good example."""

    path: str
    content: str
    committed: str | None = None  # commit this file in a git repo with this date (history rules)
    removed: str | None = None  # then delete it in a commit with this date (history rules)


@dataclass(frozen=True)
class OptionSpec:
    """A per-rule option that users may set under ``[tool.sailint.rule-options.ID]``."""

    name: str
    type: str  # "integer" | "string" | "boolean" | "list"
    default: Any
    description: str


@dataclass(frozen=True)
class RuleMeta:
    """Everything a rule says about itself; docs, SARIF and ``explain`` derive from it."""

    id: str
    slug: str
    title: str
    level: Level
    confidence: Confidence
    scope: str
    category: str
    guidelines: tuple[str, ...]
    rationale: str
    remediation: str
    bad_example: tuple[ExampleFile, ...]
    good_example: tuple[ExampleFile, ...]
    check: str | None
    match: dict[str, Any] | None
    # A check run on each Python unit, for repository rules that also judge Python code.
    python_check: str | None = None
    references: dict[str, tuple[str, ...]] = field(default_factory=dict)
    links: tuple[str, ...] = ()
    options: tuple[OptionSpec, ...] = ()
    security_severity: float | None = None
    file_local: bool = False
    # False when the rule's repository check never reports a Python module (``*.py``), or the
    # file names of the only ones it can (``setup.py``): a pre-commit run given only Python
    # modules, none of those names, skips that check (engine.py).
    reads_python_modules: bool | tuple[str, ...] = True
    source_file: str = ""

    @property
    def stem(self) -> str:
        """``ID-slug``: the rule's file, fixture and doc name."""
        return f"{self.id}-{self.slug}"

    @property
    def docs_url(self) -> str:
        """Where the generated documentation page of this rule lives."""
        return f"{DOCS_BASE_URL}/{self.stem}.md"

    @property
    def remediation_hint(self) -> str:
        """The first sentence of the remediation, for one-line output."""
        text = " ".join(self.remediation.split())
        end = text.find(". ")
        return text if end < 0 else text[: end + 1]

    def option_default(self, name: str) -> Any:
        """The declared default of option ``name``."""
        for option in self.options:
            if option.name == name:
                return option.default
        raise KeyError(f"rule {self.id} declares no option {name!r}")
