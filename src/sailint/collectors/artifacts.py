"""Opens one model artifact by content (zip, tar, compressed, npy, pickle ...) and analyses it."""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from sailint.collectors import modelformats as fmt
from sailint.collectors.pickles import (
    LEGACY_TORCH_MAGIC,
    OPCODES,
    PickleScan,
    scan_legacy_storages,
    scan_pickle,
)
from sailint.collectors.streams import (
    Budget,
    BudgetExceeded,
    compression_of,
    decompressing,
    open_member,
)

PICKLE_NAMES = (".pkl", ".pickle", ".joblib", ".dill", ".pt", ".pth", ".ckpt", ".bin", ".p")
# Formats without pickles that are recognised by extension (no code-bearing content checked).
OTHER_FORMATS = {
    ".onnx": "onnx", ".tflite": "tflite", ".pb": "tensorflow-graph", ".mlmodel": "coreml",
    ".msgpack": "flax-msgpack", ".ggml": "ggml",
}  # fmt: skip
NOT_RECOGNISED = "no pickle, zip, tar, safetensors, GGUF, HDF5, numpy or compression signature"
OPCODE_BYTES = {bytes([code]) for code in OPCODES}
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".lzma", ".z")
LEGACY_TAR_MEMBERS = {"sys_info", "pickle", "storages", "tensors"}


@dataclass(frozen=True)
class Limits:
    """Caps that keep hostile artifacts from exhausting time, memory or disk."""

    max_depth: int = 3
    max_bytes: int = 8 << 30
    max_ratio: int = 200
    ratio_floor: int = 64 << 20  # the ratio cap applies once a stream has produced this much
    max_members: int = 10_000
    config_bytes: int = 64 << 20


@dataclass
class PickleStream:
    """A pickle stream found at ``member`` ("" for the file itself)."""

    member: str
    scan: PickleScan


@dataclass
class Analysis:
    """What one artifact holds and what could not be analysed."""

    kind: str = "unknown"
    streams: list[PickleStream] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    keras: list[str] = field(default_factory=list)
    limited: bool = False  # a nesting or decompression limit stopped the analysis

    @property
    def pickle_based(self) -> bool:
        """True if the artifact holds at least one pickle stream."""
        return bool(self.streams)


def _peek(stream: BinaryIO, size: int = 64) -> bytes:
    peek = getattr(stream, "peek", None)
    if peek is not None:
        return bytes(peek(size)[:size])
    position = stream.tell()
    data = stream.read(size)
    stream.seek(position)
    return data


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    """A little-endian u64 header length that fits in the file, then a JSON object."""
    if len(head) < 9 or head[8:9] != b"{":
        return False
    return 0 < int.from_bytes(head[:8], "little") <= size - 8


def _is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def _join(label: str, member: str) -> str:
    return f"{label}!/{member}" if label else member


