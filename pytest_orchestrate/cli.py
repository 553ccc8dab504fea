"""``orchestrate plan|run|status|forget|validate|ci-matrix``: the command line, as pytest
invocations.

Each subcommand only translates its options into pytest's and calls ``pytest.main``; there is no
second implementation. Anything after the subcommand's own options goes to pytest unchanged
(``orchestrate run --phase 2 -n 4 --junitxml=out.xml``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pytest

from .session.summary import DEFAULT_WORKFLOW


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", "-c", metavar="PATH", help="the roadmap file (pytest's --roadmap)")
    p.add_argument("--project-root", metavar="PATH", help="the repository the roadmap acts on")


def _selection(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--phase", "-p", action="append", default=[], metavar="N", help="phase number (repeatable)"
    )
    p.add_argument(
        "--group", "-g", action="append", default=[], metavar="X", help="group letter (repeatable)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``orchestrate`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="orchestrate",
        description="Run an engineering roadmap through pytest. "
        "Options not listed here go to pytest.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="show the execution plan (pytest --collect-only)")
    _selection(plan)
    _common(plan)
    plan.add_argument("--json", metavar="PATH", help="also write the plan as JSON ('-' for stdout)")
    plan.add_argument(
        "--format",
        choices=("json", "mermaid"),
        help="write the plan in this format instead of listing it: JSON data, or a Mermaid "
        "flowchart coloured by what the cache records",
    )
    plan.add_argument(
        "--output", metavar="PATH", default="-", help="where --format writes ('-': stdout)"
    )
    run = sub.add_parser(
        "run",
        help="run phases, groups or everything",
        epilog="Any other option goes to pytest "
        "(-n 4, -x, --junitxml=FILE, -k EXPR, --redo, --confirm ID). "
        "-p is --phase here, as in the original CLI; load or block pytest plugins with "
        "PYTEST_ADDOPTS='-p no:NAME'.",
    )
    _selection(run)
    _common(run)
    run.add_argument("--all", "-a", action="store_true", help="run every phase")
    run.add_argument("--dry-run", "-d", action="store_true", help="write nothing, show the diffs")
    run.add_argument("--sequential", action="store_true", help="run in one process (no xdist)")
    run.add_argument(
        "--parallel", action="store_true", help="run with xdist, max_parallel_tasks workers"
    )
    run.add_argument("--verbose", "-v", action="count", default=0, help="more output")
    status = sub.add_parser("status", help="show what is done, per phase")
    _common(status)
    forget = sub.add_parser(
        "forget", help="forget what is recorded for the project root (a fresh copy starts over)"
    )
    _common(forget)
    validate = sub.add_parser("validate", help="check the roadmap, its targets and sources")
    _common(validate)
    matrix = sub.add_parser(
        "ci-matrix",
        help="write a GitHub Actions workflow: a job per phase, a matrix over independent groups",
    )
    _common(matrix)
    matrix.add_argument(
        "--output",
        metavar="PATH",
        default=DEFAULT_WORKFLOW,
        help="the workflow file to write",
    )
    matrix.add_argument(
        "--max-jobs", type=int, metavar="K", help="at most K jobs per phase, balanced by time"
    )
    return parser


def pytest_args(argv: Sequence[str]) -> list[str]:
    """Translate an ``orchestrate`` command line into pytest's."""
    parser = build_parser()
    ns, extra = parser.parse_known_args(argv)
    args: list[str] = []
    # "--opt=value": pytest chooses its rootdir before it knows plugin options, and would take
    # a separate value for a test path.
    if ns.config:
        args.append(f"--roadmap={ns.config}")
    if ns.project_root:
        args.append(f"--project-root={ns.project_root}")
    for phase in getattr(ns, "phase", []):
        args += ["--phase", phase]
    for group in getattr(ns, "group", []):
        args += ["--group", group]
    if ns.command == "plan":
        args += ["--collect-only", "-p", "no:xdist"]
        if ns.json:
            args += ["--orchestrate-plan", ns.json]
        if ns.format == "json":
            args += ["-qq", f"--orchestrate-plan={ns.output}"]
        elif ns.format == "mermaid":
            args += ["-qq", f"--orchestrate-plan-mermaid={ns.output}"]
        if not ns.phase and not ns.group:
            args.append("--all")
    elif ns.command == "run":
        if not (ns.all or ns.phase or ns.group):
            parser.error("run: say what to run: --phase N, --group X or --all")
        if ns.all:
            args.append("--all")
        if ns.dry_run:
            args.append("--dry-run")
        if ns.sequential:
            args.append("--sequential")
        if ns.parallel:
            args += ["-n", "auto"]
        args += ["-v"] * ns.verbose
    elif ns.command == "status":
        args.append("--orchestrate-status")
    elif ns.command == "forget":
        args.append("--orchestrate-forget")
    elif ns.command == "validate":
        args += ["--collect-only", "-q", "--all", "--orchestrate-validate", "-p", "no:xdist"]
    elif ns.command == "ci-matrix":
        args += ["--collect-only", "-qq", "--all", "-p", "no:xdist"]
        args.append(f"--orchestrate-ci-matrix={ns.output}")
        if ns.max_jobs is not None:
            args.append(f"--orchestrate-ci-max-jobs={ns.max_jobs}")
    return args + extra


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``orchestrate`` console script."""
    return int(pytest.main(pytest_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    raise SystemExit(main())
