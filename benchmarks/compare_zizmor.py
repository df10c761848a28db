"""Compare sailint's workflow rules with zizmor's overlapping audits on the rule fixtures.

Usage: python benchmarks/compare_zizmor.py [--persona regular|pedantic|auditor]
Needs `zizmor` on PATH (`pip install zizmor`); runs it with --offline. Prints, per fixture case,
the lines both tools report, and the lines only one of them reports.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sailint.config import Config
from sailint.engine import scan_project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
# sailint rule -> the zizmor audits that cover the same problem.
PAIRS = {
    "SAI106": {"unpinned-uses", "unpinned-images"},
    "SAI107": {"unpinned-images"},
    "SAI119": {"use-trusted-publishing"},
    "SAI501": {"excessive-permissions"},
    "SAI502": {"dangerous-triggers"},
    "SAI503": {"template-injection"},
    "SAI504": {"artipacked"},
}


def zizmor_lines(case: Path, persona: str, audits: set[str]) -> set[tuple[str, int]]:
    """``(path, line)`` of zizmor's primary locations for ``audits`` in one fixture case."""
    files = sorted(
        str(p)
        for p in case.rglob("*.y*ml")
        if ".github/workflows" in p.as_posix() or p.name in ("action.yml", "action.yaml")
    )
    if not files:
        return set()
    result = subprocess.run(
        ["zizmor", "--offline", f"--persona={persona}", "--format=json", "--no-progress", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    found: set[tuple[str, int]] = set()
    for finding in json.loads(result.stdout or "[]"):
        if finding["ident"] not in audits:
            continue
        for location in finding["locations"]:
            if location["symbolic"]["kind"] != "Primary":
                continue
            path = location["symbolic"]["key"]["Local"]["verbatim_path"]
            row = location["concrete"]["location"]["start_point"]["row"] + 1
            found.add((Path(path).relative_to(case).as_posix(), row))
    return found


def sailint_lines(case: Path, rule: str) -> set[tuple[str, int]]:
    """``(path, line)`` of sailint's findings for ``rule`` in a copy of the case."""
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / case.name
        shutil.copytree(case, copy)
        config = Config()
        config.select = [rule]
        report = scan_project(copy, config)
        return {(f.location.path, f.location.line) for f in report.open_findings}


def main() -> int:
    """Print the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--persona", default="regular")
    args = parser.parse_args()
    if shutil.which("zizmor") is None:
        print("zizmor is not installed", file=sys.stderr)
        return 2
    for rule, audits in PAIRS.items():
        for case in sorted(p for p in FIXTURES.glob(f"{rule}-*/*") if p.is_dir()):
            ours = sailint_lines(case, rule)
            theirs = zizmor_lines(case, args.persona, audits)
            print(f"{rule} {case.name} vs {'/'.join(sorted(audits))}:")
            for label, lines in (
                ("both", ours & theirs),
                ("sailint only", ours - theirs),
                ("zizmor only", theirs - ours),
            ):
                shown = ", ".join(f"{p}:{n}" for p, n in sorted(lines)) or "-"
                print(f"  {label:13} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
