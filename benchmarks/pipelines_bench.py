"""Time the pipeline rules on a synthetic repository (workflows, Dockerfiles, scripts, Makefiles).

Usage: python benchmarks/pipelines_bench.py [--copies N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from sailint.config import Config
from sailint.engine import scan_project

RULES = ["SAI104", "SAI106", "SAI107", "SAI119", "SAI501", "SAI502", "SAI503", "SAI504", "SAI505"]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"


def build(root: Path, copies: int) -> int:
    """Copy every pipeline fixture case ``copies`` times under ``root``; return the file count."""
    cases = [
        case for rule in RULES for case in sorted(FIXTURES.glob(f"{rule}-*/*")) if case.is_dir()
    ]
    for index in range(copies):
        for case in cases:
            shutil.copytree(case, root / f"copy{index}" / case.parent.name / case.name)
    # Workflows only count under .github/workflows at the top: add flat copies there too.
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for index in range(copies):
        for path in FIXTURES.glob("*/*/.github/workflows/*.yml"):
            shutil.copy(path, workflows / f"{index}-{path.parent.parent.parent.name}-{path.name}")
    return sum(1 for p in root.rglob("*") if p.is_file())


def main() -> None:
    """Build, scan, print the timing."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        files = build(root, args.copies)
        config = Config()
        config.select = list(RULES)
        started = time.perf_counter()
        report = scan_project(root, config)
        elapsed = time.perf_counter() - started
        print(
            f"{files} files, {len(report.findings)} findings, {len(report.skipped)} skipped, "
            f"{elapsed:.2f}s ({files / elapsed:.0f} files/s)"
        )


if __name__ == "__main__":
    main()
