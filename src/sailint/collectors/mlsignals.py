"""Signals that a repository trains, ships or serves models, uses datasets, or calls LLMs."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from sailint.collectors.pynames import attribute_name
from sailint.collectors.pyresolve import SourceFacts
from sailint.project import Project, View

MODEL_EXTENSIONS = (
    ".pt", ".pth", ".ckpt", ".safetensors", ".onnx", ".gguf", ".ggml", ".h5", ".hdf5", ".keras",
    ".tflite", ".pkl", ".pickle", ".joblib", ".dill", ".mlmodel", ".pb", ".msgpack",
)  # fmt: skip
MODEL_BIN_NAMES = re.compile(
    r"(pytorch_model|model|adapter_model|tf_model|flax_model)[\w.-]*\.bin$"
)
MODEL_DIRS = re.compile(r"(^|/)(models?|checkpoints?|weights|artifacts)/")
DATASET_EXTENSIONS = (
    ".csv", ".tsv", ".parquet", ".jsonl", ".ndjson", ".arrow", ".feather", ".avro", ".orc",
    ".tfrecord", ".tfrecords", ".xlsx",
)  # fmt: skip
TEST_DIRS = re.compile(r"(^|/)(tests?|testing|fixtures?|examples?)/")
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"

SAVE_FUNCTIONS = {
    "torch.save",
    "joblib.dump",
    "safetensors.torch.save_file",
    "safetensors.torch.save_model",
    "tensorflow.saved_model.save",
    "tensorflow.keras.models.save_model",
    "keras.models.save_model",
    "keras.saving.save_model",
    "skops.io.dump",
    "onnx.save",
    "onnx.save_model",
    "torch.onnx.export",
}
SAVE_METHODS = {"save_pretrained", "push_to_hub", "save_model", "log_model"}
# Too generic alone (files, images, sessions): a model only when the path names a model file.
GENERIC_SAVE_METHODS = {"save", "save_weights"}
TRAINER_CLASSES = re.compile(
    r"^(transformers\.(Trainer|Seq2SeqTrainer)|trl\.\w*Trainer|"
    r"(pytorch_)?lightning(\.pytorch)?\.Trainer|accelerate\.Accelerator)$"
)
ML_LIBRARIES = (
    "torch", "tensorflow", "keras", "sklearn", "transformers", "jax", "flax", "xgboost",
    "lightgbm", "catboost", "diffusers", "peft", "trl", "lightning", "pytorch_lightning",
)  # fmt: skip
TRAIN_FILE = re.compile(
    r"(^|/)(train|training|finetune|fine_tune|fine-tune|pretrain)[\w-]*\.(py|ipynb)$"
)
LLM_LIBRARIES = (
    "openai", "anthropic", "langchain", "langchain_core", "langchain_openai", "langchain_community",
    "llama_index", "litellm", "vllm", "cohere", "mistralai", "groq", "google.generativeai",
    "google.genai", "ollama", "replicate",
)  # fmt: skip
LOCAL_DATASET_BUILDERS = {"csv", "json", "parquet", "text", "arrow", "imagefolder", "audiofolder"}


@dataclass(frozen=True)
class Signal:
    """Why the repository looks like it does something, and where."""

    path: str
    line: int
    reason: str


def is_model_artifact(path: str) -> bool:
    """True for files that hold model weights, judged by name (magic bytes come later)."""
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    if name.endswith(MODEL_EXTENSIONS):
        return not (name.endswith(".pb") and "saved_model" not in name)
    return name.endswith(".bin") and bool(MODEL_BIN_NAMES.search(name) or MODEL_DIRS.search(lower))


def is_dataset_file(path: str) -> bool:
    """True for files that look like dataset files by extension."""
    return path.lower().endswith(DATASET_EXTENSIONS)


@dataclass
class MlSignals(View):
    """Evidence that the project produces/serves models, holds datasets, or calls LLMs."""

    model_artifacts: list[str] = field(default_factory=list)
    model_code: list[Signal] = field(default_factory=list)
    llm_code: list[Signal] = field(default_factory=list)
    dataset_files: list[str] = field(default_factory=list)
    local_dataset_loads: list[Signal] = field(default_factory=list)

    @property
    def model_signals(self) -> list[Signal]:
        """Artifacts first (the strongest signal), then training/saving code."""
        return [Signal(p, 1, f"model artifact {p}") for p in self.model_artifacts] + self.model_code

    @property
    def shipped_model_signals(self) -> list[Signal]:
        """Model signals outside tests, fixtures and examples.

        A library whose tests save a tiny model, or whose examples fine-tune one, ships no model.
        """
        return [s for s in self.model_signals if not TEST_DIRS.search(s.path)]

    @classmethod
    def build(cls, project: Project) -> MlSignals:
        """See ``View.build``."""
        signals = cls()
        signals.model_artifacts = [p for p in project.files if is_model_artifact(p)]
        signals.dataset_files = [
            p for p in project.files if is_dataset_file(p) and not TEST_DIRS.search(p)
        ]
        from sailint.collectors.pyunits import PythonUnits

        for unit in project.get(PythonUnits).summaries:
            signals.llm_code.extend(unit.ml.llm_code)
            signals.model_code.extend(unit.ml.model_code)
            signals.local_dataset_loads.extend(unit.ml.local_dataset_loads)
        return signals


@dataclass(frozen=True)
class UnitSignals:
    """What one Python unit says about the project: it trains, saves, or calls LLMs."""

    model_code: tuple[Signal, ...] = ()
    llm_code: tuple[Signal, ...] = ()
    local_dataset_loads: tuple[Signal, ...] = ()


def unit_signals(facts: SourceFacts) -> UnitSignals:
    """The ML signals of one unit, from the facts its Python rules share."""
    source, imports = facts.source, facts.imports
    llm_code: list[Signal] = []
    for lib in LLM_LIBRARIES:
        if imports.imports(lib):
            line = _import_line(facts.import_nodes, lib)
            llm_code.append(Signal(source.path, source.location(line).line, f"imports {lib}"))
            break
    first_model_signal = None
    local_loads: list[Signal] = []
    for site in facts.calls:
        call, name, method = site.node, site.name, site.method
        if name in SAVE_FUNCTIONS or TRAINER_CLASSES.match(name):
            first_model_signal = first_model_signal or (call, f"calls {name}")
        elif method in SAVE_METHODS and isinstance(call.func, ast.Attribute):
            first_model_signal = first_model_signal or (call, f"calls .{method}()")
        elif method in GENERIC_SAVE_METHODS and (target := _model_file_argument(call)):
            first_model_signal = first_model_signal or (call, f"saves {target}")
        if method in ("load_dataset", "load_from_disk") and _loads_local(call):
            local_loads.append(
                Signal(source.path, source.location(call).line, "loads a local dataset")
            )
    model_code: list[Signal] = []
    if first_model_signal is not None:
        call, reason = first_model_signal
        model_code.append(Signal(source.path, source.location(call).line, reason))
    elif facts.imports_any(*ML_LIBRARIES) and TRAIN_FILE.search(source.path):
        model_code.append(Signal(source.path, 1, "training script"))
    return UnitSignals(tuple(model_code), tuple(llm_code), tuple(local_loads))


def _model_file_argument(call: ast.Call) -> str | None:
    """The model file a generic ``.save(...)`` writes, when a literal path names one."""
    for argument in [*call.args[:1], *(k.value for k in call.keywords if k.arg == "filepath")]:
        if (
            isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
            and is_model_artifact(argument.value)
        ):
            return argument.value
    return None


def _import_line(nodes: list[ast.Import | ast.ImportFrom], module: str) -> int:
    for node in nodes:
        if isinstance(node, ast.Import) and any(
            a.name == module or a.name.startswith(module + ".") for a in node.names
        ):
            return node.lineno
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and (node.module == module or node.module.startswith(module + "."))
        ):
            return node.lineno
    return 1


def _loads_local(call: ast.Call) -> bool:
    """``load_dataset("csv", data_files=...)``, ``load_dataset("./data")``, ``load_from_disk(...)``."""
    if attribute_name(call) == "load_from_disk":
        return True
    if not call.args or not isinstance(call.args[0], ast.Constant):
        return any(k.arg == "data_files" or k.arg == "data_dir" for k in call.keywords)
    value = call.args[0].value
    if not isinstance(value, str):
        return False
    return (
        value in LOCAL_DATASET_BUILDERS
        or value.startswith((".", "/", "~"))
        or any(k.arg in ("data_files", "data_dir") for k in call.keywords)
    )


def is_lfs_pointer(project: Project, path: str) -> bool:
    """True if the file is a Git LFS pointer (content not checked out)."""
    head = project.read_head(path, len(LFS_POINTER))
    return head == LFS_POINTER
