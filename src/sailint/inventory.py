"""Lists the files of a project: git-tracked plus untracked-unignored, or a .gitignore-aware walk."""

from __future__ import annotations

import logging
import os
import stat
import subprocess  # sailint: ignore[B404] only git ls-files, with a fixed argument list
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sailint.model import Skipped

if TYPE_CHECKING:  # imported where used: pathspec's import costs a pre-commit run ~10 ms
    import pathspec

log = logging.getLogger("sailint")


@dataclass(frozen=True)
class FileEntry:
    """A regular file inside the project (never a symlink)."""

    path: str  # POSIX path relative to the project root
    abspath: str
    size: int


@dataclass
class Inventory:
    """The project's files, what was left out and why, and the git work tree if any."""

    files: list[FileEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    excluded_count: int = 0
    repo_root: str | None = None


def find_repo_root(path: Path) -> str | None:
    """Return the git work-tree root containing ``path``, or None outside a work tree."""
    current = path.resolve()
    for candidate in (current, *current.parents):
        marker = candidate / ".git"
        if marker.is_dir() or marker.is_file():
            return str(candidate)
    return None


# Above this many files given, one full listing beats pathspecs (and the command-line limit).
MAX_PATHSPECS = 200


def _git_listing(root: Path, only: list[str] | None = None) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files under ``root`` (relative), via git.

    With ``only`` (project-relative paths), git is asked about those paths alone, which lists
    the same of them as the full listing would, without listing (and sorting) every file.
    """
    # Run in ``root`` itself so that git prints paths relative to the project. A plain
    # subprocess: importing gitpython alone costs more than a pre-commit run may take.
    pathspecs = ["."] if only is None else [f":(literal){path}" for path in only]
    command = [
        os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git",  # as gitpython would run it
        "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate",
        "--", *pathspecs,
    ]  # fmt: skip
    try:
        # sailint: ignore[B603] git with fixed options; the paths are literal pathspecs after --
        result = subprocess.run(
            command,
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env={**os.environ, "LANGUAGE": "C", "LC_ALL": "C"},
            check=False,
        )
    except (OSError, ValueError) as error:  # no git, or an unusable root: walk instead
        log.debug("git listing failed under %s: %s", root, error)
        return None
    if result.returncode != 0:
        log.debug("git listing failed under %s: %s", root, result.stderr.decode(errors="replace"))
        return None
    output = result.stdout.decode(sys.getfilesystemencoding(), "surrogateescape")
    return [name for name in output.split("\0") if name]


def _walk_listing(root: Path) -> Iterator[str]:
    """Every file below ``root`` not ignored by a .gitignore, without following links."""
    import pathspec

    specs: dict[str, pathspec.GitIgnoreSpec] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        gitignore = Path(dirpath) / ".gitignore"
        if gitignore.is_file() and not gitignore.is_symlink():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
                specs[rel_dir] = pathspec.GitIgnoreSpec.from_lines(lines)
            except OSError:
                pass

        def ignored(rel: str, is_dir: bool) -> bool:
            for base, spec in specs.items():
                if rel.startswith(base):
                    candidate = rel[len(base) :] + ("/" if is_dir else "")
                    if spec.match_file(candidate):
                        return True
            return False

        kept = []
        for name in sorted(dirnames):
            rel = rel_dir + name
            if name == ".git" or ignored(rel, True):
                continue
            if os.path.islink(os.path.join(dirpath, name)):
                yield rel  # reported as a symlink by the caller, never descended into
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = rel_dir + name
            if not ignored(rel, False):
                yield rel


def _classify(root: Path, rel: str) -> FileEntry | Skipped | None:
    """Turn a listed path into a FileEntry, or a Skipped explaining why it is not a file."""
    full = root / rel
    try:
        info = os.lstat(full)
    except FileNotFoundError:
        return None  # tracked but deleted in the work tree: nothing to scan
    except OSError as error:
        return Skipped(rel, f"cannot stat file: {error.strerror or error}")
    if stat.S_ISLNK(info.st_mode):
        return Skipped(rel, _describe_symlink(root, full))
    if stat.S_ISDIR(info.st_mode):
        return Skipped(rel, "directory listed by git (submodule or nested repository), not scanned")
    if not stat.S_ISREG(info.st_mode):
        return Skipped(rel, "not a regular file (FIFO, socket or device)")
    return FileEntry(rel, str(full), info.st_size)


def _describe_symlink(root: Path, full: Path) -> str:
    """Why a symlink is not followed: loop, dangling, outside the root, or inside it."""
    try:
        target = full.resolve(strict=True)
    except RuntimeError:
        return "symbolic link loop, not followed"
    except OSError:
        return "dangling symbolic link, not followed"
    try:
        inside = target.relative_to(root.resolve())
    except ValueError:
        return "symbolic link to a path outside the repository, not followed"
    return f"symbolic link, not followed (its target {inside.as_posix()} is scanned in place)"


def build_inventory(
    root: Path,
    exclude: Iterable[str] = (),
    only: Iterable[str] | None = None,
) -> Inventory:
    """List the files of the project at ``root``.

    ``exclude`` holds gitignore-style patterns relative to the root. ``only``, when given,
    restricts the inventory to those project-relative paths (the pre-commit file mode).
    """
    inventory = Inventory(repo_root=find_repo_root(root))
    wanted = set(only) if only is not None else None
    listing = None
    if inventory.repo_root:
        few = wanted is not None and len(wanted) <= MAX_PATHSPECS
        listing = _git_listing(root, sorted(wanted) if few and wanted is not None else None)
    if listing is None:
        listing = list(_walk_listing(root))
    patterns = list(exclude)
    exclude_spec = None
    if patterns:
        import pathspec

        exclude_spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    for rel in sorted(set(listing)):
        if wanted is not None and rel not in wanted:
            continue
        if exclude_spec is not None and exclude_spec.match_file(rel):
            inventory.excluded_count += 1
            continue
        entry = _classify(root, rel)
        if isinstance(entry, FileEntry):
            inventory.files.append(entry)
        elif isinstance(entry, Skipped):
            inventory.skipped.append(entry)
    return inventory
