"""Integrity records of model files: sha256sum manifests, CycloneDX hashes, OpenSSF model.sig bundles."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sailint.collectors.modelfiles import read_lfs_pointer
from sailint.project import Project, View

CHUNK = 4 << 20
HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
GNU_LINE = re.compile(r"^\\?([0-9a-fA-F]{64}) [ *](.+)$")
BSD_LINE = re.compile(r"^SHA256 ?\((.+)\) ?= ?([0-9a-fA-F]{64})$")
SHARD = re.compile(r"^(.*):(\d+):(\d+)$")
FILE_COMPONENTS = ("machine-learning-model", "data", "file")  # a hash-only entry can cover a file
RECOMPUTABLE = ("sha256", "blake2")
SIGSTORE_MEDIA = "application/vnd.dev.sigstore.bundle"
PREDICATES = {"https://model_signing/signature/v1.0", "https://model_signing/Digests/v0.1"}


@dataclass(frozen=True)
class DigestClaim:
    """One integrity record entry: ``record`` line ``line`` says ``target`` has ``digest``."""

    record: str
    line: int
    target: str
    algorithm: str
    digest: str
    source: str  # "manifest", "signature" or "sbom"
    byte_range: tuple[int, int] | None = None


def is_manifest_name(path: str) -> bool:
    """Names sailint reads as sha256sum-style manifests."""
    name = path.rsplit("/", 1)[-1].lower()
    return name.endswith((".sha256", ".sha256sum")) or "sha256sums" in name


def unescape_manifest_path(text: str) -> str:
    """Undo GNU sha256sum escaping (lines starting with a backslash): backslash-n, backslash pairs."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            out.append("\n" if text[index + 1] == "n" else text[index + 1])
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _resolve(base: str, name: str) -> str | None:
    joined = posixpath.normpath(posixpath.join(base, name.strip().removeprefix("./")))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        return None  # outside the project: not ours to check
    return joined


@dataclass
class IntegrityRecords(View):
    """Every digest claim in the project and hash-only SBOM digests; digests computed on demand."""

    claims: list[DigestClaim] = field(default_factory=list)
    sbom_digests: dict[str, tuple[str, int]] = field(default_factory=dict)
    project: Project | None = None
    _cache: dict[tuple[str, str, tuple[int, int] | None], str | None] = field(default_factory=dict)

    @classmethod
    def build(cls, project: Project) -> IntegrityRecords:
        """See ``View.build``."""
        view = cls(project=project)
        for path in sorted(project.files):
            lower = path.lower()
            if is_manifest_name(path):
                view.claims.extend(_manifest(project, path))
            elif lower.endswith((".sig", ".sigstore.json", ".sigstore")):
                view.claims.extend(_signature(project, path))
            elif lower.endswith(".json") and b"bomFormat" in (project.read_head(path, 4096) or b""):
                view._sbom(project, path)
        return view

    def _sbom(self, project: Project, path: str) -> None:
        text = project.text(path)
        if text is None:
            return
        try:
            bom = json.loads(text)
        except ValueError:
            return  # invalid SBOMs are SAI110's business
        if not isinstance(bom, dict) or bom.get("bomFormat") != "CycloneDX":
            return
        base = posixpath.dirname(path)
        for component in _components(bom):
            digests = [
                h.get("content")
                for h in component.get("hashes") or []
                if isinstance(h, dict) and h.get("alg") == "SHA-256"
            ]
            for digest in digests:
                if not (isinstance(digest, str) and HEX64.match(digest)):
                    continue
                line = _line_of(text, digest)
                target = _sbom_target(project, base, component)
                if target is not None:
                    self.claims.append(
                        DigestClaim(path, line, target, "sha256", digest.lower(), "sbom")
                    )
                elif component.get("type") in FILE_COMPONENTS:
                    self.sbom_digests.setdefault(digest.lower(), (path, line))

    def digest(
        self, path: str, algorithm: str = "sha256", byte_range: tuple[int, int] | None = None
    ) -> str | None:
        """Hex digest of a project file (an LFS pointer's oid stands for its content)."""
        key = (path, algorithm, byte_range)
        if key not in self._cache:
            self._cache[key] = self._compute(path, algorithm, byte_range)
        return self._cache[key]

    def _compute(self, path: str, algorithm: str, byte_range: tuple[int, int] | None) -> str | None:
        assert self.project is not None
        if algorithm == "sha256" and byte_range is None:
            pointer = read_lfs_pointer(self.project, path)
            if pointer is not None:
                return pointer.oid
        entry = self.project.files.get(path)
        if entry is None:
            return None
        digest = file_digest(entry.abspath, algorithm, byte_range)
        if digest is not None:
            self.project.claim(path)  # hashed and compared: analysed
        return digest


