"""Startup benchmark: ``sailint --version`` and a pre-commit run on 5 changed Python files.

Targets (issue 9): ``--version`` under 150 ms, the 5-file run under 500 ms, in a git repository
of about 3,000 files (built by ``run.build_repository``, or given with ``--repo``). Each command
runs ``--repeat`` times in a fresh process; the table gives the median and the minimum wall time
and the median CPU time (user + system), which a busy machine disturbs less than wall time.

The sailint sources are byte-compiled first: an installed wheel ships compiled modules, while an
editable checkout under ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile every module on
every run (about 0.2 s more on the 5-file run).

Usage: ``python benchmarks/startup.py [--repo DIR] [--repeat 15] [--baseline SRC]``;
``--baseline SRC`` also times the sources in ``SRC`` (a ``src`` directory of another checkout,
e.g. extracted with ``git archive``) the way its console script ran, interleaved with this one,
and prints the median of the paired differences, which the machine's drift disturbs far less
than the medians themselves.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import build_repository  # noqa: E402

# What a checkout's console script runs: sailint.entry:main, or sailint.cli:main before entry.py.
SCRIPT = "import re, sys; from sailint.{} import main; sys.exit(main())"


def console_script(src: Path) -> str:
    """The ``-c`` program equivalent to the console script of the sources in ``src``."""
    return SCRIPT.format("entry" if (src / "sailint" / "entry.py").exists() else "cli")


def run_once(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def summary(samples: list[tuple[float, float]]) -> str:
    """``median / min wall | median CPU`` of the samples, in milliseconds."""
    walls = [wall for wall, _ in samples]
    cpus = [cpu for _, cpu in samples]
    return (
        f"{statistics.median(walls) * 1000:6.0f} | {min(walls) * 1000:6.0f} | "
        f"{statistics.median(cpus) * 1000:6.0f}"
    )


def main() -> None:
    """Build or reuse the repository, time the commands, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, help="an existing git repository to use")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--baseline", type=Path, help="another checkout's src directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sailint-startup-") as tmp:
        repo = args.repo
        if repo is None:
            repo = Path(tmp) / "repo"
            count = build_repository(repo, 2400, 200, 300)
            print(f"repository: {count} files at {repo}")
        changed = sorted(str(p) for p in (repo / "src").rglob("*.py"))[:5]
        sources = {"this checkout": ROOT / "src"}
        if args.baseline:
            sources = {"baseline": args.baseline.resolve(), **sources}
        for src in sources.values():
            compileall.compile_dir(str(src / "sailint"), quiet=1)
        commands = {
            "sailint --version": ["--version"],
            "sailint scan <5 changed .py files> --fail-on none -q": [
                "scan",
                *changed,
                "--fail-on",
                "none",
                "-q",
            ],
        }
        bindir = Path(sys.executable).parent
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for repeat in range(args.repeat):
            # Alternate which sources run first, so that neither always runs second.
            order = list(sources.items())[:: 1 if repeat % 2 == 0 else -1]
            for label, src in order:
                env = {**os.environ, "PYTHONPATH": str(src)}
                for name, arguments in commands.items():
                    # The console script for this checkout; for a baseline, what its console
                    # script ran.
                    command = (
                        [str(bindir / "sailint"), *arguments]
                        if label == "this checkout"
                        else [sys.executable, "-c", console_script(src), *arguments]
                    )
                    results.setdefault((name, label), []).append(run_once(command, repo, env))
    print(f"\n{args.repeat} runs each, milliseconds\n")
    print("| command | sources | median wall | min wall | median CPU |")
    print("|---|---|---|---|---|")
    for (name, label), samples in results.items():
        print(f"| {name} | {label} | {summary(samples)} |")
    if args.baseline:
        # Runs of the two sources a moment apart, paired: the machine's drift cancels out.
        print("\nthis checkout - baseline, median of the paired differences (ms):")
        for name in commands:
            baseline, current = results[(name, "baseline")], results[(name, "this checkout")]
            walls = [b[0] - a[0] for a, b in zip(baseline, current, strict=True)]
            cpus = [b[1] - a[1] for a, b in zip(baseline, current, strict=True)]
            print(
                f"- {name}: wall {statistics.median(walls) * 1000:+.0f}, "
                f"CPU {statistics.median(cpus) * 1000:+.0f}"
            )


if __name__ == "__main__":
    main()
