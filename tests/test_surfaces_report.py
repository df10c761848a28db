"""Compliance reports: Markdown, self-contained HTML and the evidence JSON, with attestations."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sailint.cli import cli

ATTESTATIONS = """\
attestations:
  - principle: "1.1"
    title: Secure-AI awareness training for the ML team
    owner: Head of ML Platform
    date: 2026-02-10
    review-by: 2027-02-10
    link: https://intranet.example.com/training/2026
  - principle: "4.1"
    title: Model behaviour dashboards reviewed weekly
    owner: SRE on-call
    date: 2025-01-05
    review-by: 2025-07-01
  - principle: "9.9"
    title: Not a principle
    owner: nobody
    date: 2026-01-01
  - principle: "2.4"
    title: Missing owner and date
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / ".sailint").mkdir(parents=True)
    (root / ".sailint.toml").write_text(
        'select = ["SAI406", "SAI407"]\n\n'
        "[[attestations]]\n"
        'principle = "3.1"\n'
        'title = "Offline backups of model weights, restore tested"\n'
        'owner = "Platform team"\n'
        "date = 2026-03-01\n"
    )
    (root / "README.md").write_text("# Churn model\n")
    (root / "SECURITY.md").write_text(
        "# Security policy\n\nReport model and AI issues (prompt injection, poisoned weights) to "
        "security@example.com.\n"
    )
    (root / ".sailint" / "attestations.yaml").write_text(ATTESTATIONS)
    monkeypatch.chdir(root)
    # 2026-06-01: the 4.1 attestation is past its review date, the 1.1 one is not.
    epoch = int(dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_markdown_report_shows_evidence_gaps_and_attestations(project: Path) -> None:
    result = run("scan", "-f", "markdown", "--fail-on", "none")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert (
        "| 1.1 Raise staff awareness of threats and risks | - | 0 | 0 | attested, not verified |"
        in text
    )
    assert (
        "| 4.1 Monitor your system's behaviour | - | 0 | 0 | attested, not verified (review overdue) |"
        in text
    )
    assert "| 3.1 Secure your infrastructure | - | 0 | 0 | attested, not verified |" in text
    assert "| 1.2 Model the threats to your system | SAI407 | 1 | 0 | gaps |" in text
    assert "| 4.4 Collect and share lessons learned | SAI406 | 0 | 1 | evidence found |" in text
    assert (
        "| 2.1 Secure your supply chain | - | 0 | 0 | not covered by the rules that ran |" in text
    )
    # Gaps link the rule documentation; evidence names the file that proves it.
    assert "- **SAI407** [warning] `README.md:1`: no threat model" in text
    assert "([missing-threat-model](https://" in text
    assert "- SAI406: `SECURITY.md:3` security policy with a reporting channel" in text
    assert (
        "- Secure-AI awareness training for the ML team: owner Head of ML Platform, 2026-02-10, "
        "review by 2027-02-10 ([link](https://intranet.example.com/training/2026)); "
        "_attested, not verified_." in text
    )
    assert (
        "Model behaviour dashboards reviewed weekly: owner SRE on-call, 2025-01-05, review by 2025-07-01; _attested, not verified_. **Review overdue.**"
        in text
    )


def test_invalid_and_overdue_attestations_are_reported(project: Path) -> None:
    result = run("scan", "--fail-on", "none")
    out = result.stdout
    assert (
        ".sailint/attestations.yaml:8: warning: attestation 'Model behaviour dashboards reviewed "
        "weekly' (principle 4.1, owner SRE on-call) was due for review on 2025-07-01"
    ) in out
    assert (
        ".sailint/attestations.yaml:13: warning: attestations[2]: principle '9.9' is not a "
        "Guideline principle (1.1 to 4.4); attestation ignored"
    ) in out
    assert (
        ".sailint/attestations.yaml:17: warning: attestations[3]: missing owner, date; "
        "attestation ignored"
    ) in out


def test_broken_attestations_yaml_is_reported_with_its_line(project: Path) -> None:
    (project / ".sailint" / "attestations.yaml").write_text("attestations:\n  - principle: [1.1\n")
    result = run("scan", "--fail-on", "none")
    assert (
        ".sailint/attestations.yaml:3: warning: attestations file is not valid YAML"
        in result.stdout
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in ("meta", "br"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open[-3:], tag)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_self_contained_and_escaped(project: Path) -> None:
    (project / "THREAT_MODEL.md").write_text("# Threat model\n\n<fill in: threats> & more\n")
    result = run(
        "scan",
        "--select",
        "SAI403,SAI406",
        "-f",
        "html:out/report.html",
        "--fail-on",
        "none",
        "--source-url",
        "https://github.com/acme/churn/blob/0123abc/",
    )
    assert result.exit_code == 0, result.output
    html = (project / "out" / "report.html").read_text()
    parser = _Collector()
    parser.feed(html)
    assert parser.open == []  # every element closed, in order
    assert not {"script", "link", "img", "iframe", "object"} & set(parser.tags)
    assert not any(name == "src" for name, _ in parser.attrs)
    assert html.count('<section id="p') == 17
    assert "&lt;fill in: threats&gt;" in html and "<fill in" not in html
    assert (
        '<a href="https://github.com/acme/churn/blob/0123abc/THREAT_MODEL.md#L3">'
        "<code>THREAT_MODEL.md:3</code></a>" in html
    )
    assert '<span class="status overdue">attested, not verified (review overdue)</span>' in html
    assert "Review overdue." in html


def test_evidence_json_lists_principles_for_auditors(project: Path) -> None:
    result = run("scan", "-f", "evidence-json", "--fail-on", "none")
    data = json.loads(result.stdout)
    assert data["version"] == 1
    principles = {p["id"]: p for p in data["principles"]}
    assert len(principles) == 17
    assert principles["4.4"]["status"] == "evidence found"
    assert principles["4.4"]["evidence"] == [
        {
            "rule": "SAI406",
            "path": "SECURITY.md",
            "line": 3,
            "description": "security policy with a reporting channel",
            "url": None,
        }
    ]
    [gap] = principles["1.2"]["gaps"]
    assert gap["rule"] == "SAI407" and gap["path"] == "README.md" and gap["line"] == 1
    assert gap["docs"].endswith("/SAI407-missing-threat-model.md")
    [overdue] = principles["4.1"]["attestations"]
    assert overdue["verified"] is False and overdue["overdue"] is True
    assert overdue["review_by"] == "2025-07-01"
    assert overdue["recorded_in"] == ".sailint/attestations.yaml" and overdue["line"] == 8
    assert overdue["status"] == "attested, not verified; review overdue since 2025-07-01"
    [backup] = principles["3.1"]["attestations"]
    assert backup["owner"] == "Platform team" and backup["overdue"] is False
    assert backup["recorded_in"].endswith(".sailint.toml") and backup["line"] is None
    assert "9.9" not in principles


def test_attestations_as_a_top_level_list(project: Path) -> None:
    (project / ".sailint" / "attestations.yaml").write_text(
        '- principle: "2.2"\n  title: Asset register reviewed\n  owner: CISO\n  date: 2026-05-01\n'
    )
    data = json.loads(run("scan", "-f", "evidence-json", "--fail-on", "none").stdout)
    [item] = next(p for p in data["principles"] if p["id"] == "2.2")["attestations"]
    assert item["title"] == "Asset register reviewed" and item["line"] == 1


def test_unreadable_attestations_file_is_a_reported_skip(project: Path) -> None:
    (project / ".sailint" / "attestations.yaml").write_bytes(b"attestations:\n  - \xff\xfe\n")
    data = json.loads(run("scan", "-f", "json", "--fail-on", "none").stdout)
    assert {
        "path": ".sailint/attestations.yaml",
        "uri": ".sailint/attestations.yaml",
        "reason": "not valid UTF-8 (invalid byte at offset 18), text not read",
    } in data["skipped"]
