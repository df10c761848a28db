"""The ModelFiles view: model artifacts found by extension and by magic bytes, each analysed once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sailint.collectors.mlsignals import LFS_POINTER, is_model_artifact
from sailint.collectors.modelformats import GGUF_MAGICS, HDF5_MAGIC, NPY_MAGIC
from sailint.project import Project, View

if TYPE_CHECKING:
    # The analysers (pickle walker, archive readers) are imported when a candidate file is
    # found: a pre-commit run on a few source files has none.
    from sailint.collectors.artifacts import Analysis

# Extensions worth opening even when the name alone does not say "model".
SNIFF_EXTENSIONS = (".bin", ".npy", ".npz", ".zip", ".tar", ".dat", ".data", ".model", ".h5")
MODEL_KINDS = {"pytorch-zip", "keras", "keras-h5", "safetensors", "gguf", "torch-legacy-tar"}
log = logging.getLogger("sailint")
LFS_OID = re.compile(r"^oid sha256:([0-9a-f]{64})$", re.MULTILINE)
LFS_SIZE = re.compile(r"^size (\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class LfsPointer:
    """A Git LFS pointer file standing in for content that is not checked out."""

    oid: str | None
    size: int | None


@dataclass
class ModelArtifact:
    """One model file (or LFS pointer to one) and what analysing it found."""

    path: str
    analysis: Analysis
    lfs: LfsPointer | None = None

    @property
    def kind(self) -> str:
        """The format recognised from content (``lfs-pointer`` when content is absent)."""
        return "lfs-pointer" if self.lfs else self.analysis.kind


def _magic_says_model(head: bytes) -> bool:
    if head.startswith((b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05", HDF5_MAGIC)):
        return True
    if head.startswith(GGUF_MAGICS) or head.startswith(NPY_MAGIC):
        return True
    return head.startswith(b"PK\x03\x04") or (len(head) > 262 and head[257:262] == b"ustar")


def read_lfs_pointer(project: Project, path: str) -> LfsPointer | None:
    """The pointer's oid and size when ``path`` is a Git LFS pointer file."""
    head = project.read_head(path, 512)
    if head is None or not head.startswith(LFS_POINTER):
        return None
    text = head.decode("utf-8", "replace")
    oid = LFS_OID.search(text)
    size = LFS_SIZE.search(text)
    return LfsPointer(oid.group(1) if oid else None, int(size.group(1)) if size else None)


@dataclass
class ModelFiles(View):
    """Every model artifact of the project with its analysis; other sniffed files are claimed."""

    artifacts: list[ModelArtifact] = field(default_factory=list)
    # archives that hit a nesting or decompression limit: they may hide a model (SAI305 only)
    unscannable: list[ModelArtifact] = field(default_factory=list)

    @classmethod
    def build(cls, project: Project) -> ModelFiles:
        """See ``View.build``."""
        view = cls()
        for path, entry in sorted(project.files.items()):
            named = is_model_artifact(path)
            lower = path.lower()
            if not named and not lower.endswith(SNIFF_EXTENSIONS) and entry.size < 8:
                continue
            head = project.read_head(path, 512)
            if head is None:
                continue
            pointer = read_lfs_pointer(project, path) if named else None
            if pointer is not None:
                from sailint.collectors.artifacts import Analysis

                project.claim(path)
                view.artifacts.append(ModelArtifact(path, Analysis(kind="lfs-pointer"), pointer))
                continue
            if not (named or lower.endswith(SNIFF_EXTENSIONS) or _magic_says_model(head)):
                continue
            analysis = _analyse(entry.abspath, path, entry.size)
            if analysis is None:
                project.skip(path, "unreadable model file")
                continue
            is_model = named or analysis.pickle_based or analysis.kind in MODEL_KINDS
            if is_model:
                project.claim(path)
                view.artifacts.append(ModelArtifact(path, analysis))
            elif analysis.limited:
                project.claim(path)
                view.unscannable.append(ModelArtifact(path, analysis))
            elif analysis.problems:
                project.skip(path, "; ".join(analysis.problems))
            elif analysis.kind != "unknown":
                project.claim(path)  # plain arrays or data archives: analysed, nothing to report
        return view

    def get_artifact(self, path: str) -> ModelArtifact | None:
        """The artifact at ``path``, if it is one."""
        return next((a for a in self.artifacts if a.path == path), None)


def _analyse(abspath: str, path: str, size: int) -> Analysis | None:
    from sailint.collectors.artifacts import Analyser, Analysis, Limits

    try:
        with open(abspath, "rb") as handle:
            return Analyser(Limits()).run_file(handle, path.rsplit("/", 1)[-1], size)
    except OSError:
        return None
    except Exception as error:  # a parser bug on one hostile file must not lose the others
        log.debug("model analysis of %s failed", path, exc_info=True)
        return Analysis(problems=[f"analyser error: {error!r}"])
