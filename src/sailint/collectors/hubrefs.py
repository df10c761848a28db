"""Model and dataset hub references in Python code (minimal version; the lead keeps the fuller one)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from sailint.collectors.mlsignals import LOCAL_DATASET_BUILDERS
from sailint.collectors.pynames import attribute_name, calls
from sailint.collectors.python import PythonSources
from sailint.model import Location
from sailint.project import Project, View

HUB_FUNCTIONS = {"from_pretrained", "hf_hub_download", "snapshot_download", "load_dataset"}
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


@dataclass(frozen=True)
class HubRef:
    """A hub repository that code downloads, with the revision it asks for."""

    repo_id: str
    revision: str | None
    kind: str  # "model" | "dataset"
    location: Location


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


@dataclass
class HubReferences(View):
    """Every string-literal hub reference of ``from_pretrained`` and friends."""

    refs: list[HubRef] = field(default_factory=list)

    @classmethod
    def build(cls, project: Project) -> HubReferences:
        """See ``View.build``."""
        view = cls()
        for source in project.get(PythonSources).sources:
            for call in calls(source.tree):
                function = attribute_name(call)
                if function not in HUB_FUNCTIONS:
                    continue
                first = call.args[0] if call.args else _keyword(call, "repo_id")
                if first is None:
                    first = _keyword(call, "pretrained_model_name_or_path") or _keyword(
                        call, "path"
                    )
                repo_id = _literal(first)
                if repo_id is None or not HUB_ID.match(repo_id) or repo_id in project.files:
                    continue
                if any(p.startswith(repo_id.rstrip("/") + "/") for p in project.files):
                    continue  # a local directory of the project
                repo_type = _literal(_keyword(call, "repo_type"))
                kind = (
                    "dataset" if function == "load_dataset" or repo_type == "dataset" else "model"
                )
                if kind == "dataset" and repo_id in LOCAL_DATASET_BUILDERS:
                    continue
                view.refs.append(
                    HubRef(
                        repo_id,
                        _literal(_keyword(call, "revision")),
                        kind,
                        source.location(call),
                    )
                )
        return view
