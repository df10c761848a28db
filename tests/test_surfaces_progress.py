"""Progress on a terminal only, ``--quiet`` and ``-v``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from sailint.cli import cli
from sailint.progress import Progress
from sailint.registry import find_rule


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_clears_its_line() -> None:
    stream = _Terminal()
    progress = Progress.for_terminal(quiet=False, verbose=False, stream=stream)
    first, second = find_rule("SAI401"), find_rule("SAI406")
    assert first and second
    progress.update(0, 2, first)
    progress.update(1, 2, second)
    progress.finish()
    out = stream.getvalue()
    assert "\rsailint: [1/2] SAI401 missing-model-card" in out
    assert "\rsailint: [2/2] SAI406 missing-security-policy" in out
    assert out.endswith("\r" + " " * len("sailint: [2/2] SAI406 missing-security-policy") + "\r")
    assert set(progress.timings) == {"SAI401", "SAI406"}


@pytest.mark.parametrize(("tty", "quiet"), [(False, False), (True, True)])
def test_no_progress_off_a_terminal_or_when_quiet(tty: bool, quiet: bool) -> None:
    stream = _Terminal() if tty else io.StringIO()
    progress = Progress.for_terminal(quiet=quiet, verbose=False, stream=stream)
    rule = find_rule("SAI401")
    assert rule
    progress.update(0, 1, rule)
    progress.finish()
    assert stream.getvalue() == ""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "README.md").write_text("# Project\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_quiet_prints_nothing_and_keeps_the_exit_code(project: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", "-q"])
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr == ""


def test_verbose_reports_the_slowest_rules_on_stderr(project: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", "-v", "--select", "SAI406,SAI407"])
    assert result.exit_code == 1
    assert result.stderr.startswith("sailint: slowest rules (with the views they built): SAI40")
    assert "SAI406 " in result.stderr and "SAI407 " in result.stderr
    assert "\r" not in result.stderr  # no progress line when stderr is not a terminal
