"""Time the dependency collector, the offline OSV matching and SBOM generation on synthetic input.

Usage: python benchmarks/supply_chain.py [PINS] [ADVISORIES]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from sailint.collectors.dependencies import Dependencies
from sailint.collectors.osv import OsvDatabase
from sailint.commands.sbom import build_bom, render
from sailint.config import Config
from sailint.engine import scan_project
from sailint.project import Project


def main() -> None:
    pins = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    advisories = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        lines = [
            f"package-{i}=={i % 7}.{i % 13}.{i % 5} \\\n    --hash=sha256:{i:064x}"
            for i in range(pins)
        ]
        (root / "requirements.txt").write_text("\n".join(lines) + "\n")
        lock = ["version = 1\n"]
        for i in range(pins):
            lock.append(
                f'\n[[package]]\nname = "package-{i}"\nversion = "{i % 7}.{i % 13}.{i % 5}"\n'
                f'sdist = {{ url = "https://x/p{i}.tar.gz", hash = "sha256:{i:064x}" }}\n'
            )
        (root / "uv.lock").write_text("".join(lock))
        archive = Path(tmp) / "PyPI.zip"
        with zipfile.ZipFile(archive, "w") as handle:
            for n in range(advisories):
                handle.writestr(
                    f"GHSA-{n}.json",
                    json.dumps(
                        {
                            "id": f"GHSA-{n}",
                            "aliases": [f"CVE-2099-{n}"],
                            "affected": [
                                {
                                    "package": {
                                        "ecosystem": "PyPI",
                                        "name": f"package-{n % (pins * 5)}",
                                    },
                                    "ranges": [
                                        {
                                            "type": "ECOSYSTEM",
                                            "events": [{"introduced": "0"}, {"fixed": "3.0"}],
                                        }
                                    ],
                                }
                            ],
                        }
                    ),
                )
        started = time.perf_counter()
        project = Project(root, Config())
        view = project.get(Dependencies)
        collected = time.perf_counter()
        database = OsvDatabase.load(archive, {d.name for d in view.pinned()})
        loaded = time.perf_counter()
        hits = sum(len(database.matches(d.name, d.version or "")) for d in view.pinned())
        matched = time.perf_counter()
        text = render(build_bom(project))
        generated = time.perf_counter()
        config = Config(vuln_db=str(archive))
        config.select = ["SAI1"]
        report = scan_project(root, config)
        scanned = time.perf_counter()
        print(f"pins={pins} advisories={advisories}")
        print(
            f"collect requirements+uv.lock: {collected - started:.2f}s "
            f"({sum(len(m.dependencies) for m in view.manifests)} entries)"
        )
        print(f"load OSV zip: {loaded - collected:.2f}s ({database.count} advisories)")
        print(f"match: {matched - loaded:.2f}s ({hits} hits)")
        print(f"sbom: {generated - matched:.2f}s ({len(text) // 1024} KiB)")
        print(
            f"scan SAI1xx with --vuln-db: {scanned - generated:.2f}s "
            f"({len(report.findings)} findings)"
        )


if __name__ == "__main__":
    main()
