"""Pynguin against our characterization probe on the example's Python services, side by side.

Both tools write pytest files for every module of the four services in
``examples/educonnect/services`` (the modules ``tests/test_generate_python.py`` characterizes:
``<service>/<package>/*.py`` except ``__init__.py``), each on its own fresh copy. Measured per
service and in total:

* coverage: statements of the service's package covered by that tool's generated tests alone
  (coverage.py, ``--source=<package>``, run as ``coverage_table`` in the tests does);
* time: wall-clock seconds to generate the files; ours is the ``generate_python`` call with
  ``style="characterize"`` (probe, selection, three verification runs), Pynguin's is its whole
  command (search, mutation-analysis assertions, minimisation, export);
* flaky tests: the generated files run three times in a row, then once more in reverse order
  (every test's node id passed explicitly, last first), each run in a fresh process; a test counts
  if it failed or errored in any of the four runs, and as flaky if it passed in another.

Pynguin runs in its own virtualenv, under the same Python as this project (the services need
only the standard library, so that interpreter imports them as is). Create it once, e.g.::

    export PYNGUIN_VENV=<a folder outside the repository>
    python3.11 -m venv "$PYNGUIN_VENV"
    "$PYNGUIN_VENV/bin/pip" install pynguin==0.48.0

then pass its path as ``--venv`` or in ``PYNGUIN_VENV``. Pynguin refuses to run unless
``PYNGUIN_DANGER_AWARE`` is set (it executes the code under test); this script sets it for its own
Pynguin processes only. It needs no network. Search budget per module and seed are arguments;
Pynguin's search stops on time, so its figures vary a little between runs even with one seed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from pytest_orchestrate.tasks.test_generation.python import generate_python

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "examples" / "educonnect" / "services"
PYNGUIN_TESTS = "pynguin_tests"  # Pynguin's output folder inside each service copy
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]


@dataclass
class Result:
    """One tool on one service."""

    seconds: float = 0.0
    files: list[str] = field(default_factory=list)  # generated test files, relative to the service
    tests: int = 0
    statements: int = 0
    covered: int = 0
    failing: set[str] = field(default_factory=set)  # failed or errored in at least one run
    flaky: set[str] = field(default_factory=set)  # ... and passed in another
    reasons: dict[str, str] = field(default_factory=dict)  # failing test -> its first message


def modules(service: Path) -> list[Path]:
    return sorted(
        p
        for p in service.glob("*/*.py")
        if p.name != "__init__.py" and p.parent.name not in ("tests", PYNGUIN_TESTS)
    )


def copy_services(scratch: Path, name: str) -> list[Path]:
    target = scratch / name
    shutil.copytree(SERVICES, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return sorted(p for p in target.iterdir() if p.is_dir())


# ----------------------------------------------------------------------------- generation
def ours(root: Path, service: Path, result: Result) -> None:
    for source in modules(service):
        start = time.perf_counter()
        generated = generate_python(
            root,
            [source.relative_to(root).as_posix()],
            task_id="bench",
            estimated_tests=None,
            style="characterize",
            output=None,
            params={},
        )
        path = root / generated.output
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generated.text, encoding="utf-8")
        elapsed = time.perf_counter() - start
        result.seconds += elapsed
        result.files.append(path.relative_to(service).as_posix())
        print(f"  ours     {module_name(service, source):36} {elapsed:6.1f} s", flush=True)


def pynguin(venv: Path, service: Path, result: Result, *, budget: int, seed: int) -> None:
    env = {**os.environ, "PYNGUIN_DANGER_AWARE": "1"}
    env.pop("PYTHONPATH", None)
    for source in modules(service):
        name = module_name(service, source)
        report = service.parent / "reports" / name
        argv = [
            str(venv / "bin" / "pynguin"),
            "--project-path",
            str(service),
            "--module-name",
            name,
            "--output-path",
            str(service / PYNGUIN_TESTS),
            "--report-dir",
            str(report),
            "--seed",
            str(seed),
            "--maximum-search-time",
            str(budget),
            "--maximum-mutation-time",
            str(budget),
            "--no-rich",
        ]
        start = time.perf_counter()
        done = subprocess.run(
            argv, cwd=service, env=env, capture_output=True, text=True, check=False
        )
        elapsed = time.perf_counter() - start
        result.seconds += elapsed
        written = service / PYNGUIN_TESTS / f"test_{source.stem}.py"
        status = "" if done.returncode == 0 else f"  exit {done.returncode}"
        if written.exists():
            result.files.append(written.relative_to(service).as_posix())
        else:
            status += "  no test file"
            print(done.stdout[-2000:] + done.stderr[-2000:], file=sys.stderr)
        print(f"  pynguin  {name:36} {elapsed:6.1f} s{status}", flush=True)


def module_name(service: Path, source: Path) -> str:
    return ".".join(source.relative_to(service).with_suffix("").parts)


# ----------------------------------------------------------------------------- measurement
def coverage(service: Path, result: Result) -> None:
    """Statements of the service's packages covered by ``result.files`` alone."""
    if not result.files:
        return
    packages = sorted({p.parent.name for p in modules(service)})
    data = service / ".coverage-bench"
    subprocess.run(  # failing tests still cover what they ran; the exit code is not checked
        [
            sys.executable,
            "-m",
            "coverage",
            "run",
            f"--data-file={data}",
            "--branch",
            f"--source={','.join(packages)}",
            *PYTEST[1:],
            *result.files,
        ],
        cwd=service,
        capture_output=True,
        check=False,
    )
    report = service / "coverage-bench.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(report)],
        cwd=service,
        capture_output=True,
        check=True,
    )
    for figures in json.loads(report.read_text())["files"].values():
        result.statements += figures["summary"]["num_statements"]
        result.covered += figures["summary"]["covered_lines"]


