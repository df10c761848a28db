"""Static pickle analysis: an opcode walk with a symbolic stack and memo; nothing is ever executed."""

from __future__ import annotations

import io
import pickletools
import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sailint.collectors.pickle_policy import DANGEROUS, Verdict, classify
from sailint.collectors.pickleio import (
    OPAQUE,
    CountingReader,
    LimitExceeded,
    PickleError,
    read_arg,
)
from sailint.collectors.streams import BudgetExceeded

OPCODES = {ord(op.code.encode("latin-1")): op for op in pickletools.opcodes}
CONTAINER_CAP = 100_000  # values kept per list/dict (enough to resolve names, bounded memory)
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
JOBLIB_WRAPPERS = (
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
)


@dataclass(frozen=True)
class Import:
    """One global a pickle imports (GLOBAL, STACK_GLOBAL, INST, EXT*), and how it is judged."""

    module: str
    name: str
    verdict: str
    reason: str
    offset: int

    @property
    def qualified(self) -> str:
        """``module.name`` as the pickle spells it."""
        return f"{self.module}.{self.name}"


@dataclass
class PickleScan:
    """What the walk found in one byte stream (possibly several stacked pickles)."""

    imports: list[Import] = field(default_factory=list)
    pickles: int = 0
    error: str | None = None
    anomalies: list[str] = field(default_factory=list)
    first_value: Any = None
    limited: bool = False  # stopped by a size or decompression cap


@dataclass
class _Global:
    qualified: str


@dataclass
class _Instance:
    cls: Any
    args: Any
    state: Any = None


MARK = object()


