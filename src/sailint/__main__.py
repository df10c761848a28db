"""Entry point for ``python -m sailint``."""

from sailint.entry import main

raise SystemExit(main())
