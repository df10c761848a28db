"""The static pickle walker and the global policy: every bypass of the spec notes (A6, A7)."""

from __future__ import annotations

import collections
import pickle
import struct
import sys
import tracemalloc
from pathlib import Path

import pytest

from sailint.collectors.pickle_policy import DANGEROUS, SAFE, UNKNOWN, classify
from sailint.collectors.pickles import scan_pickle, scan_pickle_bytes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import make_model_files as mk


def verdicts(data: bytes) -> dict[str, str]:
    return {i.qualified: i.verdict for i in scan_pickle_bytes(data).imports}


# ---- denylist gaps and alternative paths (spec A6), through GLOBAL and STACK_GLOBAL ---------

GADGETS = [
    ("pip", "main"),
    ("runpy", "_run_code"),
    ("pty", "spawn"),
    ("torch.hub", "load"),
    ("pkgutil", "resolve_name"),
    ("importlib", "import_module"),
    ("cProfile", "run"),
    ("profile", "Profile.runctx"),
    ("timeit", "timeit"),
    ("trace", "Trace.run"),
    ("code", "InteractiveInterpreter.runcode"),
    ("idlelib.pyshell", "ModifiedInterpreter.runcode"),
    ("idlelib.autocomplete", "AutoComplete.fetch_completions"),
    ("lib2to3.pgen2.grammar", "Grammar.loads"),
    ("doctest", "debug_script"),
    ("ensurepip", "_run_pip"),
    ("numpy.f2py.crackfortran", "getlincoef"),
    ("numpy.testing._private.utils", "runstring"),
    ("torch.utils.collect_env", "run"),
    ("torch.utils.bottleneck.__main__", "run_cprofile"),
    ("torch._dynamo.guards", "GuardBuilder.get"),
    ("torch.jit.unsupported_tensor_ops", "execWrapper"),
    ("torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression"),
    ("torch._inductor.codecache", "compile_file"),
    ("torch.utils._config_module", "ConfigModule.load_config"),
    ("torch.utils.data.datapipes.utils.decoder", "basichandlers"),
    ("functools", "partial"),
    ("torch", "load"),
    ("torch.serialization", "load"),
    ("torch.storage", "_load_from_bytes"),
    ("uuid", "_get_command_stdout"),
    ("_osx_support", "_read_output"),
    ("_aix_support", "_aix_bgt"),
    ("imaplib", "IMAP4_stream"),
    ("_pyrepl.pager", "pipe_pager"),
    ("test.support.script_helper", "assert_python_ok"),
    ("asyncio.unix_events", "_UnixSubprocessTransport._start"),
    ("distutils.file_util", "write_file"),
    ("_io", "FileIO"),
    ("io", "open"),
    ("logging", "FileHandler"),
    ("urllib.request", "urlopen"),
    ("ssl", "get_server_certificate"),
    ("ctypes", "CDLL"),
    ("types", "CodeType"),
    ("cloudpickle.cloudpickle", "_make_function"),
    ("operator", "methodcaller"),
    ("_operator", "attrgetter"),
    ("pydoc", "locate"),
    ("multiprocessing.util", "spawnv_passfds"),
    ("mlflow.projects.backend.local", "_run_entry_point"),
    ("pandas", "read_csv"),
    ("pandas.io.pickle", "read_pickle"),
    ("webbrowser", "open"),
    ("marshal", "loads"),
    ("numpy", "load"),
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("builtins", "compile"),
    ("builtins", "getattr"),
    ("builtins", "setattr"),
    ("builtins", "__import__"),
    ("builtins", "globals"),
    ("builtins", "vars"),
    ("builtins", "open"),
    ("builtins", "breakpoint"),
    ("__builtin__", "eval"),
    ("__builtin__", "apply"),
    ("builtins", "eval.__call__"),
    ("builtins", "dict.get"),
    ("pathlib", "os.system"),
    ("numpy", "__builtins__.eval"),
    ("numpy", "prod.os.system"),
    ("torch._utils", "_rebuild_tensor_v2.__globals__"),
    ("torch.multiprocessing", "spawn"),
    ("fickling", "hook.deactivate_safe_ml_environment"),
    ("picklescan.scanner", "scan_pickle_bytes"),
    ("sklearn.utils._testing", "assert_run_python_script"),
    ("keras.config", "enable_unsafe_deserialization"),
]


