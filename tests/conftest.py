"""pytest configuration: tests run offline, with a hermetic git identity."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import GIT_ENV


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    # Nothing in the test suite may reach the network.
    monkeypatch.setenv("no_proxy", "*")
    os.environ.setdefault("SAILINT_LOGLEVEL", "WARNING")
