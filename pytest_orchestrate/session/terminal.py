"""Signs of life at a terminal: a retry's wait, a long task's elapsed time and last output line,
and, under xdist, which tasks the workers are running.

Only at a terminal, and never on an xdist worker (which has none): nothing here reaches JUnit,
logs or a pipe, where the final report says it all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ..roadmap.keys import split_nodeid
from .config import engine, is_worker
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


class RunningTasks:
    """On the xdist controller at a terminal: while nothing else is printed, a line every
    ``HEARTBEAT_SECONDS`` naming the tasks the workers are running and for how long.

    Workers have no terminal, so a long task (a Jest run, a checkpoint's suites) would leave the
    screen still for minutes. xdist relays each item's start and finish to the controller. The
    line is written from a thread, under one lock with the reporter's own lines for those items
    (the hook wrappers below), so it never lands inside one of them.
    """

    def __init__(self, config: pytest.Config, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self.running: dict[str, float] = {}  # nodeid -> when it started
        self.quiet_since = clock()
        self._lock = threading.RLock()

    def _reporter(self) -> Any:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        return reporter if reporter is not None and reporter.isatty() else None

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_logstart(self, nodeid: str, location: object) -> Iterator[None]:
        with self._lock:
            self.running[nodeid] = self.clock()
            yield
            self.quiet_since = self.clock()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Iterator[None]:
        with self._lock:
            yield
            self.quiet_since = self.clock()

    def pytest_runtest_logfinish(self, nodeid: str, location: object) -> None:
        with self._lock:
            self.running.pop(nodeid, None)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        reporter = self._reporter()
        distributed = self.config.getoption("dist", "no") != "no"  # else each item says it itself
        if reporter is None or is_worker(self.config) or not distributed:
            return (yield)
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(1.0):
                line = self.beat_line(width=self.config.get_terminal_writer().fullwidth)
                if line:
                    with self._lock:
                        reporter.ensure_newline()
                        reporter.write_line(secrets(self.config).mask(line), cyan=True)

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            return (yield)
        finally:
            stop.set()
            thread.join()

    def beat_line(self, every: float = HEARTBEAT_SECONDS, width: int = 80) -> str | None:
        """The line to write now, or None: nothing runs, or something was printed lately. It fits
        in ``width`` columns (a wrapped line would break the reporter's layout): the tasks' names
        go first, then the ids are cut."""
        with self._lock:
            now = self.clock()
            if not self.running or now - self.quiet_since < every:
                return None
            self.quiet_since = now
            running = sorted(self.running.items(), key=lambda kv: kv[1])
        for named in (True, False):
            line = "  running: " + ", ".join(
                f"{self._name(nodeid, named)} ({now - began:.0f} s)" for nodeid, began in running
            )
            if len(line) < width:
                return line
        return line[: max(width - 2, 20)] + "…"

    def _name(self, nodeid: str, named: bool = True) -> str:
        """``2.1 User service tests`` (``2.1`` unless ``named``); a checkpoint as
        ``phase_1 checkpoint``."""
        file_part, node = split_nodeid(nodeid)
        ctx = engine(self.config).contexts.get(file_part)
        task = ctx.task(node) if ctx is not None else None
        if task is not None:
            return f"{task.id} {task.name}" if named else task.id
        return node.replace("::", " ")
