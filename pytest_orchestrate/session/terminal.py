"""Signs of life at a terminal: a retry's wait, and a long task's elapsed time and last output line.

Only at a terminal, and never on an xdist worker (which has none): nothing here reaches JUnit,
logs or a pipe, where the final report says it all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from .config import is_worker
from .secrets import secrets

# A task quiet for this long shows it is alive, then again every as long.
HEARTBEAT_SECONDS = 5.0


class Live:
    """Writes progress lines for one item, through pytest's terminal reporter."""

    def __init__(self, config: pytest.Config, label: str) -> None:
        reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
        at_terminal = reporter is not None and reporter.isatty() and not is_worker(config)
        self.reporter = reporter if at_terminal else None
        # Output capture holds the terminal while a test runs; pytest's live logging steps
        # around it the same way.
        self.capture: Any = config.pluginmanager.get_plugin("capturemanager")
        self.label = label
        self.mask = secrets(config).mask
        self.last_line = ""
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether anyone will see the lines."""
        return self.reporter is not None

    def line(self, text: str) -> None:
        """One progress line, e.g. ``1.11 attempt 2/4 in 3.2 s (exit 1)``."""
        if self.reporter is not None:
            with self._lock, self._uncaptured():
                self.reporter.write_line(self.mask(f"  {self.label} {text}"), cyan=True)

    @contextmanager
    def _uncaptured(self) -> Iterator[None]:
        if self.capture is None:
            yield
        else:
            with self.capture.global_and_fixture_disabled():
                yield

    def output(self, line: str) -> None:
        """Remember the latest non-empty line a task's program printed."""
        if line.strip():
            self.last_line = self.mask(line.strip())

    @contextmanager
    def heartbeat(self, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
        """While the body runs, every ``every`` seconds say how long it has run and its last
        line."""
        if self.reporter is None:
            yield
            return
        stop = threading.Event()
        start = time.monotonic()

        def beat() -> None:
            while not stop.wait(every):
                last = f": {self.last_line[:100]}" if self.last_line else ""
                self.line(f"running {time.monotonic() - start:.0f} s{last}")

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
