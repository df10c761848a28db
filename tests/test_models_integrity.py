"""SAI311/SAI312 integrity records, ``sailint hash``, and the generated model fixtures."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import scan

from sailint.cli import main
from sailint.commands.hash import manifest_line

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import make_model_files as mk

WEIGHTS = mk.good_safetensors()
DIGEST = hashlib.sha256(WEIGHTS).hexdigest()
RULES = ["SAI311", "SAI312"]


def write(root: Path, files: dict[str, bytes | str]) -> None:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)


def findings(root: Path) -> list[tuple[str, int, str, str]]:
    report = scan(root, RULES)
    return sorted(
        (f.location.path, f.location.line, f.rule_id, f.message) for f in report.open_findings
    )


def test_gnu_bsd_and_single_digest_manifests_cover_models(tmp_path: Path) -> None:
    write(tmp_path, {
        "a/model.safetensors": WEIGHTS,
        "a/SHA256SUMS": f"{DIGEST} *model.safetensors\n",
        "b/model.safetensors": WEIGHTS,
        "b/checksums.sha256": f"SHA256 (model.safetensors) = {DIGEST}\n",
        "c/model.safetensors": WEIGHTS,
        "c/model.safetensors.sha256": f"{DIGEST}\n",
        "d/model.safetensors": WEIGHTS,
        "MODELS.sha256sums": f"# release 1.2\n{DIGEST}  ./d/model.safetensors\n",
    })  # fmt: skip
    assert findings(tmp_path) == []
    evidence = {(e.path, e.line) for e in scan(tmp_path, RULES).evidence}
    assert ("a/SHA256SUMS", 1) in evidence and ("MODELS.sha256sums", 2) in evidence


def test_unrecorded_model_and_lfs_pointer(tmp_path: Path) -> None:
    write(tmp_path, {"m/model.pt": mk.torch_zip(mk.state_dict_pickle()),
                     "m/pytorch_model.bin": mk.lfs_pointer(b"w")})  # fmt: skip
    assert [(p, line, r) for p, line, r, _ in findings(tmp_path)] == [
        ("m/model.pt", 1, "SAI311"),
        ("m/pytorch_model.bin", 1, "SAI311"),
    ]


def test_lfs_pointer_is_verified_against_its_oid(tmp_path: Path) -> None:
    content = b"real weights"
    good = hashlib.sha256(content).hexdigest()
    write(tmp_path, {"m/pytorch_model.bin": mk.lfs_pointer(content),
                     "m/SHA256SUMS": f"{good}  pytorch_model.bin\n"})  # fmt: skip
    assert findings(tmp_path) == []
    (tmp_path / "m/SHA256SUMS").write_text(f"{'1' * 64}  pytorch_model.bin\n", encoding="utf-8")
    [(path, line, rule, message)] = findings(tmp_path)
    assert (path, line, rule) == ("m/SHA256SUMS", 1, "SAI312")
    assert "(the oid of its Git LFS pointer)" in message


def test_mismatch_and_gone_file(tmp_path: Path) -> None:
    write(tmp_path, {"m/model.safetensors": WEIGHTS + b"x",
                     "m/SHA256SUMS": f"{DIGEST}  model.safetensors\n{DIGEST}  gone.safetensors\n"})  # fmt: skip
    actual = hashlib.sha256(WEIGHTS + b"x").hexdigest()
    assert findings(tmp_path) == [
        ("m/SHA256SUMS", 1, "SAI312",
         f"hash manifest records sha256 {DIGEST[:16]}… for m/model.safetensors, but the file's "
         f"digest is {actual[:16]}…: the file changed or was tampered with."),
        ("m/SHA256SUMS", 2, "SAI312",
         "hash manifest lists m/gone.safetensors, which is not in the repository."),
    ]  # fmt: skip


def test_escaped_manifest_names(tmp_path: Path) -> None:
    write(tmp_path, {"m/odd\\name.safetensors": WEIGHTS})
    line = manifest_line(DIGEST, "odd\\name.safetensors")
    assert line == f"\\{DIGEST}  odd\\\\name.safetensors\n"
    write(tmp_path, {"m/SHA256SUMS": line})
    assert findings(tmp_path) == []


def test_model_signing_bundle_v1(tmp_path: Path) -> None:
    write(tmp_path, {"release/model.safetensors": WEIGHTS,
                     "release/model.sig": mk.model_sig({"model.safetensors": DIGEST})})  # fmt: skip
    assert findings(tmp_path) == []
    (tmp_path / "release/model.safetensors").write_bytes(WEIGHTS + b"tampered")
    [(path, line, rule, message)] = findings(tmp_path)
    assert (path, line, rule) == ("release/model.sig", 9, "SAI312")
    assert message.endswith(
        "(payload digests recomputed offline; the signature itself was not verified offline)."
    )


def test_model_signing_bundle_next_to_the_model_directory(tmp_path: Path) -> None:
    # `model_signing sign bert` run from the parent: resources are relative to bert/.
    write(tmp_path, {"bert/model.safetensors": WEIGHTS,
                     "model.sig": mk.model_sig({"model.safetensors": DIGEST}, model="bert")})  # fmt: skip
    assert findings(tmp_path) == []


def test_model_signing_shards_blake2_and_v01(tmp_path: Path) -> None:
    blake = hashlib.blake2b(WEIGHTS).hexdigest()
    shard = hashlib.sha256(WEIGHTS[:10]).hexdigest()
    sig = json.loads(mk.model_sig({"model.safetensors": DIGEST}))
    statement = json.loads(base64.b64decode(sig["dsseEnvelope"]["payload"]))
    statement["predicate"]["resources"] = [
        {"name": "model.safetensors", "algorithm": "blake2", "digest": blake},
        {"name": "model.safetensors:0:10", "algorithm": "sha256", "digest": shard},
        {"name": "tokenizer.json", "algorithm": "blake3", "digest": "ab" * 32},
    ]
    sig["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    old = {"_type": "https://in-toto.io/Statement/v1",
           "predicateType": "https://model_signing/Digests/v0.1",
           "subject": [{"name": "other.safetensors", "digest": {"sha256": DIGEST}}]}  # fmt: skip
    old_sig = json.loads(mk.model_sig({}))
    old_sig["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(old).encode()).decode()
    write(tmp_path, {"r/model.safetensors": WEIGHTS, "r/tokenizer.json": "{}",
                     "r/other.safetensors": WEIGHTS, "r/model.sig": json.dumps(sig),
                     "r/old.sigstore.json": json.dumps(old_sig)})  # fmt: skip
    report = scan(tmp_path, RULES)
    assert report.open_findings == []
    assert [n.message for n in report.notifications] == [
        "blake3 digest of r/tokenizer.json cannot be recomputed offline"
    ]


def test_cyclonedx_hashes_by_name_occurrence_and_digest(tmp_path: Path) -> None:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "machine-learning-model", "name": "sentiment",
         "hashes": [{"alg": "SHA-256", "content": DIGEST}]},
        {"type": "machine-learning-model", "name": "encoder",
         "evidence": {"occurrences": [{"location": "models/encoder.safetensors"}]},
         "hashes": [{"alg": "SHA-256", "content": "0" * 64}]},
        {"type": "machine-learning-model", "name": "models/head.safetensors",
         "hashes": [{"alg": "SHA-256", "content": DIGEST}]},
    ]}  # fmt: skip
    write(tmp_path, {"models/model.safetensors": WEIGHTS, "models/head.safetensors": WEIGHTS,
                     "models/encoder.safetensors": WEIGHTS + b"!",
                     "bom.json": json.dumps(bom, indent=1)})  # fmt: skip
    assert [(p, line, r) for p, line, r, _ in findings(tmp_path)] == [("bom.json", 28, "SAI312")]


def test_hash_command_writes_a_sha256sum_manifest(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"models/model.safetensors": WEIGHTS, "data/train.csv": "a,b\n1,2\n",
                     "models/tok.bin": mk.lfs_pointer(b"tok"), "README.md": "# x\n",
                     "models/model.pt": mk.torch_zip(mk.state_dict_pickle())})  # fmt: skip
    assert main(["hash", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    torch_digest = hashlib.sha256((tmp_path / "models/model.pt").read_bytes()).hexdigest()
    csv_digest = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert printed == (
        f"{csv_digest}  data/train.csv\n"
        f"{torch_digest}  models/model.pt\n"
        f"{DIGEST}  models/model.safetensors\n"
        f"{hashlib.sha256(b'tok').hexdigest()}  models/tok.bin\n"
    )
    assert main(["hash", str(tmp_path), "-o", str(tmp_path / "models/SHA256SUMS")]) == 0
    manifest = (tmp_path / "models/SHA256SUMS").read_text(encoding="utf-8")
    assert "  ../data/train.csv\n" in manifest and "  model.safetensors\n" in manifest
    assert findings(tmp_path) == []
    (tmp_path / "models/model.pt").write_bytes(mk.torch_zip(mk.state_dict_pickle(layers=3)))
    assert [(p, line, r) for p, line, r, _ in findings(tmp_path)] == [
        ("models/SHA256SUMS", 2, "SAI312")
    ]


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not installed")
def test_manifest_verifies_with_coreutils(tmp_path: Path) -> None:
    write(tmp_path, {"models/model.safetensors": WEIGHTS, "data/x.parquet": b"PAR1"})
    assert main(["hash", str(tmp_path), "-o", str(tmp_path / "SHA256SUMS")]) == 0
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "data/x.parquet: OK\nmodels/model.safetensors: OK\n"


def test_committed_fixtures_match_the_generator() -> None:
    assert mk.write_all(check=True) == []


def test_scan_cli_fails_on_a_poisoned_checkpoint_and_reports_sarif(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "repo"
    write(repo, {"models/model.pt": mk.torch_zip(mk.state_dict_pickle(inject=mk.evil_call()))})
    code = main(["scan", str(repo), "--select", "SAI301", "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    assert code == 1
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "SAI301" and "os.system" in result["message"]["text"]
    assert (
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "models/model.pt"
    )


def test_pre_commit_file_mode_scans_only_the_given_model(tmp_path: Path) -> None:
    from sailint.config import Config
    from sailint.engine import scan_project

    write(tmp_path, {"a.pkl": mk.payload(), "b.pkl": mk.payload("pty", "spawn")})
    config = Config()
    config.select = ["SAI301", "SAI311"]
    report = scan_project(tmp_path, config, only=["b.pkl"])
    assert [(f.location.path, f.rule_id) for f in report.open_findings] == [("b.pkl", "SAI301")]
