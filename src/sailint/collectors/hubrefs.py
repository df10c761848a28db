"""Model and dataset hub downloads found in Python code, notebooks and training configs."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sailint.collectors.jsonpos import LineIndex, PosStr, loads_with_positions
from sailint.collectors.pyresolve import MISSING, UNKNOWN, CallSite, SourceFacts, is_commit_sha
from sailint.collectors.yamlnodes import ComposedYaml, YamlError, is_mapping, is_scalar, is_sequence
from sailint.model import Location
from sailint.project import Project, View

if TYPE_CHECKING:
    from yaml.nodes import Node

HF_LIBRARIES = (
    "transformers", "diffusers", "sentence_transformers", "peft", "huggingface_hub", "datasets",
    "optimum", "trl", "setfit", "timm", "open_clip", "unsloth", "accelerate", "vllm", "gliner",
    "span_marker", "auto_gptq", "awq", "flair", "spacy_huggingface_hub",
)  # fmt: skip
# Dataset builders that read local files: load_dataset("csv", data_files=...) is not a download.
LOCAL_BUILDERS = {
    "csv", "json", "parquet", "text", "arrow", "imagefolder", "audiofolder", "pandas", "sql",
    "webdataset", "videofolder", "generator",
}  # fmt: skip
# Directory names that training code writes to and reads back; never hub repositories.
LOCAL_NAMES = re.compile(
    r"^(outputs?|checkpoints?|ckpts?|models?|saved_models?|results?|runs|tmp|weights|artifacts|"
    r"data|datasets?|cache|exports?|final|best|merged|finetuned|fine_tuned|logs|local|"
    r"checkpoint-\d+)$",
    re.IGNORECASE,
)
FILE_SUFFIX = re.compile(
    r"\.(pt|pth|bin|safetensors|json|ckpt|h5|keras|onnx|pkl|joblib|txt|csv|tsv|parquet|jsonl|"
    r"yaml|yml|gguf|msgpack|zip|tar|gz|model|npz|npy|arrow)$",
    re.IGNORECASE,
)
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
TORCH_HUB_REPO = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)(?::(?P<ref>[\w./-]+))?$")
CONFIG_MODEL_KEYS = (
    "model_name_or_path", "pretrained_model_name_or_path", "base_model", "base_model_name_or_path",
    "tokenizer_name", "tokenizer_name_or_path", "model_id", "teacher_model_name_or_path",
)  # fmt: skip
CONFIG_DATASET_KEYS = ("dataset_name", "dataset_id")
MODEL_REVISION_KEYS = ("revision", "model_revision", "revision_of_model", "base_model_revision")
DATASET_REVISION_KEYS = ("dataset_revision", "dataset_config_revision")
CONFIG_PATTERNS = ("*.yaml", "*.yml", "*.json")
CONFIG_SIZE_LIMIT = 512 * 1024


@dataclass(frozen=True)
class HubRef:
    """One download from a model or dataset hub, with the revision it pins (if any)."""

    repo_id: str
    revision: str | None
    kind: str  # "model" | "dataset"
    location: Location
    via: str = ""  # what downloads it: "AutoModel.from_pretrained", "config key base_model"
    dynamic_revision: bool = False  # a revision is passed but cannot be resolved statically

    @property
    def pinned(self) -> bool:
        """True when the revision is an immutable 40-hex commit id."""
        return is_commit_sha(self.revision)


class LocalPaths(View):
    """Every file and directory path of the project, for telling local models from hub IDs."""

    def __init__(self, paths: set[str]) -> None:
        """Hold the paths."""
        self.paths = paths

    @classmethod
    def build(cls, project: Project) -> LocalPaths:
        """See ``View.build``."""
        paths: set[str] = set()
        for path in project.files:
            paths.add(path)
            parts = path.split("/")
            for end in range(1, len(parts)):
                paths.add("/".join(parts[:end]))
        return cls(paths)


def is_hub_id(value: str, project: Project) -> bool:
    """True if ``value`` names a hub repository rather than a local file or directory."""
    if not value or value.startswith((".", "/", "~", "\\")) or ":" in value:
        return False
    if not HUB_ID.match(value) or FILE_SUFFIX.search(value):
        return False
    if LOCAL_NAMES.match(value.split("/", 1)[0]) and ("/" in value or LOCAL_NAMES.match(value)):
        return False
    # A directory committed in the repository (``models/bert`` or ``bert-base``) is local.
    return value.rstrip("/") not in project.get(LocalPaths).paths


def _repo_argument(facts: SourceFacts, site: CallSite) -> tuple[ast.expr | None, str] | None:
    """Which argument names the repository, and the kind of download, for hub calls."""
    name, method = site.name, site.method
    call = site.node
    if method == "from_pretrained" and facts.imports_any(*HF_LIBRARIES):
        if name.endswith(("PeftModel.from_pretrained",)) or re.search(
            r"PeftModelFor\w+\.from_pretrained$", name
        ):
            return facts.argument(call, "model_id", 1, site.scope), "model"
        return facts.argument(call, "pretrained_model_name_or_path", 0, site.scope), "model"
    if (name == "transformers.pipeline" or method == "pipeline") and facts.imports_any(
        "transformers"
    ):
        return facts.argument(call, "model", 1, site.scope), "model"
    if method in ("hf_hub_download", "snapshot_download") and facts.imports_any(*HF_LIBRARIES):
        repo_type = facts.kwarg(site, "repo_type")
        kind = "dataset" if repo_type == "dataset" else "model"
        return facts.argument(call, "repo_id", 0, site.scope), kind
    if name in ("datasets.load_dataset", "datasets.load_dataset_builder") or (
        method == "load_dataset" and facts.imports_any("datasets")
    ):
        return facts.argument(call, "path", 0, site.scope), "dataset"
    if name.startswith(("sentence_transformers.", "vllm.")) and name.rsplit(".", 1)[-1] in (
        "SentenceTransformer",
        "CrossEncoder",
        "LLM",
    ):
        key = "model" if name.startswith("vllm.") else "model_name_or_path"
        return facts.argument(call, key, 0, site.scope), "model"
    return None


def code_refs(facts: SourceFacts, project: Project) -> Iterator[HubRef]:
    """Hub downloads in one Python unit's code."""
    source = facts.source
    for site in facts.calls:
        name = site.name
        if name in ("timm.create_model", "open_clip.create_model") or name.startswith(
            "open_clip.create_model_and"
        ):
            model_name = facts.string(
                facts.argument(site.node, "model_name", 0, site.scope), site.scope
            )
            if model_name and model_name.startswith(("hf-hub:", "hf_hub:")):
                hub_id, _, pinned = model_name.split(":", 1)[1].partition("@")
                yield HubRef(hub_id, pinned or None, "model", source.location(site.node), name)
            continue
        if name == "torch.hub.load":
            if facts.kwarg(site, "source") != "local":
                repo_or_dir = facts.string(
                    facts.argument(site.node, "repo_or_dir", 0, site.scope), site.scope
                )
                match = TORCH_HUB_REPO.match(repo_or_dir or "")
                if match:
                    yield HubRef(
                        match["repo"], match["ref"], "model", source.location(site.node), name
                    )
            continue
        found = _repo_argument(facts, site)
        if found is None:
            continue
        node, kind = found
        repo = facts.string(node, site.scope)
        if repo is None or not is_hub_id(repo, project):
            continue
        if kind == "dataset" and repo.lower() in LOCAL_BUILDERS:
            continue
        revision = facts.kwarg(site, "revision")
        if revision is MISSING:
            revision = facts.kwarg(site, "commit_id")
        dynamic = revision is UNKNOWN or (revision is not MISSING and revision is not None)
        dynamic = dynamic and not isinstance(revision, str)
        yield HubRef(
            repo,
            revision if isinstance(revision, str) else None,
            kind,
            source.location(site.node),
            name or site.method,
            dynamic,
        )


