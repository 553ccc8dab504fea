"""Characterization tests for TS/JS: the parts on their own, then the whole search on real targets.

The unit tests need no Node. The end-to-end tests run the example's real Jest (ts-jest) on a copy
of ``examples/educonnect`` and on a small Express service written in another style
(``tests/data/express_service``), with their own tests deleted, and measure the line coverage the
generated tests reach on their own.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from pytest_orchestrate.errors import TaskFailed
from pytest_orchestrate.tasks.test_generation.characterize_render import expected
from pytest_orchestrate.tasks.test_generation.characterize_source import parse_file
from pytest_orchestrate.tasks.test_generation.characterize_ts import (
    Timing,
    characterize_ts,
    sweep_dead_copies,
    verify_copies,
)
from pytest_orchestrate.tasks.test_generation.model import GeneratedTest
from pytest_orchestrate.tasks.test_generation.probe_select import greedy, stabilise
from pytest_orchestrate.tasks.test_generation.probe_values import (
    ID_POOL,
    Scope,
    Synth,
    TypeResolver,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "educonnect"
DATA = Path(__file__).resolve().parent / "data"
PROBE = ROOT / "pytest_orchestrate" / "tasks" / "test_generation" / "probe.js"
needs_node = pytest.mark.skipif(
    not (EXAMPLE / "node_modules").is_dir() or shutil.which("node") is None,
    reason="run `npm ci` in examples/educonnect first",
)


# -- the value serialiser (probe.js, run by real Node) -----------------------------------
def node_serialise(expression: str) -> object:
    script = (
        "global.jest = {};"
        f"const probe = require({json.dumps(str(PROBE))});"
        f"const value = (() => {{ {expression} }})();"
        "process.stdout.write(JSON.stringify(probe.serialize(value)));"
    )
    done = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


@needs_node
def test_the_serialiser_keeps_dates_maps_sets_undefined_and_bigints_apart() -> None:
    value = node_serialise(
        "return { at: new Date('2024-01-02T03:04:05.000Z'), m: new Map([['k', 1]]),"
        " s: new Set([1, 2]),"
        " u: undefined, n: 10n, f: function named() {}, nan: NaN, buf: Buffer.from('hi'),"
        " negzero: -0, zero: 0 };"
    )
    assert value == {
        "at": {"$t": "date", "v": "2024-01-02T03:04:05.000Z"},
        "m": {"$t": "map", "entries": [["k", 1]]},
        "s": {"$t": "set", "items": [1, 2]},
        "u": {"$t": "undefined"},
        "n": {"$t": "bigint", "v": "10"},
        "f": {"$t": "function", "name": "named"},
        "nan": {"$t": "number", "v": "NaN"},
        "buf": {"$t": "buffer", "v": "6869"},
        "negzero": {"$t": "number", "v": "-0"},  # toEqual tells -0 from 0; JSON does not
        "zero": 0,
    }


@needs_node
def test_the_serialiser_names_class_instances_and_cuts_cycles() -> None:
    value = node_serialise(
        "class Point { constructor() { this.x = 1; } }"
        " const a = { p: new Point() }; a.self = a; return a;"
    )
    assert value == {
        "p": {"$t": "instance", "cls": "Point", "fields": {"x": 1}},
        "self": {"$t": "cycle"},
    }


def test_serialised_values_render_as_jest_expectations() -> None:
    assert expected(
        {"at": {"$t": "date", "v": "2024-01-02T03:04:05.000Z"}, "u": {"$t": "undefined"}}
    ) == ('{ at: new Date("2024-01-02T03:04:05.000Z"), u: undefined }')
    assert expected({"$t": "varies", "kind": "string"}) == "expect.any(String)"
    assert expected({"$t": "map", "entries": [["k", 1]]}) == 'new Map<any, any>([["k", 1]])'


# -- input synthesis from types --------------------------------------------------------------------
SERVICE = """
import { Repository } from './types';
export type Visibility = 'public' | 'private';
export interface Community { id: string; ownerId: string; memberIds: string[];
  visibility: Visibility;
  maxMembers: number; note?: string }