class _Walk:
    """The state of one walk over a stream of stacked pickles."""

    def __init__(self, reader: CountingReader, result: PickleScan, extra_safe: frozenset[str]):
        self.reader = reader
        self.result = result
        self.extra_safe = extra_safe
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.frame_end: int | None = None

    def add_import(
        self, module: str, name: str, offset: int, verdict: Verdict | None = None
    ) -> _Global:
        """Record an import and return the symbolic global it pushes."""
        judged = verdict or classify(module, name, self.extra_safe)
        self.result.imports.append(Import(module, name, judged.verdict, judged.reason, offset))
        return _Global(f"{module}.{name}")

    def pop(self) -> Any:
        if not self.stack:
            raise PickleError("stack underflow", self.reader.pos)
        return self.stack.pop()

    def pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise PickleError("MARK expected but missing", self.reader.pos)
        items, self.stack = self.stack, self.metastack.pop()
        return items

    def one(self) -> Any:
        """Walk a single pickle up to STOP and return its (symbolic) value."""
        self.stack, self.metastack, self.memo = [], [], {}
        self.frame_end = None
        reader = self.reader
        while True:
            offset = reader.pos
            frame_end: int | None = self.frame_end
            if frame_end is not None and offset >= frame_end:
                if offset > frame_end:
                    self.result.anomalies.append(
                        f"an opcode crosses the end of a FRAME at offset {frame_end}"
                    )
                self.frame_end = None
            code = reader.read(1)
            if not code:
                raise PickleError("truncated: no STOP opcode", offset)
            op = OPCODES.get(code[0])
            if op is None:
                raise PickleError(f"invalid opcode 0x{code[0]:02x}", offset)
            arg = read_arg(op, reader) if op.arg is not None else None
            name = op.name
            if name == "STOP":
                return self.stack[-1] if self.stack else None
            if name == "PROTO":
                if isinstance(arg, int) and arg > 5:
                    raise PickleError(f"unsupported pickle protocol {arg}", offset)
            elif name == "FRAME":
                if self.frame_end is not None:
                    self.result.anomalies.append(f"FRAME at offset {offset} inside a frame")
                self.frame_end = reader.pos + int(arg or 0)
            else:
                self._op(name, arg, offset)

    def _op(self, name: str, arg: Any, offset: int) -> None:
        """Opcodes that import or use the memo."""
        stack = self.stack
        if name == "MARK":
            self.metastack.append(stack)
            self.stack = []
        elif name in ("GLOBAL", "INST"):
            module, attr = arg
            ref = self.add_import(module, attr, offset)
            if name == "INST":
                args = tuple(self.pop_mark())
                self.stack.append(_Instance(ref, args))
            else:
                stack.append(ref)
        elif name == "STACK_GLOBAL":
            attr, module = self.pop(), self.pop()
            if isinstance(module, str) and isinstance(attr, str):
                stack.append(self.add_import(module, attr, offset))
            else:
                why = "STACK_GLOBAL operands are not strings (unresolvable import)"
                stack.append(self.add_import("?", "?", offset, Verdict(DANGEROUS, why)))
        elif name in ("EXT1", "EXT2", "EXT4"):
            why = f"{name} imports through the copyreg extension registry (code {arg})"
            stack.append(self.add_import("?", f"ext{arg}", offset, Verdict(DANGEROUS, why)))
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            self.memo[int(arg)] = stack[-1] if stack else OPAQUE
        elif name == "MEMOIZE":
            self.memo[len(self.memo)] = stack[-1] if stack else OPAQUE
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            # a miss pushes a non-string, so a STACK_GLOBAL using it is unresolvable (dangerous)
            stack.append(self.memo.get(int(arg), OPAQUE))
        else:
            self._data_op(name, arg)

    def _data_op(self, name: str, arg: Any) -> None:
        """Opcodes that only build values."""
        pop, pop_mark = self.pop, self.pop_mark
        if name in ("REDUCE", "NEWOBJ"):
            args = pop()
            self.stack.append(_Instance(pop(), args))
        elif name == "NEWOBJ_EX":
            pop()
            args = pop()
            self.stack.append(_Instance(pop(), args))
        elif name == "OBJ":
            items = pop_mark()
            if not items:
                raise PickleError("OBJ without a class", self.reader.pos)
            self.stack.append(_Instance(items[0], tuple(items[1:])))
        elif name == "BUILD":
            state = pop()
            if not self.stack:
                raise PickleError("stack underflow", self.reader.pos)
            target = self.stack[-1]
            if isinstance(target, _Instance):
                target.state = state
                self._after_build(target)
        elif name in ("TUPLE", "LIST"):
            items = pop_mark()
            self.stack.append(tuple(items) if name == "TUPLE" else items[:CONTAINER_CAP])
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            size = int(name[-1])
            items = [pop() for _ in range(size)][::-1]
            self.stack.append(tuple(items))
        elif name == "DICT":
            items = pop_mark()
            self.stack.append(_pairs({}, items))
        elif name in ("APPEND", "APPENDS", "ADDITEMS"):
            items = [pop()] if name == "APPEND" else pop_mark()
            target = self.stack[-1] if self.stack else None
            if target is None:
                raise PickleError("stack underflow", self.reader.pos)
            if isinstance(target, list) and len(target) < CONTAINER_CAP:
                target.extend(items[: CONTAINER_CAP - len(target)])
        elif name in ("SETITEM", "SETITEMS"):
            items = [pop(), pop()][::-1] if name == "SETITEM" else pop_mark()
            if not self.stack:
                raise PickleError("stack underflow", self.reader.pos)
            if isinstance(self.stack[-1], dict):
                _pairs(self.stack[-1], items)
        elif name == "FROZENSET":
            pop_mark()
            self.stack.append(OPAQUE)
        elif name == "POP":
            if self.stack:
                self.stack.pop()
            else:
                pop_mark()  # POP of a MARK discards the mark, as the C unpickler does
        elif name == "POP_MARK":
            pop_mark()
        elif name == "DUP":
            self.stack.append(self.stack[-1] if self.stack else pop())
        elif name in ("BINPERSID", "READONLY_BUFFER"):
            pop()
            self.stack.append(OPAQUE)
        elif name in ("EMPTY_LIST",):
            self.stack.append([])
        elif name in ("EMPTY_DICT",):
            self.stack.append({})
        elif name == "EMPTY_TUPLE":
            self.stack.append(())
        elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
            self.stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
        elif name in ("EMPTY_SET", "NEXT_BUFFER", "PERSID"):
            self.stack.append(OPAQUE)
        else:  # every remaining opcode pushes its argument (ints, floats, strings, bytes)
            self.stack.append(arg)

    def _after_build(self, target: _Instance) -> None:
        """Joblib writes array bytes right after a NumpyArrayWrapper's BUILD: skip or walk them."""
        cls = target.cls
        if not (isinstance(cls, _Global) and cls.qualified in JOBLIB_WRAPPERS):
            return
        self.frame_end = None  # joblib ends the frame before writing array bytes
        state = target.state if isinstance(target.state, dict) else {}
        kind, itemsize = _dtype_size(state.get("dtype"))
        if kind == "O":
            nested = _Walk(self.reader, self.result, self.extra_safe)
            nested.one()
            return
        shape = state.get("shape")
        if itemsize is None or not (
            isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)
        ):
            raise PickleError("joblib array of undeterminable size", self.reader.pos)
        total = itemsize
        for n in shape:
            total *= n
        if isinstance(state.get("numpy_array_alignment_bytes"), int):
            (padding,) = self.reader.exact(1)
            self.reader.skip(padding)
        self.reader.skip(total)