@pytest.mark.parametrize(("module", "name"), GADGETS, ids=[f"{m}.{n}" for m, n in GADGETS])
def test_known_bypass_gadgets_are_dangerous(module: str, name: str) -> None:
    for data in (mk.payload(module, name), mk.payload4(module, name)):
        scan = scan_pickle_bytes(data)
        assert scan.error is None
        assert [(i.qualified, i.verdict) for i in scan.imports] == [(f"{module}.{name}", DANGEROUS)]


SAFE_GLOBALS = [
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch", "FloatStorage"),
    ("torch", "bfloat16"),
    ("torch", "Size"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("__builtin__", "set"),
    ("copy_reg", "_reconstructor"),
    ("_codecs", "encode"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("sklearn.linear_model._logistic", "LogisticRegression"),
]


@pytest.mark.parametrize(("module", "name"), SAFE_GLOBALS)
def test_weights_only_globals_are_safe(module: str, name: str) -> None:
    assert classify(module, name).verdict == SAFE


def test_unlisted_globals_are_unknown_not_dangerous() -> None:
    assert classify("ranking.model", "GradientRanker").verdict == UNKNOWN
    assert classify("__main__", "TrainingArguments").verdict == UNKNOWN
    assert classify("transformers.training_args", "TrainingArguments").verdict == UNKNOWN


def test_user_allowlist_extends_safe_set() -> None:
    extra = frozenset({"ranking.model.GradientRanker"})
    assert classify("ranking.model", "GradientRanker", extra).verdict == SAFE


# ---- parser differentials -------------------------------------------------------------------


def test_memo_get_of_missing_key_is_unresolvable_and_dangerous() -> None:
    data = mk.proto(4) + mk.uni("os") + b"\x94" + b"h\x07" + b"\x93" + b"."
    scan = scan_pickle_bytes(data)
    assert [(i.qualified, i.verdict) for i in scan.imports] == [("?.?", DANGEROUS)]
    assert "not strings" in scan.imports[0].reason


def test_memo_mixing_put_and_memoize_resolves_names() -> None:
    # PUT 5 then MEMOIZE (which takes index len(memo) == 1), then GETs of both.
    data = mk.proto(4) + mk.uni("subprocess") + b"q\x05" + mk.uni("check_output") + b"\x94"
    data += b"0" + b"0" + b"h\x05" + b"h\x01" + b"\x93" + b"."
    assert verdicts(data) == {"subprocess.check_output": DANGEROUS}


def test_int_in_memo_used_as_operand_is_dangerous() -> None:
    data = mk.proto(4) + b"K\x07\x94" + mk.uni("system") + b"h\x00" + b"\x8c\x06system\x93."
    scan = scan_pickle_bytes(data)
    assert scan.imports[0].verdict == DANGEROUS and scan.imports[0].module == "?"


def test_stack_global_with_string_typed_operands() -> None:
    # GHSA-9gvj-pp9x-gcfr / malicious23: STRING and SHORT_BINSTRING instead of unicode.
    data = mk.proto(4) + b"S'os'\n" + b"U\x06system" + b"\x93" + b"(U\x02idtR."
    assert verdicts(data) == {"os.system": DANGEROUS}


def test_ext_opcodes_import_through_copyreg_registry() -> None:
    data = mk.proto(2) + b"\x82\x01" + b"(tR."
    scan = scan_pickle_bytes(data)
    assert [(i.qualified, i.verdict) for i in scan.imports] == [("?.ext1", DANGEROUS)]


def test_inst_and_obj_imports() -> None:
    inst = b"(S'id'\nios\nsystem\n."
    assert verdicts(inst) == {"os.system": DANGEROUS}
    # OBJ followed by POP hides the call result (fickling GHSA-mxhj-88fx-4pcv): still reported.
    obj = mk.proto(1) + b"(" + mk.glob("os", "system") + mk.binuni("id") + b"o0N."
    assert verdicts(obj) == {"os.system": DANGEROUS}


def test_frame_length_mismatch_is_an_anomaly() -> None:
    body = mk.uni("collections") + mk.uni("OrderedDict") + b"\x93)R."
    honest = mk.proto(4) + b"\x95" + struct.pack("<Q", len(body)) + body
    lying = mk.proto(4) + b"\x95" + struct.pack("<Q", 3) + body
    assert scan_pickle_bytes(honest).anomalies == []
    assert scan_pickle_bytes(lying).anomalies == [
        "an opcode crosses the end of a FRAME at offset 14"
    ]


def test_broken_tail_keeps_imports_seen_before_the_break() -> None:
    # nullifAI: the payload runs before the unpickler reaches the broken bytes.
    data = mk.proto(2) + mk.evil_call("os", "system", "id") + b"\xff\xfe garbage"
    scan = scan_pickle_bytes(data)
    assert verdicts(data) == {"os.system": DANGEROUS}
    assert scan.error == "invalid opcode 0xff (offset 23)"


def test_truncated_pickle_reports_imports_and_error() -> None:
    scan = scan_pickle_bytes(mk.payload()[:-6])
    assert [i.qualified for i in scan.imports] == ["os.system"]
    assert scan.error is not None and scan.error.startswith("truncated")


def test_stacked_pickles_are_all_walked() -> None:
    data = mk.proto(2) + b"K\x01." + mk.proto(2) + b"K\x02." + mk.payload("socket", "socket")
    scan = scan_pickle_bytes(data)
    assert scan.pickles == 3
    assert verdicts(data) == {"socket.socket": DANGEROUS}


def test_legacy_magic_produced_by_reduce_is_reported() -> None:
    # pytorch_magic_bypass.pt: the "magic number" pickle is itself a call.
    fake_magic = mk.proto(2) + mk.evil_call("builtins", "eval", "0x1950a86a20f9469cfc6c") + b"."
    data = fake_magic + mk.state_dict_pickle()
    assert verdicts(data)["builtins.eval"] == DANGEROUS


def test_legacy_torch_stops_after_five_pickles_before_raw_storages() -> None:
    scan = scan_pickle_bytes(mk.legacy_torch(mk.state_dict_pickle()))
    assert scan.pickles == 5 and scan.error is None
    assert {i.verdict for i in scan.imports} == {SAFE}


def test_trailing_non_pickle_data_after_a_complete_pickle_is_not_an_error() -> None:
    scan = scan_pickle_bytes(mk.proto(2) + b"N." + b"\x00\x01\x02 raw tensor bytes")
    assert scan.error is None and scan.pickles == 1


def test_not_a_pickle_at_all_is_an_error_never_silence() -> None:
    scan = scan_pickle_bytes(b"\x00\x00\x00 binary weights")
    assert scan.error == "invalid opcode 0x00 (offset 0)" and scan.pickles == 0


# ---- benign real-world structures -----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        mk.state_dict_pickle(layers=3),
        mk.sklearn_pickle(),
        mk.joblib_pickle(),
        mk.joblib_pickle(framed=True),
        mk.legacy_torch(mk.state_dict_pickle()),
    ],
    ids=["torch-state-dict", "sklearn-pickle", "joblib", "joblib-framed", "legacy-torch"],
)
def test_benign_checkpoints_import_only_safe_globals(data: bytes) -> None:
    scan = scan_pickle_bytes(data)
    assert scan.error is None, scan.error
    assert scan.anomalies == []
    assert scan.imports and all(i.verdict == SAFE for i in scan.imports)


