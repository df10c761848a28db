"""Model files in every container format, found by extension and by magic bytes, and hostile files."""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import scan

from sailint.collectors.artifacts import Analyser, Limits
from sailint.model import Level

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import make_model_files as mk

MODEL_RULES = ["SAI301", "SAI302", "SAI303", "SAI304", "SAI305"]


def run(
    root: Path, files: dict[str, bytes], rules: list[str] = MODEL_RULES
) -> set[tuple[str, str]]:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    report = scan(root, rules)
    return {(f.location.path, f.rule_id) for f in report.open_findings}


def messages(root: Path, rule: str) -> list[str]:
    return [f.message for f in scan(root, [rule]).open_findings if f.rule_id == rule]


EVIL = mk.state_dict_pickle(inject=mk.evil_call())
GOOD = mk.state_dict_pickle()

MALICIOUS = {
    "raw-protocol-0.pkl": mk.text_payload(),
    "raw-protocol-4.pkl": mk.payload4("subprocess", "run"),
    "pytorch-zip.pt": mk.torch_zip(EVIL),
    "pytorch-zip-named-bin/pytorch_model.bin": mk.torch_zip(EVIL),
    "pytorch-zip-deflated.pth": mk.zip_bytes([("archive/data.pkl", EVIL)], deflate=True),
    "flag-bits.pt": mk.set_flag_bits(mk.torch_zip(EVIL), "archive/data.pkl", 0x1 | 0x20 | 0x40),
    "bad-crc.pt": mk.set_flag_bits(mk.torch_zip(EVIL), "archive/data.pkl", 0, break_crc=True),
    "name-mismatch.pt": mk.rename_local_header(
        mk.torch_zip(EVIL), "archive/data.pkl", "archive/data.txt"
    ),
    "wrong-extension.pt": mk.zip_bytes([("archive/data.pkl", GOOD), ("archive/extra.txt", EVIL)]),
    "torchscript.pt": mk.zip_bytes(
        [
            ("model/data.pkl", GOOD),
            ("model/constants.pkl", EVIL),
            ("model/code/__torch__.py", b"def forward(self): pass\n"),
        ]
    ),
    "legacy-stacked.pth": mk.legacy_torch(EVIL),
    "legacy-tar.pt": mk.legacy_tar(EVIL),
    "raw-pickle-named.pt": mk.payload(),
    "joblib-raw.joblib": mk.joblib_pickle(inject=mk.binuni("x") + mk.evil_call()),
    "joblib-zlib.joblib": mk.compress(
        mk.joblib_pickle(inject=mk.binuni("x") + mk.evil_call()), "zlib"
    ),
    "joblib-gzip.pkl": mk.compress(mk.payload(), "gzip"),
    "joblib-bz2.joblib": mk.compress(mk.payload(), "bz2"),
    "joblib-xz.joblib": mk.compress(mk.payload(), "xz"),
    "joblib-lzma.joblib": mk.compress(mk.payload(), "lzma"),
    "object-array.npy": mk.object_npy(mk.payload()),
    "arrays.npz": mk.zip_bytes(
        [("a.npy", mk.npy("<f4", (1,), b"\0" * 4)), ("b.npy", mk.object_npy(mk.payload()))],
        deflate=True,
    ),
    "nested.zip": mk.zip_bytes([("inner/model.pt", mk.torch_zip(EVIL))]),
    "nested-tar.tar": mk.tar_bytes([("release/model.pt", mk.torch_zip(EVIL))]),
    "nested-tgz-in-zip.zip": mk.zip_bytes(
        [("w.tar.gz", mk.tar_bytes([("m.pkl", mk.payload())], "gz"))]
    ),
    "blob-in-assets/weights.bin": mk.torch_zip(EVIL),
}


@pytest.mark.parametrize("name", sorted(MALICIOUS))
def test_malicious_files_in_every_format_fire_sai301(name: str, tmp_path: Path) -> None:
    path = f"models/{name}"
    if name.startswith("blob-in-assets"):
        path = "assets/weights.bin"
    found = run(tmp_path, {path: MALICIOUS[name]}, ["SAI301"])
    assert found == {(path, "SAI301")}


