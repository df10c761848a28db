"""One forked helper process that analyses a few Python units while the main process goes on.

A pre-commit run has a handful of units: too few for the worker pool of ``pyunits.start``,
whose ``multiprocessing`` machinery alone costs about 30 ms to import, yet their analysis
(importing bandit and walking every tree with it) is most of the run. A plain ``os.fork`` with
a pipe costs a few milliseconds: the child analyses the units and sends back the pickled
results, while the parent runs the rules that need no Python results. If the child fails in
any way, the parent analyses the units itself; the report is the same either way
(tests/test_pyunits.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle  # sailint: ignore[B403] only sailint's own results, from its own child process
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Helper:
    """A running helper: its process id and the read end of its result pipe."""

    pid: int
    read_fd: int

    def collect(self) -> Any | None:
        """The child's result (waiting for it), or None if it failed."""
        chunks = []
        try:
            with os.fdopen(self.read_fd, "rb") as pipe:
                while chunk := pipe.read(1 << 20):
                    chunks.append(chunk)
        finally:
            status = _reap(self.pid)
        if status != 0 or not chunks:
            log.debug("Python analysis helper ended with status %s", status)
            return None
        # sailint: ignore[SAI306, B301] written by this process's own forked child, never a scanned file
        return pickle.loads(b"".join(chunks))

    def cancel(self) -> None:
        """Stop the helper (the scan ended without asking for its results)."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self.read_fd)
        _reap(self.pid)


def _reap(pid: int) -> int:
    """Wait for ``pid``; its exit status (non-zero when killed or gone)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status)


def fork_helper(work: Callable[[], Any], started: Callable[[], None]) -> Helper | None:
    """Run ``work`` in a forked child (``started`` first); None where fork is unavailable."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return None
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(read_fd)
            started()
            payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
            status = 0
        except BaseException:  # the parent redoes the work; a child must never unwind into it
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    return Helper(pid, read_fd)
