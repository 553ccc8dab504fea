"""Property-based fuzzing, bounded so the file runs in well under a minute.

- the loader loads a random roadmap or raises ``RoadmapInvalid``, never anything else;
- the YAML splice keeps every untouched line of a generated workflow byte-identical;
- the Jest editor's output is a config Node still loads (one Node process for all examples);
- params reach templates as data: whatever text they hold comes out literally.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from pytest_orchestrate.edit.jest import edit_jest_config
from pytest_orchestrate.edit.yaml import YamlDocument, set_path
from pytest_orchestrate.errors import EditError, RoadmapInvalid
from pytest_orchestrate.roadmap.load import load_roadmap
from pytest_orchestrate.roadmap.model import BUILTIN_TASK_MODELS
from pytest_orchestrate.tasks.render import render_template

LOADER_EXAMPLES = 200
SPLICE_EXAMPLES = 150
JEST_EXAMPLES = 25
PARAMS_EXAMPLES = 100

FAST = settings(
    deadline=2000,  # ms per example; a slow one is a finding, not noise
    database=None,  # no .hypothesis/ folder in the repository; failures print their example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- the loader --------------------------------------------------------------

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ids = st.sampled_from(["1.1", "1.2", "2.1", "x", "", "a/b", "phase_1", "group_a"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    words,
    ids,
)
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(words, ids), inner, max_size=3)
    ),
    max_leaves=8,
)
GOOD_PATHS = ["jest.config.js", "src/a.ts", "a/../b.ts", ".github/workflows/ci.yml"]
BAD_PATHS = ["../out", "/etc/passwd", ".git/config", ".", "x\0y", "C:\\x"]


@st.composite
def tasks(draw: st.DrawFn, tid: str, pick: Any) -> dict[str, Any]:
    kind = draw(pick([*BUILTIN_TASK_MODELS], ["nope", 7]))
    task: dict[str, Any] = {"id": tid, "name": draw(words), "type": kind}
    if kind == "manual":
        task["instructions"] = draw(words)
    elif kind == "command":
        task[draw(st.sampled_from(["run", "argv"]))] = draw(st.sampled_from(["true", ["true"]]))
    elif kind == "config_edit":
        task.update(
            target=draw(pick(GOOD_PATHS, BAD_PATHS)), action=draw(pick(["yaml_set"], ["x"]))
        )
    elif kind == "file_generation":
        task.update(
            template=draw(pick(["t.j2", "a/t.j2"], ["../t.j2", "/t.j2"])),
            output=draw(pick(GOOD_PATHS, BAD_PATHS)),
        )
    elif kind == "test_generation":
        task["source"] = draw(pick(GOOD_PATHS, BAD_PATHS))
    return task


@st.composite
def roadmaps(draw: st.DrawFn) -> dict[str, Any]:
    """A valid roadmap, or (half the time) one with hostile choices and random mutations."""
    hostile = draw(st.booleans())

    def pick(good: list[Any], bad: list[Any]) -> st.SearchStrategy[Any]:
        return st.sampled_from(good + bad) if hostile else st.sampled_from(good)

    doc: dict[str, Any] = {}
    if draw(st.booleans()):
        workers = draw(st.one_of(scalars, st.integers(1, 64)) if hostile else st.integers(1, 64))
        doc["orchestrator"] = {"settings": {"max_parallel_tasks": workers}}
    names: list[str] = []
    letters = iter("abcdefghij")
    for p in range(1, draw(st.integers(1, 3)) + 1):
        groups = {}
        for g in range(draw(st.integers(0, 2))):
            group_tasks = [draw(tasks(f"{p}.{g}{i}", pick)) for i in range(draw(st.integers(1, 3)))]
            for task in group_tasks:
                if names and draw(st.booleans()):
                    task["depends_on"] = [draw(pick(names, ["9.9", "group_z", "phase_9"]))]
            names += [t["id"] for t in group_tasks]
            key = f"group_{next(letters)}"
            groups[key] = {
                "name": draw(words),
                "execution": draw(pick(["sequential", "parallel"], ["both"])),
                "tasks": group_tasks,
            }
        doc[f"phase_{p}"] = {"name": draw(words), "groups": groups}
    if not hostile:
        return doc
    # Mutations: set, replace or delete a value anywhere, with anything.
    for _ in range(draw(st.integers(0, 3))):
        node: Any = doc
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        if isinstance(node, dict):
            action = draw(st.sampled_from(["set", "delete"]))
            if action == "delete" and node:
                del node[draw(st.sampled_from(list(node)))]
            else:
                node[draw(st.one_of(words, st.sampled_from(["tasks", "name", "depends_on"])))] = (
                    draw(anything)
                )
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(anything)
    return doc


@settings(FAST, max_examples=LOADER_EXAMPLES)
@given(doc=roadmaps(), flow=st.booleans())
def test_the_loader_loads_or_raises_roadmap_invalid(
    tmp_path: Path, doc: dict[str, Any], flow: bool
) -> None:
    path = tmp_path / "config" / "phases.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True))
    try:
        roadmap = load_roadmap(path, display="phases.yaml", task_models=BUILTIN_TASK_MODELS)
    except RoadmapInvalid as e:
        event("refused")
        assert e.errors and all(err.path == "phases.yaml" for err in e.errors)
        return
    event("loaded")
    assert all(task.id for task in roadmap.tasks())


# --- the YAML splice ---------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
plain_values = st.one_of(
    st.integers(-5, 5000), names, st.sampled_from(["npm ci", "echo 'hi'", "a: b", "#x", ""])
)


@st.composite
def workflows(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A workflow text in a random house style, and its job names."""
    indent = draw(st.sampled_from([2, 4]))
    jobs = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    workflow = {
        "name": draw(names),
        "on": draw(st.sampled_from(["push", ["push", "pull_request"]])),
        "jobs": {
            job: {
                "runs-on": "ubuntu-latest",
                "steps": [
                    {"name": draw(names), "run": draw(plain_values)}
                    for _ in range(draw(st.integers(1, 3)))
                ],
            }
            for job in jobs
        },
    }
    text = yaml.safe_dump(workflow, indent=indent, sort_keys=False, default_flow_style=False)
    lines = text.splitlines(keepends=True)
    # Comments and blank lines a human left, which the edit must not touch.
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from(["# keep me\n", "\n", "#  odd   spacing\n"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return "".join(line.replace("\n", newline) for line in lines), jobs


@settings(FAST, max_examples=SPLICE_EXAMPLES)
@given(
    workflow=workflows(),
    pick=st.integers(0, 2),
    key=st.sampled_from(["timeout-minutes", "runs-on", "env"]),
    value=plain_values,
)
def test_the_yaml_splice_keeps_untouched_lines_byte_identical(
    workflow: tuple[str, list[str]], pick: int, key: str, value: Any
) -> None:
    text, jobs = workflow
    job = jobs[pick % len(jobs)]
    doc = YamlDocument(text, "ci.yml")
    changed = set_path(doc, f"jobs.{job}.{key}", value)
    after = doc.render()
    assert yaml.safe_load(after)["jobs"][job][key] == value
    if not changed:
        assert after == text
        return
    before_lines = text.splitlines(keepends=True)
    after_lines = after.splitlines(keepends=True)
    ops = [
        op
        for op in difflib.SequenceMatcher(
            None, before_lines, after_lines, autojunk=False
        ).get_opcodes()
        if op[0] != "equal"
    ]
    assert len(ops) == 1, ops  # one contiguous change; every other line kept, byte for byte
    tag, i1, i2, _, _ = ops[0]
    if key == "runs-on":  # an existing key: only its own line is replaced
        assert tag == "replace" and i2 - i1 == 1 and "runs-on" in before_lines[i1]
    else:  # a new key: nothing of the original is removed
        assert tag == "insert"


# --- the Jest editor ---------------------------------------------------------

globs = st.sampled_from(["src/**/*.js", "src/**/*.{ts,tsx}", "!src/**/*.d.ts", "lib/*.js"])


@st.composite
def jest_configs(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(["'", '"']))
    comma = draw(st.sampled_from([",", ""]))

    def q(text: str) -> str:
        return f"{quote}{text}{quote}"

    entries = []
    if draw(st.booleans()):
        entries.append(f"testEnvironment: {q('node')}")
    if draw(st.booleans()):
        items = draw(st.lists(globs, max_size=3, unique=True))
        entries.append(f"collectCoverageFrom: [{', '.join(map(q, items))}]")
    if draw(st.booleans()):
        entries.append(f"coverageThreshold: {{ global: {{ lines: {draw(st.integers(0, 100))} }} }}")
    if draw(st.booleans()):
        entries.append("// a comment the edit keeps\n  verbose: true")
    draw(st.randoms()).shuffle(entries)
    body = ",\n".join(f"  {e}" for e in entries)
    return f"module.exports = {{\n{body}{comma if entries else ''}\n}};\n"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_the_jest_editor_yields_configs_node_loads(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for folder in ("services", "routes", "utils"):
        (project / "src" / folder).mkdir(parents=True)
        (project / "src" / folder / "index.js").write_text("module.exports = {};\n")
    edited: list[tuple[str, list[str]]] = []

    @settings(FAST, max_examples=JEST_EXAMPLES)
    @given(
        config=jest_configs(),
        actions=st.lists(
            st.sampled_from(["expand_coverage_collection", "add_directory_thresholds"]),
            min_size=1,
            max_size=2,
        ),
    )
    def edit(config: str, actions: list[str]) -> None:
        text = config
        try:
            for action in actions:
                text = edit_jest_config(
                    text, action, {}, filename="jest.config.js", project_root=project
                )
        except EditError:
            assume(False)  # a form the editor refuses, with a message: not this property's
        edited.append((text, actions))

    edit()
    assert edited
    for i, (text, _) in enumerate(edited):
        (tmp_path / f"config{i}.js").write_text(text)
    # One Node process loads them all and says what each one holds.
    script = (
        "const out = [];"
        f"for (let i = 0; i < {len(edited)}; i++) {{"
        f"  const c = require({json.dumps(str(tmp_path))} + '/config' + i + '.js');"
        "  out.push([Array.isArray(c.collectCoverageFrom),"
        "            Object.keys((c.coverageThreshold || {})).filter(k => k !== 'global').length]);"
        "}"
        "console.log(JSON.stringify(out));"
    )
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert len(loaded) == len(edited)
    for (text, actions), (has_globs, folders) in zip(edited, loaded):
        if "expand_coverage_collection" in actions:
            assert has_globs, text
        if "add_directory_thresholds" in actions:
            assert folders == 3, text  # one per folder under src/


# --- params are data -------------------------------------------------------------

jinja_ish = st.text(
    st.sampled_from(list("{}%#-+*7 abx()'\"|.\n_")), min_size=1, max_size=30
) | st.sampled_from(["{{ 7*7 }}", "{% for x in [1,2] %}y{% endfor %}", "{# c #}", "{{ self }}"])


@settings(FAST, max_examples=PARAMS_EXAMPLES)
@given(value=jinja_ish)
def test_params_reach_templates_as_data(tmp_path: Path, value: str) -> None:
    template = tmp_path / "echo.txt.j2"
    template.write_text("<<{{ value }}>>\n")
    rendered = render_template("echo.txt.j2", {"value": value}, [tmp_path])
    assert rendered.text == f"<<{value}>>\n"
