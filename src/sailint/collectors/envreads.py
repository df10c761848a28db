"""Where Python code loads a dotenv file or reads a secret-looking environment variable."""

from __future__ import annotations

import ast
import re

from sailint.collectors.pyresolve import SourceFacts

SECRET_NAME = re.compile(r"(?i)key|token|secret|passw|pwd|credential|auth(?!or)|private|dsn")
DOTENV_CALLS = ("dotenv.load_dotenv", "dotenv.dotenv_values", "dotenv.find_dotenv")
ENV_READS = ("os.getenv", "os.environ.get", "os.environ.__getitem__")

EnvRead = tuple[str, int, str]  # (path, line, what the code does)


def env_reads(facts: SourceFacts) -> list[EnvRead]:
    """Dotenv loads and reads of secret-named environment variables in one unit."""
    source, imports = facts.source, facts.imports
    found: list[EnvRead] = []
    # Calls come with their qualified names from the facts walk (CallSite.name).
    sites: list[tuple[ast.Call | ast.Subscript, str]] = [
        (site.node, site.name) for site in facts.calls
    ]
    sites.extend(
        (node, "os.environ.__getitem__")
        for node in facts.subscripts
        if isinstance(node.ctx, ast.Load) and imports.qualify(node.value) == "os.environ"
    )
    for node, name in sites:
        argument: ast.expr | None
        if isinstance(node, ast.Call):
            argument = node.args[0] if node.args else None
            if any(k.arg == "env_file" for k in node.keywords):
                name = "env_file="
        else:
            argument = node.slice
        if name in DOTENV_CALLS or name == "env_file=":
            found.append((source.path, source.location(node).line, "loads a dotenv file"))
        elif (
            name in ENV_READS
            and isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
            and SECRET_NAME.search(argument.value)
        ):
            what = f"reads {argument.value} from the environment"
            found.append((source.path, source.location(node).line, what))
    return found
