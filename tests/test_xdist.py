"""Roadmaps under pytest-xdist: nothing starts before what it waits for has
ended, the rest overlaps.

Each task appends ``start``/``end`` timestamps to a log, and a small conftest writes every item's
outcome to ``outcomes.json`` on the controller; the tests judge the run from those two files.
Runs go through a subprocess with a timeout, since the way a scheduler breaks is by hanging.
"""

from __future__ import annotations

import json
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("xdist")

TIMEOUT = 120

RECORDER = """
import json

OUTCOMES = {}


def pytest_runtest_logreport(report):
    # The worst phase wins: a failed call or a skipped setup replaces the passed setup.
    previous = OUTCOMES.get(report.nodeid)
    if previous is not None and previous["outcome"] != "passed":
        return
    if previous is None or report.failed or report.skipped:
        reason = ""
        if report.skipped and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        OUTCOMES[report.nodeid] = {"outcome": report.outcome, "reason": reason}


def pytest_sessionfinish(session):
    if not hasattr(session.config, "workerinput"):
        (session.config.rootpath / "outcomes.json").write_text(json.dumps(OUTCOMES))
"""

CRASH_TYPE = """
import os

from pytest_orchestrate import TaskBase


class CrashTask(TaskBase):
    type: str = "crash"


def crash(task, workspace, settings):
    os._exit(3)  # the worker process dies in the middle of the task


def pytest_orchestrate_register_task_types(registry):
    registry.add("crash", crash, model=CrashTask)
"""


def timed(name: str, log: Path, seconds: float = 0.2, fail: bool = False) -> str:
    """A shell command that logs its start and end (and fails at the end if asked)."""
    tail = "; exit 1" if fail else ""
    return (
        f"echo start {name} $(date +%s.%N) >> {log}; sleep {seconds}; "
        f"echo end {name} $(date +%s.%N) >> {log}{tail}"
    )


