"""Decisions of the pipeline rules: what counts as pinned, and the messages users see."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import scan

from sailint.checks.installs import _target_pinned
from sailint.checks.pinning import _action_problem, _image_problem

SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"
DIGEST = "sha256:" + "0f" * 32


@pytest.mark.parametrize(
    ("target", "tool", "pinned"),
    [
        ("torch==2.3.1", "pip", True),
        ("torch[cuda]===2.3.1+cu121", "pip", True),
        ("torch==2.*", "pip", False),
        ("torch>=2", "pip", False),
        ("torch~=2.3.0", "pip", False),
        ("torch", "pip", False),
        ('vllm==0.5.4; platform_system == "Linux"', "pip", True),
        ("torch==$TORCH_VERSION", "pip", True),
        ("./dist/*.whl", "pip", True),
        ("dist/mypkg-1.0-py3-none-any.whl", "pip", True),
        (".", "pip", None),
        ("./packages/tokenizer", "pip", None),
        ("$PACKAGES", "pip", None),
        (f"git+https://github.com/huggingface/peft@{SHA}", "pip", True),
        ("git+https://github.com/huggingface/peft@v0.12.0", "pip", False),
        ("git+https://github.com/huggingface/peft", "pip", False),
        (f"peft @ git+https://github.com/huggingface/peft@{SHA}", "pip", True),
        ("https://example.com/pkg-1.0.tar.gz", "pip", False),
        ("https://example.com/pkg-1.0.tar.gz#sha256=abc123", "pip", True),
        ("numpy=1.26.4", "conda", True),
        ("numpy==1.26", "conda", True),
        ("cudatoolkit=11.8.0=h4ba93d1_13", "mamba", True),
        ("conda-forge::numpy=1.26.4", "conda", True),
        ("python=3.10", "conda", False),
        ("numpy=1.26.*", "conda", False),
        ("pytorch", "micromamba", False),
        ("transformers@4.44.2", "poetry", True),
        ("transformers==4.44.2", "poetry", True),
        ("transformers@^4.44", "poetry", False),
        ("transformers", "poetry", False),
        ("ruff==0.5.7", "uv tool", True),
        ("black", "pipx", False),
    ],
)
def test_target_pinned(target: str, tool: str, pinned: bool | None) -> None:
    assert _target_pinned(target, tool) is pinned


@pytest.mark.parametrize(
    ("uses", "problem"),
    [
        (f"actions/checkout@{SHA}", None),
        ("./.github/actions/setup", None),
        (f"docker://ghcr.io/acme/tool@{DIGEST}", None),
        ("docker://ghcr.io/acme/tool:1.4", "an image tag, not an `@sha256:` digest"),
        ("actions/checkout@v4", "the tag `v4` (tags can be moved)"),
        ("actions/checkout@main", "the branch or tag `main`"),
        ("actions/checkout", "no ref at all (the default branch)"),
        (
            "actions/checkout@11bd719",
            "an abbreviated commit `11bd719` (ambiguous; use all 40 hex digits)",
        ),
        (f"acme/workflows/.github/workflows/train.yml@{SHA}", None),
    ],
)
def test_action_problem(uses: str, problem: str | None) -> None:
    assert _action_problem(uses) == problem


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("scratch", None),
        (f"python:3.11@{DIGEST}", None),
        (f"python@{DIGEST}", None),
        ("python", "no tag or digest (`latest`)"),
        ("localhost:5000/team/app", "no tag or digest (`latest`)"),
        ("localhost:5000/team/app:1.0", "a tag but no `@sha256:` digest"),
    ],
)
def test_image_problem(image: str, problem: str | None) -> None:
    assert _image_problem(image) == problem


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def test_install_messages(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "setup.sh": (
                "pip install a b c d e f\n"
                "pip install -r https://example.com/requirements.txt\n"
                "pip install -r generated/requirements.txt\n"
            )
        },
    )
    messages = [(f.location.line, f.message) for f in scan(tmp_path, ["SAI104"]).open_findings]
    assert messages == [
        (
            1,
            "`pip` installs `a`, `b`, `c`, `d` and 2 more without an exact version or hash: pin "
            "`==` versions (or use `--require-hashes` / a lock file)",
        ),
        (
            2,
            "`pip` installs `-r https://example.com/requirements.txt` without an exact version or "
            "hash: pin `==` versions (or use `--require-hashes` / a lock file)",
        ),
        (
            3,
            "`pip` installs `-r generated/requirements.txt` without an exact version or hash: pin "
            "`==` versions (or use `--require-hashes` / a lock file)",
        ),
    ]


def test_download_then_execute_variants(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "install.sh": (
                "#!/bin/sh\n"
                'sh -c "$(curl -fsSL https://get.example.com)"\n'
                "curl -fsSLO https://example.com/setup.sh\n"
                "chmod +x setup.sh\n"
                "./setup.sh\n"
                "wget https://example.com/data.tar.gz\n"
                "tar xzf data.tar.gz\n"
                "curl -fsSL https://example.com/get.py | python3 -\n"
            )
        },
    )
    report = scan(tmp_path, ["SAI104"])
    assert [(f.location.line, f.message.split(":")[0]) for f in report.open_findings] == [
        (2, "`sh` runs the output of a download directly"),
        (5, "runs `setup.sh`, downloaded at line 3 without a checksum or signature check"),
        (8, "`curl ... | python3` runs a downloaded script without checking it"),
    ]


def test_workflow_gitlab_and_composite_run_blocks_are_read(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".gitlab-ci.yml": (
                "default:\n  before_script:\n    - pip install tox\n"
                "test:\n  script:\n    - pip install -e .\n    - pytest\n"
            ),
            "ci/action.yml": (
                "runs:\n  using: composite\n  steps:\n    - shell: pwsh\n      run: pip install x\n"
                "    - shell: bash\n      run: |\n        set -e\n        pip install y\n"
            ),
        },
    )
    report = scan(tmp_path, ["SAI104"])
    assert sorted((f.location.path, f.location.line) for f in report.open_findings) == [
        (".gitlab-ci.yml", 3),
        ("ci/action.yml", 9),
    ]


def test_permissions_message_and_evidence(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".github/workflows/a.yml": "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n",
            "Dockerfile": f"FROM python:3.11@{DIGEST}\nUSER 10001\n",
        },
    )
    report = scan(tmp_path, ["SAI501", "SAI505"])
    assert [(f.location.line, f.message) for f in report.open_findings] == [
        (
            2,
            "no `permissions:` at the top level or in any job: every job gets the repository's "
            "default GITHUB_TOKEN scopes; add `permissions: contents: read`",
        )
    ]
    assert [(e.rule_id, e.path, e.line) for e in report.evidence] == [("SAI505", "Dockerfile", 2)]


def test_pre_commit_file_mode_sees_requirement_files_on_disk(tmp_path: Path) -> None:
    from sailint.config import Config
    from sailint.engine import scan_project

    _write(
        tmp_path,
        {
            "requirements.txt": "numpy==1.26.4\n",
            "docker/Dockerfile": (
                f"FROM python:3.11@{DIGEST}\n"
                "COPY requirements.txt /tmp/requirements.txt\n"
                "RUN pip install -r /tmp/requirements.txt\n"
                "RUN pip install -r missing.txt\n"
            ),
        },
    )
    config = Config()
    config.select = ["SAI104"]
    report = scan_project(tmp_path, config, only=["docker/Dockerfile"])
    assert [(f.location.path, f.location.line) for f in report.open_findings] == [
        ("docker/Dockerfile", 4)
    ]


def test_evidence_for_pinned_pipelines(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".github/workflows/ci.yml": (
                f"on: push\npermissions:\n  contents: read\njobs:\n  t:\n    steps:\n"
                f"      - uses: actions/checkout@{SHA}  # v4\n      - uses: ./.github/actions/x\n"
            ),
            "Dockerfile": f"FROM python:3.11@{DIGEST} AS build\nFROM build\nFROM scratch\n",
            "wheels.sh": "pip install --no-index --find-links ./wheelhouse torch transformers\n",
        },
    )
    report = scan(tmp_path, ["SAI104", "SAI106", "SAI107", "SAI501"])
    assert report.open_findings == []
    assert sorted((e.rule_id, e.path, e.line, e.description) for e in report.evidence) == [
        ("SAI106", ".github/workflows/ci.yml", 7, "all 2 `uses:` pinned to commits"),
        ("SAI107", "Dockerfile", 1, "every base image pinned by digest"),
        ("SAI501", ".github/workflows/ci.yml", 3, "read-only top-level token permissions"),
    ]


@pytest.mark.parametrize(
    ("line", "tool", "unpinned"),
    [
        ("uv tool install ruff", "uv tool", ["ruff"]),
        ("uv tool install ruff==0.5.7", None, None),
        ("pipx inject poetry poetry-plugin-export", "pipx", ["poetry-plugin-export"]),
        ("poetry add transformers", "poetry", ["transformers"]),
        ("poetry self add poetry-plugin-export@1.8.0", None, None),
        ("poetry install --sync", None, None),
        ("python3 -mpip install accelerate", "pip", ["accelerate"]),
        ("python -u -m pip install --user wandb", "pip", ["wandb"]),
        ("python -m pip download torch", None, None),
        ("PIP_CONSTRAINT=constraints.txt pip install transformers", None, None),
        ("pip install --constraint=constraints.txt transformers", None, None),
        ("uv pip install -c constraints.txt transformers", None, None),
        (
            "conda install -c pytorch -n train pytorch=2.3.1=py3.11_cuda12.1_cudnn8.9.2_0",
            None,
            None,
        ),
        ("conda install --file conda-requirements.txt", "conda", ["--file conda-requirements.txt"]),
        ("mamba create -n eval python=3.11.9 numpy", "mamba", ["numpy"]),
        ("pip install --index-url https://download.pytorch.org/whl/cu121 torch", "pip", ["torch"]),
        ('pip install "$(cat packages.txt)"', None, None),
        ("pip3.11 install -U pip", "pip", ["pip"]),
        ("{sys.executable} -m pip install evaluate", "pip", ["evaluate"]),
        ("python${PY_VER} -m pip install uv", "pip", ["uv"]),
    ],
)
def test_classify_install(line: str, tool: str | None, unpinned: list[str] | None) -> None:
    from sailint.checks.installs import _classify_install
    from sailint.collectors.shell import ShellScript, parse_shell
    from sailint.collectors.shellsources import Snippet
    from sailint.config import Config
    from sailint.project import Project

    project = Project(Path(__file__).parent, Config(), only=[])
    snippet = Snippet("run.sh", "script", ShellScript([]))
    command = parse_shell(line).commands[0]
    result = _classify_install(command, project, snippet)
    assert (result.tool if result else None, result.unpinned if result else None) == (
        tool,
        unpinned,
    )


def test_downloads_saved_by_option_or_redirect(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "get.sh": (
                "curl -fsSL --output miniconda.sh https://repo.anaconda.com/miniconda/latest.sh\n"
                "bash miniconda.sh -b -p /opt/conda\n"
                "curl -fsSL https://example.com/tool.py > tool.py\n"
                "python3 tool.py --install\n"
                "timeout 60 wget --output-document=hf.sh https://example.com/hf.sh\n"
                "sh ./hf.sh\n"
            ),
        },
    )
    report = scan(tmp_path, ["SAI104"])
    assert [(f.location.line, f.message.split(",")[0]) for f in report.open_findings] == [
        (2, "runs `miniconda.sh`"),
        (4, "runs `tool.py`"),
        (6, "runs `hf.sh`"),
    ]


def test_docker_action_image_and_unresolved_user(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "action.yml": "name: a\nruns:\n  using: docker\n  image: docker://ghcr.io/acme/lint:1\n",
            "Dockerfile": f"FROM python:3.11@{DIGEST}\nUSER ${{RUNTIME_USER}}\n",
        },
    )
    report = scan(tmp_path, ["SAI107", "SAI505"])
    assert [(f.rule_id, f.location.path, f.location.line) for f in report.open_findings] == [
        ("SAI107", "action.yml", 4)
    ]
