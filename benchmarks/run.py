"""Whole-scan benchmark: sailint against bandit and detect-secrets on one synthetic ML repository.

Builds a repository of about 3,000 files (realistic Python modules and notebooks from
``bench_code.generate``, plus every rule fixture case of the project: configs, workflows,
Dockerfiles, manifests, SBOMs, model files, cards) with a few hundred commits of history, then
measures, each in a fresh process:

* reading every file and ``ast.parse`` of every Python file (the floor for any Python linter);
* ``sailint scan`` with every rule, and with the SAI rules only (bandit's B rules ignored);
* ``sailint scan --history`` (git history rules included);
* ``bandit -r`` and ``detect-secrets scan --all-files`` on the same tree (when installed);
* ``sailint --version`` and a pre-commit style run on 5 changed files;
* sailint's time per phase (inventory, each rule family, finalise) from one in-process scan.

The floor, the SAI-only scan, the full scan and bandit run in turn, ``--repeat`` times: ratios
are the median of back-to-back pairs, so that the machine's drift does not land on one side.

Usage: ``python benchmarks/run.py [--modules 2400] [--notebooks 200] [--commits 300] [--write]``;
``--write`` records the table in ``benchmarks/RESULTS.md`` with the machine it ran on.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import contextlib
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_code import generate as generate_code  # noqa: E402

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def _git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, **GIT_ENV}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def build_repository(root: Path, modules: int, notebooks: int, commits: int) -> int:
    """Generate the benchmark repository with history; returns its file count."""
    root.mkdir(parents=True)
    generate_code(root / "src", modules, notebooks)
    for case in sorted((ROOT / "fixtures" / "rules").glob("*/*")):
        if case.is_dir():
            shutil.copytree(case, root / "examples" / case.parent.name / case.name, symlinks=False)
    demo = ROOT / "fixtures" / "demo"
    for item in demo.iterdir():  # the demo at the top: workflows, Dockerfile, manifests, cards
        target = root / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy(item, target)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    _git(root, "init", "-q", "-b", "main")
    batch = max(1, len(files) // commits)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    for number in range(commits):
        chunk = (
            files[number * batch : (number + 1) * batch]
            if number < commits - 1
            else files[number * batch :]
        )
        if not chunk:
            break
        _git(root, "add", "-f", *[str(p.relative_to(root)) for p in chunk])
        when = (start + dt.timedelta(days=number)).isoformat()
        _git(root, "commit", "-q", "-m", f"change {number}", date=when)
    return len(files)


def floor_seconds(root: Path) -> float:
    """Read every file and parse every Python file: what any linter must at least do."""
    started = time.perf_counter()
    for path in root.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".py":
            with contextlib.suppress(SyntaxError, ValueError):
                ast.parse(data)
    return time.perf_counter() - started


def timed(command: list[str], repeat: int, cwd: Path | None = None) -> tuple[float, float, float]:
    """Median wall seconds, median CPU seconds (user + system, worker processes included) and
    peak RSS (MiB, largest process) over ``repeat`` runs, via GNU time."""
    times: list[float] = []
    cpu: list[float] = []
    peak = 0.0
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        for _ in range(repeat):
            wrapped = ["/usr/bin/time", "-f", "%M %U %S", "-o", rss.name, *command]
            started = time.perf_counter()
            subprocess.run(
                wrapped, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
            )
            times.append(time.perf_counter() - started)
            with contextlib.suppress(ValueError, OSError, IndexError):
                memory, user, system = Path(rss.name).read_text().split()[-3:]
                peak = max(peak, int(memory) / 1024)
                cpu.append(float(user) + float(system))
    return statistics.median(times), statistics.median(cpu) if cpu else 0.0, peak


def combined(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Median wall and CPU seconds and the largest peak RSS of single runs."""
    return (
        statistics.median(run[0] for run in runs),
        statistics.median(run[1] for run in runs),
        max(run[2] for run in runs),
    )


def phases(root: Path) -> dict[str, float]:
    """Seconds per phase and per rule family from one in-process scan."""
    from sailint.config import Config
    from sailint.engine import scan_project

    report = scan_project(root, Config())
    grouped: dict[str, float] = {}
    for key, seconds in report.timings.items():
        kind, _, name = key.partition(":")
        if kind == "rule":
            key = f"main process: rules {name[:4]}xx (waits for the Python analysis included)"
            key = "main process: bandit rules (results only)" if name.startswith("B") else key
        elif kind == "unit":
            what = (
                "B rules" if name.startswith("B") else name if name.startswith("(") else "SAI rules"
            )
            key = f"Python units, CPU in all processes: {what}"
        else:
            key = f"main process: {key}"
        grouped[key] = grouped.get(key, 0.0) + seconds
    return grouped


