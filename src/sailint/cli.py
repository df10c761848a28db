"""The ``sailint`` command line: scan, rules, explain."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sailint import __version__

if TYPE_CHECKING:
    from sailint.config import Config
    from sailint.engine import Report
    from sailint.model import Finding, Level
    from sailint.rulemeta import RuleMeta

# NOTE: everything else is imported inside the commands, so that `sailint --version` and
# `sailint explain` stay fast (heavy modules load only when a scan needs them).

FORMATS = ("text", "json", "sarif", "markdown", "html", "evidence-json")
EXIT_USAGE = 2


def _render(fmt: str, report: Report, colour: bool, verbose: bool) -> str:
    if fmt == "text":
        from sailint.formatters import text

        return text.render(report, colour=colour, verbose=verbose)
    if fmt == "json":
        from sailint.formatters import json_format

        return json_format.render(report)
    if fmt == "sarif":
        from sailint.formatters import sarif

        return sarif.render(report, file_reader=_file_reader(report))
    if fmt == "markdown":
        from sailint.formatters import markdown

        return markdown.render(report)
    if fmt == "html":
        from sailint.formatters import html

        return html.render(report)
    if fmt == "evidence-json":
        from sailint.formatters import evidence

        return evidence.render(report)
    raise click.UsageError(f"--format: unknown format {fmt!r}")


def _file_reader(report: Report) -> Callable[[str], str | None]:
    root = Path(report.project.root) if report.project else Path.cwd()

    def read(path: str) -> str | None:
        try:
            data = (root / path).read_bytes()[: 5 * 1024 * 1024]
            return data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    return read


def _parse_outputs(formats: Sequence[str], output: str | None) -> list[tuple[str, str | None]]:
    """Pair each ``--format FMT[:FILE]`` with its destination (None = stdout)."""
    pairs: list[tuple[str, str | None]] = []
    for item in formats or ("text",):
        fmt, _, target = item.partition(":")
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise click.BadParameter(
                f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})", param_hint="--format"
            )
        pairs.append((fmt, target or None))
    unrouted = [index for index, (_, target) in enumerate(pairs) if target is None]
    if output is not None:
        if len(unrouted) != 1:
            raise click.BadParameter(
                "--output needs exactly one --format without its own :FILE", param_hint="--output"
            )
        pairs[unrouted[0]] = (pairs[unrouted[0]][0], output)
    elif len(unrouted) > 1:
        raise click.BadParameter(
            "several formats would write to stdout; give each but one a file (FMT:FILE)",
            param_hint="--format",
        )
    return pairs


def _merge(reports: list[Report], cwd: Path) -> Report:
    """Combine the reports of several scanned projects, paths made relative to a common base."""
    from sailint.engine import Report
    from sailint.model import ProjectInfo

    if len(reports) == 1:
        return reports[0]
    infos = [r.project for r in reports if r.project]
    repo_roots = {info.repo_root for info in infos}
    only_root = next(iter(repo_roots)) if len(repo_roots) == 1 else None
    base = Path(only_root) if only_root else cwd
    merged = Report(findings=[], rules=[])
    seen_rules: dict[str, RuleMeta] = {}
    for report in reports:
        root = Path(report.project.root) if report.project else base
        rel = os.path.relpath(root, base)
        prefix = "" if rel == "." else Path(rel).as_posix() + "/"

        def move(path: str, prefix: str = prefix) -> str:
            return prefix + path

        for finding in report.findings:
            finding.location = dataclasses.replace(
                finding.location, path=move(finding.location.path)
            )
            finding.related = tuple(
                dataclasses.replace(r, path=move(r.path)) for r in finding.related
            )
            merged.findings.append(finding)
        merged.skipped += [dataclasses.replace(s, path=move(s.path)) for s in report.skipped]
        merged.notifications += [
            dataclasses.replace(n, path=move(n.path)) if n.path else n for n in report.notifications
        ]
        merged.evidence += [dataclasses.replace(e, path=move(e.path)) for e in report.evidence]
        merged.attestations += report.attestations
        for rule in report.rules:
            seen_rules.setdefault(rule.id, rule)
        merged.files_scanned += report.files_scanned
        merged.excluded_count += report.excluded_count
        merged.duration += report.duration
    merged.rules = [seen_rules[key] for key in sorted(seen_rules)]
    first_repo = infos[0].repo_root if infos else None
    repo_root = first_repo if first_repo and base == Path(first_repo) else None
    merged.project = ProjectInfo(str(base), repo_root, "")
    return merged


def _display_prefix(root: str, cwd: Path) -> str:
    rel = os.path.relpath(root, cwd)
    if rel == ".":
        return ""
    if rel.startswith(".."):
        return Path(root).as_posix() + "/"
    return Path(rel).as_posix() + "/"


def _targets(paths: Sequence[str]) -> list[tuple[Path, list[str] | None]]:
    """Directories are projects; files are grouped into their git work tree (or the cwd)."""
    from sailint.inventory import find_repo_root

    targets: list[tuple[Path, list[str] | None]] = []
    grouped: dict[Path, list[str]] = {}
    for raw in paths or (".",):
        path = Path(raw)
        if path.is_dir():
            targets.append((path.resolve(), None))
            continue
        root = Path(find_repo_root(path.parent) or Path.cwd()).resolve()
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            root = path.parent.resolve()
            rel = path.name
        grouped.setdefault(root, []).append(rel)
    targets += list(grouped.items())
    return targets


def _split(values: tuple[str, ...]) -> list[str]:
    """Comma-separated or repeated option values as one list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _scan_targets(
    paths: Sequence[str],
    config_path: str | None,
    configure: Callable[[Config], None],
    progress: Callable[..., None] | None,
) -> tuple[list[Report], Level | None]:
    """Scan every target with its own settings; config and rule errors become usage errors."""
    from sailint.config import ConfigError, load_config
    from sailint.engine import scan_project
    from sailint.model import Level
    from sailint.registry import RuleLoadError

    reports = []
    fail_level: Level | None = Level.WARNING
    for root, only in _targets(paths):
        try:
            config = load_config(root, Path(config_path) if config_path else None)
            configure(config)
            fail_level = config.fail_on
            reports.append(scan_project(root, config, only=only, progress=progress))
        except ConfigError as error:
            raise click.UsageError(str(error)) from None
        except RuleLoadError as error:
            raise click.ClickException(f"rule files are invalid: {error}") from None
    return reports, fail_level


