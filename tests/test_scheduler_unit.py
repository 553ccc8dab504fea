"""The DAG scheduler driven by hand, like xdist's testing/test_dsession.py: a
real config, fake workers."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("xdist")

from xdist.remote import Producer  # type: ignore[import-untyped]

from pytest_orchestrate.session.scheduling import DagScheduling

ROADMAP = """
orchestrator:
  settings:
    fail_fast: {fail_fast}
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {{id: "1.1", name: first, type: command, run: "true"}}
        - {{id: "1.2", name: second, type: command, run: "true"}}
        - {{id: "1.3", name: third, type: command, run: "true"}}
    group_b:
      name: B
      execution: parallel
      tasks:
        - {{id: "1.4", name: side, type: command, run: "true"}}
        - {{id: "1.5", name: side, type: command, run: "true"}}
phase_2:
  name: Two
  groups:
    group_c:
      name: C
      execution: parallel
      tasks:
        - {{id: "2.1", name: later, type: command, run: "true"}}
"""

FILE = "config/phases.yaml"
IDS = {
    "1.1": f"{FILE}::phase_1::group_a::1.1",
    "1.2": f"{FILE}::phase_1::group_a::1.2",
    "1.3": f"{FILE}::phase_1::group_a::1.3",
    "1.4": f"{FILE}::phase_1::group_b::1.4",
    "1.5": f"{FILE}::phase_1::group_b::1.5",
    "2.1": f"{FILE}::phase_2::group_c::2.1",
}
COLLECTION = [*IDS.values()]
PARK = len(COLLECTION)  # workers hold the park item just past the ids they report


class FakeNode:
    """Just enough of a WorkerController: it records what it is sent."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[list[int]] = []
        self._shutdown = False

    @property
    def shutting_down(self) -> bool:
        return self._shutdown

    def send_runtest_some(self, indices: Sequence[int]) -> None:
        self.sent.append(list(indices))

    def shutdown(self) -> None:
        self._shutdown = True

    def __repr__(self) -> str:
        return f"<FakeNode {self.gateway.id}>"


class Reports:
    """A plugin that keeps every report the controller sees."""

    def __init__(self) -> None:
        self.reports: list[pytest.TestReport] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reports.append(report)

    def skipped(self) -> dict[str, str]:
        return {
            r.nodeid: str(r.longrepr[2])
            for r in self.reports  # type: ignore[index]
            if r.skipped and r.when == "setup"
        }


class Harness:
    """A scheduler on a real config, with helpers that play the workers' part."""

    def __init__(
        self, pytester: pytest.Pytester, fail_fast: bool = False, numnodes: int = 2
    ) -> None:
        (pytester.path / "config").mkdir(exist_ok=True)
        (pytester.path / FILE).write_text(ROADMAP.format(fail_fast=str(fail_fast).lower()))
        self.config = pytester.parseconfigure(
            f"--tx={numnodes}*popen", "--all", "-p", "no:terminal", "-p", "no:cacheprovider"
        )
        self.seen = Reports()
        self.config.pluginmanager.register(self.seen, "test-reports")
        hooks = self.config.pluginmanager.get_plugin("orchestrate-xdist")
        assert hooks is not None
        sched = hooks.pytest_xdist_make_scheduler(
            config=self.config, log=Producer("test", enabled=False)
        )
        assert isinstance(sched, DagScheduling)
        self.sched = sched

    def start(self, nodes: list[FakeNode], collection: list[str] = COLLECTION) -> None:
        for node in nodes:
            self.sched.add_node(node)
        for node in nodes:
            self.sched.add_node_collection(node, collection)
        assert self.sched.collection_is_completed
        self.sched.schedule()

    def running(self, node: FakeNode) -> str:
        """The task id a node was last sent (the park item always rides along)."""
        index, park = node.sent[-1]
        assert park == PARK
        return COLLECTION[index].rsplit("::", 1)[-1]

    def report(self, tid: str, outcome: str = "passed", status: str = "changed") -> None:
        props: list[tuple[str, Any]] = [
            ("phase", "phase_1"),
            ("group", "group_a"),
            ("type", "command"),
            ("priority", "medium"),
            ("status", status if outcome == "passed" else "failed"),
        ]
        rep = pytest.TestReport(
            IDS[tid],
            (FILE, 1, tid),
            {},
            outcome,
            None if outcome == "passed" else "boom",
            "call",
            user_properties=props,
        )
        self.config.hook.pytest_runtest_logreport(report=rep)

    def complete(self, node: FakeNode, tid: str, outcome: str = "passed") -> None:
        self.report(tid, outcome)
        self.sched.mark_test_complete(node, COLLECTION.index(IDS[tid]))
        self.sched.mark_test_complete(node, PARK)


