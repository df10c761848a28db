"""GitHub workflow rules: SAI501 permissions, SAI502 triggers, SAI503 injection, SAI504 checkout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sailint.collectors.workflows import (
    Job,
    Step,
    Workflows,
    YamlFile,
    expressions,
    jobs,
    locate,
    scalar_block,
    triggers,
)
from sailint.collectors.yamlnodes import get, is_scalar, items, key_node, line, scalar
from sailint.context import RuleContext
from sailint.model import Finding

if TYPE_CHECKING:
    from yaml.nodes import Node, ScalarNode

# Contexts an outside contributor controls (GitHub's "untrusted input" list, as zizmor uses it).
_UNTRUSTED = [
    r"github\.head_ref",
    r"github\.event\.(issue|pull_request|discussion)\.(title|body)",
    r"github\.event\.pull_request\.head\.(ref|label|repo\.default_branch)",
    r"github\.event\.(comment|review|review_comment)\.body",
    r"github\.event\.pages\.\*\.page_name",
    r"github\.event\.commits\.\*\.(message|author\.(email|name))",
    r"github\.event\.head_commit\.(message|author\.(email|name))",
    r"github\.event\.workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name)))",
    r"github\.event\.workflow_run\.pull_requests\.\*\.head\.ref",
]
UNTRUSTED = re.compile(r"(?<![\w.])(" + "|".join(_UNTRUSTED) + r")(?![\w])")
PR_HEAD = re.compile(
    r"github\.event\.pull_request\.(head\.(sha|ref|repo\.full_name)|merge_commit_sha)|"
    r"github\.head_ref|"
    r"github\.event\.workflow_run\.head_(sha|branch)|refs/pull/|"
    r"github\.event\.workflow_run\.head_repository\.full_name"
)
GH_PR_CHECKOUT = re.compile(r"\bgh\s+pr\s+checkout\b")
GIT_FETCH = re.compile(r"\bgit\s+(fetch|checkout|pull|switch|reset|clone|worktree)\b")
DANGEROUS_TRIGGERS = ("pull_request_target", "workflow_run")


def _normalised(expression: str) -> str:
    return re.sub(r"\[[^\]]*\]", ".*", expression)


def _is_checkout(step: Step) -> bool:
    return step.action == "actions/checkout"


def _has_permissions(node: Node) -> bool:
    return get(node, "permissions") is not None


def _writes(permissions: Node) -> Iterator[tuple[Node, str]]:
    """``(node, description)`` of every write grant in a ``permissions:`` value."""
    if is_scalar(permissions) and permissions.value == "write-all":
        yield permissions, "`write-all`"
    for name, key, value in items(permissions):
        if scalar(value) == "write":
            yield key, f"`{name}: write`"


def excessive_workflow_permissions(ctx: RuleContext) -> Iterator[Finding]:
    """SAI501: no permissions anywhere, a job left on the defaults, or writes at the top level."""
    for document in ctx.project.get(Workflows).of_kind("workflow"):
        events = triggers(document)
        all_jobs = jobs(document)
        top = get(document.root, "permissions")
        if top is not None:
            if not any(_writes(top)):
                ctx.evidence(document.path, line(top), "read-only top-level token permissions")
            for node, grant in _writes(top):
                yield ctx.finding(
                    document.path,
                    line(node),
                    f"top-level permissions grant {grant} to every job: grant read at the top "
                    "and writes only in the jobs that need them",
                )
        elif set(events) != {"workflow_call"} and all_jobs:
            lacking = [job for job in all_jobs if not _has_permissions(job.node)]
            if len(lacking) == len(all_jobs):
                jobs_key = key_node(document.root, "jobs")
                yield ctx.finding(
                    document.path,
                    line(jobs_key) if jobs_key is not None else 1,
                    "no `permissions:` at the top level or in any job: every job gets the "
                    "repository's default GITHUB_TOKEN scopes; add `permissions: contents: read`",
                )
            else:
                for job in lacking:
                    yield ctx.finding(
                        document.path,
                        line(job.key),
                        f"job `{job.name}` has no `permissions:` and there is none at the top "
                        "level, so it runs with the default GITHUB_TOKEN scopes",
                    )
        for job in all_jobs:
            permissions = get(job.node, "permissions")
            if is_scalar(permissions) and permissions.value == "write-all":
                yield ctx.finding(
                    document.path,
                    line(permissions),
                    f"job `{job.name}` is granted `write-all`: list only the scopes it needs",
                )


def _head_references(document: YamlFile, job: Job) -> Iterator[tuple[int, str]]:
    for step in job.steps:
        if _is_checkout(step):
            for field in ("ref", "repository"):
                value = get(step.with_, field)
                text = scalar(value) or ""
                match = PR_HEAD.search(text)
                if value is not None and match:
                    yield line(value), f"checks out `{match.group(0)}`"
                    break
        if step.run is not None:
            block = scalar_block(document, step.run)
            for number, text in zip(block.lines, block.text.split("\n"), strict=False):
                # Only fetching or checking out the head runs it; `gh api .../statuses/<head sha>`
                # merely names it.
                head = PR_HEAD.search(text) if GIT_FETCH.search(text) else None
                shown = GH_PR_CHECKOUT.search(text) or head
                if shown:
                    yield number, f"runs the pull request head (`{shown.group(0).strip()}`)"


def dangerous_workflow_trigger(ctx: RuleContext) -> Iterator[Finding]:
    """SAI502: pull_request_target / workflow_run jobs that check out or run the PR head."""
    for document in ctx.project.get(Workflows).of_kind("workflow"):
        events = [e for e in triggers(document) if e in DANGEROUS_TRIGGERS]
        if not events:
            continue
        for job in jobs(document):
            for number, what in _head_references(document, job):
                yield ctx.finding(
                    document.path,
                    number,
                    f"job `{job.name}` of a `{events[0]}` workflow {what}: untrusted code runs "
                    "with a write token and the repository's secrets",
                )


def _script_nodes(job: Job) -> Iterator[tuple[Step, ScalarNode, str]]:
    for step in job.steps:
        if step.run is not None:
            yield step, step.run, "run:"
        if step.action == "actions/github-script":
            script = get(step.with_, "script")
            if is_scalar(script):
                yield step, script, "github-script"


def workflow_script_injection(ctx: RuleContext) -> Iterator[Finding]:
    """SAI503: attacker-controlled ``${{ }}`` expressions expanded into scripts."""
    for document in ctx.project.get(Workflows).of_kind("workflow", "action"):
        for job in jobs(document):
            for _, node, where in _script_nodes(job):
                cursor = 0
                for _, expression in expressions(str(node.value)):
                    match = UNTRUSTED.search(_normalised(expression))
                    if not match:
                        continue
                    # Search the file, not the value: folded and quoted scalars move lines.
                    number, column = locate(document, node, expression, cursor)
                    cursor = number
                    yield ctx.finding(
                        document.path,
                        number,
                        f"`${{{{ {expression} }}}}` is attacker-controlled and is pasted into "
                        f"the {where} script: pass it through `env:` and quote the variable",
                        column=column,
                    )


def checkout_persists_credentials(ctx: RuleContext) -> Iterator[Finding]:
    """SAI504: actions/checkout leaves the token in .git/config."""
    for document in ctx.project.get(Workflows).of_kind("workflow", "action"):
        for job in jobs(document):
            uploads = any(s.action == "actions/upload-artifact" for s in job.steps)
            for step in job.steps:
                if not _is_checkout(step) or step.uses_node is None:
                    continue
                persist = (scalar(get(step.with_, "persist-credentials")) or "").lower()
                if persist == "false":
                    continue
                extra = (
                    "; this job also uploads artifacts, which may include .git/config"
                    if uploads
                    else ""
                )
                yield ctx.finding(
                    document.path,
                    line(step.uses_node),
                    "`actions/checkout` keeps the GITHUB_TOKEN in .git/config for the rest of the "
                    f"job{extra}: set `persist-credentials: false`",
                )
