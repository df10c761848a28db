"""Baselines: accept today's findings by content fingerprint and report only new ones."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sailint import __version__
from sailint.engine import Report
from sailint.model import Notification, Suppression

BASELINE_VERSION = 1
JUSTIFICATION = "in the baseline: accepted when the baseline was recorded"


class BaselineError(Exception):
    """The baseline file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding: its fingerprint, and where it was for people reading the file."""

    fingerprint: str
    rule_id: str
    path: str
    line: int
    message: str


def entries_of(report: Report) -> list[BaselineEntry]:
    """The open findings of ``report`` as baseline entries."""
    return [
        BaselineEntry(
            f.fingerprint, f.rule_id, report.uri(f.location.path), f.location.line, f.message
        )
        for f in report.open_findings
    ]


def render(report: Report) -> str:
    """The baseline file for ``report``: JSON, sorted, one entry per open finding."""
    entries = sorted(entries_of(report), key=lambda e: (e.path, e.line, e.rule_id, e.fingerprint))
    data: dict[str, Any] = {
        "version": BASELINE_VERSION,
        "tool": {"name": "sailint", "version": __version__},
        "note": "Findings accepted as they were; `sailint scan --baseline FILE` reports only new "
        "ones. Regenerate with `sailint baseline`.",
        "findings": [
            {
                "fingerprint": e.fingerprint,
                "rule": e.rule_id,
                "path": e.path,
                "line": e.line,
                "message": e.message,
            }
            for e in entries
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> list[BaselineEntry]:
    """Read a baseline file written by ``render``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"{path}: cannot read: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"{path}: not a sailint baseline (invalid JSON: {error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a sailint baseline (no 'findings' list)")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: baseline version {data.get('version')!r} is not supported "
            f"(expected {BASELINE_VERSION}); regenerate it with `sailint baseline`"
        )
    entries = []
    for index, item in enumerate(data["findings"]):
        try:
            entries.append(
                BaselineEntry(
                    str(item["fingerprint"]),
                    str(item.get("rule", "")),
                    str(item.get("path", "")),
                    int(item.get("line", 0)),
                    str(item.get("message", "")),
                )
            )
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{path}: findings[{index}] has no valid 'fingerprint'") from None
    return entries


def apply(report: Report, entries: list[BaselineEntry], origin: str) -> list[BaselineEntry]:
    """Suppress findings whose fingerprint is in the baseline; return the stale entries.

    Fingerprints hash the rule, the file and the finding's line content (not its line number),
    so a finding moved by unrelated edits keeps its fingerprint; repeated identical lines in one
    file are numbered (``fp``, ``fp:2``...), so a new copy of a baselined problem is reported.
    """
    remaining = Counter(entry.fingerprint for entry in entries)
    for finding in report.findings:
        if remaining[finding.fingerprint] <= 0:
            continue
        remaining[finding.fingerprint] -= 1
        if finding.suppression is None:
            finding.suppression = Suppression("external", JUSTIFICATION, origin)
    stale = []
    for entry in entries:
        if remaining[entry.fingerprint] > 0:
            remaining[entry.fingerprint] -= 1
            stale.append(entry)
    for entry in stale:
        report.notifications.append(
            Notification(
                "note",
                f"baseline entry no longer matches any finding: {entry.rule_id} at "
                f"{entry.path}:{entry.line} ({entry.message}); remove it or regenerate the "
                "baseline with `sailint baseline`",
                None,
                None,
            )
        )
    return stale
