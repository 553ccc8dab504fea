"""What a Python source module declares, read with ``ast`` under the target's own interpreter.

The parse runs in a subprocess of the interpreter the target uses (its ``.venv`` or ``venv``, else
ours), because syntax is versioned: PEP 695's ``type X = ...`` parses under 3.12 and fails under
3.11. The subprocess walks the tree and prints JSON; this module turns that into frozen records.

It finds public functions, classes with their methods, properties, class and static methods,
decorators, dataclass-style fields, module constants, type aliases, imports, and the literals the
code compares against (string and number pools for input synthesis). Whatever it does not
understand becomes a ``Note`` with its line, so nothing is dropped silently.

It does not import or run the analysed code; ``tasks/test_generation`` does that, in a probe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import TaskFailed

ParamKind = Literal[
    "positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword"
]
FunctionKind = Literal["function", "method", "property", "classmethod", "staticmethod"]

# Seconds one parse may take; a parse is milliseconds, so this only stops a wedged interpreter.
PARSE_TIMEOUT = 60.0
# Virtual environments looked for, nearest folder first.
VENV_NAMES = (".venv", "venv")


@dataclass(frozen=True)
class Param:
    """One parameter: name, kind, and annotation and default as source text."""

    name: str
    kind: ParamKind
    annotation: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class Function:
    """A function or method, with its signature as written."""

    name: str
    line: int
    kind: FunctionKind
    params: tuple[Param, ...]
    returns: str | None
    decorators: tuple[str, ...]
    is_async: bool
    type_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    """An annotated class attribute (a dataclass, pydantic or TypedDict field)."""

    name: str
    annotation: str
    default: str | None


@dataclass(frozen=True)
class ClassInfo:
    """A public class: bases, decorators, fields and public methods."""

    name: str
    line: int
    bases: tuple[str, ...]
    decorators: tuple[str, ...]
    fields: tuple[Field, ...]
    methods: tuple[Function, ...]
    type_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Constant:
    """A module-level name bound once to a value (``EVENT_TYPES = frozenset(...)``)."""

    name: str
    line: int
    value: str


@dataclass(frozen=True)
class Import:
    """One import statement: ``from module import names`` or ``import names``."""

    module: str
    names: tuple[str, ...]
    line: int
    level: int = 0


@dataclass(frozen=True)
class Note:
    """Something the analyser saw and did not understand, at a 1-based line."""

    line: int
    message: str


@dataclass(frozen=True)
class ModuleInfo:
    """Everything the analyser found in one module."""

    path: str
    interpreter: str
    functions: tuple[Function, ...]
    classes: tuple[ClassInfo, ...]
    constants: tuple[Constant, ...]
    type_aliases: tuple[Constant, ...]
    imports: tuple[Import, ...]
    strings: tuple[str, ...]
    numbers: tuple[int | float, ...]
    keys: tuple[str, ...]
    notes: tuple[Note, ...]
    exports: tuple[str, ...] | None = None

    @property
    def public_names(self) -> list[str]:
        """Functions and classes, in source order."""
        found = [(f.line, f.name) for f in self.functions] + [
            (c.line, c.name) for c in self.classes
        ]
        return [name for _, name in sorted(found)]


def find_interpreter(start: Path, root: Path) -> str:
    """The Python of the nearest ``.venv``/``venv`` from ``start`` up to ``root``, else ours."""
    start, root = start.resolve(), root.resolve()
    folders = [start, *start.parents]
    for folder in folders:
        for name in VENV_NAMES:
            for candidate in (
                folder / name / "bin" / "python",
                folder / name / "Scripts" / "python.exe",
            ):
                if candidate.is_file() and os.access(candidate, os.X_OK):
                    return str(candidate)
        if folder == root:
            break
    return sys.executable


def analyse_file(
    path: Path, *, interpreter: str | None = None, display: str | None = None
) -> ModuleInfo:
    """Analyse ``path`` under ``interpreter`` (default: ours); a syntax error is ``TaskFailed``."""
    python = interpreter or sys.executable
    shown = display or path.name
    try:
        done = subprocess.run(
            [python, "-I", "-c", _DUMP_SCRIPT, str(path)],
            capture_output=True,
            text=True,
            timeout=PARSE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise TaskFailed(
            f"{shown}: cannot run {python} to parse it ({e}); check the interpreter"
        ) from None
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise TaskFailed(f"{shown}: the parser under {python} failed: {tail}")
    data = json.loads(done.stdout)
    error = data.get("syntax_error")
    if error is not None:
        raise TaskFailed(
            f"{shown}:{error['line']}: syntax error under {data['version']} ({python}): "
            f"{error['message']}; fix the file or give the service a .venv with the right Python"
        )
    return _module(data, shown, python)


def _module(data: dict[str, Any], path: str, interpreter: str) -> ModuleInfo:
    exports = data.get("exports")
    return ModuleInfo(
        path=path,
        interpreter=interpreter,
        functions=tuple(_function(f) for f in data["functions"]),
        classes=tuple(_class(c) for c in data["classes"]),
        constants=tuple(Constant(c["name"], c["line"], c["value"]) for c in data["constants"]),
        type_aliases=tuple(
            Constant(c["name"], c["line"], c["value"]) for c in data["type_aliases"]
        ),
        imports=tuple(
            Import(i["module"], tuple(i["names"]), i["line"], i["level"]) for i in data["imports"]
        ),
        strings=tuple(data["strings"]),
        numbers=tuple(data["numbers"]),
        keys=tuple(data["keys"]),
        notes=tuple(Note(n["line"], n["message"]) for n in data["notes"]),
        exports=tuple(exports) if exports is not None else None,
    )


def _function(data: dict[str, Any]) -> Function:
    return Function(
        name=data["name"],
        line=data["line"],
        kind=data["kind"],
        params=tuple(
            Param(p["name"], p["kind"], p["annotation"], p["default"]) for p in data["params"]
        ),
        returns=data["returns"],
        decorators=tuple(data["decorators"]),
        is_async=data["is_async"],
        type_params=tuple(data["type_params"]),
    )


def _class(data: dict[str, Any]) -> ClassInfo:
    return ClassInfo(
        name=data["name"],
        line=data["line"],
        bases=tuple(data["bases"]),
        decorators=tuple(data["decorators"]),
        fields=tuple(Field(f["name"], f["annotation"], f["default"]) for f in data["fields"]),
        methods=tuple(_function(m) for m in data["methods"]),
        type_params=tuple(data["type_params"]),
    )


def analyse_many(paths: Sequence[Path], *, interpreter: str | None = None) -> list[ModuleInfo]:
    """``analyse_file`` for each path, in order."""
    return [analyse_file(p, interpreter=interpreter) for p in paths]


# Runs in the target's interpreter (3.8+), standard library only, so it is kept as text rather than
# imported. It prints one JSON object; a syntax error is data, not a crash, so the caller can say
# which interpreter refused the file.
_DUMP_SCRIPT = r"""
import ast, json, re, sys

