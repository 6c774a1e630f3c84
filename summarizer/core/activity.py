"""Live activity of model calls, for progress displays: tokens arriving, waits, notices.

In: events from a backend (completion tokens streamed, a wait before a retry, a one-line
notice such as a response-format fallback). Out: counters and the current wait that a
progress bar reads, and listeners called for notices and waits.

One process-wide `ACTIVITY`: calls of every file of a batch report into it, so the bar can
show tokens/s across all of them. It imports nothing of ours and never prints by itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Listener = Callable[[str], None]


@dataclass
class Activity:
    clock: Callable[[], float] = time.monotonic
    streamed_tokens: int = 0
    active_calls: int = 0
    started: float | None = None
    wait_until: float = 0.0
    wait_reason: str = ""
    notices: list[str] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call_started(self) -> None:
        with self._lock:
            self.active_calls += 1
            if self.started is None:
                self.started = self.clock()

    def call_ended(self) -> None:
        with self._lock:
            self.active_calls = max(0, self.active_calls - 1)

    def tokens(self, n: int) -> None:
        """`n` more completion tokens arrived (counted or estimated from the stream)."""
        with self._lock:
            self.streamed_tokens += n

    def waiting(self, seconds: float, reason: str) -> None:
        """A call waits `seconds` before its next attempt; long waits are announced."""
        with self._lock:
            self.wait_until = max(self.wait_until, self.clock() + seconds)
            self.wait_reason = reason
        self._tell(f"waiting {seconds:.0f}s: {reason}")

    def notice(self, line: str) -> None:
        """A one-line notice, told once per run however many calls raise it."""
        with self._lock:
            if line in self.notices:
                return
            self.notices.append(line)
        self._tell(line)

    def rate(self) -> float:
        """Completion tokens per second since the first call started."""
        if self.started is None:
            return 0.0
        elapsed = self.clock() - self.started
        return self.streamed_tokens / elapsed if elapsed > 0 else 0.0

    def status(self) -> str:
        """What a progress line shows: tokens arriving and their pace, or the current wait."""
        left = self.wait_until - self.clock()
        if left >= 1:
            return f"waiting {left:.0f}s ({self.wait_reason})"
        if not self.streamed_tokens:
            return ""
        return f"{self.streamed_tokens:,} tok out, {self.rate():.0f} tok/s"

    def _tell(self, line: str) -> None:
        from summarizer.core.redact import redact_secrets

        line = redact_secrets(line)  # a password in an endpoint URL, a key a server echoed
        for listener in list(self.listeners):
            listener(line)

    def reset(self) -> None:
        with self._lock:
            self.streamed_tokens = 0
            self.active_calls = 0
            self.started = None
            self.wait_until = 0.0
            self.wait_reason = ""
            self.notices.clear()


ACTIVITY = Activity()
