"""SAI308 / SAI601 outside Python: flag reading, launch commands, config keys, Streamlit TOML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import scan

from sailint.collectors.cliflags import (
    is_streamlit,
    key_values,
    pinned_revision,
    streamlit_cli_settings,
    streamlit_unprotected,
    trust_remote_code_words,
    truth,
)
from sailint.collectors.dockerfiles import parse_dockerfile
from sailint.collectors.jsonpos import LineIndex, PosDict, key_offset, loads_with_positions
from sailint.collectors.launches import dockerfile_launches, exec_form_words
from sailint.collectors.shell import Command, parse_shell
from sailint.collectors.streamlitcfg import key_line, read_config
from sailint.collectors.yamlnodes import YamlError, compose_documents

SHA = "8c4a6d9e0b1f2a3c4d5e6f708192a3b4c5d6e7f8"


def _command(text: str) -> Command:
    commands = parse_shell(text).commands
    assert len(commands) == 1
    return commands[0]


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return root


def _found(root: Path, rule: str) -> list[tuple[str, int, str]]:
    report = scan(root, [rule])
    return sorted(
        (f.location.path, f.location.line, f.level.label)
        for f in report.findings
        if f.rule_id == rule
    )


# -- reading flags -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("vllm serve org/m --trust-remote-code", ["--trust-remote-code"]),
        ("python train.py --trust_remote_code True --bf16", ["--trust_remote_code"]),
        ("python train.py --trust-remote-code=true", ["--trust-remote-code=true"]),
        ("python train.py --trust-remote-code=1", ["--trust-remote-code=1"]),
        ("python train.py --trust_remote_code false", []),
        ("python train.py --trust-remote-code=False", []),
        ("python train.py --trust-remote-code=0", []),
        ('python train.py --trust_remote_code "$TRUST"', []),
        ("python train.py --trust-remote-code=$TRUST", []),
        ("echo --trust-remote-code", []),
        ('printf "%s" --trust-remote-code', []),
        ("python train.py  # --trust-remote-code", []),
        ("python train.py --no-trust-remote-code", []),
        (
            "lm_eval --model hf --model_args pretrained=org/m,trust_remote_code=True",
            ["pretrained=org/m,trust_remote_code=True"],
        ),
        (
            "lm_eval --model_args=pretrained=org/m,trust_remote_code=true",
            ["--model_args=pretrained=org/m,trust_remote_code=true"],
        ),
        ("lm_eval --model_args pretrained=org/m,trust_remote_code=False", []),
        ('git commit -m "enable trust_remote_code=True"', []),
    ],
)
def test_trust_remote_code_words(line: str, flagged: list[str]) -> None:
    assert [w.text for w in trust_remote_code_words(_command(line))] == flagged


def test_pinned_revision_forms() -> None:
    assert pinned_revision(_command(f"vllm serve m --revision {SHA}").words) == SHA
    assert pinned_revision(_command(f"vllm serve m --code-revision={SHA}").words) == SHA
    assert pinned_revision(_command(f"lm_eval --model_args pretrained=m,revision={SHA}").words)
    assert pinned_revision(_command("vllm serve m --revision main").words) is None
    assert pinned_revision(_command(f"vllm serve m --revision {SHA[:12]}").words) is None


def test_key_values_and_truth() -> None:
    assert key_values("pretrained=a/b,dtype=bfloat16") == {
        "pretrained": "a/b",
        "dtype": "bfloat16",
    }
    assert key_values("--model_args=pretrained=a") == {"pretrained": "a"}
    assert key_values("set trust_remote_code=True to load") is None
    assert (truth("True"), truth("'false'"), truth("off"), truth("$X")) == (
        True,
        False,
        False,
        None,
    )


def test_streamlit_settings_from_options_and_env_prefix() -> None:
    command = _command(
        "STREAMLIT_SERVER_ADDRESS=0.0.0.0 python -m streamlit run app.py "
        "--server.enableXsrfProtection false --server.enableCORS=false"
    )
    assert is_streamlit(command)
    settings = streamlit_cli_settings(command)
    assert {k: v.value for k, v in settings.items()} == {
        "address": "0.0.0.0",
        "enableXsrfProtection": "false",
        "enableCORS": "false",
    }
    assert settings["enableXsrfProtection"].spelled == "--server.enableXsrfProtection false"
    unprotected = streamlit_unprotected(settings)
    assert unprotected is not None and unprotected.value == "false"


def test_streamlit_loopback_cors_only_and_not_streamlit() -> None:
    loopback = _command(
        "streamlit run a.py --server.address=127.0.0.1 --server.enableXsrfProtection=0"
    )
    assert streamlit_unprotected(streamlit_cli_settings(loopback)) is None
    cors_only = _command("streamlit run a.py --server.enableCORS false")
    assert streamlit_unprotected(streamlit_cli_settings(cors_only)) is None
    assert not is_streamlit(_command("streamlit hello"))
    assert not is_streamlit(_command("python app.py --server.enableXsrfProtection false"))


# -- positions ---------------------------------------------------------------------------


def test_json_objects_know_their_extent_and_key_lines() -> None:
    text = (
        "{\n"
        '  "model": {"trust_remote_code": true},\n'
        '  "note": "\\"trust_remote_code\\": true",\n'
        '  "runs": [{"trust_remote_code": 1}],\n'
        '  "trust_remote_code": false\n'
        "}\n"
    )
    data = loads_with_positions(text, objects=True)
    assert isinstance(data, PosDict) and (data.start, data.end) == (0, len(text) - 1)
    index = LineIndex(text)

    def line_of(obj: PosDict) -> int | None:
        offset = key_offset(text, obj, "trust_remote_code")
        return None if offset is None else index.position(offset)[0]

    assert line_of(data) == 5  # not the nested ones, not the escaped text in "note"
    assert line_of(data["model"]) == 2
    assert line_of(data["runs"][0]) == 4
    assert type(loads_with_positions(text)) is dict  # default: plain dicts as before


def test_streamlit_toml_key_lines() -> None:
    text = (
        "[server]  # comment\n"
        "port = 8501\n"
        "enableXsrfProtection = false\n"
        "[browser]\n"
        "server.enableCORS = false\n"
        '"server".address = "0.0.0.0"\n'
    )
    assert key_line(text, "server", "enableXsrfProtection") == 3
    assert key_line(text, "browser.server", "enableCORS") == 5
    assert key_line("server.enableCORS = false\n", "server", "enableCORS") == 1
    inline = "title = 'x'\nserver = { address = '0.0.0.0', enableXsrfProtection = false }\n"
    assert key_line(inline, "server", "enableXsrfProtection") == 2
    config = read_config(".streamlit/config.toml", inline)
    assert config.server["enableXsrfProtection"].value == "false"
    assert config.server["enableXsrfProtection"].line == 2


def test_yaml_every_document_is_read_and_bounded() -> None:
    roots = compose_documents("a: 1\n---\nb: [x, y]\n")
    assert len(roots) == 2
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    with pytest.raises(YamlError):
        compose_documents(bomb, limit=50)


# -- Dockerfile launches -----------------------------------------------------------------


def test_exec_form_words_keep_their_lines() -> None:
    dockerfile = parse_dockerfile(
        "Dockerfile",
        'FROM python:3.11\nCMD ["vllm", "serve", \\\n    "org/m", \\\n    "--trust-remote-code"]\n',
    )
    words = exec_form_words(dockerfile.instructions[-1])
    assert words is not None
    assert [(w.text, w.line) for w in words] == [
        ("vllm", 2),
        ("serve", 2),
        ("org/m", 3),
        ("--trust-remote-code", 4),
    ]


def test_entrypoint_and_cmd_are_one_command_per_stage() -> None:
    dockerfile = parse_dockerfile(
        "Dockerfile",
        "FROM python:3.11 AS build\n"
        "CMD python build.py --trust-remote-code\n"
        "FROM python:3.11\n"
        "ENV STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=false\n"
        'ENTRYPOINT ["streamlit", "run"]\n'
        'CMD ["app.py"]\n'
        "FROM python:3.11\n"
        "ENTRYPOINT streamlit run app.py\n"
        'CMD ["--server.enableXsrfProtection=false"]\n',
    )
    launches = list(dockerfile_launches(dockerfile))
    assert [launch.command.argv for launch in launches] == [
        ["python", "build.py", "--trust-remote-code"],
        ["streamlit", "run", "app.py"],
        ["streamlit", "run", "app.py"],  # CMD is ignored after a shell-form ENTRYPOINT
    ]
    assert launches[1].command.env["STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION"] == "false"
    assert launches[1].env_lines == {"STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION": 4}


# -- whole-rule behaviour ----------------------------------------------------------------


def test_sai308_levels_and_pinning_in_the_same_mapping_only(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "configs/train.yaml": (
                f"revision: {SHA}\n"  # the parent's revision does not pin the nested model
                "model:\n"
                "  name_or_path: org/custom\n"
                "  trust_remote_code: 'true'\n"
                "teacher:\n"
                "  name_or_path: org/teacher\n"
                f"  revision: {SHA}\n"
                "  trust_remote_code: yes\n"
                "student: {trust_remote_code: False}\n"
            ),
            "configs/args.json": (
                '{\n  "model_name_or_path": "org/custom",\n'
                f'  "revision": "{SHA}",\n  "trust_remote_code": true\n}}\n'
            ),
            "scripts/serve.sh": f"vllm serve org/custom --revision {SHA} --trust-remote-code\n",
        },
    )
    assert _found(tmp_path, "SAI308") == [
        ("configs/args.json", 4, "warning"),
        ("configs/train.yaml", 4, "error"),
        ("configs/train.yaml", 8, "warning"),
        ("scripts/serve.sh", 1, "warning"),
    ]


def test_sai308_broken_configs_are_reported_skips(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "configs/bad.yaml": "trust_remote_code: true\nmodel: [unclosed\n",
            "configs/bad.json": '{"trust_remote_code": true,,}\n',
            "scripts/train.sh": "python train.py --trust-remote-code\n",
        },
    )
    report = scan(tmp_path, ["SAI308"])
    assert sorted((f.location.path, f.location.line) for f in report.findings) == [
        ("scripts/train.sh", 1)
    ]
    reasons = {s.path: s.reason for s in report.skipped}
    assert "invalid YAML at line" in reasons["configs/bad.yaml"]
    assert reasons["configs/bad.json"].startswith("invalid JSON at line 1")


def test_sai601_streamlit_broken_toml_is_a_skip_and_env_line_is_reported(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".streamlit/config.toml": "[server]\nenableXsrfProtection = \n",
            "Dockerfile": (
                "FROM python:3.11\n"
                "ENV STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=false\n"
                'ENTRYPOINT ["streamlit", "run"]\n'
                'CMD ["app.py", "--server.address=0.0.0.0"]\n'
            ),
            "notebooks/demo.ipynb": (
                '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], '
                '"execution_count": null, "source": ["!streamlit run app.py '
                '--server.enableXsrfProtection false &\\n"]}], "metadata": {}, '
                '"nbformat": 4, "nbformat_minor": 5}\n'
            ),
        },
    )
    report = scan(tmp_path, ["SAI601"])
    assert sorted((f.location.path, f.location.line) for f in report.findings) == [
        ("Dockerfile", 2),
        ("notebooks/demo.ipynb", 1),
    ]
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons[".streamlit/config.toml"] == (
        "invalid TOML at line 2; Streamlit settings not analysed"
    )
    message = next(f.message for f in report.findings if f.location.path == "Dockerfile")
    assert "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=false" in message
    assert "bound to 0.0.0.0" in message


def test_sai601_jupyter_ray_mlflow_on_command_lines(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "Makefile": (
                "notebook:\n"
                "\tjupyter lab --ip=0.0.0.0 \\\n"
                "\t\t--ServerApp.token='' --no-browser\n"
                "tracking:\n"
                "\tmlflow server --host 0.0.0.0 --port 5000\n"
                "tracking-auth:\n"
                "\tmlflow server --host 0.0.0.0 --app-name basic-auth\n"
            ),
            "k8s/ray-head.yaml": (
                "containers:\n"
                "  - name: ray-head\n"
                '    args: ["ray", "start", "--head", "--dashboard-host=0.0.0.0"]\n'
            ),
        },
    )
    assert _found(tmp_path, "SAI601") == [
        ("Makefile", 3, "warning"),
        ("Makefile", 5, "warning"),
        ("k8s/ray-head.yaml", 3, "warning"),
    ]


def test_sai601_streamlit_started_from_python_code(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "source": ["!streamlit run app.py --server.enableXsrfProtection false\n"],
            }
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    _write(
        tmp_path,
        {
            "scripts/demo.py": (
                "import subprocess\n\n"
                "subprocess.run(\n"
                '    "streamlit run app.py --server.enableXsrfProtection=false", shell=True\n'
                ")\n"
                'subprocess.run(["streamlit", "run", "app.py", "--server.port", "8501"])\n'
            ),
            "notebooks/demo.ipynb": json.dumps(notebook, indent=1),
        },
    )
    assert _found(tmp_path, "SAI601") == [
        ("notebooks/demo.ipynb", 8, "warning"),
        ("scripts/demo.py", 3, "warning"),
    ]


def test_sai601_compose_environment_and_kubernetes_command_with_args(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "compose.yaml": (
                "services:\n"
                "  ui:\n"
                "    image: our-org/rag-ui:1.4.2\n"
                "    command: streamlit run ui.py --server.port 8501\n"
                "    environment:\n"
                "      - STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=false\n"
                "  local-ui:\n"
                "    image: our-org/rag-ui:1.4.2\n"
                "    command: streamlit run ui.py\n"
                "    environment:\n"
                "      STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION: 'false'\n"
                "      STREAMLIT_SERVER_ADDRESS: 127.0.0.1\n"
            ),
            "k8s/ui.yaml": (
                "spec:\n"
                "  containers:\n"
                "    - name: ui\n"
                '      command: ["streamlit", "run"]\n'
                "      args:\n"
                "        - ui.py\n"
                "        - --server.enableXsrfProtection=false\n"
                "      env:\n"
                "        - name: STREAMLIT_SERVER_ADDRESS\n"
                '          value: "0.0.0.0"\n'
            ),
        },
    )
    assert _found(tmp_path, "SAI601") == [
        ("compose.yaml", 6, "warning"),  # the environment line that turns protection off
        ("k8s/ui.yaml", 7, "warning"),
    ]


def test_hostile_configs_are_skips_naming_why(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "configs/deep.json": '{"trust_remote_code": true, "x": '
            + "[" * 50_000
            + "]" * 50_000
            + "}\n",
            "configs/loop.yaml": "trust_remote_code: true\nz: &r\n  k: *r\n",
        },
    )
    report = scan(tmp_path, ["SAI308"])
    assert report.findings == []
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["configs/deep.json"].startswith("JSON nested too deeply to read; not analysed")
    assert "billion-laughs" in reasons["configs/loop.yaml"]
