"""File inventory: git listing, .gitignore walk, excludes, symlinks, special and bad files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import git, init_repo, scan, write_files

from sailint.config import Config
from sailint.inventory import build_inventory
from sailint.project import Project
from sailint.rulemeta import ExampleFile


def test_git_tree_lists_tracked_and_untracked_but_not_ignored(tmp_path: Path) -> None:
    init_repo(tmp_path)
    write_files(
        tmp_path,
        [
            ExampleFile(".gitignore", "outputs/\n*.log\n"),
            ExampleFile("train.py", "print(1)\n"),
            ExampleFile("outputs/model.safetensors", "x"),
            ExampleFile("run.log", "x"),
            ExampleFile("notes.md", "x"),
        ],
    )
    git(tmp_path, "add", ".gitignore", "train.py")
    git(tmp_path, "commit", "-qm", "init")
    inventory = build_inventory(tmp_path)
    assert [f.path for f in inventory.files] == [".gitignore", "notes.md", "train.py"]
    assert inventory.repo_root == str(tmp_path.resolve())


def test_walk_honours_nested_gitignore_and_excludes(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        [
            ExampleFile(".gitignore", "*.ckpt\n"),
            ExampleFile("src/.gitignore", "generated/\n"),
            ExampleFile("src/generated/a.py", "x"),
            ExampleFile("src/app.py", "x"),
            ExampleFile("last.ckpt", "x"),
            ExampleFile("vendor/lib.py", "x"),
        ],
    )
    inventory = build_inventory(tmp_path, exclude=["vendor/"])
    assert [f.path for f in inventory.files] == [".gitignore", "src/.gitignore", "src/app.py"]
    assert inventory.excluded_count == 1


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    write_files(tmp_path, [ExampleFile("real.md", "x")])
    os.symlink("/etc/passwd", tmp_path / "passwd.md")
    os.symlink("real.md", tmp_path / "alias.md")
    os.symlink("loop-b", tmp_path / "loop-a")
    os.symlink("loop-a", tmp_path / "loop-b")
    os.symlink(str(tmp_path.parent), tmp_path / "up")
    inventory = build_inventory(tmp_path)
    assert [f.path for f in inventory.files] == ["real.md"]
    reasons = {s.path: s.reason for s in inventory.skipped}
    assert reasons["passwd.md"] == "symbolic link to a path outside the repository, not followed"
    assert reasons["alias.md"].startswith("symbolic link, not followed (its target real.md")
    assert reasons["loop-a"] == "symbolic link loop, not followed"
    assert reasons["up"] == "symbolic link to a path outside the repository, not followed"


def test_fifo_binary_large_and_non_utf8_files_are_reported(tmp_path: Path) -> None:
    write_files(tmp_path, [ExampleFile("README.md", "# x\n")])
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (tmp_path / "latin1.md").write_bytes("caf\xe9\n".encode("latin-1"))
    (tmp_path / "big.md").write_text("a" * 5000)
    config = Config(max_file_size=4096)
    project = Project(tmp_path, config)
    assert project.text("latin1.md") is None
    assert project.text("big.md") is None
    reasons = {s.path: s.reason for s in project.skipped()}
    assert reasons["pipe.md"] == "not a regular file (FIFO, socket or device)"
    assert reasons["image.png"] == "binary file with no analyser for its type"
    assert reasons["latin1.md"] == "not valid UTF-8 (invalid byte at offset 3), text not read"
    assert reasons["big.md"].startswith("larger than max-file-size (5000 > 4096 bytes)")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "secret.md"
    target.write_text("x")
    target.chmod(0)
    project = Project(tmp_path, Config())
    assert project.text("secret.md") is None
    assert any(s.reason.startswith("unreadable") for s in project.skipped())


def test_skips_reach_every_output(tmp_path: Path) -> None:
    write_files(tmp_path, [ExampleFile("README.md", "# x\n")])
    (tmp_path / "weights.npz").write_bytes(b"PK\x03\x04\0\0")
    report = scan(tmp_path, ["SAI406"])
    assert [(s.path, s.reason) for s in report.skipped] == [
        ("weights.npz", "binary file with no analyser for its type")
    ]
    from sailint.formatters import json_format, sarif, text

    assert "skipped 1 file(s)" in text.render(report)
    assert '"reason": "binary file with no analyser for its type"' in json_format.render(report)
    assert "Skipped weights.npz: binary file with no analyser for its type." in sarif.render(report)


def test_empty_git_repository(tmp_path: Path) -> None:
    init_repo(tmp_path)
    write_files(tmp_path, [ExampleFile("THREAT_MODEL.md", "# TM\nprompt injection\n")])
    report = scan(tmp_path, ["SAI410", "SAI407"])
    assert report.open_findings == []