def main() -> int:
    """Build the repository, run every measurement, print (and optionally record) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=2400)
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="record the results in RESULTS.md")
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    sailint = [str(bindir / "sailint")]
    # An installed wheel ships compiled modules; an editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 would recompile sailint at every start and skew the small runs.
    import sailint as package

    compileall.compile_dir(str(Path(package.__file__).parent), quiet=1)

    class Rows(list[tuple[str, float, float, float]]):
        def append(self, row: tuple[str, float, float, float]) -> None:
            name, wall, cpu, mem = row
            print(
                f"  {name}: {wall:.2f} s"
                + (f", {cpu:.1f} s CPU" if cpu else "")
                + (f", {mem:.0f} MiB" if mem else ""),
                flush=True,
            )
            super().append(row)

    rows = Rows()
    with tempfile.TemporaryDirectory(prefix="sailint-bench-") as tmp:
        repo = Path(tmp) / "repo"
        count = build_repository(repo, args.modules, args.notebooks, args.commits)
        print(f"repository: {count} files, {args.commits} commits at {repo}")
        common = ["scan", str(repo), "--format", "json", "-o", os.devnull, "--fail-on", "none"]
        bandit = bindir / "bandit"
        bandit_command = [str(bandit), "-r", str(repo), "-q", "-f", "json", "-o", os.devnull]
        # The machine's speed drifts (other tenants): each comparison is made in pairs run back
        # to back, and the ratio reported is the median of the pairs' ratios.
        floors, fulls, sais, bandits = [], [], [], []
        for _ in range(args.repeat):
            floors.append(floor_seconds(repo))
            sais.append(timed([*sailint, *common, "--ignore", "B"], 1))
            fulls.append(timed([*sailint, *common], 1))
            if bandit.exists():
                bandits.append(timed(bandit_command, 1))
        floor = statistics.median(floors)
        rows.append(("read every file + ast.parse every .py (floor)", floor, floor, 0.0))
        full = combined(fulls)
        rows.append(("sailint scan (all rules, bandit included)", *full))
        sai = combined(sais)
        rows.append(("sailint scan, SAI rules only", *sai))
        sai_ratios = [run[0] / base for run, base in zip(sais, floors, strict=True)]
        full_ratios = [run[0] / alone[0] for run, alone in zip(fulls, bandits, strict=False)]
        hist = timed([*sailint, *common, "--history"], 1)
        rows.append((f"sailint scan --history ({args.commits} commits)", *hist))
        if bandits:
            rows.append(("bandit -r (alone)", *combined(bandits)))
        detect = bindir / "detect-secrets"
        if detect.exists():
            found = timed([str(detect), "scan", "--all-files"], args.repeat, cwd=repo)
            rows.append(("detect-secrets scan --all-files (alone)", *found))
        version = timed([*sailint, "--version"], 7)
        rows.append(("sailint --version", version[0], version[1], 0.0))
        changed = sorted(str(p) for p in (repo / "src").rglob("*.py"))[:5]
        precommit = timed([*sailint, "scan", *changed, "--fail-on", "none", "-q"], 11, cwd=repo)
        rows.append(
            ("sailint on 5 changed files (pre-commit hook)", precommit[0], precommit[1], 0.0)
        )
        split = phases(repo)
    lines = [
        "| measurement | wall seconds | CPU seconds | peak RSS (MiB) |",
        "|---|---|---|---|",
        *[
            f"| {name} | {wall:.3f} | {cpu:.2f} | {f'{mem:.0f}' if mem else ''} |"
            for name, wall, cpu, mem in rows
        ],
        "",
        "| sailint phase (one in-process scan; main process wall, Python units CPU) | seconds |",
        "|---|---|",
        *[
            f"| {name} | {seconds:.2f} |"
            for name, seconds in sorted(split.items(), key=lambda kv: -kv[1])
        ],
    ]
    ratios = []
    if full_ratios:
        ratios.append(
            f"sailint (all rules) / bandit alone, median of {len(full_ratios)} back-to-back "
            f"pairs: {statistics.median(full_ratios):.2f} "
            f"(pairs: {', '.join(f'{r:.2f}' for r in full_ratios)})"
        )
    ratios.append(
        f"sailint SAI rules / floor, median of {len(sai_ratios)} back-to-back pairs: "
        f"{statistics.median(sai_ratios):.2f} (pairs: {', '.join(f'{r:.2f}' for r in sai_ratios)})"
    )
    text = "\n".join([*lines, "", *[f"- {r}" for r in ratios]])
    print(text)
    if args.write:
        machine = (
            f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores, "
            f"{_cpu_model()}"
        )
        header = (
            f"# Benchmark results\n\nMeasured {dt.date.today().isoformat()} with "
            f"`python benchmarks/run.py --modules {args.modules} --notebooks {args.notebooks} "
            f"--commits {args.commits} --repeat {args.repeat}` on {machine}. Repository: {count} "
            "files. Wall-clock medians; the machine is shared, so treat small differences as noise.\n\n"
        )
        (HERE / "RESULTS.md").write_text(header + text + "\n", encoding="utf-8")
    return 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    raise SystemExit(main())
