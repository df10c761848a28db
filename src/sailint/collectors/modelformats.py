"""Static checks of non-pickle model formats: safetensors, GGUF, numpy headers, Keras configs, HDF5."""

from __future__ import annotations

import ast
import json
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024  # the upstream format's own cap
SAFETENSORS_DTYPES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "I16": 2, "U16": 2,
    "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8, "C64": 8,
    "F4": 1, "F6_E2M3": 1, "F6_E3M2": 1,
}  # fmt: skip
SUBBYTE = {"F4": 0.5, "F6_E2M3": 0.75, "F6_E3M2": 0.75}
GGUF_MAGICS = (b"GGUF", b"GGML", b"GGMF", b"GGJT", b"GGLA", b"GGSA", b"lmgg", b"fmgg", b"tjgg")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
NPY_MAGIC = b"\x93NUMPY"


def safetensors_problems(handle: BinaryIO, size: int) -> list[str]:
    """Header sanity of a safetensors file: length, JSON, dtypes, shapes and offsets."""
    head = handle.read(8)
    if len(head) < 8:
        return ["safetensors file shorter than its 8-byte header length"]
    (length,) = struct.unpack("<Q", head)
    if length == 0 or length > size - 8:
        return [f"safetensors header length {length} does not fit in the file ({size} bytes)"]
    if length > SAFETENSORS_MAX_HEADER:
        return [f"safetensors header length {length} exceeds 100 MiB"]
    raw = handle.read(length)
    if not raw.lstrip().startswith(b"{"):
        return ["safetensors header is not a JSON object"]
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return [f"safetensors header is not valid JSON: {error}"]
    if not isinstance(header, dict):
        return ["safetensors header is not a JSON object"]
    return list(_tensor_problems(header, size - 8 - length))


def _tensor_problems(header: dict[str, Any], data_size: int) -> Iterator[str]:
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        yield "safetensors __metadata__ must map strings to strings"
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict):
            yield f"tensor {name!r}: entry is not an object"
            continue
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dtype not in SAFETENSORS_DTYPES:
            yield f"tensor {name!r}: unknown dtype {dtype!r}"
            continue
        if not (isinstance(shape, list) and all(_natural(n) for n in shape)):
            yield f"tensor {name!r}: shape is not a list of non-negative integers"
            continue
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_natural, offsets))):
            yield f"tensor {name!r}: data_offsets is not [begin, end]"
            continue
        begin, end = offsets
        if not begin <= end <= data_size:
            yield f"tensor {name!r}: data_offsets [{begin}, {end}] outside the data ({data_size})"
            continue
        count = 1
        for n in shape:
            count *= n
        expected = count * SUBBYTE.get(dtype, SAFETENSORS_DTYPES[dtype])
        if end - begin != expected:
            yield f"tensor {name!r}: {end - begin} bytes for {dtype}{shape} (expected {expected:g})"
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            kind = "overlaps the previous tensor" if begin < position else "leaves a gap"
            yield f"tensor {name!r}: {kind} at offset {begin}"
        position = max(position, end)
    if spans and position != data_size:
        yield f"tensor data covers {position} of {data_size} bytes (trailing data)"


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def gguf_problems(head: bytes) -> list[str]:
    """Header sanity of a GGUF (or legacy GGML) file: magic, version, counts."""
    if head[:4] != b"GGUF":
        return []  # legacy GGML family: recognised, no pickle, nothing more checked
    if len(head) < 24:
        return ["GGUF header truncated"]
    version, tensors, kvs = struct.unpack("<IQQ", head[4:24])
    problems = []
    if version not in (1, 2, 3):
        problems.append(f"GGUF version {version} unknown")
    if tensors > 1 << 24 or kvs > 1 << 24:
        problems.append(f"GGUF header declares {tensors} tensors and {kvs} keys (implausible)")
    return problems


def npy_header(handle: BinaryIO) -> tuple[dict[str, Any] | None, str | None]:
    """The header dict of a ``.npy`` stream (positioned at its start), or (None, problem)."""
    magic = handle.read(8)
    if magic[:6] != NPY_MAGIC or len(magic) < 8:
        return None, "not a numpy .npy stream"
    major = magic[6]
    size_format = "<H" if major == 1 else "<I"
    raw_size = handle.read(struct.calcsize(size_format))
    if len(raw_size) != struct.calcsize(size_format) or major not in (1, 2, 3):
        return None, f"numpy header version {major} unreadable"
    (length,) = struct.unpack(size_format, raw_size)
    if length > 1 << 20:
        return None, "numpy header larger than 1 MiB"
    text = handle.read(length).decode("latin-1")
    try:
        header = ast.literal_eval(text)  # a Python literal; literal_eval never runs code
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None, "numpy header is not a Python literal"
    if not isinstance(header, dict) or "descr" not in header:
        return None, "numpy header has no descr"
    return header, None


def npy_has_objects(descr: Any) -> bool:
    """True if a numpy descr holds Python objects (then the data is a pickle)."""
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, (list, tuple)):
        return any(npy_has_objects(part) for part in descr)
    return False


