"""What a check function receives: its rule's metadata, the project, and a finding factory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sailint.model import Confidence, Finding, Level, Location
from sailint.project import Project
from sailint.rulemeta import RuleMeta


class RuleContext:
    """Binds one rule to one project for the duration of a scan."""

    def __init__(self, rule: RuleMeta, project: Project) -> None:
        """Create the context of ``rule`` running over ``project``."""
        self.rule = rule
        self.project = project

    def option(self, name: str) -> Any:
        """A rule option: the user's value from config, else the rule's declared default."""
        for token in (self.rule.id, self.rule.slug):
            options = self.project.config.rule_options.get(token)
            if options and name in options:
                return options[name]
        return self.rule.option_default(name)

    def finding(
        self,
        path: str | Location,
        line: int = 1,
        message: str = "",
        *,
        column: int = 1,
        end_line: int | None = None,
        end_column: int | None = None,
        level: Level | None = None,
        confidence: Confidence | None = None,
        key: str | None = None,
        related: Iterable[Location] = (),
        properties: Mapping[str, Any] | None = None,
    ) -> Finding:
        """A finding of this rule; level and confidence default to the rule's.

        ``key`` is the logical identity used for the content fingerprint. Leave it None for
        findings about a line of code (the line's text is used); set it for findings about
        something missing, whose anchor line says nothing about the problem.
        """
        if isinstance(path, Location):
            location = path
        else:
            location = Location(path, max(1, line), max(1, column), end_line, end_column)
        return Finding(
            rule_id=self.rule.id,
            message=message,
            level=level or self.rule.level,
            confidence=confidence or self.rule.confidence,
            location=location,
            related=tuple(related),
            properties=dict(properties or {}),
            key=key,
        )

    def evidence(self, path: str, line: int, description: str) -> None:
        """Record positive evidence found by this rule."""
        self.project.add_evidence(self.rule.id, path, line, description)
