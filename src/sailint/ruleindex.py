"""A generated JSON copy of the parsed rule files, so that startup need not parse ~140 YAML files.

``rules/index.json`` maps each rule file (relative name) to the SHA-256 of its bytes and the
document YAML parsed it into; under ``data`` it does the same for the YAML data files every scan
reads (the secret detectors), so that a scan of files without YAML never imports PyYAML. The
registry uses an entry only while the digest still matches the file, and parses the YAML
otherwise, so an edited or new rule is never read stale; the index only saves time.
``python -m sailint.docs`` regenerates it and ``--check`` (and the test suite) reports it stale.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

INDEX_FILE = "index.json"
FORMAT = 1
DETECTORS_FILE = "secrets/detectors.yml"  # the secret detectors (collectors/secretdetect.py)
DATA_FILES = (DETECTORS_FILE,)  # YAML data files every scan reads


def digest(raw: bytes) -> str:
    """The content digest the index records for a rule file."""
    return hashlib.sha256(raw).hexdigest()


def _read(index_path: str) -> dict[str, Any]:
    """The index file's content, empty if absent or unreadable (read once while unchanged)."""
    try:
        stat = os.stat(index_path)
    except OSError:
        return {}
    return _read_version(index_path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_version(index_path: str, _mtime_ns: int, _size: int) -> dict[str, Any]:
    try:
        with open(index_path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    return data


def _entries(section: Any) -> dict[str, tuple[str, Any]]:
    entries: dict[str, tuple[str, Any]] = {}
    for name, entry in section.items() if isinstance(section, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("sha256"), str) and "document" in entry:
            entries[name] = (entry["sha256"], entry["document"])
    return entries


def read_index(directory: Path) -> dict[str, tuple[str, Any]]:
    """Relative rule-file name -> (digest, parsed document); empty if absent or unreadable."""
    return _entries(_read(str(directory / INDEX_FILE)).get("rules"))


def indexed_data(directory: Path, name: str, raw: bytes) -> tuple[bool, Any]:
    """``(True, document)`` if the index holds data file ``name`` for exactly ``raw``."""
    entry = _entries(_read(str(directory / INDEX_FILE)).get("data")).get(name)
    if entry is None or entry[0] != digest(raw):
        return False, None
    return True, entry[1]


def render_index(
    documents: dict[str, tuple[bytes, Any]], data: dict[str, tuple[bytes, Any]] | None = None
) -> str:
    """The index text for rule files and data files, each ``name -> (bytes, parsed document)``.

    A document JSON cannot represent as it is (a YAML date, a non-string key) is left out:
    that file is always parsed from its YAML.
    """
    index: dict[str, Any] = {"format": FORMAT, "rules": _section(documents)}
    if data:
        index["data"] = _section(data)
    # Key order inside documents is kept (a rule's options are listed in file order).
    return json.dumps(index, indent=1, ensure_ascii=False) + "\n"


def _section(documents: dict[str, tuple[bytes, Any]]) -> dict[str, Any]:
    entries: dict[str, Any] = {}
    for name in sorted(documents):
        raw, document = documents[name]
        try:
            faithful = json.loads(json.dumps(document)) == document
        except (TypeError, ValueError):
            faithful = False
        if faithful:
            entries[name] = {"sha256": digest(raw), "document": document}
    return entries


def sync_index(directory: Path, check: bool) -> bool:
    """Write (or, with ``check``, only compare) ``directory``'s index; True if it was stale."""
    from sailint.registry import parse_yaml_bytes, rule_documents

    data = {}
    for name in DATA_FILES:
        if (directory / name).is_file():
            raw = (directory / name).read_bytes()
            data[name] = (raw, parse_yaml_bytes(name, raw))
    wanted = render_index(rule_documents(directory), data)
    target = directory / INDEX_FILE
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current == wanted:
        return False
    if not check:
        target.write_text(wanted, encoding="utf-8")
    return True
