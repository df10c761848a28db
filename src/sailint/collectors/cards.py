"""Model cards, dataset cards and security documents found in the project."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sailint.collectors.documents import Document, Documents
from sailint.collectors.mlsignals import TEST_DIRS, is_dataset_file
from sailint.project import Project, View

MODEL_CARD_NAMES = r"(.*/)?(model[_-]?card|modelcard)(\.[\w-]+)?\.(md|markdown|rst|txt)"
DATASET_CARD_NAMES = r"(.*/)?(dataset[_-]?card|data[_-]?card|datacard|datasheet[\w-]*)(\.[\w-]+)?\.(md|markdown|rst|txt)"
# One card per file in a cards directory (docs/model-cards/intent.md); its README is an index.
MODEL_CARD_DIRS = r"(.*/)?model[_-]?cards?/(?!(.*/)?readme\.)[\w./-]+\.(md|markdown|rst|txt)"
DATASET_CARD_DIRS = r"(.*/)?(dataset[_-]?cards?|data[_-]?cards?|datasheets?)/(?!(.*/)?readme\.)[\w./-]+\.(md|markdown|rst|txt)"
HF_MODEL_KEYS = {"base_model", "model-index", "pipeline_tag", "library_name", "model_name"}
HF_DATASET_KEYS = {
    "dataset_info", "configs", "task_categories", "source_datasets", "size_categories",
    "annotations_creators", "pretty_name", "language_creators", "multilinguality",
}  # fmt: skip
README = re.compile(r"(.*/)?readme\.(md|markdown)", re.IGNORECASE)


@dataclass(frozen=True)
class Card:
    """A model or dataset card: Markdown (with its parsed document) or a structured JSON card."""

    path: str
    kind: str  # "model" | "dataset"
    form: str  # "markdown" | "hf-readme" | "data-readme" | "model-card-toolkit" | "cyclonedx" | "croissant"
    document: Document | None = None
    data: object = None


@dataclass
class Cards(View):
    """Every card of the project."""

    model_cards: list[Card] = field(default_factory=list)
    dataset_cards: list[Card] = field(default_factory=list)

    @classmethod
    def build(cls, project: Project) -> Cards:
        """See ``View.build``."""
        cards = cls()
        documents = project.get(Documents)
        for document in documents.named(MODEL_CARD_NAMES, MODEL_CARD_DIRS):
            cards.model_cards.append(Card(document.path, "model", "markdown", document))
        for document in documents.named(DATASET_CARD_NAMES, DATASET_CARD_DIRS):
            cards.dataset_cards.append(Card(document.path, "dataset", "markdown", document))
        for document in documents.documents:
            if not README.fullmatch(document.path) or not document.front_matter:
                continue
            keys = set(document.front_matter)
            if keys & HF_MODEL_KEYS:
                cards.model_cards.append(Card(document.path, "model", "hf-readme", document))
            elif keys & HF_DATASET_KEYS:
                cards.dataset_cards.append(Card(document.path, "dataset", "hf-readme", document))
        # A README beside the dataset files it describes (data/README.md) is that data's card.
        data_dirs = {p.rsplit("/", 1)[0] for p in project.files if "/" in p and is_dataset_file(p)}
        for document in documents.documents:
            folder = document.path.rsplit("/", 1)[0] if "/" in document.path else ""
            if (
                README.fullmatch(document.path)
                and folder in data_dirs
                and not TEST_DIRS.search(document.path)
                and document.path not in {card.path for card in cards.dataset_cards}
                and document.path not in {card.path for card in cards.model_cards}
            ):
                cards.dataset_cards.append(Card(document.path, "dataset", "data-readme", document))
        for path in project.paths("*.json", "*.jsonld"):
            entry = project.files[path]
            if entry.size > 2 * 1024 * 1024:
                continue
            text = project.text(path)
            if text is None or not any(
                marker in text for marker in ('"model_details"', '"modelCard"', '"recordSet"')
            ):
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                line = min(error.lineno, len(text.splitlines()) or 1)  # EOF is past the end
                project.notify(
                    "warning", f"invalid JSON ({error.msg}); not read as a card", path, line
                )
                continue
            except RecursionError:
                project.notify("warning", "JSON nested too deeply; not read as a card", path, 1)
                continue
            if not isinstance(data, dict):
                continue
            if "model_details" in data:
                cards.model_cards.append(Card(path, "model", "model-card-toolkit", data=data))
            elif data.get("bomFormat") == "CycloneDX" and '"modelCard"' in text:
                cards.model_cards.append(Card(path, "model", "cyclonedx", data=data))
            elif "recordSet" in data or "croissant" in str(data.get("conformsTo", "")):
                cards.dataset_cards.append(Card(path, "dataset", "croissant", data=data))
        return cards
