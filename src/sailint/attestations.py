"""Attestations: evidence a team records for what no repository scan can show (training, backups)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml

from sailint.project import Project
from sailint.suppress import today
from sailint.taxonomy import principles

ATTESTATION_FILES = (".sailint/attestations.yaml", ".sailint/attestations.yml")
REQUIRED = ("principle", "title", "owner", "date")
KNOWN_KEYS = {*REQUIRED, "review-by", "link", "notes"}
ATTESTED = "attested, not verified"


@dataclass(frozen=True)
class Attestation:
    """A claim by a named owner that a Guideline principle is met outside the repository."""

    principle: str
    title: str
    owner: str
    date: dt.date
    review_by: dt.date | None
    link: str
    notes: str
    source: str  # file (or config) the attestation was read from
    line: int | None

    def overdue(self, on: dt.date | None = None) -> bool:
        """True once the review date has passed (SOURCE_DATE_EPOCH honoured via ``today``)."""
        return self.review_by is not None and self.review_by < (on or today())

    @property
    def status(self) -> str:
        """How reports show it: never as verified."""
        if self.overdue():
            return f"{ATTESTED}; review overdue since {self.review_by}"
        return ATTESTED


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_entries(
    items: list[tuple[Any, int | None]], source: str, project: Project
) -> list[Attestation]:
    """Validate raw entries (value, line); invalid ones are reported and left out."""
    known = {principle.id for principle in principles()}
    result = []
    for index, (item, line) in enumerate(items):
        where = f"attestations[{index}]"

        def problem(message: str, line: int | None = line, where: str = where) -> None:
            project.notify("warning", f"{where}: {message}; attestation ignored", source, line)

        if not isinstance(item, dict):
            problem("must be a mapping with principle, title, owner and date")
            continue
        missing = [key for key in REQUIRED if not item.get(key)]
        if missing:
            problem(f"missing {', '.join(missing)}")
            continue
        unknown = sorted(set(map(str, item)) - KNOWN_KEYS)
        if unknown:
            problem(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(KNOWN_KEYS))})")
            continue
        principle = str(item["principle"])
        if principle not in known:
            problem(f"principle {principle!r} is not a Guideline principle (1.1 to 4.4)")
            continue
        date = _date(item["date"])
        review_by = _date(item.get("review-by")) if item.get("review-by") else None
        if date is None or (item.get("review-by") and review_by is None):
            problem("date and review-by must be dates (YYYY-MM-DD)")
            continue
        result.append(
            Attestation(
                principle,
                str(item["title"]).strip(),
                str(item["owner"]).strip(),
                date,
                review_by,
                str(item.get("link") or "").strip(),
                str(item.get("notes") or "").strip(),
                source,
                line,
            )
        )
    return result


def _from_file(path: str, project: Project) -> list[Attestation]:
    text = project.text(path)
    if text is None:
        return []  # the project already reported why (binary, too large, not UTF-8)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        project.notify(
            "warning",
            f"attestations file is not valid YAML ({getattr(error, 'problem', error)}); "
            "no attestation read",
            path,
            mark.line + 1 if mark is not None else None,
        )
        return []
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        data = data.get("attestations")
        node = next((v for k, v in node.value if k.value == "attestations"), None)
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        project.notify(
            "warning", "attestations must be a list of entries; no attestation read", path, 1
        )
        return []
    lines = [child.start_mark.line + 1 for child in node.value]
    return parse_entries(list(zip(data, lines, strict=True)), path, project)


def load_attestations(project: Project) -> list[Attestation]:
    """Attestations from ``.sailint/attestations.yaml`` and the ``attestations`` config table."""
    found: list[Attestation] = []
    for path in ATTESTATION_FILES:
        if path in project.files:
            found += _from_file(path, project)
    configured = getattr(project.config, "attestations", [])
    if configured:
        found += parse_entries(
            [(item, None) for item in configured], project.config.source or "config", project
        )
    for item in found:
        if item.overdue():
            project.notify(
                "warning",
                f"attestation {item.title!r} (principle {item.principle}, owner {item.owner}) "
                f"was due for review on {item.review_by}",
                item.source if item.source in project.files else None,
                item.line,
            )
    return sorted(found, key=lambda a: (a.principle, a.title))