def keras_issues(config: Any) -> list[str]:
    """Lambda layers and non-``keras.*`` modules anywhere in a Keras config (nested models too)."""
    issues: list[str] = []
    _walk_keras(config, "model", issues)
    return issues


def _walk_keras(node: Any, where: str, issues: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_keras(item, where, issues)
        return
    if not isinstance(node, dict):
        return
    class_name = node.get("class_name")
    config = node.get("config")
    name = config.get("name") if isinstance(config, dict) else None
    label = f"{where}/{name}" if isinstance(name, str) else where
    if class_name in ("Lambda", "__lambda__") or (
        isinstance(config, dict) and config.get("function_type") == "lambda"
    ):
        issues.append(f"Lambda layer {label!r} carries Python code that runs on load")
        return  # its function config is the code itself; one report per layer
    module = node.get("module")
    if isinstance(module, str) and class_name is not None and not _keras_module(module):
        issues.append(f"{label!r} loads {class_name!r} from module {module!r} (outside keras.*)")
    for key, value in node.items():
        if key != "module":
            _walk_keras(value, label if key == "config" else where, issues)


# Keras itself plus the Keras team's model libraries, whose classes Keras deserialises natively.
KERAS_PACKAGES = ("keras", "keras_hub", "keras_nlp", "keras_cv")


def _keras_module(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in KERAS_PACKAGES)


H5_SCAN_CAP = 64 << 30  # the attribute may sit anywhere: scan it all (1 MiB at a time)
H5_VALUE_CAP = 256 << 20
H5_NAME = b"model_config\x00"


def h5_model_config(handle: BinaryIO) -> tuple[Any, str | None]:
    """The JSON of the ``model_config`` attribute of a Keras HDF5 file, or (None, problem).

    No HDF5 library is used (nothing is loaded or executed): the attribute message is found by
    its name, its header (versions 1-3) gives the datatype, and the value is read either inline
    (fixed-length string) or from the global heap collection a variable-length string points to
    (what h5py writes for Keras' ``attrs["model_config"] = json.dumps(...).encode()``).
    """
    position = _find(handle, H5_NAME, H5_SCAN_CAP)
    if position is None:
        return None, None  # a weights-only HDF5 file
    if position < 0:
        return None, f"model_config not found in the first {H5_SCAN_CAP} bytes"
    try:
        raw = _h5_attribute_value(handle, position)
    except (struct.error, ValueError, OSError) as error:
        return None, f"model_config attribute unreadable: {error}"
    if raw is None:
        return None, "model_config attribute has an unsupported HDF5 layout"
    try:
        text = raw.rstrip(b"\0").decode("utf-8")
        return json.loads(text), None
    except (UnicodeDecodeError, ValueError) as error:
        return None, f"model_config attribute is not valid JSON: {error}"


def _find(handle: BinaryIO, needle: bytes, cap: int) -> int | None:
    """Offset of ``needle`` (None at EOF without it, -1 when the cap stopped the search)."""
    handle.seek(0)
    tail, base = b"", 0
    while base < cap:
        chunk = handle.read(1 << 20)
        if not chunk:
            return None
        window = tail + chunk
        found = window.find(needle)
        if found >= 0:
            return base - len(tail) + found
        tail = window[-len(needle) :]
        base += len(chunk)
    return -1


def _h5_attribute_value(handle: BinaryIO, name_at: int) -> bytes | None:
    handle.seek(max(0, name_at - 9))
    before = handle.read(9 if name_at >= 9 else name_at)
    if len(before) == 9 and before[0] == 3:  # version 3: version, flags, 3 sizes, encoding
        name_size, type_size, space_size = struct.unpack("<HHH", before[2:8])
        padded = False
    elif before[-8] in (1, 2):  # version 1 (8-byte aligned fields) or 2
        name_size, type_size, space_size = struct.unpack("<HHH", before[-6:])
        padded = before[-8] == 1
    else:
        return None

    def size(n: int) -> int:
        return (n + 7) // 8 * 8 if padded else n

    type_at = name_at + size(name_size)
    data_at = type_at + size(type_size) + size(space_size)
    handle.seek(type_at)
    datatype = handle.read(type_size)
    kind = datatype[0] & 0x0F
    handle.seek(data_at)
    if kind == 3:  # fixed-length string, stored inline
        (length,) = struct.unpack("<I", datatype[4:8])
        return handle.read(min(length, H5_VALUE_CAP))
    if kind != 9:  # only variable-length strings remain
        return None
    _length, heap, index = struct.unpack("<IQI", handle.read(16))
    handle.seek(heap)
    header = handle.read(16)
    if header[:4] != b"GCOL":
        return None
    (collection,) = struct.unpack("<Q", header[8:16])
    position = heap + 16
    while position + 16 <= heap + collection:
        handle.seek(position)
        object_index, _refs, _reserved, object_size = struct.unpack("<HHIQ", handle.read(16))
        if object_index == 0:
            break  # free space: the rest of the collection is empty
        if object_index == index:
            return handle.read(min(object_size, H5_VALUE_CAP))
        position += 16 + (object_size + 7) // 8 * 8
    return None
