"""``trust_remote_code: true`` in YAML / JSON training, evaluation and serving configs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sailint.collectors.cliflags import (
    TRUST_KEYS,
    key_values,
    kv_revision,
    kv_trust,
    truth,
)
from sailint.collectors.hubrefs import config_files
from sailint.collectors.jsonpos import (
    LineIndex,
    PosDict,
    PosStr,
    json_problem,
    key_offset,
    loads_with_positions,
)
from sailint.collectors.pyresolve import is_commit_sha
from sailint.collectors.yamlnodes import (
    ComposedYaml,
    YamlError,
    is_mapping,
    is_scalar,
    is_sequence,
    line,
)
from sailint.project import Project, View

if TYPE_CHECKING:
    from yaml.nodes import Node

# transformers / axolotl / LLaMA-Factory spell the key with underscores, vLLM's --config YAML
# with dashes (its keys are the long option names): TRUST_KEYS holds both.
REVISION_KEYS = ("code_revision", "code-revision", "revision", "model_revision", "model-revision")


@dataclass(frozen=True)
class RemoteCodeSetting:
    """Where a config turns remote code on, how, and the commit it pins (if any)."""

    path: str
    line: int
    spelled: str
    revision: str | None


def _pinned(values: dict[str, Any]) -> str | None:
    for key in REVISION_KEYS:
        value = values.get(key)
        if is_commit_sha(value):
            return value
    return None


def _in_string(path: str, value: str, number: int) -> RemoteCodeSetting | None:
    """``model_args: pretrained=org/m,trust_remote_code=True`` (lm-eval and the like)."""
    pairs = key_values(value.strip())
    spelled = kv_trust(pairs) if pairs is not None else None
    if pairs is None or spelled is None:
        return None
    return RemoteCodeSetting(path, number, spelled, kv_revision(pairs))


def yaml_settings(path: str, roots: list[Node]) -> Iterator[RemoteCodeSetting]:
    """Every mapping key that enables remote code, and key=value strings that do."""
    stack: list[Node] = list(roots)
    while stack:
        node = stack.pop()
        if is_sequence(node):
            stack.extend(node.value)
        elif is_scalar(node):
            if node.tag.endswith(":str") and "=" in str(node.value):
                setting = _in_string(path, str(node.value), line(node))
                if setting is not None:
                    yield setting
        elif is_mapping(node):
            scalars = {str(k.value): v for k, v in node.value if is_scalar(k)}
            values = {k: str(v.value) for k, v in scalars.items() if is_scalar(v)}
            for key_node, value in node.value:
                name = key_node.value if is_scalar(key_node) else None
                if name in TRUST_KEYS and is_scalar(value):
                    if truth(str(value.value)) is True:
                        spelled = f"{name}: {value.value}"
                        yield RemoteCodeSetting(path, line(key_node), spelled, _pinned(values))
                    continue
                stack.append(value)


def json_settings(path: str, text: str, data: Any) -> Iterator[RemoteCodeSetting]:
    """The JSON counterpart of ``yaml_settings`` (objects carry their extent)."""
    index = LineIndex(text)
    stack = [data]
    while stack:
        current = stack.pop()
        if isinstance(current, PosDict):
            for key in TRUST_KEYS:
                value = current.get(key)
                enabled = (
                    value is True or value == 1 or (isinstance(value, str) and truth(value) is True)
                )
                offset = key_offset(text, current, key) if enabled else None
                if offset is not None:
                    spelled = f'"{key}": {json.dumps(value)}'
                    yield RemoteCodeSetting(
                        path, index.position(offset)[0], spelled, _pinned(current)
                    )
            stack.extend(v for k, v in current.items() if k not in TRUST_KEYS)
        elif isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, PosStr) and "=" in current:
            setting = _in_string(path, str(current), index.position(current.pos)[0])
            if setting is not None:
                yield setting


class RemoteCodeConfigs(View):
    """Every config setting that makes a loader run code from the model repository."""

    def __init__(self, settings: list[RemoteCodeSetting]) -> None:
        """Hold the settings."""
        self.settings = settings

    @classmethod
    def build(cls, project: Project) -> RemoteCodeConfigs:
        """See ``View.build``; broken YAML / JSON is a reported skip naming the line."""
        settings: list[RemoteCodeSetting] = []
        for path, text in config_files(project, TRUST_KEYS):
            if path.endswith(".json"):
                try:
                    data = loads_with_positions(text, objects=True)
                except (ValueError, RecursionError) as error:
                    project.skip(path, f"{json_problem(error)}; not analysed for trust_remote_code")
                    continue
                settings.extend(json_settings(path, text, data))
                continue
            try:
                roots = project.get(ComposedYaml).documents(path, text)
            except YamlError as error:
                project.skip(path, f"{error}; not analysed for trust_remote_code")
                continue
            settings.extend(yaml_settings(path, roots))
        settings.sort(key=lambda s: (s.path, s.line))
        return cls(settings)
