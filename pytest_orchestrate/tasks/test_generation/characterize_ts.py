"""Characterization tests for TS/JS: call the code, pin what it does today, keep what covers.

1. Plan: read the unit (``characterize_source``), choose which relative imports to mock (modules
   whose bindings the unit uses are instances: ``communityService`` from a composition root), and
   draw seeded calls (``probe_values``) for every exported function, method and Express route.
2. Probe: one run of the target's own Jest (its config, ts-jest) on a probe file kept outside the
   target (``--roots`` points at a temporary folder), with ``--coverageProvider=babel`` limited to
   the unit; ``probe.js`` runs each call twice (the second time under a shifted clock) and records
   the coverage counters each call moved.
3. Select: stable calls only (``probe_select``), greedily by new statements and branches.
4. Render a Jest file, then verify it: three copies run side by side in the target's Jest; cases
   that fail in any copy are dropped and reported in ``notes``.

The same source gives the same file, byte for byte: the search is seeded from its content hash.
Nothing is written into the target except the verification copies, removed in a ``finally``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import TaskFailed
from ..workspace import atomic_write, pid_alive
from .characterize_render import (
    call_ref,
    class_module_label,
    class_modules,
    describe_outcome,
    expected,
    impl_code,
    input_code,
    js,
    labels_in,
    member,
    mock_trees,
)
from .characterize_source import Callable, SourceInfo
from .model import FAILED_VERIFICATION, GeneratedTest, Selection
from .probe_select import Stable, cover_items, greedy, stabilise
from .probe_values import ID_POOL, Scope, Synth, TypeResolver, args_for

PROBE_RUNTIME = Path(__file__).with_name("probe.js")
# Generous on purpose: the call cap, not the clock, should end a search, so a file comes out the
# same on a loaded CI machine as on a quiet laptop (the clock only stops a slow unit).
DEFAULT_BUDGET_SECONDS = 120.0
VERIFY_ROUNDS = 3  # drop-and-verify rounds before giving up on a flaky unit
# A call that has not answered in this much of the probe's running time is dropped. Far above any
# real answer (hashing a password takes about 100 ms), so a slow machine keeps the same calls;
# what never answers (a promise nobody settles) is rare, and loops the probe stops at once.
CALL_TIMEOUT_MS = 2000
DEFAULT_MAX_CALLS = 600
_ROUTE = re.compile(r"\b(\w+)\.(get|post|put|patch|delete)\(\s*['\"`]([^'\"`]+)['\"`]")
_BODY = re.compile(r"req\.body\??\.(\w+)|const\s*\{([^}]*)\}\s*=\s*req\.body")
_QUERY = re.compile(r"req\.query\??\.(\w+)")
_HEADER = re.compile(r"req\.header\(\s*['\"]([\w-]+)['\"]")


@dataclass
class Timing:
    """Where the seconds went, for the benchmark."""

    total: float = 0.0
    runner: float = 0.0


@dataclass
class Probed:
    """The plan, what the probe saw, and what was kept."""

    calls: list[dict[str, Any]]
    kept: list[tuple[dict[str, Any], Stable]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(
        default_factory=dict
    )  # why calls that reached code were dropped
    load_statements: int = 0
    statements: int = 0


def jest_command(root: Path) -> list[str]:
    local = root / "node_modules" / ".bin" / "jest"
    return [str(local)] if local.exists() else ["npx", "--no-install", "jest"]


def _run(
    argv: list[str], cwd: Path, timeout: float, timing: Timing
) -> subprocess.CompletedProcess[str]:
    start = time.perf_counter()
    env = {**os.environ, "CI": "true", "FORCE_COLOR": "0"}
    try:
        return subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        raise TaskFailed(
            f"Jest did not finish within {timeout:.0f} s; raise params.budget_seconds",
            retryable=True,
        ) from None
    finally:
        timing.runner += time.perf_counter() - start


# -- plan ------------------------------------------------------------------------------------------
@dataclass
class ModuleMock:
    """A relative import replaced by deep mocks: its path from the unit, and the bindings mocked."""

    spec: str
    file: Path
    names: list[str]


def module_mocks(unit: SourceInfo, resolver: TypeResolver) -> list[ModuleMock]:
    """Imports whose used bindings are instances built at load (a composition root, a client)."""
    mocks: list[ModuleMock] = []
    for imp in unit.imports:
        if imp.type_only or imp.file is None:
            continue
        target = resolver.info(imp.file)
        used = [exported for exported in imp.names.values() if exported in target.instances]
        if used:
            mocks.append(ModuleMock(imp.spec, imp.file, sorted(set(used) | set(target.instances))))
    return mocks


def instance_scenario(synth: Synth, mocks: Sequence[ModuleMock], resolver: TypeResolver) -> None:
    """Typed answers for methods of module-level instances (their class found through imports)."""
    for mock in mocks:
        info = resolver.info(mock.file)
        for name in mock.names:
            found = resolver.find(info.instances[name], info) if name in info.instances else None
            if found is None:
                continue
            decl, where = found
            for method, ty, _ in decl.fields:
                if ty[0] == "fn":
                    synth.scenario[f"mod${name}.{method}"] = synth.result(ty, Scope(where), method)


def payload_types(unit: SourceInfo, resolver: TypeResolver) -> list[tuple[Any, Scope]]:
    """Interfaces declared in the unit's relative imports: candidate shapes for request bodies."""
    found: list[tuple[Any, Scope]] = []
    for imp in unit.imports:
        if imp.file is None:
            continue
        info = resolver.info(imp.file)
        found += [
            (("ref", d.name, ()), Scope(info))
            for d in info.decls.values()
            if d.kind == "interface" and d.fields and all(t[0] != "fn" for _, t, _ in d.fields)
        ]
    return found


