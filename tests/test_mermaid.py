"""The plan as a Mermaid flowchart: its text, its colours from the cache, and a real browser render.

The render test installs ``mermaid`` from npm into pytest's cache folder and draws the bundled
roadmap in headless Chromium from a local page (no network once installed); it is skipped, saying
why, where Chromium or npm is missing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_orchestrate.cli import pytest_args
from pytest_orchestrate.roadmap.graph import build_graph
from pytest_orchestrate.roadmap.load import load_roadmap
from pytest_orchestrate.roadmap.model import BUILTIN_TASK_MODELS, Roadmap
from pytest_orchestrate.session.mermaid import flowchart
from pytest_orchestrate.session.summary import coverage_charts

BUNDLED = Path(__file__).parent.parent / "config" / "phases.yaml"
MERMAID_VERSION = "11"


def load(path: Path) -> Roadmap:
    return load_roadmap(
        path, display=path.name, task_models=BUILTIN_TASK_MODELS, default_root=path.parent
    )


def bundled_chart(states: dict[str, str] | None = None) -> tuple[Roadmap, str]:
    roadmap = load(BUNDLED)
    return roadmap, flowchart(roadmap, build_graph(roadmap), states)  # type: ignore[arg-type]


def test_every_task_is_a_labelled_node_and_every_group_a_subgraph() -> None:
    roadmap, text = bundled_chart()
    for task in roadmap.tasks():
        node = "t" + task.id.replace(".", "_")
        assert f'    {node}["{task.id} {task.name}"]' in text.replace("#amp;", "&")
    groups = [g for p in roadmap.phases for g in p.groups]
    assert len(re.findall(r"^\s+subgraph group_", text, re.M)) == len(groups)
    assert len(re.findall(r"^\s+subgraph phase_", text, re.M)) == len(roadmap.phases)
    checkpoints = [p for p in roadmap.phases if p.checkpoint is not None]
    assert len(re.findall(r'^\s+cp\d+\{"checkpoint: ', text, re.M)) == len(checkpoints)
    assert "#amp;" in text  # "Foundation & Quick Wins" cannot break the label


def test_a_phase_dependency_is_one_edge_between_phases_not_one_per_task_pair() -> None:
    _, text = bundled_chart()
    edges = re.findall(r"^  (\S+) --> (\S+)$", text, re.M)
    # Phase 1's checkpoint blocks, so phases 2 and 4 wait for it: one edge from it, none per task.
    assert ("cp1", "phase_2") in edges
    assert ("cp1", "phase_4") in edges  # phase 4 waits only for phase 1
    assert ("cp5", "phase_6") in edges or ("phase_5", "phase_6") in edges
    # Nothing from a barrier straight to one task of a phase that the barrier fully precedes.
    assert not [e for e in edges if e[0] in ("phase_1", "cp1") and e[1].startswith("t2_")]
    # A checkpoint waits for its phase: one edge from each group.
    assert ("group_a", "cp1") in edges and ("group_b", "cp1") in edges
    assert len(edges) == len(set(edges))


def test_the_same_roadmap_gives_the_same_text() -> None:
    assert bundled_chart()[1] == bundled_chart()[1]


STATES_ROADMAP = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: parallel
      tasks:
        - {id: "1.1", name: already fine, type: noop}
        - {id: "1.2", name: runs a program, type: command, run: "true"}
  checkpoint:
    name: One works
    checks:
      - {name: never, type: command, run: "exit 1"}
phase_2:
  name: Two
  depends_on: []
  groups:
    group_b:
      name: B
      tasks:
        - {id: "2.1", name: ask a human, type: manual, instructions: "Check it."}
        - {id: "2.2", name: after the human, type: command, run: "true"}
phase_3:
  name: Three
  depends_on: []
  groups:
    group_c:
      name: C
      tasks:
        - {id: "3.1", name: later, type: command, run: "true"}
"""

NOOP_TYPE = """
from pytest_orchestrate import Result

def noop(task, workspace, settings):
    return Result.ok()

def pytest_orchestrate_register_task_types(registry):
    registry.add("noop", noop)
"""


def classes(text: str) -> dict[str, str]:
    """Mermaid node id -> its class, from ``class a,b state`` lines."""
    out = {}
    for members, state in re.findall(r"^  class (\S+) (\w+)$", text, re.M):
        for member in members.split(","):
            out[member] = state
    return out


def test_nodes_are_coloured_by_what_the_cache_records(
    pytester: pytest.Pytester, roadmap: Callable[[str], Path]
) -> None:
    roadmap(STATES_ROADMAP)
    pytester.makeconftest(NOOP_TYPE)
    pytester.runpytest("--phase", "1", "--phase", "2", "-p", "no:randomly")
    result = pytester.runpytest(
        "--all", "--collect-only", "--orchestrate-plan-mermaid=plan.mmd", "-p", "no:randomly"
    )
    assert result.ret == 0
    text = (pytester.path / "plan.mmd").read_text()
    assert classes(text) == {
        "t1_1": "done",
        "t1_2": "changed",
        "cp1": "failed",
        "t2_1": "manual",
        "t2_2": "blocked",
        "t3_1": "not_started",
    }
    assert "classDef done fill:" in text


