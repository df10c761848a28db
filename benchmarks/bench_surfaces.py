"""Times the surfaces on a large synthetic report: baseline matching and the compliance reports.

Run: python benchmarks/bench_surfaces.py [N_FINDINGS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sailint import baseline
from sailint.config import Config
from sailint.engine import scan_project
from sailint.formatters import evidence, html, markdown
from sailint.model import Confidence, Finding, Level, Location
from sailint.registry import all_rules


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    root = Path(__file__).resolve().parents[1]
    report = scan_project(root, Config(select=["SAI406"]), rules=all_rules())
    rule = report.rules[0]
    report.findings = [
        Finding(
            rule.id,
            f"synthetic finding {n}",
            Level.WARNING,
            Confidence.HIGH,
            Location(f"pkg/module_{n % 500}.py", n % 400 + 1),
            fingerprint=f"{n:032x}",
        )
        for n in range(count)
    ]
    entries = baseline.entries_of(report)[: count * 3 // 4]
    started = time.perf_counter()
    stale = baseline.apply(report, entries, "baseline.json")
    print(
        f"baseline.apply: {count} findings, {len(entries)} entries: "
        f"{time.perf_counter() - started:.3f}s ({len(stale)} stale)"
    )
    for name, module in (("markdown", markdown), ("html", html), ("evidence-json", evidence)):
        started = time.perf_counter()
        size = len(module.render(report))
        print(f"{name}: {time.perf_counter() - started:.3f}s, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
