"""Reading pickle opcode arguments from a byte stream: bounded, counted, never buffering big values."""

from __future__ import annotations

import pickletools
import struct
from typing import Any, BinaryIO

BIG_VALUE = 64 * 1024  # longer strings/bytes are skipped, never held in memory
LINE_CAP = 16 << 20  # protocol 0 text arguments (one line each)


class PickleError(Exception):
    """The stream is not a well-formed pickle at ``offset``."""

    def __init__(self, message: str, offset: int) -> None:
        """Record where parsing stopped."""
        super().__init__(message)
        self.offset = offset


class LimitExceeded(Exception):
    """Reading went past the byte budget (decompression bomb or oversized stream)."""


class _Opaque:
    """A value the walk does not model (floats of buffers, oversized strings ...)."""


OPAQUE = _Opaque()


class CountingReader:
    """Wraps a binary stream, counts bytes, enforces a budget, and skips without buffering."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        """Read from ``raw``, at most ``limit`` bytes."""
        self.raw = raw
        self.pos = 0
        self.limit = limit

    def _count(self, size: int) -> None:
        self.pos += size
        if self.pos > self.limit:
            raise LimitExceeded(f"more than {self.limit} bytes")

    def read(self, size: int) -> bytes:
        """Read up to ``size`` bytes."""
        data = self.raw.read(size)
        self._count(len(data))
        return data

    def readline(self) -> bytes:
        """Read one line (capped, so a newline-less stream cannot exhaust memory)."""
        data = self.raw.readline(LINE_CAP)
        self._count(len(data))
        return data

    def exact(self, size: int) -> bytes:
        """Read exactly ``size`` bytes or raise a truncation error."""
        data = self.read(size)
        if len(data) != size:
            raise PickleError("truncated: stream ends inside an opcode argument", self.pos)
        return data

    def skip(self, size: int) -> None:
        """Consume ``size`` bytes in chunks (constant memory)."""
        while size > 0:
            chunk = self.read(min(size, 1 << 20))
            if not chunk:
                raise PickleError("truncated: stream ends inside a long value", self.pos)
            size -= len(chunk)


_LENGTH_PREFIX = {
    "string1": "<B", "bytes1": "<B", "unicodestring1": "<B", "string4": "<i", "bytes4": "<I",
    "unicodestring4": "<I", "bytes8": "<Q", "bytearray8": "<Q", "unicodestring8": "<Q",
    "long4": "<i",
}  # fmt: skip


def read_arg(op: pickletools.OpcodeInfo, reader: CountingReader) -> Any:
    """The argument of ``op``; lengths above BIG_VALUE are skipped and read as OPAQUE."""
    assert op.arg is not None
    kind = op.arg.name
    if kind in ("stringnl_noescape_pair", "stringnl_noescape"):
        lines = 2 if kind.endswith("pair") else 1
        parts = []
        for _ in range(lines):
            line = reader.readline()
            if not line.endswith(b"\n"):
                raise PickleError(f"truncated: {op.name} argument has no newline", reader.pos)
            parts.append(line[:-1].decode("utf-8", "replace"))
        return parts if lines == 2 else parts[0]
    fmt = _LENGTH_PREFIX.get(kind)
    if fmt is None:
        try:
            return op.arg.reader(reader)  # type: ignore[arg-type]
        except (ValueError, UnicodeDecodeError) as error:
            raise PickleError(f"bad {op.name} argument: {error}", reader.pos) from None
    (length,) = struct.unpack(fmt, reader.exact(struct.calcsize(fmt)))
    if length < 0:
        raise PickleError(f"negative length in {op.name}", reader.pos)
    if length > BIG_VALUE:
        reader.skip(length)
        return OPAQUE
    data = reader.exact(length)
    if kind == "long4":
        return int.from_bytes(data, "little", signed=True)
    if kind.startswith("unicode"):
        return data.decode("utf-8", "surrogatepass")
    if kind.startswith("string"):
        return data.decode("latin-1")  # py2 str: the Unpickler's default encoding decodes it
    return data
