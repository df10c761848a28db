"""Messages and edge cases of the supply-chain rules beyond the path:line fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, scan

from sailint.checks.python_eol import admitted
from sailint.config import Config

RULES = FIXTURES / "rules"


def _copy(tmp_path: Path, rule_dir: str, case: str) -> Path:
    return Path(shutil.copytree(RULES / rule_dir / case, tmp_path / case))


@pytest.mark.parametrize(
    ("text", "minors"),
    [
        (">=3.7,<3.9", [(3, 7), (3, 8)]),
        ("~=3.6.0", [(3, 6)]),
        ("^3.8", [(3, m) for m in range(8, 20)]),
        ("~3.9 || ~3.10", [(3, 9), (3, 10)]),
        ("==3.8.*", [(3, 8)]),
        ("not a specifier", None),
    ],
)
def test_admitted_python_versions(text: str, minors: list[tuple[int, int]] | None) -> None:
    assert admitted(text) == minors


def test_research_repo_gets_the_whole_supply_chain_picture(tmp_path: Path) -> None:
    root = _copy(tmp_path, "SAI101-unpinned-requirement", "research-loose-requirements")
    report = scan(root, ["SAI1"], Config())
    found = sorted((f.rule_id, f.location.path, f.location.line) for f in report.open_findings)
    assert found == [
        ("SAI101", "requirements.txt", 2),
        ("SAI101", "requirements.txt", 3),
        ("SAI101", "requirements.txt", 5),
        ("SAI101", "requirements.txt", 8),
        ("SAI101", "requirements.txt", 9),
        ("SAI108", "train.py", 4),  # the hub model without a revision (a code rule under SAI1)
        ("SAI109", "requirements.txt", 1),
        ("SAI114", "requirements.txt", 1),
        ("SAI115", "README.md", 1),
        ("SAI116", "README.md", 1),
        ("SAI117", "train.py", 4),
    ]
    messages = {f.rule_id + str(f.location.line): f.message for f in report.open_findings}
    assert messages["SAI1018"].startswith(
        "`git+https://github.com/huggingface/peft@main#egg=peft` in requirements file is not "
        "pinned to an exact version (a URL/VCS reference that is not a 40-hex commit"
    )
    assert messages["SAI1015"].startswith(
        '`scikit-learn>=1.3 ; python_version >= "3.9"` in requirements file is not pinned to an '
        "exact version (version '>=1.3')"
    )
    assert messages["SAI1174"].startswith(
        "the repository holds or downloads 1 third-party or generated model(s) (hub model "
        "distilbert-base-uncased first)"
    )


def test_dependabot_coverage_message(tmp_path: Path) -> None:
    root = _copy(tmp_path, "SAI114-no-dependency-updates", "dependabot-without-actions")
    (finding,) = scan(root, ["SAI114"], Config()).open_findings
    assert finding.message == (
        ".github/dependabot.yml does not cover github-actions: those dependencies are never "
        "updated automatically"
    )


def test_stale_sbom_messages(tmp_path: Path) -> None:
    root = _copy(tmp_path, "SAI111-stale-sbom", "uv-project-stale-cyclonedx")
    messages = [f.message for f in scan(root, ["SAI111"], Config()).open_findings]
    assert sorted(messages) == [
        "sentence-transformers 3.0.1 is locked here but missing from the SBOM sbom.cdx.json; "
        "regenerate the SBOM from the lock",
        "the SBOM sbom.cdx.json lists numpy 1.26.4 but uv.lock locks 2.0.0; regenerate the "
        "SBOM from the lock",
    ]


def test_sbom_ml_component_messages_name_the_old_spec(tmp_path: Path) -> None:
    root = _copy(tmp_path, "SAI112-sbom-missing-ml-components", "libraries-only-cyclonedx-14")
    messages = sorted(f.message for f in scan(root, ["SAI112"], Config()).open_findings)
    assert messages == [
        "the repository holds or loads 1 dataset(s) (stanfordnlp/imdb) but no SBOM lists a data "
        "component (CycloneDX 1.4 cannot express them: use 1.5 or later)",
        "the repository holds or references 1 model(s) (acme-research/review-sentiment) but no "
        "SBOM lists a machine-learning-model component (CycloneDX 1.4 cannot express them: use "
        "1.5 or later)",
    ]


def test_missing_lockfile_message_counts_dependencies(tmp_path: Path) -> None:
    root = _copy(tmp_path, "SAI102-missing-lockfile", "poetry-library-without-lock")
    (finding,) = scan(root, ["SAI102"], Config()).open_findings
    assert finding.message.startswith("pyproject.toml declares 3 dependencies but no lockfile")


def test_url_credentials_never_reach_messages(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text(
        "--extra-index-url https://ci:s3cr3t-token@nexus.example.com/simple\n"
        "feats @ https://deploy:s3cr3t-token@nexus.example.com/feats-1.0.tar.gz\n"
    )
    report = scan(root, ["SAI101", "SAI105"], Config())
    messages = [f.message for f in report.open_findings]
    assert len(messages) == 2
    assert all("s3cr3t" not in m and "***@nexus.example.com" in m for m in messages)
