"""SARIF 2.1.0 output that GitHub code scanning accepts (one run, every result located)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from sailint.docs import render_rule_markdown, render_rule_text
from sailint.engine import Report
from sailint.formatters.linehash import line_hashes
from sailint.model import Confidence, Finding, Level, Location
from sailint.rulemeta import RuleMeta
from sailint.taxonomy import FRAMEWORKS, taxonomies

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/sailint/sailint"
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
DEFAULT_SECURITY_SEVERITY = {Level.ERROR: 7.5, Level.WARNING: 5.0, Level.NOTE: 2.0}
MAX_TAGS = 10
MAX_DESCRIPTION = 1024


def security_severity(rule: RuleMeta) -> str:
    """GitHub's numeric severity string for the rule (explicit, else derived from its level)."""
    score = rule.security_severity or DEFAULT_SECURITY_SEVERITY[rule.level]
    return f"{score:.1f}"


def encode_uri(path: str) -> str:
    """Percent-encode a POSIX relative path as an RFC 3986 relative reference.

    ``:`` is encoded too, so a first segment such as ``c:`` cannot read as a URI scheme.
    """
    return quote(path, safe="/-._~")


def _truncate(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _tags(rule: RuleMeta) -> list[str]:
    tags = ["security", rule.category]
    tags += [f"guideline/{g}" for g in rule.guidelines]
    tags += [f"owasp-llm/{i}" for i in rule.references.get("owasp-llm", ())]
    tags += [f"owasp-ml/{i}" for i in rule.references.get("owasp-ml", ())]
    tags += [f"external/cwe/{c.lower()}" for c in rule.references.get("cwe", ())]
    unique: list[str] = []
    for tag in tags:
        if tag not in unique:
            unique.append(tag)
    return unique[:MAX_TAGS]


def _taxonomy_refs(rule: RuleMeta, indexes: dict[str, int]) -> list[dict[str, Any]]:
    relationships = []
    pairs = [("guidelines", g) for g in rule.guidelines]
    for key in FRAMEWORKS[1:]:
        pairs += [(key, ref) for ref in rule.references.get(key, ())]
    for key, ref in pairs:
        taxonomy = taxonomies()[key]
        if ref not in taxonomy.taxa:
            continue
        relationships.append(
            {
                "target": {
                    "id": ref,
                    "index": list(taxonomy.taxa).index(ref),
                    "toolComponent": {"name": taxonomy.name, "index": indexes[key]},
                },
                "kinds": ["relevant"],
            }
        )
    return relationships


def _rule(rule: RuleMeta, indexes: dict[str, int]) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": _truncate(_sentence(rule.title))},
        "fullDescription": {"text": _truncate(_sentence(" ".join(rule.rationale.split())))},
        "help": {"text": render_rule_text(rule), "markdown": render_rule_markdown(rule)},
        "helpUri": rule.docs_url,
        "defaultConfiguration": {"level": rule.level.label},
        "relationships": _taxonomy_refs(rule, indexes),
        "properties": {
            "tags": _tags(rule),
            "precision": PRECISION[rule.confidence],
            "security-severity": security_severity(rule),
        },
    }


def _taxonomy(key: str) -> dict[str, Any]:
    taxonomy = taxonomies()[key]
    return {
        "name": taxonomy.name,
        "fullName": taxonomy.full_name,
        "version": taxonomy.version,
        "informationUri": taxonomy.uri,
        "organization": taxonomy.full_name.split(" ", 1)[0],
        "shortDescription": {"text": _sentence(taxonomy.full_name)},
        "isComprehensive": False,
        "taxa": [
            {
                "id": taxon.id,
                "name": taxon.name,
                "shortDescription": {"text": _sentence(taxon.name)},
            }
            for taxon in taxonomy.taxa.values()
        ],
    }


def _physical(report: Report, location: Location) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, location.line)}
    if location.column > 1 or location.end_column:
        region["startColumn"] = max(1, location.column)
    if location.end_line and location.end_column and location.end_line >= location.line:
        region["endLine"] = location.end_line
        region["endColumn"] = max(1, location.end_column)
    return {
        "artifactLocation": {"uri": encode_uri(report.uri(location.path))},
        "region": region,
    }


def _result(
    report: Report, finding: Finding, rule_index: dict[str, int], hashes: dict[str, list[str]]
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index[finding.rule_id],
        "level": finding.level.label,
        "message": {"text": _sentence(finding.message)},
        "locations": [{"physicalLocation": _physical(report, finding.location)}],
        "partialFingerprints": {"sailint/v1": finding.fingerprint},
        "properties": {"confidence": finding.confidence.label, **finding.properties},
    }
    line_hash = hashes.get(finding.location.path)
    if line_hash and 0 < finding.location.line <= len(line_hash):
        result["partialFingerprints"]["primaryLocationLineHash"] = line_hash[
            finding.location.line - 1
        ]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": _physical(report, related),
                **({"message": {"text": _sentence(related.message)}} if related.message else {}),
            }
            for number, related in enumerate(finding.related, start=1)
        ]
    if finding.suppression is not None:
        result["suppressions"] = [
            {
                "kind": finding.suppression.kind,
                "status": "accepted",
                "justification": finding.suppression.justification,
                "location": {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": encode_uri(finding.suppression.origin.split(":")[0])
                        }
                    }
                }
                if finding.suppression.kind == "inSource"
                else {},
            }
        ]
        if not result["suppressions"][0]["location"]:
            del result["suppressions"][0]["location"]
    return result


def _notifications(report: Report) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for skipped in report.skipped:
        notes.append(
            {
                "level": "note",
                "message": {"text": _sentence(f"Skipped {skipped.path}: {skipped.reason}")},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": encode_uri(report.uri(skipped.path))}
                        }
                    }
                ],
                "descriptor": {"id": "skipped-file"},
            }
        )
    for item in report.notifications:
        note: dict[str, Any] = {
            "level": item.level,
            "message": {"text": _sentence(item.message)},
            "descriptor": {"id": "run-notification"},
        }
        if item.path:
            physical: dict[str, Any] = {
                "artifactLocation": {"uri": encode_uri(report.uri(item.path))}
            }
            if item.line:
                physical["region"] = {"startLine": item.line}
            note["locations"] = [{"physicalLocation": physical}]
        notes.append(note)
    return notes


def render(report: Report, file_reader: Callable[[str], str | None] | None = None) -> str:
    """Render ``report`` as a SARIF 2.1.0 log (deterministic for the same report).

    ``file_reader(path) -> str | None`` supplies file text for GitHub-compatible line hashes.
    """
    indexes = {key: number for number, key in enumerate(FRAMEWORKS)}
    rules = sorted(report.rules, key=lambda r: r.id)
    rule_index = {rule.id: number for number, rule in enumerate(rules)}
    hashes: dict[str, list[str]] = {}
    if file_reader is not None:
        for path in sorted({f.location.path for f in report.findings}):
            text = file_reader(path)
            if text is not None:
                hashes[path] = line_hashes(text)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "sailint",
                "semanticVersion": report.tool_version,
                "version": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule, indexes) for rule in rules],
                "supportedTaxonomies": [
                    {"name": taxonomies()[key].name, "index": indexes[key]} for key in FRAMEWORKS
                ],
            }
        },
        "taxonomies": [_taxonomy(key) for key in FRAMEWORKS],
        "automationDetails": {"id": "sailint/"},
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": not any(n.level == "error" for n in report.notifications),
                "toolExecutionNotifications": _notifications(report),
            }
        ],
        "results": [
            _result(report, finding, rule_index, hashes)
            for finding in report.findings
            if finding.rule_id in rule_index
        ],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
