"""The forked helper's item stream: every whole item arrives, and a child's end is always seen."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from sailint.collectors import pyhelper

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="fork helper: Linux only"
)


def _all_items(helper: pyhelper.Helper | None) -> list[Any]:
    assert helper is not None
    items = []
    while (item := helper.receive()) is not None:
        items.append(item)
    return items


def _gone(pid: int) -> bool:
    """True once ``pid`` was waited for (no zombie left behind)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_items_arrive_in_order_whatever_their_size() -> None:
    big = "x" * 300_000  # larger than a pipe's buffer: written while the parent reads

    def work(send: Any) -> None:
        for number in range(3):
            send((number, big if number == 1 else ""))

    helper = pyhelper.fork_helper(work, lambda: None)
    assert helper is not None
    assert _all_items(helper) == [(0, ""), (1, big), (2, "")]
    assert _gone(helper.pid)


@pytest.mark.parametrize("how", ["raises", "killed"])
def test_a_child_that_dies_ends_the_stream_after_its_whole_items(how: str) -> None:
    def work(send: Any) -> None:
        send("first")
        send("second")
        if how == "raises":
            raise MemoryError
        os.kill(os.getpid(), signal.SIGKILL)

    helper = pyhelper.fork_helper(work, lambda: None)
    assert helper is not None
    assert _all_items(helper) == ["first", "second"]
    assert _gone(helper.pid)


def test_an_item_cut_short_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    send = pyhelper._send

    def half_of_the_second(pipe: BinaryIO, item: Any) -> None:
        if item == "second":  # the child is killed while writing it
            pipe.write((1000).to_bytes(pyhelper._SIZE, "big") + b"\x80\x05")
            pipe.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        send(pipe, item)

    monkeypatch.setattr(pyhelper, "_send", half_of_the_second)
    helper = pyhelper.fork_helper(lambda send: [send("first"), send("second")], lambda: None)
    assert _all_items(helper) == ["first"]


def test_closing_stops_a_helper_that_still_runs() -> None:
    def work(send: Any) -> None:
        send("ready")
        signal.pause()  # would wait forever

    helper = pyhelper.fork_helper(work, lambda: None)
    assert helper is not None
    assert helper.receive() == "ready"
    helper.close()
    assert _gone(helper.pid)
    assert helper.receive() is None
