"""SBOMs: detection by content, parsing of every format, and ``sailint sbom`` round trips."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import FIXTURES, scan

from sailint.cli import cli
from sailint.collectors.sbom import Sboms
from sailint.config import Config
from sailint.project import Project

SBOM_RULES = ["SAI109", "SAI110", "SAI111", "SAI112"]
HEX = "4e4b1d6a0e3c1b2f9d8c7a6b5e4f3d2c1b0a9f8e"


def _sboms(root: Path) -> Sboms:
    return Project(root, Config()).get(Sboms)


def test_detection_is_by_content_not_name(tmp_path: Path) -> None:
    (tmp_path / "bom.json").write_text('{"bom": "utf-8-sig"}\n')
    (tmp_path / "inventory.txt").write_text(
        "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n"
        "DocumentName: x\nDocumentNamespace: https://example.com/x\n"
        "PackageName: torch\nSPDXID: SPDXRef-torch\nPackageVersion: 2.3.1\n"
        "PackageDownloadLocation: NOASSERTION\n"
        "ExternalRef: PACKAGE-MANAGER purl pkg:pypi/torch@2.3.1\n"
    )
    (tmp_path / "deps").write_text('{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1}')
    documents = _sboms(tmp_path).documents
    assert [(d.path, d.format, d.spec_version, d.errors) for d in documents] == [
        ("deps", "cyclonedx-json", "1.4", []),
        ("inventory.txt", "spdx2-tv", "2.3", []),
    ]
    (component,) = documents[1].components
    assert (component.pypi_name, component.pypi_version, component.line) == ("torch", "2.3.1", 6)


def test_model_card_components_are_read_from_the_raw_document(tmp_path: Path) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {
                "type": "machine-learning-model",
                "name": "acme/reviews",
                "version": HEX,
                "modelCard": {"modelParameters": {"task": "text-classification"}},
                "components": [{"type": "data", "name": "imdb"}],
            }
        ],
    }
    text = json.dumps(bom, indent=2)
    (tmp_path / "ml-bom.json").write_text(text)
    lines = text.splitlines()
    model_line = lines.index('      "name": "acme/reviews",') + 1
    data_line = lines.index('          "name": "imdb"') + 1
    (document,) = _sboms(tmp_path).documents
    assert document.errors == []
    assert [(c.name, c.kind, c.line) for c in document.components] == [
        ("acme/reviews", "machine-learning-model", model_line),
        ("imdb", "data", data_line),
    ]


def test_cyclonedx_json_unknown_spec_version(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text(
        '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.1",\n  "version": 1\n}\n'
    )
    (document,) = _sboms(tmp_path).documents
    assert document.errors == [(3, "specVersion '1.1' has no CycloneDX JSON schema")]


def test_spdx3_structure_errors(tmp_path: Path) -> None:
    (tmp_path / "sbom.jsonld").write_text(
        json.dumps(
            {
                "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
                "@graph": [
                    {"type": "software_Package", "name": "torch"},
                    {"name": "untyped"},
                ],
            },
            indent=1,
        )
    )
    (document,) = _sboms(tmp_path).documents
    assert document.spec_version == "3.0.1"
    assert [message for _, message in document.errors] == [
        "software_Package element 0 has no 'spdxId'",
        "@graph element 1 has no 'type'",
        "no SpdxDocument element in '@graph'",
        "no CreationInfo in '@graph'",
    ]


def _ml_project(root: Path) -> Path:
    source = FIXTURES / "rules" / "SAI111-stale-sbom" / "uv-project-stale-cyclonedx"
    shutil.copytree(source, root)
    (root / "sbom.cdx.json").unlink()
    (root / "models").mkdir()
    (root / "models" / "reranker.onnx").write_bytes(b"\x08\x01onnx-weights")
    (root / "data").mkdir()
    (root / "data" / "faq.jsonl").write_text('{"q": "a", "a": "b"}\n')
    (root / "app.py").write_text(
        "from sentence_transformers import SentenceTransformer\n"
        "from transformers import AutoModel\n"
        "from datasets import load_dataset\n"
        f'enc = AutoModel.from_pretrained("BAAI/bge-small-en-v1.5", revision="{HEX}")\n'
        'docs = load_dataset("acme/faq")\n'
    )
    return root


def _sbom(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["sbom", str(root), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_generated_sbom_is_complete_valid_and_deterministic(tmp_path: Path) -> None:
    root = _ml_project(tmp_path / "repo")
    first = _sbom(root)
    assert first == _sbom(root)
    data = json.loads(first)
    assert data["specVersion"] == "1.6"
    assert "serialNumber" not in data and "timestamp" not in data["metadata"]
    assert data["metadata"]["component"] == {
        "bom-ref": "project:rag-service",
        "name": "rag-service",
        "type": "application",
        "version": "0.4.0",
    }
    components = {c["bom-ref"]: c for c in data["components"]}
    assert sorted(components) == [
        "dataset:data/faq.jsonl",
        "hf-dataset:acme/faq",
        f"hf-model:BAAI/bge-small-en-v1.5@{HEX}",
        "model:models/reranker.onnx",
        "pkg:pypi/fastapi@0.111.0",
        "pkg:pypi/numpy@2.0.0",
        "pkg:pypi/sentence-transformers@3.0.1",
    ]
    assert components["pkg:pypi/numpy@2.0.0"]["hashes"] == [
        {
            "alg": "SHA-256",
            "content": "cf5d1c9e6837f8af9f92b6bd3e86d513cdc11f60fd62185cc49ec7d1aba34864",
        }
    ]
    assert components["model:models/reranker.onnx"]["type"] == "machine-learning-model"
    hub = components[f"hf-model:BAAI/bge-small-en-v1.5@{HEX}"]
    assert hub["purl"] == f"pkg:huggingface/BAAI/bge-small-en-v1.5@{HEX}"
    assert components["hf-dataset:acme/faq"]["type"] == "data"


def test_model_hash_is_the_sha256_of_the_file(tmp_path: Path) -> None:
    import hashlib

    root = _ml_project(tmp_path / "repo")
    data = json.loads(_sbom(root))
    (model,) = [c for c in data["components"] if c["bom-ref"] == "model:models/reranker.onnx"]
    expected = hashlib.sha256(b"\x08\x01onnx-weights").hexdigest()
    assert model["hashes"] == [{"alg": "SHA-256", "content": expected}]


def test_source_date_epoch_sets_the_timestamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _ml_project(tmp_path / "repo")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1717200000")
    data = json.loads(_sbom(root))
    assert data["metadata"]["timestamp"] == "2024-06-01T00:00:00+00:00"


def test_scan_after_generation_is_quiet_and_stale_after_a_lock_change(tmp_path: Path) -> None:
    root = _ml_project(tmp_path / "repo")
    before = scan(root, SBOM_RULES, Config())
    assert sorted({f.rule_id for f in before.open_findings}) == ["SAI109"]
    _sbom(root, "-o", str(root / "sbom.cdx.json"))
    assert scan(root, SBOM_RULES, Config()).open_findings == []
    lock = root / "uv.lock"
    lock.write_text(lock.read_text().replace('version = "3.0.1"', 'version = "3.1.0"'))
    after = scan(root, SBOM_RULES, Config())
    assert [(f.rule_id, f.location.path, f.location.line) for f in after.open_findings] == [
        ("SAI111", "uv.lock", 22)
    ]


def test_a_vex_document_is_not_taken_for_the_sbom(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch==2.3.1\n")
    (tmp_path / "vex.json").write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "vulnerabilities": [
                    {
                        "id": "CVE-2099-1001",
                        "analysis": {"state": "not_affected"},
                        "affects": [{"ref": "pkg:pypi/torch@2.3.1"}],
                    }
                ],
            }
        )
    )
    report = scan(tmp_path, SBOM_RULES, Config())
    assert [(f.rule_id, f.location.path) for f in report.open_findings] == [
        ("SAI109", "requirements.txt")
    ]
