"""Model and dataset documentation: SAI401 to SAI404 (Guideline 2.3)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sailint.collectors.cards import Card, Cards
from sailint.collectors.documents import Document
from sailint.collectors.mlsignals import MlSignals, Signal, is_model_artifact
from sailint.context import RuleContext
from sailint.model import Finding

# Guideline 2.3 asks cards to state these; each field is found by heading or wording.
MODEL_CARD_FIELDS: dict[str, re.Pattern[str]] = {
    "training data sources": re.compile(
        r"training (data|dataset|corpus)|data sources?|fine[- ]?tun\w* (data|on)|trained on|"
        r"datasets? used",
        re.I,
    ),
    "intended use": re.compile(r"intended (use|purpose|users)|direct use|use cases?", re.I),
    "out-of-scope use / limitations": re.compile(
        r"out[- ]of[- ]scope|limitations?|not intended|prohibited use|misuse", re.I
    ),
    "failure modes": re.compile(
        r"failure (modes?|cases)|known failures|fails? (when|on)|error analysis", re.I
    ),
    "guardrails": re.compile(
        r"guardrails?|safety (filters?|measures|mitigations)|content (filter|moderation)|moderation",
        re.I,
    ),
    "hashes or signatures": re.compile(
        r"sha-?256|sha-?512|checksums?|\bhash(es)?\b|\bsignatures?\b|\bsigned\b|sigstore|"
        r"\b[0-9a-f]{64}\b",
        re.I,
    ),
    "retention": re.compile(r"retention|retain(ed)?\b|deletion|delete[ds]? after|kept for", re.I),
    "review frequency": re.compile(
        r"review (frequency|cadence|schedule|date|cycle)|reviewed (every|each|annually|quarterly|"
        r"monthly|yearly)|next review|re-?review",
        re.I,
    ),
}
DATASET_CARD_FIELDS: dict[str, re.Pattern[str]] = {
    "source": re.compile(
        r"\bsources?\b|collected|provenance|\borigins?\b|obtained from|curated from", re.I
    ),
    "license": re.compile(r"licen[cs]e", re.I),
    "retention": MODEL_CARD_FIELDS["retention"],
}
# TODO/TBD/FIXME only in capitals: "todo" is an ordinary word in Spanish and Portuguese cards.
PLACEHOLDERS = re.compile(
    r"\[More Information Needed\]|(?-i:\bTODO\b|\bTBD\b|\bFIXME\b)|<fill[ -]in[^>]*>|"
    r"<(?:your|insert|add|enter)[ _-][^>]*>|\[(?:your|insert|add|enter) [^\]]*\]|"
    r"\{\{\s*[\w.|\s]+\s*\}\}|lorem ipsum",
    re.I,
)

# `code spans` quote literal text (`${{ secrets.X }}`, a `TODO(owner)` marker): not placeholders.
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")


def _blank(match: re.Match[str]) -> str:
    """Spaces of the same length, so columns of later matches stay right."""
    return " " * len(match.group(0))


DVC_OUT_PATH = re.compile(r"^\s*(?:-\s*)?path:\s*['\"]?([^'\"\s#]+)")


def _card_text(card: Card) -> str:
    if card.document is not None:
        front = card.document.front_matter or {}
        return card.document.text + "\n" + " ".join(str(key) for key in front)
    return str(card.data)


def _first_body_line(document: Document | None) -> int:
    """The card's title heading, else its first non-blank line after the front matter."""
    if document is None:
        return 1
    if document.headings:
        return document.headings[0].line
    for number, line in enumerate(document.lines, start=1):
        if number > document.front_matter_end and line.strip():
            return number
    return 1


def _anchor(signals: list[Signal]) -> Signal:
    """The first signal by path and line (a stable place to report)."""
    return min(signals, key=lambda s: (s.path, s.line))


def missing_model_card(ctx: RuleContext) -> Iterator[Finding]:
    """SAI401: the repository produces or ships models but documents none of them."""
    signals = ctx.project.get(MlSignals).shipped_model_signals
    cards = ctx.project.get(Cards).model_cards
    for card in cards:
        ctx.evidence(card.path, 1, f"model card ({card.form})")
    if not signals or cards:
        return
    anchor = _anchor(signals)
    others = len({s.path for s in signals}) - 1
    more = f" and {others} other file(s)" if others > 0 else ""
    yield ctx.finding(
        anchor.path,
        anchor.line,
        f"this repository trains, ships or serves a model ({anchor.reason}{more}) but has no "
        "model card (MODEL_CARD.md, a Hugging Face card README, or a CycloneDX modelCard)",
        key="missing-model-card",
    )