def _pairs(target: dict[Any, Any], items: list[Any]) -> dict[Any, Any]:
    for index in range(0, len(items) - 1, 2):
        key = items[index]
        if len(target) < CONTAINER_CAP and isinstance(key, (str, int, bytes, bool, type(None))):
            target[key] = items[index + 1]
    return target


def _dtype_size(dtype: Any) -> tuple[str, int | None]:
    """(kind, itemsize) of a pickled ``numpy.dtype(...)`` instance, or ("?", None)."""
    if not (isinstance(dtype, _Instance) and isinstance(dtype.args, tuple) and dtype.args):
        return "?", None
    code = dtype.args[0]
    if not isinstance(code, str) or not code:
        return "?", None
    kind = code.lstrip("<>|=")[:1]
    state = dtype.state
    if isinstance(state, tuple) and len(state) > 5 and isinstance(state[5], int) and state[5] > 0:
        return kind, state[5]
    digits = "".join(ch for ch in code if ch.isdigit())
    if kind in "biufcmMSVO?" and digits:
        return kind, int(digits)
    if kind == "?":
        return kind, 1
    return kind, None


def scan_pickle(
    stream: BinaryIO,
    *,
    limit: int = 1 << 40,
    stacked: bool = True,
    extra_safe: frozenset[str] = frozenset(),
) -> PickleScan:
    """Walk every pickle in ``stream`` (stacked ones too); never raises on bad input."""
    result = PickleScan()
    reader = CountingReader(stream, limit)
    walk = _Walk(reader, result, extra_safe)
    expected = 0
    while True:
        before = len(result.imports)
        try:
            value = walk.one()
        except PickleError as error:
            # After a complete pickle, bytes that do not parse are trailing data (legacy torch
            # storages, joblib padding) unless they imported something before breaking.
            if result.pickles == 0 or len(result.imports) > before:
                result.error = f"{error} (offset {error.offset})"
            break
        except (LimitExceeded, BudgetExceeded) as error:
            result.error = f"stopped: {error}"
            result.limited = True
            break
        except (ValueError, OSError, EOFError) as error:  # corrupt compressed data, I/O errors
            result.error = f"unreadable stream: {error}"
            break
        except (RecursionError, MemoryError, OverflowError) as error:
            result.error = f"stopped: {type(error).__name__}"
            break
        if result.pickles == 0:
            result.first_value = value
            if value == LEGACY_TORCH_MAGIC:
                expected = 5  # magic, protocol, sys_info, model, storage keys; raw data follows
        result.pickles += 1
        if not stacked or (expected and result.pickles >= expected):
            break
    return result


STORAGE_BYTES = {
    "Double": 8, "Float": 4, "Half": 2, "Long": 8, "Int": 4, "Short": 2, "Char": 1, "Byte": 1,
    "Bool": 1, "BFloat16": 2, "ComplexDouble": 16, "ComplexFloat": 8, "QUInt8": 1, "QInt8": 1,
    "QInt32": 4,
}  # fmt: skip


def scan_legacy_storages(
    stream: BinaryIO, *, limit: int = 1 << 40, extra_safe: frozenset[str] = frozenset()
) -> PickleScan:
    """Walk the ``storages`` member of a legacy PyTorch tar.

    Layout: a pickled count, then per storage a pickled ``(key, location, storage_type)``
    followed by an int64 element count and the raw bytes (skipped).
    """
    result = PickleScan()
    reader = CountingReader(stream, limit)
    walk = _Walk(reader, result, extra_safe)
    try:
        count = walk.one()
        result.pickles += 1
        if not isinstance(count, int) or count < 0:
            raise PickleError("storage count is not a non-negative integer", reader.pos)
        for _ in range(count):
            record = walk.one()
            result.pickles += 1
            kind = record[2] if isinstance(record, tuple) and len(record) == 3 else None
            name = kind.qualified.rsplit(".", 1)[-1] if isinstance(kind, _Global) else ""
            element = STORAGE_BYTES.get(name.removesuffix("Storage"))
            if element is None:
                raise PickleError(f"unknown storage type {name or '?'}", reader.pos)
            (numel,) = struct.unpack("<q", reader.exact(8))
            if numel < 0:
                raise PickleError("negative storage size", reader.pos)
            reader.skip(numel * element)
    except PickleError as error:
        result.error = f"{error} (offset {error.offset})"
    except (LimitExceeded, BudgetExceeded) as error:
        result.error, result.limited = f"stopped: {error}", True
    except (ValueError, OSError, EOFError, RecursionError, MemoryError) as error:
        result.error = f"unreadable stream: {error}"
    return result


def scan_pickle_bytes(data: bytes, **kwargs: Any) -> PickleScan:
    """``scan_pickle`` over an in-memory buffer."""
    return scan_pickle(io.BytesIO(data), **kwargs)