def route_calls(
    unit: SourceInfo,
    synth: Synth,
    rng: random.Random,
    per_route: int,
    payloads: Sequence[tuple[Any, Scope]],
) -> list[dict[str, Any]]:
    routers = set(unit.routers)
    body_fields = sorted(
        {
            f
            for m in _BODY.finditer(unit.text)
            for f in (
                [m.group(1)]
                if m.group(1)
                else [p.split(":")[0].strip() for p in m.group(2).split(",")]
            )
            if f
        }
    )
    query = sorted(set(_QUERY.findall(unit.text)))
    headers = sorted(set(_HEADER.findall(unit.text)) | {"authorization"})
    calls: list[dict[str, Any]] = []
    for router, verb, path in _ROUTE.findall(unit.text):
        if router not in routers:
            continue
        for _ in range(per_route):
            url = re.sub(r":\w+", lambda _m: rng.choice(ID_POOL), path)
            params = [
                f"{q}={rng.choice([*ID_POOL, 'true', 'x', ''])}"
                for q in query
                if rng.random() < 0.5
            ]
            call: dict[str, Any] = {
                "target": {"kind": "route", "path": [router], "method": verb},
                "url": url + ("?" + "&".join(params) if params else ""),
                "headers": {h: synth.string(h)["v"] for h in headers if rng.random() < 0.7},
            }
            if verb != "get" and payloads and rng.random() < 0.5:
                call["body"] = synth.value(*rng.choice(payloads))
            elif verb != "get" and rng.random() < 0.85:
                call["body"] = {
                    "t": "obj",
                    "fields": {f: synth.string(f) for f in body_fields if rng.random() < 0.75},
                }
            calls.append(call)
    return calls


