"""The main job, whole: the README's first command on a fresh copy of the example, every phase,
then the printed ``--confirm`` commands, judged by the copy's own tools afterwards.

One run (about 7 minutes on two cores) is shared by every test here through the session fixture
``main_job`` (``main_job.py``); each test then checks one promise of "After the full run" in the
README. Two of them recompute every task (``--redo``, and the CI gate's dry run), about 5 minutes
each with ``-n 2``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from main_job import MainJob, output

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "educonnect"
FOLDERS = ("services", "repositories", "utils", "routes", "config", "graphql", "middleware")

pytestmark = pytest.mark.skipif(
    not (EXAMPLE / "node_modules").is_dir(),
    reason="run `npm ci` in examples/educonnect first (.ci/run does)",
)


def test_the_first_command_runs_every_phase_and_stops_at_the_manual_steps(
    main_job: MainJob,
) -> None:
    out = output(main_job.first)
    assert main_job.first.returncode == 0, out[-6000:]
    assert "<Checkpoint phase_6: Production Ready" in out  # the plan comes first
    for phase in ("phase_1", "phase_2", "phase_3", "phase_5"):  # 4 and 6 wait for a human
        assert re.search(rf"\bOK\b.*::{phase}::checkpoint", out), phase
    assert re.search(r"lines 2\d\.\d+% -> [89]\d\.\d+%", out), out[-4000:]  # the coverage lift
    assert "waiting for a human: 4.4, 4.9; once done, go on with:" in out
    assert not (EXAMPLE / "tests" / "fixtures").exists()  # the example itself is never touched


def test_the_closing_table_shows_each_phases_generated_tests_and_coverage_lift(
    main_job: MainJob,
) -> None:
    """Per phase: files, tests kept, to-dos, probe calls, dropped cases (with their reasons
    below), and the lines its checkpoint measured against the measurement before it."""
    out = output(main_job.first)
    table = out.split("orchestrate generated tests", 1)[1].split("\n=")[0].splitlines()[1:]
    assert table[0].split()[:6] == ["phase", "files", "tests", "to-dos", "probe", "calls"]
    rows = {line.split()[0]: line for line in table[1:] if line.startswith("phase_")}
    assert sorted(rows) == ["phase_2", "phase_3", "phase_5"], table
    for row in rows.values():
        files, tests, _todos, probes = (int(n) for n in row.split()[1:5])
        assert files > 0 and tests > 0 and probes > 0, row
        lifts = re.findall(r"([\d.]+)% -> ([\d.]+)%", row)  # Jest's and the services' lines
        assert lifts and all(float(a) <= float(b) for a, b in lifts), row
        assert any(float(a) < float(b) for a, b in lifts), row
    for line in table:
        if line.startswith("dropped in "):
            assert re.fullmatch(r"dropped in phase_\d: \d+ [a-z].*", line), line


def test_the_printed_confirm_commands_finish_the_roadmap(main_job: MainJob) -> None:
    assert main_job.confirms, "no --confirm command was printed"
    last = main_job.confirms[-1]
    out = output(last)
    assert last.returncode == 0, out[-6000:]
    assert "waiting for a human" not in out
    assert re.search(r"=+ .*\d+ done.* in ", out), out[-2000:]


def test_jest_passes_in_the_copy_with_every_folder_floor_at_80(main_job: MainJob) -> None:
    config = (main_job.target / "jest.config.js").read_text()
    for folder in FOLDERS:
        entry = config.split(f"'./src/{folder}/'", 1)[1].split("}", 1)[0]
        assert re.search(r"lines: 80\b", entry), (folder, entry)
    done = main_job.run("npx", "jest", "--ci", "--coverage", "--coverageReporters=text-summary")
    assert done.returncode == 0, output(done)[-4000:]


def test_the_python_services_tests_pass(main_job: MainJob) -> None:
    done = main_job.run(sys.executable, "-m", "pytest", "services", "-q", "-p", "no:cacheprovider")
    assert done.returncode == 0, output(done)[-4000:]
    assert re.search(r"\d+ passed", done.stdout)


def test_every_workflow_passes_the_schema(main_job: MainJob) -> None:
    workflows = sorted(str(p) for p in (main_job.target / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) >= 4  # ci, rollback, blue-green, canary
    done = main_job.run(
        sys.executable,
        "-m",
        "check_jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        *workflows,
    )
    assert done.returncode == 0, output(done)
    for path in workflows:
        assert "continue-on-error" not in Path(path).read_text(), path


def test_a_second_run_shows_every_task_done(main_job: MainJob) -> None:
    done = main_job.orchestrate("--all", "-n", "2", "-rs")
    out = output(done)
    assert done.returncode == 0, out[-4000:]
    last = done.stdout.strip().splitlines()[-1]  # pytest's final line
    assert "done" in last and "changed" not in last and "failed" not in last, last


def test_redo_shows_every_task_ok_without_a_diff(main_job: MainJob) -> None:
    done = main_job.orchestrate("--all", "--redo", "-n", "2", "-v")
    out = output(done)
    assert done.returncode == 0, out[-4000:]
    assert " CHANGED" not in out, [line for line in out.splitlines() if " CHANGED" in line]
    assert "\n+++ " not in out


def test_the_ci_gate_passes(main_job: MainJob) -> None:
    # A dry run recomputes every task to compare it with the disk (characterization probes too),
    # so it gets the workers the main job had.
    done = main_job.orchestrate("--all", "--dry-run", "--fail-on-changes", "-n", "2")
    assert done.returncode == 0, output(done)[-4000:]
