"""sailint: a CI linter that finds evidence of the secure-AI Guidelines in ML repositories."""

__version__ = "0.1.0"