def read_log(log: Path) -> dict[str, tuple[float, float]]:
    """Each logged name's (start, end)."""
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    for line in log.read_text().splitlines():
        what, name, stamp = line.split()
        (starts if what == "start" else ends)[name] = float(stamp)
    assert set(starts) == set(ends), "every task that started has ended"
    return {name: (starts[name], ends[name]) for name in starts}


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def max_concurrency(spans: Iterable[tuple[float, float]]) -> int:
    spans = list(spans)
    events = sorted(
        [(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda ev: (ev[0], ev[1])
    )
    best = current = 0
    for _, step in events:
        current += step
        best = max(best, current)
    return best


def assert_waited(spans: dict[str, tuple[float, float]], deps: dict[str, list[str]]) -> None:
    """No item started before each of its dependencies had ended."""
    for name, before in deps.items():
        if name not in spans:
            continue
        for dep in before:
            assert dep in spans, f"{name} ran although {dep} never did"
            assert spans[name][0] >= spans[dep][1], f"{name} started before {dep} ended"


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in a subprocess, with the outcome recorder, and killed if it hangs."""
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=TIMEOUT)


def outcomes(pytester: pytest.Pytester) -> dict[str, dict[str, str]]:
    """Outcome and skip reason per task id (or ``phase_N::checkpoint``) of config/phases.yaml."""
    raw = json.loads((pytester.path / "outcomes.json").read_text())
    out = {}
    for nodeid, value in raw.items():
        parts = nodeid.split("::")
        out["::".join(parts[-2:]) if parts[-1] == "checkpoint" else parts[-1]] = value
    return out


@pytest.fixture
def recorder(pytester: pytest.Pytester) -> Path:
    """The outcome-recording conftest; returns the absolute log path tasks write to."""
    pytester.makeconftest(RECORDER)
    return pytester.path / "log"


# -- dependencies are exact, the rest runs in parallel ---------------------------------------------


def dag_roadmap(log: Path) -> str:
    def t(name: str) -> str:
        return timed(name, log)

    return (
        f"""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          execution: sequential
          tasks:
            - {{id: "1.1", name: a, type: command, run: "{t("1.1")}"}}
            - {{id: "1.2", name: b, type: command, run: "{t("1.2")}"}}
        group_b:
          name: B
          execution: parallel
          tasks:
            - {{id: "1.3", name: c, type: command, run: "{t("1.3")}"}}
            - {{id: "1.4", name: d, type: command, run: "{t("1.4")}"}}
      checkpoint:
        name: One works
        blocking: true
        checks:
          - {{name: check, type: command, run: "{t("cp1")}"}}
    phase_2:
      name: Two
      groups:
        group_c:
          name: C
          execution: parallel
          tasks:
    """.rstrip(" ")
        + "\n".join(
            f'            - {{id: "2.{i}", name: c{i}, type: command, run: "{t(f"2.{i}")}"}}'
            for i in range(1, 7)
        )
        + f"""
    phase_3:
      name: Three
      groups:
        group_d:
          name: D
          execution: sequential
          tasks:
            - {{id: "3.1", name: a, type: command, run: "{t("3.1")}"}}
            - {{id: "3.2", name: b, type: command, run: "{t("3.2")}"}}
      checkpoint:
        name: Three works
        checks:
          - {{name: check, type: command, run: "{t("cp3")}"}}
    phase_4:
      name: Four
      depends_on: [phase_1]
      groups:
        group_e:
          name: E
          execution: parallel
          tasks:
            - {{id: "4.1", name: a, type: command, run: "{t("4.1")}"}}
            - {{id: "4.2", name: b, type: command, run: "{t("4.2")}"}}
        group_f:
          name: F
          execution: sequential
          tasks:
            - {{id: "4.3", name: c, type: command, run: "{t("4.3")}", depends_on: ["2.2"]}}
            - {{id: "4.4", name: d, type: command, run: "{t("4.4")}"}}
    """
    )


PHASE_1 = ["1.1", "1.2", "1.3", "1.4"]
PHASE_2 = [f"2.{i}" for i in range(1, 7)]
DAG_DEPS = {
    "1.2": ["1.1"],
    "cp1": PHASE_1,
    **{t: ["cp1"] for t in PHASE_2},  # a blocking checkpoint gates the next phase
    "3.1": PHASE_2,
    "3.2": ["3.1"],
    "cp3": ["3.1", "3.2"],
    "4.1": ["cp1"],
    "4.2": ["cp1"],
    "4.3": ["cp1", "2.2"],
    "4.4": ["4.3"],
}


@pytest.mark.parametrize("workers", ["2", "4"])
def test_nothing_starts_before_its_dependencies_end_and_independent_tasks_overlap(
    pytester: pytest.Pytester, roadmap, recorder: Path, workers: str
) -> None:
    roadmap(dag_roadmap(recorder))
    result = run(pytester, "--all", "-n", workers)
    result.assert_outcomes(passed=18)
    spans = read_log(recorder)
    assert len(spans) == 18
    assert_waited(spans, DAG_DEPS)
    assert max_concurrency(spans[t] for t in PHASE_2) == int(workers), (
        "group c runs as wide as the workers allow"
    )
    # Phase 4 only waits for phase 1, so it runs alongside phases 2 and 3.
    later = [spans[t] for t in [*PHASE_2, "3.1", "3.2"]]
    assert any(overlap(spans[t], other) for t in ("4.1", "4.2", "4.3", "4.4") for other in later)


def test_group_runs_its_six_parallel_tasks_four_at_a_time(
    pytester: pytest.Pytester, roadmap, recorder: Path
) -> None:
    tasks = "\n".join(
        f'            - {{id: "1.{i}", name: c{i}, type: command, run: '
        f'"{timed(f"1.{i}", recorder, 0.4)}"}}'
        for i in range(2, 8)
    )
    roadmap(
        f"""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {{id: "1.1", name: other, type: command, run: "{timed("1.1", recorder)}"}}
        group_c:
          name: C
          execution: parallel
          tasks:
    """.rstrip(" ")
        + tasks
        + "\n"
    )
    result = run(pytester, "--group", "c", "-n", "4")
    result.assert_outcomes(passed=6)
    spans = read_log(recorder)
    assert sorted(spans) == [f"1.{i}" for i in range(2, 8)]
    assert max_concurrency(spans.values()) == 4


def test_the_longest_chain_goes_first(pytester: pytest.Pytester, roadmap, recorder: Path) -> None:
    roadmap(f"""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          execution: parallel
          tasks:
            - {{id: "1.1", name: a, type: command, run: "{timed("1.1", recorder, 0)}"}}
            - {{id: "1.2", name: b, type: command, run: "{timed("1.2", recorder, 0)}"}}
        group_b:
          name: B
          execution: sequential
          tasks:
            - {{id: "1.3", name: c, type: command, run: "{timed("1.3", recorder, 0)}"}}
            - {{id: "1.4", name: d, type: command, run: "{timed("1.4", recorder, 0)}"}}
            - {{id: "1.5", name: e, type: command, run: "{timed("1.5", recorder, 0)}"}}
    """)
    result = run(pytester, "--all", "-n", "1")
    result.assert_outcomes(passed=5)
    spans = read_log(recorder)
    # Serial order would be 1.1 first; the scheduler starts the head of the 3-task chain instead.
    assert min(spans, key=lambda t: spans[t][0]) == "1.3"


def test_writers_of_one_file_never_overlap_even_in_a_parallel_group(
    pytester: pytest.Pytester, roadmap, recorder: Path
) -> None:
    roadmap(f"""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          execution: parallel
          tasks:
            - {{id: "1.1", name: a, type: command, writes: [out.txt],
               run: "{timed("1.1", recorder, 0.4)}"}}
            - {{id: "1.2", name: b, type: command, writes: [out.txt],
               run: "{timed("1.2", recorder, 0.4)}"}}
            - {{id: "1.3", name: c, type: command, run: "{timed("1.3", recorder, 0.4)}"}}
    """)
    result = run(pytester, "--all", "-n", "3")
    result.assert_outcomes(passed=3)
    spans = read_log(recorder)
    assert spans["1.2"][0] >= spans["1.1"][1]
    assert overlap(spans["1.3"], spans["1.1"])


# -- blocked, crashed, stopped --------------------------------------------------------------------

CASCADE = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {id: "1.1", name: ok, type: command, run: "true"}
        - {id: "1.2", name: breaks, type: command, run: "echo broken; exit 3"}
        - {id: "1.3", name: after, type: command, run: "true"}
    group_b:
      name: B
      execution: parallel
      tasks:
        - {id: "1.4", name: independent, type: command, run: "true"}
        - {id: "1.5", name: by hand, type: manual, instructions: "Sign it off"}
phase_2:
  name: Two
  groups:
    group_c:
      name: C
      execution: parallel
      tasks:
        - {id: "2.1", name: later, type: command, run: "true"}
phase_3:
  name: Three
  depends_on: []
  groups:
    group_d:
      name: D
      tasks:
        - {id: "3.1", name: signed, type: command, run: "true", depends_on: ["1.5"]}
        - {id: "3.2", name: after signed, type: command, run: "true"}
"""


def skip_lines(result: pytest.RunResult) -> list[str]:
    """The ``-rs`` lines of roadmap items that did not run, each with its own word."""
    return sorted(
        line for line in result.outlines if re.match(r"(BLOCKED|MANUAL|DONE) \S+: ", line)
    )


def junit_cases(path: Path) -> dict[str, tuple[str, str, list[tuple[str, str]]]]:
    """Per test case: outcome, skip message and properties."""
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        skipped = case.find("skipped")
        outcome = (
            "skipped"
            if skipped is not None
            else "failed"
            if case.find("failure") is not None or case.find("error") is not None
            else "passed"
        )
        props = [(p.get("name", ""), p.get("value", "")) for p in case.iter("property")]
        out[f"{case.get('classname')}.{case.get('name')}"] = (
            outcome,
            skipped.get("message", "") if skipped is not None else "",
            props,
        )
    return out


def test_blocked_dependents_are_reported_exactly_as_without_xdist(
    pytester: pytest.Pytester, roadmap, recorder: Path, assert_counts
) -> None:
    roadmap(CASCADE)
    serial = run(pytester, "--all", "-v", "-rs", "--junitxml=serial.xml")
    serial_outcomes = outcomes(pytester)
    parallel = run(pytester, "--all", "-v", "-rs", "-n", "2", "--junitxml=xdist.xml")
    assert outcomes(pytester) == serial_outcomes
    assert serial_outcomes["1.3"] == {"outcome": "skipped", "reason": "blocked: 1.2 failed"}
    assert serial_outcomes["2.1"] == {"outcome": "skipped", "reason": "blocked: 1.2 failed"}
    assert serial_outcomes["3.1"] == {
        "outcome": "skipped",
        "reason": "blocked: 1.5 waiting for confirmation",
    }
    assert serial_outcomes["3.2"] == {
        "outcome": "skipped",
        "reason": "blocked: 1.5 waiting for confirmation",
    }
    assert_counts(parallel, passed=2, failed=1, blocked=4, manual=1)
    parallel.stdout.fnmatch_lines_random(
        [
            "*::phase_1::group_a::1.3 BLOCKED (blocked: 1.2 failed)*",
            "*::phase_2::group_c::2.1 BLOCKED (blocked: 1.2 failed)*",
            "*::phase_3::group_d::3.1 BLOCKED (blocked: 1.5 wait*",  # trimmed to the terminal width
        ]
    )
    assert skip_lines(parallel) == skip_lines(serial)
    assert "BLOCKED 1.3: 1.2 failed (config/phases.yaml:10)" in skip_lines(parallel)
    serial_cases = junit_cases(pytester.path / "serial.xml")
    assert junit_cases(pytester.path / "xdist.xml") == serial_cases
    outcome, message, props = serial_cases["config.phases.yaml.phase_2.group_c.2.1"]
    assert (outcome, message, props[-1]) == (
        "skipped",
        "blocked: 1.2 failed",
        ("status", "blocked"),
    )


def test_a_crashed_worker_fails_its_task_alone_and_is_replaced(
    pytester: pytest.Pytester, roadmap, recorder: Path, assert_counts
) -> None:
    pytester.makeconftest(RECORDER + CRASH_TYPE)
    roadmap(
        """
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          execution: sequential
          tasks:
            - {id: "1.1", name: ok, type: command, run: "true"}
            - {id: "1.2", name: dies, type: crash}
            - {id: "1.3", name: after, type: command, run: "true"}
        group_b:
          name: B
          execution: parallel
          tasks:
    """.rstrip(" ")
        + "\n".join(
            f'            - {{id: "1.{i}", name: side, type: command, run: '
            f'"{timed(f"1.{i}", recorder, 0.3)}"}}'
            for i in range(4, 8)
        )
        + """
    phase_2:
      name: Two
      groups:
        group_c:
          name: C
          tasks:
            - {id: "2.1", name: later, type: command, run: "true"}
    """
    )
    result = run(pytester, "--all", "-n", "2", "-rs")
    assert_counts(result, passed=5, failed=1, blocked=2)
    result.stdout.fnmatch_lines(["*replacing crashed worker gw*"])
    result.stdout.fnmatch_lines(
        ["*worker 'gw*' crashed while running 'config/phases.yaml::phase_1::group_a::1.2'"]
    )
    got = outcomes(pytester)
    assert got["1.2"]["outcome"] == "failed"
    assert got["1.3"] == got["2.1"] == {"outcome": "skipped", "reason": "blocked: 1.2 failed"}
    assert sorted(read_log(recorder)) == ["1.4", "1.5", "1.6", "1.7"]


STOPPING = (
    """
orchestrator:
  settings:
    fail_fast: {fail_fast}
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: parallel
      tasks:
        - {{id: "1.1", name: fails, type: command, run: "{fails}"}}
        - {{id: "1.2", name: slow, type: command, run: "{slow}"}}
"""
    + "\n".join(
        f'        - {{{{id: "1.{i}", name: rest, type: command, run: "{{t{i}}}"}}}}'
        for i in range(3, 7)
    )
    + "\n"
)


@pytest.mark.parametrize("how", ["-x", "--maxfail=1", "fail_fast"])
def test_a_failure_under_x_maxfail_or_fail_fast_stops_dispatching(
    pytester: pytest.Pytester, roadmap, recorder: Path, how: str
) -> None:
    roadmap(
        STOPPING.format(
            fail_fast=str(how == "fail_fast").lower(),
            fails=timed("1.1", recorder, 0.1, fail=True),
            slow=timed("1.2", recorder, 1.0),
            **{f"t{i}": timed(f"1.{i}", recorder, 0.1) for i in range(3, 7)},
        )
    )
    result = run(pytester, "--all", "-n", "2", *([] if how == "fail_fast" else [how]))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])
    assert sorted(read_log(recorder)) == ["1.1", "1.2"], (
        "the running task finishes; nothing else starts"
    )