def test_only_ready_items_are_sent_longest_chain_first(pytester: pytest.Pytester) -> None:
    h = Harness(pytester)
    a, b = FakeNode("gw0"), FakeNode("gw1")
    h.start([a, b])
    # 1.1 heads the longest chain (1.1 -> 1.2 -> 1.3 -> 2.1); 1.4 and 1.5 only have 2.1 behind them.
    assert (h.running(a), h.running(b)) == ("1.1", "1.4")
    h.complete(b, "1.4")
    assert h.running(b) == "1.5"
    h.complete(b, "1.5")
    assert len(b.sent) == 2, "nothing else is ready while 1.1 runs"
    h.complete(a, "1.1")
    assert h.running(a) == "1.2"
    h.complete(a, "1.2")
    h.complete(a, "1.3")
    assert h.running(a) == "2.1", "phase 2 starts only after every task of phase 1"
    assert not h.sched.tests_finished
    h.complete(a, "2.1")
    assert h.sched.tests_finished
    assert [len(n.sent) for n in (a, b)] == [4, 2]


def test_failure_blocks_dependents_on_the_controller_naming_it(pytester: pytest.Pytester) -> None:
    h = Harness(pytester)
    a, b = FakeNode("gw0"), FakeNode("gw1")
    h.start([a, b])
    h.complete(a, "1.1", outcome="failed")
    assert h.seen.skipped() == {
        IDS["1.2"]: "Skipped: blocked: 1.1 failed",
        IDS["1.3"]: "Skipped: blocked: 1.1 failed",
    }
    h.complete(b, "1.4")
    h.complete(a, "1.5")
    assert h.seen.skipped()[IDS["2.1"]] == "Skipped: blocked: 1.1 failed"
    assert h.sched.tests_finished
    sent = {h.running(n) for n in (a, b)} | {
        COLLECTION[i].rsplit("::", 1)[-1] for n in (a, b) for i, _ in n.sent
    }
    assert sent == {"1.1", "1.4", "1.5"}, "blocked items are never sent"
    blocked = [r for r in h.seen.reports if r.nodeid == IDS["2.1"]]
    assert [(r.when, r.outcome) for r in blocked] == [("setup", "skipped"), ("teardown", "passed")]
    props = dict(blocked[0].user_properties)
    assert (
        props["status"] == "blocked" and props["phase"] == "phase_2" and props["group"] == "group_c"
    )
    assert blocked[0].location == (FILE, 27, "task 2.1 (command: later)")
    assert blocked[0].longrepr[:2] == (FILE, 28)  # type: ignore[index]  # rootdir-relative


def test_crashed_item_fails_and_blocks_once_its_crash_report_arrives(
    pytester: pytest.Pytester,
) -> None:
    h = Harness(pytester)
    a, b = FakeNode("gw0"), FakeNode("gw1")
    h.start([a, b])
    assert h.sched.remove_node(a) == IDS["1.1"]
    assert not h.sched.tests_finished, "waits for xdist's crash report"
    crash = pytest.TestReport(IDS["1.1"], (FILE, None, FILE), {}, "failed", "crashed", "???")
    h.config.hook.pytest_handlecrashitem(crashitem=IDS["1.1"], report=crash, sched=h.sched)
    assert dict(crash.user_properties)["status"] == "failed"
    h.config.hook.pytest_runtest_logreport(report=crash)
    assert set(h.seen.skipped()) == {IDS["1.2"], IDS["1.3"]}
    # The replacement worker gets what is ready; the rest finishes as usual.
    c = FakeNode("gw2")
    h.sched.add_node(c)
    h.sched.add_node_collection(c, COLLECTION)
    h.sched.schedule()
    assert h.running(c) == "1.5"
    h.complete(b, "1.4")
    h.complete(c, "1.5")
    assert h.seen.skipped()[IDS["2.1"]] == "Skipped: blocked: 1.1 failed"
    assert h.sched.tests_finished


