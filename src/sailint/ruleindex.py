"""A generated JSON copy of the parsed rule files, so that startup need not parse ~140 YAML files.

``rules/index.json`` maps each rule file (relative name) to the SHA-256 of its bytes and the
document YAML parsed it into. The registry uses an entry only while the digest still matches the
file, and parses the YAML otherwise, so an edited or new rule is never read stale; the index
only saves time. ``python -m sailint.docs`` regenerates it and ``--check`` (and the test suite)
reports it stale.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

INDEX_FILE = "index.json"
FORMAT = 1


def digest(raw: bytes) -> str:
    """The content digest the index records for a rule file."""
    return hashlib.sha256(raw).hexdigest()


def read_index(directory: Path) -> dict[str, tuple[str, Any]]:
    """Relative rule-file name -> (digest, parsed document); empty if absent or unreadable."""
    try:
        with open(directory / INDEX_FILE, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    rules = data.get("rules")
    if not isinstance(rules, dict):
        return {}
    entries: dict[str, tuple[str, Any]] = {}
    for name, entry in rules.items():
        if isinstance(entry, dict) and isinstance(entry.get("sha256"), str) and "document" in entry:
            entries[name] = (entry["sha256"], entry["document"])
    return entries


def render_index(documents: dict[str, tuple[bytes, Any]]) -> str:
    """The index text for ``name -> (file bytes, parsed document)``.

    A document JSON cannot represent as it is (a YAML date, a non-string key) is left out:
    that file is always parsed from its YAML.
    """
    rules: dict[str, Any] = {}
    for name in sorted(documents):
        raw, document = documents[name]
        try:
            faithful = json.loads(json.dumps(document)) == document
        except (TypeError, ValueError):
            faithful = False
        if not faithful:
            continue
        rules[name] = {"sha256": digest(raw), "document": document}
    # Key order inside documents is kept (a rule's options are listed in file order).
    return json.dumps({"format": FORMAT, "rules": rules}, indent=1, ensure_ascii=False) + "\n"


def sync_index(directory: Path, check: bool) -> bool:
    """Write (or, with ``check``, only compare) ``directory``'s index; True if it was stale."""
    from sailint.registry import rule_documents

    wanted = render_index(rule_documents(directory))
    target = directory / INDEX_FILE
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current == wanted:
        return False
    if not check:
        target.write_text(wanted, encoding="utf-8")
    return True
