"""SAI119: a workflow publishes packages, images, models or releases without provenance."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sailint.collectors.shell import parse_shell
from sailint.collectors.workflows import Job, Step, Workflows, YamlFile, jobs, scalar_block
from sailint.collectors.yamlnodes import get, items, line, scalar
from sailint.context import RuleContext
from sailint.model import Finding

if TYPE_CHECKING:
    from yaml.nodes import Node

PUBLISH_ACTIONS = {
    "pypa/gh-action-pypi-publish": "publishes to PyPI",
    "softprops/action-gh-release": "creates a GitHub release",
    "ncipollo/release-action": "creates a GitHub release",
}
# Command words that publish: (program, subcommand words).
PUBLISH_COMMANDS = (
    ("twine", "upload"), ("uv", "publish"), ("poetry", "publish"), ("flit", "publish"),
    ("hatch", "publish"), ("pdm", "publish"), ("huggingface-cli", "upload"), ("hf", "upload"),
    ("docker", "push"), ("gh", "release create"),
)  # fmt: skip
PROVENANCE_ACTIONS = (
    "actions/attest-build-provenance",
    "actions/attest-sbom",
    "actions/attest",
    "slsa-framework/slsa-github-generator",
    "sigstore/gh-action-sigstore-python",
)
PROVENANCE_COMMANDS = (
    ("cosign", "sign"), ("cosign", "attest"), ("sigstore", "sign"), ("model_signing", "sign"),
    ("model-signing", "sign"), ("gh", "attestation"),
)  # fmt: skip


def _grants_id_token(node: Node | None) -> bool:
    permissions = get(node, "permissions")
    return scalar(get(permissions, "id-token")) == "write" or scalar(permissions) == "write-all"


def _matching(
    document: YamlFile, step: Step, table: tuple[tuple[str, str], ...]
) -> Iterator[tuple[int, str]]:
    """``(file line, "program sub")`` of the commands of a ``run:`` step listed in ``table``."""
    if step.run is None:
        return
    block = scalar_block(document, step.run)
    for command in parse_shell(block.text).commands:
        argv = command.argv
        if command.name.startswith("python") and argv[1:2] == ["-m"]:
            argv = argv[2:]  # python -m twine upload
        for program, sub in table:
            words = sub.split()
            if argv[:1] == [program] and argv[1 : 1 + len(words)] == words:
                number = block.lines[min(command.line, len(block.lines)) - 1]
                yield number, f"{program} {sub}"


def _publishes(document: YamlFile, step: Step) -> Iterator[tuple[int, str]]:
    if step.action in PUBLISH_ACTIONS and step.uses_node is not None:
        yield line(step.uses_node), PUBLISH_ACTIONS[step.action]
    pushes = (scalar(get(step.with_, "push")) or "").lower() == "true"
    if step.action == "docker/build-push-action" and step.uses_node is not None and pushes:
        yield line(step.uses_node), "pushes a container image"
    for number, command in _matching(document, step, PUBLISH_COMMANDS):
        yield number, f"runs `{command}`"


def _provenance(document: YamlFile, job: Job, id_token: bool) -> bool:
    for step in job.steps:
        if any(step.action.startswith(a) for a in PROVENANCE_ACTIONS):
            return True
        if step.action == "docker/build-push-action":
            with_ = {k: scalar(v) or "" for k, _, v in items(step.with_)}
            if (
                with_.get("attests")
                or with_.get("sbom") == "true"
                or "mode=max" in with_.get("provenance", "")
            ):
                return True
        trusted = id_token or _grants_id_token(job.node)
        if (
            step.action == "pypa/gh-action-pypi-publish"
            and trusted
            and not get(step.with_, "password")
        ):
            return True  # Trusted Publishing, which also uploads PEP 740 attestations
        if any(_matching(document, step, PROVENANCE_COMMANDS)):
            return True
        text = str(step.run.value) if step.run is not None else ""
        if trusted and re.search(r"\buv\s+publish\b", text) and "--token" not in text:
            return True  # uv publish uses Trusted Publishing when an OIDC token is available
    return False


def no_release_provenance(ctx: RuleContext) -> Iterator[Finding]:
    """SAI119: one finding per publishing workflow with no provenance or signature step."""
    for document in ctx.project.get(Workflows).of_kind("workflow"):
        id_token = _grants_id_token(document.root)
        published: list[tuple[int, str]] = []
        has_provenance = False
        for job in jobs(document):
            for step in job.steps:
                published.extend(_publishes(document, step))
            has_provenance = has_provenance or _provenance(document, job, id_token)
        if not published:
            continue
        number, what = min(published)
        if has_provenance:
            ctx.evidence(document.path, number, "publishing workflow produces provenance")
            continue
        yield ctx.finding(
            document.path,
            number,
            f"this workflow {what} but produces no provenance or signature: add "
            "`actions/attest-build-provenance` (or PyPI Trusted Publishing with `id-token: write`, "
            "or cosign / sigstore signing)",
        )
