"""Subcommands of the ``sailint`` CLI that live outside ``cli.py``."""
