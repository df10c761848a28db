"""The Dependencies view: every manifest format, line numbers, includes, bad input."""

from __future__ import annotations

from pathlib import Path

from sailint.collectors.dependencies import Dependencies
from sailint.config import Config
from sailint.project import Project


def _view(root: Path, files: dict[str, str]) -> tuple[Dependencies, Project]:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    project = Project(root, Config())
    return project.get(Dependencies), project


def _deps(view: Dependencies, path: str) -> list[tuple[int, str, str | None, bool]]:
    (manifest,) = [m for m in view.manifests if m.path == path]
    return [(d.line, d.name, d.version, d.pinned) for d in manifest.dependencies]


def test_requirements_features(tmp_path: Path) -> None:
    view, project = _view(
        tmp_path,
        {
            "requirements.txt": (
                "# training stack\n"
                "--extra-index-url https://download.pytorch.org/whl/cu121\n"
                "-r requirements/base.txt\n"
                "torch==2.1.0 \\\n"
                "    --hash=sha256:" + "a" * 64 + "\n"
                "Scikit_Learn[alldeps]>=1.3 ; python_version >= '3.9'\n"
                "-e git+https://github.com/org/tok.git@main#egg=tok\n"
                "peft @ git+https://github.com/huggingface/peft@" + "0" * 40 + "\n"
                "this is not a requirement!!\n"
                "accelerate===0.30.1\n"
                "-e .\n"
            ),
            "requirements/base.txt": "numpy==1.26.4\n",
        },
    )
    assert _deps(view, "requirements.txt") == [
        (4, "torch", "2.1.0", True),
        (6, "scikit-learn", None, False),
        (7, "tok", None, False),
        (8, "peft", None, True),
        (10, "accelerate", "0.30.1", True),
        (11, ".", None, False),
    ]
    (manifest,) = [m for m in view.manifests if m.path == "requirements.txt"]
    assert manifest.dependencies[0].hashes == ("sha256:" + "a" * 64,)
    assert manifest.dependencies[2].editable
    assert manifest.dependencies[-1].local
    assert [(o.line, o.option) for o in manifest.index_options] == [(2, "--extra-index-url")]
    assert _deps(view, "requirements/base.txt") == [(1, "numpy", "1.26.4", True)]
    assert [(n.path, n.line) for n in project.notifications] == [("requirements.txt", 9)]


def test_includes_followed_cycles_and_constraints(tmp_path: Path) -> None:
    view, project = _view(
        tmp_path,
        {
            "requirements.txt": "-r extra/dev.pip\n-c pins.txt\nrequests\n",
            "extra/dev.pip": "-r ../requirements.txt\npytest==8.2.0\n",
            "pins.txt": "requests==2.32.3\n",
        },
    )
    assert _deps(view, "extra/dev.pip") == [(2, "pytest", "8.2.0", True)]
    (pins,) = [m for m in view.manifests if m.path == "pins.txt"]
    assert pins.is_constraints
    messages = [(n.path, n.line, n.message) for n in project.notifications]
    assert messages == [
        (
            "requirements.txt",
            1,
            "requirements include cycle: extra/dev.pip -> requirements.txt -> extra/dev.pip",
        )
    ]


def test_pyproject_pep621_groups_poetry_pdm(tmp_path: Path) -> None:
    view, _ = _view(
        tmp_path,
        {
            "pyproject.toml": (
                "[project]\n"
                'name = "clf"\n'
                'requires-python = ">=3.10"\n'
                "dependencies = [\n"
                '  "torch>=2.2",\n'
                '  "numpy==1.26.4",\n'
                "]\n"
                "\n"
                "[project.optional-dependencies]\n"
                'serve = ["fastapi>=0.110"]\n'
                "\n"
                "[dependency-groups]\n"
                'dev = ["pytest==8.2.0", {include-group = "lint"}]\n'
                'lint = ["ruff"]\n'
                "\n"
                "[tool.poetry.dependencies]\n"
                'python = "^3.10"\n'
                'transformers = "4.41.2"\n'
                'datasets = { version = "^2.19", extras = ["audio"] }\n'
                "\n"
                "[tool.poetry.group.test.dependencies]\n"
                'hypothesis = "==6.100.0"\n'
                "\n"
                "[tool.pdm.dev-dependencies]\n"
                'docs = ["mkdocs>=1.6"]\n'
            )
        },
    )
    assert _deps(view, "pyproject.toml") == [
        (5, "torch", None, False),
        (6, "numpy", "1.26.4", True),
        (10, "fastapi", None, False),
        (13, "pytest", "8.2.0", True),
        (14, "ruff", None, False),
        (18, "transformers", "4.41.2", True),
        (19, "datasets", None, False),
        (22, "hypothesis", "6.100.0", True),
        (25, "mkdocs", None, False),
    ]
    (manifest,) = view.manifests
    assert manifest.declaration_line == 4
    assert manifest.requires_python == ("^3.10", 17)