def incomplete_model_card(ctx: RuleContext) -> Iterator[Finding]:
    """SAI402: a Markdown model card lacks fields that Guideline 2.3 names."""
    for card in ctx.project.get(Cards).model_cards:
        if card.document is None:
            continue  # structured cards (Model Card Toolkit, CycloneDX) have their own schemas
        text = _card_text(card)
        missing = [name for name, pattern in MODEL_CARD_FIELDS.items() if not pattern.search(text)]
        if card.document.front_matter and card.document.front_matter.get("datasets"):
            missing = [m for m in missing if m != "training data sources"]
        if missing:
            yield ctx.finding(
                card.path,
                _first_body_line(card.document),
                f"model card does not state: {', '.join(missing)}",
                key="incomplete-model-card",
                properties={"missing_fields": missing},
            )


def _placeholder_documents(ctx: RuleContext) -> list[Document]:
    cards = ctx.project.get(Cards)
    documents = [c.document for c in cards.model_cards + cards.dataset_cards if c.document]
    from sailint.checks.security_docs import security_documents

    documents += security_documents(ctx.project)
    unique = {document.path: document for document in documents}
    return [unique[path] for path in sorted(unique)]


def card_placeholder(ctx: RuleContext) -> Iterator[Finding]:
    """SAI403: a card or security document still holds template placeholders."""
    for document in _placeholder_documents(ctx):
        in_fence = False
        for number, line in enumerate(document.lines, start=1):
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            match = PLACEHOLDERS.search(INLINE_CODE.sub(_blank, line))
            if match:
                yield ctx.finding(
                    document.path,
                    number,
                    f"template placeholder {match.group(0)!r} left in {document.name}",
                    column=match.start() + 1,
                )


def _dataset_triggers(ctx: RuleContext) -> list[Signal]:
    signals = ctx.project.get(MlSignals)
    min_files = int(ctx.option("min-files"))
    min_size = int(ctx.option("min-size"))
    triggers: list[Signal] = []
    big = [p for p in signals.dataset_files if ctx.project.files[p].size >= min_size]
    if len(signals.dataset_files) >= min_files or big:
        first = big[0] if big else signals.dataset_files[0]
        triggers.append(Signal(first, 1, f"{len(signals.dataset_files)} dataset file(s)"))
    for path in ctx.project.paths("*.dvc"):
        if not _tracks_only_models(ctx, path):
            triggers.append(Signal(path, 1, "DVC-tracked data"))
    if "dvc.yaml" in ctx.project.files:
        triggers.append(Signal("dvc.yaml", 1, "DVC pipeline outputs"))
    triggers += signals.local_dataset_loads
    return triggers


def _tracks_only_models(ctx: RuleContext, path: str) -> bool:
    """True when every ``path:`` a ``.dvc`` file tracks is a model file (weights, not data)."""
    outs = [m.group(1) for line in ctx.project.lines(path) if (m := DVC_OUT_PATH.match(line))]
    return bool(outs) and all(is_model_artifact(out) for out in outs)


def missing_dataset_card(ctx: RuleContext) -> Iterator[Finding]:
    """SAI404: datasets without a card, or cards that omit source, license or retention."""
    cards = ctx.project.get(Cards).dataset_cards
    for card in cards:
        text = _card_text(card)
        if card.document is not None and card.document.front_matter:
            front = card.document.front_matter
            text += " source" if front.get("source_datasets") else ""
            text += " license" if front.get("license") else ""
        missing = [
            name for name, pattern in DATASET_CARD_FIELDS.items() if not pattern.search(text)
        ]
        if missing:
            yield ctx.finding(
                card.path,
                _first_body_line(card.document),
                f"dataset card does not state: {', '.join(missing)}",
                key="dataset-card-fields",
                properties={"missing_fields": missing},
            )
        else:
            ctx.evidence(card.path, 1, f"dataset card ({card.form})")
    triggers = _dataset_triggers(ctx)
    if triggers and not cards:
        anchor = triggers[0]
        yield ctx.finding(
            anchor.path,
            anchor.line,
            f"the repository holds or loads datasets ({anchor.reason}) but has no dataset card "
            "(DATASET_CARD.md, datasheet.md, a README.md beside the data, a Hugging Face dataset "
            "README or croissant.json)",
            key="missing-dataset-card",
        )
