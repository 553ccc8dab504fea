"""``orchestrate ci-matrix``: a GitHub Actions workflow that runs the roadmap on many machines."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_orchestrate.cli import pytest_args
from pytest_orchestrate.edit.workflow import check_workflow
from pytest_orchestrate.roadmap.ci_matrix import MERGE_SCRIPT, workflow
from pytest_orchestrate.roadmap.graph import build_graph
from pytest_orchestrate.roadmap.load import load_roadmap
from pytest_orchestrate.roadmap.model import BUILTIN_TASK_MODELS, Roadmap

BUNDLED = Path(__file__).parent.parent / "config" / "phases.yaml"


def load(path: Path) -> Roadmap:
    return load_roadmap(
        path, display=path.name, task_models=BUILTIN_TASK_MODELS, default_root=path.parent
    )


def generate(path: Path = BUNDLED, **options: Any) -> str:
    roadmap = load(path)
    return workflow(roadmap, build_graph(roadmap), roadmap_file="config/phases.yaml", **options)


def jobs(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(text)["jobs"]
    return data


def entries(job: dict[str, Any]) -> list[str]:
    """A phase job's matrix entries by name; one unnamed entry for a job without a matrix."""
    matrix = job.get("strategy", {}).get("matrix", {}).get("include")
    return [e["groups"] for e in matrix] if matrix else ["all"]


@pytest.mark.parametrize("max_jobs", [None, 1, 2])
def test_the_workflow_passes_the_github_workflow_schema(max_jobs: int | None) -> None:
    check_workflow(generate(max_jobs=max_jobs, node_dir="examples/educonnect"), filename="r.yml")


def test_needs_chain_the_jobs_exactly_as_the_phases_depend_on_each_other() -> None:
    needs: dict[str, set[str]] = {}
    for name, job in jobs(generate()).items():
        if name == "report":
            continue
        phase = name.removesuffix("-checkpoint")
        needs.setdefault(phase, set()).update(
            n.removesuffix("-checkpoint") for n in job.get("needs", []) if not n.startswith(phase)
        )
    assert needs == {
        "phase_1": set(),
        "phase_2": {"phase_1"},
        "phase_3": {"phase_2"},
        "phase_4": {"phase_1"},  # beside phases 2 and 3
        "phase_5": {"phase_3"},
        "phase_6": {"phase_4", "phase_5"},
    }


def test_a_blocking_checkpoint_is_what_the_next_phase_needs() -> None:
    text = generate()
    # phase_5's checkpoint blocks, and phase_5 runs as one job, so phase_6 needs that job.
    assert "phase_5" in jobs(text)["phase_6"]["needs"]
    # phase_1's checkpoint blocks too (it measures the starting coverage), and runs as a job of
    # its own after phase_1's tasks: phases 2 and 4 need that checkpoint job.
    assert jobs(text)["phase_2"]["needs"] == ["phase_1-checkpoint"]
    assert jobs(text)["phase_4"]["needs"] == ["phase_1-checkpoint"]
    assert jobs(text)["phase_1-checkpoint"]["needs"] == ["phase_1"]


def test_each_independent_group_is_one_matrix_entry() -> None:
    found = {name: entries(job) for name, job in jobs(generate()).items() if name != "report"}
    assert found["phase_1"] == ["a", "b"]
    assert found["phase_2"] == ["c", "d"]
    # In phase 5, 5.13 waits for groups k and l: the three groups run in one job.
    assert found["phase_5"] == ["all"]
    run = next(s["run"] for s in jobs(generate())["phase_1"]["steps"] if s.get("name") == "Run")
    assert "--phase 1 ${{ matrix.select }}" in run and "--junitxml=junit/phase_1-" in run


TWO_WAITING = """
phase_1:
  name: One
  groups:
    group_x: {name: X, tasks: [{id: "1.1", name: x, type: command, run: "true"}]}
    group_y:
      name: Y
      depends_on: [group_x]
      tasks: [{id: "1.2", name: y, type: command, run: "true"}]
    group_z: {name: Z, tasks: [{id: "1.3", name: z, type: command, run: "true"}]}
  checkpoint:
    name: One works
    checks: [{name: ok, type: command, run: "true"}]
"""