export class CommunityService {
  constructor(private readonly communities: Repository<Community>) {}
  async leave(id: string, userId: string): Promise<Community> {
    if (userId === 'admin') throw new Error('no');
    return this.communities.save(await this.communities.findById(id) as Community);
  }
}
"""
TYPES = """
export interface Repository<T extends { id: string }> {
  findById(id: string): Promise<T | null>;
  save(entity: T): Promise<T>;
}
"""


def test_inputs_follow_declared_types_across_a_relative_import(tmp_path: Path) -> None:
    (tmp_path / "types.ts").write_text(TYPES)
    (tmp_path / "service.ts").write_text(SERVICE)
    resolver = TypeResolver()
    unit = resolver.info(tmp_path / "service.ts")
    ctor = unit.classes["CommunityService"].ctor
    seen_found = seen_null = seen_echo = 0
    for seed in range(60):
        synth = Synth(random.Random(seed), resolver, unit)
        node = synth.value(ctor[0].ty, Scope(unit), ctor[0].name)
        assert node == {"t": "mock", "label": "communitiesMock"}
        find = synth.scenario["communitiesMock.findById"]
        save = synth.scenario["communitiesMock.save"]
        if find["t"] == "resolve" and find["v"]["t"] == "obj":
            fields = find["v"]["fields"]
            assert {"id", "ownerId", "memberIds", "visibility", "maxMembers"} <= set(fields)
            assert fields["visibility"]["v"] in ("public", "private")
            assert fields["memberIds"]["t"] == "arr"
            assert isinstance(fields["maxMembers"]["v"], (int, float))
            seen_found += 1
        seen_null += find == {"t": "resolve", "v": {"t": "lit", "v": None}}
        seen_echo += save == {"t": "echo", "i": 0, "async": True}
    assert seen_found and seen_null and seen_echo


def test_identifiers_come_from_one_small_pool_and_literals_are_reused(tmp_path: Path) -> None:
    (tmp_path / "types.ts").write_text(TYPES)
    (tmp_path / "service.ts").write_text(SERVICE)
    resolver = TypeResolver()
    unit = resolver.info(tmp_path / "service.ts")
    synth = Synth(random.Random(1), resolver, unit)
    ids = {synth.string("userId")["v"] for _ in range(50)}
    assert ids & set(ID_POOL) == set(ID_POOL)
    assert "admin" in {synth.string("role")["v"] for _ in range(200)}


def test_a_source_is_read_into_callables_with_typed_parameters(tmp_path: Path) -> None:
    (tmp_path / "service.ts").write_text(SERVICE)
    info = parse_file(tmp_path / "service.ts")
    method = info.classes["CommunityService"].methods[0]
    assert method.path == ("CommunityService", "leave")
    assert [(p.name, p.ty) for p in method.params] == [
        ("id", ("prim", "string")),
        ("userId", ("prim", "string")),
    ]
    assert info.decls["Visibility"].alias == ("union", (("lit", "public"), ("lit", "private")))


# -- selection -------------------------------------------------------------------------------------
def test_greedy_selection_keeps_the_fewest_calls_that_reach_everything() -> None:
    matrix = [
        frozenset({"s1", "s2"}),
        frozenset({"s1", "s2", "s3", "b0.0"}),
        frozenset({"s3"}),
        frozenset({"s4", "b0.1"}),
        frozenset({"s1"}),
        frozenset(),
    ]
    assert greedy(matrix) == [1, 3]
    assert greedy(matrix, already=frozenset({"s4", "b0.1"})) == [1]


def test_greedy_selection_breaks_ties_by_the_earlier_call() -> None:
    assert greedy([frozenset({"s1"}), frozenset({"s1"}), frozenset({"s2"})]) == [0, 2]


def observation(value: object, calls: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {
        "id": 0,
        "value": value,
        "calls": calls or [],
        "returns": {},
        "cover": {"s": [1], "b": []},
    }


def test_a_generated_id_or_timestamp_is_asserted_by_type_only() -> None:
    first = observation({"id": "com_701c70ea62a0", "at": "2024-01-01T10:00:00.000Z", "name": "x"})
    second = observation({"id": "com_9d0e1f2a3b4c", "at": "2031-05-17T08:09:10.000Z", "name": "x"})
    stable = stabilise(first, second)
    assert not isinstance(stable, str)
    assert stable.varied == ["value.id", "value.at"]
    assert (
        expected(stable.obs["value"])
        == '{ id: expect.any(String), at: expect.any(String), name: "x" }'
    )


def test_a_call_whose_outcome_changes_shape_between_runs_is_dropped() -> None:
    random_branch = stabilise(observation([1, 2]), observation([1]))
    assert isinstance(random_branch, str) and "different length" in random_branch
    flip = stabilise(
        observation(1), {"id": 0, "error": {"cls": "Error", "message": "x"}, "calls": []}
    )
    assert flip == "throws in one run and returns in the other"


def characterize_source(tmp_path: Path, name: str, text: str) -> GeneratedTest:
    """Characterize ``src/<name>.ts`` (``text``) inside a copy of the Express sample, with the
    example's node_modules."""
    target = tmp_path / "target"
    shutil.copytree(
        DATA / "express_service", target, ignore=shutil.ignore_patterns("node_modules", "tests")
    )
    (target / "node_modules").symlink_to(EXAMPLE / "node_modules")
    (target / "src" / f"{name}.ts").write_text(text)
    return characterize_ts(
        target,
        f"src/{name}.ts",
        task_id="t",
        estimated_tests=None,
        output=f"tests/{name}.gen.test.ts",
        params={"budget_seconds": 60},
    )