def test_keyword_selection_blocks_on_the_unselected_dependency_like_serial(
    pytester: pytest.Pytester, roadmap, recorder: Path, assert_counts
) -> None:
    roadmap(CASCADE.replace("exit 3", "exit 0"))
    run(pytester, "--all", "-k", "not 1.2 and not 1.5")
    serial = outcomes(pytester)
    result = run(pytester, "--all", "-k", "not 1.2 and not 1.5", "-n", "2")
    assert outcomes(pytester) == serial
    assert set(serial) == {"1.1", "1.3", "1.4", "2.1", "3.1", "3.2"}
    assert serial["1.3"] == {
        "outcome": "skipped",
        "reason": "blocked: 1.2 not done (run pytest --phase 1)",
    }
    assert_counts(result, passed=2, blocked=4)


def test_last_failed_keeps_the_dag_scheduler(
    pytester: pytest.Pytester, roadmap, recorder: Path
) -> None:
    # --lf deselects in a collection_modifyitems wrapper; the park item must survive it.
    roadmap(CASCADE)
    pytester.runpytest_subprocess("--all", timeout=TIMEOUT)
    result = pytester.runpytest_subprocess("--all", "--lf", "-n", "2", "-v", timeout=TIMEOUT)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["scheduling tests via DagScheduling", "*FAILED*::1.2*"])


