"""The Dockerfile reader, and what a scan does with Dockerfiles it cannot fully read."""

from __future__ import annotations

from pathlib import Path

from helpers import scan

from sailint.collectors.dockerfiles import expand, parse_dockerfile, run_shell

DIGEST = "@sha256:" + "ab" * 32


def test_directives_continuations_and_comment_lines() -> None:
    text = (
        "# syntax=docker/dockerfile:1\n"
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "RUN pip install `\n"
        "    # a comment inside the continuation\n"
        "    torch\n"
    )
    parsed = parse_dockerfile("Dockerfile", text)
    assert parsed.directives == {"syntax": "docker/dockerfile:1", "escape": "`"}
    run = parsed.instructions[1]
    assert (run.keyword, run.line, run.args) == ("RUN", 4, "pip install      torch")
    assert [number for number, _ in run.physical] == [4, 6]


def test_arg_defaults_scoping_and_stages() -> None:
    text = (
        "ARG BASE=python:3.11-slim\n"
        "ARG TAG\n"
        "FROM ${BASE} AS builder\n"
        "ARG BASE\n"
        "ENV HOME_DIR=/home/app\n"
        "FROM builder AS test\n"
        "FROM registry/app:${TAG:-dev}\n"
        "FROM registry/other:$TAG\n"
    )
    stages = parse_dockerfile("Dockerfile", text).stages
    assert [(s.name, s.image, s.line) for s in stages] == [
        ("builder", "python:3.11-slim", 3),
        ("test", "builder", 6),
        (None, "registry/app:dev", 7),
        (None, "registry/other:$TAG", 8),
    ]
    assert stages[1].parent is stages[0]
    assert stages[1].env == {"BASE": "python:3.11-slim", "HOME_DIR": "/home/app"}
    assert stages[3].unresolved == {"TAG"}


def test_expand_operators() -> None:
    assert expand("${A:-x}/${B:+set}/$C/${D}", {"B": "1", "D": "d"}) == ("x/set/$C/d", {"C"})


def test_heredocs_flags_and_exec_form() -> None:
    text = (
        "FROM python:3.11-slim\n"
        "RUN --mount=type=cache,target=/root/.cache <<EOF\n"
        "set -e\n"
        "pip install numpy\n"
        "EOF\n"
        "RUN python3 <<PY\n"
        "print('pip install is not shell here')\n"
        "PY\n"
        'RUN ["pip", "install", "scipy"]\n'
    )
    parsed = parse_dockerfile("Dockerfile", text)
    first, second, third = parsed.instructions[1:]
    assert first.flags == {"mount": "type=cache,target=/root/.cache"}
    assert run_shell(first)[1] == ("set -e\npip install numpy", [3, 4])
    assert [text for text, _ in run_shell(second)] == ["python3"]
    assert run_shell(third) == [("pip install scipy", [9])]
    assert parsed.problems == []


def test_unknown_instruction_and_unterminated_heredoc(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11\n"
        "RUNN pip install typo\n"
        "RUN pip install flask\n"
        "RUN <<EOF\n"
        "pip install gunicorn\n",
        encoding="utf-8",
    )
    report = scan(tmp_path, ["SAI104", "SAI107"])
    found = sorted((f.rule_id, f.location.line) for f in report.open_findings)
    # Everything else in the file is still analysed, including the unterminated heredoc body.
    assert found == [("SAI104", 3), ("SAI104", 5), ("SAI107", 1)]
    notes = sorted((n.path, n.line, n.message) for n in report.notifications)
    assert notes == [
        ("Dockerfile", 2, "Dockerfile: unknown instruction 'RUNN'; skipped"),
        ("Dockerfile", 4, "Dockerfile: unterminated heredoc <<EOF; read to end of file"),
    ]


def test_binary_dockerfile_is_a_reported_skip(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"FROM python\x00\xff\n")
    (tmp_path / "Containerfile").write_text("FROM python:3.12\n", encoding="utf-8")
    (tmp_path / "Dockerfile.dockerignore").write_text("**/*.ckpt\n.git\n", encoding="utf-8")
    report = scan(tmp_path, ["SAI107"])
    assert [(f.location.path, f.location.line) for f in report.open_findings] == [
        ("Containerfile", 1)
    ]
    assert [s.path for s in report.skipped] == ["Dockerfile"]
    assert report.notifications == []  # the ignore file is not read as a Dockerfile


def test_suppression_comment_in_a_dockerfile(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "# sailint: ignore[SAI107] base image is rebuilt nightly from our own registry\n"
        "FROM registry.internal/base:nightly\n"
        f"FROM python:3.11{DIGEST}\n",
        encoding="utf-8",
    )
    report = scan(tmp_path, ["SAI107"])
    assert report.open_findings == []
    assert [f.location.line for f in report.suppressed_findings] == [2]


def test_a_large_cuda_build_in_the_style_of_inference_servers(tmp_path: Path) -> None:
    """Constructs seen in real LLM-serving Dockerfiles: chained ARG defaults, control flow in
    RUN, comment lines inside continuations, versioned interpreters, lower-case `as`."""
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "cuda.txt").write_text("torch==2.3.1\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text(
        "ARG CUDA_VERSION=12.8.1\n"
        "ARG PYTHON_VERSION=3.12\n"
        "ARG BUILD_BASE_IMAGE=nvidia/cuda:${CUDA_VERSION}-devel-ubuntu22.04\n"
        'ARG GET_PIP_URL="https://bootstrap.pypa.io/get-pip.py"\n'
        "FROM ${BUILD_BASE_IMAGE} AS base\n"
        "ARG PYTHON_VERSION\n"
        "ARG GET_PIP_URL\n"
        "RUN apt-get update -y \\\n"
        "    && for i in 1 2 3; do \\\n"
        "        add-apt-repository -y ppa:deadsnakes/ppa && break || \\\n"
        '        { echo "Attempt $i failed"; sleep 5; }; \\\n'
        "    done \\\n"
        "    && curl -sS ${GET_PIP_URL} | python${PYTHON_VERSION} \\\n"
        "    && python3 -m pip --version\n"
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        "    python3 -m pip install uv\n"
        "COPY requirements/cuda.txt requirements/cuda.txt\n"
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        '    if [ "$TARGETPLATFORM" = "linux/arm64" ]; then \\\n'
        "        # nightly torch first\n"
        "        uv pip install --system --index-url ${INDEX}/cu128 \\\n"
        '            "torch==2.8.0.dev20250318+cu128" --pre pytorch_triton==3.3.0+gitab727c40; \\\n'
        "    fi \\\n"
        "    && uv pip install --system -r requirements/cuda.txt\n"
        "FROM base as dev\n"
        'RUN uv pip install --system "git+https://github.com/state-spaces/mamba@v2.2.4"\n'
        "RUN uv pip install --system dist/*.whl --verbose\n",
        encoding="utf-8",
    )
    report = scan(tmp_path, ["SAI104", "SAI107", "SAI505"])
    found = sorted((f.rule_id, f.location.line) for f in report.open_findings)
    assert found == [
        ("SAI104", 13),  # curl ... | python${PYTHON_VERSION}
        ("SAI104", 16),  # python3 -m pip install uv
        ("SAI104", 26),  # git+ URL at a tag
        ("SAI107", 5),  # nvidia/cuda:12.8.1-devel-ubuntu22.04 (chained ARG default)
        ("SAI505", 25),  # final stage `dev` inherits no USER
    ]
    images = [f.message for f in report.open_findings if f.rule_id == "SAI107"]
    assert images[0].startswith("image `nvidia/cuda:12.8.1-devel-ubuntu22.04` has a tag")
