"""The Python analysis gives the same report in worker processes as in-process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import scan

from sailint.collectors import pyunits
from sailint.formatters.json_format import render as render_json

TRAIN = """\
import os
import pickle
import subprocess

import torch
from transformers import AutoModel

MODEL = "org/model-{i}"
model = AutoModel.from_pretrained(MODEL, trust_remote_code=True)
state = torch.load("checkpoints/epoch{i}.pt")
api_key = os.environ["OPENAI_API_KEY"]
subprocess.call("ls {i}", shell=True)
with open("cache.pkl", "rb") as handle:
    cache = pickle.load(handle)
torch.save(model.state_dict(), "model-{i}.pt")
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["!pip install transformers\n", "import torch\n",
                    "m = torch.load('w{i}.pt')\n"]},
    ],
    "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}  # fmt: skip


def _project(root: Path, modules: int = 30) -> Path:
    for i in range(modules):
        path = root / "src" / f"pkg{i % 3}" / f"train_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TRAIN.format(i=i), encoding="utf-8")
    (root / "src" / "broken.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    for i in range(3):
        text = json.dumps(NOTEBOOK).replace("{i}", str(i))
        (root / "notebooks").mkdir(exist_ok=True)
        (root / "notebooks" / f"explore_{i}.ipynb").write_text(text, encoding="utf-8")
    return root


def _parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyunits, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pyunits, "PARALLEL_MIN_UNITS", 1)
    monkeypatch.setenv("SAILINT_JOBS", "2")


def _report_json(root: Path) -> dict[str, object]:
    report = scan(root)
    document = json.loads(render_json(report))
    document.pop("duration", None)
    document.pop("timings", None)
    return document


def test_workers_and_in_process_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "repo")
    monkeypatch.setenv("SAILINT_JOBS", "1")
    serial = _report_json(root)
    _parallel(monkeypatch)
    parent = os.getpid()
    analyse = pyunits._analyse_share

    def marks_worker(units: list[pyunits.Unit]) -> object:
        (tmp_path / f"ran-in-{os.getpid()}").touch()
        return analyse(units)

    monkeypatch.setattr(pyunits, "_analyse_share", marks_worker)
    parallel = _report_json(root)
    workers = {p.name for p in tmp_path.glob("ran-in-*")}
    assert workers and f"ran-in-{parent}" not in workers
    assert parallel == serial
    findings: list[dict[str, dict[str, str]]] = serial["findings"]  # type: ignore[assignment]
    rules = {(f["rule"], f["location"]["path"]) for f in findings}
    assert ("SAI308", "src/pkg0/train_0.py") in rules
    assert ("SAI307", "notebooks/explore_2.ipynb") in rules
    assert ("B602", "src/pkg2/train_29.py") in rules
    skipped: list[dict[str, str]] = serial["skipped"]  # type: ignore[assignment]
    assert [s["path"] for s in skipped] == ["src/broken.py"]


def test_a_worker_that_dies_has_its_share_redone_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "repo", modules=24)
    monkeypatch.setenv("SAILINT_JOBS", "1")
    serial = _report_json(root)
    _parallel(monkeypatch)
    parent = os.getpid()
    analyse = pyunits._analyse_share

    def dies_in_worker(units: list[pyunits.Unit]) -> object:
        if os.getpid() != parent:
            os._exit(3)  # the worker process ends abruptly: the pool breaks
        return analyse(units)

    monkeypatch.setattr(pyunits, "_analyse_share", dies_in_worker)
    assert _report_json(root) == serial


def test_trees_are_released_after_each_unit(tmp_path: Path) -> None:
    from sailint.collectors.pyresolve import CodeFacts
    from sailint.config import Config
    from sailint.project import Project

    project = Project(_project(tmp_path / "repo", modules=4), Config())
    results = pyunits.analyse(project, pyunits.units_of(project), [])
    assert [s.path for s in results.summaries][:2] == ["src/pkg0/train_0.py", "src/pkg0/train_3.py"]
    assert project.get(CodeFacts)._facts == {}
    (summary,) = [s for s in results.summaries if s.path == "src/pkg1/train_1.py"]
    assert summary.imports_any("transformers") and not summary.imports_any("trans")
    assert [ref.repo_id for ref in summary.hub_refs] == ["org/model-1"]
    assert [read[1:] for read in summary.env_reads] == [
        (11, "reads OPENAI_API_KEY from the environment")
    ]


