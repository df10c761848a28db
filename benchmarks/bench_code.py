"""Time sailint's Python analysis (SAI code rules + bandit) against bandit alone.

Generates a repository of realistic ML code (3,000 Python modules, 200 notebooks by default)
into a temporary directory, then runs, each as a fresh process:

* ``bandit -r <tree>`` (bandit alone; it reads the .py files only);
* ``sailint scan <tree> --select B,<SAI code rules>`` (bandit's tests plus sailint's code rules,
  on the .py files *and* the notebooks' code cells);
* ``sailint scan <tree>`` with every rule.

Usage: ``python benchmarks/bench_code.py [--modules 3000] [--notebooks 200] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CODE_RULES = "B,SAI108,SAI306,SAI307,SAI308,SAI309,SAI310,SAI405,SAI601,SAI602,SAI603,SAI604"

HEADER = """\
\"\"\"{doc}\"\"\"

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from torch import nn
from torch.utils.data import DataLoader, Dataset
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

log = logging.getLogger(__name__)
MODEL_ID = "{model}"
MODEL_REVISION = "{revision}"
"""

BLOCKS = [
    """
    @dataclass
    class TrainConfig{n}:
        learning_rate: float = 3e-5
        batch_size: int = 32
        epochs: int = 3
        warmup_steps: int = 500
        output_dir: str = "outputs/run-{n}"

        @classmethod
        def from_yaml(cls, path: str) -> "TrainConfig{n}":
            with open(path) as handle:
                data = yaml.safe_load(handle)
            return cls(**data.get("train", {{}}))
    """,
    """
    class ReviewDataset{n}(Dataset):
        def __init__(self, path: str, tokenizer, max_length: int = 256) -> None:
            self.rows = [json.loads(line) for line in open(path, encoding="utf-8")]
            self.tokenizer = tokenizer
            self.max_length = max_length

        def __len__(self) -> int:
            return len(self.rows)

        def __getitem__(self, index: int) -> dict:
            row = self.rows[index]
            encoded = self.tokenizer(
                row["text"], truncation=True, max_length=self.max_length, padding="max_length"
            )
            encoded["labels"] = int(row["label"])
            return {{k: torch.tensor(v) for k, v in encoded.items()}}
    """,
    """
    def train_epoch_{n}(model: nn.Module, loader: DataLoader, optimizer, scheduler, device: str) -> float:
        model.train()
        total = 0.0
        for step, batch in enumerate(loader):
            batch = {{k: v.to(device) for k, v in batch.items()}}
            outputs = model(**batch)
            loss = outputs.loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            total += loss.item()
            if step % 100 == 0:
                log.info("step %d loss %.4f", step, loss.item())
        return total / max(len(loader), 1)
    """,
    """
    @torch.no_grad()
    def evaluate_{n}(model: nn.Module, loader: DataLoader, device: str) -> dict:
        model.eval()
        correct = 0
        seen = 0
        for batch in loader:
            batch = {{k: v.to(device) for k, v in batch.items()}}
            logits = model(**batch).logits
            predictions = logits.argmax(dim=-1)
            correct += (predictions == batch["labels"]).sum().item()
            seen += batch["labels"].numel()
        accuracy = correct / max(seen, 1)
        log.info("accuracy %.4f", accuracy)
        return {{"accuracy": accuracy, "examples": seen}}
    """,
    """
    def load_model_{n}(device: str = "cpu"):
        tokenizer = AutoTokenizer.from_pretrained(MODEL_ID, revision=MODEL_REVISION)
        model = AutoModelForSequenceClassification.from_pretrained(MODEL_ID, revision=MODEL_REVISION)
        checkpoint = Path("checkpoints/best-{n}.pt")
        if checkpoint.exists():
            state = torch.load(checkpoint, map_location=device, weights_only=True)
            model.load_state_dict(state)
        return tokenizer, model.to(device)
    """,
    """
    def export_onnx_{n}(model: nn.Module, tokenizer, path: str = "exports/model-{n}.onnx") -> None:
        sample = tokenizer("export sample", return_tensors="pt")
        torch.onnx.export(
            model,
            (sample["input_ids"], sample["attention_mask"]),
            path,
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={{"input_ids": {{0: "batch", 1: "seq"}}, "attention_mask": {{0: "batch", 1: "seq"}}}},
            opset_version=17,
        )
        log.info("exported %s", path)
    """,
    """
    def git_commit_{n}() -> str:
        try:
            result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            return "unknown"
        return result.stdout.strip()
    """,
    """
    def compute_metrics_{n}(predictions: np.ndarray, labels: np.ndarray) -> dict:
        predicted = predictions.argmax(axis=-1)
        tp = int(((predicted == 1) & (labels == 1)).sum())
        fp = int(((predicted == 1) & (labels == 0)).sum())
        fn = int(((predicted == 0) & (labels == 1)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {{"precision": precision, "recall": recall, "f1": f1}}
    """,
    """
    def sentiment_pipeline_{n}():
        return pipeline(
            "sentiment-analysis", model=MODEL_ID, revision=MODEL_REVISION, device=-1, truncation=True
        )


    def score_texts_{n}(texts: list[str]) -> list[dict]:
        classifier = sentiment_pipeline_{n}()
        results = classifier(texts, batch_size=16)
        for text, result in zip(texts, results):
            log.debug("%s -> %s", text[:30], result["label"])
        return results
    """,
    """
    def parse_args_{n}(argv: list[str] | None = None) -> argparse.Namespace:
        parser = argparse.ArgumentParser(description="train the review classifier")
        parser.add_argument("--config", default="configs/train.yaml")
        parser.add_argument("--data", default="data/train.jsonl")
        parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument("--dry-run", action="store_true")
        return parser.parse_args(argv)
    """,
    """
    def set_seed_{n}(seed: int) -> None:
        import random

        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
        os.environ["PYTHONHASHSEED"] = str(seed)
    """,
    """
    def save_run_{n}(model: nn.Module, metrics: dict, out: str = "outputs/run-{n}") -> None:
        Path(out).mkdir(parents=True, exist_ok=True)
        model.save_pretrained(out, safe_serialization=True)
        with open(Path(out) / "metrics.json", "w") as handle:
            json.dump(metrics, handle, indent=2)
        log.info("saved run to %s", out)
    """,
]

SERVICE = """
from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()


class Request{n}(BaseModel):
    text: str


def require_api_key_{n}(key: str = "") -> str:
    if key != os.environ.get("API_KEY"):
        raise HTTPException(status_code=401)
    return key


@app.post("/predict/{n}")
def predict_{n}(request: Request{n}, caller: str = Depends(require_api_key_{n})) -> dict:
    log.info("predict %d chars", len(request.text))
    tokenizer, model = load_model_{n}()
    inputs = tokenizer(request.text, return_tensors="pt")
    return {{"label": int(model(**inputs).logits.argmax())}}
"""

RISKY = [
    "    state = torch.load(path)\n",
    '    model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n',
    '    subprocess.run(f"nvidia-smi -i {device}", shell=True)\n',
    "    assert batch_size > 0\n",
]


def module_text(rng: random.Random, index: int) -> str:
    header = HEADER.format(
        doc=f"Training utilities, part {index}.",
        model=rng.choice(["distilbert-base-uncased", "roberta-base", "microsoft/deberta-v3-base"]),
        revision=f"{rng.getrandbits(160):040x}",
    )
    blocks = rng.sample(BLOCKS, rng.randint(4, 9))
    body = [textwrap.dedent(block.format(n=index)) for block in blocks]
    if "load_model_" not in "".join(body):
        body.append(textwrap.dedent(BLOCKS[4].format(n=index)))
    if rng.random() < 0.2:
        body.append(SERVICE.format(n=index))
    if rng.random() < 0.3:
        risky = "".join(rng.sample(RISKY, 2))
        body.append(
            f"\ndef legacy_{index}(path, device=0, batch_size=8):\n{risky}    return None\n"
        )
    return header + "\n" + "\n".join(body)


def notebook_text(rng: random.Random, index: int) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [f"# Experiment {index}\n"]}]
    cells.append(_code_cell("!pip install -q transformers datasets\n"))
    cells.append(_code_cell(module_text(rng, 10_000 + index).split("log = ")[0]))
    for block in rng.sample(BLOCKS, rng.randint(5, 10)):
        cells.append(_code_cell(textwrap.dedent(block.format(n=20_000 + index))))
        if rng.random() < 0.3:
            cells.append(
                {"cell_type": "markdown", "metadata": {}, "source": ["Notes on the step above.\n"]}
            )
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1) + "\n"


def _code_cell(code: str) -> dict:
    lines = code.strip("\n").splitlines(keepends=True)
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": lines}  # fmt: skip


def generate(root: Path, modules: int, notebooks: int, seed: int = 7) -> tuple[int, int]:
    """Write the benchmark repository; returns (Python lines, notebook count)."""
    rng = random.Random(seed)
    lines = 0
    packages = ["training", "serving", "data", "evaluation", "features", "pipelines"]
    for index in range(modules):
        package = root / "src" / packages[index % len(packages)] / f"group{index // 100}"
        package.mkdir(parents=True, exist_ok=True)
        text = module_text(rng, index)
        lines += text.count("\n")
        (package / f"module_{index}.py").write_text(text, encoding="utf-8")
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    for index in range(notebooks):
        (root / "notebooks" / f"experiment_{index}.ipynb").write_text(
            notebook_text(rng, index), encoding="utf-8"
        )
    (root / "README.md").write_text("# Benchmark ML repository\n", encoding="utf-8")
    return lines, notebooks


def timed(command: list[str], repeat: int) -> tuple[float, float, float]:
    """Median and best wall time, and median CPU time (all processes), of ``command``."""
    times, cpu = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), min(times), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=3000)
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="generate into this directory and keep it")
    parser.add_argument("--code-only", action="store_true", help="skip the every-rule run")
    args = parser.parse_args()
    root = Path(args.keep or tempfile.mkdtemp(prefix="sailint-bench-"))
    try:
        lines, _ = generate(root, args.modules, args.notebooks)
        print(f"tree: {root} ({args.modules} modules, {lines} lines; {args.notebooks} notebooks)")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print(f"cores available: {len(os.sched_getaffinity(0))}")
        bin_dir = Path(sys.executable).parent
        runs = {
            "bandit alone (.py only)": [str(bin_dir / "bandit"), "-r", "-q", str(root)],
            "sailint, bandit + SAI code rules": [
                str(bin_dir / "sailint"), "scan", str(root), "--select", CODE_RULES,
                "--fail-on", "none", "-q",
            ],
            "sailint, every rule": [
                str(bin_dir / "sailint"), "scan", str(root), "--fail-on", "none", "-q",
            ],
        }  # fmt: skip
        if args.code_only:
            del runs["sailint, every rule"]
        for label, command in runs.items():
            median, best, cpu = timed(command, args.repeat)
            print(f"{label:34s} wall median {median:7.2f} s  best {best:7.2f} s  CPU {cpu:7.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
