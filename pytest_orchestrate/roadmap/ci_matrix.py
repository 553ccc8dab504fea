"""A GitHub Actions workflow that runs a roadmap on many machines: ``orchestrate ci-matrix``.

One job per phase, chained with ``needs`` exactly as the dependency graph requires (the bundled
roadmap's phase 4 runs beside phases 2 and 3). Inside a phase, a matrix over its independent
groups: groups joined by a dependency share an entry, since ``--group`` runs only what it names.
With learned durations, and at most K jobs per phase, the entries are packed by longest processing
time first (as pytest-split does). A phase split over several entries gets its checkpoint in a job
of its own, after all of them, since a checkpoint only runs with its whole phase.

Resume across jobs goes through the pytest cache: each job saves ``.pytest_cache/d/orchestrate``
under its own key, and a job restores the caches of the jobs it needs, one after the other into the
same folder. Records are one file per task, so those restores add up to the union of what the
upstream jobs finished. The files a job changed travel beside its records as a patch, applied by
the jobs after it on their fresh checkouts, so a task done upstream still finds its files. A final
job merges every job's JUnit file into one report and saves the union for the next run's first
jobs.

Pure text from a roadmap, its graph and a mapping of durations: no pytest, no file written. The
same inputs give the same bytes.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .graph import BARRIER, Graph
from .keys import checkpoint_node
from .model import Group, Phase, Roadmap

CACHE_PATH = ".pytest_cache/d/orchestrate"
CHANGES = f"{CACHE_PATH}/changes"  # each job's changes to the repository, as a patch
JUNIT_DIR = "junit"
CACHE_PREFIX = "orchestrate"
RUN = "${{ github.run_id }}"
MERGE_SCRIPT = """\
import glob
import xml.etree.ElementTree as ET

merged = ET.Element("testsuites")
for path in sorted(glob.glob("junit/*.xml")):
    root = ET.parse(path).getroot()
    for suite in [root] if root.tag == "testsuite" else list(root):
        suite.set("name", path.rsplit("/", 1)[-1].removesuffix(".xml"))
        merged.append(suite)
for key in ("tests", "failures", "errors", "skipped"):
    merged.set(key, str(sum(int(suite.get(key, 0)) for suite in merged)))