# -- one process, mixed sessions, no roadmap ------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("-n", "2", "--sequential"), ("-n", "0"), ("-p", "no:xdist")],
    ids=["sequential", "n0", "no-xdist"],
)
def test_sequential_and_n0_run_everything_in_one_process(
    pytester: pytest.Pytester,
    roadmap,
    recorder: Path,
    args: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    assert_counts,
) -> None:
    # When this suite itself runs under xdist, the variable is inherited from our own worker.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    where = f"echo ${{PYTEST_XDIST_WORKER:-main}} >> {recorder}.where"
    roadmap(CASCADE.replace('run: "true"', f'run: "{where}"'))
    result = run(pytester, "--all", "-v", *args)
    assert_counts(result, passed=2, failed=1, blocked=4, manual=1)
    assert "workers" not in result.stdout.str()
    assert set(Path(f"{recorder}.where").read_text().split()) == {"main"}
    result.stdout.fnmatch_lines(["*::1.3 BLOCKED (blocked: 1.2 failed)*"])


def test_ordinary_tests_next_to_a_roadmap_are_scheduled_too(
    pytester: pytest.Pytester, roadmap, recorder: Path
) -> None:
    roadmap(dag_roadmap(recorder))
    pytester.makepyfile(
        test_own="""
        import pytest

        @pytest.mark.parametrize("i", range(8))
        def test_own(i):
            pass
    """
    )
    result = run(pytester, "--all", "-n", "2", "test_own.py", "config/phases.yaml")
    result.assert_outcomes(passed=26)
    assert_waited(read_log(recorder), DAG_DEPS)


