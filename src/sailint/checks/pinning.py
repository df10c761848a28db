"""SAI106 unpinned actions, SAI107 unpinned images, SAI505 containers that run as root."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sailint.collectors.dockerfiles import Dockerfile, Dockerfiles, Stage, expand
from sailint.collectors.workflows import GITLAB_RESERVED, Workflows, YamlFile, jobs
from sailint.collectors.yamlnodes import get, is_mapping, is_scalar, items, line, scalar, sequence
from sailint.context import RuleContext
from sailint.model import Finding

if TYPE_CHECKING:
    from yaml.nodes import Node

COMMIT = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
ROOT_USER = re.compile(r"^(root|0)(:.*)?$")


def _action_problem(uses: str) -> str | None:
    """Why a ``uses:`` value is not pinned (Scorecard's rules), or None when it is."""
    if uses.startswith(("./", ".\\")):
        return None
    if uses.startswith("docker://"):
        return None if DIGEST.search(uses) else "an image tag, not an `@sha256:` digest"
    if "${{" in uses:
        return None  # GitHub rejects expressions in `uses:`; nothing to pin here
    _name, at, ref = uses.partition("@")
    if not at or not ref:
        return "no ref at all (the default branch)"
    if COMMIT.match(ref):
        return None
    if re.fullmatch(r"[0-9a-f]{7,39}", ref):
        return f"an abbreviated commit `{ref}` (ambiguous; use all 40 hex digits)"
    if re.match(r"^v?\d", ref):
        return f"the tag `{ref}` (tags can be moved)"
    return f"the branch or tag `{ref}`"


def unpinned_action(ctx: RuleContext) -> Iterator[Finding]:
    """SAI106: ``uses:`` of steps, composite-action steps and reusable workflows."""
    for document in ctx.project.get(Workflows).of_kind("workflow", "action"):
        candidates: list[Node] = []
        for job in jobs(document):
            candidates += [n for n in [get(job.node, "uses")] if n is not None]
            candidates += [step.uses_node for step in job.steps if step.uses_node is not None]
        pinned = 0
        for node in candidates:
            uses = scalar(node)
            problem = _action_problem(uses.strip()) if uses else None
            pinned += problem is None
            if uses and problem:
                fix = (
                    "pin its digest (`docker://image@sha256:<digest>`)"
                    if uses.startswith("docker://")
                    else "pin a full commit SHA (`owner/repo@<40 hex>  # vX.Y.Z`)"
                )
                yield ctx.finding(
                    document.path,
                    line(node),
                    f"`{uses}` is pinned to {problem}: {fix}",
                    column=int(node.start_mark.column) + 1,
                )
        if candidates and pinned == len(candidates):
            ctx.evidence(
                document.path, line(candidates[0]), f"all {pinned} `uses:` pinned to commits"
            )


def _image_problem(image: str) -> str | None:
    """Why an image reference is not pinned, or None."""
    if image.lower() == "scratch" or DIGEST.search(image):
        return None
    if ":" not in image.rsplit("/", 1)[-1]:
        return "no tag or digest (`latest`)"
    return "a tag but no `@sha256:` digest"


def _stage_sources(dockerfile: Dockerfile, stages: list[Stage]) -> Iterator[tuple[int, str, str]]:
    """``(line, image, note)`` of every image a Dockerfile pulls (FROM and COPY --from)."""
    names = {s.name.lower() for s in stages if s.name}
    for stage in stages:
        if stage.parent is None:
            note = ""
            if stage.unresolved:
                args = ", ".join(sorted(stage.unresolved))
                note = f" (build argument {args} has no default)"
            yield stage.line, stage.image, note
        for instruction in stage.instructions:
            source = instruction.flags.get("from")
            if instruction.keyword in ("COPY", "ADD") and source:
                resolved = expand(source, stage.env)[0]
                if resolved.lower() not in names and not resolved.isdigit():
                    yield instruction.line, resolved, " (pulled by `COPY --from`)"


def _yaml_images(document: YamlFile) -> Iterator[tuple[Node, str]]:
    root = document.root
    holders: list[Node | None] = []
    if document.kind == "compose":
        for _, _, service in items(get(root, "services")):
            if get(service, "build") is None:  # with `build:` the image names the local build
                holders.append(get(service, "image"))
    elif document.kind == "workflow":
        for job in jobs(document):
            container = get(job.node, "container")
            holders.append(get(container, "image") if is_mapping(container) else container)
            for _, _, service in items(get(job.node, "services")):
                holders.append(get(service, "image") if is_mapping(service) else service)
    elif document.kind == "action":
        image = get(get(root, "runs"), "image")
        if (scalar(image) or "").startswith("docker://"):
            holders.append(image)
    elif document.kind == "gitlab":
        owners = [root, get(root, "default")]
        owners += [v for name, _, v in items(root) if name not in GITLAB_RESERVED]
        for owner in owners:
            image = get(owner, "image")
            holders.append(get(image, "name") if is_mapping(image) else image)
            for service in sequence(get(owner, "services")):
                holders.append(get(service, "name") if is_mapping(service) else service)
    for node in holders:
        text = scalar(node)
        if is_scalar(node) and text:
            yield node, text


def unpinned_image(ctx: RuleContext) -> Iterator[Finding]:
    """SAI107: Dockerfile FROM / COPY --from, compose, workflow, action and GitLab images."""
    for dockerfile in ctx.project.get(Dockerfiles).files:
        sources = list(_stage_sources(dockerfile, dockerfile.stages))
        if sources and not any(_image_problem(image) for _, image, _ in sources):
            ctx.evidence(dockerfile.path, sources[0][0], "every base image pinned by digest")
        for number, image, note in sources:
            problem = _image_problem(image)
            if problem and note.startswith(" (build argument"):
                yield ctx.finding(
                    dockerfile.path,
                    number,
                    f"image `{image}` is chosen at build time{note}, so no pinned image is "
                    "recorded: give the argument a default of the form `image:tag@sha256:<digest>`",
                )
            elif problem:
                yield ctx.finding(
                    dockerfile.path,
                    number,
                    f"image `{image}` has {problem}{note}: pin it as `image:tag@sha256:<digest>`",
                )
    for document in ctx.project.get(Workflows).files:
        for node, text in _yaml_images(document):
            image = expand(text.removeprefix("docker://"), {})[0]
            if "${{" in image:
                continue  # chosen at run time (matrix, inputs): nothing to check statically
            problem = _image_problem(image)
            if problem:
                yield ctx.finding(
                    document.path,
                    line(node),
                    f"image `{image}` has {problem}: pin it as `image:tag@sha256:<digest>`",
                    column=int(node.start_mark.column) + 1,
                )


def _effective_user(stage: Stage) -> tuple[str | None, int]:
    """The last USER of the stage or the stages it builds on, and its line (0 when none)."""
    current: Stage | None = stage
    while current is not None:
        users = [i for i in current.instructions if i.keyword == "USER"]
        if users:
            value, unknown = expand(users[-1].args.strip(), current.env)
            return (None if unknown else value), users[-1].line
        current = current.parent
    return "", 0


def container_runs_as_root(ctx: RuleContext) -> Iterator[Finding]:
    """SAI505: the final stage of a Dockerfile runs as root."""
    for dockerfile in ctx.project.get(Dockerfiles).files:
        if not dockerfile.stages:
            continue
        final = dockerfile.stages[-1]
        user, user_line = _effective_user(final)
        base = final
        while base.parent is not None:
            base = base.parent
        if user is None:
            continue  # set from a build argument we cannot resolve: assume the build sets it
        if not user and "nonroot" in base.image.lower():
            continue  # distroless / chainguard `:nonroot` images default to an unprivileged user
        if user and not ROOT_USER.match(user):
            ctx.evidence(dockerfile.path, user_line, f"final stage runs as `{user}`")
            continue
        where = user_line if user else final.line
        reason = "switches back to root" if user else "sets no USER"
        yield ctx.finding(
            dockerfile.path,
            where,
            f"the final stage (FROM `{final.image}`) {reason}, so the container runs as root: "
            "add a non-root user and `USER` it",
        )
