"""Meta-tests over the rule files: schema, uniqueness, mapping IDs, checks, docs drift."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from helpers import ROOT

from sailint import docs
from sailint.registry import RuleLoadError, all_rules, load_rule_metas, resolve_check, rules_dir
from sailint.taxonomy import FRAMEWORKS, principles, taxonomies


def test_rule_files_load_and_ids_follow_the_catalogue() -> None:
    rules = load_rule_metas(validate=True)  # the full JSON schema
    assert rules, "no rules loaded"
    for rule in rules:
        assert Path(rules_dir(), rule.source_file).stem == f"{rule.id}-{rule.slug}"


def test_every_reference_exists_in_the_taxonomy() -> None:
    missing = []
    for rule in all_rules():
        for principle in rule.guidelines:
            if principle not in taxonomies()["guidelines"].taxa:
                missing.append((rule.id, principle))
        for key in FRAMEWORKS[1:]:
            for ref in rule.references.get(key, ()):
                if ref not in taxonomies()[key].taxa:
                    missing.append((rule.id, ref))
    assert missing == []


def test_seventeen_principles() -> None:
    assert [p.id for p in principles()] == [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4",
        "3.1", "3.2", "3.3", "3.4", "3.5", "4.1", "4.2", "4.3", "4.4",
    ]  # fmt: skip


def test_every_check_resolves_and_every_check_function_is_used() -> None:
    used = set()
    for rule in all_rules():
        for check in (rule.check, rule.python_check):
            if check:
                resolve_check(check)
                used.add(check)
    checks_dir = ROOT / "src" / "sailint" / "checks"
    public = set()
    for module in checks_dir.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                public.add(f"sailint.checks.{module.stem}:{node.name}")
    # Public helpers are allowed when another module of the package uses them (shared between
    # check modules), or when named here with the reason.
    sources = {p: p.read_text() for p in (ROOT / "src" / "sailint").rglob("*.py")}
    helpers = {"sailint.checks.python_eol:admitted"}  # the version-range evaluator, unit-tested
    for name in public - used:
        module, function = name.removeprefix("sailint.checks.").split(":")
        if any(
            path.stem != module and re.search(rf"\b{function}\b", text)
            for path, text in sources.items()
        ):
            helpers.add(name)
    assert public - used - helpers == set(), "check functions that no rule names"


def test_invalid_rule_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text((ROOT / "rules" / "schema.json").read_text())
    (tmp_path / "SAI999-bad.yaml").write_text("id: SAI999\nslug: bad\n")
    with pytest.raises(
        RuleLoadError, match=r"SAI999-bad.yaml: \(root\): 'title' is a required property"
    ):
        load_rule_metas(tmp_path, validate=True)


def test_generated_docs_are_current() -> None:
    stale = docs.sync(ROOT / "docs" / "rules", load_rule_metas(), check=True)
    assert stale == [], f"run `python -m sailint.docs` to regenerate: {stale}"


def test_rule_files_are_listed_as_rglob_lists_them(tmp_path: Path) -> None:
    from sailint import registry
    from sailint.registry import _rule_bytes, rules_dir

    def rule_files(base: Path) -> list[Path]:  # the obvious listing, to compare with
        return sorted(p for p in base.rglob("*.yaml") if p.is_file())

    for base in (tmp_path, rules_dir()):
        if base == tmp_path:  # names that sort differently as strings and as path parts
            for name in ("a/x.yaml", "a-b/y.yaml", "a/b/z.yaml", "top.yaml", "a/notes.md"):
                (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / name).write_text(name, encoding="utf-8")
            (tmp_path / "dir.yaml").mkdir()  # a directory is no rule file
        expected = [(p.relative_to(base).as_posix(), p.read_bytes()) for p in rule_files(base)]
        assert _rule_bytes(base) == expected
        assert registry.rule_files(base) == rule_files(base)
        assert len(expected) == (4 if base == tmp_path else len(rule_files(rules_dir())))
