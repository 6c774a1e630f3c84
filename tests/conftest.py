"""Shared fixtures: paths to the seeds and gold files, and isolation from the user's setup."""

from __future__ import annotations

import inspect
import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.backends.extract import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = Path(__file__).resolve().parent / "data" / "gold"


#: What makes a test second-tier by its own code: the CLI run as a subprocess, or any other
#: process started (the `slow` marker's definition in pyproject.toml).
_STARTS_A_PROCESS = re.compile(r"\brun_cli\(|\bsubprocess\.(?:run|Popen|check_output|call)\(")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A browser test, and one that starts a process, is a second-tier test too (`-m "not
    slow"` leaves it out): the fast tier stays in-process, whoever writes the next test."""
    sources: dict[object, str] = {}
    for item in items:
        if item.get_closest_marker("slow") is not None:
            continue
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)
            continue
        function = getattr(item, "function", None)
        if function is None:
            continue
        if function not in sources:
            try:
                sources[function] = inspect.getsource(function)
            except (OSError, TypeError):
                sources[function] = ""
        if _STARTS_A_PROCESS.search(sources[function]):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees a real key, a real endpoint or the repository's cache."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DEEPSEEK_API_KEY", "DASHSCOPE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(autouse=True)
def _fake_backend_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' own `fake` backend, by name, as if it shipped (it does not: see fake_backend)."""
    monkeypatch.setitem(REGISTRY, "fake", "fake_backend:FakeBackend")


#: The system's Chromium (never a downloaded browser); `.ci/install-browser.sh` installs it.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium through playwright; the test is skipped when none is installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed (run .ci/install-browser.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that is not to the loopback interface."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


def seed_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


def gold_for(seed: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((GOLD / (seed.stem + ".json")).read_text(encoding="utf-8"))
