"""One forked helper process that runs bandit on a few Python units while the main process goes on.

A pre-commit run has a handful of units: too few for the worker pool of ``pyunits.start``,
whose ``multiprocessing`` machinery alone costs about 30 ms to import, yet bandit's part
(importing it and walking every tree with it) is most of the run. A plain ``os.fork`` with a
pipe costs a few milliseconds: the child sends its results one item at a time, as each unit is
done, and the parent takes each when it needs it, while running every other rule itself. If the
child fails at any point, the parent does what it did not send; the report is the same either
way (tests/test_pyunits.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

_SIZE = 4  # bytes of the length that precedes each pickled item


class Helper:
    """A running helper: its process and the read end of the pipe it sends its items on."""

    def __init__(self, pid: int, read_fd: int) -> None:
        """Wrap a forked child ``pid`` writing to ``read_fd``'s pipe."""
        self.pid = pid
        self._pipe: BinaryIO | None = os.fdopen(read_fd, "rb")

    def receive(self) -> Any | None:
        """The child's next item, waiting for it; None once it has sent all it will (or died)."""
        if self._pipe is None:
            return None
        header = self._pipe.read(_SIZE)
        size = int.from_bytes(header, "big") if len(header) == _SIZE else -1
        payload = self._pipe.read(size) if size >= 0 else b""
        if size < 0 or len(payload) < size:  # the end, or a child killed in mid-item
            self.close()
            return None
        import pickle  # sailint: ignore[B403] only sailint's own items, from its own child

        # sailint: ignore[SAI306, B301] written by this process's own forked child, never a scanned file
        return pickle.loads(payload)

    def close(self) -> None:
        """Stop the helper if it still runs (its items are no longer wanted) and wait for it."""
        if self._pipe is None:
            return
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)  # a child that has exited is a zombie: no-op
        self._pipe.close()
        self._pipe = None
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def fork_helper(
    work: Callable[[Callable[[Any], None]], None], started: Callable[[], None]
) -> Helper | None:
    """Run ``work(send)`` in a forked child (``started`` first); None where fork is unavailable.

    Each ``send(item)`` pickles ``item`` to the parent, which gets it from ``Helper.receive``.
    """
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
            with os.fdopen(write_fd, "wb") as pipe:
                work(lambda item: _send(pipe, item))
            status = 0
        except BaseException:  # the parent does the rest; a child must never unwind into it
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    return Helper(pid, read_fd)


def _send(pipe: BinaryIO, item: Any) -> None:
    import pickle  # sailint: ignore[B403] only sailint's own items, to its own parent

    payload = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(len(payload).to_bytes(_SIZE, "big") + payload)
    pipe.flush()  # the parent may be waiting for this very item
