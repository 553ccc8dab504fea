"""The xdist DAG scheduler on a generated 40-task roadmap of sleeps, against its bound and make -j4.

Each task sleeps (I/O-bound) and logs its start and end, so the *makespan* (first start to last end)
is measured the same way for every runner, apart from start-up costs; wall-clock times are printed
next to it. The lower bound is ``max(critical path, total work / workers)``; it ignores the idle
time phase barriers force, so a simulated list schedule that *knows* every duration (which the
scheduler learns only from an earlier run's records) is printed as a reference.

Goals: ``-n 4`` within 1.10x of the bound, and never slower than ``make -j4`` on a Makefile of the
same DAG (generated here from the same graph pytest uses).

Last, learned durations: the same ``-n 4`` run twice with the cache on, the first ranking ready
tasks by the number of tasks on their chain (nothing learned yet), the second (``--redo``) by the
seconds each task took in the first; on the roadmap and on one built to mislead counting (a long
task beside chains of short ones). ``--learned-only`` prints just that comparison.
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pytest_orchestrate.roadmap.graph import BARRIER, Graph, build_graph
from pytest_orchestrate.roadmap.load import load_roadmap
from pytest_orchestrate.roadmap.model import BUILTIN_TASK_MODELS

TASKS = 40
WORKERS = 4
SEED = 2026
DURATIONS = (0.1, 0.2, 0.3, 0.5, 0.8)


# The phase graph of the example roadmap (config/phases.yaml): 1 -> 2 -> 3 -> 5, 1 -> 4, 4 + 5 -> 6.
PHASE_SIZES = (8, 6, 6, 8, 6, 6)
PHASE_DEPENDS = {4: ["phase_1"], 5: ["phase_3"], 6: ["phase_4", "phase_5"]}
CROSS_PHASE = 0.15  # the share of tasks that also wait for one task of an earlier phase


def roadmap_yaml(log: Path, rng: random.Random) -> tuple[str, dict[str, float]]:
    """Six phases shaped like the example roadmap; groups alternate parallel and sequential."""
    durations: dict[str, float] = {}
    lines: list[str] = []
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    earlier: list[str] = []
    n = 0
    for p, count in enumerate(PHASE_SIZES, start=1):
        lines += [f"phase_{p}:", f"  name: Phase {p}"]
        if p in PHASE_DEPENDS:
            lines.append(f"  depends_on: [{', '.join(PHASE_DEPENDS[p])}]")
        lines.append("  groups:")
        this_phase: list[str] = []
        for g, size in enumerate(_split(count, rng)):
            letter = next(letters)
            execution = "sequential" if g % 2 else "parallel"
            lines += [
                f"    group_{letter}:",
                f"      name: Group {letter}",
                f"      execution: {execution}",
                "      tasks:",
            ]
            for _ in range(size):
                n += 1
                tid = f"{p}.{n}"
                seconds = rng.choice(DURATIONS)
                durations[tid] = seconds
                this_phase.append(tid)
                extra = ""
                if earlier and rng.random() < CROSS_PHASE:
                    extra = f', depends_on: ["{rng.choice(earlier)}"]'
                lines.append(
                    f'        - {{id: "{tid}", name: "sleep {seconds}", type: command, '
                    f'run: "{timed(tid, seconds, log)}"{extra}}}'
                )
        earlier += this_phase
    assert n == TASKS
    return "\n".join(lines) + "\n", durations


def _split(count: int, rng: random.Random) -> list[int]:
    """Group sizes (2 to 4 tasks) that add up to ``count``."""
    sizes: list[int] = []
    while count:
        size = min(count, rng.choice((2, 3, 4)))
        sizes.append(size)
        count -= size
    return sizes


def timed(name: str, seconds: float, log: Path) -> str:
    return (
        f"echo start {name} $(date +%s.%N) >> {log}; sleep {seconds}; "
        f"echo end {name} $(date +%s.%N) >> {log}"
    )


def makefile(graph: Graph, durations: dict[str, float], log: Path) -> str:
    """The same DAG for make: one phony target per node, barriers without a recipe."""

    def target(node: str) -> str:
        return "t_" + node.replace("::", "_")

    out = [
        ".PHONY: all " + " ".join(target(n) for n in graph.deps),
        "",
        "all: " + " ".join(target(n) for n in graph.deps),
        "",
    ]
    for node in graph.order():
        out.append(f"{target(node)}: " + " ".join(target(d) for d in graph.deps[node]))
        if graph.kind[node] != BARRIER:
            out.append(
                "\t@" + timed(node, durations[node], log).replace("$", "$$")
            )  # make's own $( )
        out.append("")
    return "\n".join(out)


def list_schedule(graph: Graph, weights: dict[str, float]) -> float:
    """Simulated makespan of list scheduling that knows every duration (a
    reference, not a bound)."""
    priority = graph.longest_path(weights)
    after = graph.dependents()
    waiting = {n: len(d) for n, d in graph.deps.items()}
    index = {n: i for i, n in enumerate(graph.deps)}
    ready: list[tuple[float, int, str]] = []
    running: list[tuple[float, str]] = []

    def release(node: str) -> None:
        """``node`` finished: queue what no longer waits; barriers pass straight through."""
        stack = [node]
        while stack:
            for m in after[stack.pop()]:
                waiting[m] -= 1
                if waiting[m] == 0:
                    if graph.kind[m] == BARRIER:
                        stack.append(m)
                    else:
                        heapq.heappush(ready, (-priority[m], index[m], m))

    for n in graph.order():
        if not graph.deps[n]:
            if graph.kind[n] == BARRIER:
                release(n)
            else:
                heapq.heappush(ready, (-priority[n], index[n], n))
    now = 0.0
    while ready or running:
        while ready and len(running) < WORKERS:
            _, _, n = heapq.heappop(ready)
            heapq.heappush(running, (now + weights[n], n))
        now, n = heapq.heappop(running)
        release(n)
    return now


def makespan(log: Path, tasks: int = TASKS) -> float:
    """First start to last end, from the tasks' own log."""
    starts: list[float] = []
    ends: list[float] = []
    for line in log.read_text().splitlines():
        what, _, stamp = line.split()
        (starts if what == "start" else ends).append(float(stamp))
    assert len(starts) == len(ends) == tasks, (len(starts), len(ends))
    return max(ends) - min(starts)


