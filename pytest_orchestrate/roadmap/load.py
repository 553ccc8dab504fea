"""Load ``phases.yaml`` into a validated ``model.Roadmap``, locating every problem at ``path:line``.

The file is parsed by libyaml (YAML 1.2 rules) into dicts and lists that remember the line of each
key and item; validation is pydantic's. ruamel's round-trip loader would give the same lines but
takes seconds on a 5,000-task roadmap. All problems found are reported together, one per line,
each saying what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..edit.yaml12 import CoreLoader
from ..errors import RoadmapError, RoadmapInvalid, UnsafePathError
from .keys import GROUP_KEY, PHASE_PREFIX
from .model import (
    BUILTIN_CHECK_MODELS,
    CheckBase,
    Checkpoint,
    CheckpointSpec,
    ConfigEditTask,
    FileGenerationTask,
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
    text = read_roadmap_text(path, display)
    roadmap = loader.load(text, path, project_root, default_root or path.parent)
    if loader.errors:
        raise RoadmapInvalid(_capped(loader.errors))
    assert roadmap is not None
    return roadmap


def read_roadmap_text(path: Path, display: str) -> str:
    """The file's text, refused (at a line where there is one) if it cannot be read, is larger
    than ``MAX_BYTES`` or is not UTF-8."""

    def refuse(line: int | None, message: str) -> RoadmapInvalid:
        return RoadmapInvalid([RoadmapError(display, line, message)])

    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_BYTES:
                raise refuse(1, _too_large(size))
            data = f.read(MAX_BYTES + 1)  # the file may grow after fstat
    except OSError as e:
        raise refuse(None, f"cannot read the roadmap: {e.strerror}") from None
    if len(data) > MAX_BYTES:
        raise refuse(1, _too_large(len(data)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise refuse(
            line,
            f"byte {data[e.start]:#04x} is not UTF-8 ({e.reason}); save the file as UTF-8",
        ) from None


MAX_ERRORS = 20  # a file of 10,000 mistakes is reported by its first few


def _capped(errors: list[RoadmapError]) -> list[RoadmapError]:
    if len(errors) <= MAX_ERRORS:
        return errors
    rest = errors[MAX_ERRORS:]
    return [
        *errors[:MAX_ERRORS],
        RoadmapError(
            rest[0].path,
            rest[0].line,
            f"and {len(rest)} more problems from here on; fix the ones above first",
        ),
    ]


def _plain_number(digits: str) -> bool:
    """``12``, not ``012``, ``١٢`` or 5,000 digits."""
    return digits.isascii() and 0 < len(digits) <= 9 and str(int(digits)) == digits


def _too_large(size: int) -> str:
    return (
        f"the roadmap is {size / 2**20:.1f} MB, more than the {MAX_BYTES // 2**20} MB a roadmap "
        "may be; split it, or move large values into files that tasks read"
    )


class LineMap(dict[Any, Any]):
    """A mapping that knows the 1-based line of each key."""

    key_lines: dict[Any, int]


class LineSeq(list[Any]):
    """A sequence that knows the 1-based line of each item."""

    item_lines: list[int]


# Limits that keep a hostile file from exhausting memory, the stack or the clock. A 5,000-task
# roadmap is about 0.4 MB, 50,000 nodes and 7 levels deep.
MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64  # libyaml's own composer recurses in C: 100,000 nested '[' crash the process
MAX_NODES = 1_000_000  # counting each alias as the nodes it stands for (a "billion laughs")
_C_DEPTH_SAFE = 2_000  # nesting libyaml's recursive composer is known to survive (it did 10,000)
_BRACKETS = re.compile(r"[\[\]{}]")


class _Refused(Exception):
    """The document is too deep or expands to too much; raised while composing, at a line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _LineLoader(CoreLoader):
    """The YAML 1.2 loader, building LineMap and LineSeq so errors can name lines.

    Nodes are composed here, from libyaml's events, without recursion and under ``MAX_DEPTH`` and
    ``MAX_NODES``; construction (which recurses) only ever sees a tree that passed.
    """

    roadmap_text = ""

    def get_single_data(self) -> Any:
        text = self.roadmap_text
        if _depth_bound(text) <= _C_DEPTH_SAFE:
            # libyaml's composer, several times faster than ours; check what it built.
            node = self.get_single_node()
            if node is not None:
                _check_tree(node)
        else:
            node = _compose(self)
        return None if node is None else self.construct_document(node)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return self.construct_core_int(node)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"the integer {_short(str(node.value), 20)} has too many digits",
                node.start_mark,
            ) from None


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
_LineLoader.add_constructor("tag:yaml.org,2002:int", _LineLoader.construct_yaml_int)


