"""Subcommands of the ``sailint`` CLI that live in their own modules."""
