"""SAI207: large model or data binaries stored as git blobs instead of Git LFS or DVC."""

from __future__ import annotations

import logging
import posixpath
import subprocess
from collections.abc import Iterator
from typing import Any

from sailint.collectors.history import GitHistory
from sailint.collectors.mlsignals import is_dataset_file, is_lfs_pointer, is_model_artifact
from sailint.context import RuleContext
from sailint.model import Finding
from sailint.project import Project

log = logging.getLogger("sailint")

ARRAY_AND_ARCHIVE = (
    ".npy", ".npz", ".bin", ".zip", ".tar", ".tgz", ".tar.gz", ".gz", ".xz", ".zst", ".7z",
    ".mat", ".lmdb", ".faiss", ".index", ".sqlite", ".db", ".duckdb", ".wav", ".flac", ".mp4",
)  # fmt: skip


def _is_heavy_artifact(path: str) -> bool:
    """Model weights, dataset files, arrays and archives: what belongs in LFS or DVC."""
    lower = path.lower()
    return is_model_artifact(path) or is_dataset_file(path) or lower.endswith(ARRAY_AND_ARCHIVE)


def _mib(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    return f"{size / 1024:.1f} KiB" if size >= 1024 else f"{size} bytes"


class Storage:
    """Which paths Git LFS (``.gitattributes``) and DVC (``*.dvc``, ``dvc.yaml``) manage."""

    def __init__(self, project: Project) -> None:
        """Read every ``.gitattributes``, ``*.dvc`` and ``dvc.yaml`` of the project."""
        self.project = project
        self.lfs: list[tuple[str, Any]] = []
        for path in project.paths(".gitattributes"):
            base = posixpath.dirname(path)
            patterns = []
            for line in project.lines(path):
                fields = line.split()
                if len(fields) >= 2 and not fields[0].startswith("#") and "filter=lfs" in fields:
                    patterns.append(fields[0])
            if patterns:
                import pathspec  # only for LFS patterns: its import costs a pre-commit run

                self.lfs.append((base, pathspec.GitIgnoreSpec.from_lines(patterns)))
        self.dvc_outs: set[str] = set()
        for path in project.paths("*.dvc"):
            self.dvc_outs.add(path[: -len(".dvc")])
            self._outs(path, self._yaml(path))
        for path in project.paths("dvc.yaml"):
            data = self._yaml(path)
            stages = data.get("stages") if isinstance(data, dict) else None
            for stage in (stages or {}).values() if isinstance(stages, dict) else []:
                if isinstance(stage, dict):
                    self._outs(path, {"outs": stage.get("outs")})

    def _yaml(self, path: str) -> Any:
        import yaml  # only for a DVC file

        text = self.project.text(path)
        try:
            return yaml.safe_load(text) if text else None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            self.project.skip(path, f"invalid YAML{where}; DVC outputs not read")
            return None

    def _outs(self, path: str, data: Any) -> None:
        outs = data.get("outs") if isinstance(data, dict) else None
        base = posixpath.dirname(path)
        for out in outs if isinstance(outs, list) else []:
            name = out.get("path") if isinstance(out, dict) else out
            if isinstance(out, dict) and len(out) == 1 and name is None:
                name = next(iter(out))  # dvc.yaml: `- model.pt: {cache: true}`
            if isinstance(name, str):
                self.dvc_outs.add(posixpath.normpath(posixpath.join(base, name)))

    def managed(self, path: str) -> str | None:
        """``"Git LFS"`` or ``"DVC"`` when that tool manages ``path``, else None."""
        for base, spec in self.lfs:
            prefix = base + "/" if base else ""
            if path.startswith(prefix) and spec.match_file(path[len(prefix) :]):
                return "Git LFS"
        parts = path.split("/")
        if any("/".join(parts[:i]) in self.dvc_outs for i in range(1, len(parts) + 1)):
            return "DVC"
        return None


def large_artifact_in_git(ctx: RuleContext) -> Iterator[Finding]:
    """SAI207: model/data binaries above the size limit stored as git blobs."""
    limit = int(ctx.option("max-size-bytes"))
    storage = Storage(ctx.project)
    reported: set[str] = set()
    for path, entry in sorted(ctx.project.files.items()):
        if entry.size <= limit or not _is_heavy_artifact(path):
            continue
        if storage.managed(path) or is_lfs_pointer(ctx.project, path):
            ctx.evidence(path, 1, f"{path} is stored through {storage.managed(path) or 'Git LFS'}")
            continue
        reported.add(path)
        yield ctx.finding(
            path,
            1,
            f"{path} ({_mib(entry.size)}) is stored in git as a regular blob; track it with "
            "Git LFS (`git lfs track`) or DVC so clones stay small and the artifact has an "
            "integrity-checked home",
            key=f"large-artifact:{path}",
            properties={"size": entry.size},
        )
    if ctx.project.config.history:
        yield from _past_blobs(ctx, limit, reported)


def _past_blobs(ctx: RuleContext, limit: int, reported: set[str]) -> Iterator[Finding]:
    """Large artifact blobs in past commits, once per path not already reported at HEAD.

    This includes files that were migrated to Git LFS later: their old blobs stay in history.
    """
    history = ctx.project.get(GitHistory)
    if not history.available:
        return
    config = ctx.project.config
    args = ["--objects", "--all" if config.history_all_refs else "HEAD"]
    if config.history_since:
        args.append(f"--since={config.history_since}")
    if config.history_max_commits:
        args.append(f"--max-count={config.history_max_commits}")
    try:
        objects: str = history.repo.git.rev_list(*args)
        process = history.repo.git.cat_file(
            "--batch-check=%(objectname) %(objecttype) %(objectsize) %(rest)",
            istream=subprocess.PIPE,
            as_process=True,
        )
        output, _ = process.proc.communicate(objects.encode("utf-8", errors="replace"))
    except Exception as error:  # gitpython raises many types
        log.debug("listing git objects failed", exc_info=True)
        ctx.project.notify("warning", f"SAI207 could not list past blobs: {type(error).__name__}")
        return
    largest: dict[str, tuple[int, str]] = {}
    for line in output.decode("utf-8", errors="replace").splitlines():
        fields = line.split(" ", 3)
        if len(fields) < 4 or fields[1] != "blob" or not fields[2].isdigit():
            continue
        sha, size, path = fields[0], int(fields[2]), fields[3]
        if not path.startswith(history.prefix):
            continue
        path = path[len(history.prefix) :]
        if size <= limit or not _is_heavy_artifact(path) or path in reported:
            continue
        if size > largest.get(path, (0, ""))[0]:
            largest[path] = (size, sha)
    for path, (size, sha) in sorted(largest.items()):
        anchor = path if ctx.project.exists(path) else None
        if anchor is None and ctx.project.exists(".gitattributes"):
            anchor = ".gitattributes"
        yield ctx.finding(
            anchor or ctx.project.anchor(),
            1,
            f"git history still stores {path} ({_mib(size)}, blob {sha[:12]}) as a regular blob; "
            "every clone downloads it (rewrite with `git lfs migrate import` or `git filter-repo`)",
            key=f"large-artifact-history:{path}",
            properties={"size": size, "blob": sha, "historicalPath": path},
        )
