"""The ``sailint`` console script: answers ``--version`` before importing click and the CLI."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sailint import __version__

# What click's version option prints (cli.py: prog_name "sailint"); tests compare the two.
VERSION_LINE = f"sailint, version {__version__}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run sailint; ``sailint --version`` alone is answered without loading the CLI."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        sys.stdout.write(VERSION_LINE)
        sys.stdout.flush()
        return 0
    from sailint.cli import main as cli_main

    return cli_main(argv)