LONG_STRING = 80
PLACEHOLDER = re.compile(r"[$]\{?([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)[}!:]")

def text(node):
    if node is None:
        return None
    try:
        return ast.unparse(node)
    except Exception:
        return ast.get_source_segment(SOURCE, node) or "?"

def type_params(node):
    return [text(p) if not hasattr(p, "name") else p.name for p in getattr(node, "type_params", [])]

def params(args):
    out = []
    positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    n_posonly = len(getattr(args, "posonlyargs", []))
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        kind = "positional_only" if i < n_posonly else "positional_or_keyword"
        out.append(dict(name=arg.arg, kind=kind, annotation=text(arg.annotation),
                        default=text(default)))
    if args.vararg:
        out.append(dict(name=args.vararg.arg, kind="var_positional",
                        annotation=text(args.vararg.annotation), default=None))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append(dict(name=arg.arg, kind="keyword_only", annotation=text(arg.annotation),
                        default=text(default)))
    if args.kwarg:
        out.append(dict(name=args.kwarg.arg, kind="var_keyword",
                        annotation=text(args.kwarg.annotation), default=None))
    return out

def function(node, kind):
    decorators = [text(d) for d in node.decorator_list]
    names = {d.split("(")[0].split(".")[-1] for d in decorators}
    if kind == "method":
        if "property" in names or "cached_property" in names:
            kind = "property"
        elif "classmethod" in names:
            kind = "classmethod"
        elif "staticmethod" in names:
            kind = "staticmethod"
    return dict(name=node.name, line=node.lineno, kind=kind, params=params(node.args),
                returns=text(node.returns), decorators=decorators,
                is_async=isinstance(node, ast.AsyncFunctionDef), type_params=type_params(node))