def flakiness(service: Path, result: Result) -> None:
    """Three runs in a row, then one in reverse order; which tests failed, which only sometimes."""
    if not result.files:
        return
    listed = subprocess.run(
        [*PYTEST, "--collect-only", *result.files],
        cwd=service,
        capture_output=True,
        text=True,
        check=False,
    )
    ids = [line for line in listed.stdout.splitlines() if "::" in line]
    result.tests = len(ids)
    outcomes: dict[str, set[bool]] = {}
    for run, args in enumerate([result.files] * 3 + [ids[::-1]]):
        junit = service / f"junit-{run}.xml"
        subprocess.run(
            [*PYTEST, f"--junit-xml={junit}", *args],
            cwd=service,
            capture_output=True,
            check=False,
        )
        for case in ET.parse(junit).iter("testcase"):
            test = f"{case.get('classname')}::{case.get('name')}"
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            outcomes.setdefault(test, set()).add(problem is not None)
            if problem is not None:
                result.reasons.setdefault(test, problem.get("message", "").splitlines()[0][:160])
    result.failing = {t for t, seen in outcomes.items() if True in seen}
    result.flaky = {t for t, seen in outcomes.items() if seen == {True, False}}


# ----------------------------------------------------------------------------- the table
def table(results: dict[str, dict[str, Result]]) -> str:
    head = (
        f"{'service':<22}"
        f"{'ours: cov':>10} {'time':>7} {'tests':>6} {'fail':>5} {'flaky':>5}   "
        f"{'pynguin: cov':>12} {'time':>7} {'tests':>6} {'fail':>5} {'flaky':>5}"
    )
    lines = [head, "-" * len(head)]
    totals = {tool: Result() for tool in ("ours", "pynguin")}
    for service, by_tool in [*results.items(), ("total", totals)]:
        if service != "total":
            for tool, r in by_tool.items():
                t = totals[tool]
                t.seconds += r.seconds
                t.tests += r.tests
                t.statements += r.statements
                t.covered += r.covered
                t.failing |= {f"{service}/{x}" for x in r.failing}
                t.flaky |= {f"{service}/{x}" for x in r.flaky}
        cells = []
        for tool in ("ours", "pynguin"):
            r = by_tool[tool]
            share = 100 * r.covered / max(r.statements, 1)
            cells.append(
                f"{share:9.1f}% {r.seconds:6.0f}s {r.tests:6} {len(r.failing):5} {len(r.flaky):5}"
            )
        lines.append(f"{service:<22}{cells[0]}   {cells[1]:>42}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--venv",
        type=Path,
        default=os.environ.get("PYNGUIN_VENV"),
        help="virtualenv with pynguin installed (default: $PYNGUIN_VENV)",
    )
    parser.add_argument("--budget", type=int, default=60, help="Pynguin search seconds per module")
    parser.add_argument("--seed", type=int, default=20261129, help="Pynguin's random seed")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the service copies and generated tests here (default: a temporary folder)",
    )
    parser.add_argument("services", nargs="*", help="only these services (default: all four)")
    args = parser.parse_args()
    if args.venv is None or not (args.venv / "bin" / "pynguin").exists():
        parser.error("give the Pynguin virtualenv as --venv or PYNGUIN_VENV (see the docstring)")
    probe = "import sys, importlib.metadata as m; "
    probe += "print(m.version('pynguin'), sys.version.split()[0])"
    version = subprocess.run(
        [str(args.venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    print(f"pynguin {version[0]} on Python {version[1]}; ours on Python {sys.version.split()[0]}")
    print(f"Pynguin: seed {args.seed}, {args.budget} s search and mutation budget per module")

    results: dict[str, dict[str, Result]] = {}
    with tempfile.TemporaryDirectory() as folder:
        scratch = args.workdir or Path(folder)
        ours_root = scratch / "ours"
        for ours_service, pynguin_service in zip(
            copy_services(ours_root, "services"), copy_services(scratch / "pynguin", "services")
        ):
            if args.services and ours_service.name not in args.services:
                continue
            by_tool = results[ours_service.name] = {"ours": Result(), "pynguin": Result()}
            print(ours_service.name, flush=True)
            ours(ours_root, ours_service, by_tool["ours"])
            pynguin(
                args.venv, pynguin_service, by_tool["pynguin"], budget=args.budget, seed=args.seed
            )
            for service, tool in ((ours_service, "ours"), (pynguin_service, "pynguin")):
                coverage(service, by_tool[tool])
                flakiness(service, by_tool[tool])
                for test in sorted(by_tool[tool].failing):
                    kind = "flaky" if test in by_tool[tool].flaky else "fails"
                    reason = by_tool[tool].reasons.get(test, "")
                    print(f"  {tool:8} {kind}: {test}: {reason}", flush=True)
    print()
    print("coverage: statements of the service package covered by that tool's generated tests")
    print("fail: tests failing in any of 4 runs (3 in a row + 1 reversed); flaky: not in all")
    print(table(results))


if __name__ == "__main__":
    main()