def test_groups_joined_by_a_dependency_share_an_entry_and_the_checkpoint_runs_after(
    tmp_path: Path,
) -> None:
    (tmp_path / "phases.yaml").write_text(TWO_WAITING)
    found = jobs(generate(tmp_path / "phases.yaml"))
    assert entries(found["phase_1"]) == ["x-y", "z"]
    selects = [e["select"] for e in found["phase_1"]["strategy"]["matrix"]["include"]]
    assert selects == ["--group x --group y", "--group z"]
    assert found["phase_1-checkpoint"]["needs"] == ["phase_1"]
    restores = [
        s["with"]["restore-keys"]
        for s in found["phase_1-checkpoint"]["steps"]
        if "restore-keys" in s.get("with", {})
    ]
    run = "${{ github.run_id }}"
    assert restores == [f"orchestrate-{run}-phase_1-x-y-", f"orchestrate-{run}-phase_1-z-"]


THREE_GROUPS = """
phase_1:
  name: One
  groups:
    group_a: {name: A, tasks: [{id: "1.1", name: a, type: command, run: "true"}]}
    group_b: {name: B, tasks: [{id: "1.2", name: b, type: command, run: "true"}]}
    group_c: {name: C, tasks: [{id: "1.3", name: c, type: command, run: "true"}]}
"""


def test_learned_durations_pack_groups_into_at_most_k_jobs_longest_first(tmp_path: Path) -> None:
    (tmp_path / "phases.yaml").write_text(THREE_GROUPS)
    by_count = jobs(generate(tmp_path / "phases.yaml", max_jobs=2))
    assert entries(by_count["phase_1"]) == ["a-c", "b"]
    learned = {"1.1": 6.0, "1.2": 3.0, "1.3": 3.0}
    by_time = jobs(generate(tmp_path / "phases.yaml", max_jobs=2, seconds=learned))
    assert entries(by_time["phase_1"]) == ["a", "b-c"]
    assert entries(jobs(generate(tmp_path / "phases.yaml", max_jobs=1))["phase_1"]) == ["all"]


def test_the_same_roadmap_and_records_give_byte_identical_workflows(
    pytester: pytest.Pytester, roadmap: Callable[[str], Path]
) -> None:
    roadmap(THREE_GROUPS.replace('run: "true"', 'run: "sleep 0.1"'))
    pytester.runpytest("--all", "-p", "no:randomly").assert_outcomes(passed=3)
    outputs = []
    for name in ("one.yml", "two.yml"):
        args = pytest_args(["ci-matrix", "--output", name, "--max-jobs", "2"])
        assert pytester.runpytest(*args).ret == 0
        outputs.append((pytester.path / name).read_bytes())
    assert outputs[0] == outputs[1]
    check_workflow(outputs[0].decode(), filename="one.yml")
    assert "--roadmap=config/phases.yaml" in outputs[0].decode()


def test_the_report_job_merges_real_junit_files(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_one="def test_a(): pass\ndef test_b(): assert False\n",
        test_two="import pytest\n@pytest.mark.skip\ndef test_c(): pass\n",
    )
    (pytester.path / "junit").mkdir()
    pytester.runpytest("test_one.py", "--junitxml=junit/phase_1-a.xml")
    pytester.runpytest("test_two.py", "--junitxml=junit/phase_1-b.xml")
    report = jobs(generate())["report"]
    script = next(s["run"] for s in report["steps"] if s.get("shell") == "python")
    assert script == MERGE_SCRIPT
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=pytester.path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    merged = ET.parse(pytester.path / "roadmap-junit.xml").getroot()
    assert [s.get("name") for s in merged] == ["phase_1-a", "phase_1-b"]
    assert (merged.get("tests"), merged.get("failures"), merged.get("skipped")) == ("3", "1", "1")
    assert report["if"] == "always()"
    assert set(report["needs"]) == set(jobs(generate())) - {"report"}


def test_every_job_restores_what_the_jobs_it_needs_saved() -> None:
    found = jobs(generate())
    saved = {}
    for name, job in found.items():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/cache/save"):
                saved[name] = step["with"]["key"]
    for name, job in found.items():
        restored = [
            s["with"]["restore-keys"]
            for s in job["steps"]
            if s.get("uses", "").startswith("actions/cache/restore")
        ]
        for need in job.get("needs", []) if name != "report" else []:
            key = saved[need].removesuffix("${{ github.run_attempt }}")
            prefix = key.split("${{ matrix.groups }}")[0]
            assert any(r.startswith(prefix) for r in restored), (name, need)
    # The report saves the union of the last jobs' records for the next run's first jobs.
    report = [s["name"] for s in found["report"]["steps"] if "restore-keys" in s.get("with", {})]
    assert "Restore the records of phase_6-checkpoint" in report  # the last job
    first = [s for s in found["phase_1"]["steps"] if "restore-keys" in s.get("with", {})]
    assert [s["with"]["restore-keys"] for s in first] == ["orchestrate-final-"]


