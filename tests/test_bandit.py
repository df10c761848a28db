"""The bandit rules (B###): one shared fixture suite for the mapping of bandit's results.

Rules of category ``code`` are exempt from per-rule fixture directories (see
tests/test_rule_fixtures.py); this suite checks IDs, lines in modules and notebooks, ``# nosec``,
``sailint: ignore``, ``[tool.bandit]`` skips and excludes, dedup against SAI rules, and that bandit
walking sailint's tree gives what bandit parsing the text itself gives. Each B### rule's own bad/good example runs in test_rule_examples.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, locations, scan

from sailint.collectors.bandit_run import BanditSettings, scan_text
from sailint.config import Config

SERVICE = FIXTURES / "bandit" / "ml-service"
TRAIN = "src/service/train.py"
NOTEBOOK = "notebooks/explore.ipynb"


@pytest.fixture()
def service(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SERVICE, tmp_path / "ml-service"))


def _bandit_and_code(report_rules: set[tuple[str, int, str]]) -> set[tuple[str, int, str]]:
    code_rules = {"SAI108", "SAI306", "SAI307", "SAI308", "SAI309", "SAI310"}
    return {item for item in report_rules if item[2].startswith("B") or item[2] in code_rules}


def test_bandit_results_with_sai_dedup(service: Path) -> None:
    report = scan(service)
    assert _bandit_and_code(locations(report)) == {
        (NOTEBOOK, 20, "B605"),  # os.system in a code cell, line of the .ipynb file
        (NOTEBOOK, 20, "B607"),
        (NOTEBOOK, 39, "SAI307"),  # B614 on the same call is dropped
        (NOTEBOOK, 40, "B105"),
        (TRAIN, 4, "B404"),
        (TRAIN, 14, "SAI306"),  # yaml.load: B506 dropped
        (TRAIN, 19, "SAI306"),  # pickle.load: B301 dropped, and B403 for `import pickle`
        (TRAIN, 24, "SAI108"),  # B615 dropped
        (TRAIN, 25, "SAI307"),
        (TRAIN, 31, "B602"),
        (TRAIN, 34, "B113"),
    }
    b602 = next(f for f in report.findings if f.rule_id == "B602" and f.location.line == 31)
    assert b602.level.label == "error"
    assert b602.properties == {
        "bandit-severity": "high",
        "bandit-confidence": "high",
        "cwe": "CWE-78",
    }
    assert "subprocess call with shell=True" in b602.message


def test_bandit_reports_what_sai_rules_cover_when_they_are_off(service: Path) -> None:
    report = scan(service, config=Config(ignore=["SAI"]))
    found = locations(report)
    assert {
        (TRAIN, 3, "B403"),
        (TRAIN, 14, "B506"),
        (TRAIN, 19, "B301"),
        (TRAIN, 24, "B615"),
        (TRAIN, 25, "B614"),
        (NOTEBOOK, 39, "B614"),
    } <= found


def test_nosec_and_sailint_ignore(service: Path) -> None:
    report = scan(service, ["B602"])
    assert locations(report) == {(TRAIN, 31, "B602")}  # line 32 carries `# nosec B602`
    suppressed = [(f.location.line, f.suppression) for f in report.suppressed_findings]
    assert len(suppressed) == 1 and suppressed[0][0] == 33
    assert suppressed[0][1] is not None
    assert suppressed[0][1].justification == "bucket name comes from our deploy config"


def test_tool_bandit_skips_and_exclude_dirs(service: Path) -> None:
    report = scan(service, ["B101"])
    assert locations(report) == set()  # skipped in [tool.bandit]; tests/ is excluded too
    (service / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n[tool.bandit]\nexclude_dirs = ["src"]\n'
    )
    report = scan(service, ["B101"])
    assert locations(report) == {("tests/test_train.py", 5, "B101")}


def test_dot_bandit_ini_file(service: Path) -> None:
    (service / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    (service / ".bandit").write_text("[bandit]\nskips = B602,B113\nexclude = tests\n")
    found = {rule for _, _, rule in locations(scan(service, ["B"]))}
    assert "B602" not in found and "B113" not in found and "B101" in found


def test_bandit_skips_the_tests_whose_results_the_scan_would_drop(tmp_path: Path) -> None:
    from sailint.collectors.bandit_run import BanditResults
    from sailint.config import Config
    from sailint.project import Project

    code = "import torch\n\nstate = torch.load('weights.pt')\nassert state\n"
    (tmp_path / "train.py").write_text(code, encoding="utf-8")

    def skipped(config: Config) -> tuple[str, ...]:
        return Project(tmp_path, config).get(BanditResults).settings.skips

    # SAI307 reports torch.load better (B614), SAI108 a local load_dataset (B615)
    assert skipped(Config()) == ("B614", "B615")
    assert skipped(Config(ignore=["B101", "SAI108"])) == ("B101", "B614")
    assert "B614" not in skipped(Config(ignore=["SAI307"]))
    # and the report is what it was when bandit ran those tests and their results were dropped
    found = {rule for _, _, rule in locations(scan(tmp_path))}
    assert {"SAI307", "B101"} <= found and "B614" not in found
    found = {rule for _, _, rule in locations(scan(tmp_path, config=Config(ignore=["SAI307"])))}
    assert "B614" in found and "SAI307" not in found


def test_bandit_on_sailint_tree_equals_bandit_parsing_itself() -> None:
    code = (
        "import pickle, subprocess  # nosec B403\n"
        "subprocess.call('ls', shell=True)\n"
        "assert pickle\n"
        "password = 'hunter2'\n"
    )
    own = scan_text("m.py", code, BanditSettings())
    shared = scan_text("m.py", code, BanditSettings(), tree=ast.parse(code))
    assert not isinstance(own, str)
    assert shared == own
    # bandit reads "# nosec B403" on the import line as covering that statement's blacklist
    # results (B404 too); what matters here is that both ways agree.
    assert sorted((i.test_id, i.line) for i in own) == [
        ("B101", 3),
        ("B105", 4),
        ("B602", 2),
        ("B607", 2),
    ]


def test_scan_text_reports_unparsable_code() -> None:
    assert scan_text("old.py", "print 'hello'\n", BanditSettings()) == (
        "bandit could not parse it (syntax error)"
    )


def test_generated_bandit_rules_are_up_to_date() -> None:
    import importlib.metadata

    header = (ROOT / "rules" / "code" / "B101-assert-used.yaml").read_text().splitlines()[0]
    generated_with = header.split("from bandit ")[1].split(";")[0]
    if importlib.metadata.version("bandit") != generated_with:
        pytest.skip(f"rules generated with bandit {generated_with}; regenerate to compare")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_bandit_rules.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


_LOAD_AND_SCAN = """
import json, sys
mode = sys.argv[1]
if mode == "plain":
    import bandit  # noqa: F401  # the package import, stevedore and all