NONDETERMINISTIC = """
import { randomUUID } from 'crypto';
export function stamp(label: string): { label: string; at: number } {
  return { label, at: Date.now() };
}
export function roll(): number { return Math.random() < 2 ? Math.random() : 0; }
export function ticket(): string { return randomUUID(); }
export function flaky(): string {
  if (Math.random() < 0.5) { return 'heads'; }
  throw new Error('tails');
}
export function pure(n: number): number { return n > 1 ? n * 2 : -n; }
"""


@needs_node
def test_nondeterministic_results_are_typed_or_dropped_in_a_real_jest_run(tmp_path: Path) -> None:
    result = characterize_source(tmp_path, "clock", NONDETERMINISTIC)
    assert "at: expect.any(Number)" in result.text
    assert "expect(outcome.value).toEqual(expect.any(Number))" in result.text  # roll()
    assert "expect(outcome.value).toEqual(expect.any(String))" in result.text  # ticket()
    assert "flaky" not in result.text.split("describe(")[1].split("it.todo")[0]
    assert any("flaky" in todo or "dropped" in todo for todo in [result.text, *result.notes])
    assert "pure(" in result.text and result.tests >= 5
    # The figures the closing table adds up: every kept case came from a probe call.
    assert result.selection is not None and result.selection.probed > result.tests


def test_verification_copies_are_named_by_their_run_and_a_killed_runs_are_swept(
    tmp_path: Path,
) -> None:
    """Copies sit beside the output (their imports resolve) with the run's pid in the name: two
    runs at once never share one, and a killed run's copies go before the next verification."""
    output = tmp_path / "tests" / "user.gen.test.ts"
    output.parent.mkdir()
    mine = verify_copies(output, 3)
    assert [p.name for p in mine] == [
        f"user.gen.orchestrate-verify-{os.getpid()}-{n}.test.ts" for n in (1, 2, 3)
    ]
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = output.with_name(f"user.gen.orchestrate-verify-{dead.pid}-1.test.ts")
    other = output.with_name(f"other.orchestrate-verify-{dead.pid}-1.test.ts")
    for path in (*mine, left, other):
        path.write_text("// a copy\n")
    sweep_dead_copies(output)
    assert not left.exists()  # its run is gone
    assert all(p.exists() for p in mine) and other.exists()  # a live run's, another output's


SLOW_AND_HUNG = """
import { OrderRepository } from './repositories/orderRepository';
export function busy(): Promise<string> {
  const end = performance.now() + 700;
  while (performance.now() < end) { /* what a busy machine does to a call: no core for 700 ms */ }
  return new Promise((resolve) => setImmediate(() => resolve('answered')));
}
export function hangs(): Promise<string> { return new Promise(() => undefined); }
export async function drain(repo: OrderRepository): Promise<number> {
  let seen = 0;
  for (let i = 0; i < 3; i += 0) { await repo.get('o-1'); seen += 1; }
  return seen;
}
"""


