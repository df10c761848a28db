"""Evidence in CI of dependency updates and scanning: SAI114, SAI115, SAI116, SAI117."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import yaml

from sailint.collectors.ci import CiFiles, CiHit
from sailint.collectors.dependencies import Dependencies
from sailint.collectors.hubrefs import HubReferences
from sailint.collectors.mlsignals import TEST_DIRS, MlSignals
from sailint.collectors.pyunits import PythonUnits
from sailint.context import RuleContext
from sailint.model import Finding
from sailint.project import Project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEPENDABOT = (".github/dependabot.yml", ".github/dependabot.yaml")
RENOVATE = (
    "renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json", ".renovaterc.json5",
    ".github/renovate.json", ".github/renovate.json5", ".gitlab/renovate.json",
)  # fmt: skip
PYTHON_ECOSYSTEMS = {"pip", "uv", "pipenv", "poetry"}
# `sailint` running a scan (not `sailint sbom|rules|explain|...`)
SAILINT_SCAN = r"\bsailint\b(?!\s+(?:sbom|rules|explain|init|baseline|--version|-h\b|--help))"
DEPENDENCY_SCANNERS = re.compile(
    r"\bpip[-_]audit\b|\bosv-scanner\b|google/osv-scanner|\bsafety\s+(check|scan)\b|pyupio/safety|"
    r"\btrivy\b|aquasecurity/trivy-action|\bgrype\b|anchore/scan-action|dependency-review-action|"
    r"\bsnyk\s+test\b|snyk/actions|" + SAILINT_SCAN + r".*(--online|--vuln-db)",
    re.I,
)
CODE_SCANNERS = re.compile(
    r"\bbandit\b|\bsemgrep\b|returntocorp/semgrep|github/codeql-action|\bcodeql\b|" + SAILINT_SCAN,
    re.I,
)
RUFF = re.compile(r"\bruff\b(?!-format)")
MODEL_SCANNERS = re.compile(
    r"\bmodelscan\b|\bpicklescan\b|\bfickling\b|\bmodelaudit\b|\bmodel-audit\b|" + SAILINT_SCAN,
    re.I,
)
SAILINT_WITHOUT_MODELS = re.compile(r"--select[=\s]+(?![^\s]*SAI3)\S+")
SAILINT_IGNORES_MODELS = re.compile(r"--ignore[=\s]+\S*SAI3")


def _anchor_for_ci(project: Project, ci: CiFiles) -> tuple[str, int]:
    """Where a missing CI step belongs: the first workflow/CI file, else the README."""
    workflows = [p for p in ci.paths if p.startswith(".github/workflows/")]
    if workflows:
        return workflows[0], 1
    if ci.paths:
        return ci.paths[0], 1
    return project.anchor(), 1


def _has_third_party_dependencies(project: Project) -> bool:
    return any(m.third_party for m in project.get(Dependencies).manifests)


def _record(ctx: RuleContext, hits: list[CiHit], what: str) -> bool:
    for hit in hits[:3]:
        ctx.evidence(hit.path, hit.line, f"{what}: {hit.text[:80]}")
    return bool(hits)


def no_dependency_updates(ctx: RuleContext) -> Iterator[Finding]:
    """SAI114: no Dependabot or Renovate configuration covering pip and github-actions."""
    project = ctx.project
    has_python = _has_third_party_dependencies(project)
    has_workflows = any(p.startswith(".github/workflows/") for p in project.files)
    if not (has_python or has_workflows):
        return
    renovate = [p for p in RENOVATE if p in project.files]
    if renovate:
        ctx.evidence(renovate[0], 1, "Renovate configuration")
        return
    dependabot = next((p for p in DEPENDABOT if p in project.files), None)
    if dependabot is None:
        manifests = [m for m in project.get(Dependencies).manifests if m.third_party]
        path, line = (
            (manifests[0].path, manifests[0].declaration_line)
            if manifests
            else _anchor_for_ci(project, project.get(CiFiles))
        )
        yield ctx.finding(
            path,
            line,
            "no Dependabot (.github/dependabot.yml) or Renovate configuration: dependency and "
            "action updates, including security fixes, depend on someone remembering them",
            key="no-dependency-updates",
        )
        return
    ecosystems, line = _dependabot_ecosystems(project, dependabot)
    wanted = []
    if has_python and not ecosystems & PYTHON_ECOSYSTEMS:
        wanted.append("pip")
    if has_workflows and "github-actions" not in ecosystems:
        wanted.append("github-actions")
    if not wanted:
        ctx.evidence(dependabot, line, "Dependabot covers " + ", ".join(sorted(ecosystems)))
        return
    yield ctx.finding(
        dependabot,
        line,
        f"{dependabot} does not cover {' and '.join(wanted)}: those dependencies are never "
        "updated automatically",
        key="dependabot-coverage:" + ",".join(wanted),
    )


def _dependabot_ecosystems(project: Project, path: str) -> tuple[set[str], int]:
    """``package-ecosystem`` values and the line of ``updates:`` (1 when unreadable)."""
    text = project.text(path) or ""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        project.notify("warning", f"invalid YAML: {error}", path, mark.line + 1 if mark else 1)
        return set(), 1
    line = next((n for n, t in enumerate(text.splitlines(), 1) if t.startswith("updates:")), 1)
    updates = data.get("updates") if isinstance(data, dict) else None
    ecosystems = {
        str(u.get("package-ecosystem"))
        for u in updates or []
        if isinstance(u, dict) and u.get("package-ecosystem")
    }
    return ecosystems, line


def no_dependency_scanning(ctx: RuleContext) -> Iterator[Finding]:
    """SAI115: nothing in CI checks dependencies for known vulnerabilities."""
    project = ctx.project
    if not _has_third_party_dependencies(project):
        return
    ci = project.get(CiFiles)
    if _record(ctx, ci.search(DEPENDENCY_SCANNERS), "dependency scanning in CI"):
        return
    if _configured_vulnerability_source(project) and _record(
        ctx, ci.search(re.compile(SAILINT_SCAN)), "sailint with a configured vulnerability source"
    ):
        return
    path, line = _anchor_for_ci(project, ci)
    yield ctx.finding(
        path,
        line,
        "no dependency vulnerability scanning in CI (pip-audit, osv-scanner, trivy, grype, "
        "dependency-review-action, or sailint with --online/--vuln-db)",
        key="no-dependency-scanning",
    )


def _configured_vulnerability_source(project: Project) -> bool:
    """The repository's own sailint settings give SAI113 a source (``vuln-db`` or ``online``)."""
    for path in (".sailint.toml", "pyproject.toml"):
        text = project.text(path) if path in project.files else None
        if not text:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        table = data if path == ".sailint.toml" else data.get("tool", {}).get("sailint", {})
        if isinstance(table, dict) and (table.get("vuln-db") or table.get("online") is True):
            return True
    return False