class _Open:
    """A collection being composed: its node, its anchor, its expanded size so far, and a key
    waiting for its value."""

    __slots__ = ("node", "anchor", "size", "key")

    def __init__(self, node: yaml.Node, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.size = 1
        self.key: yaml.Node | None = None


def _depth_bound(text: str) -> int:
    """An upper bound, cheap to compute, on how deep ``text`` nests.

    A block level starts at least one column right of its parent (two, through a sequence that
    shares its mapping's column), so block depth is at most twice the longest line; flow depth is
    the deepest run of open brackets (strings that hold brackets only raise the bound).
    """
    longest = max(map(len, text.splitlines()), default=0)
    if text.count("[") + text.count("{") + 2 * longest <= _C_DEPTH_SAFE:
        return 2 * longest + text.count("[") + text.count("{")
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > deepest:
            deepest = depth
            if 2 * longest + deepest > _C_DEPTH_SAFE:
                break
    return 2 * longest + deepest


def _check_tree(root: yaml.Node) -> None:
    """Refuse a composed tree deeper than ``MAX_DEPTH`` or larger than ``MAX_NODES`` with every
    alias expanded."""
    # Most roadmaps use no aliases: one walk from the top settles depth and size.
    seen: set[int] = set()
    stack = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if isinstance(node, yaml.ScalarNode):
            continue
        if id(node) in seen:  # an alias: sizes and depths need counting with memory
            _check_shared_tree(root)
            return
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Refused(node.start_mark.line + 1, _TOO_DEEP)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node.value)
    if count > MAX_NODES:
        raise _Refused(root.start_mark.line + 1, _TOO_LARGE)


