"""Benchmark: sailint's secret rules against detect-secrets on a generated ML repository.

Builds (with ``git fast-import``) a 3,000-file repository whose history has 2,000 commits, with
invented secrets planted in files, notebook outputs and commits that later remove them, then
times:

* ``sailint scan --select SAI201,SAI202`` (working tree, files and notebooks),
* ``sailint scan --select SAI201,SAI202,SAI203 --history`` (plus every commit's added lines),
* ``detect-secrets scan --all-files`` on the same tree (it has no history mode),

each run ``--repeat`` times (best time reported). detect-secrets is not a sailint dependency:
install it next to sailint (``pip install detect-secrets``) to get its column.

Usage: python benchmarks/bench_secrets.py [--files 3000] [--commits 2000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 20261126
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"


def _token(rng: random.Random, size: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def _secret(rng: random.Random) -> tuple[str, str]:
    """An invented credential line in the shape of a real provider key, and the key."""
    kind = rng.randrange(5)
    if kind == 0:
        value = f"hf_{_token(rng, 34, ALNUM[:52])}"
        return f'HF_TOKEN = "{value}"', value
    if kind == 1:
        value = _token(rng, 40, HEX)
        return f"WANDB_API_KEY={value}  # wandb", value
    if kind == 2:
        value = f"gsk_{_token(rng, 52)}"
        return f'client = Groq(api_key="{value}")', value
    if kind == 3:
        value = f"r8_{_token(rng, 37)}"
        return f"export REPLICATE_API_TOKEN={value}", value
    value = _token(rng, 32)
    return f'SECRET_KEY = "{value}"', value


def _python(rng: random.Random, index: int) -> str:
    lines = [
        "import os",
        "import torch",
        "from transformers import AutoModel, AutoTokenizer",
        "",
        f'MODEL = "acme/model-{index}"',
        'TOKEN = os.environ.get("HF_TOKEN")',
        f'RUN_ID = "{_token(rng, 8, HEX)}-{_token(rng, 4, HEX)}-4{_token(rng, 3, HEX)}-'
        f'a{_token(rng, 3, HEX)}-{_token(rng, 12, HEX)}"',
        f'BASE_COMMIT = "{_token(rng, 40, HEX)}"',
        "max_new_tokens = 256",
        "",
    ]
    for n in range(rng.randrange(20, 80)):
        lines.append(f"def step_{n}(batch, model):")
        lines.append(f"    loss = model(**batch).loss * {rng.random():.4f}")
        lines.append("    return loss")
    return "\n".join(lines) + "\n"


def _yaml(rng: random.Random, index: int) -> str:
    return (
        f"model: acme/model-{index}\nlearning_rate: {rng.random():.5f}\nbatch_size: 32\n"
        "wandb:\n  project: acme\n  api_key: ${WANDB_API_KEY}\n"
        f"dataset_sha256: {_token(rng, 64, HEX)}\nmax_tokens: 2048\n"
    )


def _notebook(rng: random.Random, secret: str | None) -> str:
    output = secret if secret is not None else f"loss {rng.random():.4f}"
    cells = [
        {
            "cell_type": "code",
            "execution_count": n,
            "metadata": {},
            "source": ["model.fit(X, y)\n", "print(metrics)"],
            "outputs": [{"name": "stdout", "output_type": "stream", "text": [output + "\n"]}],
        }
        for n in range(1, 6)
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def generate(root: Path, files: int, commits: int) -> dict[str, list[tuple[str, str]]]:
    """Write the repository at ``root`` with git fast-import; returns the planted secrets.

    ``tree``: (path, secret) still in the checked-out tree (files and notebook outputs);
    ``history``: (path, secret) added by one commit and removed by the next.
    """
    rng = random.Random(SEED)
    tree: dict[str, str] = {}
    planted: dict[str, list[tuple[str, str]]] = {"tree": [], "history": []}
    for index in range(files):
        kind = index % 10
        folder = f"pkg{index % 40}"
        if kind < 6:
            path, text = f"{folder}/module_{index}.py", _python(rng, index)
        elif kind < 8:
            path, text = f"configs/{folder}/run_{index}.yaml", _yaml(rng, index)
        elif kind == 8:
            path = f"notebooks/{folder}/nb_{index}.ipynb"
            secret = _secret(rng) if index % 200 == 8 else None
            text = _notebook(rng, secret[0] if secret else None)
            if secret:
                planted["tree"].append((path, secret[1]))
        else:
            path = f"docs/{folder}/page_{index}.md"
            text = "# Notes\n\nSet `HF_TOKEN=hf_...` and `OPENAI_API_KEY=sk-...` first.\n" * 5
        if index % 150 == 1 and path.endswith(".py"):
            line, value = _secret(rng)
            text += line + "\n"
            planted["tree"].append((path, value))
        tree[path] = text
    stream: list[bytes] = []

    def commit(number: int, changes: dict[str, str]) -> None:
        when = 1_700_000_000 + number * 3600
        message = f"change {number}".encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"committer Bench <bench@example.com> {when} +0000\n".encode())
        stream.append(f"data {len(message)}\n".encode() + message + b"\n")
        for path, text in changes.items():
            data = text.encode()
            stream.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    commit(0, dict(tree))
    paths = sorted(
        p for p in tree if p.endswith(".py") and not any(p == q for q, _ in planted["tree"])
    )
    leaked: str | None = None
    for number in range(1, commits):
        if leaked is not None:  # remove the secret the previous commit added
            tree[leaked] = tree[leaked].rsplit("\n", 2)[0] + "\n"
            commit(number, {leaked: tree[leaked]})
            leaked = None
            continue
        path = rng.choice(paths)
        if number % 100 == 50:
            line, value = _secret(rng)
            tree[path] += line + "\n"
            planted["history"].append((path, value))
            leaked = path
        else:
            tree[path] += f"# tweak {number}: lr={rng.random():.5f}\n"
        commit(number, {path: tree[path]})
    root.mkdir(parents=True)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True, env=env)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True, env=env
    )
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True, env=env)
    return planted


def _timed(command: list[str], cwd: Path, repeat: int) -> tuple[float, float, str]:
    """Best wall-clock and best CPU (user+sys of the child) seconds over ``repeat`` runs."""
    best, best_cpu, output = float("inf"), float("inf"), ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu = min(best_cpu, cpu)
        output = result.stdout
        if result.returncode not in (0, 1):
            raise SystemExit(f"{command[0]} failed: {result.stderr[-2000:]}")
    return best, best_cpu, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="sailint-bench-"))
    repo = base / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    started = time.perf_counter()
    planted = generate(repo, args.files, args.commits)
    print(
        f"generated {args.files} files, {args.commits} commits in "
        f"{time.perf_counter() - started:.1f}s; planted {len(planted['tree'])} secrets in the "
        f"tree and {len(planted['history'])} added-then-removed in history"
    )
    tree_paths = {path for path, _ in planted["tree"]}
    history_paths = {path for path, _ in planted["history"]}
    sailint = [sys.executable, "-m", "sailint", "scan", ".", "-f", "json", "--fail-on", "none"]
    rows = []
    for label, extra in (
        ("sailint SAI201+SAI202 (tree)", ["--select", "SAI201,SAI202"]),
        ("sailint SAI201-SAI203 --history", ["--select", "SAI201,SAI202,SAI203", "--history"]),
    ):
        seconds, cpu, output = _timed([*sailint, *extra], repo, args.repeat)
        findings = json.loads(output)["findings"]
        in_tree = {f["location"]["path"] for f in findings if f["rule"] != "SAI203"}
        past = {f["properties"]["historicalPath"] for f in findings if f["rule"] == "SAI203"}
        found = len(tree_paths & in_tree) + len(history_paths & past)
        other = len(in_tree - tree_paths) + len(past - history_paths)
        rows.append((label, seconds, cpu, len(findings), found, other))
    detect = shutil.which("detect-secrets")
    if detect:
        seconds, cpu, output = _timed([detect, "scan", "--all-files"], repo, args.repeat)
        results = json.loads(output)["results"]
        found = len(tree_paths & set(results))  # a file counts when anything in it is reported
        total = sum(map(len, results.values()))
        other = len(set(results) - tree_paths)
        rows.append(("detect-secrets 1.5 scan --all-files", seconds, cpu, total, found, other))
    else:
        print("detect-secrets not installed: pip install detect-secrets")
    planted_total = f"{len(planted['tree'])}+{len(planted['history'])}"
    print(f"{'tool (best of ' + str(args.repeat) + ')':<38} {'wall':>8} {'cpu':>8} {'findings':>9} "
          f"{'planted files found (' + planted_total + ')':>30} {'other files':>12}")  # fmt: skip
    for label, seconds, cpu, total, found, other in rows:
        print(f"{label:<38} {seconds:>7.1f}s {cpu:>7.1f}s {total:>9} {found:>30} {other:>12}")
    if not args.keep:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
