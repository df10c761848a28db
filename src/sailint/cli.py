"""The ``sailint`` command line: scan, rules, explain."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from sailint import __version__
from sailint.config import Config, ConfigError, load_config, parse_fail_on
from sailint.engine import Report, scan_project
from sailint.model import Level, ProjectInfo
from sailint.registry import RuleLoadError, all_rules, find_rule
from sailint.rulemeta import RuleMeta

FORMATS = ("text", "json", "sarif", "markdown")
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
    raise click.UsageError(f"--format: unknown format {fmt!r}")


def _file_reader(report: Report) -> object:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    help="Output format: text, json, sarif, markdown; repeat, with :FILE, for several.",
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
) -> None:
    """Scan PATHS (directories or files; default: the current directory)."""
    outputs = _parse_outputs(formats, output)

    def split(values: tuple[str, ...]) -> list[str]:
        return [part.strip() for value in values for part in value.split(",") if part.strip()]

    cwd = Path.cwd()
    reports = []
    fail_level: Level | None = Level.WARNING
    for root, only in _targets(paths):
        try:
            config = load_config(root, Path(config_path) if config_path else None)
            _apply_cli(config, split(select), split(extend_select), split(ignore), fail_on)
            _apply_opt_in(
                config,
                online,
                vulnerability_service,
                vuln_db,
                history,
                all_refs,
                since,
                max_commits,
            )
            fail_level = config.fail_on
            reports.append(scan_project(root, config, only=only))
        except ConfigError as error:
            raise click.UsageError(str(error)) from None
        except RuleLoadError as error:
            raise click.ClickException(f"rule files are invalid: {error}") from None
    report = _merge(reports, cwd)
    if report.project:
        report.display_prefix = _display_prefix(report.project.root, cwd)
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


def _apply_cli(
    config: Config, select: list[str], extend: list[str], ignore: list[str], fail_on: str | None
) -> None:
    if select:
        config.select = select
    if extend:
        config.extend_select += extend
    if ignore:
        config.ignore += ignore
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


@cli.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_command(fmt: str) -> None:
    """List every rule."""
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
    meta = find_rule(rule)
    if meta is None:
        raise click.BadParameter(
            f"no rule with ID or slug {rule!r} (see `sailint rules`)", param_hint="RULE"
        )
    from sailint.docs import render_rule_markdown

    click.echo(render_rule_markdown(meta), nl=False)


from sailint.commands.sbom import sbom_command  # noqa: E402  (subcommand in its own module)

cli.add_command(sbom_command)


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
