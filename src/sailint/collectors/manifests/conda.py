"""Conda ``environment.y*ml`` (conda and pip sections) and ``conda-lock.yml`` readers."""

from __future__ import annotations

import re

import yaml

from sailint.collectors.manifests.base import Dependency, IndexOption, Manifest, Problem, normalise
from sailint.collectors.manifests.requirements import parse_requirement_line

# conda MatchSpec: name [op version [=build]]; "numpy=1.26.4=py311h..." or "numpy==1.26.4" are
# exact; "numpy=1.26" means 1.26.* and "python>=3.10" a range.
CONDA_SPEC = re.compile(
    r"^(?:(?P<channel>[\w.-]+)(?:/[\w.-]+)?::)?(?P<name>[A-Za-z0-9_.-]+)\s*"
    r"(?P<spec>(?:==|=|>=|<=|>|<|!=|~=)?\s*[^\s=]*)?(?:=(?P<build>\S+))?$"
)


def conda_pin(text: str, path: str, line: int) -> Dependency | None:
    """A Dependency from a conda match spec (``numpy=1.26.4``, ``conda-forge::pytorch>=2``)."""
    match = CONDA_SPEC.match(text.strip().replace(" ", ""))
    if not match:
        return None
    spec = (match.group("spec") or "").strip()
    version: str | None = None
    if spec.startswith("==") and "*" not in spec:
        version = spec[2:]
    elif spec.startswith("=") and not spec.startswith("=="):
        candidate = spec[1:]
        # "=1.26.4" (three components) or "=1.26=build" fixes one release; "=1.26" is a range.
        if "*" not in candidate and (match.group("build") or candidate.count(".") >= 2):
            version = candidate
    return Dependency(
        name=normalise(match.group("name")),
        path=path,
        line=line,
        spec=spec,
        version=version,
        pinned=version is not None,
        ecosystem="conda",
        raw=text.strip(),
    )


def _yaml_problem(path: str, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(error, "problem", None) or str(error)
    return Problem(path, line, f"YAML syntax error: {problem}")


def compose_resilient(path: str, text: str) -> tuple[yaml.Node | None, list[Problem]]:
    """Compose YAML; on a syntax error keep the longest prefix before it that still parses."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), []
    except yaml.YAMLError as error:
        problem = _yaml_problem(path, error)
    lines = text.splitlines()
    end = problem.line - 1
    for _ in range(5):
        if end <= 0:
            break
        try:
            node = yaml.compose("\n".join(lines[:end]), Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            end = min(end - 1, mark.line if mark is not None else end - 1)
            continue
        message = f"{problem.message} (read up to line {end}, the rest skipped)"
        return node, [Problem(path, problem.line, message)]
    return None, [Problem(path, problem.line, f"{problem.message} (file not analysed)", fatal=True)]


def read_environment(path: str, text: str) -> tuple[Manifest, list[Problem]]:
    """Conda environment file: ``dependencies`` strings and the nested ``pip:`` list."""
    manifest = Manifest(path, "conda-env")
    root, problems = compose_resilient(path, text)
    if not isinstance(root, yaml.MappingNode):
        return manifest, problems
    for key, value in root.value:
        if key.value != "dependencies" or not isinstance(value, yaml.SequenceNode):
            continue
        manifest.declaration_line = key.start_mark.line + 1
        for item in value.value:
            line = item.start_mark.line + 1
            if isinstance(item, yaml.ScalarNode):
                dependency = conda_pin(str(item.value), path, line)
                if dependency is None:
                    problems.append(
                        Problem(path, line, f"unreadable conda spec {item.value!r} (skipped)")
                    )
                else:
                    manifest.dependencies.append(dependency)
            elif isinstance(item, yaml.MappingNode):
                for sub_key, sub_value in item.value:
                    if sub_key.value == "pip" and isinstance(sub_value, yaml.SequenceNode):
                        _pip_section(manifest, problems, sub_value)
    return manifest, problems


def _pip_section(manifest: Manifest, problems: list[Problem], node: yaml.SequenceNode) -> None:
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode):
            continue
        line = item.start_mark.line + 1
        parsed = parse_requirement_line(str(item.value), manifest.path, line)
        if isinstance(parsed, Dependency):
            manifest.dependencies.append(parsed)
        elif isinstance(parsed, IndexOption):
            manifest.index_options.append(parsed)
        elif isinstance(parsed, Problem):
            problems.append(parsed)


def read_conda_lock(path: str, text: str) -> tuple[Manifest, list[Problem]]:
    """``conda-lock.yml``: ``package`` entries with name, version, manager and hashes."""
    manifest = Manifest(path, "conda-lock", is_lock=True)
    root, problems = compose_resilient(path, text)
    if not isinstance(root, yaml.MappingNode):
        return manifest, problems
    for key, value in root.value:
        if key.value != "package" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            fields = {k.value: v for k, v in item.value}
            name_node = fields.get("name")
            if not isinstance(name_node, yaml.ScalarNode):
                continue
            version_node = fields.get("version")
            version = str(version_node.value) if isinstance(version_node, yaml.ScalarNode) else None
            manager = fields.get("manager")
            ecosystem = (
                "pypi"
                if isinstance(manager, yaml.ScalarNode) and manager.value == "pip"
                else "conda"
            )
            hashes: list[str] = []
            hash_node = fields.get("hash")
            if isinstance(hash_node, yaml.MappingNode):
                hashes = [f"{k.value}:{v.value}" for k, v in hash_node.value]
            manifest.dependencies.append(
                Dependency(
                    name=normalise(str(name_node.value)),
                    path=path,
                    line=name_node.start_mark.line + 1,
                    spec=f"=={version}" if version else "",
                    version=version,
                    pinned=version is not None,
                    hashes=tuple(sorted(hashes)),
                    ecosystem=ecosystem,
                    raw=f"{name_node.value} {version or ''}".strip(),
                )
            )
    # conda-lock lists each package once per platform: keep the first line of each.
    seen: set[tuple[str, str | None, str]] = set()
    unique = []
    for dependency in manifest.dependencies:
        identity = (dependency.name, dependency.version, dependency.ecosystem)
        if identity not in seen:
            seen.add(identity)
            unique.append(dependency)
    manifest.dependencies = unique
    return manifest, problems
