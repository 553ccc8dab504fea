"""Learned durations: the xdist scheduler ranks ready tasks by seconds of work left on their chain.

The first run knows no durations and ranks by the number of tasks on a chain; it records how long
each task took. The next run (``--redo``, so everything runs again) ranks by those seconds.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_orchestrate.roadmap.graph import build_graph
from pytest_orchestrate.roadmap.load import load_roadmap
from pytest_orchestrate.roadmap.model import BUILTIN_TASK_MODELS

pytest.importorskip("xdist")

from xdist.remote import Producer  # noqa: E402

from pytest_orchestrate.session.scheduling import DagScheduling  # noqa: E402

TIMEOUT = 120
# One long task beside two chains of shorter ones; each task costs ~50 ms of start-up on top.
LONG, SHORT, CHAIN = 6.0, 1.5, 2
WORKERS = 2


def timed(name: str, log: Path, seconds: float) -> str:
    return (
        f"echo start {name} $(date +%s.%N) >> {log}; sleep {seconds}; "
        f"echo end {name} $(date +%s.%N) >> {log}"
    )


def wrong_for_counting(log: Path) -> str:
    """Counting tasks puts the two chains first; the long task then runs alone at the end."""

    def chain(letter: str, first: int) -> str:
        return "\n".join(
            f'        - {{id: "1.{i}", name: short {i}, type: command, '
            f'run: "{timed(f"1.{i}", log, SHORT)}"}}'
            for i in range(first, first + CHAIN)
        )

    return f"""
phase_1:
  name: One
  groups:
    group_a:
      name: The long one
      execution: parallel
      tasks:
        - {{id: "1.1", name: long, type: command, run: "{timed("1.1", log, LONG)}"}}
    group_b:
      name: Chain B
      execution: sequential
      tasks:
{chain("b", 2)}
    group_c:
      name: Chain C
      execution: sequential
      tasks:
{chain("c", 2 + CHAIN)}
"""


def makespan(log: Path) -> float:
    starts: list[float] = []
    ends: list[float] = []
    for line in log.read_text().splitlines():
        what, _, stamp = line.split()
        (starts if what == "start" else ends).append(float(stamp))
    assert len(starts) == len(ends) == 1 + 2 * CHAIN
    return max(ends) - min(starts)


def test_a_second_run_ranks_by_learned_seconds_and_meets_the_bound(
    pytester: pytest.Pytester,
) -> None:
    log = pytester.path / "log"
    (pytester.path / "config").mkdir()
    (pytester.path / "config" / "phases.yaml").write_text(wrong_for_counting(log))
    bound = max(LONG, (LONG + 2 * CHAIN * SHORT) / WORKERS)

    first = pytester.runpytest_subprocess("--all", "-n", str(WORKERS), timeout=TIMEOUT)
    first.assert_outcomes(passed=1 + 2 * CHAIN)
    counted = makespan(log)
    log.unlink()
    second = pytester.runpytest_subprocess("--all", "--redo", "-n", str(WORKERS), timeout=TIMEOUT)
    second.assert_outcomes(passed=1 + 2 * CHAIN)
    learned = makespan(log)

    print(f"bound {bound:.2f} s, by task count {counted:.2f} s, by learned seconds {learned:.2f} s")
    assert counted > 1.10 * bound, "the count-based order should run the long task last"
    assert learned <= 1.10 * bound


def test_critical_seconds_weighs_chains_by_their_durations(tmp_path: Path) -> None:
    (tmp_path / "phases.yaml").write_text(wrong_for_counting(tmp_path / "log"))
    graph = build_graph(
        load_roadmap(
            tmp_path / "phases.yaml",
            display="phases.yaml",
            task_models=BUILTIN_TASK_MODELS,
            default_root=tmp_path,
        )
    )
    by_count = graph.longest_path()
    assert by_count["1.2"] > by_count["1.1"]

    seconds = {"1.1": LONG, **{f"1.{i}": SHORT for i in range(2, 2 + 2 * CHAIN)}}
    weighted = graph.critical_seconds(seconds)
    assert weighted is not None
    assert weighted["1.1"] == LONG
    assert weighted["1.2"] == CHAIN * SHORT
    assert weighted["group_b"] == 0.0  # a barrier is no work


def test_an_unknown_duration_counts_as_the_median_of_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "phases.yaml").write_text(wrong_for_counting(tmp_path / "log"))
    graph = build_graph(
        load_roadmap(
            tmp_path / "phases.yaml",
            display="phases.yaml",
            task_models=BUILTIN_TASK_MODELS,
            default_root=tmp_path,
        )
    )
    # Known: 1.1, and chain B's 1.2 and 1.3: the median is 3 s; chain C (1.4, 1.5) is unknown.
    weighted = graph.critical_seconds({"1.1": 4.0, "1.2": 2.0, "1.3": 3.0})
    assert weighted is not None
    assert weighted["1.2"] == 5.0
    assert weighted["1.4"] == 6.0
    assert graph.critical_seconds({}) is None


PRIORITIES_ROADMAP = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: parallel
      tasks:
        - {id: "1.1", name: low, type: command, run: "true", priority: low}
        - {id: "1.2", name: critical, type: command, run: "true", priority: critical}
        - {id: "1.3", name: medium, type: command, run: "true"}
        - {id: "1.4", name: high, type: command, run: "true", priority: high}
"""


class OneWorker:
    """Just enough of xdist's WorkerController to record what the scheduler sends."""

    def __init__(self) -> None:
        self.gateway = SimpleNamespace(id="gw0")
        self.sent: list[list[int]] = []
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.append(list(indices))


def test_equal_chains_go_in_priority_order(pytester: pytest.Pytester) -> None:
    (pytester.path / "config").mkdir()
    (pytester.path / "config" / "phases.yaml").write_text(PRIORITIES_ROADMAP)
    config = pytester.parseconfigure("--tx=1*popen", "--all", "-p", "no:terminal")
    hooks = config.pluginmanager.get_plugin("orchestrate-xdist")
    assert hooks is not None
    sched = hooks.pytest_xdist_make_scheduler(config=config, log=Producer("t", enabled=False))
    assert isinstance(sched, DagScheduling)
    ids = [f"config/phases.yaml::phase_1::group_a::1.{i}" for i in range(1, 5)]
    worker = OneWorker()
    sched.add_node(worker)
    sched.add_node_collection(worker, ids)
    sched.schedule()
    order = []
    while worker.sent:
        index, park = worker.sent.pop()
        assert park == sched.park  # the no-op item a worker waits on
        order.append(ids[index].rsplit("::", 1)[-1])
        sched.mark_test_complete(worker, index)
        sched.mark_test_complete(worker, park)
    assert order == ["1.2", "1.4", "1.3", "1.1"]  # critical, high, medium, low
    assert sched.tests_finished
