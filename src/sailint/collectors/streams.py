"""Bounded byte streams: file slices, a relaxed zip member reader and budgeted decompressors."""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zipfile
import zlib
from typing import BinaryIO, Protocol

CHUNK = 1 << 20


class BudgetExceeded(Exception):
    """A decompression cap was hit (total size or expansion ratio): a likely bomb."""


class Budget:
    """Decompressed bytes an artifact may produce, shared by every stream opened for it."""

    def __init__(self, max_bytes: int, max_ratio: int, ratio_floor: int = 64 << 20) -> None:
        """At most ``max_bytes`` in all; beyond ``ratio_floor`` output, at most ``max_ratio``:1."""
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.ratio_floor = ratio_floor
        self.used = 0

    def charge(self, produced: int, consumed: int, total_out: int) -> None:
        """Account for ``produced`` new bytes of a stream that has expanded ``consumed`` bytes."""
        self.used += produced
        if self.used > self.max_bytes:
            raise BudgetExceeded(f"decompressed size exceeds the cap of {self.max_bytes} bytes")
        if total_out > self.ratio_floor and total_out > self.max_ratio * max(consumed, 1):
            raise BudgetExceeded(
                f"compression ratio above {self.max_ratio}:1 after {total_out} bytes"
            )


class _Decompressor(Protocol):
    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...

    @property
    def unconsumed_tail(self) -> bytes: ...


class FileSlice(io.RawIOBase):
    """``size`` bytes of ``handle`` from ``start``; seeks before every read, so slices can share."""

    def __init__(self, handle: BinaryIO, start: int, size: int) -> None:
        """A window on ``handle``."""
        self.handle, self.start, self.size, self.offset = handle, start, size, 0

    def readable(self) -> bool:  # noqa: D102
        return True

    def seekable(self) -> bool:  # noqa: D102
        return True

    def seek(self, offset: int, whence: int = 0) -> int:  # noqa: D102
        base = {0: 0, 1: self.offset, 2: self.size}[whence]
        self.offset = max(0, min(self.size, base + offset))
        return self.offset

    def tell(self) -> int:  # noqa: D102
        return self.offset

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # noqa: D102
        want = min(len(buffer), self.size - self.offset)
        if want <= 0:
            return 0
        self.handle.seek(self.start + self.offset)
        data = self.handle.read(want)
        buffer[: len(data)] = data
        self.offset += len(data)
        return len(data)


class Inflate(io.RawIOBase):
    """Streaming decompression of ``source`` charged to ``budget``."""

    def __init__(self, source: BinaryIO, kind: str, budget: Budget) -> None:
        """``kind`` is deflate (raw) or zlib."""
        self.source, self.budget = source, budget
        self.engine: _Decompressor = zlib.decompressobj(-15 if kind == "deflate" else 15)
        self.consumed = self.produced = 0
        self.pending = b""
        self.eof = False

    def readable(self) -> bool:  # noqa: D102
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # noqa: D102
        while True:
            if not self.pending:
                if self.eof:
                    return 0
                chunk = self.source.read(CHUNK)
                if not chunk:
                    self.eof = True
                    return 0
                self.consumed += len(chunk)
                self.pending = chunk
            try:
                data = self.engine.decompress(self.pending, len(buffer))
            except zlib.error as error:
                raise ValueError(f"corrupt compressed data: {error}") from None
            self.pending = self.engine.unconsumed_tail
            if data:
                self.produced += len(data)
                self.budget.charge(len(data), self.consumed, self.produced)
                buffer[: len(data)] = data
                return len(data)


class BudgetedStream(io.RawIOBase):
    """Charges every byte read from an already-decompressing stream (gzip/xz/lzma files)."""

    def __init__(self, inner: BinaryIO, source: FileSlice | BinaryIO, budget: Budget) -> None:
        """Read from ``inner``; ``source`` tells how much compressed input was consumed."""
        self.inner, self.source, self.budget, self.produced = inner, source, budget, 0

    def readable(self) -> bool:  # noqa: D102
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # noqa: D102
        try:
            data = self.inner.read(len(buffer))
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as error:
            raise ValueError(f"corrupt compressed data: {error}") from None
        self.produced += len(data)
        consumed = self.source.tell() if self.source.seekable() else self.produced
        self.budget.charge(len(data), consumed, self.produced)
        buffer[: len(data)] = data
        return len(data)


def buffered(raw: io.RawIOBase, size: int = 64 * 1024) -> BinaryIO:
    """A buffered reader (readline, peek) over ``raw``; small, since most members are only sniffed."""
    return io.BufferedReader(raw, size)


COMPRESSION_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"]\x00\x00", "lzma"),
    (b"\x04\x22\x4d\x18", "lz4"),
)


def compression_of(head: bytes) -> str | None:
    """The compression a joblib-style stream uses, from its first bytes."""
    for magic, name in COMPRESSION_MAGIC:
        if head.startswith(magic):
            return name
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return None


def decompressing(source: BinaryIO, kind: str, budget: Budget) -> BinaryIO:
    """A budgeted decompressed view of ``source``; raises ValueError for unsupported kinds."""
    import gzip

    if kind == "zlib":
        return buffered(Inflate(source, kind, budget))
    if kind == "bz2":
        inner: BinaryIO = bz2.BZ2File(source, mode="rb")  # type: ignore[assignment]
    elif kind == "gzip":
        inner = gzip.GzipFile(fileobj=source, mode="rb")  # type: ignore[assignment]
    elif kind in ("xz", "lzma"):
        fmt = lzma.FORMAT_XZ if kind == "xz" else lzma.FORMAT_ALONE
        inner = lzma.LZMAFile(source, format=fmt)  # type: ignore[assignment]  # noqa: SIM115
    else:
        raise ValueError(f"{kind} compression is not supported")
    return buffered(BudgetedStream(inner, source, budget))


def open_member(handle: BinaryIO, info: zipfile.ZipInfo, budget: Budget) -> BinaryIO:
    """A zip member's data, read like PyTorch reads it: flags, password bit and CRC ignored."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ValueError(f"member {info.filename}: no local file header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    raw = FileSlice(handle, start, info.compress_size)
    if info.compress_type == zipfile.ZIP_STORED:
        return buffered(raw)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return buffered(Inflate(buffered(raw), "deflate", budget))
    if info.compress_type == zipfile.ZIP_BZIP2:
        return decompressing(buffered(raw), "bz2", budget)
    raise ValueError(f"member {info.filename}: compression method {info.compress_type} unsupported")