def test_setup_py_static_and_setup_cfg(tmp_path: Path) -> None:
    view, _ = _view(
        tmp_path,
        {
            "setup.py": (
                "from setuptools import setup\n"
                "REQUIRES = [\n"
                '    "torch>=2.0",\n'
                "]\n"
                "setup(\n"
                '    name="x",\n'
                '    python_requires=">=3.7, <3.9",\n'
                '    install_requires=REQUIRES + ["numpy==1.26.4"],\n'
                '    extras_require={"viz": ["matplotlib"]},\n'
                ")\n"
            ),
            "setup.cfg": (
                "[metadata]\nname = x\n\n[options]\npython_requires = >=3.8\n"
                "install_requires =\n    requests==2.32.3\n    tqdm\n\n"
                "[options.extras_require]\ndev =\n    pytest\n"
            ),
        },
    )
    assert _deps(view, "setup.py") == [
        (3, "torch", None, False),
        (8, "numpy", "1.26.4", True),
        (9, "matplotlib", None, False),
    ]
    assert _deps(view, "setup.cfg") == [
        (7, "requests", "2.32.3", True),
        (8, "tqdm", None, False),
        (12, "pytest", None, False),
    ]
    setup_py = next(m for m in view.manifests if m.path == "setup.py")
    assert setup_py.requires_python == (">=3.7, <3.9", 7)


def test_lockfiles_with_hashes_and_broken_table(tmp_path: Path) -> None:
    view, project = _view(
        tmp_path,
        {
            "uv.lock": (
                "version = 1\n\n"
                "[[package]]\n"
                'name = "clf"\nversion = "0.1.0"\nsource = { editable = "." }\n\n'
                "[[package]]\n"
                'name = "numpy"\nversion = "1.26.4"\n'
                'source = { registry = "https://pypi.org/simple" }\n'
                'sdist = { url = "https://files/numpy.tar.gz", hash = "sha256:aa" }\n'
                'wheels = [{ url = "https://files/numpy.whl", hash = "sha256:bb" }]\n\n'
                "[[package]]\n"
                'name = "broken"\nversion = = "1"\n\n'
                "[[package]]\n"
                'name = "torch"\nversion = "2.3.0"\n'
            ),
            "poetry.lock": (
                '[[package]]\nname = "Requests"\nversion = "2.32.3"\n'
                'files = [\n  {file = "requests.whl", hash = "sha256:cc"},\n]\n'
            ),
            "Pipfile.lock": (
                '{\n  "default": {\n    "flask": {\n      "hashes": ["sha256:dd"],\n'
                '      "version": "==3.0.3"\n    }\n  },\n  "develop": {}\n}\n'
            ),
            "pylock.toml": (
                'lock-version = "1.0"\n[[packages]]\nname = "attrs"\nversion = "23.2.0"\n'
                '[[packages.wheels]]\nname = "attrs.whl"\nhashes = {sha256 = "ee"}\n'
            ),
        },
    )
    assert _deps(view, "uv.lock") == [
        (4, "clf", "0.1.0", True),
        (9, "numpy", "1.26.4", True),
        (20, "torch", "2.3.0", True),
    ]
    uv = next(m for m in view.manifests if m.path == "uv.lock")
    assert uv.dependencies[0].local
    assert uv.dependencies[1].hashes == ("sha256:aa", "sha256:bb")
    assert _deps(view, "poetry.lock") == [(2, "requests", "2.32.3", True)]
    assert _deps(view, "Pipfile.lock") == [(5, "flask", "3.0.3", True)]
    assert _deps(view, "pylock.toml") == [(3, "attrs", "23.2.0", True)]
    assert next(m for m in view.manifests if m.path == "pylock.toml").dependencies[0].hashes == (
        "sha256:ee",
    )
    assert [(n.path, n.line) for n in project.notifications] == [("uv.lock", 17)]
    assert {d.name for d in view.inventory()} == {"numpy", "torch", "requests", "flask", "attrs"}


