"""Fast start: `--version` without click, lazy subcommands, the generated rule index."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sailint import __version__
from sailint.entry import VERSION_LINE
from sailint.entry import main as entry_main
from sailint.registry import load_rule_metas, rule_files, rules_dir
from sailint.ruleindex import INDEX_FILE, read_index, render_index, sync_index


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


# -- the generated rule index -----------------------------------------------------------------


def test_rule_index_is_current() -> None:
    assert not sync_index(rules_dir(), check=True), "run `python -m sailint.docs` to regenerate"


def test_index_gives_the_rules_yaml_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    from_index = load_rule_metas()
    monkeypatch.setenv("SAILINT_RULES_DIR", str(rules_dir()))  # a user's directory: YAML only
    from_yaml = load_rule_metas(validate=False)
    assert from_index == from_yaml
    assert len(from_index) == len(rule_files())


def _copy_rules(target: Path, *names: str) -> None:
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(rules_dir() / name, target / name)


def test_an_entry_stands_in_only_for_the_bytes_it_was_made_from(tmp_path: Path) -> None:
    first, second = "documentation/SAI401-missing-model-card.yaml", "code/B101-assert-used.yaml"
    _copy_rules(tmp_path, first, second)
    assert sync_index(tmp_path, check=False)
    index = json.loads((tmp_path / INDEX_FILE).read_text())
    # The index is what is read while the digest matches ...
    index["rules"][first]["document"]["title"] = "Title from the index"
    (tmp_path / INDEX_FILE).write_text(json.dumps(index))
    # ... and an edited file is parsed again.
    edited = (tmp_path / second).read_text().replace("title: ", "title: Edited ", 1)
    (tmp_path / second).write_text(edited)
    titles = {meta.id: meta.title for meta in load_rule_metas(tmp_path)}
    assert titles["SAI401"] == "Title from the index"
    assert titles["B101"].startswith("Edited ")
    assert sync_index(tmp_path, check=True)  # and --check calls it stale


@pytest.mark.parametrize("content", ["{not json", '{"format": 99, "rules": {}}', "[]"])
def test_an_unusable_index_is_ignored(tmp_path: Path, content: str) -> None:
    name = "documentation/SAI401-missing-model-card.yaml"
    _copy_rules(tmp_path, name)
    (tmp_path / INDEX_FILE).write_text(content)
    assert [meta.id for meta in load_rule_metas(tmp_path)] == ["SAI401"]
    assert read_index(tmp_path) == {}


def test_documents_json_cannot_hold_stay_out_of_the_index() -> None:
    text = render_index(
        {
            "a/X1-dated.yaml": (b"when: 2024-01-01\n", {"when": dt.date(2024, 1, 1)}),
            "a/X2-int-key.yaml": (b"1: one\n", {1: "one"}),
            "a/X3-plain.yaml": (b"id: X3\n", {"id": "X3"}),
        }
    )
    assert list(json.loads(text)["rules"]) == ["a/X3-plain.yaml"]


def test_docs_check_reports_a_stale_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sailint import docs

    _copy_rules(tmp_path, "schema.json", "documentation/SAI401-missing-model-card.yaml")
    monkeypatch.setenv("SAILINT_RULES_DIR", str(tmp_path))
    pages = tmp_path / "pages"
    assert docs.main([str(pages)]) == 0  # writes the pages and the index
    assert (tmp_path / INDEX_FILE).is_file()
    assert docs.main(["--check", str(pages)]) == 0
    (tmp_path / INDEX_FILE).write_text("{}")
    assert docs.main(["--check", str(pages)]) == 1
    assert "index.json" in capsys.readouterr().out
