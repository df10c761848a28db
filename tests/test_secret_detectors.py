"""The secret detectors of rules/secrets/detectors.yml: vectors, allowlists, markers, redaction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sailint.collectors.secretdetect import (
    DetectorError,
    DetectorSet,
    keyword_pattern,
    load_detectors,
    redact,
    shannon_entropy,
)
from sailint.registry import rule_files, rules_dir

DETECTORS = load_detectors()
POSITIVES = [(d.id, v) for d in DETECTORS.detectors for v in d.positives]
NEGATIVES = [(d.id, v) for d in DETECTORS.detectors for v in d.negatives]


@pytest.mark.parametrize(("detector", "vector"), POSITIVES)
def test_true_vector_is_found_once_by_its_detector(detector: str, vector: str) -> None:
    found = DETECTORS.scan_text(vector, "vector.txt")
    assert [m.detector.id for m in found] == [detector]
    assert found[0].secret in vector


@pytest.mark.parametrize(("detector", "vector"), NEGATIVES)
def test_false_vector_is_quiet_for_every_detector(detector: str, vector: str) -> None:
    assert [m.detector.id for m in DETECTORS.scan_text(vector, "vector.txt")] == []


def test_required_providers_have_detectors() -> None:
    providers = {d.provider for d in DETECTORS.detectors}
    for wanted in (
        "Hugging Face token", "OpenAI API key", "Anthropic API key", "Cohere API key",
        "Replicate API token", "Groq API key", "Mistral API key", "Google API key (Gemini)",
        "Azure OpenAI key", "AWS access key ID", "AWS secret access key",
        "GCP service-account private key", "GitHub token", "Slack token", "Stripe key",
        "Weights & Biases API key", "Pinecone API key", "Kaggle API key", "Private key (PEM)",
        "Database URL password", "Generic secret", "Password",
    ):  # fmt: skip
        assert wanted in providers


@pytest.mark.parametrize(
    "line",
    [
        'OPENAI_API_KEY = "YOUR_API_KEY"',
        'api_key = "sk-..."',
        'api_key = os.environ["OPENAI_API_KEY"]',
        "token: ${{ secrets.HF_TOKEN }}",
        "secret_key: 4b825dc642cb6eb9a060e54bf8d69288fbee4904",  # a git SHA
        "auth_token: 9f86d081884c7d659a2feaeabd0b3b1d8aeb0b5fc6a7b3c6b7d3c1f2e1a0b9c8",  # digest
        "api_key_id = 0f8fad5b-d9cb-469f-a165-70867728950e",
        "access_token = 0f8fad5b-d9cb-469f-a165-70867728950e",  # a UUID
        'image: "python@sha256:2f6cc3e0a4c2c5c8b2b2f8c1d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3"',
        'api_token = "<your-token>"',
        "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_placeholders_references_and_hashes_stay_quiet(line: str) -> None:
    assert DETECTORS.scan_text(line, "settings.yaml") == []


def test_lockfile_hashes_stay_quiet() -> None:
    lock = (
        '[[package]]\nname = "tokenizers"\nversion = "0.19.1"\n'
        'files = [{file = "tokenizers-0.19.1.tar.gz", '
        'hash = "sha256:ee59e6680ed0fdbe6b724cf38bd70400a0c1dd623b07ac729087270caeac88e3"}]\n'
        'secret_token = "Zk3p9QvX2mL8rT5wB7nC4yH6"\n'
    )
    assert DETECTORS.scan_text(lock, "poetry.lock") == []
    # The same assignment outside a lockfile is a generic secret.
    found = DETECTORS.scan_text(lock, "settings.toml")
    assert [(m.detector.id, m.line) for m in found] == [("generic-api-key", 5)]


def test_generic_values_in_code_must_be_string_literals() -> None:
    code = "api_token = Q7wZ2mX9kL4pR8tV3nB6yH1c\napi_token = 'Zk3p9QvX2mL8rT5wB7nC4yH6'\n"
    assert [m.line for m in DETECTORS.scan_text(code, "auth.py")] == [2]
    assert [m.line for m in DETECTORS.scan_text(code, "auth.cfg")] == [1, 2]


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ('HF = "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"  # gitleaks:allow', "gitleaks:allow"),
        (
            'HF = "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"  # pragma: allowlist secret',
            "pragma: allowlist secret",
        ),
        (
            '# pragma: allowlist nextline secret\nHF = "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"',
            "pragma: allowlist nextline secret",
        ),
        ('HF = "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"', None),
    ],
)
def test_markers_of_other_scanners_are_recorded(text: str, marker: str | None) -> None:
    (found,) = DETECTORS.scan_text(text, "config.py")
    assert found.marker == marker


def test_pem_key_reported_once_on_its_begin_line() -> None:
    body = "\n".join(
        ["WUgQtEyXziOFxb/0AZuNGtJ+2TGwB2jatn4Sdd/cwOnFSAVMiodvQLbYItqS04iI"] * 4
    ).replace("WUgQ", "Wq9Q", 1)
    text = f"notes\n-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----\n"
    found = DETECTORS.scan_text(text, "deploy/key.pem")
    assert [(m.detector.id, m.line, m.column) for m in found] == [("private-key", 2, 1)]


def test_gcp_service_account_wins_over_private_key() -> None:
    (vector,) = DETECTORS.by_id("gcp-service-account").positives
    found = DETECTORS.scan_text(vector, "sa.json")
    assert [(m.detector.id, m.line) for m in found] == [("gcp-service-account", 5)]


def test_redaction_shows_prefix_length_and_fingerprint_only() -> None:
    secret = "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"
    text = redact(secret)
    assert text.startswith("hf_E… (37 chars, fp ")
    assert secret[4:8] not in text
    assert redact("Kq7!vR2m").startswith("Kq… (8 chars")


def test_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0


def test_detector_file_is_not_a_rule_file_and_ships_next_to_rules() -> None:
    path = rules_dir() / "secrets" / "detectors.yml"
    assert path.is_file()
    assert path not in rule_files()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"detectors": []}, "non-empty list"),
        ({"detectors": [{"id": "x", "pattern": "(", "keywords": ["a"]}]}, "x.tests"),
        (
            {
                "detectors": [
                    {"id": "x", "pattern": "(", "keywords": ["a"],
                     "tests": {"positive": ["a"], "negative": ["b"]}}
                ]
            },
            "x.pattern: invalid regex",
        ),
        (
            {
                "detectors": [
                    {"id": "x", "pattern": "x", "keywords": ["a"],
                     "tests": {"positive": ["a"], "negative": ["b"]}}
                ],
                "allowlist": {"generic-values": ["[a-"]},
            },
            "allowlist.generic-values: invalid regex",
        ),
        ({"detectors": [{"id": "x", "keywords": ["A"]}]}, "lowercase"),
        ({"detectors": [{"id": "x", "colour": "red"}]}, "unknown field 'colour'"),
    ],
)  # fmt: skip
def test_invalid_detector_data_is_named(data: dict[str, object], message: str) -> None:
    with pytest.raises(DetectorError, match=message):
        DetectorSet(data)


def test_every_regex_of_the_shipped_file_compiles(tmp_path: Path) -> None:
    # The shipped detectors compile their regexes when first used (a scan compiles only those
    # some keyword wakes): this is where an invalid one is caught. Any other file is compiled
    # whole when loaded, which the copy here checks too.
    from sailint.collectors import secretdetect

    shipped = secretdetect._load.__wrapped__(str(secretdetect.detectors_path()))  # not cached
    assert not any("pattern" in vars(detector) for detector in shipped.detectors)
    assert not {"allow_values", "generic_paths", "generic_values"} & set(vars(shipped))
    copy = tmp_path / "detectors.yml"
    copy.write_bytes((rules_dir() / "secrets" / "detectors.yml").read_bytes())
    loaded = load_detectors(copy)
    assert [d.id for d in loaded.detectors] == [d.id for d in shipped.detectors]
    for detector in loaded.detectors:
        assert {"pattern", "context", "allow_values", "allow_names"} <= set(vars(detector))
    assert {"allow_values", "generic_paths", "generic_values"} <= set(vars(loaded))
    text = copy.read_text(encoding="utf-8")
    bad = tmp_path / "bad-context.yml"
    bad.write_text(text.replace("    context: ", "    context: '(' #", 1), encoding="utf-8")
    with pytest.raises(DetectorError, match=r"\.context: invalid regex"):
        load_detectors(bad)


def test_unreadable_detector_file(tmp_path: Path) -> None:
    bad = tmp_path / "detectors.yml"
    bad.write_text("detectors: [", encoding="utf-8")
    with pytest.raises(DetectorError, match="cannot load"):
        load_detectors(bad)


KEYWORDS = sorted({k for d in DETECTORS.detectors for k in d.keywords})


def _start(pattern: re.Pattern[str], text: str, position: int) -> int | None:
    found = pattern.search(text, position)
    return None if found is None else found.start()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(KEYWORDS),
            st.sampled_from(KEYWORDS).map(lambda k: k[:-1]),  # near misses
            st.text(alphabet='ak_-:/"ey \nsp', max_size=6),
        ),
        max_size=12,
    ),
    st.lists(st.sampled_from(KEYWORDS), min_size=1, max_size=6, unique=True),
)
def test_the_keyword_trie_finds_what_the_alternation_finds(
    pieces: list[str], some: list[str]
) -> None:
    # The secret scan only uses where the leftmost keyword starts, from any position.
    text = "".join(pieces)
    for keywords in (KEYWORDS, some):
        alternation = re.compile("|".join(re.escape(k) for k in keywords))
        trie = re.compile(keyword_pattern(keywords))
        for position in range(len(text) + 1):
            assert _start(trie, text, position) == _start(alternation, text, position)