def test_a_unit_the_analysis_fails_on_is_a_reported_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "repo", modules=3)
    real = pyunits.summarise

    def fails_on_one(facts: object, project: object) -> object:
        if getattr(facts, "source").path == "src/pkg1/train_1.py":  # noqa: B009
            raise ValueError("unexpected node")
        return real(facts, project)  # type: ignore[arg-type]

    monkeypatch.setattr(pyunits, "summarise", fails_on_one)
    report = scan(root)
    skipped = {s.path: s.reason for s in report.skipped}
    assert skipped["src/pkg1/train_1.py"].startswith("Python analysis failed (ValueError(")
    paths = {f.location.path for f in report.findings}
    assert "src/pkg0/train_0.py" in paths and "src/pkg1/train_1.py" not in paths
    assert not [n for n in report.notifications if n.level == "error"]


def _children(pid: int) -> set[int]:
    """Live child processes of ``pid`` (Linux /proc)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(status.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_during_a_parallel_scan_ends_cleanly(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    root = _project(tmp_path / "repo", modules=60)
    filler = "\n".join(f"def helper_{n}(x):\n    return x * {n}\n" for n in range(400))
    for path in (root / "src").rglob("train_*.py"):
        path.write_text(path.read_text() + filler, encoding="utf-8")  # ~10 kB per module
    process = subprocess.Popen(
        [sys.executable, "-m", "sailint", "scan", str(root), "--fail-on", "none", "-q"],
        env={**os.environ, "SAILINT_JOBS": "2"},
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the scan ended before its workers started"
        time.sleep(0.05)
    workers = _children(process.pid)
    assert len(workers) >= 2
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
    _, stderr = process.communicate(timeout=60)
    # sailint's own 130, or death by SIGINT when the signal lands while the interpreter unwinds:
    # a shell reports both as 130.
    assert process.returncode in (130, -signal.SIGINT), stderr.decode()[-3000:]
    assert "Traceback" not in stderr.decode()
    time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_python_check_that_cannot_be_imported_fails_only_its_rule(tmp_path: Path) -> None:
    import dataclasses

    from sailint.config import Config
    from sailint.engine import scan_project
    from sailint.registry import all_rules

    root = _project(tmp_path / "repo", modules=2)
    rules = [
        dataclasses.replace(rule, python_check="sailint.checks.models_code:no_such_check")
        if rule.id == "SAI308"
        else rule
        for rule in all_rules()
        if rule.id in ("SAI307", "SAI308")
    ]
    report = scan_project(root, Config(), rules=rules)
    assert {f.rule_id for f in report.findings} == {"SAI307"}
    (error,) = [n for n in report.notifications if n.level == "error"]
    assert error.message.startswith("rule SAI308 failed and its results are incomplete: check ")


def test_rules_that_need_python_results_run_after_the_others_with_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sailint import engine

    root = _project(tmp_path / "repo")
    (root / "configs").mkdir()
    (root / "configs" / "train.yaml").write_text(
        "model_name_or_path: org/base-model\nlr: [1e-4\n", encoding="utf-8"
    )
    ran: list[tuple[str, str]] = []
    python_rules: set[str] = set()
    run_rule = engine.run_rule

    def recording(rule: engine.RuleMeta, project: engine.Project) -> list[engine.Finding]:
        if engine._is_python_rule(rule):
            python_rules.add(rule.id)
        try:
            found = run_rule(rule, project)
        except pyunits.AnalysisPending:
            ran.append((rule.id, "stopped"))
            raise
        ran.append((rule.id, "ran"))
        return found

    monkeypatch.setattr(engine, "run_rule", recording)
    _parallel(monkeypatch)
    deferred = _report_json(root)
    stopped = [rule for rule, outcome in ran if outcome == "stopped"]
    assert "SAI108" in stopped  # it reads hub references, those of Python code among them
    second_start = ran.index((stopped[0], "ran"))
    first_pass, second_pass = [r for r, _ in ran[:second_start]], [r for r, _ in ran[second_start:]]
    # the second pass: the stopped rules in their order, then the Python rules; each rule ran once
    assert second_pass[: len(stopped)] == stopped
    assert set(second_pass[len(stopped) :]) == python_rules
    assert not python_rules & set(first_pass)
    completed = [rule for rule, outcome in ran if outcome == "ran"]
    assert len(completed) == len(set(completed)) == len({rule for rule, _ in ran})

    ran.clear()
    monkeypatch.setattr(pyunits, "defer", lambda project, deferring: None)
    not_deferred = _report_json(root)
    assert not any(outcome == "stopped" for _, outcome in ran)
    assert deferred["findings"] == not_deferred["findings"]
    assert deferred["findings"]
    # the same notes, each once (the YAML error of the config among them)
    notes = [json.dumps(note, sort_keys=True) for note in deferred["notifications"]]  # type: ignore[attr-defined]
    again = [json.dumps(note, sort_keys=True) for note in not_deferred["notifications"]]  # type: ignore[attr-defined]
    assert sorted(notes) == sorted(again)
    assert len(set(notes)) == len(notes)


def _file_mode_json(root: Path, paths: list[str]) -> str:
    from sailint.config import Config
    from sailint.engine import scan_project

    report = scan_project(root, Config(), only=paths)
    document = json.loads(render_json(report))
    document.pop("duration", None)
    return json.dumps(document, sort_keys=True)


def _pre_commit_run_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[str], str]:
    """A project, the files of a commit, and their report from one process; then 2 cores."""
    root = _project(tmp_path / "repo", modules=3)
    (root / "src" / "safe.py").write_text(
        "import subprocess\nsubprocess.call('ls', shell=True)  # nosec B602\n", encoding="utf-8"
    )
    paths = [
        "src/pkg0/train_0.py", "src/pkg1/train_1.py", "src/broken.py", "src/safe.py",
        "notebooks/explore_0.ipynb",
    ]  # fmt: skip
    monkeypatch.setenv("SAILINT_JOBS", "1")
    serial = _file_mode_json(root, paths)
    monkeypatch.setenv("SAILINT_JOBS", "2")
    return root, paths, serial


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="fork helper: Linux only")
def test_a_pre_commit_run_gives_the_same_report_with_the_bandit_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sailint.collectors import pyhelper

    root, paths, serial = _pre_commit_run_in_one_process(tmp_path, monkeypatch)
    forked: list[int] = []
    fork_helper = pyhelper.fork_helper

    def counting(*args: object) -> object:
        helper = fork_helper(*args)  # type: ignore[arg-type]
        forked.append(helper.pid if helper else 0)
        return helper

    monkeypatch.setattr(pyhelper, "fork_helper", counting)
    assert _file_mode_json(root, paths) == serial
    assert len(forked) == 1 and forked[0] > 0
    assert _children(os.getpid()) == set()  # the helper was waited for
    report = json.loads(serial)
    rules = {(f["rule"], f["location"]["path"]) for f in report["findings"]}
    assert ("B602", "src/pkg1/train_1.py") in rules and ("SAI307", "src/pkg0/train_0.py") in rules
    assert ("B602", "src/safe.py") not in rules  # its # nosec, read in the helper
    assert [s["path"] for s in report["skipped"]] == ["src/broken.py"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="fork helper: Linux only")
@pytest.mark.parametrize("fails_at", [1, 3])
def test_a_failing_bandit_helper_has_its_part_done_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails_at: int
) -> None:
    from sailint.collectors.bandit_run import BanditResults
    from sailint.collectors.python import PythonSource

    root, paths, serial = _pre_commit_run_in_one_process(tmp_path, monkeypatch)
    parent = os.getpid()
    scan = BanditResults.scan
    scanned: list[str] = []

    def dies_in_helper(self: BanditResults, source: PythonSource) -> object:
        scanned.append(source.path)
        if os.getpid() != parent and len(scanned) == fails_at:
            # anything at all: the helper exits with a failure status, having sent the
            # outcomes of the units before this one (none when it fails at the first)
            raise MemoryError
        return scan(self, source)

    monkeypatch.setattr(BanditResults, "scan", dies_in_helper)
    assert _file_mode_json(root, paths) == serial
    assert _children(os.getpid()) == set()
    # this process ran bandit on the units from the one the helper failed at
    parsed = len(paths) - 1  # src/broken.py does not parse
    assert len(scanned) == parsed - (fails_at - 1)


def test_the_analysis_without_bandit_leaves_no_cyclic_garbage(tmp_path: Path) -> None:
    # The analysis collects garbage every few units only when bandit runs (its parent links
    # make every tree cyclic); this is what lets it collect far less often otherwise. (Modules:
    # a notebook's JSON decoder leaves one small closure cycle, as json's own scanner does.)
    import gc

    from sailint.config import Config
    from sailint.engine import _is_python_rule
    from sailint.project import Project
    from sailint.registry import all_rules

    project = Project(_project(tmp_path / "repo", modules=12), Config())
    rules = [r for r in all_rules() if _is_python_rule(r) and r.check != pyunits.BANDIT_CHECK]
    units = [unit for unit in pyunits.units_of(project) if unit[0] == "module"]
    pyunits.analyse(project, units[:2], rules)  # first use: imports, caches
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        results = pyunits.analyse(project, units, rules)
        assert results.findings  # the rules did run
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()