def plan_calls(
    unit: SourceInfo, resolver: TypeResolver, mocks: Sequence[ModuleMock], seed: int, max_calls: int
) -> list[dict[str, Any]]:
    """Seeded calls, interleaved across callables so a time budget cuts all of them evenly."""
    rng = random.Random(seed)
    scope = Scope(unit)
    targets: list[Callable] = list(unit.callables)
    for info in unit.classes.values():
        targets.extend(info.methods)
    groups: list[list[dict[str, Any]]] = []
    per = max(20, max_calls // max(1, len(targets) + len(unit.routers) * 4))
    for target in targets:
        group = []
        for _ in range(per):
            synth = Synth(rng, resolver, unit)
            instance_scenario(synth, mocks, resolver)
            call: dict[str, Any] = {"args": args_for(synth, target.params, scope)}
            if target.kind == "method":
                ctor = unit.classes[target.class_name].ctor
                call["target"] = {
                    "kind": "method",
                    "path": [target.class_name],
                    "method": target.path[-1],
                    "ctor": args_for(synth, ctor, scope),
                }
            elif target.kind == "static":
                call["target"] = {
                    "kind": "method",
                    "path": [target.class_name],
                    "method": target.path[-1],
                    "static": True,
                }
            else:
                call["target"] = {"kind": "function", "path": list(target.path)}
            call["scenario"] = synth.scenario
            group.append(call)
        groups.append(group)
    for info in unit.classes.values():
        # Constructing is a call too: it covers what constructors do (an error's status and code).
        group = []
        for _ in range(max(4, per // 4)):
            synth = Synth(rng, resolver, unit)
            instance_scenario(synth, mocks, resolver)
            call = {
                "args": args_for(synth, info.ctor, scope),
                "target": {"kind": "construct", "path": [info.name]},
                "scenario": synth.scenario,
            }
            group.append(call)
        groups.append(group)
    synth = Synth(rng, resolver, unit)
    instance_scenario(synth, mocks, resolver)
    routes = route_calls(unit, synth, rng, max(20, per // 2), payload_types(unit, resolver))
    for call in routes:
        call["scenario"], call["args"] = synth.scenario, []
    if routes:
        groups.append(routes)
    calls = [c for batch in _interleave(groups) for c in batch][:max_calls]
    for index, call in enumerate(calls):
        call["id"], call["seed"] = index, rng.randrange(1 << 30)
    return calls


def _interleave(groups: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    longest = max((len(g) for g in groups), default=0)
    return [[g[i] for g in groups if i < len(g)] for i in range(longest)]


# -- probe -----------------------------------------------------------------------------------------
def probe_file_text(
    unit_path: Path, plan_path: Path, mocks: Sequence[ModuleMock], timeout_ms: int
) -> str:
    lines = [
        "// Characterization probe: calls the unit, records what happens (removed after the run).",
        f"const mockProbe = require({js(str(PROBE_RUNTIME))});",
        f"const plan = require({js(str(plan_path))});",
    ]
    for mock in mocks:
        lines.append(
            f"jest.mock({js(str(mock.file))}, () => mockProbe.mockModule({js(mock.names)}));"
        )
    lines += [
        "test('probe', async () => {",
        f"  const file = {js(str(unit_path))};",
        "  const mod = require(file);",
        "  await mockProbe.probe(mod, file, plan);",
        f"}}, {timeout_ms});",
        "",
    ]
    return "\n".join(lines)


def run_probe(
    root: Path,
    unit_path: Path,
    calls: list[dict[str, Any]],
    mocks: Sequence[ModuleMock],
    budget: float,
    routes: bool,
    timing: Timing,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="orchestrate-probe-") as scratch:
        folder = Path(scratch)
        plan_path, out_path = folder / "plan.json", folder / "observations.json"
        plan = {
            "calls": calls,
            "output": str(out_path),
            "timeoutMs": CALL_TIMEOUT_MS,
            "root": str(root),
            "routes": routes,
            "budgetMs": int(budget * 1000 * 0.35),
        }
        plan_path.write_text(json.dumps(plan))
        probe = folder / "unit.orchestrate-probe.js"
        probe.write_text(probe_file_text(unit_path, plan_path, mocks, int(budget * 1000) + 60_000))
        rel = unit_path.relative_to(root).as_posix()
        argv = [
            *jest_command(root),
            "--rootDir",
            str(root),
            "--roots",
            str(folder),
            "--ci",
            "--runInBand",
            "--testMatch",
            "**/*.orchestrate-probe.js",
            "--coverage",
            "--coverageProvider=babel",
            "--collectCoverageFrom",
            rel,
            "--coverageReporters=none",
            "--coverageThreshold={}",
            "--silent",
            "--runTestsByPath",
            str(probe),
        ]
        done = _run(argv, root, budget + 120, timing)
        if not out_path.exists():
            tail = (done.stdout + done.stderr).strip()[-1500:]
            raise TaskFailed(f"the characterization probe for {rel} did not run:\n{tail}")
        observations: dict[str, Any] = json.loads(out_path.read_text())
        return observations


def select(calls: list[dict[str, Any]], observations: Mapping[str, Any]) -> Probed:
    probed = Probed(calls)
    by_id = {c["id"]: c for c in calls}
    stable: list[tuple[dict[str, Any], Stable, frozenset[str]]] = []
    reasons: dict[str, int] = {}
    for first, second in zip(observations["first"], observations["second"]):
        outcome = stabilise(first, second)
        if isinstance(outcome, str):
            if cover_items(first):
                reasons[outcome] = reasons.get(outcome, 0) + 1
            continue
        stable.append((by_id[first["id"]], outcome, cover_items(first)))
    for index in greedy([c for _, _, c in stable]):
        call, obs, _ = stable[index]
        probed.kept.append((call, obs))
    probed.kept.sort(key=lambda pair: pair[0]["id"])
    probed.dropped = [f"{n} probe call(s) dropped: {why}" for why, n in sorted(reasons.items())]
    probed.reasons = {why.split(" (")[0]: n for why, n in reasons.items()}
    probed.load_statements = int(observations.get("load", 0))
    return probed


# -- render ----------------------------------------------------------------------------------------
def import_path(output: Path, target: Path) -> str:
    rel = os.path.relpath(target.with_suffix(""), output.parent).replace(os.sep, "/")
    return rel if rel.startswith(".") else "./" + rel


def title(call: Mapping[str, Any], obs: Stable, number: int) -> str:
    target = call["target"]
    if target["kind"] == "route":
        what = f"{target['method'].upper()} {call['url']}"
    elif target["kind"] == "method":
        what = f"{target['path'][0]}.{target['method']}"
    elif target["kind"] == "construct":
        what = f"new {target['path'][0]}"
    else:
        what = ".".join(target["path"])
    return f"{what} {describe_outcome(obs.obs)} (case {number})"


def case_body(
    call: Mapping[str, Any], obs: Stable, ts: bool, module_labels: Mapping[str, str]
) -> list[str]:
    any_ = ": any" if ts else ""
    returns: dict[str, Any] = obs.obs.get("returns", {})
    # Paths the unit only read matter for the case's own mocks; module mocks stay as declared.
    touched = [p for p in obs.obs.get("touched", []) if p.split(".")[0] not in module_labels]
    trees = mock_trees(returns, ts, touched)
    target = call["target"]
    lines: list[str] = []
    ctor = target.get("ctor", [])
    # Mocks inside a mock's answers first: the answering mock's code refers to them.
    answers = [n for n in returns.values() if isinstance(n, dict)]
    nested = [label for label in labels_in(answers) if label not in module_labels]
    for label in dict.fromkeys([*reversed(nested), *labels_in([*ctor, *call["args"]])]):
        tree = trees.get(label)
        lines.append(f"const {label}{any_} = {tree.code() if tree else '{}'};")
    for label in trees:
        if label in module_labels:
            for path in sorted(p for p in returns if p.split(".")[0] == label):
                lines.append(
                    f"{call_ref(path, module_labels)}.mockImplementation("
                    f"{impl_code(returns[path], ts)});"
                )
    args = ", ".join(input_code(a) for a in call["args"])
    if target["kind"] == "route":
        lines.append("const app = express();")
        lines.append("app.use(express.json());")
        lines.append(f"app.use({member('api', target['path'][0])});")
        chain = f"request(app).{target['method']}({js(call['url'])})"
        for name, value in call.get("headers", {}).items():
            chain += f".set({js(name)}, {js(value)})"
        if "body" in call:
            chain += f".send({input_code(call['body'])})"
        lines.append(f"const res = await {chain};")
        value = obs.obs.get("value") or {}
        lines.append(f"expect(res.status).toBe({js(value.get('status'))});")
        if "body" in value:
            lines.append(f"expect(res.body).toEqual({expected(value['body'])});")
        elif (
            isinstance(value.get("text"), str)
            and "<pre>" not in value["text"]
            and len(value["text"]) < 300
        ):
            # Express's default error page carries a stack trace with paths: not asserted.
            lines.append(f"expect(res.text).toEqual({expected(value['text'])});")
    else:
        if target["kind"] == "method" and not target.get("static"):
            ctor_args = ", ".join(input_code(a) for a in ctor)
            lines.append(
                f"const subject{any_} = new {member('api', target['path'][0])}({ctor_args});"
            )
            fn = member("subject", target["method"])
        elif target["kind"] == "method":
            fn = member(member("api", target["path"][0]), target["method"])
        elif target["kind"] == "construct":
            fn = "new " + member("api", target["path"][0])
        else:
            fn = "api"
            for part in target["path"]:
                fn = member(fn, part)
        lines.append(f"const outcome = await settle(() => {fn}({args}));")
        if "error" in obs.obs:
            error = obs.obs["error"]
            lines.append(f"expect(outcome.error?.constructor?.name).toBe({js(error['cls'])});")
            if isinstance(error["message"], str):
                lines.append(f"expect(outcome.error?.message).toBe({js(error['message'])});")
        else:
            lines.append("expect(outcome.error).toBeUndefined();")
            lines.append(f"expect(outcome.value).toEqual({expected(obs.obs.get('value'))});")
    calls_by_path: dict[str, list[Any]] = {}
    for made in obs.obs.get("calls", []):
        calls_by_path.setdefault(made["path"], []).append(made["args"])
    for path, arg_lists in calls_by_path.items():
        lines.append(
            f"expect({call_ref(path, module_labels)}.mock.calls).toEqual({expected(arg_lists)});"
        )
    return lines


def render(
    unit_rel: str,
    unit_path: Path,
    root: Path,
    output: str,
    task_id: str,
    cases: Sequence[tuple[dict[str, Any], Stable]],
    mocks: Sequence[ModuleMock],
    todos: Sequence[str],
    varied: int,
) -> str:
    out_path = root / output
    ts = out_path.suffix in (".ts", ".tsx", ".mts", ".cts")
    any_ = ": any" if ts else ""
    module_labels = {f"mod${n}": f"mod${n}" for m in mocks for n in m.names}
    routes = any(c["target"]["kind"] == "route" for c, _ in cases)
    # Members every case of the file may use, so each jest.mock factory lists them all.
    used: dict[str, dict[str, Any]] = {}
    for _, obs in cases:
        for path, node in obs.obs.get("returns", {}).items():
            if path.split(".")[0] in module_labels:
                used[path] = node
    lines = [
        f"// Characterization tests for {unit_rel} (task {task_id}).",
        "// Each case pins what the code does TODAY for one generated input; it does not claim",
        "// that behaviour is correct. If a deliberate change breaks a case, update or delete it.",
    ]
    if varied:
        lines.append(
            f"// {varied} value(s) changed between probe runs (ids, clocks): asserted by type only."
        )
    for mock in mocks:
        spec = import_path(out_path, mock.file)
        trees = mock_trees(
            {p: {"t": "undef"} for p in used if p.split(".")[0][4:] in mock.names}, ts
        )
        body = ", ".join(
            f"{name}: {trees[f'mod${name}'].code() if f'mod${name}' in trees else '{}'}"
            for name in mock.names
        )
        lines.append(f"jest.mock({js(spec)}, () => ({{ __esModule: true, {body} }}));")
    spec = import_path(out_path, unit_path)
    lines.append(
        f"import * as unit from {js(spec)};" if ts else f"const unit = require({js(spec)});"
    )
    # Calls go through an untyped alias: generated arguments need not satisfy the declared types.
    lines.append(f"const api{any_} = unit;")
    if routes:
        lines.append(f"const express{any_} = require('express');")
        lines.append(f"const request{any_} = require('supertest');")
    for mock in mocks:
        spec = import_path(out_path, mock.file)
        for name in mock.names:
            lines.append(f"const mod${name}{any_} = jest.requireMock({js(spec)}).{name};")
    inputs = [n for c, _ in cases for n in [*c["args"], *c["target"].get("ctor", [])]]
    for file in class_modules(inputs):
        # Classes the inputs construct, from the module the unit imports them from (mocked or not).
        spec = import_path(out_path, Path(file))
        lines.append(f"const {class_module_label(file)}{any_} = require({js(spec)});")
    lines += [
        "",
        "async function settle(run: () => unknown): Promise<{ value?: any; error?: any }> {"
        if ts
        else "async function settle(run) {",
        "  try {",
        "    return { value: await run() };",
        "  } catch (error) {",
        "    return { error };",
        "  } finally {",
        "    // Work the call left queued runs inside this case, as it did when probed.",
        "    await new Promise((resolve) => setImmediate(resolve));",
        "  }",
        "}",
        "",
        f"describe({js(unit_rel + ' (characterization)')}, () => {{",
        "  beforeEach(() => {",
        "    jest.resetAllMocks();",
        "  });",
    ]
    for number, (call, obs) in enumerate(cases, start=1):
        lines.append("")
        lines.append(f"  it({js(title(call, obs, number))}, async () => {{")
        lines += [f"    {line}" for line in case_body(call, obs, ts, module_labels)]
        lines.append("  });")
    if not cases:
        # Jest refuses a file without a test; loading the module still runs its top-level code.
        lines += [
            "",
            "  it('loads: its top-level code runs without throwing', () => {",
            "    expect(api).toBeDefined();",
            "  });",
        ]
    for todo in todos:
        lines.append(f"  it.todo({js(todo)});")
    lines += ["});", ""]
    return "\n".join(lines)


# -- verify ----------------------------------------------------------------------------------------
def _test_name_parts(output: Path) -> tuple[str, str]:
    """``user.gen.test.ts`` -> (``user.gen``, ``.test.ts``): where a copy's tag goes."""
    match = re.search(r"\.(test|spec)\.[cm]?[jt]sx?$", output.name)
    cut = match.start() if match else len(output.stem)
    return output.name[:cut], output.name[cut:]


def verify_copies(output: Path, count: int) -> list[Path]:
    """The verification copies: beside the output, so its relative imports resolve, and named
    with this process's pid, so two runs at once never share one and a killed run's are known."""
    stem, suffix = _test_name_parts(output)
    return [
        output.with_name(f"{stem}.orchestrate-verify-{os.getpid()}-{n}{suffix}")
        for n in range(1, count + 1)
    ]


def sweep_dead_copies(output: Path) -> None:
    """Remove copies a killed run left beside ``output`` (their pid is gone): the project's own
    Jest would run them with its suite."""
    stem, suffix = _test_name_parts(output)
    copy = re.compile(rf"{re.escape(stem)}\.orchestrate-verify-(\d+)-\d+{re.escape(suffix)}")
    if os.name != "posix" or not output.parent.is_dir():
        return
    for entry in os.scandir(output.parent):
        found = copy.fullmatch(entry.name)
        if found and not pid_alive(int(found.group(1))):
            Path(entry.path).unlink(missing_ok=True)


@dataclass
class Verified:
    """Which case titles passed in every copy, and the unit's covered statements."""

    passing: set[str]
    failing: dict[str, str]
    statements: int
    total: int
    problem: str = ""


def verify(
    root: Path, output: str, text: str, unit_rel: str, timing: Timing, runs: int = 3
) -> Verified:
    copies = verify_copies(root / output, runs)
    sweep_dead_copies(root / output)
    with tempfile.TemporaryDirectory(prefix="orchestrate-verify-") as scratch:
        folder = Path(scratch)
        try:
            for copy in copies:
                atomic_write(copy, text)  # a kill mid-write leaves no half test in the project
            argv = [
                *jest_command(root),
                "--rootDir",
                str(root),
                "--ci",
                "--runInBand",
                "--json",
                "--outputFile",
                str(folder / "result.json"),
                "--coverage",
                "--coverageProvider=babel",
                "--collectCoverageFrom",
                unit_rel,
                "--coverageReporters=json",
                "--coverageDirectory",
                str(folder / "coverage"),
                "--coverageThreshold={}",
                "--silent",
                "--runTestsByPath",
                *map(str, copies),
            ]
            done = _run(argv, root, 600, timing)
        finally:
            for copy in copies:
                copy.unlink(missing_ok=True)
        result_path = folder / "result.json"
        if not result_path.exists():
            return Verified(set(), {}, 0, 0, (done.stdout + done.stderr)[-1500:])
        result = json.loads(result_path.read_text())
        statements = total = 0
        cov_path = folder / "coverage" / "coverage-final.json"
        if cov_path.exists():
            for entry in json.loads(cov_path.read_text()).values():
                total += len(entry["s"])
                statements += sum(1 for hits in entry["s"].values() if hits)
    status: dict[str, list[str]] = {}
    failing: dict[str, str] = {}
    problem = ""
    for suite in result.get("testResults", []):
        if not suite.get("assertionResults") and suite.get("message"):
            problem = suite["message"][-1500:]
        for case in suite.get("assertionResults", []):
            status.setdefault(case["title"], []).append(case["status"])
            if case["status"] == "failed":
                failing.setdefault(case["title"], " ".join(case.get("failureMessages", []))[:300])
    passing = {t for t, s in status.items() if s == ["passed"] * runs}
    return Verified(passing, failing, statements, total, problem)


# -- entry point -----------------------------------------------------------------------------------
def characterize_ts(
    root: Path,
    source: str,
    *,
    task_id: str,
    estimated_tests: int | None,
    output: str,
    params: Mapping[str, Any],
    timing: Timing | None = None,
) -> GeneratedTest:
    """A characterization test file for one TS/JS source, verified three times in its Jest."""
    timing = timing if timing is not None else Timing()
    start = time.perf_counter()
    unit_path = (root / source).resolve()
    if not unit_path.is_file():
        raise TaskFailed(f"source {source} does not exist; fix the task's source")
    budget = float(params.get("budget_seconds", DEFAULT_BUDGET_SECONDS))
    max_calls = int(params.get("max_calls", DEFAULT_MAX_CALLS))
    resolver = TypeResolver()
    unit = resolver.info(unit_path)
    mocks = module_mocks(unit, resolver)
    seed = int.from_bytes(hashlib.sha256(unit.text.encode()).digest()[:8], "big")
    calls = plan_calls(unit, resolver, mocks, seed, max_calls)
    notes: list[str] = []
    selection = Selection()
    if not calls:
        notes.append(f"{source}: nothing exported to call")
        probed = Probed([])
    else:
        observations = run_probe(root, unit_path, calls, mocks, budget, bool(unit.routers), timing)
        probed = select(calls, observations)
        notes += probed.dropped
        selection.probed = len(observations["first"])
        for why, n in probed.reasons.items():
            selection.drop(why, n)
        if len(observations["first"]) < len(calls):
            ran = len(observations["first"])
            notes.append(f"time budget reached after {ran} of {len(calls)} probe calls")
    unit_rel = unit_path.relative_to(root).as_posix()
    covered_paths = {_callable_key(c["target"]) for c, _ in probed.kept}
    todos = [
        f"{name}: no generated input reached new code; write a case by hand"
        for name in _callable_names(unit)
        if name not in covered_paths
    ]
    cases = probed.kept
    varied = sum(len(s.varied) for _, s in cases)
    text = render(unit_rel, unit_path, root, output, task_id, cases, mocks, todos, varied)
    checked = verify(root, output, text, unit_rel, timing)
    if checked.problem and not checked.passing:
        raise TaskFailed(
            f"the generated characterization test for {source} does not run:\n{checked.problem}"
        )
    # A case that passed three runs can still fail the next three (a coin flip lands the same
    # way often enough), so each round drops what failed and verifies again.
    for _ in range(VERIFY_ROUNDS):
        titles = [title(c, s, n) for n, (c, s) in enumerate(cases, start=1)]
        bad = [n for n, t in enumerate(titles) if t not in checked.passing]
        if not bad:
            break
        for n in bad:
            reason = checked.failing.get(titles[n], "did not pass in all three runs")
            notes.append(f"dropped case {n + 1} ({titles[n]}): {_first_line(reason)}")
        selection.drop(FAILED_VERIFICATION, len(bad))
        cases = [c for n, c in enumerate(cases) if n not in bad]
        varied = sum(len(s.varied) for _, s in cases)
        text = render(unit_rel, unit_path, root, output, task_id, cases, mocks, todos, varied)
        checked = verify(root, output, text, unit_rel, timing)
    else:
        if len(checked.passing) < len(cases):
            raise TaskFailed(
                f"characterization of {source}: cases still fail after {VERIFY_ROUNDS} rounds "
                "of dropping the failing ones"
            )
    if varied:
        notes.append(f"{varied} value(s) differ between runs (ids, clocks): asserted by type only")
    if estimated_tests is not None and len(cases) < estimated_tests:
        notes.append(
            f"{len(cases)} case(s) cover everything the search reached (the roadmap estimated "
            f"{estimated_tests})"
        )
    notes.append(f"covers {checked.statements}/{checked.total} statements of {unit_rel}")
    timing.total += time.perf_counter() - start
    argv = [*_display_jest(root), "--ci", "--runTestsByPath", output]
    return GeneratedTest(
        output=output,
        text=text,
        check_argv=argv,
        check_cwd=".",
        notes=notes,
        tests=len(cases),
        todos=len(todos),
        selection=selection,
    )


def _display_jest(root: Path) -> list[str]:
    return ["npx", "jest"]


def _first_line(text: str) -> str:
    lines = [
        line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines() if line.strip()
    ]
    return " ".join(lines[:2])[:200] if lines else "failed"


def _callable_key(target: Mapping[str, Any]) -> str:
    if target["kind"] == "construct":
        return f"new {target['path'][0]}"
    if target["kind"] == "method":
        return f"{target['path'][0]}.{target['method']}"
    if target["kind"] == "route":
        return "route"
    return ".".join(target["path"])


def _callable_names(unit: SourceInfo) -> list[str]:
    names = [".".join(c.path) for c in unit.callables]
    for info in unit.classes.values():
        names += [f"{info.name}.{m.path[-1]}" for m in info.methods]
    return names


__all__ = ["characterize_ts", "Timing", "DEFAULT_BUDGET_SECONDS", "DEFAULT_MAX_CALLS"]
