"""A Markdown compliance report: the 17 Guideline principles, the rules covering each, and status."""

from __future__ import annotations

from dataclasses import dataclass, field

from sailint.attestations import ATTESTED, Attestation
from sailint.engine import Report
from sailint.model import Evidence, Finding
from sailint.taxonomy import Taxon, principles

EVIDENCE = "evidence found"
GAPS = "gaps"
NOT_CHECKABLE = "not checkable by a repository scan"
NOT_COVERED = "not covered by the rules that ran"
CHECKED = "checked, no gaps found"
OVERDUE = " (review overdue)"


def source_link(report: Report, path: str, line: int) -> str | None:
    """A browsable URL of ``path`` at ``line`` when the report has a source URL base."""
    if not report.source_url_base:
        return None
    return f"{report.source_url_base.rstrip('/')}/{report.uri(path)}#L{line}"


def _where(report: Report, path: str, line: int) -> str:
    text = f"`{report.uri(path)}:{line}`"
    url = source_link(report, path, line)
    return f"[{text}]({url})" if url else text


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class PrincipleRow:
    """What the scan shows for one Guideline principle."""

    principle: Taxon
    rules: list[str]
    findings: list[Finding]
    evidence: list[Evidence]
    status: str
    attestations: list[Attestation] = field(default_factory=list)


def principle_status(report: Report) -> list[PrincipleRow]:
    """Per principle: the covering rules, open findings, evidence and a status word."""
    rows = []
    for principle in principles():
        rules = [rule for rule in report.rules if principle.id in rule.guidelines]
        ids = {rule.id for rule in rules}
        findings = [f for f in report.open_findings if f.rule_id in ids]
        evidence = [e for e in report.evidence if e.rule_id in ids]
        attested = [a for a in report.attestations if a.principle == principle.id]
        if findings:
            status = GAPS
        elif evidence:
            status = EVIDENCE
        elif attested:
            status = ATTESTED
            if any(a.overdue() for a in attested):
                status += OVERDUE
        elif not rules:
            status = NOT_CHECKABLE if principle.checkable == "no" else NOT_COVERED
        else:
            status = CHECKED
        rows.append(PrincipleRow(principle, sorted(ids), findings, evidence, status, attested))
    return rows


def render(report: Report) -> str:
    """Render the compliance report."""
    rows = principle_status(report)
    out = [
        "# sailint compliance report",
        "",
        "Guidelines for secure AI system development (NCSC, CISA and partner agencies, 2023): "
        "what a scan of this repository shows for each principle. The Guidelines are "
        'recommendations; "not checkable" principles need evidence outside the repository.',
        "",
        f"sailint {report.tool_version}: {report.files_scanned} files, {len(report.rules)} rules, "
        f"{len(report.open_findings)} open findings, {len(report.suppressed_findings)} suppressed, "
        f"{len(report.skipped)} skipped.",
        "",
        "| Principle | Rules | Open findings | Evidence | Status |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        out.append(
            f"| {row.principle.id} {_escape(row.principle.name)} | {', '.join(row.rules) or '-'} | "
            f"{len(row.findings)} | {len(row.evidence)} | {row.status} |"
        )
    out.append("")
    rules_by_id = {rule.id: rule for rule in report.rules}
    gap_rows = [row for row in rows if row.findings]
    if gap_rows:
        out += ["## Gaps", ""]
        for row in gap_rows:
            out += [f"### {row.principle.id} {row.principle.name}", ""]
            for finding in row.findings:
                rule = rules_by_id[finding.rule_id]
                where = _where(report, finding.location.path, finding.location.line)
                out.append(
                    f"- **{finding.rule_id}** [{finding.level.label}] {where}: "
                    f"{_escape(finding.message)} ([{rule.slug}]({rule.docs_url}))"
                )
            out.append("")
    evidence_rows = [row for row in rows if row.evidence]
    if evidence_rows:
        out += ["## Evidence found", ""]
        for row in evidence_rows:
            out += [f"### {row.principle.id} {row.principle.name}", ""]
            for item in row.evidence:
                out.append(
                    f"- {item.rule_id}: {_where(report, item.path, item.line)} "
                    f"{_escape(item.description)}"
                )
            out.append("")
    out += _attestation_section(rows)
    if report.skipped:
        out += ["## Not analysed", ""]
        out += [f"- `{report.uri(s.path)}`: {_escape(s.reason)}" for s in report.skipped[:200]]
        if len(report.skipped) > 200:
            out.append(f"- ... and {len(report.skipped) - 200} more")
        out.append("")
    return "\n".join(out)


def _attestation_section(rows: list[PrincipleRow]) -> list[str]:
    """Attestations by principle: shown as attested, never as verified by the scan."""
    attested = [row for row in rows if row.attestations]
    if not attested:
        return []
    out = [
        "## Attestations",
        "",
        "Recorded by the team in `.sailint/attestations.yaml`: attested, not verified by sailint.",
        "",
    ]
    for row in attested:
        out += [f"### {row.principle.id} {row.principle.name}", ""]
        for item in row.attestations:
            link = f" ([link]({item.link}))" if item.link else ""
            review = f", review by {item.review_by}" if item.review_by else ""
            flag = " **Review overdue.**" if item.overdue() else ""
            out.append(
                f"- {_escape(item.title)}: owner {_escape(item.owner)}, {item.date}{review}"
                f"{link}; _{ATTESTED}_.{flag}"
            )
        out.append("")
    return out