BENIGN = {
    "state-dict.pt": mk.torch_zip(GOOD),
    "state-dict-legacy.pth": mk.legacy_torch(GOOD),
    "state-dict-legacy-tar.pt": mk.legacy_tar(GOOD),
    "estimator.pkl": mk.sklearn_pickle(),
    "estimator.joblib": mk.joblib_pickle(),
    "estimator-xz.joblib": mk.compress(mk.joblib_pickle(), "xz"),
    "arrays.npy": mk.npy("<f8", (2, 2), b"\0" * 32),
    "arrays.npz": mk.zip_bytes([("x.npy", mk.npy("<i8", (3,), b"\0" * 24))]),
    "model.safetensors": mk.good_safetensors(),
    "model.gguf": mk.gguf(),
    "model.onnx": b"\x08\x08\x12\x07pytorch",
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_benign_files_give_no_sai301_or_sai302(name: str, tmp_path: Path) -> None:
    found = run(tmp_path, {f"models/{name}": BENIGN[name]}, ["SAI301", "SAI302", "SAI305"])
    assert found == set()


def test_messages_name_the_callables_and_the_member(tmp_path: Path) -> None:
    run(tmp_path, {"models/model.pt": mk.torch_zip(mk.state_dict_pickle(
        inject=mk.evil_call("os", "system") + mk.evil_call("builtins", "getattr")))})  # fmt: skip
    assert messages(tmp_path, "SAI301") == [
        "member archive/data.pkl imports dangerous callables: os.system (reaches module 'os'), "
        "builtins.getattr (reaches module 'builtins'). Loading this file runs code (found by an "
        "opcode walk; nothing was loaded)."
    ]


def test_unknown_global_is_sai302_and_can_be_allowed(tmp_path: Path) -> None:
    data = mk.proto(2) + mk.glob("ranking.model", "Ranker") + b")\x81}b."
    run(tmp_path, {"models/ranker.pkl": data})
    assert messages(tmp_path, "SAI302") == [
        "the pickle imports globals outside the safe allowlist: ranking.model.Ranker. Unpickling "
        "calls them; review them and allow them in rule-options if trusted."
    ]
    (tmp_path / ".sailint.toml").write_text(
        '[rule-options.SAI302]\nallowed-globals = ["ranking.*"]\n', encoding="utf-8"
    )
    from sailint.config import load_config

    report = scan(tmp_path, ["SAI302"], load_config(tmp_path))
    assert report.open_findings == []


def test_truncated_pickle_reports_imports_and_sai305(tmp_path: Path) -> None:
    found = run(tmp_path, {"models/model.pkl": mk.payload()[:-6]})
    assert found == {
        ("models/model.pkl", "SAI301"),
        ("models/model.pkl", "SAI303"),
        ("models/model.pkl", "SAI305"),
    }


def test_password_protected_member_is_sai305(tmp_path: Path) -> None:
    cipher = bytes((i * 97 + 13) % 256 for i in range(64))  # ZipCrypto output looks random
    data = mk.set_flag_bits(mk.zip_bytes([("archive/data.pkl", cipher)]), "archive/data.pkl", 1)
    found = run(tmp_path, {"models/model.pt": data})
    assert ("models/model.pt", "SAI305") in found
    text = " ".join(messages(tmp_path, "SAI305"))
    assert "marked encrypted" in text and "could not be fully parsed" in text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("m.joblib", b"\x04\x22\x4d\x18" + b"\0" * 20, "lz4 compression is not supported"),
        ("m.pt", b"7z\xbc\xaf\x27\x1c" + b"\0" * 26, "7z archive"),
        ("m.pt", b"PK\x03\x04" + b"\0" * 40, "broken zip archive"),
        ("m.joblib", b"x\x9c" + b"\xff" * 30, "unreadable stream: corrupt compressed data"),
        ("m.safetensors", struct.pack("<Q", 1 << 40) + b"{}", "does not fit in the file"),
        ("m.safetensors", struct.pack("<Q", 4) + b"{abc", "is not valid JSON"),
        ("m.gguf", b"GGUF" + struct.pack("<IQQ", 99, 0, 0), "GGUF version 99 unknown"),
        (
            "m.keras",
            mk.zip_bytes([("config.json", b"{not json"), ("metadata.json", b"{}")]),
            "config.json is not valid JSON",
        ),
        ("m.bin", b"\x00\x01\x02\x03 not a known format", "format not recognised from content"),
        ("m.pkl", b"(\x01\x02\x03 starts like a pickle", "could not be fully parsed"),
    ],
)
def test_unanalysable_files_are_sai305_never_silence(
    name: str, data: bytes, reason: str, tmp_path: Path
) -> None:
    run(tmp_path, {f"models/{name}": data}, ["SAI305"])
    text = messages(tmp_path, "SAI305")
    assert len(text) == 1 and reason in text[0], text


