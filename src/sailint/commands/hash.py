r"""``sailint hash``: a ``sha256sum -c``-compatible manifest of a project's model and dataset files.

Format (GNU coreutils): one line per file, ``<64 lowercase hex>  <path>`` (two spaces), sorted by
path, paths relative to the directory that holds the manifest (or to PATH when printed to
stdout), ``/`` separators. A path containing a newline or backslash is escaped as GNU
``sha256sum`` does (line starts with ``\\``). Verify with ``cd <manifest dir> && sha256sum -c
<manifest>``. A Git LFS pointer is listed with the digest of its content (the pointer's oid),
so the manifest verifies after ``git lfs pull``. ``SAI311``/``SAI312`` read the manifest back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the CLI imports this module eagerly; the scanner loads only when run
    from sailint.project import Project


def manifest_line(digest: str, path: str) -> str:
    """One ``sha256sum`` line, escaped like GNU coreutils for awkward names."""
    if "\\" in path or "\n" in path:
        escaped = path.replace("\\", "\\\\").replace("\n", "\\n")
        return f"\\{digest}  {escaped}\n"
    return f"{digest}  {path}\n"


def hashed_files(project: Project) -> list[str]:
    """Model artifacts (by content and name) and dataset files, without integrity records."""
    from sailint.collectors.integrity import is_manifest_name
    from sailint.collectors.mlsignals import is_dataset_file
    from sailint.collectors.modelfiles import ModelFiles

    models = [artifact.path for artifact in project.get(ModelFiles).artifacts]
    datasets = [path for path in project.files if is_dataset_file(path)]
    return sorted(p for p in set(models) | set(datasets) if not is_manifest_name(p))


def build_manifest(root: Path, base: Path, exclude: Path | None = None) -> tuple[str, list[str]]:
    """The manifest text for the project at ``root`` with paths relative to ``base``."""
    from sailint.collectors.integrity import file_digest
    from sailint.collectors.modelfiles import read_lfs_pointer
    from sailint.config import ConfigError, load_config
    from sailint.project import Project

    try:
        config = load_config(root)
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    project = Project(root, config)
    lines: list[str] = []
    problems: list[str] = []
    for path in hashed_files(project):
        entry = project.files[path]
        if exclude is not None and Path(entry.abspath).resolve() == exclude:
            continue
        pointer = read_lfs_pointer(project, path)
        digest = pointer.oid if pointer is not None else file_digest(entry.abspath)
        if digest is None:
            problems.append(f"{path}: unreadable, not hashed")
            continue
        relative = Path(os.path.relpath(entry.abspath, base)).as_posix()
        lines.append(manifest_line(digest, relative))
    return "".join(lines), problems


@click.command("hash")
@click.argument("path", required=False, default=".", type=click.Path(exists=True, file_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the manifest here (paths relative to its directory); default: stdout.",
)
def hash_command(path: str, output: str | None) -> None:
    """Write SHA-256 digests of PATH's model and dataset files (sha256sum -c format)."""
    root = Path(path).resolve()
    target = Path(output).resolve() if output and output != "-" else None
    base = target.parent if target is not None else root
    text, problems = build_manifest(root, base, exclude=target)
    for problem in problems:
        click.echo(f"sailint hash: {problem}", err=True)
    if target is None:
        click.echo(text, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"sailint hash: {text.count(chr(10))} files -> {output}", err=True)