@needs_node
def test_a_slow_answer_on_a_busy_machine_is_kept_and_one_that_never_comes_is_dropped(
    tmp_path: Path,
) -> None:
    """The probe's time limit counts the time the process could run: a call held up for 700 ms
    (here by its own loop, as a loaded machine would hold it) still answers, so the same source
    gives the same file on a busy machine; a promise that never settles is dropped. A loop that
    never stops calling its mocks is stopped by the count of its calls, not by the clock."""
    result = characterize_source(tmp_path, "slow", SLOW_AND_HUNG)
    assert '"answered"' in result.text, result.text
    kept = result.text.split("describe(")[1].split("it.todo")[0]
    assert "hangs" not in kept
    assert re.findall(r'it\("drain (\w+)', kept) == ["throws"] * kept.count('it("drain'), kept
    assert result.selection is not None
    assert result.selection.dropped["no answer within the probe's time limit"] >= 1
    assert result.selection.dropped["a loop that kept calling its mocks"] >= 1
    assert "dropped: a loop that kept calling its mocks (stopped after 5000 calls)" in "".join(
        result.notes
    )


# -- end to end ------------------------------------------------------------------------------------
def roadmap_sources() -> dict[str, list[str]]:
    """The TS sources the bundled roadmap's phases 2, 3 and 5 generate tests for."""
    roadmap = yaml.safe_load((ROOT / "config" / "phases.yaml").read_text())
    out: dict[str, list[str]] = {}
    for phase in ("phase_2", "phase_3", "phase_5"):
        for group in roadmap[phase]["groups"].values():
            for task in group["tasks"]:
                if task["type"] != "test_generation":
                    continue
                sources = task["source"] if isinstance(task["source"], list) else [task["source"]]
                out.setdefault(phase, []).extend(s for s in sources if s.endswith(".ts"))
    return out


@dataclass
class Outcome:
    """One source's generated file and what happened to it."""

    source: str
    output: str
    tests: int
    notes: list[str]
    seconds: float


@dataclass
class Campaign:
    """A target with its tests deleted, the generated files, Jest's coverage before and after."""

    root: Path
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    before: float = 0.0
    after: float = 0.0
    runs: list[dict[str, int]] = field(default_factory=list)
    per_file: dict[str, float] = field(default_factory=dict)


def jest_lines(root: Path, collect: list[str]) -> tuple[float, dict[str, int], dict[str, float]]:
    argv = [
        str(root / "node_modules" / ".bin" / "jest"),
        "--ci",
        "--runInBand",
        "--coverage",
        "--json",
        "--outputFile",
        str(root / "jest-result.json"),
        "--coverageReporters=json-summary",
        "--coverageThreshold={}",
        "--passWithNoTests",
        "--silent",
    ]
    for pattern in collect:
        argv += ["--collectCoverageFrom", pattern]
    subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=1800)
    result = json.loads((root / "jest-result.json").read_text())
    summary = json.loads((root / "coverage" / "coverage-summary.json").read_text())
    per_file = {
        Path(k).relative_to(root).as_posix(): v["lines"]["pct"]
        for k, v in summary.items()
        if k != "total"
    }
    counts = {
        "passed": result["numPassedTests"],
        "failed": result["numFailedTests"],
        "suites_failed": result["numFailedTestSuites"],
    }
    return float(summary["total"]["lines"]["pct"]), counts, per_file


def characterize_all(root: Path, phases: dict[str, list[str]]) -> Campaign:
    campaign = Campaign(root)
    for phase, sources in phases.items():
        for source in sources:
            output = "tests/generated/" + source.removeprefix("src/").replace(".ts", ".gen.test.ts")
            timing = Timing()
            try:
                generated = characterize_ts(
                    root,
                    source,
                    task_id=source,
                    estimated_tests=None,
                    output=output,
                    params={},
                    timing=timing,
                )
            except TaskFailed as failure:  # shown in the table; the coverage goal still judges
                note = f"FAILED: {failure}"[:300]
                campaign.outcomes.setdefault(phase, []).append(
                    Outcome(source, output, 0, [note], timing.total)
                )
                continue
            (root / output).parent.mkdir(parents=True, exist_ok=True)
            (root / output).write_text(generated.text)
            campaign.outcomes.setdefault(phase, []).append(
                Outcome(source, output, generated.tests, generated.notes, timing.total)
            )
    return campaign


EXAMPLE_COVERAGE = ["src/**/*.ts", "!src/server.ts", "!src/app.ts", "!**/*.d.ts"]


