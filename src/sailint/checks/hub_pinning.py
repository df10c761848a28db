"""SAI108: model and dataset hub downloads without a 40-hex commit revision."""

from __future__ import annotations

from collections.abc import Iterator

from sailint.collectors.hubrefs import HubRef, HubReferences
from sailint.context import RuleContext
from sailint.model import Finding
from sailint.project import Project


def _unpinned_refs(project: Project) -> Iterator[HubRef]:
    """Hub references whose revision is missing or not a full commit id."""
    for ref in project.get(HubReferences).refs:
        if not ref.pinned and not ref.dynamic_revision:
            yield ref


def unpinned_model_revision(ctx: RuleContext) -> Iterator[Finding]:
    """SAI108 unpinned-model-revision."""
    for ref in _unpinned_refs(ctx.project):
        what = "dataset" if ref.kind == "dataset" else "model"
        if ref.revision is None:
            detail = "without a `revision`: it gets whatever the default branch holds at run time"
        else:
            detail = (
                f"at revision {ref.revision!r}, a branch or tag the repository owner can move; "
                "pin the 40-hex commit id"
            )
        yield ctx.finding(
            ref.location,
            message=f"{what} {ref.repo_id!r} is downloaded from the hub ({ref.via}) {detail}",
            properties={"repo_id": ref.repo_id, "kind": ref.kind},
        )
