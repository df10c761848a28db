"""The shell splitter and the shell sources: commands, pipelines and their lines."""

from __future__ import annotations

from sailint.collectors.shell import parse_shell
from sailint.collectors.shellsources import makefile_recipes, notebook_shell


def _commands(text: str) -> list[tuple[int, list[str]]]:
    return [(c.line, c.argv) for c in parse_shell(text).commands]


def test_operators_split_commands_and_keep_lines() -> None:
    text = "set -e\napt-get update && pip install a; echo done || true\n"
    assert _commands(text) == [
        (1, ["set", "-e"]),
        (2, ["apt-get", "update"]),
        (2, ["pip", "install", "a"]),
        (2, ["echo", "done"]),
        (2, ["true"]),
    ]


def test_continuations_quotes_and_comments() -> None:
    text = (
        "pip install \\\n"
        "   'numpy<2' \\\n"
        '   "torch==2.3.1" # trailing comment\n'
        "# pip install commented-out\n"
        "pip install git+https://github.com/a/b#egg=b\n"
    )
    assert _commands(text) == [
        (1, ["pip", "install", "numpy<2", "torch==2.3.1"]),
        (5, ["pip", "install", "git+https://github.com/a/b#egg=b"]),
    ]


def test_pipelines_including_a_pipe_at_the_end_of_a_line() -> None:
    script = parse_shell("curl -sSL https://x/install.sh |\n  sudo bash -s -- --yes\n")
    assert [[c.argv for c in p] for p in script.pipelines] == [
        [["curl", "-sSL", "https://x/install.sh"], ["bash", "-s", "--", "--yes"]]
    ]
    assert script.pipelines[0][1].sudo is True
    assert script.pipelines[0][1].line == 2


def test_wrappers_assignments_and_reserved_words_are_removed() -> None:
    command = parse_shell(
        "if true; then PIP_NO_CACHE_DIR=1 sudo -E -u ci env A=1 pip3 install x; fi"
    )
    pip = next(c for c in command.commands if c.name == "pip3")
    assert pip.argv == ["pip3", "install", "x"]
    assert pip.env == {"PIP_NO_CACHE_DIR": "1", "A": "1"}
    assert pip.sudo is True


def test_heredoc_bodies_are_not_commands() -> None:
    script = parse_shell("cat <<'EOF' > notes.txt\npip install not-a-command\nEOF\necho after\n")
    assert [(c.line, c.argv) for c in script.commands] == [(1, ["cat"]), (4, ["echo", "after"])]
    assert script.commands[0].redirects == [(">", "notes.txt")]
    assert script.problems == []


def test_unterminated_heredoc_is_a_problem_with_its_line() -> None:
    script = parse_shell("echo start\ncat <<EOF\nnever closed\n")
    assert [p.line for p in script.problems] == [2]
    assert "unterminated here-document" in script.problems[0].message
    assert script.commands[0].argv == ["echo", "start"]


def test_substitutions_stay_inside_one_word() -> None:
    commands = parse_shell('bash <(curl -s https://x)\nsh -c "$(wget -qO- https://y)"\n').commands
    assert commands[0].argv == ["bash", "<(curl -s https://x)"]
    assert commands[1].words[2].raw == '"$(wget -qO- https://y)"'


def test_makefile_recipes_expand_variables_and_strip_prefixes() -> None:
    text = (
        "PIP ?= python -m pip\n"
        "PKGS := torch\n"
        "\n"
        "install: deps\n"
        "\t@$(PIP) install $(PKGS)\n"
        "\t-pip install \\\n"
        "\t\tnumpy\n"
        "test: ; pytest $$PYTEST_ARGS\n"
    )
    assert makefile_recipes(text) == [
        ("python -m pip install torch", [5]),
        ("pip install \\\nnumpy", [6, 7]),
        ("pytest $PYTEST_ARGS", [8]),
    ]


def test_notebook_magics_become_shell() -> None:
    magics = [
        ("!pip install datasets", 10),
        ("%pip install peft==0.12.0", 11),
        ("%matplotlib inline", 12),
        ("%%bash", 20),
        ("conda install -y scipy", 21),
        ("echo done", 22),
    ]
    assert notebook_shell(magics) == [
        ("pip install datasets", [10]),
        ("pip install peft==0.12.0", [11]),
        ("conda install -y scipy\necho done", [21, 22]),
    ]


def test_windows_line_endings_keep_continuations() -> None:
    text = "pip install \\\r\n    torch\r\necho ok\r\n"
    assert _commands(text) == [(1, ["pip", "install", "torch"]), (3, ["echo", "ok"])]
