"""Shared test helpers: build fixture repositories and scan them."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from sailint.config import Config, ConfigError, load_config
from sailint.engine import Report, scan_project
from sailint.rulemeta import ExampleFile

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fixture Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Fixture Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str, date: str | None = None) -> str:
    """Run git in ``repo`` with a hermetic identity (and optional commit date)."""
    env = {**os.environ, **GIT_ENV}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    result = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def init_repo(repo: Path) -> None:
    """Create an empty git repository with a main branch."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")


def write_files(root: Path, files: Iterable[ExampleFile]) -> None:
    """Write example files below ``root``; commit them when any carries a date."""
    files = list(files)
    for item in files:
        target = root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.content, encoding="utf-8")
    dated = sorted(
        {f.committed for f in files if f.committed} | {f.removed for f in files if f.removed}
    )
    if not dated:
        return
    init_repo(root)
    for date in dated:
        for item in files:
            if item.committed == date:
                git(root, "add", item.path)
            if item.removed == date:
                git(root, "rm", "-q", item.path)
        git(root, "commit", "-q", "-m", f"files of {date}", date=date)
    undated = [f.path for f in files if not f.committed]
    if undated:
        git(root, "add", *undated)
        git(root, "commit", "-q", "-m", "recent files")


def copy_case(source: Path, target: Path) -> Path:
    """Copy a fixture case directory (outside any git repository) for scanning."""
    shutil.copytree(source, target, symlinks=True)
    return target


def scan(root: Path, select: Sequence[str] = (), config: Config | None = None) -> Report:
    """Scan ``root`` with only ``select`` rules (all when empty).

    Without an explicit ``config`` the project's own settings are loaded as the CLI does
    (``.sailint.toml`` / ``[tool.sailint]``), e.g. an example's offline ``vuln-db``.
    """
    if config is None:
        try:
            config = load_config(root)
        except ConfigError:
            config = Config()
    if select:
        config.select = list(select)
    return scan_project(root, config)


def locations(report: Report, rule: str | None = None) -> set[tuple[str, int, str]]:
    """The (path, line, rule) triples of the report's open findings."""
    return {
        (f.location.path, f.location.line, f.rule_id)
        for f in report.open_findings
        if rule is None or f.rule_id == rule
    }
