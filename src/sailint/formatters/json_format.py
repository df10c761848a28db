"""Versioned JSON output (``"version": 1``); fields are added, never renamed, within a version."""

from __future__ import annotations

import json
from typing import Any

from sailint.engine import Report
from sailint.model import Finding, Location

JSON_VERSION = 1


def _location(report: Report, location: Location) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": location.path,
        "uri": report.uri(location.path),
        "line": location.line,
        "column": location.column,
    }
    if location.end_line is not None:
        data["end_line"] = location.end_line
    if location.end_column is not None:
        data["end_column"] = location.end_column
    if location.message:
        data["message"] = location.message
    return data


def _finding(report: Report, finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": finding.rule_id,
        "level": finding.level.label,
        "confidence": finding.confidence.label,
        "message": finding.message,
        "location": _location(report, finding.location),
        "related": [_location(report, related) for related in finding.related],
        "fingerprint": finding.fingerprint,
        "properties": finding.properties,
        "suppressed": None,
    }
    if finding.suppression is not None:
        data["suppressed"] = {
            "kind": finding.suppression.kind,
            "justification": finding.suppression.justification,
            "origin": finding.suppression.origin,
        }
    return data


def render(report: Report) -> str:
    """Render ``report`` as JSON (deterministic for the same report)."""
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "sailint", "version": report.tool_version},
        "project": {
            "root_uri_prefix": report.project.uri_prefix if report.project else "",
        },
        "summary": {
            "files": report.files_scanned,
            "excluded": report.excluded_count,
            "rules": len(report.rules),
            "findings": len(report.open_findings),
            "suppressed": len(report.suppressed_findings),
            "skipped": len(report.skipped),
            "by_level": {
                level: sum(1 for f in report.open_findings if f.level.label == level)
                for level in ("error", "warning", "note")
            },
        },
        "findings": [_finding(report, f) for f in report.findings],
        "skipped": [
            {"path": s.path, "uri": report.uri(s.path), "reason": s.reason} for s in report.skipped
        ],
        "notifications": [
            {"level": n.level, "message": n.message, "path": n.path, "line": n.line}
            for n in report.notifications
        ],
        "evidence": [
            {"rule": e.rule_id, "path": e.path, "line": e.line, "description": e.description}
            for e in report.evidence
        ],
        "rules": [
            {
                "id": r.id,
                "slug": r.slug,
                "title": r.title,
                "level": r.level.label,
                "guidelines": list(r.guidelines),
            }
            for r in report.rules
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
