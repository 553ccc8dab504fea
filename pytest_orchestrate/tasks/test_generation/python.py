"""Python test generation: shape tests (what exists) and characterization tests (what it does now).

``generate_python`` is what the ``test_generation`` handler calls for ``*.py`` sources. Both styles
start from ``analyse.python`` (an ``ast`` parse under the target's interpreter). The shape style
renders from the analysis alone. The characterize style also runs ``python_probe`` in the target's
interpreter on a scratch copy of the service, keeps the calls that add coverage
(``python_select``), replays them under another hash seed to drop what varies, renders them, and
runs the file three times with the target's pytest, keeping only the cases that pass every time.

It never writes into the target: the handler writes the returned text through the workspace.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ...analyse.python import ClassInfo, Function, ModuleInfo, analyse_file
from ...errors import TaskFailed
from ..render import render_template
from ..templates import builtin_template_dir
from . import python_probe
from .model import FAILED_VERIFICATION, GeneratedTest, Selection
from .python_layout import Layout, locate
from .python_select import select_greedy

Style = Literal["shape", "characterize"]
# The roadmap's ``style: characterize`` (and older spellings) name one style.
STYLES: dict[str, Style] = {
    "shape": "shape",
    "characterize": "characterize",
    "characterization": "characterize",
}

DEFAULT_BUDGET_SECONDS = 30.0
DEFAULT_MAX_CALLS = 1000
DEFAULT_CALL_TIMEOUT = 5.0
# The probe's budget is CPU time; on a loaded machine its wall time can be several times that.
PROBE_WALL_FACTOR = 4
VERIFY_RUNS = 3
# Folders a scratch copy of a service leaves out: big, and never imported by the unit.
SCRATCH_IGNORE = shutil.ignore_patterns(
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".tox",
    "htmlcov",
)
# Passed to every pytest run of ours, so it leaves no cache and keeps file order.
PYTEST_QUIET = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly"]


def generate_python(
    root: Path,
    sources: Sequence[str],
    *,
    task_id: str,
    estimated_tests: int | None,
    style: str,
    output: str | None,
    params: Mapping[str, Any],
) -> GeneratedTest:
    """One pytest module for ``sources`` (normally one source), in the given style."""
    if style not in STYLES:
        raise TaskFailed(f"unknown test style {style!r}; use 'shape' or 'characterize'")
    style = STYLES[style]
    if not sources:
        raise TaskFailed(
            "a Python test_generation task needs a source; add 'source: path/to/module.py'"
        )
    layouts = [locate(root, s, output) for s in sources]
    first = layouts[0]
    units = [
        Unit(
            layout,
            analyse_file(
                root / layout.source, interpreter=layout.interpreter, display=layout.source
            ),
        )
        for layout in layouts
    ]
    if len({layout.service for layout in layouts}) > 1:
        raise TaskFailed(
            "the sources of one Python test_generation task must share a service folder "
            f"({', '.join(sorted({layout.service for layout in layouts}))}); split the task"
        )
    todos = todo_cases(units, estimated_tests, conftest_fixtures(root, first))
    notes = [f"{u.layout.source}:{n.line}: {n.message}" for u in units for n in u.info.notes]
    selection = None
    if style == "shape":
        text = render_shape(units, todos)
        tests = sum(len(shape_checks(u)) for u in units) + len(units)
    else:
        selection = Selection()
        cases = characterize(root, units, params, notes, todos, selection)
        text = render_characterize(units, cases, todos)
        tests = len(cases)
    return GeneratedTest(
        output=first.output,
        text=text,
        check_argv=[first.interpreter, "-m", "pytest", *PYTEST_QUIET, first.output_in_service],
        check_cwd=first.service,
        notes=notes,
        tests=tests,
        todos=len(todos),
        selection=selection,
    )


@dataclass(frozen=True)
class Unit:
    """One source module: where it is and what the analyser found in it."""

    layout: Layout
    info: ModuleInfo


# ---------------------------------------------------------------------------------------------
# Shape style
@dataclass(frozen=True)
class ShapeCheck:
    """One public callable and the parameter names its signature has today."""

    label: str  # "parse_event" or "Aggregator.retention"
    params: list[str] | None  # None: the signature is not asserted (see _signature_names)


def shape_checks(unit: Unit) -> list[ShapeCheck]:
    """Each public function, class and method, with ``inspect.signature`` parameter names."""
    exported = set(unit.info.exports) if unit.info.exports is not None else None
    checks = []
    for fn in unit.info.functions:
        if exported is None or fn.name in exported:
            checks.append(ShapeCheck(fn.name, _signature_names(fn)))
    for cls in unit.info.classes:
        if exported is not None and cls.name not in exported:
            continue
        checks.append(ShapeCheck(cls.name, _class_params(cls)))
        for method in cls.methods:
            if not method.name.startswith("_"):
                checks.append(ShapeCheck(f"{cls.name}.{method.name}", _signature_names(method)))
    return checks


# Decorators that keep a function's signature (or expose it through __wrapped__).
SIGNATURE_KEEPING = (
    "property",
    "cached_property",
    "classmethod",
    "staticmethod",
    "lru_cache",
    "cache",
    "abstractmethod",
    "wraps",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "route",
    "api_route",
    "head",
    "options",
)


def _signature_names(fn: Function) -> list[str] | None:
    """``inspect.signature`` names as the test reads the member from its module or class.

    A plain method read from the class is a function, so ``self`` stays; a classmethod is bound, so
    ``cls`` goes. An unknown decorator may replace the function, so its signature is not asserted.
    """
    for decorator in fn.decorators:
        if decorator.split("(")[0].rsplit(".", 1)[-1] not in SIGNATURE_KEEPING:
            return None
    names = [p.name for p in fn.params]
    return names[1:] if fn.kind == "classmethod" else names


def _class_params(cls: ClassInfo) -> list[str] | None:
    """``inspect.signature(Class)`` names: ``__init__`` without self, or a dataclass's fields."""
    if cls.decorators and not all(d.split("(")[0].endswith("dataclass") for d in cls.decorators):
        return None
    init = next((m for m in cls.methods if m.name == "__init__"), None)
    if init is not None:
        return [p.name for p in init.params][1:]
    if cls.decorators and not cls.bases:
        return [
            f.name
            for f in cls.fields
            if not f.annotation.startswith(("ClassVar", "typing.ClassVar"))
        ]
    return None


