"""The ``Dependencies`` view: every manifest and lockfile of the project, with dependency lines."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sailint.collectors.manifests.base import Dependency, Manifest, Problem
from sailint.project import Project, View

# The format readers (and ``packaging``, pip-requirements-parser, PyYAML behind them) are
# imported when a file of their format is present: a pre-commit run on a few Python files
# reads no manifest and should not pay for their imports.

__all__ = ["Dependencies", "Dependency", "Manifest", "Problem"]

# pip requirements syntax: requirements*.txt/.in, constraints*.txt, requirements/*.txt, and the
# requirements-format locks of rye and pip-tools users (requirements.lock, requirements-dev.lock)
REQUIREMENTS_NAME = re.compile(
    r"(^|/)([\w.-]*requirements[\w.-]*\.(txt|in|lock)|constraints[\w.-]*\.txt|"
    r"requirements/[\w.-]+\.(txt|in))$",
    re.I,
)
LOCK_FORMATS = {
    "uv.lock": "uv.lock",
    "poetry.lock": "poetry.lock",
    "pdm.lock": "pdm.lock",
}
PYLOCK = re.compile(r"^pylock(\.[\w-]+)?\.toml$")
ENVIRONMENT = re.compile(r"^environment[\w.-]*\.ya?ml$")
CONDA_LOCK = re.compile(r"^([\w.-]+\.)?conda-lock\.ya?ml$")
Reader = Callable[[str, str], tuple[Manifest, list[Problem]]]


def _reader_for(name: str) -> tuple[str, Reader] | None:
    """The format and reader of a manifest file name (requirements files are handled apart)."""
    if name in ("pyproject.toml", "Pipfile"):
        from sailint.collectors.manifests import pyproject

        if name == "Pipfile":
            return "pipfile", pyproject.read_pipfile
        return "pyproject", pyproject.read_pyproject
    if name in ("setup.cfg", "setup.py"):
        from sailint.collectors.manifests import setuptools

        if name == "setup.py":
            return "setup.py", setuptools.read_setup_py
        return "setup.cfg", setuptools.read_setup_cfg
    if name == "Pipfile.lock" or name in LOCK_FORMATS or PYLOCK.match(name):
        from sailint.collectors.manifests import locks

        if name == "Pipfile.lock":
            return "pipfile.lock", locks.read_pipfile_lock
        fmt = LOCK_FORMATS.get(name, "pylock")
        return fmt, lambda path, text: locks.read_toml_lock(path, text, fmt)
    if CONDA_LOCK.match(name) or ENVIRONMENT.match(name):
        from sailint.collectors.manifests import conda

        if CONDA_LOCK.match(name):
            return "conda-lock", conda.read_conda_lock
        return "conda-env", conda.read_environment
    return None


@dataclass
class Dependencies(View):
    """Manifests, lockfiles and requirements files, each dependency with its line."""

    manifests: list[Manifest] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def build(cls, project: Project) -> Dependencies:
        """See ``View.build``."""
        view = cls()
        for path in sorted(project.files):
            name = path.rsplit("/", 1)[-1]
            if REQUIREMENTS_NAME.search(path) and name.lower() != "manifest.in":
                continue  # read below, with their includes
            found = _reader_for(name)
            if found is None:
                continue
            text = project.text(path)
            if text is None:
                continue
            manifest, problems = found[1](path, text)
            view._add(project, manifest, problems)
        view._read_requirements(project)
        view.manifests.sort(key=lambda m: m.path)
        return view

    def _add(self, project: Project, manifest: Manifest, problems: list[Problem]) -> None:
        self.manifests.append(manifest)
        for problem in problems:
            self.problems.append(problem)
            project.notify("warning", problem.message, problem.path, problem.line)
            if problem.fatal:
                project.skip(problem.path, f"line {problem.line}: {problem.message}")

    def _read_requirements(self, project: Project) -> None:
        """Requirements files by name, then every ``-r``/``-c`` target, cycles reported."""
        queue = [p for p in sorted(project.files) if REQUIREMENTS_NAME.search(p)]
        queue = [p for p in queue if p.rsplit("/", 1)[-1].lower() != "manifest.in"]
        if not queue:
            return
        from sailint.collectors.manifests.requirements import read_requirements, resolve_include

        read: dict[str, Manifest] = {}
        constraints: set[str] = set()
        while queue:
            path = queue.pop(0)
            if path in read or project.text(path) is None:
                continue
            manifest, problems = read_requirements(path, project.files[path].abspath)
            read[path] = manifest
            self._add(project, manifest, problems)
            for flag, line, target in manifest.includes:
                resolved = resolve_include(path, target)
                if resolved not in project.files:
                    reason = "not in the project" if resolved else "outside the project or remote"
                    project.notify(
                        "warning", f"{flag} {target}: {reason}, not followed", path, line
                    )
                    continue
                if flag == "-c":
                    constraints.add(resolved)
                if resolved not in read:
                    queue.append(resolved)
        for path in constraints:
            read[path].is_constraints = True
        self._report_cycles(project, read)

    def _report_cycles(self, project: Project, read: dict[str, Manifest]) -> None:
        from sailint.collectors.manifests.requirements import resolve_include

        edges = {
            path: [(resolve_include(path, t), line) for _, line, t in m.includes]
            for path, m in read.items()
        }
        reported: set[frozenset[str]] = set()
        for start in sorted(edges):
            stack: list[tuple[str, list[str]]] = [(start, [start])]
            while stack:
                node, trail = stack.pop()
                for target, line in edges.get(node, []):
                    if target == start:
                        key = frozenset(trail)
                        if key not in reported:
                            reported.add(key)
                            chain = " -> ".join([*trail, start])
                            project.notify(
                                "warning", f"requirements include cycle: {chain}", node, line
                            )
                    elif target not in trail and target in edges:
                        stack.append((target, [*trail, target]))

    # -- queries ---------------------------------------------------------------------------

    def of_format(self, *formats: str) -> list[Manifest]:
        """Manifests of the given formats."""
        return [m for m in self.manifests if m.format in formats]

    @property
    def locks(self) -> list[Manifest]:
        """Lockfiles (uv, poetry, pdm, Pipfile.lock, pylock, conda-lock)."""
        return [m for m in self.manifests if m.is_lock]

    @property
    def requirements(self) -> list[Manifest]:
        """Requirements and constraints files (including ``-r``/``-c`` targets)."""
        return self.of_format("requirements")

    def pinned_requirement_files(self) -> list[Manifest]:
        """Requirements files whose every third-party entry is an exact pin."""
        return [
            m for m in self.requirements if m.third_party and all(d.pinned for d in m.third_party)
        ]

    def inventory(self, near: str | None = None) -> list[Dependency]:
        """The project's resolved PyPI dependencies: lockfiles, else fully pinned requirements.

        One entry per (name, version), the first file in path order wins. With ``near`` (a
        file path, e.g. an SBOM's), only files in its directory or a parent directory count
        when there are any, so that each SBOM of a monorepo is compared with its own lock.
        """
        sources = [m for m in self.locks if m.format != "conda-lock"] or [
            m for m in self.locks if m.format == "conda-lock"
        ]
        if not sources:
            sources = self.pinned_requirement_files()
        if near is not None:
            local = [m for m in sources if _encloses(m.path, near)]
            sources = local or sources
        seen: set[tuple[str, str]] = set()
        result = []
        for manifest in sources:
            for dependency in manifest.third_party:
                if dependency.ecosystem != "pypi" or dependency.version is None:
                    continue
                identity = (dependency.name, dependency.version)
                if identity not in seen:
                    seen.add(identity)
                    result.append(dependency)
        return result

    def pinned(self) -> list[Dependency]:
        """Every exactly pinned or locked PyPI dependency, each at its own line (for SAI113)."""
        result = []
        seen: set[tuple[str, str, str, int]] = set()
        for manifest in self.manifests:
            for dependency in manifest.third_party:
                if dependency.ecosystem != "pypi" or dependency.version is None:
                    continue
                identity = (dependency.name, dependency.version, dependency.path, dependency.line)
                if identity not in seen:
                    seen.add(identity)
                    result.append(dependency)
        return result


def _encloses(manifest: str, near: str) -> bool:
    """True when ``manifest`` sits in the directory of ``near`` or in one of its parents."""
    directory = manifest.rpartition("/")[0]
    return directory == "" or near.startswith(directory + "/")