def test_conda_environment_and_lock(tmp_path: Path) -> None:
    view, _ = _view(
        tmp_path,
        {
            "environment.yml": (
                "name: research\nchannels:\n  - conda-forge\ndependencies:\n"
                "  - python=3.11\n  - numpy=1.26.4\n  - pytorch::pytorch>=2.1\n"
                "  - cudatoolkit=11.8=h4ba93d1_12\n  - pip\n  - pip:\n"
                "      - transformers==4.41.2\n      - datasets\n"
            ),
            "conda-lock.yml": (
                "version: 1\npackage:\n"
                "  - name: numpy\n    version: 1.26.4\n    manager: conda\n    platform: linux-64\n"
                "    hash:\n      md5: abc\n      sha256: def\n"
                "  - name: numpy\n    version: 1.26.4\n    manager: conda\n    platform: osx-arm64\n"
                "  - name: transformers\n    version: 4.41.2\n    manager: pip\n"
                "    platform: linux-64\n"
            ),
        },
    )
    assert _deps(view, "environment.yml") == [
        (5, "python", None, False),
        (6, "numpy", "1.26.4", True),
        (7, "pytorch", None, False),
        (8, "cudatoolkit", "11.8", True),
        (9, "pip", None, False),
        (11, "transformers", "4.41.2", True),
        (12, "datasets", None, False),
    ]
    assert _deps(view, "conda-lock.yml") == [
        (3, "numpy", "1.26.4", True),
        (14, "transformers", "4.41.2", True),
    ]
    lock = next(m for m in view.manifests if m.path == "conda-lock.yml")
    assert [d.ecosystem for d in lock.dependencies] == ["conda", "pypi"]


def test_malformed_yaml_and_toml_are_reported_with_line(tmp_path: Path) -> None:
    view, project = _view(
        tmp_path,
        {
            "environment.yml": "dependencies:\n  - numpy\n  - [unclosed\n",
            "pyproject.toml": (
                '[project]\nname = "x"\ndependencies = ["torch"]\n\n[tool.black]\nline-length = = 3\n'
            ),
        },
    )
    assert _deps(view, "pyproject.toml") == [(3, "torch", None, False)]
    assert sorted((n.path, n.line) for n in project.notifications) == [
        ("environment.yml", 4),
        ("pyproject.toml", 6),
    ]


def test_bad_lines_are_reported_and_the_rest_analysed(tmp_path: Path) -> None:
    view, project = _view(
        tmp_path,
        {
            "requirements.txt": (
                "numpy==1.26.4\nmatplotlib >= = 3.8\nseaborn\n-r /etc/ml/base.txt\n"
                "-r https://example.com/reqs.txt\njupyterlab==4.2.2\n"
            ),
            "environment.yml": "name: nb\ndependencies:\n  - scipy\n  - [broken\n",
            "setup.py": "from setuptools import setup\nsetup(name=\n",
        },
    )
    assert _deps(view, "requirements.txt") == [
        (1, "numpy", "1.26.4", True),
        (3, "seaborn", None, False),
        (6, "jupyterlab", "4.2.2", True),
    ]
    assert _deps(view, "environment.yml") == [(3, "scipy", None, False)]
    notes = sorted((n.path, n.line, n.message.split(":")[0]) for n in project.notifications)
    assert notes == [
        ("environment.yml", 5, "YAML syntax error"),
        ("requirements.txt", 2, "invalid requirement line skipped"),
        ("requirements.txt", 4, "-r /etc/ml/base.txt"),
        ("requirements.txt", 5, "-r https"),
        ("setup.py", 2, "Python syntax error, setup.py not analysed"),
    ]
    assert "outside the project or remote, not followed" in next(
        n.message for n in project.notifications if n.line == 4
    )
    # only the file that could not be read at all is listed as skipped
    assert [(s.path, s.reason[:37]) for s in project.skipped()] == [
        ("setup.py", "line 2: Python syntax error, setup.py")
    ]


def test_old_poetry_metadata_files_and_pdm_lock(tmp_path: Path) -> None:
    view, _ = _view(
        tmp_path,
        {
            "poetry.lock": (
                '[[package]]\nname = "numpy"\nversion = "1.24.4"\ncategory = "main"\n\n'
                '[metadata]\nlock-version = "1.1"\n\n[metadata.files]\n'
                'numpy = [\n    {file = "numpy-1.24.4.tar.gz", hash = "sha256:ab"},\n]\n'
            ),
            "svc/pdm.lock": (
                '[metadata]\ngroups = ["default"]\n\n[[package]]\nname = "httpx"\n'
                'version = "0.27.0"\nfiles = [\n    {file = "httpx.whl", hash = "sha256:cd"},\n]\n'
            ),
        },
    )
    poetry = next(m for m in view.manifests if m.path == "poetry.lock")
    assert [(d.line, d.name, d.hashes) for d in poetry.dependencies] == [
        (2, "numpy", ("sha256:ab",))
    ]
    pdm = next(m for m in view.manifests if m.path == "svc/pdm.lock")
    assert [(d.line, d.name, d.version, d.hashes) for d in pdm.dependencies] == [
        (5, "httpx", "0.27.0", ("sha256:cd",))
    ]