def _check_shared_tree(root: yaml.Node) -> None:
    """``_check_tree`` for a tree with aliases: each node is measured once, however many aliases
    name it, so a "billion laughs" costs no more than its text."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    opened: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in size or (not children_done and key in opened):
            continue  # measured already, or a recursive alias (construction reports those)
        opened.add(key)
        kids: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            kids = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            kids = node.value
        if not children_done:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in size)
            continue
        size[key] = 1 + sum(size.get(id(k), 1) for k in kids)
        height[key] = 1 + max((height.get(id(k), 1) for k in kids), default=0)
        if height[key] > MAX_DEPTH + 1:
            raise _Refused(node.start_mark.line + 1, _TOO_DEEP)
        if size[key] > MAX_NODES:
            raise _Refused(node.start_mark.line + 1, _TOO_LARGE)


_TOO_DEEP = f"the roadmap nests deeper than {MAX_DEPTH} levels; flatten it"
_TOO_LARGE = (
    f"the roadmap expands to more than {MAX_NODES:,} values (aliases of aliases?); "
    "write the values out, or use fewer aliases"
)


_OPEN = -1  # the size recorded for an anchor whose collection is still being read


def _compose(loader: _LineLoader) -> yaml.Node | None:
    """PyYAML's composer, iterative and bounded: one document's node tree from libyaml's events.

    Each alias counts as the size of what it names, so aliases of aliases that would expand to
    billions of values are refused after reading a few lines.
    """
    loader.get_event()  # StreamStart
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # DocumentStart
    resolve: Any = loader.resolve  # (untyped in PyYAML's stubs, as are libyaml's marks)
    anchors: dict[str, tuple[yaml.Node, int]] = {}
    stack: list[_Open] = []
    root: yaml.Node | None = None
    while root is None:
        event: Any = loader.get_event()
        start: Any = event.start_mark
        end: Any = event.end_mark
        node: Any
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", start
                )
            node, size = anchors[event.anchor]
            if size == _OPEN:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"alias *{event.anchor} is inside the node it names",
                    start,
                )
        elif isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(yaml.ScalarNode, event.value, event.implicit)
            node = yaml.ScalarNode(tag, event.value, start, end, style=event.style)
            size = 1
            _anchor(anchors, event, node, size)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise _Refused(start.line + 1, _TOO_DEEP)
            kind: Any = (
                yaml.MappingNode if isinstance(event, yaml.MappingStartEvent) else yaml.SequenceNode
            )
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(kind, None, event.implicit)
            node = kind(tag, [], start, None, flow_style=event.flow_style)
            _anchor(anchors, event, node, _OPEN)
            stack.append(_Open(node, event.anchor))
            continue
        else:  # the end of the innermost open collection
            done = stack.pop()
            node, size = done.node, done.size
            node.end_mark = end
            if done.anchor is not None:
                anchors[done.anchor] = (node, size)
        if not stack:
            root = node
            break
        parent = stack[-1]
        parent.size += size
        if parent.size > MAX_NODES:
            raise _Refused(start.line + 1, _TOO_LARGE)
        if isinstance(parent.node, yaml.SequenceNode):
            parent.node.value.append(node)
        elif parent.key is None:
            parent.key = node
        else:
            parent.node.value.append((parent.key, node))
            parent.key = None
    loader.get_event()  # DocumentEnd
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        raise yaml.composer.ComposerError(
            "expected a single document in the stream",
            None,
            "but found another document",
            event.start_mark,
        )
    return root


def _anchor(anchors: dict[str, tuple[yaml.Node, int]], event: Any, node: Any, size: int) -> None:
    if event.anchor is None:
        return
    if event.anchor in anchors:
        raise yaml.composer.ComposerError(
            None, None, f"found duplicate anchor {event.anchor!r}", event.start_mark
        )
    anchors[event.anchor] = (node, size)


def parse_yaml(text: str, display: str) -> Any:
    """Parse, turning a syntax error (or a document too deep or too large) into a located
    ``RoadmapError``."""
    try:
        loader = _LineLoader(text)
        loader.roadmap_text = text
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _Refused as e:
        raise RoadmapInvalid([RoadmapError(display, e.line, e.message)]) from None
    except yaml.YAMLError as e:
        line = None
        problem = str(e)
        if isinstance(e, yaml.MarkedYAMLError):
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = " ".join(filter(None, [e.context, e.problem]))
        elif isinstance(e, yaml.reader.ReaderError):  # a character YAML forbids, such as NUL
            # libyaml counts bytes of the UTF-8 text
            line = text.encode("utf-8")[: e.position].count(b"\n") + 1
            code = e.character if isinstance(e.character, int) else ord(e.character)
            problem = f"character U+{code:04X} is not allowed ({e.reason})"
        raise RoadmapInvalid(
            [
                RoadmapError(
                    display,
                    line,
                    f"invalid YAML: {problem}; fix the syntax (check indentation and quoting)",
                )
            ]
        ) from None


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


def _short(value: Any, limit: int = 60) -> str:
    """``value`` as text, cut to ``limit`` characters: a hostile key makes no huge message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    """What a YAML value is, in the words of the YAML file."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    if value is None:
        return "empty"
    return f"the {type(value).__name__} {_short(repr(value))}"


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
        return f"{where}: unknown key '{_short(key)}'; {hint}"
    if kind == "missing":
        return f"{where}: missing required key '{key}'; add it"
    if kind == "literal_error" and len(loc) == 1:
        choices = _literal_choices(model, key)
        best = _closest(_short(err.get("input")), choices)
        hint = f"did you mean '{best}'? " if best else ""
        return (
            f"{where}: '{_short(err.get('input'))}' is not a valid {key}; {hint}use one of: "
            f"{', '.join(choices)}"
        )
    if loc == ("id",) and kind == "string_type" and not isinstance(err.get("input"), int | float):
        return f'{where}: task id must be a string such as "1.1", not {_kind(err.get("input"))}'
    if loc == ("id",) and kind == "string_type":
        return (
            f"{where}: task id {err.get('input')!r} must be a string; quote it, e.g. id: "
            f'"{err.get("input")}"'
        )
    msg = str(err["msg"]).removeprefix("Value error, ")
    field_path = ".".join(str(p) for p in loc)
    return f"{where}: {field_path + ': ' if field_path else ''}{msg}; fix the value"


def _without_union_noise(errors: list[Any]) -> list[Any]:
    """A value of a union type (``report: str | ReportSpec | list``) that fails inside one
    member also "fails" as each other member's type; keep only the error that says why."""

    def deeper(err: Any) -> bool:
        loc = tuple(err["loc"])
        return any(len(o["loc"]) > len(loc) and tuple(o["loc"][:1]) == loc[:1] for o in errors)

    return [
        err
        for err in errors
        if not (len(err["loc"]) >= 2 and str(err["type"]).endswith("_type") and deeper(err))
    ]


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
                f"{where} must be a mapping of keys to values, not {_kind(raw)}; indent "
                "its keys under it",
            )
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as e:
            for err in _without_union_noise(e.errors()):
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
        settings_line = None  # of settings.project_root, when the file sets it
        phase_keys: list[tuple[int, str]] = []
        for key in doc:
            line = _line(doc, key, 1)
            if key == "orchestrator":
                section = self.validate(
                    OrchestratorSection, doc[key], "orchestrator", line, doc[key]
                )
                if section is not None:
                    settings = section.settings
                    raw = doc[key].get("settings") if isinstance(doc[key], dict) else None
                    if settings.project_root:
                        settings_line = _line(raw, "project_root", line)
            elif isinstance(key, str) and key[len(PHASE_PREFIX) :].isdigit():
                digits = key[len(PHASE_PREFIX) :]
                if key.startswith(PHASE_PREFIX) and _plain_number(digits):
                    phase_keys.append((int(digits), key))
                else:
                    self.error(
                        line,
                        f"phase key '{_short(key)}' must be phase_<N> with N written plainly in "
                        "at most 9 digits (phase_1, phase_2, ...); rename it",
                    )
            else:
                best = _closest(_short(key), ["orchestrator", "phase_1"])
                hint = (
                    f"did you mean '{best}'?"
                    if best
                    else "use 'orchestrator' or phase_<N> (phase_1, phase_2, ...)"
                )
                self.error(line, f"unknown top-level key '{_short(key)}'; {hint}")

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
            # Where the root came from, for errors about it: only the file's own setting has a line.
            project_root_line=settings_line if project_root is None else None,
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
                    f"{key}: group key '{_short(gkey)}' must look like group_<letter> (group_a, "
                    "group_b, ...); rename it",
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
            where = f"task {_short(raw['id'])}"
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
            best = _closest(_short(ttype), list(self.task_models))
            hint = f"did you mean '{best}'? " if best else ""
            self.error(
                _line(raw, "type", line),
                f"{where}: unknown task type '{_short(ttype)}'; {hint}known types: "
                f"{', '.join(sorted(self.task_models))}",
            )
            return None
        task: TaskBase | None = self.validate(model, raw, where, line, raw)
        if task is None:
            return None
        for rel in dict.fromkeys(task.paths()):  # a target is read and written: once
            try:
                resolve_inside(root, rel)
            except UnsafePathError as e:
                key = next(
                    (k for k in ("target", "output", "source", "cwd", "writes") if k in raw), "type"
                )
                self.error(_line(raw, key, line), f"{where}: {e}; {e.fix}")
        for key in (
            ("target", "output") if isinstance(task, ConfigEditTask | FileGenerationTask) else ()
        ):
            named = getattr(task, key, None)
            if not isinstance(named, str):
                continue
            try:
                if resolve_inside(root, named) == root.resolve():
                    self.error(
                        _line(raw, key, line),
                        f"{where}: {key} '{_short(named)}' is the project root itself; name a file",
                    )
            except UnsafePathError:
                pass  # reported above
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
                best = _closest(_short(ctype), list(self.check_models))
                hint = f"did you mean '{best}'? " if best else ""
                known = ", ".join(sorted(self.check_models))
                self.error(
                    cline, f"{cwhere}: unknown check type '{_short(ctype)}'; {hint}known: {known}"
                )
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
                where = f"{phase.key}: depends_on"
                line = _line(doc[phase.key], "depends_on", phase.line)
                self._check_name(dep, names, where, line)
                self._check_not_within(dep, (phase.key,), where, line)
            for group in phase.groups:
                for dep in group.depends_on:
                    where = f"{phase.key}.{group.key}: depends_on"
                    self._check_name(dep, names, where, group.line)
                    self._check_not_within(dep, (group.key, phase.key), where, group.line)
                for task in group.tasks:
                    for dep in task.depends_on:
                        where, line = f"task {task.id}: depends_on", roadmap.task_lines[task.id]
                        self._check_name(dep, names, where, line)
                        self._check_not_within(dep, (task.id, group.key, phase.key), where, line)

    def _check_not_within(self, dep: str, own: tuple[str, ...], where: str, line: int) -> None:
        """Waiting for oneself, or for the group or phase one is part of, never ends."""
        if dep in own:
            what = "itself" if dep == own[0] else f"{dep}, which contains it"
            self.error(
                line,
                f"dependency cycle: {where} names {what} (it would wait for itself); remove it",
            )

    def _check_name(self, dep: str, names: set[str], where: str, line: int) -> None:
        if dep in names:
            return
        best = _closest(_short(dep), sorted(names))
        hint = f"did you mean '{best}'?" if best else "name a task id, group_<letter> or phase_<N>"
        self.error(line, f"{where} names '{_short(dep)}', which is not in the roadmap; {hint}")


def missing_project_root(roadmap: Roadmap) -> list[RoadmapError]:
    """The project root, when it is not a folder: nothing may run (or be created) there."""
    root = roadmap.project_root
    if root.is_dir():
        return []
    what = "does not exist" if not root.exists() else "is not a folder"
    return [
        RoadmapError(
            roadmap.display,
            roadmap.project_root_line,
            f"the project root {root} {what}; create it, fix project_root, or pass "
            "--project-root PATH (nothing was run)",
        )
    ]


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
