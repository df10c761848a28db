"""Hostile bytes never crash the model scanner: every failure is a value, never a traceback."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sailint.collectors.artifacts import Analyser, Limits
from sailint.collectors.pickles import scan_pickle_bytes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import make_model_files as mk

SEEDS = [
    mk.payload(),
    mk.payload4("os", "system"),
    mk.state_dict_pickle(inject=mk.evil_call()),
    mk.joblib_pickle(),
    mk.torch_zip(mk.state_dict_pickle()),
    mk.compress(mk.joblib_pickle(), "gzip"),
    mk.object_npy(mk.payload()),
    mk.good_safetensors(),
    mk.keras_zip([mk.lambda_layer("l")]),
    mk.legacy_tar(mk.state_dict_pickle()),
]
NAMES = ["m.pkl", "m.pt", "m.joblib", "m.npy", "m.safetensors", "m.keras", "m.bin", "m.h5"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_random_bytes_never_raise(data: bytes) -> None:
    scan = scan_pickle_bytes(data)
    assert scan.error is not None or scan.pickles >= 1


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=6),
    st.integers(0, 1 << 16),
    st.sampled_from(NAMES),
)
def test_mutated_model_files_never_raise(
    seed: bytes, flips: list[tuple[int, int]], cut: int, name: str
) -> None:
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    blob = bytes(data[: max(1, cut % (len(data) + 1))])
    analysis = Analyser(Limits(max_bytes=1 << 24)).run_file(io.BytesIO(blob), name, len(blob))
    assert analysis.kind
    for stream in analysis.streams:
        assert stream.scan.error is not None or stream.scan.pickles >= 1


def test_truncating_a_payload_at_every_offset_keeps_imports_once_seen() -> None:
    data = mk.payload("os", "system", "id")
    global_end = data.index(b"system\n") + len(b"system\n")
    for cut in range(1, len(data)):
        scan = scan_pickle_bytes(data[:cut])
        assert (scan.error is not None) or cut == len(data)
        if cut >= global_end:
            assert [i.qualified for i in scan.imports] == ["os.system"]


def test_binary_rule_examples_render_as_printable_docs() -> None:
    from sailint.docs import render_rule_markdown
    from sailint.registry import find_rule

    for rule_id in ("SAI303", "SAI304"):
        rule = find_rule(rule_id)
        assert rule is not None
        text = render_rule_markdown(rule)
        assert all(c in "\n\t" or c.isprintable() for c in text)
        assert "\\x00" in text
