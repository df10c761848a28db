"""Subcommands that do more than scan (``sailint init``)."""
