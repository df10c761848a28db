"""Fast start: `--version` without click, subcommand modules imported only when used."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sailint import __version__
from sailint.entry import VERSION_LINE
from sailint.entry import main as entry_main


def _python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_fast_version_prints_what_click_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from sailint.cli import main as cli_main

    assert cli_main(["--version"]) == 0
    from_click = capsys.readouterr().out
    assert entry_main(["--version"]) == 0
    assert capsys.readouterr().out == from_click == f"sailint, version {__version__}\n"
    assert from_click == VERSION_LINE


def test_version_loads_neither_click_nor_the_cli() -> None:
    out = _python(
        "import sys\n"
        "from sailint.entry import main\n"
        "code = main(['--version'])\n"
        "print(code, 'click' in sys.modules, 'sailint.cli' in sys.modules)\n"
    )
    assert out == f"sailint, version {__version__}\n0 False False\n"


def test_python_dash_m_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sailint", "--version"], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, f"sailint, version {__version__}\n")


def test_other_arguments_reach_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert entry_main(["explain", "SAI401"]) == 0
    assert capsys.readouterr().out.startswith("# SAI401")
    assert entry_main(["no-such-command"]) == 2


def test_subcommand_modules_load_only_when_used() -> None:
    out = _python(
        "import sys\n"
        "import sailint.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith('sailint.commands.')))\n"
        "print(sorted(sailint.cli.cli.list_commands(None)))\n"
        "print(sorted(m for m in sys.modules if m.startswith('sailint.commands.')))\n"
    )
    assert out.splitlines() == [
        "[]",
        "['baseline', 'explain', 'hash', 'init', 'rules', 'sbom', 'scan']",
        "[]",
    ]


def test_lazy_subcommand_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from sailint.cli import main as cli_main

    assert cli_main(["sbom", "--help"]) == 0
    assert "CycloneDX" in capsys.readouterr().out