@pytest.mark.parametrize(
    ("tensors", "data", "reason"),
    [
        ({"w": ("X99", [1], [0, 4])}, b"\0" * 4, "unknown dtype 'X99'"),
        ({"w": ("F32", [2], [0, 4])}, b"\0" * 4, "4 bytes for F32[2] (expected 8)"),
        ({"a": ("F32", [1], [0, 4]), "b": ("F32", [1], [2, 6])}, b"\0" * 6, "overlaps"),
        ({"a": ("F32", [1], [0, 4]), "b": ("F32", [1], [8, 12])}, b"\0" * 12, "leaves a gap"),
        ({"a": ("F32", [1], [0, 4])}, b"\0" * 12, "trailing data"),
        ({"a": ("F32", [-1], [0, 4])}, b"\0" * 4, "shape is not a list"),
    ],
)
def test_safetensors_header_sanity(tensors, data, reason, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(tmp_path, {"m.safetensors": mk.safetensors(tensors, data)}, ["SAI305"])
    text = messages(tmp_path, "SAI305")
    assert len(text) == 1 and reason in text[0], text


def test_safetensors_metadata_must_be_strings(tmp_path: Path) -> None:
    blob = mk.safetensors({"w": ("F32", [1], [0, 4])}, b"\0" * 4)
    blob = blob.replace(b'{"format":"pt"}', b'{"format":1234}')
    run(tmp_path, {"m.safetensors": blob}, ["SAI305"])
    assert "must map strings to strings" in messages(tmp_path, "SAI305")[0]


def test_lfs_pointer_is_a_note(tmp_path: Path) -> None:
    run(tmp_path, {"models/pytorch_model.bin": mk.lfs_pointer(b"weights")}, ["SAI305"])
    report = scan(tmp_path, ["SAI305"])
    assert [(f.location.path, f.level) for f in report.open_findings] == [
        ("models/pytorch_model.bin", Level.NOTE)
    ]


def test_nesting_limit(tmp_path: Path) -> None:
    inner = mk.zip_bytes([("data.pkl", mk.payload())])
    for level in range(4):
        inner = mk.zip_bytes([(f"l{level}.zip", inner)])
    run(tmp_path, {"bundle.zip": inner}, ["SAI305"])
    assert messages(tmp_path, "SAI305") == [
        "model file not fully analysed: l3.zip!/l2.zip!/l1.zip!/l0.zip: nested deeper than 3 "
        "levels; not analysed."
    ]


def test_zip_bomb_stops_at_the_ratio_cap(tmp_path: Path) -> None:
    bomb = mk.proto(2) + b"\x8e" + struct.pack("<Q", 80 << 20) + b"\0" * (80 << 20) + b"0N."
    data = mk.zip_bytes([("archive/data.pkl", bomb)], deflate=True)
    run(tmp_path, {"models/model.pt": data}, ["SAI305"])
    text = messages(tmp_path, "SAI305")
    assert len(text) == 1 and "compression ratio above 200:1" in text[0]


def test_decompression_size_cap() -> None:
    data = mk.compress(
        mk.proto(2) + b"\x8e" + struct.pack("<Q", 4 << 20) + b"\0" * (4 << 20) + b"0N.", "gzip"
    )
    analysis = Analyser(Limits(max_bytes=1 << 20)).run_file(io.BytesIO(data), "m.joblib", len(data))
    assert analysis.limited
    assert analysis.streams[0].scan.error == (
        "stopped: decompressed size exceeds the cap of 1048576 bytes"
    )


def test_keras_nested_lambda_and_foreign_module(tmp_path: Path) -> None:
    nested = {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {"name": "backbone", "layers": [mk.lambda_layer("preprocess")]},
    }
    run(tmp_path, {"m.keras": mk.keras_zip([mk.dense("d"), nested, mk.dense("x", "mylib.layers")])})
    assert messages(tmp_path, "SAI304") == [
        "Keras model runs code on load: Lambda layer 'model/sequential/backbone/preprocess' carries "
        "Python code that runs on load; 'model/sequential/x' loads 'Dense' from module "
        "'mylib.layers' (outside keras.*)."
    ]


def test_keras_plain_model_is_quiet_and_h5_weights_only_is_quiet(tmp_path: Path) -> None:
    weights = b"\x89HDF\r\n\x1a\n" + b"\0" * 200 + b"layer_names\0dense"
    layers = [mk.dense("d"), mk.dense("backbone", "keras_hub.src.models.bert.bert_backbone")]
    found = run(tmp_path, {"m.keras": mk.keras_zip(layers), "w.h5": weights})
    assert found == set()


def test_pickle_format_note_only_for_pickles(tmp_path: Path) -> None:
    found = run(tmp_path, {
        "ckpt/model.pt": mk.torch_zip(GOOD),
        "ckpt/pytorch_model.bin": mk.good_safetensors(),
        "ckpt/model.onnx": b"\x08\x08",
    }, ["SAI303"])  # fmt: skip
    assert found == {("ckpt/model.pt", "SAI303")}


def test_model_files_are_claimed_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "m.pt").write_bytes(mk.torch_zip(EVIL))
    (tmp_path / "x.npy").write_bytes(mk.npy("<f4", (1,), b"\0" * 4))
    report = scan(tmp_path, MODEL_RULES)
    assert report.skipped == []


