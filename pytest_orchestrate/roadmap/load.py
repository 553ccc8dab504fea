"""Load ``phases.yaml`` into a validated ``model.Roadmap``, locating every problem at ``path:line``.

The file is parsed by libyaml (YAML 1.2 rules) into dicts and lists that remember the line of each
key and item; validation is pydantic's. ruamel's round-trip loader would give the same lines but
takes seconds on a 5,000-task roadmap. All problems found are reported together, one per line,
each saying what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..edit.yaml12 import CoreLoader
from ..errors import RoadmapError, RoadmapInvalid, UnsafePathError
from .keys import GROUP_KEY, phase_number
from .model import (
    BUILTIN_CHECK_MODELS,
    CheckBase,
    Checkpoint,
    CheckpointSpec,
    Group,
    GroupSpec,
    OrchestratorSection,
    Phase,
    PhaseSpec,
    Roadmap,
    Settings,
    TaskBase,
    fingerprint,
)
from .paths import resolve_inside


def load_roadmap(
    path: Path,
    *,
    display: str,
    task_models: Mapping[str, type[TaskBase]],
    check_models: Mapping[str, type[CheckBase]] = BUILTIN_CHECK_MODELS,
    project_root: Path | None = None,
    default_root: Path | None = None,
) -> Roadmap:
    """Read and validate one roadmap file; raise ``RoadmapInvalid`` listing every problem.

    ``project_root`` (from the command line or ini) wins over the roadmap's own ``project_root``
    setting, which wins over ``default_root`` (the rootdir), which defaults to the file's folder.
    """
    loader = _Loader(display, task_models, check_models)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RoadmapInvalid(
            [RoadmapError(display, None, f"cannot read the roadmap: {e.strerror}")]
        ) from e
    roadmap = loader.load(text, path, project_root, default_root or path.parent)
    if loader.errors:
        raise RoadmapInvalid(loader.errors)
    assert roadmap is not None
    return roadmap


class LineMap(dict[Any, Any]):
    """A mapping that knows the 1-based line of each key."""

    key_lines: dict[Any, int]


class LineSeq(list[Any]):
    """A sequence that knows the 1-based line of each item."""

    item_lines: list[int]


class _LineLoader(CoreLoader):
    """The YAML 1.2 loader, building LineMap and LineSeq so errors can name lines."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LineMap]:
    data = LineMap()
    yield data
    data.update(loader.construct_mapping(node, deep=True))
    data.key_lines = {
        loader.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value
    }


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> Iterator[LineSeq]:
    data = LineSeq()
    yield data
    data.extend(loader.construct_sequence(node, deep=True))
    data.item_lines = [n.start_mark.line + 1 for n in node.value]


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def parse_yaml(text: str, display: str) -> Any:
    """Parse, turning a syntax error into a located ``RoadmapError``."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as e:
        line = None
        problem = str(e)
        if isinstance(e, yaml.MarkedYAMLError):
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = " ".join(filter(None, [e.context, e.problem]))
        raise RoadmapInvalid(
            [
                RoadmapError(
                    display,
                    line,
                    f"invalid YAML: {problem}; fix the syntax (check indentation and quoting)",
                )
            ]
        ) from e


def _line(node: Any, key: str | int, default: int) -> int:
    """1-based line of ``key`` inside a parsed mapping or sequence."""
    if isinstance(node, LineMap):
        return node.key_lines.get(key, default)
    if isinstance(node, LineSeq) and isinstance(key, int) and 0 <= key < len(node.item_lines):
        return node.item_lines[key]
    return default


def _locate(node: Any, loc: tuple[str | int, ...], line: int) -> int:
    """Follow a pydantic error location into the YAML tree and return the deepest known line."""
    for key in loc:
        if isinstance(node, LineMap) and key in node:
            line = _line(node, key, line)
            node = node[key]
        elif isinstance(node, LineSeq) and isinstance(key, int) and key < len(node):
            line = _line(node, key, line)
            node = node[key]
        else:
            break
    return line


def _closest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _literal_choices(model: type[BaseModel], key: str) -> list[str]:
    fld = model.model_fields.get(key)
    if fld is None:
        return []
    return [str(a) for a in typing.get_args(fld.annotation)]


def describe_validation_error(err: Mapping[str, Any], model: type[BaseModel], where: str) -> str:
    """Turn one pydantic error into 'what is wrong; how to fix it'."""
    loc = tuple(err["loc"])
    key = str(loc[-1]) if loc else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model) if len(loc) == 1 else []
        best = _closest(key, allowed)
        hint = (
            f"did you mean '{best}'?"
            if best
            else f"valid keys: {', '.join(allowed)}"
            if allowed
            else "remove it"
        )
        return f"{where}: unknown key '{key}'; {hint}"
    if kind == "missing":
        return f"{where}: missing required key '{key}'; add it"
    if kind == "literal_error" and len(loc) == 1:
        choices = _literal_choices(model, key)
        best = _closest(str(err.get("input")), choices)
        hint = f"did you mean '{best}'? " if best else ""
        return (
            f"{where}: '{err.get('input')}' is not a valid {key}; {hint}use one of: "
            f"{', '.join(choices)}"
        )
    if loc == ("id",) and kind == "string_type":
        return (
            f"{where}: task id {err.get('input')!r} must be a string; quote it, e.g. id: "
            f'"{err.get("input")}"'
        )
    msg = str(err["msg"]).removeprefix("Value error, ")
    field_path = ".".join(str(p) for p in loc)
    return f"{where}: {field_path + ': ' if field_path else ''}{msg}; fix the value"


class _Loader:
    """Collects errors while walking the document, so all of them are reported at once."""

    def __init__(
        self,
        display: str,
        task_models: Mapping[str, type[TaskBase]],
        check_models: Mapping[str, type[CheckBase]],
    ) -> None:
        self.display = display
        self.task_models = task_models
        self.check_models = check_models
        self.errors: list[RoadmapError] = []
        self.task_lines: dict[str, int] = {}
        self.fingerprints: dict[str, str] = {}

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(RoadmapError(self.display, line, message))

    def validate(
        self, model: type[BaseModel], raw: Any, where: str, line: int, node: Any = None
    ) -> Any:
        """Validate ``raw`` with ``model``; on failure record each error at its own line."""
        if not isinstance(raw, Mapping):
            self.error(
                line,
                f"{where} must be a mapping of keys to values, not {type(raw).__name__}; indent "
                "its keys under it",
            )
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as e:
            for err in e.errors():
                self.error(
                    _locate(node if node is not None else raw, tuple(err["loc"]), line),
                    describe_validation_error(err, model, where),
                )
            return None

    def load(
        self, text: str, path: Path, project_root: Path | None, default_root: Path
    ) -> Roadmap | None:
        doc = parse_yaml(text, self.display)
        if doc is None:
            self.error(
                1,
                "the roadmap is empty; "
                "add an 'orchestrator' section and phase_1, phase_2, ... keys",
            )
            return None
        if not isinstance(doc, LineMap):
            self.error(
                1,
                "the roadmap must be a mapping "
                "with 'orchestrator' and phase_N keys at the top level",
            )
            return None

        settings = Settings()
        phase_keys: list[tuple[int, str]] = []
        for key in doc:
            line = _line(doc, key, 1)
            if key == "orchestrator":
                section = self.validate(
                    OrchestratorSection, doc[key], "orchestrator", line, doc[key]
                )
                if section is not None:
                    settings = section.settings
            elif isinstance(key, str) and (number := phase_number(key)) is not None:
                phase_keys.append((number, key))
            else:
                best = _closest(str(key), ["orchestrator", "phase_1"])
                hint = (
                    f"did you mean '{best}'?"
                    if best
                    else "use 'orchestrator' or phase_<N> (phase_1, phase_2, ...)"
                )
                self.error(line, f"unknown top-level key '{key}'; {hint}")

        root = self._project_root(settings, path, project_root, default_root)
        phases = [self._phase(doc, key, number, root) for number, key in sorted(phase_keys)]
        if not phase_keys and not self.errors:
            self.error(1, "the roadmap has no phases; add phase_1 with groups and tasks")
        roadmap = Roadmap(
            path=path,
            display=self.display,
            settings=settings,
            phases=tuple(p for p in phases if p is not None),
            project_root=root,
            task_lines=self.task_lines,
            fingerprints=self.fingerprints,
        )
        if not self.errors:
            self._check_references(doc, roadmap)
        return roadmap

    @staticmethod
    def _project_root(settings: Settings, path: Path, given: Path | None, default: Path) -> Path:
        if given is not None:
            return given.resolve()
        if settings.project_root:
            # Relative to the file that says it, so the roadmap means the same from any directory.
            return (path.parent / settings.project_root).resolve()
        return default.resolve()

    def _phase(self, doc: LineMap, key: str, number: int, root: Path) -> Phase | None:
        raw = doc[key]
        line = _line(doc, key, 1)
        spec = self.validate(PhaseSpec, raw, key, line, raw)
        if spec is None:
            return None
        groups = []
        for gkey in spec.groups:
            gline = _line(raw["groups"], gkey, line)
            if not GROUP_KEY.match(str(gkey)):
                self.error(
                    gline,
                    f"{key}: group key '{gkey}' must look like group_<letter> (group_a, group_b, "
                    "...); rename it",
                )
                continue
            group = self._group(raw["groups"][gkey], f"{key}.{gkey}", str(gkey), gline, root)
            if group is not None:
                groups.append(group)
        checkpoint = None
        if spec.checkpoint is not None:
            checkpoint = self._checkpoint(
                raw["checkpoint"], f"{key}.checkpoint", _line(raw, "checkpoint", line), root
            )
        return Phase(
            key=key,
            number=number,
            name=spec.name,
            description=spec.description,
            estimated_duration=spec.estimated_duration,
            depends_on=tuple(spec.depends_on) if spec.depends_on is not None else None,
            groups=tuple(groups),
            checkpoint=checkpoint,
            line=line,
        )

    def _group(self, raw: Any, where: str, key: str, line: int, root: Path) -> Group | None:
        spec = self.validate(GroupSpec, raw, where, line, raw)
        if spec is None:
            return None
        tasks = []
        for i, traw in enumerate(raw["tasks"]):
            tline = _line(raw["tasks"], i, line)
            task = self._task(traw, f"{where}.tasks[{i}]", tline, root)
            if task is not None:
                tasks.append(task)
        return Group(
            key=key,
            name=spec.name,
            execution=spec.execution,
            description=spec.description,
            depends_on=tuple(spec.depends_on),
            tasks=tuple(tasks),
            line=line,
        )

    def _task(self, raw: Any, where: str, line: int, root: Path) -> TaskBase | None:
        if not isinstance(raw, Mapping):
            self.error(
                line, f"{where} must be a mapping with id, name and type; write it as '- id: ...'"
            )
            return None
        if "id" in raw:
            where = f"task {raw['id']}"
        ttype = raw.get("type")
        if ttype is None:
            self.error(
                line,
                f"{where}: missing required key 'type'; add one of: "
                f"{', '.join(sorted(self.task_models))}",
            )
            return None
        model = self.task_models.get(str(ttype))
        if model is None:
            best = _closest(str(ttype), list(self.task_models))
            hint = f"did you mean '{best}'? " if best else ""
            self.error(
                _line(raw, "type", line),
                f"{where}: unknown task type '{ttype}'; {hint}known types: "
                f"{', '.join(sorted(self.task_models))}",
            )
            return None
        task: TaskBase | None = self.validate(model, raw, where, line, raw)
        if task is None:
            return None
        for rel in task.paths():
            try:
                resolve_inside(root, rel)
            except UnsafePathError as e:
                key = next(
                    (k for k in ("target", "output", "source", "cwd", "writes") if k in raw), "type"
                )
                self.error(_line(raw, key, line), f"{where}: {e}; {e.fix}")
        if task.id in self.task_lines:
            self.error(
                line,
                f"duplicate task id '{task.id}' (first used at line {self.task_lines[task.id]}); "
                "give each task its own id",
            )
            return None
        self.task_lines[task.id] = line
        self.fingerprints[task.id] = fingerprint(raw)
        return task

    def _checkpoint(self, raw: Any, where: str, line: int, root: Path) -> Checkpoint | None:
        spec = self.validate(CheckpointSpec, raw, where, line, raw)
        if spec is None:
            return None
        checks = []
        for i, craw in enumerate(raw["checks"]):
            cline = _line(raw["checks"], i, line)
            cwhere = f"{where}.checks[{i}]"
            ctype = craw.get("type") if isinstance(craw, Mapping) else None
            model = self.check_models.get(str(ctype))
            if model is None:
                best = _closest(str(ctype), list(self.check_models))
                hint = f"did you mean '{best}'? " if best else ""
                known = ", ".join(sorted(self.check_models))
                self.error(cline, f"{cwhere}: unknown check type '{ctype}'; {hint}known: {known}")
                continue
            check = self.validate(model, craw, cwhere, cline, craw)
            for rel in check.paths() if check is not None else ():
                try:
                    resolve_inside(root, rel)
                except UnsafePathError as e:
                    self.error(cline, f"{cwhere}: {e}; use a path inside the project root")
            if check is not None:
                checks.append(check)
        return Checkpoint(name=spec.name, blocking=spec.blocking, checks=tuple(checks), line=line)

    def _check_references(self, doc: LineMap, roadmap: Roadmap) -> None:
        """Duplicate group letters, and ``depends_on`` that names nothing."""
        seen_groups: dict[str, str] = {}
        for phase in roadmap.phases:
            for group in phase.groups:
                if group.key in seen_groups:
                    self.error(
                        group.line,
                        f"{phase.key}: duplicate group letter '{group.letter}' (also in "
                        f"{seen_groups[group.key]}); group letters are unique across the roadmap, "
                        "rename one",
                    )
                seen_groups.setdefault(group.key, phase.key)

        names = set(roadmap.task_lines) | set(seen_groups) | {p.key for p in roadmap.phases}
        for phase in roadmap.phases:
            for dep in phase.depends_on or ():
                self._check_name(
                    dep,
                    names,
                    f"{phase.key}: depends_on",
                    _line(doc[phase.key], "depends_on", phase.line),
                )
            for group in phase.groups:
                for dep in group.depends_on:
                    self._check_name(dep, names, f"{phase.key}.{group.key}: depends_on", group.line)
                for task in group.tasks:
                    for dep in task.depends_on:
                        self._check_name(
                            dep, names, f"task {task.id}: depends_on", roadmap.task_lines[task.id]
                        )

    def _check_name(self, dep: str, names: set[str], where: str, line: int) -> None:
        if dep in names:
            return
        best = _closest(dep, sorted(names))
        hint = f"did you mean '{best}'?" if best else "name a task id, group_<letter> or phase_<N>"
        self.error(line, f"{where} names '{dep}', which is not in the roadmap; {hint}")


def missing_files(roadmap: Roadmap) -> list[RoadmapError]:
    """Targets and sources that do not exist in the project root (what ``validate`` adds)."""
    errors = []
    for task in roadmap.tasks():
        for rel in task.reads():
            try:
                exists = resolve_inside(roadmap.project_root, rel).exists()
            except UnsafePathError as e:
                errors.append(
                    RoadmapError(
                        roadmap.display, roadmap.task_lines.get(task.id), f"task {task.id}: {e}"
                    )
                )
                continue
            if not exists:
                errors.append(
                    RoadmapError(
                        roadmap.display,
                        roadmap.task_lines.get(task.id),
                        f"task {task.id}: '{rel}' does not exist in {roadmap.project_root}; "
                        "fix the path, or pass --project-root",
                    )
                )
    return errors
