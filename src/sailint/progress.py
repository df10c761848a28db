"""Progress on stderr for long scans (only on a terminal) and per-rule timings for ``-v``."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from sailint.rulemeta import RuleMeta


class Progress:
    """Receives the engine's progress callback; draws one status line, records timings."""

    def __init__(self, stream: TextIO, enabled: bool, verbose: bool) -> None:
        """Draw on ``stream`` when ``enabled``; report timings at the end when ``verbose``."""
        self.stream = stream
        self.enabled = enabled
        self.verbose = verbose
        self.timings: dict[str, float] = {}
        self._current: str | None = None
        self._started = 0.0
        self._width = 0

    @classmethod
    def for_terminal(cls, quiet: bool, verbose: bool, stream: TextIO | None = None) -> Progress:
        """Progress on stderr only when it is a terminal and the user did not ask for quiet."""
        stream = stream or sys.stderr
        interactive = bool(getattr(stream, "isatty", lambda: False)())
        return cls(stream, interactive and not quiet, verbose and not quiet)

    def _stop_clock(self) -> None:
        if self._current is not None:
            elapsed = time.perf_counter() - self._started
            self.timings[self._current] = self.timings.get(self._current, 0.0) + elapsed
            self._current = None

    def update(self, done: int, total: int, rule: RuleMeta) -> None:
        """Called before ``rule`` runs, with ``done`` of ``total`` rules finished."""
        self._stop_clock()
        self._current = rule.id
        self._started = time.perf_counter()
        if self.enabled:
            text = f"sailint: [{done + 1}/{total}] {rule.id} {rule.slug}"
            self.stream.write("\r" + text.ljust(self._width))
            self.stream.flush()
            self._width = len(text)

    def finish(self) -> None:
        """Clear the status line; with ``verbose``, print the slowest rules."""
        self._stop_clock()
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
        if self.verbose and self.timings:
            slowest = sorted(self.timings.items(), key=lambda item: -item[1])[:10]
            parts = ", ".join(f"{rule_id} {seconds:.2f}s" for rule_id, seconds in slowest)
            self.stream.write(f"sailint: slowest rules (with the views they built): {parts}\n")
            self.stream.flush()
