"""A self-contained HTML compliance report (inline CSS, no scripts, nothing loaded from a network)."""

from __future__ import annotations

from html import escape

from sailint.attestations import ATTESTED
from sailint.engine import Report
from sailint.formatters.markdown import (
    CHECKED,
    EVIDENCE,
    GAPS,
    NOT_CHECKABLE,
    PrincipleRow,
    principle_status,
    source_link,
)

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}h3{font-size:1.05rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f6f8fa}code{font-size:.9em}
.status{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.85em;white-space:nowrap}
.gaps{background:#ffebe9;color:#82071e}.evidence{background:#dafbe1;color:#116329}
.checked{background:#ddf4ff;color:#0550ae}.attested{background:#fff8c5;color:#7d4e00}
.overdue{background:#ffd8b5;color:#762c00}.none{background:#eaeef2;color:#57606a}
.error{color:#cf222e}.warning{color:#9a6700}.note{color:#0969da}ul{margin:.2rem 0 .8rem}
.muted{color:#57606a}
"""


def _css_class(status: str) -> str:
    if status == GAPS:
        return "gaps"
    if status == EVIDENCE:
        return "evidence"
    if status == CHECKED:
        return "checked"
    if status.startswith(ATTESTED):
        return "overdue" if "overdue" in status else "attested"
    return "none"


def _where(report: Report, path: str, line: int) -> str:
    text = f"<code>{escape(report.uri(path))}:{line}</code>"
    url = source_link(report, path, line)
    return f'<a href="{escape(url)}">{text}</a>' if url else text


def _principle(report: Report, row: PrincipleRow) -> list[str]:
    rules = {rule.id: rule for rule in report.rules}
    anchor = "p" + row.principle.id.replace(".", "-")
    out = [
        f'<section id="{anchor}"><h3>{escape(row.principle.id)} {escape(row.principle.name)} '
        f'<span class="status {_css_class(row.status)}">{escape(row.status)}</span></h3>'
    ]
    if row.evidence:
        out.append("<p>Evidence found:</p><ul>")
        out += [
            f"<li>{_where(report, e.path, e.line)} {escape(e.description)} "
            f'<span class="muted">({escape(e.rule_id)})</span></li>'
            for e in row.evidence
        ]
        out.append("</ul>")
    if row.findings:
        out.append("<p>Gaps:</p><ul>")
        for finding in row.findings:
            rule = rules[finding.rule_id]
            out.append(
                f'<li><span class="{finding.level.label}">[{finding.level.label}]</span> '
                f"{_where(report, finding.location.path, finding.location.line)} "
                f"{escape(finding.message)} "
                f'(<a href="{escape(rule.docs_url)}">{escape(rule.id)} {escape(rule.slug)}</a>)</li>'
            )
        out.append("</ul>")
    if row.attestations:
        out.append(f"<p>Attestations ({ATTESTED}):</p><ul>")
        for item in row.attestations:
            link = f' <a href="{escape(item.link)}">link</a>' if item.link else ""
            review = f", review by {item.review_by}" if item.review_by else ""
            flag = ' <strong class="error">Review overdue.</strong>' if item.overdue() else ""
            out.append(
                f"<li>{escape(item.title)}: owner {escape(item.owner)}, {item.date}{review}"
                f"{link}{flag}</li>"
            )
        out.append("</ul>")
    if not (row.evidence or row.findings or row.attestations):
        if row.status == NOT_CHECKABLE:
            text = "No rule checks this principle; record evidence as an attestation."
        else:
            text = f"Checked by {', '.join(row.rules)}: nothing to report."
        out.append(f'<p class="muted">{escape(text)}</p>')
    out.append("</section>")
    return out


def render(report: Report) -> str:
    """Render the compliance report as one HTML document."""
    rows = principle_status(report)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>sailint compliance report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>sailint compliance report</h1>",
        "<p>Guidelines for secure AI system development (NCSC, CISA and partner agencies, 2023): "
        "what a scan of this repository shows for each principle. Attestations are recorded by "
        "the team and are not verified by sailint.</p>",
        f'<p class="muted">sailint {escape(report.tool_version)}: {report.files_scanned} files, '
        f"{len(report.rules)} rules, {len(report.open_findings)} open findings, "
        f"{len(report.suppressed_findings)} suppressed, {len(report.skipped)} skipped.</p>",
        "<h2>Summary</h2>",
        "<table><thead><tr><th>Principle</th><th>Rules</th><th>Open findings</th>"
        "<th>Evidence</th><th>Attestations</th><th>Status</th></tr></thead><tbody>",
    ]
    for row in rows:
        anchor = "p" + row.principle.id.replace(".", "-")
        out.append(
            f'<tr><td><a href="#{anchor}">{escape(row.principle.id)}</a> '
            f"{escape(row.principle.name)}</td><td>{escape(', '.join(row.rules) or '-')}</td>"
            f"<td>{len(row.findings)}</td><td>{len(row.evidence)}</td>"
            f"<td>{len(row.attestations)}</td>"
            f'<td><span class="status {_css_class(row.status)}">{escape(row.status)}</span></td></tr>'
        )
    out += ["</tbody></table>", "<h2>Principles</h2>"]
    for row in rows:
        out += _principle(report, row)
    if report.notifications:
        out.append("<h2>Notes about this run</h2><ul>")
        for note in report.notifications:
            where = (
                f"<code>{escape(note.path)}{f':{note.line}' if note.line else ''}</code> "
                if note.path
                else ""
            )
            out.append(
                f'<li><span class="{escape(note.level)}">{escape(note.level)}</span> {where}{escape(note.message)}</li>'
            )
        out.append("</ul>")
    if report.skipped:
        out.append("<h2>Not analysed</h2><ul>")
        out += [
            f"<li><code>{escape(report.uri(s.path))}</code>: {escape(s.reason)}</li>"
            for s in report.skipped
        ]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
