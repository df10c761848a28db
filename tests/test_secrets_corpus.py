"""Recall and false positives per secret detector over the fixture corpus (fixtures/secrets-corpus.yaml)."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
import yaml
from helpers import FIXTURES, scan
from test_rule_fixtures import RULE_FIXTURES, _build_history

from sailint.model import Finding

CORPUS = yaml.safe_load((FIXTURES / "secrets-corpus.yaml").read_text(encoding="utf-8"))
RULES = ["SAI201", "SAI202", "SAI203"]

# What the corpus measured (tp = planted secrets found by their detector, fn = missed,
# fp = findings on anything that is not a planted secret). Update together with the corpus.
MEASURED = {
    "anthropic-api-key": (1, 0, 0),
    "aws-access-key-id": (1, 0, 0),
    "aws-secret-access-key": (1, 0, 0),
    "azure-openai-key": (1, 0, 0),
    "cohere-api-key": (1, 0, 0),
    "database-url-password": (1, 0, 0),
    "gcp-service-account": (2, 0, 0),
    "generic-api-key": (2, 0, 1),
    "generic-password": (1, 0, 0),
    "github-token": (1, 0, 0),
    "google-api-key": (1, 0, 0),
    "groq-api-key": (1, 0, 0),
    "huggingface-token": (8, 1, 0),
    "kaggle-json-key": (2, 0, 0),
    "mistral-api-key": (1, 0, 0),
    "openai-api-key": (2, 0, 0),
    "pinecone-api-key": (2, 0, 0),
    "private-key": (2, 0, 0),
    "replicate-api-token": (2, 0, 0),
    "wandb-api-key": (2, 1, 0),
    "wandb-config-key": (2, 0, 0),
}


def _place(finding: Finding) -> str:
    if finding.rule_id == "SAI203":
        props = finding.properties
        return f"{props['historicalPath']}:{props['historicalLine']}@history"
    return f"{finding.location.path}:{finding.location.line}"


def _labels(entries: dict[str, object] | None) -> Counter[tuple[str, str]]:
    labels: Counter[tuple[str, str]] = Counter()
    for place, detectors in (entries or {}).items():
        for detector in detectors if isinstance(detectors, list) else [detectors]:
            labels[(str(place), str(detector))] += 1
    return labels


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, int, int]]:
    table: dict[str, list[int]] = {}
    for name, truth in CORPUS.items():
        source = RULE_FIXTURES / name
        case = tmp_path_factory.mktemp("corpus") / source.name
        shutil.copytree(source, case, symlinks=True)
        history = source.with_name(source.name + ".history.yaml")
        if history.exists():
            _build_history(case, source, history)
        report = scan(case, RULES)
        found = Counter(
            (_place(f), str(f.properties["detector"]))
            for f in report.findings
            if f.rule_id in RULES
        )
        wanted = _labels(truth.get("secrets"))
        for place, detector in found | wanted:
            row = table.setdefault(detector, [0, 0, 0])
            hits = min(found[(place, detector)], wanted[(place, detector)])
            row[0] += hits
            row[1] += wanted[(place, detector)] - hits
            row[2] += found[(place, detector)] - hits
    return {detector: (tp, fn, fp) for detector, (tp, fn, fp) in table.items()}


def test_recall_and_false_positives_per_detector(
    measured: dict[str, tuple[int, int, int]],
) -> None:
    lines = [f"{'detector':<24} recall  fp"]
    for detector, (tp, fn, fp) in sorted(measured.items()):
        lines.append(f"{detector:<24} {tp}/{tp + fn:<5} {fp}")
    print("\n".join(lines))
    assert measured == MEASURED


def test_corpus_has_more_decoys_than_secrets() -> None:
    secrets = sum(sum(_labels(t.get("secrets")).values()) for t in CORPUS.values())
    decoys = sum(len(t.get("decoys") or {}) for t in CORPUS.values())
    assert (secrets, decoys) == (39, 80)
    assert decoys > secrets
