"""SAI104: package installs without an exact version or hash, and download-then-execute."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sailint.collectors.shell import Command
from sailint.collectors.shellsources import ShellCommands, Snippet
from sailint.context import RuleContext
from sailint.model import Finding
from sailint.project import Project

PIP_NAME = re.compile(r"^pip(\d+(\.\d+)?)?$")
# python, python3.11, python${PYTHON_VERSION}, {sys.executable} (notebooks), $PYTHON
PYTHON_NAME = re.compile(
    r"^(python(\d+(\.\d+)?|\$\{?\w+\}?)?|py|\{sys\.executable\}|\$\{?PYTHON\w*\}?)$"
)
CONDA_NAMES = {"conda", "mamba", "micromamba"}
# Options (of pip, uv pip, pipx, conda) that consume the following word.
VALUE_OPTIONS = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix",
    "--root", "--platform", "--python-version", "--implementation", "--abi", "--only-binary",
    "--no-binary", "--progress-bar", "--cache-dir", "--src", "--upgrade-strategy",
    "--trusted-host", "--log", "--timeout", "--retries", "--proxy", "--cert", "--client-cert",
    "--python", "-p", "--index", "--default-index", "--index-strategy", "--extra", "--group",
    "--config-settings", "-C", "--global-option", "--report", "--keyring-provider",
    "-c", "--channel", "-n", "--name", "--override-channels-file", "--suffix", "--pip-args",
    "--spec", "--resolution", "--prerelease", "--exclude-newer", "--torch-backend",
}  # fmt: skip
REQUIREMENT_OPTIONS = {"-r", "--requirement", "--file", "--requirements"}
CONSTRAINT_OPTIONS = {"--constraint", "--constraints", "--build-constraint", "--override"}
HEX40 = re.compile(r"@[0-9a-fA-F]{40}(?![0-9a-fA-F])")
DOWNLOADERS = {"curl", "wget"}
INTERPRETERS = {"sh", "bash", "dash", "zsh", "ksh", "ash", "eval", "perl", "ruby", "node"}
VERIFIERS = {"sha256sum", "sha512sum", "shasum", "gpg", "cosign", "minisign", "md5sum"}
FETCH_IN_WORD = re.compile(r"[<$]\(\s*(curl|wget)\b|`\s*(curl|wget)\b")


@dataclass
class Install:
    """An install command and the targets it leaves unpinned."""

    tool: str
    unpinned: list[str]


def _is_interpreter(name: str) -> bool:
    return name in INTERPRETERS or bool(PYTHON_NAME.match(name))


def _pip_arguments(command: Command) -> tuple[str, list[str]] | None:
    """``(tool, arguments after install)`` for pip-like, conda-like, pipx, uv and poetry installs."""
    argv, name = command.argv, command.name
    if PIP_NAME.match(name) and argv[1:2] == ["install"]:
        return "pip", argv[2:]
    if PYTHON_NAME.match(name):
        rest = [a for a in argv[1:] if a not in ("-u", "-I", "-E", "-s", "-B", "-q")]
        if rest[:1] == ["-m"] and len(rest) > 2 and PIP_NAME.match(rest[1]):
            return ("pip", rest[3:]) if rest[2] == "install" else None
        if rest[:1] == ["-mpip"] and rest[1:2] == ["install"]:
            return "pip", rest[2:]
    if name == "uv":
        if argv[1:3] == ["pip", "install"]:
            return "uv pip", argv[3:]
        if argv[1:3] == ["tool", "install"]:
            return "uv tool", argv[3:]
    if name == "pipx" and argv[1:2] == ["install"]:
        return "pipx", argv[2:]
    if name == "pipx" and argv[1:2] == ["inject"]:
        return "pipx", argv[3:]
    if name in CONDA_NAMES and argv[1:2] in (["install"], ["create"]):
        return name, argv[2:]
    if name == "poetry" and argv[1:2] == ["add"]:
        return "poetry", argv[2:]
    if name == "poetry" and argv[1:3] == ["self", "add"]:
        return "poetry", argv[3:]
    return None


def _conda_pinned(spec: str) -> bool:
    spec = spec.split("::", 1)[-1]
    match = re.match(r"^[A-Za-z0-9_.\-]+\s*(==|=)\s*([^=\s*]+)(=\S+)?$", spec)
    if not match or "*" in spec:
        return False
    operator, version, build = match.groups()
    return operator == "==" or bool(build) or len(re.findall(r"\d+", version)) >= 3


def _target_pinned(target: str, tool: str) -> bool | None:
    """True/False for a package target; None when it is not a package (a path, a variable)."""
    if target.startswith("$") or target in (".", ".."):
        return None
    if re.match(r"^(git|hg|svn|bzr)\+", target) or (tool == "poetry" and "git+" in target):
        return bool(HEX40.search(target))
    if re.match(r"^[a-z]+://", target):
        if target.startswith("file://"):
            return None
        return bool(re.search(r"#sha(256|384|512)=[0-9a-f]+", target))
    if target.endswith(".whl"):
        return True  # a local (or globbed) wheel is a fixed artifact
    if target.startswith(("./", "../", "/", "~")) or (
        "/" in target and not re.search(r"[=<>~!@]", target)
    ):
        return None  # a local directory or archive: the project itself
    if tool in CONDA_NAMES:
        return _conda_pinned(target)
    if tool == "poetry":
        return bool(re.match(r"^[\w.\-\[\],]+(@|==)\s*v?\d[\w.+!-]*$", target))
    if re.search(r"===?\s*\$", target):
        return True  # an exact pin whose version is a variable (``torch==$TORCH_VERSION``)
    from packaging.requirements import InvalidRequirement, Requirement  # a pip target seen

    try:
        requirement = Requirement(target)
    except InvalidRequirement:
        return None
    if requirement.url:
        return bool(HEX40.search(requirement.url)) or "sha256=" in requirement.url
    specs = list(requirement.specifier)
    return len(specs) == 1 and (
        specs[0].operator == "===" or (specs[0].operator == "==" and "*" not in specs[0].version)
    )


def _requirement_file_known(project: Project, snippet: Snippet, path: str) -> bool:
    if "$" in path or "{" in path:
        return True  # cannot tell; do not guess
    if re.match(r"^[a-z]+://", path):
        return False
    here = snippet.path.rsplit("/", 1)[0] if "/" in snippet.path else ""
    candidates = {
        posixpath.normpath(c)
        for c in (path.lstrip("/"), f"{here}/{path}".lstrip("/"), path.removeprefix("./"))
    }
    candidates = {c for c in candidates if not c.startswith("..")}
    candidates.add(path.rsplit("/", 1)[-1])
    if any(c in project.files for c in candidates):
        return True
    if project.file_mode and any((project.root / c).is_file() for c in candidates):
        return True  # pre-commit mode: the inventory holds only the files being committed
    base = path.rsplit("/", 1)[-1]
    return any(p.rsplit("/", 1)[-1] == base for p in project.files)


def _classify_install(command: Command, project: Project, snippet: Snippet) -> Install | None:
    """The unpinned targets of an install command, or None when it is not one / is pinned."""
    parsed = _pip_arguments(command)
    if parsed is None:
        return None
    tool, args = parsed
    if "--require-hashes" in args or command.env.get("PIP_REQUIRE_HASHES", "") in ("1", "true"):
        return None
    if "--no-index" in args or "--offline" in args:
        return None  # only local wheels (--find-links / the cache) can be installed
    targets: list[str] = []
    unknown_files: list[str] = []
    constrained = "PIP_CONSTRAINT" in command.env
    index = 0
    while index < len(args):
        arg = args[index]
        name, has_value, value = arg.partition("=")
        if arg in REQUIREMENT_OPTIONS or (has_value and name in REQUIREMENT_OPTIONS):
            path = value if has_value else (args[index + 1] if index + 1 < len(args) else "")
            index += 0 if has_value else 1
            if not _requirement_file_known(project, snippet, path):
                unknown_files.append(f"{name if has_value else arg} {path}")
        elif arg in CONSTRAINT_OPTIONS or (has_value and name in CONSTRAINT_OPTIONS):
            constrained = True
            index += 0 if has_value else 1
        elif arg == "-c" and tool in ("pip", "uv pip"):
            constrained = True
            index += 1
        elif arg in ("-e", "--editable"):
            if index + 1 < len(args):
                targets.append(args[index + 1])
            index += 1
        elif arg in VALUE_OPTIONS:
            index += 1
        elif not arg.startswith("-"):
            targets.append(arg)
        index += 1
    unpinned = [] if constrained else [t for t in targets if _target_pinned(t, tool) is False]
    unpinned += unknown_files
    return Install(tool, unpinned) if unpinned else None


def _saved_to(command: Command) -> str | None:
    """The file a curl/wget command writes, if any."""
    argv = command.argv
    letter = "O" if command.name == "wget" else "o"
    for index, arg in enumerate(argv[1:], start=1):
        value: str | None = None
        if arg in ("--output", "--output-document") and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith(("--output=", "--output-document=")):
            value = arg.split("=", 1)[1]
        elif re.match(r"^-[A-Za-z]+", arg) and not arg.startswith("--") and letter in arg:
            rest = arg[arg.index(letter) + 1 :]  # `-qO file`, `-sSLo file` or `-ofile`
            value = rest or (argv[index + 1] if index + 1 < len(argv) else None)
        if value is not None:
            return None if value == "-" else value
    urls = [a for a in argv if re.match(r"^https?://", a)]
    remote_name = any(re.match(r"^-[A-Za-z]*O[A-Za-z]*$", a) for a in argv[1:])  # curl -fsSLO
    if urls and (command.name == "wget" or remote_name or "--remote-name" in argv):
        return urls[-1].rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    for operator, target in command.redirects:
        if operator in (">", ">>"):
            return target
    return None


def _download_findings(snippet: Snippet, ctx: RuleContext) -> Iterator[Finding]:
    """``curl | sh``, ``bash <(curl ...)`` and ``curl -o f; ...; sh f`` within one snippet."""
    saved: dict[str, tuple[int, str]] = {}
    for pipeline in snippet.script.pipelines:
        for position, command in enumerate(pipeline):
            name = command.name
            if name in DOWNLOADERS and any(
                _is_interpreter(later.name) for later in pipeline[position + 1 :]
            ):
                runner = next(p.name for p in pipeline[position + 1 :] if _is_interpreter(p.name))
                yield ctx.finding(
                    snippet.path,
                    command.line,
                    f"`{name} ... | {runner}` runs a downloaded script without checking it: "
                    "download to a file, verify its checksum or signature, then run it",
                )
            elif _is_interpreter(name) and any(FETCH_IN_WORD.search(w.raw) for w in command.words):
                yield ctx.finding(
                    snippet.path,
                    command.line,
                    f"`{name}` runs the output of a download directly: download to a file, "
                    "verify its checksum or signature, then run it",
                )
            if name in DOWNLOADERS:
                target = _saved_to(command)
                if target:
                    saved[target.rsplit("/", 1)[-1]] = (command.line, target)
            elif any(p.name in VERIFIERS for p in pipeline):
                # `sha256sum -c f.sha256`, `echo "<hash>  f" | sha256sum -c -`, `gpg --verify f`
                words = " ".join(w for p in pipeline for w in p.argv)
                for key in [k for k in saved if k in words]:
                    saved.pop(key)
            else:
                run = command.argv[1] if _is_interpreter(name) and len(command.argv) > 1 else None
                run = run if run and not run.startswith("-") else None
                executed = run or (command.words[0].text if command.words else "")
                key = executed.rsplit("/", 1)[-1]
                if key in saved and (run or executed.startswith(("./", "/"))):
                    line, target = saved.pop(key)
                    yield ctx.finding(
                        snippet.path,
                        command.line,
                        f"runs `{target}`, downloaded at line {line} without a checksum or "
                        "signature check: verify it (e.g. `sha256sum -c`) before running it",
                    )


def unpinned_install_command(ctx: RuleContext) -> Iterator[Finding]:
    """SAI104 over every shell snippet of the project."""
    view = ctx.project.get(ShellCommands)
    for snippet in view.snippets:
        for command in snippet.script.commands:
            install = _classify_install(command, ctx.project, snippet)
            if install is not None:
                shown = ", ".join(f"`{t}`" for t in install.unpinned[:4])
                more = f" and {len(install.unpinned) - 4} more" if len(install.unpinned) > 4 else ""
                yield ctx.finding(
                    snippet.path,
                    command.line,
                    f"`{install.tool}` installs {shown}{more} without an exact version or hash: "
                    "pin `==` versions (or use `--require-hashes` / a lock file)",
                )
        yield from _download_findings(snippet, ctx)
