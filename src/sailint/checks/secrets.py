"""SAI201-SAI203: secrets in tracked files, in notebook outputs and in git history (redacted)."""

from __future__ import annotations

from collections.abc import Iterator

from sailint.collectors.secrets import FoundSecret, SecretScan
from sailint.context import RuleContext
from sailint.model import Finding, Suppression


def _finding(ctx: RuleContext, found: FoundSecret, message: str) -> Finding:
    match = found.match
    finding = ctx.finding(
        found.path,
        match.line,
        message,
        column=match.column,
        key=f"{match.detector.id}:{match.digest}",
        properties={
            "provider": match.detector.provider,
            "detector": match.detector.id,
            "redacted": match.redacted,
        },
    )
    if match.marker:
        # Teams migrating from gitleaks / detect-secrets keep their annotations.
        finding.suppression = Suppression(
            "inSource",
            f"`{match.marker}` on the line (marker of another secret scanner)",
            f"{found.path}:{match.line}",
        )
    return finding


def hardcoded_secret(ctx: RuleContext) -> Iterator[Finding]:
    """SAI201: a credential in a tracked text file or a notebook cell's source."""
    for found in ctx.project.get(SecretScan).in_sources:
        where = f" (notebook cell {found.cell})" if found.cell else ""
        yield _finding(
            ctx,
            found,
            f"{found.match.detector.provider} hard-coded{where}: {found.match.redacted}; "
            "rotate it and load it from the environment or a secret manager",
        )


def secret_in_notebook_output(ctx: RuleContext) -> Iterator[Finding]:
    """SAI202: a credential printed into a stored notebook output."""
    for found in ctx.project.get(SecretScan).in_outputs:
        yield _finding(
            ctx,
            found,
            f"{found.match.detector.provider} in the {found.output} output of notebook "
            f"cell {found.cell}: {found.match.redacted}; rotate it and clear the outputs",
        )