def _ruff_security_rules(project: Project) -> bool:
    """True when a ruff configuration selects the flake8-bandit ``S`` rules (or ``ALL``)."""
    for path in ("pyproject.toml", "ruff.toml", ".ruff.toml"):
        text = project.text(path) if path in project.files else None
        if not text:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        ruff = data.get("tool", {}).get("ruff", {}) if path == "pyproject.toml" else data
        lint = ruff.get("lint", {}) if isinstance(ruff, dict) else {}
        selected: list[str] = []
        for table in (ruff, lint):
            if isinstance(table, dict):
                for key in ("select", "extend-select"):
                    value = table.get(key)
                    if isinstance(value, list):
                        selected += [str(v) for v in value]
        if any(code == "ALL" or re.fullmatch(r"S\d*", code) for code in selected):
            return True
    return False


def no_code_scanning(ctx: RuleContext) -> Iterator[Finding]:
    """SAI116: nothing in CI runs static security analysis of the project's code."""
    project = ctx.project
    sources = [u for u in project.get(PythonUnits).summaries if not TEST_DIRS.search(u.path)]
    if not sources:
        return
    ci = project.get(CiFiles)
    if _record(ctx, ci.search(CODE_SCANNERS), "static analysis in CI"):
        return
    ruff_hits = ci.search(RUFF)
    if ruff_hits and _ruff_security_rules(project):
        _record(ctx, ruff_hits, "ruff with flake8-bandit (S) rules in CI")
        return
    path, line = _anchor_for_ci(project, ci)
    yield ctx.finding(
        path,
        line,
        "no static security analysis of the code in CI (bandit, semgrep, CodeQL, ruff with "
        "the S rules, or sailint)",
        key="no-code-scanning",
    )


def no_model_scanning(ctx: RuleContext) -> Iterator[Finding]:
    """SAI117: models are held or downloaded but nothing in CI scans model files."""
    project = ctx.project
    artifacts = [p for p in project.get(MlSignals).model_artifacts if not TEST_DIRS.search(p)]
    hub_models = [r for r in project.get(HubReferences).refs if r.kind == "model"]
    if not artifacts and not hub_models:
        return
    ci = project.get(CiFiles)
    hits = [
        hit
        for hit in ci.search(MODEL_SCANNERS)
        if not re.search(r"\bsailint\b", hit.text, re.I)
        or not (SAILINT_WITHOUT_MODELS.search(hit.text) or SAILINT_IGNORES_MODELS.search(hit.text))
    ]
    if _record(ctx, hits, "model scanning in CI"):
        return
    if artifacts:
        path, line, what = artifacts[0], 1, f"model file {artifacts[0]}"
    else:
        ref = hub_models[0]
        path, line, what = ref.location.path, ref.location.line, f"hub model {ref.repo_id}"
    count = len(artifacts) + len(hub_models)
    yield ctx.finding(
        path,
        line,
        f"the repository holds or downloads {count} third-party or generated model(s) ({what} "
        "first) but nothing in CI scans model files (modelscan, picklescan, fickling, "
        "modelaudit, or sailint with the SAI3xx rules)",
        key="no-model-scanning",
    )
