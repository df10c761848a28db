"""The evidence list for auditors (``--format evidence-json``): per principle, what proves it."""

from __future__ import annotations

import json
from typing import Any

from sailint.engine import Report
from sailint.formatters.markdown import principle_status, source_link

EVIDENCE_VERSION = 1


def render(report: Report) -> str:
    """Per principle: status, evidence files, open gaps and attestations, as versioned JSON."""
    rules = {rule.id: rule for rule in report.rules}
    principles: list[dict[str, Any]] = []
    for row in principle_status(report):
        principles.append(
            {
                "id": row.principle.id,
                "name": row.principle.name,
                "stage": row.principle.stage,
                "status": row.status,
                "rules": row.rules,
                "evidence": [
                    {
                        "rule": item.rule_id,
                        "path": report.uri(item.path),
                        "line": item.line,
                        "description": item.description,
                        "url": source_link(report, item.path, item.line),
                    }
                    for item in row.evidence
                ],
                "gaps": [
                    {
                        "rule": f.rule_id,
                        "level": f.level.label,
                        "path": report.uri(f.location.path),
                        "line": f.location.line,
                        "message": f.message,
                        "fingerprint": f.fingerprint,
                        "docs": rules[f.rule_id].docs_url,
                        "url": source_link(report, f.location.path, f.location.line),
                    }
                    for f in row.findings
                ],
                "attestations": [
                    {
                        "title": a.title,
                        "owner": a.owner,
                        "date": a.date.isoformat(),
                        "review_by": a.review_by.isoformat() if a.review_by else None,
                        "link": a.link or None,
                        "notes": a.notes or None,
                        "verified": False,
                        "overdue": a.overdue(),
                        "status": a.status,
                        "recorded_in": a.source,
                        "line": a.line,
                    }
                    for a in row.attestations
                ],
            }
        )
    data = {
        "version": EVIDENCE_VERSION,
        "tool": {"name": "sailint", "version": report.tool_version},
        "guidelines": "Guidelines for secure AI system development (NCSC, CISA and partners, 2023)",
        "summary": {
            "files_scanned": report.files_scanned,
            "rules": len(report.rules),
            "open_findings": len(report.open_findings),
            "suppressed_findings": len(report.suppressed_findings),
            "skipped_files": len(report.skipped),
        },
        "principles": principles,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