class Analyser:
    """Analyses one artifact; every failure becomes a problem string, never an exception."""

    def __init__(self, limits: Limits, extra_safe: frozenset[str] = frozenset()) -> None:
        """Use ``limits`` and treat ``extra_safe`` globals as allowlisted."""
        self.limits = limits
        self.extra_safe = extra_safe
        self.budget = Budget(limits.max_bytes, limits.max_ratio, limits.ratio_floor)
        self.out = Analysis()

    def problem(self, where: str, message: str) -> None:
        """Record something that could not be fully analysed."""
        self.out.problems.append(f"{where}: {message}" if where else message)

    def pickle(self, stream: BinaryIO, label: str) -> PickleScan:
        """Walk the pickles of ``stream`` and record them."""
        scan = scan_pickle(stream, limit=self.limits.max_bytes, extra_safe=self.extra_safe)
        self.out.streams.append(PickleStream(label, scan))
        self.out.limited = self.out.limited or scan.limited
        return scan

    def run_file(self, handle: BinaryIO, name: str, size: int) -> Analysis:
        """Analyse the open file ``handle`` named ``name``."""
        head = _peek(handle, 512)
        try:
            self.top(handle, head, name, size)
        except BudgetExceeded as error:
            self.out.limited = True
            self.problem("", f"decompression limit exceeded ({error}); rest not analysed")
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, tarfile.TarError) as error:
            self.problem("", f"unreadable: {error}")
        return self.out

    def top(self, handle: BinaryIO, head: bytes, name: str, size: int) -> None:
        """Dispatch on the file's magic bytes, then on its extension."""
        lower = name.lower()
        out = self.out
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            self.zip(handle, "", lower, 0)
        elif head.startswith(fmt.NPY_MAGIC):
            out.kind = "numpy"
            self.npy(handle, "")
        elif head.startswith(fmt.HDF5_MAGIC):
            out.kind = "hdf5"
            config, problem = fmt.h5_model_config(handle)
            if problem:
                self.problem("", problem)
            if config is not None:
                out.kind = "keras-h5"
                out.keras.extend(fmt.keras_issues(config))
        elif head.startswith(fmt.GGUF_MAGICS):
            out.kind = "gguf"
            out.problems.extend(fmt.gguf_problems(head))
        elif lower.endswith(".safetensors") or _looks_like_safetensors(head, size):
            out.kind = "safetensors"
            out.problems.extend(fmt.safetensors_problems(handle, size))
        elif _is_tar(head):
            self.tar(handle, "", 0)
        elif head.startswith(b"7z\xbc\xaf\x27\x1c"):
            out.kind = "7z"
            self.problem(
                "", "7z archive: members cannot be analysed (unpack it and scan the files)"
            )
        elif compression_of(head) and lower.endswith(PICKLE_NAMES):
            out.kind = "joblib"
            self.compressed(handle, head, "")
        elif head[:1] == b"\x80" or lower.endswith(PICKLE_NAMES):
            out.kind = "pickle"
            scan = self.pickle(handle, "")
            if scan.first_value == LEGACY_TORCH_MAGIC:
                out.kind = "torch-legacy"
            elif (
                not (scan.pickles or scan.imports or scan.limited) and head[:1] not in OPCODE_BYTES
            ):
                # chosen by extension only and not even the first byte is an opcode
                out.streams.pop()
                out.kind = "unknown"
                self.problem("", f"format not recognised from content ({NOT_RECOGNISED})")
        elif lower.endswith(".keras"):
            self.problem("", "a .keras file that is not a zip archive")
        else:
            out.kind = next((k for e, k in OTHER_FORMATS.items() if lower.endswith(e)), "unknown")

    def compressed(self, stream: BinaryIO, head: bytes, label: str) -> None:
        """A joblib-style compressed pickle stream."""
        kind = compression_of(head) or "?"
        try:
            inner = decompressing(stream, kind, self.budget)
        except ValueError as error:
            self.problem(label, str(error))
            return
        self.pickle(inner, label)

    def npy(self, stream: BinaryIO, label: str) -> None:
        """A numpy array: object arrays carry a pickle after the header."""
        header, problem = fmt.npy_header(stream)
        if problem:
            self.problem(label, problem)
        elif header is not None and fmt.npy_has_objects(header.get("descr")):
            self.pickle(stream, label)

    def nested(self, stream: BinaryIO, label: str, name: str, depth: int) -> None:
        """A member of a container: recurse into containers, walk pickles, skip plain data."""
        head = _peek(stream, 512)
        container = head.startswith(b"PK\x03\x04") or _is_tar(head)
        if container and depth >= self.limits.max_depth:
            self.out.limited = True
            self.problem(label, f"nested deeper than {self.limits.max_depth} levels; not analysed")
            return
        lower = name.lower()
        if head.startswith(b"PK\x03\x04"):
            with tempfile.TemporaryFile() as spool:  # zip needs seeking; members may not seek
                shutil.copyfileobj(stream, spool, 1 << 20)
                self.zip(spool, label, lower, depth + 1)
        elif _is_tar(head):
            self.tar(stream, label, depth + 1)
        elif head.startswith(fmt.NPY_MAGIC):
            self.npy(stream, label)
        elif compression_of(head) in ("gzip", "bz2", "xz", "lzma"):
            # a compressed member: look inside (tar.gz releases, pickle.gz, joblib files)
            inner = decompressing(stream, compression_of(head) or "", self.budget)
            inner_name = lower.rsplit(".", 1)[0] if lower.endswith(COMPRESSED_SUFFIXES) else lower
            self.nested(inner, label, inner_name, depth)
        elif (head[:1] == b"\x80" and head[1:2] <= b"\x05") or lower.endswith(PICKLE_NAMES):
            scan = scan_pickle(stream, limit=self.limits.max_bytes, extra_safe=self.extra_safe)
            named = lower.endswith(PICKLE_NAMES)
            # Tensor storages may start with 0x80 by chance: a failed walk there is data.
            if named or scan.imports or scan.pickles or scan.limited:
                self.out.streams.append(PickleStream(label, scan))
                self.out.limited = self.out.limited or scan.limited

    def zip(self, handle: BinaryIO, label: str, lower: str, depth: int) -> None:
        """Every member of a zip, read as PyTorch reads them (flags and CRC ignored)."""
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, ValueError, OSError) as error:
            self.problem(label, f"broken zip archive: {error}")
            if self.out.kind == "unknown":
                self.out.kind = "zip"
            return
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if depth == 0:
            self.out.kind = _zip_kind(names, lower)
        if len(infos) > self.limits.max_members:
            self.problem(label, f"{len(infos)} members; only the first {self.limits.max_members}")
            infos = infos[: self.limits.max_members]
        for info in infos:
            if info.is_dir():
                continue
            where = _join(label, info.filename)
            try:
                member = open_member(handle, info, self.budget)
                if info.flag_bits & 0x1 and info.compress_type == zipfile.ZIP_STORED:
                    self.problem(where, "marked encrypted; read as plain data, as PyTorch does")
                if info.filename.endswith("config.json") and self.out.kind == "keras":
                    self.keras_config(member, where)
                else:
                    self.nested(member, where, info.filename, depth)
            except BudgetExceeded:
                raise
            except (ValueError, OSError, EOFError, tarfile.TarError, zipfile.BadZipFile) as error:
                self.problem(where, f"unreadable member: {error}")

    def keras_config(self, member: BinaryIO, where: str) -> None:
        """The model config of a ``.keras`` archive."""
        data = member.read(self.limits.config_bytes + 1)
        if len(data) > self.limits.config_bytes:
            self.problem(where, "config.json larger than the cap; not analysed")
            return
        try:
            config = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            self.problem(where, f"config.json is not valid JSON: {error}")
            return
        self.out.keras.extend(fmt.keras_issues(config))

    def tar(self, stream: BinaryIO, label: str, depth: int) -> None:
        """Every member of a tar archive (legacy PyTorch writes one)."""
        names: set[str] = set()
        try:
            with tarfile.open(fileobj=stream, mode="r|*") as archive:
                for count, info in enumerate(archive):
                    if count >= self.limits.max_members:
                        self.problem(label, f"more than {self.limits.max_members} members")
                        break
                    names.add(info.name)
                    if not info.isfile():
                        continue
                    member = archive.extractfile(info)
                    if member is None:
                        continue
                    where = _join(label, info.name)
                    if info.name == "storages" and names | {"tensors"} >= LEGACY_TAR_MEMBERS:
                        scan = scan_legacy_storages(
                            member,  # type: ignore[arg-type]
                            limit=self.limits.max_bytes,
                            extra_safe=self.extra_safe,
                        )
                        self.out.streams.append(PickleStream(where, scan))
                    else:
                        self.nested(member, where, info.name, depth)  # type: ignore[arg-type]
        except tarfile.TarError as error:
            self.problem(label, f"broken tar archive: {error}")
        if depth == 0:
            self.out.kind = "torch-legacy-tar" if names >= LEGACY_TAR_MEMBERS else "tar"


def _zip_kind(names: set[str], lower: str) -> str:
    """What a zip at the top level is, from its member names and the file name."""
    if "config.json" in names and (lower.endswith(".keras") or "metadata.json" in names):
        return "keras"
    if any(n.endswith("data.pkl") for n in names):
        return "pytorch-zip"
    if lower.endswith(".npz") or (names and all(n.endswith(".npy") for n in names)):
        return "npz"
    return "zip"