class _LazyGroup(click.Group):
    """A group whose ``sailint.commands`` subcommands are imported only when named or listed.

    Those modules import the scanner (collectors, packaging, ...) at their top; importing them
    for every invocation cost more than ``sailint --version`` is allowed to take.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}  # command name -> "module:attribute"

    def add_lazy_command(self, name: str, target: str) -> None:
        """Register ``target`` ("module:attribute", a click command) under ``name``."""
        self.lazy[name] = target

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            import importlib

            module_name, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command), self.lazy[cmd_name]
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="sailint")
def cli() -> None:
    """sailint: find evidence of the secure-AI Guidelines, and their violations, in ML repositories."""
    logging.basicConfig(
        level=os.environ.get("SAILINT_LOGLEVEL", "WARNING").upper(), format="%(message)s"
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    metavar="FMT[:FILE]",
    help="Output format: text, json, sarif, markdown, html, evidence-json; repeat, with :FILE, "
    "for several.",
)
@click.option(
    "-o", "--output", metavar="FILE", help="Write the (single) format to FILE instead of stdout."
)
@click.option(
    "--fail-on",
    metavar="LEVEL",
    help="Exit 1 on open findings at or above LEVEL (note, warning, error, none). Default: warning.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Read settings from this TOML file.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (IDs, slugs or prefixes; comma-separated or repeated).",
)
@click.option("--extend-select", multiple=True, metavar="RULES", help="Add rules to the selection.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Do not run these rules.")
@click.option(
    "--online", is_flag=True, default=None, help="Allow network calls (vulnerability services)."
)
@click.option(
    "--vulnerability-service",
    type=click.Choice(["osv", "pypi"]),
    help="With --online: where SAI113 looks up advisories.",
)
@click.option(
    "--vuln-db",
    type=click.Path(exists=True),
    help="Offline OSV database (directory or zip) for SAI113.",
)
@click.option(
    "--history", is_flag=True, default=None, help="Also scan git history (secrets, large files)."
)
@click.option(
    "--all-refs", "all_refs", is_flag=True, help="With --history: every ref, not only HEAD."
)
@click.option("--since", metavar="DATE", help="With --history: only commits after DATE.")
@click.option(
    "--max-commits", type=click.IntRange(min=1), help="With --history: at most N commits."
)
@click.option("--no-color", is_flag=True, help="No ANSI colour (also honoured: NO_COLOR).")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print nothing to stdout for the text format; exit code only.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every skipped file.")
@click.option(
    "--diff",
    "diff_base",
    metavar="BASE",
    help="Only report findings in files changed since the git ref BASE (repository-level rules "
    "still run); for pull requests.",
)
@click.option(
    "--baseline",
    "baseline_path",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Suppress the findings recorded in FILE by `sailint baseline`; list stale entries.",
)
@click.option(
    "--source-url",
    metavar="URL",
    help="Link findings and evidence in reports to URL/<path>#L<line> (e.g. a GitHub blob URL).",
)
def scan(
    paths: tuple[str, ...],
    formats: tuple[str, ...],
    output: str | None,
    fail_on: str | None,
    config_path: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    online: bool | None,
    vulnerability_service: str | None,
    vuln_db: str | None,
    history: bool | None,
    all_refs: bool,
    since: str | None,
    max_commits: int | None,
    no_color: bool,
    quiet: bool,
    verbose: bool,
    diff_base: str | None,
    baseline_path: str | None,
    source_url: str | None,
) -> None:
    """Scan PATHS (directories or files; default: the current directory)."""
    from sailint.model import Notification
    from sailint.progress import Progress

    outputs = _parse_outputs(formats, output)
    progress = Progress.for_terminal(quiet=quiet, verbose=verbose)
    outside_diff: list[Finding] = []
    cwd = Path.cwd()

    def configure(config: Config) -> None:
        _apply_cli(config, _split(select), _split(extend_select), _split(ignore), fail_on)
        _apply_opt_in(
            config, online, vulnerability_service, vuln_db, history, all_refs, since, max_commits
        )

    reports, fail_level = _scan_targets(paths, config_path, configure, progress.update)
    if diff_base:
        for project_report in reports:
            outside_diff += _outside_diff(project_report, diff_base)
    progress.finish()
    report = _merge(reports, cwd)
    if report.project:
        report.display_prefix = _display_prefix(report.project.root, cwd)
    if source_url:
        report.source_url_base = source_url
    if baseline_path:
        _apply_baseline(report, Path(baseline_path))
    if diff_base:
        dropped = {id(finding) for finding in outside_diff}
        report.findings = [f for f in report.findings if id(f) not in dropped]
        if outside_diff:
            report.notifications.append(
                Notification(
                    "note",
                    f"--diff {diff_base}: {len(outside_diff)} finding(s) in files not changed "
                    "since the base are not reported",
                )
            )
    colour = sys.stdout.isatty() and not no_color and "NO_COLOR" not in os.environ
    for fmt, target in outputs:
        if target is None and quiet and fmt == "text":
            continue
        rendered = _render(fmt, report, colour and target is None, verbose)
        if target is None or target == "-":
            click.echo(rendered, nl=False)
        else:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_text(rendered, encoding="utf-8")
    sys.exit(report.exit_code(fail_level))


def _outside_diff(report: Report, base: str) -> list[Finding]:
    """Findings of ``report`` outside the files changed since ``base``."""
    from sailint.diffmode import DiffError, changed_files, outside_diff

    repo_root = report.project.repo_root if report.project else None
    if not repo_root:
        raise click.UsageError("--diff needs the scanned paths to be inside a git repository")
    try:
        return outside_diff(report, changed_files(repo_root, base))
    except DiffError as error:
        raise click.UsageError(str(error)) from None


def _apply_baseline(report: Report, path: Path) -> None:
    from sailint.baseline import BaselineError, apply, load

    try:
        entries = load(path)
    except BaselineError as error:
        raise click.UsageError(str(error)) from None
    apply(report, entries, str(path))


def _apply_cli(
    config: Config, select: list[str], extend: list[str], ignore: list[str], fail_on: str | None
) -> None:
    if select:
        config.select = select
    if extend:
        config.extend_select += extend
    if ignore:
        config.ignore += ignore
    from sailint.config import ConfigError, parse_fail_on

    if fail_on is not None:
        try:
            config.fail_on = parse_fail_on(fail_on, "--fail-on")
        except ConfigError as error:
            raise click.BadParameter(str(error), param_hint="--fail-on") from None


def _apply_opt_in(
    config: Config,
    online: bool | None,
    service: str | None,
    vuln_db: str | None,
    history: bool | None,
    all_refs: bool,
    since: str | None,
    max_commits: int | None,
) -> None:
    if online is not None:
        config.online = online
    if service:
        config.vulnerability_service = service
    if vuln_db:
        config.vuln_db = vuln_db
    if history is not None:
        config.history = history
    if all_refs:
        config.history_all_refs = True
    if since:
        config.history_since = since
    if max_commits:
        config.history_max_commits = max_commits
    if (all_refs or since or max_commits) and not config.history:
        raise click.BadParameter("needs --history", param_hint="--all-refs/--since/--max-commits")


@cli.command("baseline")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    default=".sailint/baseline.json",
    show_default=True,
    help="Where to write the baseline.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Read settings from this TOML file.",
)
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Do not run these rules.")
def baseline_command(
    paths: tuple[str, ...],
    output: str,
    config_path: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> None:
    """Record today's open findings in FILE; `scan --baseline FILE` then reports only new ones."""
    from sailint.baseline import render

    def configure(config: Config) -> None:
        _apply_cli(config, _split(select), [], _split(ignore), None)

    reports, _ = _scan_targets(paths, config_path, configure, None)
    report = _merge(reports, Path.cwd())
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(report), encoding="utf-8")
    click.echo(
        f"sailint: recorded {len(report.open_findings)} finding(s) in {output}; "
        f"use `sailint scan --baseline {output}` to report only new ones",
        err=True,
    )