def timed_run(cmd: list[str], cwd: Path, log: Path, tasks: int = TASKS) -> tuple[float, float]:
    """(makespan, wall) of one run of ``cmd``."""
    log.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    done = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-3000:]}")
    return makespan(log, tasks), wall


def best(cmd: list[str], cwd: Path, log: Path, repeat: int) -> tuple[float, float]:
    runs = [timed_run(cmd, cwd, log) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


@dataclass(frozen=True)
class Figures:
    """What one roadmap measured: (makespan, wall) per runner, and its bound."""

    work: float
    critical: float
    barriers: int
    clairvoyant: float
    n4: tuple[float, float]
    make4: tuple[float, float]
    n0: tuple[float, float] | None

    @property
    def bound(self) -> float:
        return max(self.critical, self.work / WORKERS)


def measure(seed: int, repeat: int, serial: bool) -> Figures:
    """Generate the roadmap for ``seed`` and time pytest -n 4, make -j4 and
    (if asked) pytest -n 0."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        log = root / "log"
        (root / "config").mkdir()
        text, durations = roadmap_yaml(log, random.Random(seed))
        path = root / "config" / "phases.yaml"
        path.write_text(text)
        roadmap = load_roadmap(
            path, display="config/phases.yaml", task_models=BUILTIN_TASK_MODELS, default_root=root
        )
        graph = build_graph(roadmap)
        weights = {**durations, **{n: 0.0 for n in graph.deps if n not in durations}}
        (root / "Makefile").write_text(makefile(graph, weights, log))
        pytest_cmd = [
            sys.executable,
            "-m",
            "pytest",
            "--roadmap",
            "config/phases.yaml",
            "--all",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-q",
        ]
        return Figures(
            work=sum(durations.values()),
            critical=max(graph.longest_path(weights).values()),
            barriers=sum(1 for kind in graph.kind.values() if kind == BARRIER),
            clairvoyant=list_schedule(graph, weights),
            n4=best([*pytest_cmd, "-n", str(WORKERS)], root, log, repeat),
            make4=best(["make", f"-j{WORKERS}", "all"], root, log, repeat),
            n0=best([*pytest_cmd, "-n", "0"], root, log, repeat) if serial else None,
        )


# Learned durations: a first run ranks ready tasks by the number of tasks on their chain and
# records how long each took; a second one (--redo) ranks them by seconds of work on the chain.
LONG, SHORT, CHAINS, CHAIN = 2.4, 0.2, 4, 3  # one long task beside four chains of short ones


def wrong_for_counting(log: Path) -> tuple[str, dict[str, float]]:
    """Counting puts the 3-task chains first; the long task then runs last, alone."""
    durations = {"1.1": LONG}
    lines = [
        "phase_1:",
        "  name: Counting misleads",
        "  groups:",
        "    group_a:",
        "      name: Long",
    ]
    lines += [
        "      tasks:",
        f'        - {{id: "1.1", name: long, type: command, run: "{timed("1.1", LONG, log)}"}}',
    ]
    n = 1
    for c in range(CHAINS):
        lines += [
            f"    group_{'bcde'[c]}:",
            f"      name: Chain {c}",
            "      execution: sequential",
        ]
        lines.append("      tasks:")
        for _ in range(CHAIN):
            n += 1
            durations[f"1.{n}"] = SHORT
            run = timed(f"1.{n}", SHORT, log)
            lines.append(f'        - {{id: "1.{n}", name: short, type: command, run: "{run}"}}')
    return "\n".join(lines) + "\n", durations


def counted_then_learned(
    text: str, durations: dict[str, float], repeat: int
) -> tuple[float, float, int, float, float]:
    """(bound, simulated list schedule, tasks on the critical path, makespan by task count, by
    learned seconds) at -n 4."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        log = root / "log"
        (root / "config").mkdir()
        (root / "config" / "phases.yaml").write_text(text.replace("LOGFILE", str(log)))
        roadmap = load_roadmap(
            root / "config" / "phases.yaml",
            display="config/phases.yaml",
            task_models=BUILTIN_TASK_MODELS,
            default_root=root,
        )
        graph = build_graph(roadmap)
        weights = {**durations, **{n: 0.0 for n in graph.deps if n not in durations}}
        bound = max(max(graph.longest_path(weights).values()), sum(durations.values()) / WORKERS)
        cmd = [sys.executable, "-m", "pytest", "--roadmap", "config/phases.yaml", "--all"]
        cmd += ["-p", "no:randomly", "-q", "-n", str(WORKERS)]
        tasks = len(durations)
        counted = timed_run([*cmd, "--cache-clear"], root, log, tasks)[0]
        learned = min(timed_run([*cmd, "--redo"], root, log, tasks)[0] for _ in range(repeat))
        chain = critical_tasks(graph, weights)
        return bound, list_schedule(graph, weights), chain, counted, learned


def critical_tasks(graph: Graph, weights: dict[str, float]) -> int:
    """How many tasks the longest weighted chain holds: each adds a task's start-up cost."""
    longest = graph.longest_path(weights)
    after = graph.dependents()
    node = max(longest, key=longest.__getitem__)
    count = 0
    while True:
        count += graph.kind[node] != BARRIER
        if not after[node]:
            return count
        node = max(after[node], key=longest.__getitem__)


def print_learned(repeat: int) -> None:
    print("ranking by task count (first run) vs by learned seconds (--redo), -n 4:")
    # The tasks log to a placeholder path, replaced by the real log once the folder exists.
    cases = {
        "long task beside chains": wrong_for_counting(Path("LOGFILE")),
        f"generated roadmap (seed {SEED})": roadmap_yaml(Path("LOGFILE"), random.Random(SEED)),
    }
    for label, (text, durations) in cases.items():
        bound, sim, chain, counted, learned = counted_then_learned(text, durations, repeat)
        print(
            f"  {label:32}: bound {bound:5.2f} s, list schedule knowing durations (sim.) "
            f"{sim:5.2f} s ({sim / bound:.2f}x), critical path of {chain} task(s)\n"
            f"  {'':32}  by task count {counted:5.2f} s ({counted / bound:.2f}x), "
            f"by learned seconds {learned:5.2f} s ({learned / bound:.2f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=1, help="Runs per measurement; the best counts"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=0,
        help="Also measure this many more generated roadmaps and print the medians",
    )
    parser.add_argument(
        "--learned-only", action="store_true", help="Only compare task-count and learned ranking"
    )
    args = parser.parse_args()
    if args.learned_only:
        print_learned(args.repeat)
        return
    f = measure(SEED, args.repeat, serial=True)
    assert f.n0 is not None
    bound = f.bound
    print(
        f"roadmap (seed {SEED}): {TASKS} sleeping tasks, {f.barriers} barriers; "
        f"total work {f.work:.2f} s, critical path {f.critical:.2f} s"
    )
    print(f"lower bound max(critical path, work/{WORKERS})  : {bound:6.2f} s")
    print(
        f"list scheduling knowing durations (sim.)  : {f.clairvoyant:6.2f} s   "
        f"{f.clairvoyant / bound:5.2f}x bound"
    )
    for label, (span, wall), goal in (
        (f"pytest -n {WORKERS} ", f.n4, "   (goal: <= 1.10x)"),
        (f"make -j{WORKERS}   ", f.make4, ""),
        ("pytest -n 0 ", f.n0, ""),
    ):
        print(
            f"{label}  makespan {span:6.2f} s  (wall {wall:6.2f} s)   "
            f"{span / bound:5.2f}x bound{goal}"
        )
    print(
        f"pytest -n {WORKERS} / make -j{WORKERS} (makespan)        : "
        f"{f.n4[0] / f.make4[0]:6.2f}x   (goal: <= 1.00x)"
    )
    if args.seeds:
        rows = [measure(SEED + i, args.repeat, serial=False) for i in range(1, args.seeds + 1)]
        vs_bound = [r.n4[0] / r.bound for r in rows]
        vs_make = [r.n4[0] / r.make4[0] for r in rows]
        sim = [r.clairvoyant / r.bound for r in rows]
        print(f"{args.seeds} more roadmaps (seeds {SEED + 1}..{SEED + args.seeds}):")
        print(
            "  pytest -n 4 / bound                  : "
            + " ".join(f"{x:.2f}" for x in vs_bound)
            + f"   median {statistics.median(vs_bound):.2f}x"
        )
        print(
            "  simulated, knowing durations / bound : "
            + " ".join(f"{x:.2f}" for x in sim)
            + f"   median {statistics.median(sim):.2f}x"
        )
        print(
            "  pytest -n 4 / make -j4               : "
            + " ".join(f"{x:.2f}" for x in vs_make)
            + f"   median {statistics.median(vs_make):.2f}x"
        )

    print_learned(args.repeat)


if __name__ == "__main__":
    main()
