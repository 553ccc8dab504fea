"""Retries with backoff, retry_on, and timeouts that leave nothing running."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_orchestrate.tasks.retry import backoff_delay


def test_backoff_is_exponential_with_full_jitter_and_a_cap() -> None:
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 10.0)]:
        delays = [backoff_delay(attempt, 2.0, 10.0) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range


FLAKY = """
orchestrator:
  settings:
    retry_attempts: 3
    retry_delay_seconds: 0.01
phase_1:
  name: One
  groups:
    group_a:
      name: A
      tasks:
        - id: "1.1"
          name: flaky
          type: command
          run: "echo x >> tries; [ $(wc -l < tries) -ge 3 ]"
        - id: "1.2"
          name: deterministic
          type: command
          run: "echo y >> det; exit 4"
          retry_on: [75]
"""


def test_retries_until_success_and_every_attempt_stays_visible(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(FLAKY)
    result = pytester.runpytest("--all", "-v", "--junitxml=out.xml")
    result.stdout.fnmatch_lines(["*::1.1 CHANGED*", "*::1.2 FAILED*"])
    assert len((pytester.path / "tries").read_text().split()) == 3
    # retry_on names the exit codes worth retrying; 4 is not one, so 1.2 ran once.
    assert len((pytester.path / "det").read_text().split()) == 1
    case = next(
        c
        for c in ET.parse(pytester.path / "out.xml").getroot().iter("testcase")
        if c.get("name") == "1.1"
    )
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["attempt_1"].startswith("failed: ")
    assert props["attempt_2"].startswith("failed: ")
    assert "attempt_3" not in props


def test_failure_after_all_attempts_shows_each_one(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(FLAKY.replace("-ge 3", "-ge 99"))
    result = pytester.runpytest("--all", "-k", "1.1", "-rA", "--junitxml=out.xml")
    # The same output four times is shown once, naming the attempts it stands for.
    result.stdout.fnmatch_lines(["*exited 1, expected 0", "(same output in attempts 1–4)"])
    assert result.stdout.str().count("exited 1, expected 0\n") == 1
    assert len((pytester.path / "tries").read_text().split()) == 4
    xml = (pytester.path / "out.xml").read_text()
    assert all(f'name="attempt_{n}"' in xml for n in (1, 2, 3))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie has finished; it only waits to be reaped


def test_timeout_kills_the_whole_process_group(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - id: "1.1"
              name: hangs with a grandchild
              type: command
              run: "sh -c 'sleep 300 & echo $! > grandchild; wait' & wait"
              timeout_minutes: 0.02
    """)
    start = time.monotonic()
    result = pytester.runpytest("--all", "--junitxml=out.xml")
    assert time.monotonic() - start < 30
    result.stdout.fnmatch_lines(["*timed out after 1.2s*"])
    pid = int((pytester.path / "grandchild").read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert (pytester.path / "out.xml").exists()


def test_task_timeout_overrides_the_setting(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    orchestrator:
      settings:
        timeout_minutes: 0.01
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: slow but allowed, type: command, run: "sleep 1", timeout_minutes: 1}
            - {id: "1.2", name: slow, type: command, run: "sleep 5", depends_on: []}
    """)
    result = pytester.runpytest("--all", "-v")
    result.stdout.fnmatch_lines(
        ["*::1.1 CHANGED*", "*::1.2 FAILED*", "*timed out after 0.6s: sleep 5*"]
    )
