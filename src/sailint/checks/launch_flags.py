"""SAI308 and SAI601 beyond Python: command lines, Dockerfile CMDs, YAML / JSON / TOML configs."""

from __future__ import annotations

from collections.abc import Iterator

from sailint.checks.serving_code import (
    JUPYTER_NO_AUTH,
    MLFLOW_PUBLIC,
    RAY_PUBLIC,
)
from sailint.collectors.cliflags import (
    is_streamlit,
    pinned_revision,
    streamlit_cli_settings,
    streamlit_message,
    streamlit_unprotected,
    trust_remote_code_words,
)
from sailint.collectors.launches import Launch, LaunchCommands
from sailint.collectors.remotecode import RemoteCodeConfigs
from sailint.collectors.shell import Word
from sailint.collectors.streamlitcfg import StreamlitConfigs
from sailint.context import RuleContext
from sailint.model import Finding, Level


def _short(sha: str) -> str:
    return sha[:12]


def _remote_code_message(spelled: str, revision: str | None, where: str) -> str:
    if revision:
        return (
            f"`{spelled}` {where} runs Python code from the model repository (pinned to commit "
            f"{_short(revision)}, so review that commit's code)"
        )
    return (
        f"`{spelled}` {where} runs Python code from the model repository at whatever revision "
        "the hub serves"
    )


def trust_remote_code_outside_python(ctx: RuleContext) -> Iterator[Finding]:
    """SAI308 on command lines and in training / serving configs (its python-check reads code)."""
    reported: set[tuple[str, int]] = set()
    for launch in ctx.project.get(LaunchCommands).launches:
        words = trust_remote_code_words(launch.command)
        revision = pinned_revision(launch.words) if words else None
        for word in words:
            if (launch.path, word.line) in reported:
                continue
            reported.add((launch.path, word.line))
            yield ctx.finding(
                launch.path,
                word.line,
                _remote_code_message(word.text, revision, "on this command line"),
                level=Level.WARNING if revision else None,
            )
    for setting in ctx.project.get(RemoteCodeConfigs).settings:
        if (setting.path, setting.line) in reported:
            continue
        reported.add((setting.path, setting.line))
        yield ctx.finding(
            setting.path,
            setting.line,
            _remote_code_message(setting.spelled, setting.revision, "in this config"),
            level=Level.WARNING if setting.revision else None,
        )


def _word_at(words: list[Word], offset: int) -> Word:
    """The word of ``" ".join(raw)`` that holds character ``offset``."""
    position = 0
    for word in words:
        position += len(word.raw) + 1
        if offset < position:
            return word
    return words[-1]


def _launch_hits(launch: Launch) -> Iterator[tuple[int, str]]:
    command = launch.command
    if is_streamlit(command):
        settings = streamlit_cli_settings(command)
        xsrf = streamlit_unprotected(settings)
        if xsrf is not None:
            # Set by a Dockerfile ENV: report the ENV line, where the fix goes.
            variable = xsrf.spelled.split("=", 1)[0]
            yield launch.env_lines.get(variable, xsrf.line), streamlit_message(xsrf, settings)
    joined = " ".join(word.raw for word in command.words)
    for pattern, message in (
        (JUPYTER_NO_AUTH, "Jupyter started with an empty token/password (no authentication)"),
        (RAY_PUBLIC, "Ray dashboard bound to all interfaces (it has no auth)"),
    ):
        found = pattern.search(joined)
        if found:
            yield _word_at(command.words, found.start()).line, message
    found = MLFLOW_PUBLIC.search(joined)
    if found and "basic-auth" not in joined:
        yield (
            _word_at(command.words, found.start()).line,
            "MLflow server bound to all interfaces without `--app-name basic-auth`",
        )


def insecure_serving_default_outside_python(ctx: RuleContext) -> Iterator[Finding]:
    """SAI601 in commands that start servers and Streamlit configs (its python-check reads code)."""
    reported: set[tuple[str, int, str]] = set()
    for launch in ctx.project.get(LaunchCommands).launches:
        for number, message in _launch_hits(launch):
            if (launch.path, number, message) not in reported:
                reported.add((launch.path, number, message))
                yield ctx.finding(launch.path, number, message)
    for config in ctx.project.get(StreamlitConfigs).configs:
        xsrf = streamlit_unprotected(config.server)
        if xsrf is not None:
            yield ctx.finding(config.path, xsrf.line, streamlit_message(xsrf, config.server))