@pytest.fixture(scope="session")
def example_campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Campaign]:
    root = tmp_path_factory.mktemp("characterize") / "educonnect"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules", "coverage"))
    (root / "node_modules").symlink_to(EXAMPLE / "node_modules")
    before, _, _ = jest_lines(root, EXAMPLE_COVERAGE)
    shutil.rmtree(root / "tests")  # generated tests only
    campaign = characterize_all(root, roadmap_sources())
    campaign.before = before
    for _ in range(3):
        after, counts, per_file = jest_lines(root, EXAMPLE_COVERAGE)
        campaign.runs.append(counts)
    campaign.after, campaign.per_file = after, per_file
    yield campaign


def report(campaign: Campaign, title: str) -> str:
    lines = [
        title,
        f"{'phase':8} {'files':>5} {'kept':>5} {'dropped':>7}  coverage of the files (lines %)",
    ]
    for phase, outcomes in campaign.outcomes.items():
        dropped = [n for o in outcomes for n in o.notes if n.startswith("dropped case")]
        covered = [campaign.per_file.get(o.source, 0.0) for o in outcomes]
        lines.append(
            f"{phase:8} {len(outcomes):>5} {sum(o.tests for o in outcomes):>5} {len(dropped):>7}  "
            f"mean {sum(covered) / len(covered):.1f}"
        )
        for outcome in outcomes:
            lines.append(
                f"    {outcome.source}: {outcome.tests} kept, {outcome.seconds:.1f} s, "
                f"{campaign.per_file.get(outcome.source, 0.0):.1f}% lines"
            )
            lines += [f"        {note}" for note in outcome.notes if not note.startswith("covers")]
    lines.append(
        f"all of src/ (lines): {campaign.before:.1f}% with the example's tests -> "
        f"{campaign.after:.1f}% with generated tests only; runs: {campaign.runs}"
    )
    return "\n".join(lines)


@needs_node
@pytest.mark.campaign
def test_generated_tests_alone_raise_the_example_from_about_26_to_80_percent(
    example_campaign: Campaign,
) -> None:
    print(report(example_campaign, "educonnect, phases 2, 3 and 5"))
    assert 20 <= example_campaign.before <= 32
    assert example_campaign.after >= 80
    assert all(run["failed"] == 0 and run["suites_failed"] == 0 for run in example_campaign.runs)
    assert all(
        run["passed"] == example_campaign.runs[0]["passed"] > 100 for run in example_campaign.runs
    )


@needs_node
@pytest.mark.campaign
def test_every_generated_file_says_it_pins_todays_behaviour(example_campaign: Campaign) -> None:
    for outcomes in example_campaign.outcomes.values():
        for outcome in outcomes:
            text = (example_campaign.root / outcome.output).read_text()
            assert "pins what the code does TODAY" in text
            assert outcome.tests > 0, outcome


@needs_node
@pytest.mark.campaign
def test_the_same_source_gives_the_same_bytes(example_campaign: Campaign) -> None:
    source = "src/services/community.service.ts"
    output = "tests/generated/services/community.service.gen.test.ts"
    again = characterize_ts(
        example_campaign.root,
        source,
        task_id=source,
        estimated_tests=None,
        output=output,
        params={},
    )
    assert again.text == (example_campaign.root / output).read_text()


@needs_node
def test_a_differently_shaped_express_service_reaches_70_percent(tmp_path: Path) -> None:
    root = tmp_path / "express_service"
    shutil.copytree(
        DATA / "express_service", root, ignore=shutil.ignore_patterns("node_modules", "tests")
    )
    (root / "node_modules").symlink_to(EXAMPLE / "node_modules")
    sources = sorted(
        p.relative_to(root).as_posix()
        for p in (root / "src").rglob("*.ts")
        if p.name not in ("server.ts",)
    )
    campaign = characterize_all(root, {"service": sources})
    for _ in range(3):
        after, counts, per_file = jest_lines(root, ["src/**/*.ts", "!src/server.ts"])
        campaign.runs.append(counts)
    campaign.after, campaign.per_file = after, per_file
    print(report(campaign, "express_service"))
    assert after >= 70
    assert all(run["failed"] == 0 and run["suites_failed"] == 0 for run in campaign.runs)