def test_without_a_roadmap_xdist_schedules_as_usual(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_own="""
        def test_a(): pass
        def test_b(): pass
    """
    )
    result = run(pytester, "-n", "2", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["scheduling tests via LoadScheduling"])


# -- random roadmaps against an independent oracle ------------------------------------------------


class RandomRoadmap:
    """A generated roadmap spec, plus what must happen to it, computed without our graph module."""

    def __init__(self, rng: random.Random, tag: str, log: Path) -> None:
        self.tag = tag
        self.spec: dict[str, Any] = {}
        self.deps: dict[str, list[str]] = {}  # node -> nodes it waits for directly
        self.failing: set[str] = set()
        self.phase_tasks: dict[str, list[str]] = {}
        self.group_tasks: dict[str, list[str]] = {}
        self.checkpoint: dict[str, bool] = {}  # phase -> blocking
        self.order: list[str] = []  # a valid execution order (the generator only looks back)
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        previous = None
        count = 0
        for p in range(1, rng.randint(2, 4) + 1):
            key = f"phase_{p}"
            phase: dict[str, Any] = {"name": f"Phase {p}", "groups": {}}
            entry = [previous] if previous else []
            if p > 1 and rng.random() < 0.4:
                chosen = sorted(
                    rng.sample([f"phase_{q}" for q in range(1, p)], rng.randint(0, p - 1))
                )
                phase["depends_on"] = chosen
                entry = chosen
            earlier = [t for ts in self.phase_tasks.values() for t in ts]
            refs = earlier + list(self.group_tasks) + list(self.phase_tasks)
            self.phase_tasks[key] = []
            for _ in range(rng.randint(1, 3)):
                group = f"group_{next(letters)}"
                execution = rng.choice(["sequential", "parallel"])
                tasks = []
                self.group_tasks[group] = []
                for i in range(rng.randint(1, 4)):
                    count += 1
                    tid = f"{p}.{count}"
                    fail = rng.random() < 0.08
                    task: dict[str, Any] = {
                        "id": tid,
                        "name": f"task {tid}",
                        "type": "command",
                        "run": timed(f"{tag}:{tid}", log, 0.03, fail),
                    }
                    deps = [self._target(e) for e in entry]
                    if execution == "sequential" and i:
                        deps.append(tasks[-1]["id"])
                    if refs and rng.random() < 0.3:
                        extra = rng.sample(refs, rng.randint(1, min(2, len(refs))))
                        task["depends_on"] = extra
                        deps += [self._target(e) for e in extra]
                    tasks.append(task)
                    self._add(tid, deps, fail)
                    self.phase_tasks[key].append(tid)
                    self.group_tasks[group].append(tid)
                phase["groups"][group] = {"name": group, "execution": execution, "tasks": tasks}
            if rng.random() < 0.4:
                blocking = rng.random() < 0.5
                fail = rng.random() < 0.1
                node = f"{key}::checkpoint"
                phase["checkpoint"] = {
                    "name": "check",
                    "blocking": blocking,
                    "checks": [
                        {
                            "name": "check",
                            "type": "command",
                            "run": timed(f"{tag}:{node}", log, 0.03, fail),
                        }
                    ],
                }
                self.checkpoint[key] = blocking
                self._add(node, [list(self.phase_tasks[key])], fail)
            self.spec[key] = phase
            previous = key

    def _target(self, ref: str) -> str | list[str]:
        """What waiting for ``ref`` means: a task, every task of a group or phase, or
        a blocking checkpoint."""
        if ref in self.group_tasks:
            return list(self.group_tasks[ref])
        if ref in self.phase_tasks:
            return f"{ref}::checkpoint" if self.checkpoint.get(ref) else list(self.phase_tasks[ref])
        return ref

    def _add(self, node: str, deps: list[str | list[str]], fail: bool) -> None:
        flat: list[str] = []
        for dep in deps:
            flat += dep if isinstance(dep, list) else [dep]
        self.deps[node] = sorted(set(flat))
        self.order.append(node)
        if fail:
            self.failing.add(node)

    def yaml(self) -> str:
        return yaml.safe_dump(self.spec, sort_keys=False, width=1000)

    def expected(self) -> dict[str, str]:
        """passed / failed / skipped for every node, walking in an order that only looks back."""
        out: dict[str, str] = {}
        for node in self.order:
            if any(out[d] != "passed" for d in self.deps[node]):
                out[node] = "skipped"
            else:
                out[node] = "failed" if node in self.failing else "passed"
        return out

    def ancestors(self, node: str) -> set[str]:
        seen: set[str] = set()
        stack = [node]
        while stack:
            for dep in self.deps[stack.pop()]:
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        return seen


