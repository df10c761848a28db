"""``sailint init``: write the evidence scaffolding a team chooses, never overwriting silently."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import click
import yaml

from sailint import __version__
from sailint.suppress import today

ACTION_REPOSITORY = "sailint/sailint"
FULL_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Scaffold:
    """One file ``init`` can write."""

    name: str  # what users pass to --with
    target: str  # where it goes, relative to the project
    template: str  # file under sailint/templates
    description: str


SCAFFOLDS = (
    Scaffold("security", "SECURITY.md", "SECURITY.md.tmpl", "security policy (SAI406)"),
    Scaffold(
        "threat-model",
        "THREAT_MODEL.md",
        "THREAT_MODEL.md.tmpl",
        "threat model with AI threats, ATLAS and OWASP references (SAI407)",
    ),
    Scaffold(
        "incident-response",
        "INCIDENT_RESPONSE.md",
        "INCIDENT_RESPONSE.md.tmpl",
        "incident response plan with model rollback (SAI408)",
    ),
    Scaffold("model-card", "MODEL_CARD.md", "MODEL_CARD.md.tmpl", "model card (SAI401, SAI402)"),
    Scaffold("dataset-card", "DATASET_CARD.md", "DATASET_CARD.md.tmpl", "dataset card (SAI404)"),
    Scaffold(
        "workflow",
        ".github/workflows/sailint.yml",
        "sailint-workflow.yml.tmpl",
        "GitHub workflow running the sailint action, pinned by SHA",
    ),
    Scaffold(
        "pre-commit",
        ".pre-commit-config.yaml",
        "pre-commit-entry.yaml.tmpl",
        "pre-commit hooks (entry added to an existing config)",
    ),
    Scaffold(
        "dependabot",
        ".github/dependabot.yml",
        "dependabot.yml.tmpl",
        "Dependabot updates for actions and pip",
    ),
)
NAMES = tuple(scaffold.name for scaffold in SCAFFOLDS)


def _template(name: str) -> str:
    return (
        resources.files("sailint").joinpath("templates").joinpath(name).read_text(encoding="utf-8")
    )


def render(scaffold: Scaffold, project: str, action_ref: str | None) -> str:
    """The file content for ``scaffold`` in a project called ``project``."""
    if action_ref:
        action = f"{ACTION_REPOSITORY}@{action_ref} # v{__version__}"
    else:
        # A quoted placeholder keeps the YAML valid; GitHub refuses to run it until it is pinned.
        action = f'"{ACTION_REPOSITORY}@<fill in: full commit SHA of sailint v{__version__}>"'
    text = _template(scaffold.template)
    if scaffold.name == "pre-commit":
        text = "repos:\n" + text
    return (
        text.replace("@@PROJECT@@", project)
        .replace("@@DATE@@", today().isoformat())
        .replace("@@VERSION@@", __version__)
        .replace("@@ACTION@@", action)
    )


def _append_pre_commit_entry(path: Path) -> str:
    """Add the sailint repo to an existing pre-commit config when that is safe to do as text."""
    text = path.read_text(encoding="utf-8")
    if "sailint/sailint" in text:
        return f"kept {path.name}: it already uses sailint"
    snippet = _template("pre-commit-entry.yaml.tmpl").replace("@@VERSION@@", __version__)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        root = None
    repos = None
    if isinstance(root, yaml.MappingNode):
        keys = [key.value for key, _ in root.value]
        if keys and keys[-1] == "repos" and isinstance(root.value[-1][1], yaml.SequenceNode):
            repos = root.value[-1][1]
    if repos is None or not repos.value:
        return f"kept {path.name}: add this entry under `repos:` yourself:\n{snippet.rstrip()}"
    # Align with the existing items' dash; the snippet is consistent relative to its own dash.
    first = text.splitlines()[repos.value[0].start_mark.line]
    indent = len(first) - len(first.lstrip())
    lines = [(" " * indent + line[2:]) if line else line for line in snippet.splitlines()]
    separator = "" if text.endswith("\n") else "\n"
    path.write_text(text + separator + "\n".join(lines) + "\n", encoding="utf-8")
    return f"added the sailint hooks to {path.name}"


def write_scaffolds(
    root: Path, chosen: list[Scaffold], force: bool, project: str, action_ref: str | None
) -> list[str]:
    """Write ``chosen`` below ``root``; one message per file."""
    messages = []
    for scaffold in chosen:
        target = root / scaffold.target
        if scaffold.name == "pre-commit" and target.exists() and not force:
            messages.append(_append_pre_commit_entry(target))
            continue
        if target.exists() and not force:
            messages.append(f"kept {scaffold.target}: it exists (--force overwrites it)")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        existed = target.exists()
        target.write_text(render(scaffold, project, action_ref), encoding="utf-8")
        messages.append(f"{'overwrote' if existed else 'created'} {scaffold.target}")
    return messages


def _interactive() -> bool:
    """Ask which files to write only when someone is at the terminal."""
    return sys.stdin.isatty()


@click.command("init")
@click.argument(
    "path", default=".", type=click.Path(file_okay=False, dir_okay=True, path_type=Path)
)
@click.option(
    "--with",
    "with_",
    multiple=True,
    metavar="NAMES",
    help=f"What to write (comma-separated or repeated): {', '.join(NAMES)}.",
)
@click.option("--all", "all_", is_flag=True, help="Write everything.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@click.option(
    "--action-ref",
    metavar="SHA",
    help="Full commit SHA of the sailint action for the workflow (pin, never a branch).",
)
@click.option("--name", "project_name", metavar="NAME", help="Project name in the documents.")
def init_command(
    path: Path,
    with_: tuple[str, ...],
    all_: bool,
    force: bool,
    action_ref: str | None,
    project_name: str | None,
) -> None:
    """Write evidence scaffolding: security policy, threat model, cards, workflow, hooks."""
    names = [part.strip() for value in with_ for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        raise click.BadParameter(
            f"unknown scaffold {unknown[0]!r} (choose from {', '.join(NAMES)})",
            param_hint="--with",
        )
    if action_ref is not None and not FULL_SHA.fullmatch(action_ref):
        raise click.BadParameter(
            "must be a full 40-character commit SHA", param_hint="--action-ref"
        )
    if all_:
        chosen = list(SCAFFOLDS)
    elif names:
        chosen = [scaffold for scaffold in SCAFFOLDS if scaffold.name in names]
    elif _interactive():
        chosen = [
            scaffold
            for scaffold in SCAFFOLDS
            if click.confirm(f"Write {scaffold.target} ({scaffold.description})?", default=True)
        ]
    else:
        raise click.UsageError(f"choose what to write with --with ({', '.join(NAMES)}) or --all")
    path.mkdir(parents=True, exist_ok=True)
    project = project_name or path.resolve().name
    for message in write_scaffolds(path, chosen, force, project, action_ref):
        click.echo(message)
    click.echo(
        "Next: replace every `<fill in: ...>` placeholder; `sailint scan` reports each one "
        "(SAI403) until it is filled."
    )
    if any(s.name == "workflow" for s in chosen) and not action_ref:
        click.echo(
            "The workflow needs the sailint action pinned: rerun with --action-ref SHA or edit "
            ".github/workflows/sailint.yml."
        )