elif mode == "fallback":
    from sailint.collectors import banditload

    def broken(package_dir):
        raise ImportError("no entry points here")

    banditload._entry_points = broken
from sailint.collectors.bandit_run import BanditSettings, _bandit, scan_text

loader = _bandit("extension_loader")
manager = loader.MANAGER
code = open(sys.argv[2], encoding="utf-8").read()
issues = scan_text("m.py", code, BanditSettings())
print(json.dumps({
    "plugins": sorted((p.name, p.plugin._test_id) for p in manager.plugins),
    "blacklist": sorted((node, t["id"]) for node, tests in manager.blacklist.items() for t in tests),
    "issues": sorted((i.test_id, i.line, i.column, i.severity, i.text) for i in issues),
    "cli_modules_loaded": sorted(
        {"rich", "stevedore", "importlib.metadata", "yaml"} & set(sys.modules)
    ),
}))
"""


def test_lean_bandit_import_loads_the_same_tests_as_the_package_import(tmp_path: Path) -> None:
    import json

    code = tmp_path / "m.py"
    code.write_text(
        "import pickle, subprocess, yaml, hashlib\n"
        "from flask import Flask\n"
        "subprocess.call('ls', shell=True)\n"
        "yaml.load(open('c.yml'))\n"
        "hashlib.md5(b'x')\n"
        "password = 'hunter2'\n"
        "Flask(__name__).run(debug=True, host='0.0.0.0')\n"
        "eval(input())\n",
        encoding="utf-8",
    )

    def run(mode: str) -> dict[str, list[object]]:
        result = subprocess.run(
            [sys.executable, "-c", _LOAD_AND_SCAN, mode, str(code)],
            capture_output=True,
            text=True,
            check=True,
        )
        loaded: dict[str, list[object]] = json.loads(result.stdout)
        return loaded

    lean, plain, fallback = run("lean"), run("plain"), run("fallback")
    # the lean import skipped bandit's CLI machinery; the other two loaded it
    assert lean.pop("cli_modules_loaded") == []
    assert plain.pop("cli_modules_loaded") == ["importlib.metadata", "rich", "stevedore", "yaml"]
    assert "stevedore" in fallback.pop("cli_modules_loaded")
    assert lean == plain == fallback
    assert len(lean["plugins"]) > 30 and len(lean["blacklist"]) > 30
    assert {issue[0] for issue in lean["issues"]} >= {
        "B602",
        "B506",
        "B324",
        "B105",
        "B201",
        "B307",
    }


def test_a_yaml_bandit_config_still_loads_after_the_lean_import(tmp_path: Path) -> None:
    config = tmp_path / "bandit.yaml"
    config.write_text("skips: ['B101']\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from sailint.collectors.bandit_run import _bandit\n"
        "b_config = _bandit('config')\n"
        "print('yaml' in sys.modules)\n"
        f"print(b_config.BanditConfig({str(config)!r}).get_option('skips'))\n"
        "print(type(sys.modules['yaml']).__name__, sys.modules['yaml'].__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    # PyYAML is imported only once bandit reads a YAML config, and is the real module then
    assert result.stdout.splitlines() == ["False", "['B101']", "module yaml"]
