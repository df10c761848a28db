"""Reading security-relevant flags from a command's words: remote code, Streamlit protections."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sailint.collectors.pyresolve import is_commit_sha
from sailint.collectors.shell import Command, Word

TRUE_WORDS = {"true", "yes", "on", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "off", "0", "n", "f"}
TRUST_FLAG = re.compile(r"^--trust[-_]remote[-_]code(?:=(?P<value>.*))?$")
# lm-eval style key=value lists: `--model_args pretrained=org/m,trust_remote_code=True,revision=..`
KEY_VALUE_LIST = re.compile(r"^[\w.-]+=[^\s,=]*(?:,[\w.-]+=[^\s,=]*)*$")
TRUST_KEYS = ("trust_remote_code", "trust-remote-code")
REVISION_FLAGS = {"--revision", "--code-revision", "--code_revision", "--model-revision"}
REVISION_FLAGS |= {"--model_revision"}
PRINTERS = {"echo", "printf"}  # words they print are text, not flags
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
STREAMLIT_ENV = {
    "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION": "enableXsrfProtection",
    "STREAMLIT_SERVER_ENABLE_CORS": "enableCORS",
    "STREAMLIT_SERVER_ADDRESS": "address",
}


def truth(value: str) -> bool | None:
    """True / False for a boolean word as CLIs and configs spell it, None for anything else."""
    lowered = value.strip().strip("'\"").lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


def key_values(text: str) -> dict[str, str] | None:
    """``a=1,b=2`` as a dict (an option prefix ``--model_args=`` is dropped), else None."""
    if text.startswith("-"):
        text = text.partition("=")[2]
    if not KEY_VALUE_LIST.match(text):
        return None
    return dict(pair.split("=", 1) for pair in text.split(","))


def kv_trust(pairs: dict[str, str]) -> str | None:
    """The ``trust_remote_code=...`` pair of a key=value list when it is true."""
    for key in TRUST_KEYS:
        if key in pairs and truth(pairs[key]) is True:
            return f"{key}={pairs[key]}"
    return None


def kv_revision(pairs: dict[str, str]) -> str | None:
    """A 40-hex ``revision=`` / ``code_revision=`` of a key=value list."""
    for key in ("code_revision", "revision"):
        if is_commit_sha(pairs.get(key, "")):
            return pairs[key]
    return None


def pinned_revision(words: list[Word]) -> str | None:
    """A 40-hex ``--revision`` / ``--code-revision`` (or ``revision=`` in a key=value list)."""
    for index, word in enumerate(words):
        name, equals, value = word.text.partition("=")
        if name in REVISION_FLAGS:
            if not equals:
                value = words[index + 1].text if index + 1 < len(words) else ""
            if is_commit_sha(value):
                return value
        pairs = key_values(word.text)
        if pairs is not None and kv_revision(pairs):
            return kv_revision(pairs)
    return None


def trust_remote_code_words(command: Command) -> list[Word]:
    """Words that turn remote code on: ``--trust-remote-code[=true]``, ``trust_remote_code=True``.

    ``--trust-remote-code false`` / ``=0`` turn it off; a value held in a variable is unknown and
    not reported; words printed by ``echo`` are text.
    """
    if command.name in PRINTERS:
        return []
    words = command.words
    found: list[Word] = []
    for index, word in enumerate(words):
        flag = TRUST_FLAG.match(word.text)
        if flag is not None:
            value = flag.group("value")
            if value is None:
                following = words[index + 1].raw if index + 1 < len(words) else ""
                if truth(following) is None and following.lstrip("\"'").startswith("$"):
                    continue  # `--trust_remote_code $TRUST`: decided at run time
                if truth(following) is not False:
                    found.append(word)
            elif truth(value) is True:
                found.append(word)
            continue
        pairs = key_values(word.text)
        if pairs is not None and kv_trust(pairs):
            found.append(word)
    return found


def is_streamlit(command: Command) -> bool:
    """``streamlit run ...`` or ``python -m streamlit run ...``."""
    argv = command.argv
    if command.name == "streamlit":
        return argv[1:2] == ["run"]
    for index in range(len(argv) - 2):
        if argv[index] == "-m" and argv[index + 1] == "streamlit" and argv[index + 2] == "run":
            return True
    return False


@dataclass(frozen=True)
class Setting:
    """A Streamlit server setting as written: its value and the line that sets it."""

    value: str
    line: int
    spelled: str  # how the user wrote it: `--server.enableXsrfProtection false`


def streamlit_cli_settings(command: Command) -> dict[str, Setting]:
    """``server.*`` settings of a ``streamlit run`` command: its options, then its env prefix."""
    settings: dict[str, Setting] = {}
    for name, key in STREAMLIT_ENV.items():
        if name in command.env:
            value = command.env[name]
            settings[key] = Setting(value, command.line, f"{name}={value}")
    words = command.words
    for index, word in enumerate(words):
        if not word.text.startswith("--server."):
            continue
        option, equals, value = word.text[len("--server.") :].partition("=")
        spelled = word.text
        if not equals:
            value = words[index + 1].text if index + 1 < len(words) else ""
            spelled = f"{word.text} {value}".strip()
        settings[option] = Setting(value, word.line, spelled)
    return settings


def streamlit_unprotected(settings: dict[str, Setting]) -> Setting | None:
    """The setting that turns XSRF protection off, when the server is not bound to loopback.

    Streamlit re-enables CORS protection while XSRF protection is on, so ``enableCORS=false``
    alone changes nothing; an unset ``address`` listens on every interface.
    """
    xsrf = settings.get("enableXsrfProtection")
    if xsrf is None or truth(xsrf.value) is not False:
        return None
    address = settings.get("address")
    if address is not None and address.value.strip("'\"") in LOOPBACK:
        return None
    return xsrf


def streamlit_message(xsrf: Setting, settings: dict[str, Setting]) -> str:
    """What the rule says about an unprotected Streamlit server."""
    cors = settings.get("enableCORS")
    both = cors is not None and truth(cors.value) is False
    address = settings.get("address")
    bound = (
        f"bound to {address.value.strip(chr(34) + chr(39))}"
        if address is not None
        else "listening on every interface (no `server.address`)"
    )
    what = "XSRF and CORS protection off" if both else "XSRF protection off"
    return (
        f"Streamlit served with {what} (`{xsrf.spelled}`), {bound}: any web page a user "
        "visits can drive the app with their session"
    )
