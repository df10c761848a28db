"""Writes the action's step outputs and job summary from sailint's SARIF and Markdown reports."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

# GitHub drops a step summary over 1 MiB entirely; stay well below it.
SUMMARY_LIMIT = 1_000_000
TRUNCATION_NOTE = (
    "\n\n_Report truncated to fit the 1 MiB job summary; the SARIF log is complete._\n"
)


def count_levels(sarif_path: Path) -> Counter[str]:
    """Open (unsuppressed) results by level in a SARIF log."""
    data = json.loads(sarif_path.read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    for run in data.get("runs", []):
        for result in run.get("results", []):
            if result.get("suppressions"):
                continue
            counts[result.get("level", "warning")] += 1
    return counts


def truncate(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """``text`` cut at a line boundary so that it and a note fit in ``limit`` UTF-8 bytes."""
    if len(text.encode("utf-8")) <= limit:
        return text
    budget = limit - len(TRUNCATION_NOTE.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        size = len(line.encode("utf-8"))
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "".join(kept) + TRUNCATION_NOTE


def append(path_variable: str, text: str) -> None:
    """Append to the file a GitHub runner variable names (ignored when it is not set)."""
    target = os.environ.get(path_variable)
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)


def main(argv: list[str] | None = None) -> int:
    """Write outputs; returns non-zero only when the action itself cannot report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sarif", required=True, type=Path)
    parser.add_argument("--markdown", required=True, type=Path)
    parser.add_argument("--exit-code", required=True, type=int)
    parser.add_argument("--summary", default="true")
    args = parser.parse_args(argv)
    lines = [f"exit-code={args.exit_code}"]
    if args.sarif.is_file():
        try:
            counts = count_levels(args.sarif)
        except (OSError, ValueError) as error:
            print(f"::error::cannot read the SARIF log {args.sarif}: {error}", file=sys.stderr)
            return 2
        lines += [
            f"sarif-file={args.sarif}",
            f"findings={sum(counts.values())}",
            f"errors={counts['error']}",
            f"warnings={counts['warning']}",
            f"notes={counts['note']}",
        ]
    else:
        lines.append("sarif-file=")
    append("GITHUB_OUTPUT", "\n".join(lines) + "\n")
    if args.summary.strip().lower() == "true" and args.markdown.is_file():
        append("GITHUB_STEP_SUMMARY", truncate(args.markdown.read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
