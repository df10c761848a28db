"""The composite GitHub Action: its metadata, its shell step run locally, and zizmor on it."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from helpers import ROOT

SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _outputs_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("action_outputs", ROOT / "action" / "outputs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_metadata_passes_inputs_only_through_env() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    run_steps = [step for step in action["runs"]["steps"] if "run" in step]
    assert run_steps
    for step in run_steps:
        assert "${{" not in step["run"], step["name"]
        assert step["shell"] == "bash"
    for step in action["runs"]["steps"]:
        if "uses" in step:
            assert SHA_PIN.match(step["uses"]), step["uses"]
    # Every input reaches the scripts (or a `with:`), none is left unused.
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    for name in action["inputs"]:
        assert f"inputs.{name} " in text or f"inputs.{name}}}" in text, name
    # The variables run.sh reads are the ones action.yml sets on the scan step.
    scan_step = next(step for step in action["runs"]["steps"] if step.get("id") == "scan")
    script = (ROOT / "action" / "run.sh").read_text(encoding="utf-8")
    read = set(re.findall(r"\$\{?(SAILINT_[A-Z_]+)", script))
    assert read == set(scan_step["env"])
    for output in action["outputs"].values():
        assert output["value"].startswith("${{ steps.scan.outputs.")


def _fake_venv(tmp_path: Path) -> Path:
    """A directory shaped like install.sh's venv, pointing at the interpreter running the tests."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    sailint = Path(sys.executable).parent / "sailint"
    if not sailint.exists():
        pytest.skip("the sailint console script is not installed next to this interpreter")
    os.symlink(sys.executable, venv / "bin" / "python")
    os.symlink(sailint, venv / "bin" / "sailint")
    return venv


def _run_action_step(tmp_path: Path, workspace: Path, **inputs: str) -> tuple[int, dict, str, str]:
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    output_file = tmp_path / "github_output"
    summary_file = tmp_path / "step_summary"
    output_file.write_text("", encoding="utf-8")
    summary_file.write_text("", encoding="utf-8")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_WORKSPACE": str(workspace),
        "SAILINT_VENV": str(
            _fake_venv(tmp_path) if not (tmp_path / "venv").exists() else tmp_path / "venv"
        ),
        "SAILINT_PATHS": ".",
        "SAILINT_ARGS": "",
        "SAILINT_FAIL_ON": "warning",
        "SAILINT_DIFF_BASE": "",
        "SAILINT_BASELINE": "",
        "SAILINT_SARIF": "out/sailint.sarif",
        "SAILINT_SUMMARY": "true",
        "SAILINT_SOURCE_URL": "https://github.com/acme/churn/blob/0123abc/",
    }
    env.update(inputs)
    result = subprocess.run(
        ["bash", str(ROOT / "action" / "run.sh")],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text(encoding="utf-8").splitlines()
    )
    return result.returncode, outputs, summary_file.read_text(encoding="utf-8"), result.stdout


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    """A small ML project without a security policy, threat model or incident plan."""
    root = tmp_path / "workspace"
    root.mkdir()
    (root / "README.md").write_text("# Churn model\n\nTrains a churn classifier.\n")
    (root / "train.py").write_text("import torch\n\ntorch.save(model, 'model.pt')\n")
    return root


def test_run_step_writes_sarif_outputs_and_summary(tmp_path: Path, workspace: Path) -> None:
    code, outputs, summary, log = _run_action_step(tmp_path, workspace)
    assert code == 0  # the last action step applies fail-on, after the upload
    sarif_path = workspace / "out" / "sailint.sarif"
    assert outputs["sarif-file"] == "out/sailint.sarif"
    sarif = json.loads(sarif_path.read_text(encoding="utf-8"))
    results = [r for r in sarif["runs"][0]["results"] if not r.get("suppressions")]
    levels = [r["level"] for r in results]
    assert int(outputs["findings"]) == len(results) > 0
    assert int(outputs["errors"]) == levels.count("error")
    assert int(outputs["warnings"]) == levels.count("warning")
    assert int(outputs["notes"]) == levels.count("note")
    assert {r["ruleId"] for r in results} >= {"SAI406", "SAI407", "SAI408"}
    assert outputs["exit-code"] == "1"
    assert summary.startswith("# sailint compliance report")
    assert "[`README.md:1`](https://github.com/acme/churn/blob/0123abc/README.md#L1)" in summary
    assert "README.md:1:1: SAI406 [warning]" in log  # the text report goes to the job log


def test_run_step_does_not_evaluate_inputs(tmp_path: Path, workspace: Path) -> None:
    # A hostile input is one literal argument: sailint rejects it (usage error), nothing runs.
    code, outputs, _, _ = _run_action_step(
        tmp_path, workspace, SAILINT_ARGS="$(touch pwned) `touch pwned2` ;touch pwned3"
    )
    assert code == 2
    assert outputs["exit-code"] == "2"
    assert outputs["sarif-file"] == ""
    assert not any(workspace.glob("pwned*")) and not any(Path.cwd().glob("pwned*"))


def test_run_step_passes_args_paths_fail_on_and_summary_switch(
    tmp_path: Path, workspace: Path
) -> None:
    (workspace / "sub").mkdir()
    (workspace / "sub" / "README.md").write_text("# Sub\n")
    code, outputs, summary, log = _run_action_step(
        tmp_path,
        workspace,
        SAILINT_ARGS="--select SAI406",
        SAILINT_PATHS="sub",
        SAILINT_FAIL_ON="none",
        SAILINT_SUMMARY="false",
    )
    assert code == 0
    assert outputs["findings"] == "1" and outputs["warnings"] == "1"
    assert outputs["exit-code"] == "0"  # fail-on none
    assert "sub/README.md:1:1: SAI406" in log
    assert summary == ""


def test_summary_truncated_below_one_mebibyte() -> None:
    outputs = _outputs_module()
    text = "".join(f"- finding {n} é\n" for n in range(200_000))
    cut = outputs.truncate(text)
    assert len(cut.encode("utf-8")) <= outputs.SUMMARY_LIMIT < 1024 * 1024
    assert cut.endswith(outputs.TRUNCATION_NOTE)
    body = cut[: -len(outputs.TRUNCATION_NOTE)]
    assert body.endswith("\n") and text.startswith(body)
    assert outputs.truncate("short\n") == "short\n"


def test_zizmor_finds_nothing_in_action_and_workflows() -> None:
    zizmor = shutil.which("zizmor") or str(Path(sys.executable).parent / "zizmor")
    if not Path(zizmor).exists():
        pytest.skip("zizmor is not installed (pip install zizmor)")
    result = subprocess.run(
        [zizmor, "--offline", "--format", "json", "action.yml", ".github/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