@dataclass(frozen=True)
class Todo:
    """A named to-do case: a test someone should write, skipped until then."""

    name: str
    reason: str
    fixtures: tuple[str, ...] = ()  # the target's conftest fixtures named like the parameters


def conftest_fixtures(root: Path, layout: Layout) -> set[str]:
    """Fixture names the target's ``conftest.py`` files offer the test file, from the root down."""
    names: set[str] = set()
    folder = (root / layout.output).parent
    for candidate in [folder, *folder.parents]:
        conftest = candidate / "conftest.py"
        if conftest.is_file():
            try:
                info = analyse_file(conftest, interpreter=layout.interpreter)
            except TaskFailed:
                continue
            names |= {f.name for f in info.functions if any("fixture" in d for d in f.decorators)}
        if candidate == root.resolve() or candidate == root:
            break
    return names


def todo_cases(
    units: Sequence[Unit], estimated: int | None, fixtures: set[str] | frozenset[str] = frozenset()
) -> list[Todo]:
    """``estimated`` to-dos named from the public callables and their parameters, round robin.

    A parameter with the name of one of the target's fixtures is requested as that fixture, so
    the person who writes the test starts from the project's own setup.
    """
    if not estimated:
        return []
    subjects: list[tuple[str, list[str]]] = []
    for unit in units:
        for fn in unit.info.functions:
            subjects.append((fn.name, [p.name for p in fn.params]))
        for cls in unit.info.classes:
            for method in cls.methods:
                if not method.name.startswith("_") and method.kind != "property":
                    params = [p.name for p in method.params if p.name not in ("self", "cls")]
                    subjects.append((f"{cls.name}.{method.name}", params))
    if not subjects:
        subjects = [(u.layout.module.rsplit(".", 1)[-1], []) for u in units]
    todos, used = [], set()
    for i in range(estimated):
        label, params = subjects[i % len(subjects)]
        angle = params[(i // len(subjects)) % len(params)] if params else "behaviour"
        base = (
            "test_" + _snake(label) + "_" + ("handles_" + _snake(angle) if params else "behaviour")
        )
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        reason = f"TODO: test {label} with a chosen {angle}" if params else f"TODO: test {label}"
        todos.append(Todo(name, reason, tuple(p for p in params if p in fixtures)))
    return todos


def _snake(text: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", text.replace(".", "_"))
    return re.sub(r"\W+", "_", spaced).strip("_").lower()


def render_shape(units: Sequence[Unit], todos: Sequence[Todo]) -> str:
    """The shape-style test file."""
    context = {
        "units": [
            {
                "module": u.layout.module,
                "alias": _snake(u.layout.module.rsplit(".", 1)[-1]),
                "checks": shape_checks(u),
            }
            for u in units
        ],
        "todos": todos,
    }
    return render_template("testgen/python_shape.py.j2", context, [builtin_template_dir()]).text


# ---------------------------------------------------------------------------------------------
# Characterize style
@dataclass
class Case:
    """One kept probe scenario, ready to render."""

    name: str
    target: str
    setup: list[str]
    call: str
    assertions: list[str]
    raises: tuple[str, str] | None = None  # (exception name, match pattern)
    comment: str | None = None
    imports: set[tuple[str, str, str]] = field(default_factory=set)  # (module, attr, local)


def characterize(
    root: Path,
    units: Sequence[Unit],
    params: Mapping[str, Any],
    notes: list[str],
    todos: Sequence[Todo],
    selection: Selection,
) -> list[Case]:
    """Probe, select, replay, render and verify; the cases that passed every run."""
    budget = float(params.get("budget_seconds", DEFAULT_BUDGET_SECONDS))
    max_calls = int(params.get("max_calls", DEFAULT_MAX_CALLS))
    cases: list[Case] = []
    with scratch_copy(root, units[0].layout) as scratch:
        for unit in units:
            cases += probe_unit(
                root,
                scratch,
                unit,
                budget=budget,
                max_calls=max_calls,
                notes=notes,
                selection=selection,
            )
        return verify(scratch, units, cases, todos, notes, selection)


@contextmanager
def scratch_copy(root: Path, layout: Layout) -> Iterator[Path]:
    """A temporary copy of the service folder (outside the target), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="orchestrate-py-"))
    try:
        shutil.copytree(
            root / layout.service,
            base / "project" / layout.service,
            ignore=SCRATCH_IGNORE,
            symlinks=True,
        )
        probe_dir = base / "probe"
        probe_dir.mkdir()
        shutil.copyfile(inspect.getfile(python_probe), probe_dir / "orchestrate_probe.py")
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def seed_of(root: Path, source: str) -> int:
    """A seed from the source's content: the same source yields the same tests, byte for byte."""
    return int(hashlib.sha256((root / source).read_bytes()).hexdigest()[:12], 16)


def targets_of(info: ModuleInfo) -> list[dict[str, Any]]:
    """What the probe should call, in source order: functions, constructors, members."""
    targets: list[dict[str, Any]] = []
    exported = set(info.exports) if info.exports is not None else None
    for fn in info.functions:
        if exported is None or fn.name in exported:
            targets.append({"owner": None, "name": fn.name, "kind": "function", "line": fn.line})
    for cls in info.classes:
        if exported is not None and cls.name not in exported:
            continue
        targets.append({"owner": None, "name": cls.name, "kind": "class", "line": cls.line})
        for m in cls.methods:
            if not m.name.startswith("_"):
                targets.append({"owner": cls.name, "name": m.name, "kind": m.kind, "line": m.line})
    return sorted(targets, key=lambda t: t["line"])


def package_pools(root: Path, unit: Unit) -> tuple[list[str], list[int | float], list[str]]:
    """The unit's literals first, then its sibling modules' (a value often crosses modules)."""
    strings: list[str] = []
    keys: list[str] = []
    numbers = list(unit.info.numbers)
    source = root / unit.layout.source
    for sibling in sorted(source.parent.glob("*.py")):
        if sibling == source:
            continue
        try:
            other = analyse_file(sibling, interpreter=unit.layout.interpreter)
        except TaskFailed:
            continue
        strings += other.strings
        numbers += other.numbers
        keys += other.keys
    return list(dict.fromkeys(strings)), list(dict.fromkeys(numbers)), list(dict.fromkeys(keys))


def run_probe(
    scratch: Path, unit: Unit, request: dict[str, Any], *, hash_seed: str, timeout: float
) -> dict[str, Any]:
    """Run the probe script in the target's interpreter on the scratch copy; its JSON answer."""
    tag = request["mode"]
    request_path = scratch / f"request-{tag}.json"
    result_path = scratch / f"result-{tag}.json"
    request_path.write_text(json.dumps(request), encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("COVERAGE_PROCESS_START", None)
    try:
        done = subprocess.run(
            [
                unit.layout.interpreter,
                str(scratch / "probe" / "orchestrate_probe.py"),
                str(request_path),
                str(result_path),
            ],
            cwd=scratch / "project" / unit.layout.service,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise TaskFailed(
            f"{unit.layout.source}: the probe ran past {timeout:.0f} s; lower params.max_calls",
            retryable=True,
        ) from None
    if done.returncode != 0 or not result_path.is_file():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        if "No module named 'coverage'" in tail:
            raise TaskFailed(
                f"coverage.py is not installed for {unit.layout.interpreter}; "
                "install it there (pip install coverage) to characterize Python code"
            )
        raise TaskFailed(
            f"{unit.layout.source}: the probe failed under {unit.layout.interpreter}:\n{tail}"
        )
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    return result


def probe_unit(
    root: Path,
    scratch: Path,
    unit: Unit,
    *,
    budget: float,
    max_calls: int,
    notes: list[str],
    selection: Selection,
) -> list[Case]:
    """Explore, select greedily, replay under another hash seed, turn the survivors into cases."""
    strings, numbers, keys = package_pools(root, unit)
    request: dict[str, Any] = {
        "mode": "explore",
        "module": unit.layout.module,
        "source": str(scratch / "project" / unit.layout.source),
        "sys_path": [str(scratch / "project" / unit.layout.import_root)],
        "seed": seed_of(root, unit.layout.source),
        "budget_seconds": budget,
        "max_calls": max_calls,
        "call_timeout": DEFAULT_CALL_TIMEOUT,
        "strings": list(unit.info.strings),
        "more_strings": strings,
        "numbers": numbers,
        "keys": list(unit.info.keys),
        "more_keys": keys,
        "targets": targets_of(unit.info),
    }
    wall = PROBE_WALL_FACTOR * budget + 60
    explored = run_probe(scratch, unit, request, hash_seed="0", timeout=wall)
    if explored["import_error"]:
        notes.append(
            f"{unit.layout.source}: the module does not import ({explored['import_error']}); "
            "no characterization tests"
        )
        return []
    notes += [f"{unit.layout.source}: {n}" for n in explored["notes"]]
    scenarios = explored["scenarios"]
    selection.probed += len(scenarios)
    matrix = {i: _covered(s) for i, s in enumerate(scenarios)}
    picked = sorted(select_greedy(matrix, already=_covered(explored["imports"])))
    kept = [scenarios[i] for i in picked]
    reached = set(explored["imports"]["lines"]).union(*(s["lines"] for s in kept))
    statements = explored["statements"]
    notes.append(
        f"{unit.layout.source}: kept {len(kept)} of {len(scenarios)} probe calls "
        f"(search {explored['stopped_by']}); they reach {len(reached & set(statements))} "
        f"of {len(statements)} statements"
    )
    replayed = run_probe(
        scratch,
        unit,
        {
            **request,
            "mode": "replay",
            "names": explored["names"],
            "scenarios": [s["scenario"] for s in kept],
        },
        hash_seed="1",
        timeout=wall,
    )
    return build_cases(unit, kept, replayed["observations"], explored["names"], notes, selection)


def _covered(entry: Mapping[str, Any]) -> set[Any]:
    return {("line", n) for n in entry["lines"]} | {("arc", a, b) for a, b in entry["arcs"]}


def build_cases(
    unit: Unit,
    kept: Sequence[Mapping[str, Any]],
    again: Sequence[Mapping[str, Any] | None],
    names: Mapping[str, Sequence[str]],
    notes: list[str],
    selection: Selection,
) -> list[Case]:
    """Cases for kept scenarios; one whose observation changed on replay: type only, or dropped."""
    cases: list[Case] = []
    counts: dict[str, int] = {}
    for entry, second in zip(kept, again):
        scenario, first = entry["scenario"], entry["observation"]
        label = scenario["target"]
        counts[label] = counts.get(label, 0) + 1
        name = f"test_{_snake(label)}_as_today_{counts[label]}"
        if (
            second is None
            or second["outcome"] != first["outcome"]
            or second["type"] != first["type"]
        ):
            notes.append(
                f"{unit.layout.source}: dropped {name}: its outcome differs between two runs"
            )
            selection.drop("outcome differs between two runs")
            continue
        imports = {(m, a, local) for local, (m, a) in names.items()}
        case = Case(name, label, list(scenario["setup"]), scenario["call"], [], imports=imports)
        if first["outcome"] == "raise":
            if first["message"] != second["message"]:
                notes.append(
                    f"{unit.layout.source}: dropped {name}: its error message differs between runs"
                )
                selection.drop("error message differs between two runs")
                continue
            case.raises = (_type_name(case, first["type"]), message_pattern(first["message"]))
        elif first["literal"] != second["literal"] or first["plain"] != second["plain"]:
            case.assertions.append(f"assert type(result).__name__ == {first['type'][1]!r}")
            case.comment = (
                "The value varies between runs (time, randomness or ids): only its type is pinned."
            )
            notes.append(
                f"{unit.layout.source}: {name}: the value varies between runs; "
                "only its type is asserted"
            )
        else:
            case.assertions += _value_assertions(first)
        state = first.get("state")
        if state is not None and case.raises is None:
            if state == second.get("state"):
                case.assertions.append(f"assert _plain(obj) == {state}")
            else:
                notes.append(
                    f"{unit.layout.source}: {name}: the object's state varies between runs; "
                    "not asserted"
                )
        cases.append(case)
    return cases


def message_pattern(message: str) -> str:
    """The whole message when it is one line; else its first line, as a prefix.

    Later lines of a multi-line message are often a library's own detail (pydantic's error URL
    carries its version), so pinning them would fail on an upgrade that changed nothing of ours.
    """
    first, newline, _ = message.partition("\n")
    return "^" + regex_literal(first) + ("" if newline else "$")


def regex_literal(text: str) -> str:
    """``text`` as a regex matching itself; unlike ``re.escape``, spaces stay readable."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)


def _value_assertions(observation: Mapping[str, Any]) -> list[str]:
    if observation["literal"] in ("None", "True", "False"):
        return [f"assert result is {observation['literal']}"]
    if observation["literal"] is not None:
        if observation["float"]:
            return [f"assert result == pytest.approx({observation['literal']})"]
        return [f"assert result == {observation['literal']}"]
    if observation["plain"] is not None:
        return [f"assert _plain(result) == {observation['plain']}"]
    return [f"assert type(result).__name__ == {observation['type'][1]!r}"]


def _type_name(case: Case, type_ref: Sequence[str]) -> str:
    module, qualname = type_ref
    if module == "builtins":
        return qualname
    if "<" in qualname:
        return "Exception"
    head, _, rest = qualname.partition(".")
    locals_taken = {local for _, _, local in case.imports}
    existing = next((local for m, a, local in case.imports if (m, a) == (module, head)), None)
    local = existing or (
        head if head not in locals_taken else re.sub(r"\W", "_", module) + "_" + head
    )
    case.imports.add((module, head, local))
    return f"{local}.{rest}" if rest else local


# ---------------------------------------------------------------------------------------------
# Rendering and verification
def plain_helper_source() -> str:
    """The probe's ``plain`` function, renamed ``_plain``, for the generated file to embed."""
    source = inspect.getsource(python_probe.plain)
    return re.sub(r"\bplain\(", "_plain(", source)


def render_characterize(units: Sequence[Unit], cases: Sequence[Case], todos: Sequence[Todo]) -> str:
    """The characterize-style test file for ``cases``."""
    used_names = {local for c in cases for local in _names_used(c)}
    imports = sorted(
        {(m, a, local) for c in cases for m, a, local in c.imports if local in used_names}
    )
    needs_plain = any("_plain(" in line for c in cases for line in c.assertions)
    helpers = {
        h for c in cases for h in ("_raises", "SimpleNamespace", "asyncio") if h in _names_used(c)
    }
    context = {
        "modules": [u.layout.module for u in units],
        "imports": _grouped(imports),
        "helpers": sorted(helpers),
        "plain_source": plain_helper_source() if needs_plain else None,
        "raises_source": inspect.getsource(python_probe._raises) if "_raises" in helpers else None,
        "cases": cases,
        "todos": todos,
    }
    return render_template(
        "testgen/python_characterize.py.j2", context, [builtin_template_dir()]
    ).text


def _grouped(imports: Sequence[tuple[str, str, str]]) -> list[dict[str, str]]:
    """``from module import a, b as c`` lines, one per module, sorted."""
    by_module: dict[str, list[str]] = {}
    for module, attr, local in sorted(imports):
        by_module.setdefault(module, []).append(attr if attr == local else f"{attr} as {local}")
    return [{"module": m, "names": ", ".join(names)} for m, names in sorted(by_module.items())]


def _names_used(case: Case) -> set[str]:
    text = "\n".join(
        [*case.setup, case.call, *case.assertions, case.raises[0] if case.raises else ""]
    )
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))


def verify(
    scratch: Path,
    units: Sequence[Unit],
    cases: list[Case],
    todos: Sequence[Todo],
    notes: list[str],
    selection: Selection,
) -> list[Case]:
    """Run the rendered file ``VERIFY_RUNS`` times; keep the cases that passed every time."""
    layout = units[0].layout
    service = scratch / "project" / layout.service
    test_file = scratch / "project" / layout.output
    test_file.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):  # a second round confirms the file once the failing cases are gone
        test_file.write_text(render_characterize(units, cases, todos), encoding="utf-8")
        passed: set[str] | None = None
        failed_reason: dict[str, str] = {}
        for run in range(VERIFY_RUNS):
            outcomes = run_pytest(
                layout.interpreter, service, layout.output_in_service, scratch / f"junit-{run}.xml"
            )
            ok = {name for name, reason in outcomes.items() if reason is None}
            failed_reason.update(
                {n: r for n, r in outcomes.items() if r is not None and n not in failed_reason}
            )
            passed = ok if passed is None else passed & ok
        keep = [c for c in cases if passed is not None and c.name in passed]
        for case in cases:
            if case not in keep:
                reason = failed_reason.get(case.name, "not collected")
                notes.append(
                    f"{layout.source}: dropped {case.name}: {FAILED_VERIFICATION} ({reason})"
                )
                selection.drop(FAILED_VERIFICATION)
        if len(keep) == len(cases):
            return keep
        cases = keep
    return cases


def run_pytest(interpreter: str, cwd: Path, test_path: str, junit: Path) -> dict[str, str | None]:
    """Run one test file with the target's pytest; each test's name -> None (passed) or why not."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [interpreter, "-m", "pytest", *PYTEST_QUIET, f"--junitxml={junit}", test_path],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    tail = "\n".join(done.stdout.strip().splitlines()[-8:])
    if not junit.is_file() or done.returncode not in (0, 1):
        # Not a failing case but a file that does not collect: a generator defect, said as such.
        raise TaskFailed(
            f"the generated {test_path} does not run under the target's pytest:\n{tail}"
        )
    outcomes: dict[str, str | None] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        problem = next(
            (child for child in case if child.tag in ("failure", "error", "skipped")), None
        )
        if problem is None:
            outcomes[case.get("name", "")] = None
        elif problem.tag != "skipped":
            outcomes[case.get("name", "")] = (problem.get("message") or problem.tag).splitlines()[
                0
            ][:120]
    return outcomes
