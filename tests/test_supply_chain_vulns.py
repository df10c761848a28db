"""SAI113: offline OSV matching, the online path (mocked), and the not-run notification."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from helpers import scan
from packaging.version import Version

from sailint.collectors.osv import OsvDatabase, affected_fixes
from sailint.config import Config


def _advisory(id_: str, package: str, events: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "summary": f"problem {id_}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        **extra,
    }


@pytest.mark.parametrize(
    ("events", "version", "affected"),
    [
        ([{"introduced": "0"}, {"fixed": "2.2.0"}], "2.1.9", True),
        ([{"introduced": "0"}, {"fixed": "2.2.0"}], "2.2.0", False),
        ([{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}], "1.7", False),
        ([{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}], "3.1", True),
        ([{"introduced": "2.0.0"}, {"last_affected": "2.9.2"}], "2.9.2", True),
        ([{"introduced": "2.0.0"}, {"last_affected": "2.9.2"}], "2.9.3", False),
        ([{"introduced": "0"}, {"fixed": "1.0"}], "1.0rc1", True),
        ([{"introduced": "1.0"}], "0.9", False),
    ],
)
def test_osv_range_semantics(events: list[dict[str, str]], version: str, affected: bool) -> None:
    advisory = _advisory("GHSA-x", "Some_Pkg", events)
    assert (affected_fixes(advisory, "some-pkg", Version(version)) is not None) is affected


def test_listed_versions_and_alias_folding(tmp_path: Path) -> None:
    db = tmp_path / "db"
    db.mkdir()
    first = _advisory("GHSA-aaaa-bbbb-cccc", "torch", [], aliases=["CVE-2099-1"])
    first["affected"][0]["versions"] = ["2.1.0"]
    second = _advisory(
        "PYSEC-2099-1", "torch", [{"introduced": "0"}, {"fixed": "2.2.0"}], aliases=["CVE-2099-1"]
    )
    withdrawn = _advisory("GHSA-wwww", "torch", [{"introduced": "0"}], withdrawn="2024-01-01")
    for item in (first, second, withdrawn):
        (db / f"{item['id']}.json").write_text(json.dumps(item))
    (db / "broken.json").write_text("{not json")
    database = OsvDatabase.load(db)
    matches = database.matches("Torch", "2.1.0")
    assert [(m.id, m.aliases, m.fixed) for m in matches] == [
        ("GHSA-aaaa-bbbb-cccc", ("CVE-2099-1", "PYSEC-2099-1"), ("2.2.0",))
    ]
    assert database.matches("torch", "2.2.0") == []
    assert [p[1][:12] for p in database.problems] == ["invalid JSON"]


def _project(tmp_path: Path, requirements: str) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text(requirements)
    return root


def test_not_run_without_a_source(tmp_path: Path) -> None:
    report = scan(_project(tmp_path, "torch==2.1.0\n"), ["SAI113"], Config())
    assert report.open_findings == []
    assert [n.message[:38] for n in report.notifications] == [
        "SAI113 (vulnerable-dependency) not run"
    ]


def test_zip_database_and_missing_path(tmp_path: Path) -> None:
    root = _project(tmp_path, "pillow==10.2.0\n")
    archive = tmp_path / "PyPI.zip"
    advisory = _advisory("GHSA-pill", "Pillow", [{"introduced": "0"}, {"fixed": "10.3.0"}])
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("GHSA-pill.json", json.dumps(advisory))
    report = scan(root, ["SAI113"], Config(vuln_db=str(archive)))
    assert [(f.location.path, f.location.line, f.message) for f in report.open_findings] == [
        (
            "requirements.txt",
            1,
            "pillow 10.2.0 is affected by GHSA-pill: problem GHSA-pill; fixed in 10.3.0",
        )
    ]
    missing = scan(root, ["SAI113"], Config(vuln_db=str(tmp_path / "nope")))
    assert missing.open_findings == []
    assert [n.level for n in missing.notifications] == ["error"]


def test_lock_pin_is_the_anchor_and_requirements_are_related(tmp_path: Path) -> None:
    root = _project(tmp_path, "pillow==10.2.0\n")
    (root / "uv.lock").write_text('version = 1\n[[package]]\nname = "pillow"\nversion = "10.2.0"\n')
    db = tmp_path / "db"
    db.mkdir()
    advisory = _advisory("GHSA-pill", "pillow", [{"introduced": "0"}, {"fixed": "10.3.0"}])
    (db / "a.json").write_text(json.dumps(advisory))
    report = scan(root, ["SAI113"], Config(vuln_db=str(db)))
    (finding,) = report.open_findings
    assert (finding.location.path, finding.location.line) == ("uv.lock", 3)
    assert [(r.path, r.line) for r in finding.related] == [("requirements.txt", 1)]
    assert finding.properties["fixed"] == ["10.3.0"]


class _FakeResult:
    def __init__(self) -> None:
        self.id = "PYSEC-2099-7"
        self.description = "remote code execution"
        self.fix_versions = [Version("2.2.0")]
        self.aliases = {"CVE-2099-7", "GHSA-online"}


def test_online_uses_the_selected_pip_audit_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pip_audit._service as service

    asked: list[tuple[str, str, str]] = []

    def fake_query(self: Any, spec: Any) -> tuple[Any, list[Any]]:
        asked.append((type(self).__name__, spec.name, str(spec.version)))
        return spec, [_FakeResult()] if spec.name == "torch" else []

    monkeypatch.setattr(service.OsvService, "query", fake_query)
    monkeypatch.setattr(service.PyPIService, "query", fake_query)
    root = _project(tmp_path, "torch==2.1.0\nnumpy==1.26.4\n")
    report = scan(root, ["SAI113"], Config(online=True, vulnerability_service="pypi"))
    assert asked == [("PyPIService", "torch", "2.1.0"), ("PyPIService", "numpy", "1.26.4")]
    assert [f.message for f in report.open_findings] == [
        "torch 2.1.0 is affected by PYSEC-2099-7 (CVE-2099-7, GHSA-online): remote code "
        "execution; fixed in 2.2.0"
    ]
    asked.clear()
    scan(root, ["SAI113"], Config(online=True))
    assert asked[0][0] == "OsvService"


def test_online_service_error_is_a_notification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pip_audit._service as service

    def failing(self: Any, spec: Any) -> Any:
        raise service.ServiceError("connection refused")

    monkeypatch.setattr(service.OsvService, "query", failing)
    report = scan(_project(tmp_path, "torch==2.1.0\n"), ["SAI113"], Config(online=True))
    assert report.open_findings == []
    assert [(n.level, n.path, n.line) for n in report.notifications] == [
        ("warning", "requirements.txt", 1)
    ]


def test_directory_mirroring_the_bucket_layout_with_a_zip(tmp_path: Path) -> None:
    mirror = tmp_path / "osv" / "PyPI"
    mirror.mkdir(parents=True)
    advisory = _advisory("GHSA-zipd", "torch", [{"introduced": "0"}, {"fixed": "2.2.0"}])
    with zipfile.ZipFile(mirror / "all.zip", "w") as handle:
        handle.writestr("GHSA-zipd.json", json.dumps(advisory))
    (mirror / "broken.zip").write_bytes(b"not a zip")
    database = OsvDatabase.load(tmp_path / "osv")
    assert [a.id for a in database.matches("torch", "2.1.0")] == ["GHSA-zipd"]
    assert [reason[:14] for _, reason in database.problems] == ["unreadable zip"]
