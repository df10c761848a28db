"""Benchmark: hashing + scanning a 1 GiB PyTorch-zip checkpoint and 1,000 small pickles.

Usage: ``python benchmarks/bench_models.py [--size-mib 1024] [--pickles 1000] [--keep DIR]``

Generates the files in a temporary directory (from hand-assembled opcodes, never pickled), then
runs each measurement in a fresh child process pinned to one core (``os.sched_setaffinity``
when available) and reports wall time, MB/s and the child's peak RSS. A small checkpoint is
measured the same way so the peak memory of the 1 GiB run can be compared with it (flat
memory means both peaks are about the same).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "src"))

import make_model_files as mk  # noqa: E402

STORAGE_MIB = 4


def make_checkpoint(path: Path, size_mib: int) -> None:
    """A PyTorch zip with ``size_mib`` MiB of stored float storages and a matching data.pkl."""
    count = max(1, size_mib // STORAGE_MIB)
    numel = STORAGE_MIB * (1 << 20) // 4
    body = b""
    for index in range(count):
        body += mk.binuni(f"layers.{index}.weight") + mk.tensor(str(index), numel, (numel,))
    data_pkl = mk.proto(2) + mk.call(mk.glob("collections", "OrderedDict"))
    data_pkl += mk.MARK + body + mk.SETITEMS + mk.STOP
    block = bytes(range(256)) * (STORAGE_MIB * (1 << 20) // 256)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        for index in range(count):
            with archive.open(f"archive/data/{index}", "w", force_zip64=True) as member:
                member.write(block)
        archive.writestr("archive/version", b"3\n")


def make_pickles(directory: Path, count: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        data = mk.sklearn_pickle() if index % 2 else mk.state_dict_pickle(layers=4)
        (directory / f"model_{index:04d}.pkl").write_bytes(data)


def measure(root: str) -> dict[str, float]:
    """In the child: hash every model file, then scan with SAI301-SAI305; report timings."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from sailint.collectors.modelfiles import ModelFiles
    from sailint.commands.hash import build_manifest
    from sailint.config import Config
    from sailint.engine import scan_project
    from sailint.project import Project

    path = Path(root)
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    started = time.perf_counter()
    manifest, problems = build_manifest(path, path)
    hashed = time.perf_counter()
    artifacts = Project(path, Config()).get(ModelFiles).artifacts  # the model scanner itself
    scanned = time.perf_counter()
    config = Config()
    config.select = ["SAI301", "SAI302", "SAI303", "SAI304", "SAI305"]
    report = scan_project(path, config)  # the whole engine, including its start-up cost
    engine = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "bytes": total,
        "files": manifest.count("\n"),
        "artifacts": len(artifacts),
        "hash_s": hashed - started,
        "scan_s": scanned - hashed,
        "engine_s": engine - scanned,
        "findings": len(report.findings),
        "problems": len(problems),
        "peak_rss_mib": peak_kib / 1024,
    }


def run_child(root: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", str(root)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def report(label: str, result: dict[str, float]) -> None:
    mb = result["bytes"] / 1e6
    both = result["hash_s"] + result["scan_s"]
    print(
        f"{label}: {mb:,.1f} MB in {int(result['files'])} files | hash {result['hash_s']:.2f}s "
        f"({mb / result['hash_s']:,.0f} MB/s) | scan {result['scan_s']:.2f}s "
        f"({mb / result['scan_s']:,.0f} MB/s) | hash+scan {mb / both:,.0f} MB/s | "
        f"peak RSS {result['peak_rss_mib']:.0f} MiB | full `sailint scan` SAI301-305 "
        f"{result['engine_s']:.2f}s, {int(result['findings'])} findings"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--pickles", type=int, default=1000)
    parser.add_argument("--keep", help="generate into this directory and keep it")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(args.keep or scratch)
        small, big, many = base / "small", base / "big", base / "pickles"
        for directory in (small, big):
            directory.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        make_checkpoint(small / "model.pt", 16)
        make_checkpoint(big / "model.pt", args.size_mib)
        make_pickles(many, args.pickles)
        print(f"generated in {time.perf_counter() - started:.1f}s under {base}")
        report("16 MiB checkpoint ", run_child(small))
        report(f"{args.size_mib} MiB checkpoint", run_child(big))
        report(f"{args.pickles} small pickles ", run_child(many))


if __name__ == "__main__":
    main()