def test_random_roadmaps_match_an_independent_oracle(
    pytester: pytest.Pytester, recorder: Path
) -> None:
    rng = random.Random(20261126)
    sessions = [("2", range(12)), ("3", range(12, 24)), ("4", range(24, 36))]
    generated = {f"r{i:02d}": RandomRoadmap(rng, f"r{i:02d}", recorder) for i in range(36)}
    (pytester.path / "roadmaps").mkdir()
    for tag, spec in generated.items():
        (pytester.path / "roadmaps" / f"{tag}.yaml").write_text(spec.yaml())
    assert sum(len(g.failing) for g in generated.values()) >= 5, "the seed gives some failures"
    concurrency = []
    for workers, indices in sessions:
        recorder.unlink(missing_ok=True)
        tags = [f"r{i:02d}" for i in indices]
        run(pytester, "-n", workers, *(f"roadmaps/{t}.yaml" for t in tags))
        got = json.loads((pytester.path / "outcomes.json").read_text())
        spans = read_log(recorder)
        concurrency.append(max_concurrency(spans.values()))
        for tag in tags:
            g = generated[tag]
            actual = {}
            for nodeid, value in got.items():
                if nodeid.startswith(f"roadmaps/{tag}.yaml::"):
                    parts = nodeid.split("::")
                    actual["::".join(parts[-2:]) if parts[-1] == "checkpoint" else parts[-1]] = (
                        value
                    )
            expected = g.expected()
            assert {n: v["outcome"] for n, v in actual.items()} == expected, tag
            for node, value in actual.items():
                if value["outcome"] == "skipped":
                    # The reason names a failed node this one waits for, directly or not.
                    match = re.fullmatch(r"blocked: (.+) failed", value["reason"])
                    assert match, (tag, node, value)
                    culprit = match.group(1).replace(" checkpoint", "::checkpoint")
                    assert culprit in g.ancestors(node) and expected[culprit] == "failed", (
                        tag,
                        node,
                        value,
                    )
            ran = {n: spans[f"{tag}:{n}"] for n, v in expected.items() if v != "skipped"}
            assert_waited(ran, {n: g.deps[n] for n in ran})
    assert all(c >= 2 for c in concurrency), concurrency


