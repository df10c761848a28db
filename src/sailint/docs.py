"""Renders rule documentation from the rule files; ``python -m sailint.docs --check`` detects drift."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sailint.rulemeta import ExampleFile, RuleMeta
from sailint.taxonomy import FRAMEWORKS, taxonomies

FRAMEWORK_TITLES = {
    "ssdf": "NIST SSDF",
    "owasp-llm": "OWASP LLM Top 10 (2025)",
    "owasp-ml": "OWASP ML Top 10",
    "atlas": "MITRE ATLAS",
    "cwe": "CWE",
}
CATEGORY_TITLES = {
    "supply-chain": "Supply chain (SAI1xx)",
    "secrets": "Secrets and assets (SAI2xx)",
    "models": "Models and model loading (SAI3xx)",
    "documentation": "Documentation (SAI4xx)",
    "pipelines": "Pipelines and infrastructure (SAI5xx)",
    "serving": "Serving and operation (SAI6xx)",
    "code": "Third-party code scanning (bandit)",
}


def _fence(example: ExampleFile) -> str:
    language = {
        "py": "python",
        "yml": "yaml",
        "yaml": "yaml",
        "toml": "toml",
        "md": "markdown",
        "json": "json",
        "ipynb": "json",
        "txt": "text",
        "cfg": "ini",
        "ini": "ini",
        "sh": "shell",
    }.get(example.path.rsplit(".", 1)[-1], "text")
    if example.path.rsplit("/", 1)[-1].startswith("Dockerfile"):
        language = "dockerfile"
    fence = "````" if "```" in example.content else "```"
    # Binary examples (zip, safetensors headers) are shown with their control bytes escaped.
    content = "".join(
        c if c in "\n\t" or c.isprintable() else f"\\x{ord(c):02x}" for c in example.content
    )
    return f"`{example.path}`:\n\n{fence}{language}\n{content.rstrip()}\n{fence}\n"


def _references(rule: RuleMeta) -> list[str]:
    lines = []
    guideline_names = taxonomies()["guidelines"].taxa
    for principle in rule.guidelines:
        name = guideline_names[principle].name if principle in guideline_names else "?"
        lines.append(f"- Guideline {principle}: {name}")
    for key in FRAMEWORKS[1:]:
        refs = rule.references.get(key, ())
        if refs:
            taxa = taxonomies()[key].taxa
            named = ", ".join(f"{ref} ({taxa[ref].name})" if ref in taxa else ref for ref in refs)
            lines.append(f"- {FRAMEWORK_TITLES[key]}: {named}")
    return lines


def render_rule_markdown(rule: RuleMeta) -> str:
    """The rule's documentation page (also SARIF ``help.markdown`` and ``sailint explain``)."""
    parts = [
        f"# {rule.id} {rule.slug}",
        "",
        f"**{rule.title}**",
        "",
        "| ID | Slug | Default level | Confidence | Scope | Category |",
        "|---|---|---|---|---|---|",
        f"| {rule.id} | `{rule.slug}` | {rule.level.label} | {rule.confidence.label} "
        f"| {rule.scope} | {rule.category} |",
        "",
        "## Why this matters",
        "",
        rule.rationale,
        "",
        "## Remediation",
        "",
        rule.remediation,
        "",
        "## Example",
        "",
        "Reported:",
        "",
        *[_fence(example) for example in rule.bad_example],
        "Not reported:",
        "",
        *[_fence(example) for example in rule.good_example],
        "## Mapping",
        "",
        *_references(rule),
        "",
    ]
    if rule.options:
        parts += ["## Options", "", "| option | type | default | meaning |", "|---|---|---|---|"]
        parts += [
            f"| `{o.name}` | {o.type} | `{o.default}` | {o.description} |" for o in rule.options
        ]
        parts += ["", f"Set them under `[tool.sailint.rule-options.{rule.id}]`.", ""]
    if rule.links:
        parts += ["## References", "", *[f"- <{link}>" for link in rule.links], ""]
    parts += [
        "## Suppress",
        "",
        f"Add `sailint: ignore[{rule.id}] <reason>` in a comment on the reported line or the line "
        "above it, or list the rule under `ignore` / `per-file-ignores` in the configuration.",
        "",
    ]
    return "\n".join(parts)


def render_rule_text(rule: RuleMeta) -> str:
    """A plain-text summary for SARIF ``help.text``."""
    return (
        f"{rule.id} {rule.slug}: {rule.title}\n\n{' '.join(rule.rationale.split())}\n\n"
        f"Remediation: {' '.join(rule.remediation.split())}\n\nDocs: {rule.docs_url}"
    )


def render_index(rules: Sequence[RuleMeta]) -> str:
    """The rule index page, grouped by category."""
    parts = ["# sailint rules", "", "Generated from `rules/` by `python -m sailint.docs`.", ""]
    for category, title in CATEGORY_TITLES.items():
        members = [rule for rule in rules if rule.category == category]
        if not members:
            continue
        parts += [
            f"## {title}",
            "",
            "| ID | slug | level | title | Guideline |",
            "|---|---|---|---|---|",
        ]
        parts += [
            f"| [{r.id}]({r.stem}.md) | `{r.slug}` | {r.level.label} | {r.title} "
            f"| {', '.join(r.guidelines)} |"
            for r in members
        ]
        parts.append("")
    return "\n".join(parts)


def expected_files(rules: Sequence[RuleMeta]) -> dict[str, str]:
    """File name -> content of every generated doc page."""
    files = {f"{rule.stem}.md": render_rule_markdown(rule) for rule in rules}
    files["index.md"] = render_index(rules)
    return files


def sync(directory: Path, rules: Sequence[RuleMeta], check: bool) -> list[str]:
    """Write (or, with ``check``, compare) the docs; returns the names that differ."""
    wanted = expected_files(rules)
    stale = []
    for name, content in wanted.items():
        target = directory / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != content:
            stale.append(name)
            if not check:
                directory.mkdir(parents=True, exist_ok=True)
                target.write_text(content, encoding="utf-8")
    for extra in sorted(directory.glob("*.md")) if directory.exists() else []:
        if extra.name not in wanted:
            stale.append(extra.name)
            if not check:
                extra.unlink()
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sailint.docs [--check] [DIR]``: regenerate or verify docs/rules and the index.

    The rule index (``rules/index.json``, see ``sailint.ruleindex``) is generated from the rule
    files too and lives next to them.
    """
    from sailint.registry import load_rule_metas, rules_dir
    from sailint.ruleindex import INDEX_FILE, sync_index

    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    directory = Path(rest[0]) if rest else Path(__file__).resolve().parents[2] / "docs" / "rules"
    stale = sync(directory, load_rule_metas(), check)
    if sync_index(rules_dir(), check):
        stale.append(INDEX_FILE)
    if stale and check:
        print("stale generated docs (run `python -m sailint.docs`): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