@pytest.mark.parametrize("protocol", range(6))
def test_every_protocol_of_plain_data(protocol: int) -> None:
    value = [collections.OrderedDict(a=1), {1, 2}, frozenset({3}), b"x" * 70_000, "y" * 10]
    scan = scan_pickle_bytes(pickle.dumps(value, protocol=protocol))  # dumping, never loading
    assert scan.error is None and scan.pickles == 1
    assert {i.verdict for i in scan.imports} == {SAFE}


def test_joblib_array_bytes_are_skipped_and_payload_after_them_found() -> None:
    data = mk.joblib_pickle(inject=mk.binuni("hook") + mk.evil_call("os", "system"))
    assert verdicts(data)["os.system"] == DANGEROUS
    assert scan_pickle_bytes(data).error is None


def test_joblib_object_array_is_a_nested_pickle() -> None:
    wrapper_state = mk.joblib_pickle().replace(mk.binuni("f8"), mk.binuni("O8"))
    cut = wrapper_state.index(b"\x10u") + 3  # after the wrapper's SETITEMS + BUILD
    nested = mk.payload("posix", "system")
    data = wrapper_state[:cut] + nested + mk.binuni("solver") + mk.binuni("x") + b"ub."
    assert verdicts(data)["posix.system"] == DANGEROUS


def test_big_values_are_skipped_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.pkl"
    size = 64 << 20
    with open(path, "wb") as handle:
        handle.write(mk.proto(4) + b"\x8e" + struct.pack("<Q", size))
        chunk = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            handle.write(chunk)
        handle.write(b"0" + mk.stack_glob("os", "system") + b".")
    tracemalloc.start()
    with open(path, "rb") as handle:
        scan = scan_pickle(handle)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [i.qualified for i in scan.imports] == ["os.system"]
    assert peak < 8 << 20