def test_schedule_is_idempotent_and_a_worker_with_another_collection_gets_nothing(
    pytester: pytest.Pytester,
) -> None:
    h = Harness(pytester)
    a, b = FakeNode("gw0"), FakeNode("gw1")
    h.start([a, b])
    h.sched.schedule()
    assert [len(n.sent) for n in (a, b)] == [1, 1]
    h.complete(b, "1.4")
    stranger = FakeNode("gw2")
    h.sched.add_node(stranger)
    h.sched.add_node_collection(stranger, COLLECTION[1:])
    h.sched.schedule()
    assert stranger.sent == []
    assert stranger in h.sched.nodes, "still known, so the session can shut it down"


def test_different_collections_abort_with_a_collection_error(pytester: pytest.Pytester) -> None:
    h = Harness(pytester)
    a, b = FakeNode("gw0"), FakeNode("gw1")
    for node in (a, b):
        h.sched.add_node(node)
    h.sched.add_node_collection(a, COLLECTION)
    h.sched.add_node_collection(b, COLLECTION[:-2] + COLLECTION[-1:])
    h.sched.schedule()
    assert a.sent == b.sent == []
    assert h.sched.tests_finished


def test_fail_fast_in_the_roadmap_stops_dispatching(pytester: pytest.Pytester) -> None:
    h = Harness(pytester, fail_fast=True)
    a, b = FakeNode("gw0"), FakeNode("gw1")
    h.start([a, b])
    h.complete(b, "1.4", outcome="failed")
    assert len(b.sent) == 1 and not h.sched.tests_finished, "1.1 is still running"
    h.complete(a, "1.1")
    assert len(a.sent) == 1
    assert h.sched.tests_finished
    assert h.seen.skipped() == {}, "as with -x: nothing more is reported"


def test_without_roadmap_items_xdist_load_scheduling_takes_over(pytester: pytest.Pytester) -> None:
    h = Harness(pytester)
    a, b = FakeNode("gw0"), FakeNode("gw1")
    plain = [f"tests/test_x.py::test_{i}" for i in range(6)]
    h.start([a, b], plain)
    assert type(h.sched.delegate).__name__ == "LoadScheduling"
    assert a.sent and b.sent and all(len(chunk) > 1 for n in (a, b) for chunk in n.sent), (
        "load's chunks, no park"
    )
    assert h.sched.nodes == [a, b]


def test_ordinary_tests_next_to_a_roadmap_have_no_dependencies(pytester: pytest.Pytester) -> None:
    h = Harness(pytester, numnodes=3)
    nodes = [FakeNode(f"gw{i}") for i in range(3)]
    collection = [*IDS.values(), "tests/test_x.py::test_a"]
    h.start(nodes, collection)
    first = [collection[n.sent[0][0]].rsplit("::", 1)[-1] for n in nodes]
    assert first == ["1.1", "1.4", "1.5"], "roadmap chains go first; the plain test fills a gap"
    h.report("1.4")
    h.sched.mark_test_complete(nodes[1], collection.index(IDS["1.4"]))
    assert collection[nodes[1].sent[-1][0]] == "tests/test_x.py::test_a"


def test_a_roadmap_the_controller_cannot_map_runs_one_at_a_time_in_worker_order(
    pytester: pytest.Pytester,
) -> None:
    h = Harness(pytester)
    a, b = FakeNode("gw0"), FakeNode("gw1")
    stranger = (
        f"{FILE}::phase_1::group_a::9.9"  # collected by workers, unknown to the controller's load
    )
    collection = [IDS["1.4"], IDS["1.1"], stranger]
    h.start([a, b], collection)
    assert [n.sent for n in (a, b)] == [[[0, 3]], []]
    h.report("1.4")
    h.sched.mark_test_complete(a, 0)
    assert a.sent[-1] == [1, 3]
    h.report("1.1")
    h.sched.mark_test_complete(a, 1)
    assert a.sent[-1] == [2, 3]