def _config_mappings(node: Node) -> Iterator[dict[str, Node]]:
    """Every YAML mapping of the document as a key -> value-node dict."""
    stack = [node]
    while stack:
        current = stack.pop()
        if is_mapping(current):
            pairs = {}
            for key, value in current.value:
                if is_scalar(key):
                    pairs[str(key.value)] = value
                stack.append(value)
            yield pairs
        elif is_sequence(current):
            stack.extend(current.value)


def _from_mapping(
    path: str, pairs: dict[str, Any], line_of: Any, project: Project
) -> Iterator[HubRef]:
    has_model = any(key in pairs for key in CONFIG_MODEL_KEYS)
    for keys, revision_keys, kind in (
        (CONFIG_MODEL_KEYS, MODEL_REVISION_KEYS, "model"),
        (
            CONFIG_DATASET_KEYS,
            DATASET_REVISION_KEYS + (() if has_model else ("revision",)),
            "dataset",
        ),
    ):
        for key in keys:
            value = line_of(pairs.get(key))
            if value is None or not is_hub_id(value[0], project):
                continue
            if kind == "dataset" and value[0].lower() in LOCAL_BUILDERS:
                continue
            revision = next(
                (line_of(pairs[k])[0] for k in revision_keys if line_of(pairs.get(k))), None
            )
            yield HubRef(
                value[0], revision, kind, Location(path, value[1], value[2]), f"config key {key}"
            )


