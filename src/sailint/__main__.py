"""Entry point for ``python -m sailint``."""

from sailint.cli import main

raise SystemExit(main())