def file_digest(
    abspath: str, algorithm: str = "sha256", byte_range: tuple[int, int] | None = None
) -> str | None:
    """Stream a file (or a byte range of it) through a hash in 1 MiB chunks; None if unsupported."""
    if algorithm not in RECOMPUTABLE:
        return None
    hasher = hashlib.sha256() if algorithm == "sha256" else hashlib.blake2b()
    start, end = byte_range or (0, -1)
    buffer = bytearray(CHUNK)  # reused: no per-chunk allocation
    view = memoryview(buffer)
    try:
        with open(abspath, "rb", buffering=0) as handle:
            handle.seek(start)
            remaining = end - start if end >= 0 else -1
            while remaining != 0:
                want = CHUNK if remaining < 0 else min(CHUNK, remaining)
                got = handle.readinto(view[:want])
                if not got:
                    break
                hasher.update(view[:got])
                if remaining > 0:
                    remaining -= got
    except OSError:
        return None
    return hasher.hexdigest()


def _line_of(text: str, needle: str) -> int:
    position = text.find(needle)
    return text.count("\n", 0, position) + 1 if position >= 0 else 1


def _components(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for component in node.get("components") or []:
            if isinstance(component, dict):
                yield component
                yield from _components(component)


def _sbom_target(project: Project, base: str, component: dict[str, Any]) -> str | None:
    """The project file a component describes: an occurrence location, or its name as a path."""
    occurrences: list[str] = []
    evidence = component.get("evidence")
    if isinstance(evidence, dict):
        for occurrence in evidence.get("occurrences") or []:
            if isinstance(occurrence, dict) and isinstance(occurrence.get("location"), str):
                occurrences.append(occurrence["location"])
    names = [component["name"]] if isinstance(component.get("name"), str) else []
    for candidate in occurrences + names:
        for root in (base, ""):
            resolved = _resolve(root, candidate)
            if resolved is not None and project.exists(resolved):
                return resolved
    # an explicit occurrence of a file that is not there: SAI312 reports it as gone
    return _resolve(base, occurrences[0]) if occurrences else None


def _manifest(project: Project, path: str) -> Iterator[DigestClaim]:
    text = project.text(path)
    if text is None:
        return
    base = posixpath.dirname(path)
    name = path.rsplit("/", 1)[-1]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        gnu, bsd = GNU_LINE.match(line), BSD_LINE.match(line)
        if gnu:
            digest, target = gnu.group(1), gnu.group(2)
            if line.startswith("\\"):
                target = unescape_manifest_path(target)
        elif bsd:
            target, digest = bsd.group(1), bsd.group(2)
        elif HEX64.match(line.split()[0]) and name.lower().endswith(".sha256"):
            digest, target = line.split()[0], name[: -len(".sha256")]
        else:
            continue
        resolved = _resolve(base, target)
        if resolved is not None:
            yield DigestClaim(path, number, resolved, "sha256", digest.lower(), "manifest")


def _signature(project: Project, path: str) -> Iterator[DigestClaim]:
    """OpenSSF model-signing bundles: per-file digests from the in-toto payload."""
    text = project.text(path)
    if text is None:
        return
    try:
        bundle = json.loads(text)
        if not str(bundle.get("mediaType", "")).startswith(SIGSTORE_MEDIA):
            return
        payload = base64.b64decode(bundle["dsseEnvelope"]["payload"])
        statement = json.loads(payload)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return
    if not isinstance(statement, dict) or statement.get("predicateType") not in PREDICATES:
        return
    line = _line_of(text, '"payload"')
    base = posixpath.dirname(path)
    entries: list[tuple[str, str, str]] = []
    predicate = statement.get("predicate") or {}
    for resource in predicate.get("resources") or []:
        if isinstance(resource, dict):
            name, digest = str(resource.get("name")), str(resource.get("digest"))
            entries.append((name, str(resource.get("algorithm", "sha256")), digest))
    if statement.get("predicateType", "").endswith("v0.1"):
        for subject in statement.get("subject") or []:
            subject_digest = (subject.get("digest") or {}).get("sha256")
            if isinstance(subject_digest, str):
                entries.append((str(subject.get("name")), "sha256", subject_digest))
    subjects = [s.get("name") for s in statement.get("subject") or [] if isinstance(s, dict)]
    for name, algorithm, digest in entries:
        shard = SHARD.match(name)
        byte_range = (int(shard.group(2)), int(shard.group(3))) if shard else None
        file_name = shard.group(1) if shard else name
        target = _resolve(base, file_name)
        for subject in subjects:
            nested = _resolve(base, f"{subject}/{file_name}") if isinstance(subject, str) else None
            if nested and project.exists(nested) and not (target and project.exists(target)):
                target = nested
        if target is not None:
            yield DigestClaim(
                path, line, target, algorithm, digest.lower(), "signature", byte_range
            )
