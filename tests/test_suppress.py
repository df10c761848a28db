"""Inline suppressions in every comment syntax, reasons required, fingerprints that survive edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import scan, write_files

from sailint.rulemeta import ExampleFile
from sailint.suppress import parse_inline

CARD = "# Card\n## Training data\n"


@pytest.mark.parametrize(
    "line",
    [
        "TODO <!-- sailint: ignore[SAI403] wording agreed with legal -->",
        "<!-- sailint: ignore[card-placeholder] wording agreed with legal -->\nTODO",
        "TODO # sailint: ignore[SAI4] wording agreed with legal",
    ],
)
def test_markdown_suppression(tmp_path: Path, line: str) -> None:
    write_files(tmp_path, [ExampleFile("MODEL_CARD.md", CARD + line + "\n")])
    report = scan(tmp_path, ["SAI403"])
    assert report.open_findings == []
    (finding,) = report.suppressed_findings
    assert finding.suppression is not None
    assert finding.suppression.justification == "wording agreed with legal"
    assert finding.suppression.kind == "inSource"


def test_suppression_without_reason_is_reported_and_not_applied(tmp_path: Path) -> None:
    write_files(
        tmp_path, [ExampleFile("MODEL_CARD.md", CARD + "TODO <!-- sailint: ignore[SAI403] -->\n")]
    )
    report = scan(tmp_path, ["SAI403"])
    assert len(report.open_findings) == 1
    assert any("has no reason" in n.message and n.line == 3 for n in report.notifications)


def test_suppression_for_another_rule_does_not_apply(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        [ExampleFile("MODEL_CARD.md", CARD + "TODO <!-- sailint: ignore[SAI401] other -->\n")],
    )
    assert len(scan(tmp_path, ["SAI403"]).open_findings) == 1


@pytest.mark.parametrize(
    ("text", "rules", "reason"),
    [
        (
            "x = load(f)  # sailint: ignore[SAI306] trusted local cache",
            ("SAI306",),
            "trusted local cache",
        ),
        (
            "  - uses: a/b@v1  # sailint: ignore[SAI106,SAI504] vendored action",
            ("SAI106", "SAI504"),
            "vendored action",
        ),
        (
            'torch = "*"  # sailint: ignore[SAI101] pinned by the lock',
            ("SAI101",),
            "pinned by the lock",
        ),
        (
            "RUN pip install x  # sailint: ignore[SAI104] base image build",
            ("SAI104",),
            "base image build",
        ),
        (
            "curl x | sh  # sailint: ignore[SAI104] vendor installer, checksum verified",
            ("SAI104",),
            "vendor installer, checksum verified",
        ),
        (
            '    "x = pickle.load(f)  # sailint: ignore[SAI306] our own cache\\n",',
            ("SAI306",),
            "our own cache",
        ),
        ("-- sailint: ignore[SAI201] test fixture", ("SAI201",), "test fixture"),
    ],
)
def test_parse_inline_in_all_comment_syntaxes(
    text: str, rules: tuple[str, ...], reason: str
) -> None:
    (entry,) = parse_inline([text])[1]
    assert entry.rules == rules
    assert entry.reason == reason


def test_not_a_comment_is_not_a_suppression() -> None:
    assert parse_inline(['url = "http://x/sailint: ignore[SAI201] nope"']) == {}


def test_fingerprint_survives_edits_above(tmp_path: Path) -> None:
    write_files(tmp_path, [ExampleFile("MODEL_CARD.md", CARD + "TODO\n")])
    before = scan(tmp_path, ["SAI403"]).open_findings[0]
    (tmp_path / "MODEL_CARD.md").write_text(
        "# Card\n\nIntro added later.\n\n## Training data\nTODO\n"
    )
    after = scan(tmp_path, ["SAI403"]).open_findings[0]
    assert before.location.line == 3 and after.location.line == 6
    assert before.fingerprint == after.fingerprint


def test_identical_problems_get_distinct_fingerprints(tmp_path: Path) -> None:
    write_files(tmp_path, [ExampleFile("MODEL_CARD.md", CARD + "TODO\nTODO\n")])
    first, second = scan(tmp_path, ["SAI403"]).open_findings
    assert first.fingerprint != second.fingerprint
    assert second.fingerprint == first.fingerprint + ":2"
