"""SAI201-SAI203: secrets in tracked files, in notebook outputs and in git history (redacted)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sailint.collectors.secrets import FoundSecret, SecretScan
from sailint.context import RuleContext
from sailint.model import Finding, Suppression

if TYPE_CHECKING:
    from sailint.collectors.secrethistory import PastSecret


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


def secret_in_history(ctx: RuleContext) -> Iterator[Finding]:
    """SAI203: a secret added in a past commit that is no longer in the tree."""
    from sailint.collectors.secrethistory import HistoryScan  # git: for this rule only

    history = ctx.project.get(HistoryScan)
    if not history.ran:
        ctx.project.notify("note", f"SAI203 did not run: {history.reason}")
        return
    shallow = " of a shallow clone (older commits were not fetched and not scanned)"
    ctx.project.notify(
        "note",
        f"SAI203 scanned the added lines of {history.commits} commits ({history.scope})"
        + (shallow if history.shallow else ""),
    )
    present = ctx.project.get(SecretScan).digests
    first: dict[tuple[str, str], PastSecret] = {}
    for past in history.found:  # newest first: the last one seen introduced the secret
        if past.match.digest in present:
            continue
        current = None
        if ctx.project.exists(past.path) and not ctx.project.is_binary(past.path):
            current = ctx.project.text(past.path)
        if current is not None and past.match.secret in current:
            continue  # still in the tree; SAI201/SAI202 report it where it is
        first[(past.match.digest, past.path)] = past
    for (digest, path), past in sorted(first.items(), key=lambda item: item[0][1]):
        match = past.match
        when = dt.datetime.fromtimestamp(past.timestamp, tz=dt.timezone.utc).date().isoformat()
        anchor = path if ctx.project.exists(path) else ctx.project.anchor()
        gone = "" if anchor == path else " (file since deleted)"
        finding = ctx.finding(
            anchor,
            1,
            f"{match.detector.provider} added to {path}{gone} in commit {past.commit[:12]} "
            f"({when}) and since removed, but still in git history: {match.redacted}; "
            "rotate it (deleting it from the tree does not revoke it)",
            key=f"{match.detector.id}:{digest}:{path}",
            properties={
                "provider": match.detector.provider,
                "detector": match.detector.id,
                "redacted": match.redacted,
                "commit": past.commit,
                "historicalPath": path,
                "historicalLine": match.line,
            },
        )
        if match.marker:
            finding.suppression = Suppression(
                "inSource",
                f"`{match.marker}` on the line in commit {past.commit[:12]}",
                f"{path}:{match.line}@{past.commit[:12]}",
            )
        yield finding