@cli.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_command(fmt: str) -> None:
    """List every rule."""
    from sailint.registry import RuleLoadError, all_rules

    try:
        metas = all_rules()
    except RuleLoadError as error:
        raise click.ClickException(f"rule files are invalid: {error}") from None
    if fmt == "json":
        data = [
            {
                "id": m.id,
                "slug": m.slug,
                "title": m.title,
                "level": m.level.label,
                "confidence": m.confidence.label,
                "scope": m.scope,
                "category": m.category,
                "guidelines": list(m.guidelines),
                "references": {k: list(v) for k, v in m.references.items() if v},
                "docs": m.docs_url,
            }
            for m in metas
        ]
        click.echo(json.dumps(data, indent=2))
        return
    for m in metas:
        click.echo(f"{m.id}  {m.slug:<34} {m.level.label:<8} {m.title}")


@cli.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show the documentation of RULE (an ID such as SAI401, or a slug)."""
    from sailint.registry import find_rule

    meta = find_rule(rule)
    if meta is None:
        raise click.BadParameter(
            f"no rule with ID or slug {rule!r} (see `sailint rules`)", param_hint="RULE"
        )
    from sailint.docs import render_rule_markdown

    click.echo(render_rule_markdown(meta), nl=False)


def _register_commands() -> None:
    """Attach the subcommands that live in ``sailint.commands`` (imported when first used)."""
    assert isinstance(cli, _LazyGroup)
    cli.add_lazy_command("hash", "sailint.commands.hash:hash_command")
    cli.add_lazy_command("init", "sailint.commands.init:init_command")
    cli.add_lazy_command("sbom", "sailint.commands.sbom:sbom_command")


_register_commands()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (2 for usage and configuration errors)."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="sailint",
            standalone_mode=False,
        )
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except SystemExit as done:
        return int(done.code or 0)
    return 0
