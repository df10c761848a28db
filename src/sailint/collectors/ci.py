"""Files that define CI: workflows, GitLab CI, pre-commit, tox, nox, Makefiles and scripts CI calls."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sailint.project import Project, View

CI_FILE_PATTERNS = (
    re.compile(r"\.github/workflows/[^/]+\.ya?ml"),
    re.compile(r"(.*/)?action\.ya?ml"),
    re.compile(r"\.gitlab-ci\.ya?ml"),
    re.compile(r"\.gitlab/ci/.+\.ya?ml"),
    re.compile(r"\.pre-commit-config\.ya?ml"),
    re.compile(r"tox\.ini"),
    re.compile(r"noxfile\.py"),
    re.compile(r"(.*/)?(GNU)?[Mm]akefile"),
    re.compile(r".+\.mk"),
    re.compile(r"azure-pipelines\.ya?ml"),
    re.compile(r"\.circleci/config\.ya?ml"),
    re.compile(r"bitbucket-pipelines\.ya?ml"),
    re.compile(r"Jenkinsfile"),
)
SCRIPT_REFERENCE = re.compile(r"(?<![\w.-])((?:\./)?[\w./-]+\.(?:sh|bash|py))\b")


@dataclass(frozen=True)
class CiHit:
    """A line of a CI file that matched a pattern."""

    path: str
    line: int
    text: str


class CiFiles(View):
    """The CI definition files of the project and the scripts they invoke."""

    def __init__(self, project: Project, paths: list[str]) -> None:
        """Hold the CI file paths (text is read through the project cache)."""
        self.project = project
        self.paths = paths

    @classmethod
    def build(cls, project: Project) -> CiFiles:
        """See ``View.build``."""
        paths = [p for p in project.files if any(rx.fullmatch(p) for rx in CI_FILE_PATTERNS)]
        scripts: set[str] = set()
        for path in paths:
            for line in project.lines(path):
                for match in SCRIPT_REFERENCE.finditer(line):
                    candidate = match.group(1).removeprefix("./")
                    if candidate in project.files and candidate not in paths:
                        scripts.add(candidate)
        return cls(project, sorted(paths) + sorted(scripts))

    def search(self, pattern: re.Pattern[str]) -> list[CiHit]:
        """Every CI line matching ``pattern`` (comment-only lines excluded)."""
        hits = []
        for path in self.paths:
            for number, line in enumerate(self.project.lines(path), start=1):
                if line.lstrip().startswith("#"):
                    continue
                if pattern.search(line):
                    hits.append(CiHit(path, number, line.strip()))
        return hits

    def first(self, pattern: re.Pattern[str]) -> CiHit | None:
        """The first CI line matching ``pattern``, or None."""
        hits = self.search(pattern)
        return hits[0] if hits else None
