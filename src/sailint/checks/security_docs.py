"""Security policy, threat model, incident response, evaluation and freshness: SAI406 to SAI410."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

from sailint.collectors.ci import CiFiles
from sailint.collectors.documents import Document, Documents
from sailint.collectors.history import GitHistory
from sailint.collectors.mlsignals import TEST_DIRS, MlSignals, is_model_artifact
from sailint.collectors.pyunits import PythonUnits
from sailint.context import RuleContext
from sailint.model import Finding, Level, Notification
from sailint.project import Project
from sailint.suppress import today

SECURITY_POLICY = r"(\.github/|docs/)?security\.(md|markdown|rst|txt)"
# A file named like the document, or any document inside a directory named like it.
THREAT_MODEL = (
    r"(.*/)?threat[_-]?model[\w.-]*\.(md|markdown|rst|txt)|docs/threat[\w./-]*\.(md|markdown|rst|txt)|"
    r"(.*/)?threat[_-]?model\w*/[\w./-]+\.(md|markdown|rst|txt)"
)
INCIDENT_PLAN = (
    r"(.*/)?incident[_-]?response[\w.-]*\.(md|markdown|rst|txt)|docs/incident[\w./-]*\.(md|markdown|rst|txt)|"
    r"(.*/)?incident[_-]?response\w*/[\w./-]+\.(md|markdown|rst|txt)|"
    r"(.*/)?(runbooks?|playbooks?)/[\w./-]+\.(md|markdown|rst|txt)"
)
REPORTING_CHANNEL = re.compile(
    # A link to the public issue tracker is not a channel for undisclosed vulnerabilities.
    r"[\w.+-]+@[\w-]+\.[\w.-]+|https?://(?![^\s)>\]]*/issues\b)\S+|security advisor(y|ies)|"
    r"private vulnerability reporting|"
    r"report a vulnerability",
    re.I,
)
AI_TERMS = re.compile(
    r"\b(models?|AI|ML|machine learning|LLMs?|prompt injection|jailbreaks?|training data|weights|"
    r"poisoning|model (theft|extraction))\b",
    re.I,
)
AI_THREATS = re.compile(
    r"\bAML\.T\d{4}|\bLLM\d{2}\b|\bML\d{2}\b|(data|model|label|dataset|index) poisoning|"
    r"poison(ed|ing)? (training|data|models?|labels?|datasets?|documents?|index)|"
    r"prompt injection|model (theft|extraction|"
    r"inversion|stealing)|membership inference|adversarial (examples?|inputs?|attacks?)|"
    r"jailbreak|model evasion|evasion attacks?",
    re.I,
)
# Supply chains, backdoors and (DNS cache) poisoning exist in every software project: AI threats
# only when the same line names an AI asset.
GENERIC_THREATS = re.compile(r"supply[- ]chain|backdoor|\bevasion\b|\bpoison", re.I)
# "threat model", "data model" ... name no machine-learning model: blank them before AI_TERMS.
NON_ML_MODELS = re.compile(
    r"\b(threat|data|security|permissions?|access[- ]control|object|domain|business|pricing|"
    r"memory|process|trust|deployment|governance) models?\b",
    re.I,
)
ROLLBACK_OR_COMPROMISE = re.compile(
    r"roll ?back|revert(ing)? (the |to a )?(previous |prior )?model|compromis|poison|"
    r"model (theft|leak|exfiltration)|kill[- ]switch|disable the (model|endpoint)",
    re.I,
)
MODEL_ASSETS = re.compile(
    r"\b(models?|weights|checkpoints?|prompts?|datasets?|training data|adapters?|embeddings?|"
    r"LLMs?|classifiers?|inference|model registry)\b",
    re.I,
)
SECURITY_EVAL_TOOLS = (
    "garak", "pyrit", "giskard", "adversarial-robustness-toolbox", "textattack",
    "cleverhans", "counterfit", "promptbench", "aiverify", "deepeval",
)  # fmt: skip
# promptfoo mostly runs quality evals; only its red-team mode is a security evaluation.
EVAL_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(t) for t in SECURITY_EVAL_TOOLS) + r"|"
    r"promptfoo(?:@[\w.-]+)?\s+redteam)(?![\w-])",
    re.I,
)
EVAL_IMPORTS = (
    "garak",
    "pyrit",
    "giskard",
    # adversarial-robustness-toolbox is imported as `art`, like the ASCII-art package: only its
    # subpackages identify it.
    "art.attacks",
    "art.defences",
    "art.estimators",
    "art.metrics",
    "textattack",
    "cleverhans",
    "counterfit",
    "promptbench",
    "deepeval",
)
MANIFESTS = (
    "requirements*.txt", "requirements*.in", "pyproject.toml", "setup.cfg", "setup.py", "Pipfile",
    "environment.yml", "environment.yaml", "package.json", "uv.lock", "poetry.lock",
)  # fmt: skip
# "# garak later" is a wish, not a dependency (a "#" glued to a URL, as in "#egg=", is kept).
INLINE_COMMENT = re.compile(r"(^|\s)#.*$")
THREAT_MODEL_FILES = ("threagile*.yaml", "threagile*.yml")
MAX_THREAT_DRAGON_BYTES = 4 * 1024 * 1024


def security_documents(project: Project) -> list[Document]:
    """Security policy, threat model and incident plans (for the placeholder check)."""
    documents = project.get(Documents)
    return documents.named(SECURITY_POLICY, THREAT_MODEL, INCIDENT_PLAN)


def _missing_anchor(ctx: RuleContext) -> str:
    return ctx.project.anchor()


def missing_security_policy(ctx: RuleContext) -> Iterator[Finding]:
    """SAI406: no SECURITY.md with a reporting channel; note when it ignores AI issues."""
    policies = ctx.project.get(Documents).named(SECURITY_POLICY)
    if not policies:
        yield ctx.finding(
            _missing_anchor(ctx),
            1,
            "no security policy: add SECURITY.md (root, .github/ or docs/) that says how to "
            "report a vulnerability",
            key="missing-security-policy",
        )
        return
    with_channel = [d for d in policies if d.find(REPORTING_CHANNEL)]
    if not with_channel:
        policy = policies[0]
        yield ctx.finding(
            policy.path,
            1,
            f"{policy.name} gives no reporting channel (an email address or a URL such as "
            "GitHub private vulnerability reporting)",
            key="no-reporting-channel",
        )
        return
    policy = with_channel[0]
    line = policy.find(REPORTING_CHANNEL) or 1
    ctx.evidence(policy.path, line, "security policy with a reporting channel")
    if not any(_mentions_ai(d) for d in policies):
        yield ctx.finding(
            policy.path,
            1,
            f"{policy.name} does not mention AI or model issues (prompt injection, poisoned "
            "weights, data leakage); say whether they are in scope",
            key="policy-without-ai-scope",
            level=Level.NOTE,
        )


def _mentions_ai(document: Document) -> bool:
    return any(AI_TERMS.search(NON_ML_MODELS.sub(" ", line)) for line in document.lines)


def _is_threat_dragon(project: Project, path: str, text: str) -> bool:
    """OWASP Threat Dragon (v1 and v2) models: ``summary`` plus ``detail.diagrams``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        # At end of input the decoder points one line past the last; keep the line real.
        line = min(error.lineno, len(text.splitlines()) or 1)
        message = f"invalid JSON ({error.msg}); not read as a Threat Dragon model"
    except RecursionError:
        message, line = "JSON nested too deeply; not read as a Threat Dragon model", 1
    else:
        if not isinstance(data, dict) or not isinstance(data.get("summary"), dict):
            return False
        detail = data.get("detail")
        return isinstance(detail, dict) and isinstance(detail.get("diagrams"), list)
    # SAI407 and SAI410 both look for threat models: report a broken file once.
    if Notification("warning", message, path, line) not in project.notifications:
        project.notify("warning", message, path, line)
    return False