QUIET_TASKS = """
orchestrator: {settings: {}}
phase_1:
  name: Quiet
  groups:
    group_a:
      name: Slow and quiet
      execution: parallel
      tasks:
        - {id: "1.1", name: "a quiet wait", type: command, run: "sleep 7"}
        - {id: "1.2", name: "another quiet wait", type: command, run: "sleep 7"}
"""


def test_at_a_terminal_the_controller_names_what_the_workers_run(
    pytester: pytest.Pytester, roadmap, run_in_pty
) -> None:
    """Workers have no terminal: while their tasks print nothing for 5 s, the controller says
    which tasks run and for how long, between the reporter's own lines, never inside one."""
    roadmap(QUIET_TASKS)
    out = run_in_pty(["--all", "-n", "2", "-v", "--color=no"], pytester.path).decode()
    out = out.replace("\r\n", "\n")
    assert "2 passed" in out, out
    beats = re.findall(r"^ +running: (.+)$", out, re.MULTILINE)
    assert beats, out
    quiet = r"1\.\d (a|another) quiet wait \(\d s\)"
    assert re.fullmatch(f"{quiet}, {quiet}", beats[0]), beats
    # Never inside a reporter line: every line that names a task id starts where it should.
    for line in out.splitlines():
        if "running:" in line:
            assert line.lstrip().startswith("running:"), line


def test_at_a_narrow_terminal_the_running_line_keeps_to_one_line(
    pytester: pytest.Pytester, roadmap, run_in_pty
) -> None:
    """Names that do not fit give way to the task ids: a wrapped line would break the layout."""
    roadmap(QUIET_TASKS)
    out = run_in_pty(["--all", "-n", "2", "-v", "--color=no"], pytester.path, columns=40)
    beats = re.findall(r"^ +running: .+$", out.decode().replace("\r\n", "\n"), re.MULTILINE)
    assert beats, out
    assert re.fullmatch(r" +running: 1\.\d \(\d s\), 1\.\d \(\d s\)", beats[0]), beats
    assert all(len(line) < 40 for line in beats), beats