ET.ElementTree(merged).write("roadmap-junit.xml", encoding="utf-8", xml_declaration=True)
print(f"{len(merged)} JUnit files, {merged.get('tests')} items, {merged.get('failures')} failed")
"""


# A job starts from the checked-out files plus the patches of the jobs before it (their order is
# their depth in the ``needs`` graph: a file two jobs write is written by a job and one after it).
APPLY_SCRIPT = f"""\
mkdir -p {CHANGES}
for patch in $(ls {CHANGES}/*.patch 2>/dev/null | sort); do git apply --index "$patch"; done
git -c user.name=roadmap -c user.email=roadmap@localhost commit --quiet --no-verify --allow-empty \\
  -m "Changes of earlier roadmap jobs"
"""
# What this job changed, relative to what it started from. Neither the JUnit folder nor the
# cache is a change (a restored cache folder lacks the .gitignore pytest would have put there).
KEEP_SCRIPT = f"""\
mkdir -p {CHANGES}
git add --all -- . ':!{JUNIT_DIR}' ':!.pytest_cache'
git diff --cached --quiet HEAD || git diff --cached --binary HEAD > "{{patch}}"
"""


@dataclass(frozen=True)
class Entry:
    """One matrix entry: the groups one machine runs, and their expected seconds of work."""

    groups: tuple[Group, ...]
    seconds: float

    @property
    def name(self) -> str:
        """``a`` or ``a-c``: the entry's name in job names, cache keys and JUnit files."""
        return "-".join(g.letter for g in self.groups)

    @property
    def select(self) -> str:
        """The pytest options that select its groups."""
        return " ".join(f"--group {g.letter}" for g in self.groups)


@dataclass(frozen=True)
class PhaseJobs:
    """How a phase is spread over jobs: its matrix, and whether its checkpoint has its own job."""

    phase: Phase
    entries: tuple[Entry, ...]

    @property
    def job(self) -> str:
        return self.phase.key

    @property
    def split(self) -> bool:
        """Several entries: the checkpoint, which needs its whole phase, runs in a job after."""
        return len(self.entries) > 1

    @property
    def checkpoint_job(self) -> str | None:
        if self.phase.checkpoint is None:
            return None
        return f"{self.phase.key}-checkpoint" if self.split else self.job


def independent_groups(phase: Phase, graph: Graph) -> list[tuple[Group, ...]]:
    """The phase's groups, joined where a task of one waits (directly or not) on another's."""
    owner = {t.id: g.key for g in phase.groups for t in g.tasks}
    parent = {g.key: g.key for g in phase.groups}

    def root(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    for group in phase.groups:
        for task in group.tasks:
            for dep in graph.ancestors([task.id]):
                other = owner.get(dep) or (dep if dep in parent else None)
                if other is not None:
                    parent[root(other)] = root(group.key)
    parts: dict[str, list[Group]] = {}
    for group in phase.groups:
        parts.setdefault(root(group.key), []).append(group)
    return [tuple(p) for p in parts.values()]


def pack(
    parts: list[tuple[Group, ...]], seconds: Mapping[str, float], max_jobs: int | None
) -> tuple[Entry, ...]:
    """At most ``max_jobs`` entries, balanced greedily: the longest part goes to the lightest job.

    A part's weight is its tasks' learned seconds (an unknown task at the median of the known
    ones); with nothing learned, its number of tasks.
    """
    known = [s for s in seconds.values() if s > 0]
    typical = statistics.median(known) if known else 1.0

    def weight(part: tuple[Group, ...]) -> float:
        return sum(float(seconds.get(t.id, typical)) for g in part for t in g.tasks)

    if max_jobs is None or max_jobs >= len(parts):
        return tuple(Entry(p, weight(p)) for p in parts)
    order = {g.key: i for i, g in enumerate(g for p in parts for g in p)}
    bins: list[list[Group]] = [[] for _ in range(max(1, max_jobs))]
    load = [0.0] * len(bins)
    for part in sorted(parts, key=lambda p: (-weight(p), order[p[0].key])):
        lightest = min(range(len(bins)), key=lambda i: (load[i], i))
        bins[lightest] += part
        load[lightest] += weight(part)
    entries = [
        Entry(tuple(sorted(b, key=lambda g: order[g.key])), load[i])
        for i, b in enumerate(bins)
        if b
    ]
    return tuple(sorted(entries, key=lambda e: order[e.groups[0].key]))


def plan_jobs(
    roadmap: Roadmap, graph: Graph, seconds: Mapping[str, float], max_jobs: int | None
) -> list[PhaseJobs]:
    """Each phase's matrix entries."""
    return [
        PhaseJobs(phase, pack(independent_groups(phase, graph), seconds, max_jobs))
        for phase in roadmap.phases
        if phase.groups
    ]


def job_needs(roadmap: Roadmap, graph: Graph, jobs: list[PhaseJobs]) -> dict[str, list[str]]:
    """Job id -> the jobs it needs: from every edge that crosses phases, transitively reduced."""
    by_phase = {j.phase.key: j for j in jobs}
    needs: dict[str, set[str]] = {}
    for j in jobs:
        needs[j.job] = set()
        if j.split and j.checkpoint_job is not None:
            needs[j.checkpoint_job] = {j.job}
    for node, deps in graph.deps.items():
        phase = graph.phase[node]
        if graph.kind[node] == BARRIER or phase not in by_phase:
            continue
        job = by_phase[phase].job
        for dep in deps:
            other = by_phase.get(graph.phase[dep])
            if other is None or graph.phase[dep] == phase:
                continue
            upstream = other.job
            if dep == checkpoint_node(other.phase.key) and other.checkpoint_job is not None:
                upstream = other.checkpoint_job
            needs[job].add(upstream)
    return {job: _reduce(job, needs) for job in needs}


def _reduce(job: str, needs: Mapping[str, set[str]]) -> list[str]:
    """Drop a need that another need already waits for (``phase_3`` needs ``phase_2``, not 1)."""

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for n in needs[stack.pop()]:
                if n not in seen:
                    seen.add(n)
                    stack.append(n)
        return seen

    direct = needs[job]
    implied = set().union(*(reach(n) for n in direct)) if direct else set()
    return sorted(direct - implied, key=_job_order(needs))


def _job_order(needs: Mapping[str, set[str]]) -> Any:
    order = {job: i for i, job in enumerate(needs)}
    return order.__getitem__


def workflow(
    roadmap: Roadmap,
    graph: Graph,
    *,
    roadmap_file: str,
    seconds: Mapping[str, float] | None = None,
    max_jobs: int | None = None,
    node_dir: str | None = None,
    python: str = "3.11",
    options: str = "",
) -> str:
    """The workflow's YAML text.

    ``roadmap_file`` is the roadmap's path from the repository root; ``node_dir``, if given, is the
    folder (from the root) whose ``package-lock.json`` ``npm ci`` installs before the run;
    ``options`` go on every pytest command line (``--project-root=app``).
    """
    jobs = plan_jobs(roadmap, graph, seconds or {}, max_jobs)
    needs = job_needs(roadmap, graph, jobs)
    entries = {j.job: j.entries for j in jobs}
    pytest_args = f"--roadmap={roadmap_file}" + (f" {options}" if options else "")
    layout = _Layout(needs, entries, _depths(needs), pytest_args, node_dir, python)
    out: dict[str, Any] = {}
    for j in jobs:
        out[j.job] = _phase_job(j, layout)
        if j.split and j.checkpoint_job is not None:
            out[j.checkpoint_job] = _checkpoint_job(j, layout)
    leaves = [job for job in out if not any(job in n for n in needs.values())]
    out["report"] = _report_job(list(out), leaves, entries)
    document = {
        "name": "Roadmap",
        "on": {"workflow_dispatch": {}},
        "permissions": {"contents": "read"},
        "jobs": out,
    }
    header = (
        f"# Generated by `orchestrate ci-matrix` from {roadmap_file}; regenerate, do not edit.\n"
        "# One job per phase, a matrix over its independent groups; the pytest cache carries\n"
        "# what is done from job to job.\n"
    )
    return header + yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000)


def _setup(node_dir: str | None, python: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [
        {"uses": "actions/checkout@v4"},
        {"uses": "actions/setup-python@v5", "with": {"python-version": python}},
    ]
    install = "pip install pytest-orchestrate[xdist]"
    if node_dir is not None:
        steps.append({"uses": "actions/setup-node@v4", "with": {"node-version": "20"}})
        install += f"\nnpm ci --prefix {node_dir}" if node_dir not in ("", ".") else "\nnpm ci"
    steps.append({"name": "Install", "run": install + "\n"})
    return steps


def _key(job: str, entry: str) -> str:
    return f"{CACHE_PREFIX}-{RUN}-{job}-{entry}-"


def _restores(
    job: str, needs: Mapping[str, list[str]], entries: Mapping[str, tuple[Entry, ...]]
) -> list[dict[str, Any]]:
    """Restore what each needed job saved; a first job starts from the last run's union."""
    upstream = [(n, _entry_names(n, entries)) for n in needs.get(job, [])]
    if not upstream:
        return [
            _restore("Restore the last run's records", f"{CACHE_PREFIX}-final-"),
            # A new run starts from the checked-out files: last run's patches are history.
            {"name": "Start from the checked-out files", "run": f"rm -rf {CHANGES}\n"},
        ]
    return [
        *(
            _restore(f"Restore the records of {n}" + (f" ({e})" if e != "all" else ""), _key(n, e))
            for n, names in upstream
            for e in names
        ),
        {"name": "Apply the changes of earlier jobs", "run": APPLY_SCRIPT},
    ]


def _entry_names(job: str, entries: Mapping[str, tuple[Entry, ...]]) -> list[str]:
    if job in entries:
        return [e.name for e in entries[job]] if len(entries[job]) > 1 else ["all"]
    return ["all"]  # a checkpoint job


def _restore(name: str, prefix: str) -> dict[str, Any]:
    return {
        "name": name,
        "uses": "actions/cache/restore@v4",
        "with": {
            "path": CACHE_PATH,
            "key": prefix + "${{ github.run_attempt }}",
            "restore-keys": prefix,
        },
    }


def _run_steps(
    job: str, entry: str, select: str, pytest_args: str, depth: int
) -> list[dict[str, Any]]:
    junit = f"{JUNIT_DIR}/{job}-{entry}.xml"
    run = f"pytest {pytest_args} {select} --junitxml={junit}".replace("  ", " ")
    patch = f"{CHANGES}/{depth:02d}-{job}-{entry}.patch"
    return [
        {"name": "Run", "run": run},
        {
            "name": "Keep this job's changes",
            "if": "always()",
            "run": KEEP_SCRIPT.format(patch=patch),
        },
        {
            "name": "Save the records",
            "if": "always()",
            "uses": "actions/cache/save@v4",
            "with": {"path": CACHE_PATH, "key": _key(job, entry) + "${{ github.run_attempt }}"},
        },
        {
            "name": "Upload the JUnit report",
            "if": "always()",
            "uses": "actions/upload-artifact@v4",
            "with": {"name": f"junit-{job}-{entry}", "path": junit, "if-no-files-found": "ignore"},
        },
    ]


def _base(name: str, job: str, needs: Mapping[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    if needs.get(job):
        out["needs"] = needs[job]
    out["runs-on"] = "ubuntu-latest"
    return out


@dataclass(frozen=True)
class _Layout:
    """What every job's steps are made from."""

    needs: Mapping[str, list[str]]
    entries: Mapping[str, tuple[Entry, ...]]
    depth: Mapping[str, int]
    pytest_args: str  # the roadmap and any options every run needs
    node_dir: str | None
    python: str

    def steps(self, job: str, entry: str, select: str) -> list[dict[str, Any]]:
        return [
            *_setup(self.node_dir, self.python),
            *_restores(job, self.needs, self.entries),
            *_run_steps(job, entry, select, self.pytest_args, self.depth[job]),
        ]


def _depths(needs: Mapping[str, list[str]]) -> dict[str, int]:
    """How many jobs a job waits for in a row: the order its patch is applied in."""
    depth = dict.fromkeys(needs, 0)
    for _ in needs:  # a longest path has at most one edge per job
        for job, before in needs.items():
            depth[job] = max([depth[job], *(depth[n] + 1 for n in before)])
    return depth


def _phase_job(j: PhaseJobs, layout: _Layout) -> dict[str, Any]:
    phase = f"--phase {j.phase.number}"
    needs = layout.needs
    if not j.split:
        out = _base(f"{j.phase.key}: {j.phase.name}", j.job, needs)
        out["steps"] = layout.steps(j.job, "all", phase)
    else:
        out = _base(f"{j.phase.key}: {j.phase.name} (${{{{ matrix.groups }}}})", j.job, needs)
        out["strategy"] = {
            "fail-fast": False,
            "matrix": {"include": [{"groups": e.name, "select": e.select} for e in j.entries]},
        }
        out["steps"] = layout.steps(
            j.job, "${{ matrix.groups }}", f"{phase} ${{{{ matrix.select }}}}"
        )
    return out


def _checkpoint_job(j: PhaseJobs, layout: _Layout) -> dict[str, Any]:
    assert j.checkpoint_job is not None and j.phase.checkpoint is not None
    job = j.checkpoint_job
    out = _base(f"{j.phase.key} checkpoint: {j.phase.checkpoint.name}", job, layout.needs)
    out["steps"] = layout.steps(job, "all", f"--phase {j.phase.number}")
    return out


def _report_job(
    jobs: list[str], leaves: list[str], entries: Mapping[str, tuple[Entry, ...]]
) -> dict[str, Any]:
    """Merge every JUnit file; save the union of the last jobs' records for the next run."""
    restores = [
        _restore(f"Restore the records of {n}" + (f" ({e})" if e != "all" else ""), _key(n, e))
        for n in leaves
        for e in _entry_names(n, entries)
    ]
    return {
        "name": "Roadmap report",
        "needs": jobs,
        "if": "always()",
        "runs-on": "ubuntu-latest",
        "steps": [
            {
                "uses": "actions/download-artifact@v4",
                "with": {"pattern": "junit-*", "path": JUNIT_DIR, "merge-multiple": True},
            },
            {"name": "Merge the JUnit reports", "shell": "python", "run": MERGE_SCRIPT},
            {
                "uses": "actions/upload-artifact@v4",
                "with": {"name": "roadmap-junit", "path": "roadmap-junit.xml"},
            },
            *restores,
            {
                "name": "Save the records for the next run",
                "uses": "actions/cache/save@v4",
                "with": {
                    "path": CACHE_PATH,
                    "key": f"{CACHE_PREFIX}-final-{RUN}-${{{{ github.run_attempt }}}}",
                },
            },
        ],
    }


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings (``run:`` scripts), so the workflow reads as written."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
