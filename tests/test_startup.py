"""Fast start: `--version` without click, lazy subcommands, the generated rule index."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pathspec
import pytest
from helpers import ROOT, git, init_repo, write_files

from sailint import __version__
from sailint.entry import VERSION_LINE
from sailint.entry import main as entry_main
from sailint.inventory import MAX_PATHSPECS, Inventory, _git_listing, build_inventory
from sailint.registry import load_rule_metas, rule_files, rules_dir
from sailint.ruleindex import INDEX_FILE, read_index, render_index, sync_index
from sailint.rulemeta import ExampleFile


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


# -- file mode asks git about the given files only --------------------------------------------


def _awkward_repo(root: Path) -> list[str]:
    """A work tree with every kind of path a pre-commit run may pass; returns those paths."""
    init_repo(root)
    write_files(
        root,
        [
            ExampleFile(".gitignore", "outputs/\n*.log\n"),
            ExampleFile("train.py", "print(1)\n"),
            ExampleFile("src/app.py", "x = 1\n"),
            ExampleFile("src/deleted.py", "x = 2\n"),
            ExampleFile("with space [1]*.py", "x = 3\n"),
            ExampleFile("caf\u00e9/n\u00e4me.py", "x = 4\n"),
            ExampleFile(":(glob)*.py", "x = 5\n"),
            ExampleFile("vendor/lib.py", "x = 6\n"),
            ExampleFile("outputs/ignored.py", "x = 7\n"),
            ExampleFile("run.log", "x"),
            ExampleFile("untracked.py", "x = 8\n"),
        ],
    )
    os.symlink("train.py", root / "alias.py")
    git(root, "add", ".gitignore", "train.py", "src", "with space [1]*.py", "caf\u00e9", "vendor")
    git(root, "add", ":(literal):(glob)*.py", "alias.py")
    git(root, "commit", "-qm", "init")
    (root / "src" / "deleted.py").unlink()
    return [
        "train.py", "src/app.py", "src/deleted.py", "with space [1]*.py", "caf\u00e9/n\u00e4me.py",
        ":(glob)*.py", "vendor/lib.py", "outputs/ignored.py", "run.log", "untracked.py",
        "alias.py", "not-there.py", "src",
    ]  # fmt: skip


def _restricted(full: Inventory, only: list[str], exclude: list[str]) -> Inventory:
    """What file mode listed before: the full inventory, keeping the given paths."""
    spec = pathspec.GitIgnoreSpec.from_lines(exclude)
    listed = set(_git_listing(Path(full.repo_root or ".")) or [])
    return Inventory(
        files=[entry for entry in full.files if entry.path in only],
        skipped=[item for item in full.skipped if item.path in only],
        excluded_count=sum(1 for path in only if path in listed and spec.match_file(path)),
        repo_root=full.repo_root,
    )


@pytest.mark.parametrize("max_pathspecs", [MAX_PATHSPECS, 1])
def test_file_mode_lists_what_the_full_listing_lists_of_those_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_pathspecs: int
) -> None:
    monkeypatch.setattr("sailint.inventory.MAX_PATHSPECS", max_pathspecs)
    only = _awkward_repo(tmp_path)
    exclude = ["vendor/"]
    full = build_inventory(tmp_path, exclude)
    assert [entry.path for entry in full.files] == [
        ".gitignore", ":(glob)*.py", "caf\u00e9/n\u00e4me.py", "src/app.py", "train.py",
        "untracked.py", "with space [1]*.py",
    ]  # fmt: skip
    assert [item.path for item in full.skipped] == ["alias.py"]
    given = build_inventory(tmp_path, exclude, only)
    assert given == _restricted(full, only, exclude)
    assert [entry.path for entry in given.files] == [
        ":(glob)*.py", "caf\u00e9/n\u00e4me.py", "src/app.py", "train.py", "untracked.py",
        "with space [1]*.py",
    ]  # fmt: skip
    assert given.excluded_count == 1


def test_file_mode_outside_a_work_tree_walks(tmp_path: Path) -> None:
    write_files(tmp_path, [ExampleFile(".gitignore", "*.log\n"), ExampleFile("a.py", "x\n")])
    (tmp_path / "b.log").write_text("x")
    given = build_inventory(tmp_path, (), ["a.py", "b.log"])
    assert ([e.path for e in given.files], given.repo_root) == (["a.py"], None)


def test_without_git_the_walk_lists_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only = _awkward_repo(tmp_path)
    with_git = build_inventory(tmp_path, (), only)
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(tmp_path / "no-such-git"))
    assert _git_listing(tmp_path, only) is None
    walked = build_inventory(tmp_path, (), only)
    # The walk cannot know what git tracks: the tracked-but-deleted file is simply absent, and
    # the untracked files are the same.
    assert [e.path for e in walked.files] == [e.path for e in with_git.files]


HEAVY = (
    "{'bandit', 'stevedore', 'rich', 'packaging', 'yaml', 'git', 'gitdb', 'cyclonedx', "
    "'pip_audit', 'jsonschema'}"
)


def _heavy_imports(*paths: Path) -> str:
    """The exit code of a pre-commit style scan of ``paths`` and the heavy packages it loaded.

    In one process (``SAILINT_JOBS=1``): otherwise bandit runs in a forked helper process.
    """
    return _python(
        "import os, sys\n"
        "os.environ['SAILINT_JOBS'] = '1'\n"
        "from sailint.entry import main\n"
        f"code = main(['scan', *{[str(p) for p in paths]!r}, '--fail-on', 'none', '-q'])\n"
        f"print(code, sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY}))\n"
    )


def test_a_pre_commit_scan_loads_only_bandit(tmp_path: Path) -> None:
    _awkward_repo(tmp_path)
    # bandit's scanning core only (collectors/banditload.py): not its CLI's rich, stevedore,
    # nor the PyYAML its config module imports; and no manifest parsing (packaging) or YAML
    # reading for a commit without manifests or YAML files
    assert _heavy_imports(tmp_path / "train.py") == "0 ['bandit']\n"
    # Without a Python file no B rule has anything to scan: bandit is not even imported, and
    # nothing reads YAML (the secret detectors come from the generated rules index).
    assert _heavy_imports(tmp_path / ".gitignore", tmp_path / "run.log") == "0 []\n"


READERS = (
    "{'sailint.collectors.shellsources', 'sailint.collectors.dockerfiles', "
    "'sailint.collectors.workflows', 'sailint.collectors.launches', 'sailint.checks.installs', "
    "'sailint.checks.gha', 'sailint.checks.pinning', 'sailint.checks.provenance', "
    "'sailint.collectors.shell', 'sailint.collectors.cliflags', 'sailint.checks.dependencies', "
    "'sailint.checks.large_artifacts', 'sailint.checks.secret_hygiene', "
    "'sailint.checks.python_eol'}"
)


def test_a_pre_commit_scan_of_python_modules_skips_the_other_readers(tmp_path: Path) -> None:
    # Checks declared reads-python-modules: false are skipped (tests/test_file_mode.py), and
    # so is importing the shell, Dockerfile, workflow, manifest and credential-file readers they
    # would have built (and the shell reader SAI601 needs only for code that starts Streamlit).
    _awkward_repo(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM python:3.11\nRUN pip install torch\n")
    code = (
        "import os, sys\n"
        "os.environ['SAILINT_JOBS'] = '1'\n"
        "from sailint.entry import main\n"
        "code = main(['scan', *sys.argv[1:], '--fail-on', 'none', '-q'])\n"
        f"print(code, sorted(set(sys.modules) & {READERS}))\n"
    )
    python_only = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "train.py"), str(tmp_path / "src/app.py")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert python_only.stdout == "0 []\n"
    with_dockerfile = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "train.py"), str(tmp_path / "Dockerfile")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "sailint.checks.installs" in with_dockerfile.stdout


def test_the_listing_is_what_gitpython_listed(tmp_path: Path) -> None:
    import git as gitpython

    _awkward_repo(tmp_path)
    output = gitpython.cmd.Git(str(tmp_path)).ls_files(
        "-z", "--cached", "--others", "--exclude-standard", "--deduplicate", "--", "."
    )
    assert _git_listing(tmp_path) == [name for name in output.split("\0") if name]
    assert len(_git_listing(tmp_path) or []) == 10


def test_detectors_read_by_libyaml_are_what_safe_load_reads() -> None:
    import yaml

    from sailint.collectors.secretdetect import detectors_path
    from sailint.registry import rules_dir
    from sailint.ruleindex import indexed_data

    text = detectors_path().read_text(encoding="utf-8")
    assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.safe_load(text)
    # and the copy in the generated index (what scans read) is that document
    found, indexed = indexed_data(
        rules_dir(), "secrets/detectors.yml", detectors_path().read_bytes()
    )
    assert found and indexed == yaml.safe_load(text)
    assert indexed_data(rules_dir(), "secrets/detectors.yml", b"detectors: []\n") == (False, None)


def _report_json(root: Path, only: list[str]) -> dict[str, object]:
    from sailint.config import load_config
    from sailint.engine import scan_project
    from sailint.formatters import json_format

    report = scan_project(root, load_config(root), only=only)
    data = json.loads(json_format.render(report))
    data.pop("summary", None)  # holds the duration
    return data


def test_a_pre_commit_scan_reports_what_the_full_listing_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "demo"
    shutil.copytree(ROOT / "fixtures" / "demo", root)
    init_repo(root)
    git(root, "add", ".")
    git(root, "commit", "-qm", "demo")
    (root / "serve.py").write_text((root / "serve.py").read_text() + "\nexec(input())\n")
    only = ["serve.py", "train.py", "Dockerfile", "requirements.txt", "MODEL_CARD.md"]
    with_pathspecs = _report_json(root, only)
    monkeypatch.setattr("sailint.inventory.MAX_PATHSPECS", 0)  # the full listing, as before
    assert _report_json(root, only) == with_pathspecs
    findings = with_pathspecs["findings"]
    assert isinstance(findings, list)
    assert [(f["location"]["path"], f["location"]["line"], f["rule"]) for f in findings] == [
        ("Dockerfile", 1, "SAI107"),
        ("Dockerfile", 1, "SAI505"),
        ("Dockerfile", 6, "SAI104"),
        ("requirements.txt", 1, "SAI105"),
        ("serve.py", 12, "SAI307"),
        ("serve.py", 19, "SAI603"),
        ("serve.py", 19, "SAI604"),
        ("serve.py", 27, "SAI601"),
        ("serve.py", 27, "B104"),
        ("serve.py", 29, "B102"),
        ("train.py", 30, "SAI108"),
        ("train.py", 31, "SAI108"),
    ]
