"""The ``test_generation`` handler: analyse sources, write a test file each, prove it passes.

For TypeScript/JavaScript sources it analyses each file (``analyse.typescript``), picks the kind of
test from where the file lives, renders the kind's template into the target's test layout
(``conventions``), and applies the ownership rules of generated files: a file a human edited is
kept, a hand-written test is never touched (the generated one gets a ``.gen`` name beside it), an
unchanged result is OK. Python sources go to ``python.generate_python``.

Then it checks its own output: the target's Jest (or the Python generator's command) runs just
the new files. If they do not pass, every file is put back as it was and the task fails with the
runner's message. A dry run shows the diffs and runs nothing.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ...analyse.model import ModuleInfo
from ...analyse.typescript import analyse_source
from ...errors import TaskFailed
from ...roadmap.model import Settings, TestGenerationTask
from ..generated import same_content, stamp, state_of
from ..process import run
from ..registry import Result
from ..templates import template_dirs
from ..workspace import Workspace
from .characterize_ts import characterize_ts
from .conventions import (
    JestSettings,
    candidate_outputs,
    detect_convention,
    generated_name,
    read_jest_settings,
    require_found,
    resolve_import,
)
from .jest import failure_summary, jest_binary, run_jest
from .kinds import detect_kind
from .model import (
    DROPPED_CASES,
    GENERATED_FILES,
    GENERATED_TESTS,
    GENERATED_TODOS,
    PROBE_CALLS,
    GeneratedTest,
    Selection,
)
from .python import generate_python
from .rendering import render
from .shape import Unit, build_context

DEFAULT_TIMEOUT_SECONDS = 300.0
MAX_NOTES = 20  # in a task's message; a file with more says how many it left out
# Files that usually mount the routers; read for the paths routes answer under, never imported.
APP_ENTRIES = ("src/app.ts", "src/app.js", "app.ts", "app.js", "src/server.ts", "src/index.ts")


@dataclass(frozen=True)
class Planned:
    """A test file to write, and how to check it once written."""

    output: str
    text: str  # with the generated-file header
    runner: str  # "jest" or "command"
    argv: tuple[str, ...] = ()
    cwd: str = "."
    tests: int = 0
    todos: int = 0
    explicit: bool = False  # the roadmap named the output: a foreign file there is an error
    notes: tuple[str, ...] = ()  # what the generator could not do, or dropped, and why
    selection: Selection | None = None  # characterization: probe calls made, cases dropped


def generate_tests(task: TestGenerationTask, workspace: Workspace, settings: Settings) -> Result:
    """The ``test_generation`` handler."""
    sources = task.sources()
    for source in sources:
        if not workspace.exists(source):
            raise TaskFailed(f"source {source} not found (looked in {workspace.root})")
    scripts = [s for s in sources if not s.endswith(".py")]
    python = [s for s in sources if s.endswith(".py")]
    if task.output and len(scripts) > 1:
        raise TaskFailed(
            "output names one file, but the task has several TS/JS sources; leave output out "
            "so each source gets its own test file"
        )
    characterize = characterizes(task, settings)
    planned: list[Planned] = []
    if scripts:
        planned += plan_scripts(task, workspace, scripts, characterize)
    if python:
        planned.append(plan_python(task, workspace, python, characterize))
    return write_and_check(task, workspace, planned)


# ------------------------------------------------------------ TypeScript / JavaScript


def plan_scripts(
    task: TestGenerationTask, workspace: Workspace, sources: Sequence[str], characterize: bool
) -> list[Planned]:
    root = workspace.root
    jest = read_jest_settings(root)
    convention = detect_convention(root, jest)
    setup_mocked = _setup_mocks(workspace, jest)
    mounts = _mount_prefixes(workspace)
    has_graphql = (root / "node_modules" / "graphql").is_dir()
    has_supertest = (root / "node_modules" / "supertest").is_dir()
    plans: list[Planned] = []
    counts = _split(task.estimated_tests, len(sources))
    for source, count in zip(sources, counts):
        info = analyse(workspace, source)
        kind = detect_kind(source, task.kind, task.params)
        output = task.output or choose_output(
            workspace, jest, candidate_outputs(source, convention), sources
        )
        if task.output:
            require_found(jest, output, sources)
        if characterize:
            plans.append(plan_characterization(task, workspace, source, output, count))
            continue
        unit = Unit(source, output, _runtime_exports_only(workspace, info), kind)
        context = build_context(
            unit,
            jest,
            task={"id": task.id, "name": task.name},
            todo_count=count,
            setup_mocked=setup_mocked,
            mount_prefix=str(
                task.params.get("mount") or mounts.get(posixpath.splitext(source)[0], "")
            ),
            has_graphql=has_graphql,
            has_supertest=has_supertest,
        )
        template = task.template or f"testgen/{'service' if kind == 'unit' else kind}.test.j2"
        rendered = render(template, context, template_dirs(workspace.roadmap_path))
        text = stamp(rendered, path=output, task_id=task.id, source=source)
        plans.append(
            Planned(
                output,
                text,
                "jest",
                tests=_count_tests(text),
                todos=len(context["todos"]),
                explicit=bool(task.output),
            )
        )
    return plans


def characterizes(task: TestGenerationTask, settings: Settings) -> bool:
    """Whether the task asks for tests that call the code (``style: characterize``, on the task
    or as the roadmap's ``test_style``)."""
    return (task.style or settings.test_style) == "characterize"


def plan_characterization(
    task: TestGenerationTask, workspace: Workspace, source: str, output: str, count: int | None
) -> Planned:
    """Delegate to the characterization generator, which probes the code in the target's Jest."""
    generated: GeneratedTest = characterize_ts(
        workspace.root,
        source,
        task_id=task.id,
        estimated_tests=count,
        output=output,
        params=task.params,
    )
    text = stamp(generated.text, path=output, task_id=task.id, source=source)
    return Planned(
        output,
        text,
        "jest",
        tests=generated.tests,
        todos=generated.todos,
        explicit=bool(task.output),
        notes=tuple(generated.notes),
        selection=generated.selection,
    )


def analyse(workspace: Workspace, source: str) -> ModuleInfo:
    """The analysed source; refuses syntax errors, servers and files that export nothing."""
    info = analyse_source(workspace.read_text(source), source)
    if info.syntax_errors:
        shown = "; ".join(f"line {e.line}: {e.message}" for e in info.syntax_errors[:3])
        raise TaskFailed(
            f"{source}:{info.syntax_errors[0].line}: cannot generate tests for a file that "
            f"does not parse ({shown}); fix the syntax first"
        )
    if info.starts_server:
        raise TaskFailed(
            f"{source} starts a server or connects while it loads, so a test must never "
            "import it; generate tests for the modules it wires together instead"
        )
    if not any(e.name != "*" for e in info.exports):
        raise TaskFailed(
            f"{source} exports nothing a test could import; export what should be tested, "
            "or remove it from the task's source"
        )
    return info


def _runtime_exports_only(workspace: Workspace, info: ModuleInfo) -> ModuleInfo:
    """Drop re-exports of names that are only types in their module: undefined at run time."""
    kept = []
    for export in info.exports:
        if export.kind == "reexport" and export.source and export.source.startswith("."):
            origin = _module_file(workspace, resolve_import(info.path, export.source))
            if origin is not None:
                other = analyse_source(workspace.read_text(origin), origin)
                if other.export(export.local or export.name) is None and other.type_decl(
                    export.local or ""
                ):
                    continue
        kept.append(export)
    return info if len(kept) == len(info.exports) else replace(info, exports=tuple(kept))


def _module_file(workspace: Workspace, module: str) -> str | None:
    for suffix in (".ts", ".tsx", ".js", ".jsx", "/index.ts", "/index.js"):
        if workspace.exists(module + suffix):
            return module + suffix
    return None


def choose_output(
    workspace: Workspace, jest: JestSettings, candidates: Sequence[str], sources: Sequence[str]
) -> str:
    """The first conventional path Jest finds that is free or ours; `.gen` beside a human's."""
    for path in candidates:
        if not jest.finds(path):
            continue
        for option in (path, generated_name(path)):
            if not workspace.exists(option) or state_of(workspace.read_text(option)) != "foreign":
                return option
    require_found(jest, candidates[0], sources)
    raise TaskFailed(
        f"every test path for {', '.join(sources)} is taken by a hand-written file "
        f"({candidates[0]} and its .gen variant); set output to choose one"
    )


def _setup_mocks(workspace: Workspace, jest: JestSettings) -> frozenset[str]:
    """Project modules the setup files already `jest.mock(...)`: left alone by generated tests."""
    mocked: set[str] = set()
    for setup in jest.setup_files:
        if not workspace.exists(setup):
            continue
        info = analyse_source(workspace.read_text(setup), setup)
        mocked.update(resolve_import(setup, m) for m in info.jest_mocks if m.startswith("."))
    return frozenset(mocked)


def _mount_prefixes(workspace: Workspace) -> dict[str, str]:
    """Where the app mounts each router module (`app.use('/api/users', router)`), for test names."""
    prefixes: dict[str, str] = {}
    for entry in APP_ENTRIES:
        if not workspace.exists(entry):
            continue
        info = analyse_source(workspace.read_text(entry), entry)
        for mount in info.mounts:
            if mount.source and mount.source.startswith(".") and mount.prefix:
                prefixes.setdefault(resolve_import(entry, mount.source), mount.prefix)
    return prefixes


def _split(total: int | None, parts: int) -> list[int | None]:
    """Share ``total`` estimated tests between ``parts`` sources; the first get the remainder."""
    if total is None:
        return [None] * parts
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _count_tests(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.lstrip().startswith("it("))


# --------------------------------------------------------------------------- Python


def plan_python(
    task: TestGenerationTask, workspace: Workspace, sources: Sequence[str], characterize: bool
) -> Planned:
    """Delegate to the Python generator; its file is checked with the command it names."""
    generated: GeneratedTest = generate_python(
        workspace.root,
        sources,
        task_id=task.id,
        estimated_tests=task.estimated_tests,
        style="characterize" if characterize else "shape",
        output=task.output,
        params=task.params,
    )
    text = stamp(generated.text, path=generated.output, task_id=task.id, source=", ".join(sources))
    return Planned(
        generated.output,
        text,
        "command",
        tuple(generated.check_argv),
        generated.check_cwd,
        generated.tests,
        generated.todos,
        explicit=bool(task.output),
        notes=tuple(generated.notes),
        selection=generated.selection,
    )


# ------------------------------------------------------------ ownership, writing, checking


def write_and_check(
    task: TestGenerationTask, workspace: Workspace, planned: Sequence[Planned]
) -> Result:
    """Write each planned file unless a human owns it, then check; undo everything on failure."""
    start = len(workspace.changes)
    written: list[tuple[Planned, str | None]] = []  # (plan, the text before)
    kept: list[str] = []
    up_to_date: list[str] = []
    for plan in planned:
        with workspace.locked(plan.output):
            before = workspace.read_text(plan.output) if workspace.exists(plan.output) else None
            if before is not None and same_content(before, plan.text):
                up_to_date.append(plan.output)
                continue
            if before is not None:
                state = state_of(before)
                if state == "edited":
                    kept.append(plan.output)
                    continue
                if state == "foreign":
                    raise TaskFailed(
                        f"{plan.output} exists and was not generated by pytest-orchestrate; "
                        "it is never "
                        "overwritten (delete it, or leave output out to get a .gen file beside it)"
                    )
            workspace.write_text(plan.output, plan.text)
            written.append((plan, before))
    counts = figures(planned)
    summary, notes = _summary(counts), _notes(planned, counts.get(DROPPED_CASES, {}))
    if not written:
        if kept:
            return Result.kept(
                f"kept: {', '.join(kept)} edited by hand; not overwritten "
                "(delete a file to generate it again)"
            )
        return Result.ok(f"{', '.join(up_to_date)} up to date ({summary})", counts)
    if not workspace.dry_run:
        try:
            check(task, workspace, [plan for plan, _ in written])
        except TaskFailed:
            restore(workspace, written, start)
            raise
    message = summary + (f"; kept {', '.join(kept)} (edited by hand)" if kept else "") + notes
    return Result.changed(workspace.changes[start:], message, counts)


def _summary(counts: Mapping[str, Any]) -> str:
    files, tests, todos = (counts[k] for k in (GENERATED_FILES, GENERATED_TESTS, GENERATED_TODOS))
    return f"{files} file{'s' if files != 1 else ''}, {tests} tests, {todos} to-dos"


def _notes(planned: Sequence[Planned], dropped: Mapping[str, int]) -> str:
    """Below the summary: the cases characterization dropped, by reason, then the generators'
    notes (what they could not handle, and each dropped case with its reason)."""
    lines = []
    if dropped:
        lines.append(
            "dropped: " + ", ".join(f"{n} {why}" for why, n in Counter(dropped).most_common())
        )
    notes = [note for plan in planned for note in plan.notes]
    lines += notes[:MAX_NOTES]
    if len(notes) > MAX_NOTES:
        lines.append(f"... and {len(notes) - MAX_NOTES} more notes")
    return "".join(f"\n{line}" for line in lines)


def figures(planned: Sequence[Planned]) -> dict[str, Any]:
    """The task's figures for the reports and the closing table (names from ``model``)."""
    out: dict[str, Any] = {
        GENERATED_FILES: len(planned),
        GENERATED_TESTS: sum(p.tests for p in planned),
        GENERATED_TODOS: sum(p.todos for p in planned),
    }
    selections = [p.selection for p in planned if p.selection is not None]
    if selections:
        out[PROBE_CALLS] = sum(s.probed for s in selections)
        dropped: Counter[str] = Counter()
        for s in selections:
            dropped.update(s.dropped)
        out[DROPPED_CASES] = dict(dropped)
    return out


def check(task: TestGenerationTask, workspace: Workspace, written: Sequence[Planned]) -> None:
    """Run the target's runner on just the written files; a failure raises with its message."""
    timeout = (task.timeout_minutes * 60) if task.timeout_minutes else DEFAULT_TIMEOUT_SECONDS
    scripts = [p.output for p in written if p.runner == "jest"]
    if scripts:
        jest_binary(
            workspace.root
        )  # a missing Jest says to run `npm ci`, before any output is judged
        completed = run_jest(workspace.root, scripts, timeout=timeout)
        if completed.returncode != 0:
            raise TaskFailed(
                f"the generated tests do not pass, so nothing was kept "
                f"({', '.join(scripts)}):\n{failure_summary(completed)}"
            )
    for plan in written:
        if plan.runner != "command" or not plan.argv:
            continue
        completed = run(list(plan.argv), shell=False, cwd=workspace.path(plan.cwd), timeout=timeout)
        if completed.returncode != 0:
            raise TaskFailed(
                f"the generated tests do not pass, so nothing was kept ({plan.output}):\n"
                f"{completed.tail(40) if not completed.timed_out else 'timed out'}"
            )


def restore(
    workspace: Workspace, written: Sequence[tuple[Planned, str | None]], start: int
) -> None:
    """Put every written file back as it was and forget the changes: nothing remains."""
    for plan, before in reversed(written):
        if before is None:
            workspace.remove(plan.output)
        else:
            workspace.write_text(plan.output, before)
    del workspace.changes[start:]