def test_plan_format_mermaid_maps_onto_the_pytest_option() -> None:
    assert pytest_args(["plan", "--format", "mermaid"])[-3:] == [
        "-qq",
        "--orchestrate-plan-mermaid=-",
        "--all",
    ]
    args = pytest_args(["plan", "--format", "mermaid", "--output", "plan.mmd", "--phase", "2"])
    assert "--orchestrate-plan-mermaid=plan.mmd" in args and "--all" not in args


def test_the_cli_prints_the_flowchart_on_stdout(
    pytester: pytest.Pytester, roadmap: Callable[[str], Path]
) -> None:
    roadmap(STATES_ROADMAP)
    pytester.makeconftest(NOOP_TYPE)
    result = pytester.runpytest(*pytest_args(["plan", "--format", "mermaid"]))
    assert result.ret == 0
    result.stdout.fnmatch_lines(["flowchart TB", '  subgraph phase_1["phase_1: One"]', "*t2_2*"])


# -- a real browser ------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>body {{ margin: 0; background: white; }}</style></head>
<body><div id="out"></div>
<script src="{script}"></script>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict", theme: "default"}});
mermaid.render("roadmap", {source}).then(
  (r) => {{ document.getElementById("out").innerHTML = r.svg; document.title = "rendered"; }},
  (e) => {{ document.getElementById("out").textContent = "RENDER FAILED: " + e; }});
</script></body></html>
"""


@pytest.fixture(scope="session")
def mermaid_js(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mermaid.min.js``, installed once from npm into pytest's cache folder."""
    if shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): cannot render Mermaid")
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install mermaid to render the flowchart")
    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("mermaid-npm") if cache is not None else tmp_path_factory.mktemp("npm")
    script = folder / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    if not script.is_file():
        (folder / "package.json").write_text('{"private": true}\n')
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", f"mermaid@{MERMAID_VERSION}"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0 or not script.is_file():
            pytest.skip(f"npm install mermaid failed (no registry?): {done.stderr[-500:]}")
    return script


def render(script: Path, source: str, where: Path, screenshot: Path | None = None) -> str:
    """The page's DOM after Mermaid drew ``source`` in headless Chromium (and a PNG if asked)."""
    page = where / "page.html"
    literal = json.dumps(source).replace("</", "<\\/")
    page.write_text(PAGE.format(script=script.as_uri(), source=literal), encoding="utf-8")
    args = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    args.append("--virtual-time-budget=20000")  # let the asynchronous render finish first
    if screenshot is not None:
        args += [f"--screenshot={screenshot}", "--window-size=1800,2080"]
    else:
        args.append("--dump-dom")
    done = subprocess.run(
        [*args, page.as_uri()], capture_output=True, text=True, timeout=120, check=False
    )
    return done.stdout


def test_the_bundled_roadmap_renders_in_a_browser_with_a_node_per_task_and_a_box_per_group(
    mermaid_js: Path, tmp_path: Path
) -> None:
    roadmap, text = bundled_chart({"1.1": "done", "1.2": "changed", "1.3": "failed"})
    dom = render(mermaid_js, text, tmp_path)
    assert "<title>rendered</title>" in dom, dom[-2000:]
    nodes = re.findall(r'<g class="node [^"]*" id="roadmap-flowchart-(\w+)-\d+"', dom)
    tasks = {"t" + t.id.replace(".", "_") for t in roadmap.tasks()}
    checkpoints = {f"cp{p.number}" for p in roadmap.phases if p.checkpoint is not None}
    assert sorted(nodes) == sorted(tasks | checkpoints)
    clusters = re.findall(r'<g class="cluster[^"]*" id="roadmap-(\w+)"', dom)
    groups = [g.key for p in roadmap.phases for g in p.groups]
    assert sorted(c for c in clusters if c.startswith("group_")) == sorted(groups)
    assert sorted(c for c in clusters if c.startswith("phase_")) == sorted(
        p.key for p in roadmap.phases
    )
    coloured = dict(re.findall(r'<g class="node default (\w+)" id="roadmap-flowchart-(\w+)-', dom))
    assert {v: k for k, v in coloured.items()}.get("t1_3") == "failed"


def test_a_screenshot_of_the_flowchart_is_a_png(mermaid_js: Path, tmp_path: Path) -> None:
    _, text = bundled_chart()
    png = tmp_path / "roadmap.png"
    render(mermaid_js, text, tmp_path, screenshot=png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000  # a drawing, not a blank page


def test_the_coverage_chart_of_the_step_summary_renders(mermaid_js: Path, tmp_path: Path) -> None:
    def record(at: str, covered: int) -> dict[str, object]:
        totals = {"lines": {"total": 200, "covered": covered}}
        return {
            "at": at,
            "node": "config/phases.yaml::phase_1::checkpoint",
            "key": "k",
            "totals": totals,
        }

    markdown = coverage_charts(
        [record("2026-11-20T14:02:00", 52), record("2026-11-27T09:30:00", 160)]
    )
    source = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    dom = render(mermaid_js, source, tmp_path)
    assert "<title>rendered</title>" in dom, dom[-2000:]
    assert "11-20 14:02 phase_1" in dom and "11-27 09:30 phase_1" in dom
    assert re.search(r'<g class="line-plot-0"', dom)