def _threat_models(ctx: RuleContext) -> list[tuple[str, str]]:
    """(path, text) of every threat model: documents, Threat Dragon JSON, pytm, Threagile."""
    found = [(d.path, d.text) for d in ctx.project.get(Documents).named(THREAT_MODEL)]
    for path in ctx.project.paths(*THREAT_MODEL_FILES):
        found.append((path, ctx.project.text(path) or ""))
    for path in ctx.project.paths("*.json"):
        if ctx.project.files[path].size > MAX_THREAT_DRAGON_BYTES:
            continue
        text = ctx.project.text(path) or ""
        if '"diagrams"' in text and _is_threat_dragon(ctx.project, path, text):
            found.append((path, text))
    for unit in ctx.project.get(PythonUnits).summaries:
        if unit.imports_any("pytm"):
            found.append((unit.path, ctx.project.text(unit.path) or ""))
    return sorted(set(found))


def _ai_threat(text: str) -> tuple[int, str] | None:
    """The line and wording of the first AI-specific threat in a threat model."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = AI_THREATS.search(line)
        if match:
            return number, match.group(0)
        match = GENERIC_THREATS.search(line)
        if match and MODEL_ASSETS.search(NON_ML_MODELS.sub(" ", line)):
            return number, match.group(0)
    return None


def missing_threat_model(ctx: RuleContext) -> Iterator[Finding]:
    """SAI407: no threat model; note when it names no AI-specific threat."""
    models = _threat_models(ctx)
    if not models:
        yield ctx.finding(
            _missing_anchor(ctx),
            1,
            "no threat model (THREAT_MODEL.md, docs/threat-model.md, Threat Dragon JSON, pytm or "
            "Threagile)",
            key="missing-threat-model",
        )
        return
    for path, text in models:
        found = _ai_threat(text)
        if found:
            line, term = found
            ctx.evidence(path, line, f"threat model names AI threats ({term})")
            return
    path = models[0][0]
    yield ctx.finding(
        path,
        1,
        "threat model names no AI-specific threat (data or model poisoning, prompt injection, "
        "model theft or extraction, evasion, AI supply chain; MITRE ATLAS or OWASP LLM/ML IDs)",
        key="threat-model-without-ai",
        level=Level.NOTE,
    )


def _model_incident_line(plan: Document) -> int | None:
    """First rollback/compromise line in a section that is about models, data or prompts.

    "Roll back the last deploy" or "rotate compromised credentials" alone is a generic plan.
    """
    lines = plan.lines
    starts = sorted({1} | {heading.line for heading in plan.headings})
    for start, end in zip(starts, [*starts[1:], len(lines) + 1], strict=True):
        section = lines[start - 1 : end - 1]
        text = NON_ML_MODELS.sub(" ", "\n".join(section))
        if not MODEL_ASSETS.search(text):
            continue
        for offset, line in enumerate(section):
            if ROLLBACK_OR_COMPROMISE.search(line):
                return start + offset
    return None


def missing_incident_response(ctx: RuleContext) -> Iterator[Finding]:
    """SAI408: no incident response plan covering model rollback or compromise."""
    plans = ctx.project.get(Documents).named(INCIDENT_PLAN)
    if not plans:
        yield ctx.finding(
            _missing_anchor(ctx),
            1,
            "no incident response plan (INCIDENT_RESPONSE.md, docs/incident-*.md, runbooks/ or "
            "playbooks/)",
            key="missing-incident-response",
        )
        return
    for plan in plans:
        line = _model_incident_line(plan)
        if line:
            ctx.evidence(plan.path, line, "incident plan covers model rollback or compromise")
            return
    yield ctx.finding(
        plans[0].path,
        1,
        f"{plans[0].name} does not cover rolling back a model or responding to a compromised "
        "model, dataset or prompt",
        key="incident-plan-without-model",
    )


def no_security_evaluation(ctx: RuleContext) -> Iterator[Finding]:
    """SAI409: a model or LLM application with no sign of security evaluation before release."""
    signals = ctx.project.get(MlSignals)
    llm_code = [s for s in signals.llm_code if not TEST_DIRS.search(s.path)]
    triggers = signals.shipped_model_signals + llm_code
    for path in ctx.project.paths(*MANIFESTS):
        for number, line in enumerate(ctx.project.lines(path), start=1):
            match = EVAL_PATTERN.search(INLINE_COMMENT.sub("", line))
            if match:
                ctx.evidence(
                    path, number, f"security evaluation tool {match.group(1)} in dependencies"
                )
                return
    hit = ctx.project.get(CiFiles).first(EVAL_PATTERN)
    if hit:
        ctx.evidence(hit.path, hit.line, "security evaluation in CI")
        return
    for path in ctx.project.paths("promptfooconfig.y*ml", "*promptfoo*.y*ml"):
        for number, line in enumerate(ctx.project.lines(path), start=1):
            if line.startswith("redteam:"):
                ctx.evidence(path, number, "promptfoo red-team configuration")
                return
    for unit in ctx.project.get(PythonUnits).summaries:
        if unit.imports_any(*EVAL_IMPORTS):
            ctx.evidence(unit.path, 1, "security evaluation code")
            return
    if not triggers:
        return
    anchor = triggers[0]
    yield ctx.finding(
        anchor.path,
        anchor.line,
        f"the repository ships a model or LLM application ({anchor.reason}) but shows no security "
        "evaluation before release (garak, PyRIT, promptfoo red team, giskard, ART, TextAttack ...)",
        key="no-security-evaluation",
    )


def _relevant_pathspecs(ctx: RuleContext) -> list[str]:
    """Paths whose changes should trigger a review of the security documents."""
    signals = ctx.project.get(MlSignals)
    specs = {"**/prompts/**", "prompts/**"}
    specs.update(
        f"**/*{ext}" for ext in (".pt", ".pth", ".ckpt", ".safetensors", ".onnx", ".gguf", ".pkl")
    )
    specs.update(signal.path for signal in signals.model_code + signals.llm_code)
    specs.update(p for p in ctx.project.files if is_model_artifact(p))
    return sorted(specs)


def stale_security_doc(ctx: RuleContext) -> Iterator[Finding]:
    """SAI410: the threat model or incident plan has not kept up with the system it describes."""
    history = ctx.project.get(GitHistory)
    if not history.available:
        return
    # The git work first, for the documents found without the Python analysis: it is cached in
    # GitHistory, so when asking for the Python results below stops this rule (they are not
    # ready yet, see engine.scan_project) it is not lost, and it overlaps with that analysis.
    early = [d.path for d in ctx.project.get(Documents).named(THREAT_MODEL, INCIDENT_PLAN)]
    for path in early:
        early_change = history.last_change(path)
        if early_change is not None:
            history.changes_since(early_change.sha)
    documents = [path for path, _ in _threat_models(ctx)]
    documents += [d.path for d in ctx.project.get(Documents).named(INCIDENT_PLAN)]
    max_days = int(ctx.option("max-age-days"))
    max_commits = int(ctx.option("max-commits"))
    now = dt.datetime.combine(today(), dt.time(), tzinfo=dt.timezone.utc)
    specs = _relevant_pathspecs(ctx)
    for path in sorted(set(documents)):
        change = history.last_change(path)
        if change is None:
            continue  # not committed yet: it is as fresh as it gets
        changed = dt.datetime.fromtimestamp(change.timestamp, tz=dt.timezone.utc)
        age = (now - changed).days
        commits = history.commits_since(change.sha, specs)
        reasons = []
        if age > max_days:
            reasons.append(f"last changed {age} days ago ({changed.date().isoformat()})")
        if commits > max_commits:
            reasons.append(f"{commits} commits touching models, prompts or serving code since")
        if reasons:
            shallow = " (shallow clone: history may be incomplete)" if history.shallow else ""
            yield ctx.finding(
                path,
                1,
                f"{path.rsplit('/', 1)[-1]} may be stale: {' and '.join(reasons)}, at commit "
                f"{change.sha[:10]}; review it{shallow}",
                key="stale-security-doc",
                properties={"age_days": age, "commits_since": commits},
            )