def public(name):
    return not name.startswith("_")

def klass(node):
    methods, fields = [], []
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if public(item.name) or item.name in ("__init__", "__call__"):
                if any(text(d).endswith(".setter") or text(d).endswith(".deleter")
                       for d in item.decorator_list):
                    continue
                methods.append(function(item, "method"))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            fields.append(dict(name=item.target.id, annotation=text(item.annotation),
                               default=text(item.value)))
        elif isinstance(item, (ast.Assign, ast.Pass, ast.ClassDef)) or is_docstring(item):
            continue
        else:
            note(item, "class %s: statement %s not analysed" % (node.name, type(item).__name__))
    return dict(name=node.name, line=node.lineno, bases=[text(b) for b in node.bases],
                decorators=[text(d) for d in node.decorator_list], fields=fields,
                methods=methods, type_params=type_params(node))

def is_docstring(node):
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))

def note(node, message):
    NOTES.append(dict(line=getattr(node, "lineno", 0), message=message))

def imports(node):
    if isinstance(node, ast.Import):
        return dict(module="",
                    names=[a.name + (" as " + a.asname if a.asname else "") for a in node.names],
                    line=node.lineno, level=0)
    return dict(module=node.module or "", names=[a.name + (" as " + a.asname if a.asname else "")
                for a in node.names], line=node.lineno, level=node.level)

def literal_pools(tree):
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and is_docstring(body[0]):
            docstrings.add(id(body[0].value))
    strings, numbers, keys = {}, {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Index):  # 3.8
                index = index.value
            if isinstance(index, ast.Constant) and isinstance(index.value, str):
                keys.setdefault(index.value, index.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("get", "pop", "setdefault") and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            keys.setdefault(node.args[0].value, node.lineno)
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.setdefault(key.value, key.lineno)
        elif isinstance(node, ast.Constant) and id(node) not in docstrings:
            value = node.value
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, str) and len(value) <= LONG_STRING:
                strings.setdefault(value, node.lineno)
                for match in PLACEHOLDER.finditer(value):
                    keys.setdefault(match.group(1) or match.group(2), node.lineno)
            elif isinstance(value, (int, float)) and abs(value) < 1e12:
                numbers.setdefault(value, node.lineno)
    by_line = lambda pool: [k for k, _ in sorted(pool.items(), key=lambda kv: (kv[1], repr(kv[0])))]
    return by_line(strings), by_line(numbers), by_line(keys)

def exports(tree):
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                for t in node.targets):
            try:
                return [str(n) for n in ast.literal_eval(node.value)]
            except ValueError:
                note(node, "__all__ is not a literal list; using public names instead")
    return None

def main(path):
    global SOURCE
    with open(path, "rb") as handle:
        SOURCE = handle.read().decode("utf-8")
    version = "Python %d.%d" % sys.version_info[:2]
    try:
        tree = ast.parse(SOURCE, filename=path)
    except SyntaxError as e:
        return dict(version=version, syntax_error=dict(line=e.lineno or 0, message=e.msg))
    out = dict(version=version, syntax_error=None, functions=[], classes=[], constants=[],
               type_aliases=[], imports=[], notes=NOTES)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if public(node.name):
                out["functions"].append(function(node, "function"))
        elif isinstance(node, ast.ClassDef):
            if public(node.name):
                out["classes"].append(klass(node))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out["imports"].append(imports(node))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and public(target.id) and node.value is not None:
                    out["constants"].append(dict(name=target.id, line=node.lineno,
                                                 value=text(node.value)))
        elif type(node).__name__ == "TypeAlias":
            out["type_aliases"].append(dict(name=node.name.id, line=node.lineno,
                                            value=text(node.value)))
        elif is_docstring(node) or isinstance(node, ast.Pass):
            continue
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in text(node.test):
            continue
        elif isinstance(node, ast.Try) and all(isinstance(s, (ast.Import, ast.ImportFrom))
                                               for s in node.body):
            out["imports"].extend(imports(s) for s in node.body)
        else:
            note(node, "top-level %s statement not analysed" % type(node).__name__)
    out["strings"], out["numbers"], out["keys"] = literal_pools(tree)
    out["exports"] = exports(tree)
    return out

NOTES = []
SOURCE = ""
print(json.dumps(main(sys.argv[1])))
"""
