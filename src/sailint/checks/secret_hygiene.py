"""SAI204-SAI206, SAI208: credential files, unignored .env, unstripped notebooks, no secret scanner."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sailint.collectors.ci import CiFiles
from sailint.collectors.envreads import SECRET_NAME
from sailint.collectors.notebooks import Notebooks
from sailint.collectors.pyunits import PythonUnits
from sailint.collectors.secretdetect import DetectorError, load_detectors
from sailint.context import RuleContext
from sailint.model import Finding

ENV_FILE = re.compile(r"(?:^|/)(?:\.env(?:\.[\w.-]+)?|[\w-]+\.env|\.envrc)$")
ENV_TEMPLATE = re.compile(r"\.(?:example|sample|template|tmpl|tpl|dist|defaults?)$")
ENV_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*?)\s*$")
PLACEHOLDER = re.compile(
    r"(?i)^$|^['\"]?\s*['\"]?$|\$\{|\{\{|<[^>]*>|your|x{3,}|\.{3}|\*{3,}|changeme|change[-_]me|"
    r"example|placeholder|dummy|todo|fixme|replace|insert|^none$|^null$|^false$|^true$"
)
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
SA_KEY = re.compile(r'"private_key"\s*:\s*"-----BEGIN [A-Z ]*PRIVATE KEY-----\\n[A-Za-z0-9+/=]{40}')
SA_TYPE = re.compile(r'"type"\s*:\s*"service_account"')
KEYSTORE = re.compile(r"\.(?:p12|pfx|jks|keystore)$", re.IGNORECASE)
SSH_KEY = re.compile(r"(?:^|/)id_(?:rsa|dsa|ecdsa|ed25519)(?:_[\w-]+)?$")
HF_TOKEN_FILE = re.compile(r"(?:^|/)\.?huggingface/(?:stored_)?tokens?$")
LINE_CHECKS: tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?:^|/)kaggle\.json$"),
        re.compile(r'"key"\s*:\s*"([^"]*)"'),
        "Kaggle API credentials (kaggle.json)",
    ),
    (re.compile(r"(?:^|/)[._]netrc$"), re.compile(r"\bpassword\s+(\S+)"), ".netrc with a password"),
    (
        re.compile(r"(?:^|/)\.pypirc$"),
        re.compile(r"^\s*password\s*[:=]\s*(\S+)"),
        ".pypirc with an index password",
    ),
    (
        re.compile(r"(?:^|/)\.git-credentials$"),
        re.compile(r"https?://[^:/\s]+:([^@\s]+)@"),
        "git credential store",
    ),
    (
        re.compile(r"(?:^|/)\.aws/credentials$"),
        re.compile(r"(?i)aws_secret_access_key\s*=\s*(\S+)"),
        "AWS shared credentials file",
    ),
)
STRIPPERS = re.compile(
    r"nbstripout|nb-clean|nb_clean|--clear-output|ClearOutputPreprocessor|"
    r"--ClearMetadataPreprocessor|jupyter-nb-clear-output"
)
SCANNERS = re.compile(
    r"(?i)gitleaks|trufflehog|detect-secrets|ggshield|git-secrets|talisman|whispers|"
    r"secret[-_ ]?scanning|\bsailint\b"
)
SCANNER_FILES = re.compile(
    r"(?:^|/)(?:\.gitleaks\.toml|\.gitleaksignore|\.secrets\.baseline|\.trufflehog\.ya?ml|"
    r"\.github/secret_scanning\.ya?ml|\.talismanrc|\.gitguardian\.ya?ml)$"
)


def _placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.search(value.strip().strip("'\"")))


def _env_file_problem(ctx: RuleContext, path: str) -> tuple[int, str] | None:
    """The first line of a dotenv file that holds a real-looking secret, and why."""
    lines = ctx.project.lines(path)
    try:
        detected = load_detectors().scan_lines([(t, n, 1) for n, t in enumerate(lines, 1)], path)
    except DetectorError:
        detected = []
    if detected:
        first = detected[0]
        return first.line, f"{first.detector.provider} ({first.redacted})"
    if ENV_TEMPLATE.search(path):
        return None  # a template with placeholder values is how teams document settings
    for number, line in enumerate(lines, 1):
        match = ENV_ASSIGNMENT.match(line)
        if match and SECRET_NAME.search(match.group(1)) and not _placeholder(match.group(2)):
            return number, f"a value for {match.group(1)}"
    return None


def _credential_file(ctx: RuleContext, path: str) -> tuple[int, str] | None:
    """Why ``path`` is a committed credential file (line, reason), or None."""
    project = ctx.project
    if KEYSTORE.search(path):
        project.claim(path)
        return 1, "a PKCS#12 / Java keystore (certificate with its private key)"
    if project.is_binary(path):
        return None
    if ENV_FILE.search(path):
        problem = _env_file_problem(ctx, path)
        return (problem[0], f"dotenv file holding {problem[1]}") if problem else None
    lines = project.lines(path)
    if SSH_KEY.search(path) and not path.endswith(".pub"):
        return 1, "an SSH private key"
    if path.endswith((".pem", ".key")):
        for number, line in enumerate(lines, 1):
            if PRIVATE_KEY.search(line):
                return number, "a PEM file holding a private key"
        return None
    if HF_TOKEN_FILE.search(path) and any(line.strip() for line in lines):
        return 1, "a stored Hugging Face token"
    if path.endswith(".json") and any(SA_TYPE.search(line) for line in lines):
        for number, line in enumerate(lines, 1):
            if SA_KEY.search(line):
                return number, "a GCP service-account key (JSON with its private key)"
        return None
    for name, value, reason in LINE_CHECKS:
        if name.search(path):
            for number, line in enumerate(lines, 1):
                match = value.search(line)
                if match and not _placeholder(match.group(1)) and "%(" not in match.group(1):
                    return number, reason
    return None


def credential_file_committed(ctx: RuleContext) -> Iterator[Finding]:
    """SAI204: a tracked file whose whole purpose is to hold credentials."""
    for path in sorted(ctx.project.files):
        problem = _credential_file(ctx, path)
        if problem is not None:
            line, reason = problem
            yield ctx.finding(
                path,
                line,
                f"credential file committed: {reason}; remove it from git, rotate what it "
                "holds, and add it to .gitignore",
                key=f"credential-file:{path}",
            )


def _dotenv_readers(ctx: RuleContext) -> list[tuple[str, int, str]]:
    """Places where code loads a dotenv file or reads a secret-looking environment variable."""
    found: list[tuple[str, int, str]] = []
    for unit in ctx.project.get(PythonUnits).summaries:
        found.extend(unit.env_reads)
    for path in ctx.project.paths("docker-compose*.y*ml", "compose*.y*ml"):
        for number, line in enumerate(ctx.project.lines(path), 1):
            if re.search(r"^\s*(?:env_file:|-)\s*\.env\s*$", line):
                found.append((path, number, "uses env_file .env"))
    return sorted(found)


def env_not_gitignored(ctx: RuleContext) -> Iterator[Finding]:
    """SAI205: code reads .env or secret environment variables; .gitignore misses .env."""
    readers = _dotenv_readers(ctx)
    if not readers:
        return
    import pathspec

    patterns = ctx.project.lines(".gitignore") if ctx.project.exists(".gitignore") else []
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    if spec.match_file(".env"):
        ctx.evidence(".gitignore", 1, ".gitignore excludes .env files")
        return
    path, line, what = readers[0]
    where = ".gitignore does not" if patterns else "there is no .gitignore to"
    yield ctx.finding(
        path,
        line,
        f"the code {what} but {where} exclude .env; add `.env` (and `.env.*`, `!.env.example`) "
        "to .gitignore before someone commits their keys",
        key="env-not-gitignored",
    )


def _stripper(ctx: RuleContext) -> tuple[str, int] | None:
    hit = ctx.project.get(CiFiles).first(STRIPPERS)
    if hit is not None:
        return hit.path, hit.line
    for path in (".gitattributes", "pyproject.toml", "setup.cfg", ".pre-commit-config.yaml"):
        for number, line in enumerate(ctx.project.lines(path) if ctx.project.exists(path) else []):
            if STRIPPERS.search(line):
                return path, number + 1
    return None


def notebook_outputs_committed(ctx: RuleContext) -> Iterator[Finding]:
    """SAI206: notebooks are committed with outputs and nothing strips them."""
    notebooks = [nb for nb in ctx.project.get(Notebooks).notebooks if nb.has_outputs]
    if not notebooks:
        return
    stripper = _stripper(ctx)
    if stripper is not None:
        ctx.evidence(stripper[0], stripper[1], "notebook outputs are stripped before commit")
        return
    for notebook in notebooks:
        cells = [cell for cell in notebook.code_cells if cell.outputs]
        first = cells[0]
        line = next((o.lines[0].line for o in first.outputs if o.lines), first.line)
        yield ctx.finding(
            notebook.path,
            line,
            f"notebook committed with the outputs of {len(cells)} cell(s) and nothing strips "
            "them; outputs can carry tokens, personal data and training samples (add the "
            "nbstripout pre-commit hook)",
            key=f"notebook-outputs:{notebook.path}",
        )


def no_secret_scanning(ctx: RuleContext) -> Iterator[Finding]:
    """SAI208: no secret scanner in CI or pre-commit."""
    for path in sorted(ctx.project.files):
        if SCANNER_FILES.search(path):
            ctx.evidence(path, 1, f"secret scanner configuration {path}")
            return
    hit = ctx.project.get(CiFiles).first(SCANNERS)
    if hit is not None:
        ctx.evidence(hit.path, hit.line, f"secret scanning in CI: {hit.text[:80]}")
        return
    ci = ctx.project.get(CiFiles).paths
    precommit = ".pre-commit-config.yaml"
    anchor = precommit if ctx.project.exists(precommit) else (ci[0] if ci else None)
    yield ctx.finding(
        anchor or ctx.project.anchor(),
        1,
        "no secret scanner runs in CI or pre-commit (gitleaks, TruffleHog, detect-secrets, "
        "ggshield or sailint); a leaked key is found by attackers before reviewers",
        key="no-secret-scanning",
    )
