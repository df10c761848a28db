"""Terminal output: ``path:line:col: ID [level] message``, a hint, and a summary line."""

from __future__ import annotations

from collections import Counter

from sailint.engine import Report
from sailint.model import Level

COLOURS = {Level.ERROR: "\033[31m", Level.WARNING: "\033[33m", Level.NOTE: "\033[36m"}
BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


def render(report: Report, colour: bool = False, verbose: bool = False) -> str:
    """Render open findings, skipped files and run notifications as plain text."""
    rules = {rule.id: rule for rule in report.rules}

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if colour else text

    out: list[str] = []
    for finding in report.open_findings:
        loc = finding.location
        path = report.display_prefix + loc.path
        level = paint(f"[{finding.level.label}]", COLOURS[finding.level])
        out.append(
            f"{paint(f'{path}:{loc.line}:{loc.column}:', BOLD)} {finding.rule_id} {level} {finding.message}"
        )
        rule = rules.get(finding.rule_id)
        if rule is not None:
            out.append(paint(f"  help: {rule.remediation_hint} ({rule.slug})", DIM))
    for note in report.notifications:
        where = f"{report.display_prefix}{note.path}" if note.path else "sailint"
        if note.path and note.line:
            where += f":{note.line}"
        out.append(
            paint(f"{where}: {note.level}: {note.message}", DIM if note.level == "note" else "")
        )
    if report.skipped:
        reasons = Counter(skip.reason.split(" (")[0].split(";")[0] for skip in report.skipped)
        if verbose:
            for skip in report.skipped:
                out.append(paint(f"skipped {report.display_prefix}{skip.path}: {skip.reason}", DIM))
        else:
            summary = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
            out.append(
                paint(f"skipped {len(report.skipped)} file(s): {summary} (-v lists them)", DIM)
            )
    counts = Counter(f.level for f in report.open_findings)
    total = len(report.open_findings)
    parts = [f"{counts[level]} {level.label}" for level in (Level.ERROR, Level.WARNING, Level.NOTE)]
    extra = []
    if report.suppressed_findings:
        extra.append(f"{len(report.suppressed_findings)} suppressed")
    if report.skipped:
        extra.append(f"{len(report.skipped)} skipped")
    if report.excluded_count:
        extra.append(f"{report.excluded_count} excluded")
    summary = (
        f"{total} finding{'s' if total != 1 else ''} ({', '.join(parts)})"
        f" in {report.files_scanned} files, {len(report.rules)} rules"
    )
    if extra:
        summary += "; " + ", ".join(extra)
    out.append(paint(summary, BOLD))
    return "\n".join(out) + "\n"