def _yaml_refs(path: str, text: str, project: Project) -> Iterator[HubRef]:
    def scalar(node: Any) -> tuple[str, int, int] | None:
        if is_scalar(node) and node.value not in ("", None):
            return str(node.value), node.start_mark.line + 1, node.start_mark.column + 1
        return None

    # Composed once for every config reader, by libyaml, with alias expansion bounded: a
    # billion-laughs config is a reported skip, not an endless walk of shared nodes.
    try:
        documents = project.get(ComposedYaml).documents(path, text)
    except YamlError as error:
        project.skip(path, f"{error}; not analysed for hub references")
        return
    for document in documents:
        for pairs in _config_mappings(document):
            yield from _from_mapping(path, pairs, scalar, project)


def _json_refs(path: str, text: str, project: Project) -> Iterator[HubRef]:
    try:
        data = loads_with_positions(text)
    except (json.JSONDecodeError, RecursionError) as error:
        where = f" at line {error.lineno}" if isinstance(error, json.JSONDecodeError) else ""
        project.skip(path, f"invalid JSON{where}; not analysed for hub references")
        return
    index = LineIndex(text)

    def scalar(node: Any) -> tuple[str, int, int] | None:
        if isinstance(node, PosStr) and node:
            line, column = index.position(node.pos)
            return str(node), line, column
        return None

    stack: list[Any] = [data]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield from _from_mapping(path, current, scalar, project)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def config_files(project: Project, needles: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of YAML / JSON configs (training, serving, eval) mentioning a needle.

    Shared by every rule that reads such configs, so they agree on which files are configs.
    """
    for path in project.paths(*CONFIG_PATTERNS):
        entry = project.files[path]
        if entry.size > CONFIG_SIZE_LIMIT or path.endswith(".ipynb"):
            continue
        text = project.text(path)
        if text is not None and any(needle in text for needle in needles):
            yield path, text


def config_refs(project: Project) -> Iterator[HubRef]:
    """Hub references in YAML / JSON training configs (``model_name_or_path`` + ``revision``)."""
    for path, text in config_files(project, CONFIG_MODEL_KEYS + CONFIG_DATASET_KEYS):
        reader = _json_refs if path.endswith(".json") else _yaml_refs
        yield from reader(path, text, project)


@dataclass
class HubReferences(View):
    """Every model / dataset hub download the project makes, from code and configs."""

    refs: list[HubRef]

    @classmethod
    def build(cls, project: Project) -> HubReferences:
        """See ``View.build``."""
        from sailint.collectors.pyunits import PythonUnits

        refs = [ref for unit in project.get(PythonUnits).summaries for ref in unit.hub_refs]
        refs.extend(config_refs(project))
        return cls(sorted(refs, key=lambda ref: (ref.location.sort_key, ref.repo_id)))