def test_data_members_starting_like_a_pickle_are_not_errors(tmp_path: Path) -> None:
    storage = b"\x80\x02\x00\x00" + b"\x11" * 12  # float bytes that happen to start with PROTO 2
    data = mk.zip_bytes([("archive/data.pkl", GOOD), ("archive/data/0", storage)])
    assert run(tmp_path, {"m.pt": data}, ["SAI305", "SAI301"]) == set()


def test_relaxed_reader_ignores_the_encryption_flag_like_pytorch() -> None:
    blob = mk.set_flag_bits(mk.torch_zip(EVIL), "archive/data.pkl", 1, break_crc=True)
    with zipfile.ZipFile(io.BytesIO(blob)) as archive, pytest.raises(RuntimeError):
        archive.read("archive/data.pkl")  # the standard library refuses ...
    analysis = Analyser(Limits()).run_file(io.BytesIO(blob), "m.pt", len(blob))
    assert [
        i.qualified for s in analysis.streams for i in s.scan.imports if i.verdict != "safe"
    ] == ["os.system"]  # ... sailint reads it as PyTorch's miniz reader does


def test_corrupt_deflate_member(tmp_path: Path) -> None:
    good = mk.zip_bytes([("archive/data.pkl", GOOD)], deflate=True)
    start = good.index(b"archive/data.pkl") + len("archive/data.pkl")
    broken = good[:start] + b"\xff" * 8 + good[start + 8 :]
    run(tmp_path, {"m.pt": broken}, ["SAI305"])
    assert messages(tmp_path, "SAI305") == [
        "model file not fully analysed: archive/data.pkl: unreadable member: corrupt compressed "
        "data: Error -3 while decompressing data: invalid block type."
    ]


LAMBDA_H5 = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Lambda", "config": {"name": "lam", "function_type": "lambda"}}]}}  # fmt: skip


@pytest.mark.parametrize("vlen", [True, False], ids=["vlen-global-heap", "fixed-inline"])
def test_h5_model_config_both_string_layouts(vlen: bool, tmp_path: Path) -> None:
    run(tmp_path, {"model.h5": mk.h5_keras(LAMBDA_H5, vlen=vlen)}, ["SAI304"])
    assert messages(tmp_path, "SAI304") == [
        "Keras model runs code on load: Lambda layer 'model/s/lam' carries Python code that runs "
        "on load."
    ]


def test_h5_with_a_broken_heap_reference_is_sai305(tmp_path: Path) -> None:
    blob = mk.h5_keras(LAMBDA_H5).replace(b"GCOL", b"XXXX")
    run(tmp_path, {"model.h5": blob}, ["SAI304", "SAI305"])
    assert messages(tmp_path, "SAI305") == [
        "model file not fully analysed: model_config attribute has an unsupported HDF5 layout."
    ]


def test_text_pickle_with_a_brace_at_offset_8_is_not_safetensors(tmp_path: Path) -> None:
    data = b"(dp0\nVab{\np1\nI1\ns."  # byte 8 is "{"
    assert data[8:9] == b"{"
    assert run(tmp_path, {"m.pkl": data}, ["SAI301", "SAI302", "SAI305"]) == set()


def test_legacy_tar_storages_records_are_walked(tmp_path: Path) -> None:
    evil_type = mk.glob("subprocess", "Popen")
    data = mk.legacy_tar(GOOD, storages=mk.legacy_storages(storage_type=evil_type))
    assert run(tmp_path / "a", {"m.pt": mk.legacy_tar(GOOD)}, ["SAI301", "SAI305"]) == set()
    assert run(tmp_path / "b", {"m.pt": data}, ["SAI301"]) == {("m.pt", "SAI301")}
    assert (
        "member storages imports dangerous callables: subprocess.Popen"
        in messages(tmp_path / "b", "SAI301")[0]
    )