def test_ci_matrix_maps_onto_the_pytest_option() -> None:
    assert pytest_args(["ci-matrix"])[-1] == "--orchestrate-ci-matrix=.github/workflows/roadmap.yml"
    assert "--orchestrate-ci-max-jobs=3" in pytest_args(["ci-matrix", "--max-jobs", "3"])


SPREAD = """
phase_1:
  name: One
  groups:
    group_a: {name: A, tasks: [{id: "1.1", name: a, type: command, run: "echo a > a.txt"}]}
    group_b: {name: B, tasks: [{id: "1.2", name: b, type: command, run: "echo b > b.txt"}]}
  checkpoint:
    name: Both wrote
    blocking: true
    checks: [{name: both, type: command, run: "cat a.txt b.txt"}]
phase_2:
  name: Two
  groups:
    group_c: {name: C, tasks: [{id: "2.1", name: c, type: command, run: "cat a.txt b.txt"}]}
"""


def test_jobs_played_on_fresh_checkouts_resume_from_what_the_jobs_they_need_saved(
    pytester: pytest.Pytester, roadmap: Callable[[str], Path], tmp_path: Path, assert_counts
) -> None:
    """Each job of the workflow, played locally on a fresh checkout of a git repository: restore
    = copy what the needed jobs saved into an empty cache folder; then the job's own scripts and
    its pytest command; save = keep a copy of the folder."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    roadmap(SPREAD)
    found = jobs(workflow_of(pytester))
    git(pytester.path, "init", "-q")
    git(pytester.path, "add", "-A")
    git(pytester.path, "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "base")
    base = git(pytester.path, "rev-parse", "HEAD").strip()
    cache = pytester.path / ".pytest_cache" / "d" / "orchestrate"
    saved: dict[str, list[Path]] = {}
    ran: list[str] = []
    for name in [j for j in found if j != "report"]:  # written in an order that respects needs
        job = found[name]
        assert all(n in saved for n in job.get("needs", []))
        for entry in job.get("strategy", {}).get("matrix", {}).get("include", [{}]):
            git(pytester.path, "checkout", "-qf", base)
            git(pytester.path, "clean", "-qfdx", "-e", "junit")
            cache.mkdir(parents=True)
            for need in job.get("needs", []):
                for folder in saved[need]:
                    shutil.copytree(folder, cache, dirs_exist_ok=True)
            for step in job["steps"]:
                script = step.get("run", "")
                script = script.replace("${{ matrix.select }}", entry.get("select", ""))
                script = script.replace("${{ matrix.groups }}", entry.get("groups", "all"))
                if step.get("name") == "Run":
                    result = pytester.runpytest(*shlex.split(script)[1:], "-p", "no:randomly")
                elif script and not script.startswith("pip install"):
                    subprocess.run(["bash", "-ec", script], cwd=pytester.path, check=True)
            assert result.ret == 0, (name, entry, result.stdout.str())
            ran.append(f"{name}:{entry.get('groups', 'all')}")
            if name == "phase_1-checkpoint":
                assert_counts(result, passed=1, done=2)  # 1.1 and 1.2 DONE, from two jobs
                assert (pytester.path / "a.txt").is_file() and (pytester.path / "b.txt").is_file()
            if name == "phase_2":
                result.assert_outcomes(passed=1)  # not blocked: phase 1's checkpoint is recorded
            keep = tmp_path / "saved" / f"{name}-{entry.get('groups', 'all')}"
            shutil.copytree(cache, keep)
            saved.setdefault(name, []).append(keep)
    assert ran == ["phase_1:a", "phase_1:b", "phase_1-checkpoint:all", "phase_2:all"]
    patches = sorted(p.name for p in (tmp_path / "saved" / "phase_2-all" / "changes").iterdir())
    assert patches == ["00-phase_1-a.patch", "00-phase_1-b.patch"]  # the others changed nothing
    assert sorted(p.name for p in (pytester.path / "junit").iterdir()) == [
        "phase_1-a.xml",
        "phase_1-b.xml",
        "phase_1-checkpoint-all.xml",
        "phase_2-all.xml",
    ]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def workflow_of(pytester: pytest.Pytester) -> str:
    assert pytester.runpytest(*pytest_args(["ci-matrix", "--output", "wf.yml"])).ret == 0
    text = (pytester.path / "wf.yml").read_text()
    check_workflow(text, filename="wf.yml")
    return text


def test_options_every_run_needs_go_on_every_pytest_command() -> None:
    found = jobs(generate(options="--project-root=examples/educonnect"))
    runs = [s["run"] for job in found.values() for s in job["steps"] if s.get("name") == "Run"]
    assert runs and all(
        r.startswith(
            "pytest --roadmap=config/phases.yaml --project-root=examples/educonnect --phase"
        )
        for r in runs
    )
