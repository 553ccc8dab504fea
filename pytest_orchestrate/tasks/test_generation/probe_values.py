"""Candidate inputs for probe calls, drawn from declared types, the unit's literals and boundaries.

A value is a JSON "node" that both the probe runtime (``probe.js``) and the renderer understand:
``{"t": "lit", "v": ...}``, ``undef``, ``arr``, ``obj``, ``date``, ``err``, ``mock`` (a recorded
collaborator, labelled), ``new`` (an instance of a class the unit checks with ``instanceof``),
and for results of mocked methods ``resolve``, ``reject``, ``throw`` and
``echo`` (answer with argument ``i``).

Identifier-like strings come from one small shared pool, for arguments and for fields of mocked
results alike, so equality branches (``community.ownerId !== requesterId``) go both ways. It does
not run anything; the random generator is passed in, seeded by the caller.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .characterize_source import ANY, Decl, Param, SourceInfo, Ty, env_names, parse_file

Node = dict[str, Any]
ID_POOL = ("id-a", "id-b")
UNDEF: Node = {"t": "undef"}
_MAX_DEPTH = 4
_INSTANCEOF = re.compile(r"\binstanceof\s+([A-Za-z_$][\w$]*)")

_ID_NAME = re.compile(
    r"(^id$|Id$|ID$|Ids$|^key$|Key$|^sub$|^sid$|code$|Code$|^token$|Token$|^slug$)"
)
_BY_NAME: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"email", re.I), ("user@example.com", "not-an-email", "")),
    (re.compile(r"password|secret", re.I), ("Sup3rSecretPassw0rd-long-enough-1234", "short", "")),
    (
        re.compile(r"url|uri|href", re.I),
        (
            "postgres://app:pw@localhost:5432/app",
            "redis://localhost:6379",
            "http://localhost:4000/x",
            "not a url",
        ),
    ),
    (re.compile(r"name|title", re.I), ("Alice Example", "ab", "  ", "Zed Learning Group")),
    (re.compile(r"header|authorization", re.I), ("Bearer id-a", "Basic abc", "")),
]
_STRINGS = ("", "x", "id-a", "Some text", "true", "0")
_NUMBERS = (0, 1, -1, 2, 10, 100, 1.5)
_DATES = ("2024-01-01T00:00:00.000Z", "2030-06-15T12:00:00.000Z")
_ENV_VALUES = (
    "",
    "0",
    "1",
    "-1",
    "99999999",
    "abc",
    "true",
    "no",
    "5",
    "60",
    "3600",
    "http://localhost",
    "postgres://app:pw@db.internal:6543/app",
    "redis://cache:6379",
    "rediss://cache:6380",
    "prefix:",
    "512kb",
    "x" * 40,
)


def lit(value: Any) -> Node:
    return {"t": "lit", "v": value}


@dataclass
class Scope:
    """Where a type name is looked up: one parsed file, plus generic arguments bound so far."""

    info: SourceInfo
    bound: dict[str, tuple[Ty, Scope]] = field(default_factory=dict)


class TypeResolver:
    """Finds the declaration behind a type name, following relative imports file by file."""

    def __init__(self) -> None:
        self._files: dict[Path, SourceInfo] = {}
        # Per file, not per ``Synth``: a task builds one Synth for each of hundreds of calls.
        self._instanceof: dict[Path, list[tuple[Path, str, tuple[Param, ...], Scope]]] = {}
        self._from_package: dict[tuple[Path, str], bool] = {}

    def info(self, path: Path) -> SourceInfo:
        if path not in self._files:
            self._files[path] = parse_file(path)
        return self._files[path]

    def instanceof(self, info: SourceInfo) -> list[tuple[Path, str, tuple[Param, ...], Scope]]:
        """``instanceof_classes`` of ``info``, read once."""
        if info.path not in self._instanceof:
            self._instanceof[info.path] = instanceof_classes(info, self)
        return self._instanceof[info.path]

    def from_package(self, name: str, info: SourceInfo) -> bool:
        """Whether ``info`` imports the type ``name`` from a package (``import { Request } from
        'express'``)."""
        key = (info.path, name)
        if key not in self._from_package:
            imported = rf"import\s[^;]*?\b{re.escape(name)}\b[^;]*?from\s*['\"][^.'\"]"
            self._from_package[key] = re.search(imported, info.text) is not None
        return self._from_package[key]

    def find(self, name: str, info: SourceInfo, hops: int = 0) -> tuple[Decl, SourceInfo] | None:
        if name in info.decls:
            return info.decls[name], info
        if hops > 4:
            return None
        for imp in info.imports:
            if name in imp.names and imp.file is not None:
                exported = imp.names[name]
                return self.find(
                    name if exported in ("default", "*") else exported,
                    self.info(imp.file),
                    hops + 1,
                )
        return None


class Synth:
    """Builds value nodes from types; collects the mock scenarios they need in ``scenario``."""

    def __init__(self, rng: random.Random, resolver: TypeResolver, unit: SourceInfo) -> None:
        self.rng = rng
        self.resolver = resolver
        self.unit = unit
        self.strings = [s for s in unit.strings if s not in ("use strict",)][:60]
        self.numbers = [n for n in unit.numbers if abs(n) < 1e7][:30]
        self.env = env_names(unit)
        self.classes = resolver.instanceof(unit)
        self.scenario: dict[str, Node] = {}
        self.labels: set[str] = set()

    # -- primitives ---------------------------------------------------------------------------
    def string(self, hint: str) -> Node:
        if _ID_NAME.search(hint) and self.rng.random() < 0.8:
            return lit(self.rng.choice(ID_POOL))
        for pattern, choices in _BY_NAME:
            if pattern.search(hint) and self.rng.random() < 0.75:
                return lit(self.rng.choice(choices))
        if self.strings and self.rng.random() < 0.5:
            return lit(self.rng.choice(self.strings))
        return lit(self.rng.choice(_STRINGS))

    def number(self) -> Node:
        pool = list(_NUMBERS) + self.numbers
        value = self.rng.choice(pool)
        return lit(int(value) if float(value).is_integer() else value)

    def generic(self, hint: str) -> Node:
        # An untyped value the unit tests with `instanceof` (an error handler's `err: unknown`)
        # takes each branch only when some inputs are instances of those classes.
        if self.classes and self.rng.random() < 0.5:
            file, name, params, scope = self.rng.choice(self.classes)
            args = args_for(self, params, scope)
            return {"t": "new", "file": str(file), "name": name, "args": args}
        choice = self.rng.randrange(7)
        return [
            UNDEF,
            lit(None),
            self.string(hint),
            self.number(),
            {"t": "obj", "fields": {}},
            {"t": "obj", "fields": {"id": lit(self.rng.choice(ID_POOL))}},
            {"t": "arr", "items": []},
        ][choice]

    # -- types --------------------------------------------------------------------------------
    def value(self, ty: Ty, scope: Scope, hint: str = "value", depth: int = 0) -> Node:
        if depth > _MAX_DEPTH:
            return UNDEF
        kind = ty[0]
        if kind == "prim":
            return self.prim(ty[1], hint)
        if kind == "lit":
            value = ty[1]
            return lit(int(value) if isinstance(value, float) and value.is_integer() else value)
        if kind == "union":
            return self.value(self.rng.choice(ty[1]), scope, hint, depth)
        if kind == "inter":
            merged: dict[str, Node] = {}
            for part in ty[1]:
                node = self.value(part, scope, hint, depth)
                if node.get("t") == "obj":
                    merged.update(node["fields"])
            return {"t": "obj", "fields": merged}
        if kind == "array":
            return {
                "t": "arr",
                "items": [
                    self.value(ty[1], scope, f"{hint}Item", depth + 1)
                    for _ in range(self.rng.choice((0, 1, 1, 2, 3)))
                ],
            }
        if kind == "tuple":
            return {"t": "arr", "items": [self.value(t, scope, hint, depth + 1) for t in ty[1]]}
        if kind == "obj":
            return self.fields(list(ty[1]), scope, hint, depth)
        if kind == "fn":
            return self.mock_fn(ty, scope, hint)
        if kind == "ref":
            return self.ref(ty, scope, hint, depth)
        return self.generic(hint)

    def prim(self, word: str, hint: str) -> Node:
        if word == "string":
            return self.string(hint)
        if word == "number":
            return self.number()
        if word == "boolean":
            return lit(self.rng.random() < 0.5)
        if word == "null":
            return lit(None)
        if word in ("undefined", "void", "never"):
            return UNDEF
        if word == "bigint":
            return self.number()
        return self.generic(hint)

    def fields(
        self,
        members: list[tuple[str, Ty, bool]],
        scope: Scope,
        hint: str,
        depth: int,
        all_optional: bool = False,
        only: set[str] | None = None,
        drop: set[str] | None = None,
    ) -> Node:
        out: dict[str, Node] = {}
        methods = [m for m in members if m[1][0] == "fn"]
        if methods and len(methods) * 2 >= len(members):
            return self.mock(members, scope, hint)
        for name, ty, optional in members:
            if (
                name == "[index]"
                or (only is not None and name not in only)
                or (drop and name in drop)
            ):
                continue
            if (optional or all_optional) and self.rng.random() < 0.35:
                continue
            out[name] = self.value(ty, scope, name, depth + 1)
        return {"t": "obj", "fields": out}

    def ref(self, ty: Ty, scope: Scope, hint: str, depth: int) -> Node:
        name, args = ty[1], ty[2]
        if name in scope.bound:
            bound_ty, bound_scope = scope.bound[name]
            return self.value(bound_ty, bound_scope, hint, depth)
        if name in ("Promise", "PromiseLike"):
            return {"t": "resolve", "v": self.value(args[0] if args else ANY, scope, hint, depth)}
        if name in ("Array", "ReadonlyArray", "Set"):
            return self.value(("array", args[0] if args else ANY), scope, hint, depth)
        if name == "Date":
            return {"t": "date", "iso": self.rng.choice(_DATES)}
        if name in ("Partial", "Required", "Readonly", "Omit", "Pick", "NonNullable") and args:
            return self.utility(name, args, scope, hint, depth)
        if name == "Record":
            return self.record(args, scope, hint, depth)
        if name in ("Error", "TypeError"):
            return {"t": "err", "msg": "probe error"}
        found = self.resolver.find(name, scope.info)
        if found is None:
            # A type from a package (express's `Request`, `Response`): a recording mock answers
            # whatever the unit asks of it, chained calls included.
            if self.from_package(name) and self.rng.random() < 0.6:
                return self.framework_mock(hint)
            return self.generic(hint)
        decl, info = found
        inner = Scope(info, {p: (a, scope) for p, a in zip(decl.type_params, args)})
        if decl.kind == "alias":
            return self.value(decl.alias, inner, hint, depth)
        if decl.kind == "enum":
            return lit(self.rng.choice(decl.members)) if decl.members else UNDEF
        if decl.kind == "class" and any(t[0] == "fn" for _, t, _ in decl.fields):
            return self.mock(decl.fields, inner, hint)
        return self.fields(decl.fields, inner, hint, depth)

    def utility(self, name: str, args: tuple[Ty, ...], scope: Scope, hint: str, depth: int) -> Node:
        members = self.members(args[0], scope)
        if members is None:
            return self.value(args[0], scope, hint, depth)
        fields, inner = members
        keys = {t[1] for t in _flatten(args[1])} if len(args) > 1 else set()
        return self.fields(
            fields,
            inner,
            hint,
            depth,
            all_optional=name == "Partial",
            only=keys if name == "Pick" else None,
            drop=keys if name == "Omit" else None,
        )

    def members(self, ty: Ty, scope: Scope) -> tuple[list[tuple[str, Ty, bool]], Scope] | None:
        """The fields of an object-like type, with the scope to read their types in."""
        if ty[0] == "obj":
            return list(ty[1]), scope
        if ty[0] != "ref":
            return None
        if ty[1] in scope.bound:
            return self.members(*scope.bound[ty[1]])
        found = self.resolver.find(ty[1], scope.info)
        if found is None:
            return None
        decl, info = found
        inner = Scope(info, {p: (a, scope) for p, a in zip(decl.type_params, ty[2])})
        if decl.kind == "alias":
            return self.members(decl.alias, inner)
        return (decl.fields, inner) if decl.kind in ("interface", "class") else None

    def record(self, args: tuple[Ty, ...], scope: Scope, hint: str, depth: int) -> Node:
        value_ty = args[1] if len(args) > 1 else ANY
        if self.env and (hint.lower().startswith("env") or "string" in repr(args[:1])):
            keys = [k for k in self.env if self.rng.random() < 0.3]
            pool = list(_ENV_VALUES) + [s for s in self.strings if len(s) < 60]
            return {"t": "obj", "fields": {k: lit(self.rng.choice(pool)) for k in keys}}
        keys = list(ID_POOL[: self.rng.randrange(3)])
        return {"t": "obj", "fields": {k: self.value(value_ty, scope, k, depth + 1) for k in keys}}

    # -- collaborators --------------------------------------------------------------------------
    def label(self, hint: str) -> str:
        # The suffix keeps labels clear of keywords and of the names the rendered test uses.
        base = (re.sub(r"\W", "_", hint) or "value") + "Mock"
        label, n = base, 2
        while label in self.labels:
            label, n = f"{base}{n}", n + 1
        self.labels.add(label)
        return label

    def mock(self, members: Sequence[tuple[str, Ty, bool]], scope: Scope, hint: str) -> Node:
        label = self.label(hint)
        for name, ty, _ in members:
            if ty[0] == "fn":
                self.scenario[f"{label}.{name}"] = self.result(ty, scope, name)
        return {"t": "mock", "label": label}

    def from_package(self, name: str) -> bool:
        """Whether a type name comes from a package (or stands for what a framework passes)."""
        return name == "$framework" or self.resolver.from_package(name, self.unit)

    def framework_mock(self, name: str) -> Node:
        """A mock for parameter ``name`` of a package's type. Methods the unit calls on it with a
        string (``req.header('authorization')``) sometimes answer a string that name suggests;
        the rest answer the probe's generic results (``undefined``, itself for chaining, ...)."""
        node = self.mock([], Scope(self.unit), name)
        calls = re.findall(rf"\b{re.escape(name)}\.(\w+)\(\s*['\"]([^'\"]*)['\"]", self.unit.text)
        for method, argument in sorted(set(calls)):
            if self.rng.random() < 0.5:
                self.scenario[f"{node['label']}.{method}"] = self.string(f"{method} {argument}")
        return node

    def mock_fn(self, ty: Ty, scope: Scope, hint: str) -> Node:
        label = self.label(hint)
        self.scenario[label] = self.result(ty, scope, hint)
        return {"t": "mock", "label": label}

    def result(self, fn: Ty, scope: Scope, hint: str) -> Node:
        """What a mocked method answers in one scenario: a value, promise, echo or failure."""
        params: tuple[Param, ...] = fn[1]
        returns: Ty = fn[2]
        roll = self.rng.random()
        is_promise = returns[0] == "ref" and returns[1] == "Promise"
        inner = returns[2][0] if is_promise and returns[2] else returns
        if params and params[0].ty == inner and inner != ANY and roll < 0.5:
            return {"t": "echo", "i": 0, "async": is_promise}
        if roll > 0.9:
            failure = {"t": "err", "msg": f"{hint} failed"}
            return {"t": "reject", "v": failure} if is_promise else {"t": "throw", "v": failure}
        value = self.value(inner, scope, _singular(hint), 1)
        if value.get("t") == "resolve":  # an unknown alias that was itself a promise
            value = value["v"]
        return {"t": "resolve", "v": value} if is_promise else value


def _singular(hint: str) -> str:
    """``findById`` answers a thing with an ``id``: give the result the hint of its fields."""
    return re.sub(r"^(find|get|load|fetch|create|save|update)", "", hint) or hint


def instanceof_classes(
    unit: SourceInfo, resolver: TypeResolver
) -> list[tuple[Path, str, tuple[Param, ...], Scope]]:
    """Exported classes the unit names after ``instanceof``: its own, or from relative imports."""
    found = []
    for name in sorted(set(_INSTANCEOF.findall(unit.text))):
        if name in unit.classes:
            found.append((unit.path, name, unit.classes[name].ctor, Scope(unit)))
            continue
        for imp in unit.imports:
            exported = imp.names.get(name)
            if imp.file is None or exported is None or exported in ("default", "*"):
                continue
            info = resolver.info(imp.file)
            if exported in info.classes:
                found.append((imp.file, exported, info.classes[exported].ctor, Scope(info)))
    return found


def _flatten(ty: Ty) -> list[Ty]:
    return [t for part in ty[1] for t in _flatten(part)] if ty[0] == "union" else [ty]


def args_for(synth: Synth, params: Sequence[Param], scope: Scope) -> list[Node]:
    """Arguments for one call: trailing optional parameters are sometimes left out."""
    out = [
        UNDEF if p.optional and synth.rng.random() < 0.3 else synth.value(p.ty, scope, p.name)
        for p in params
        if not p.rest
    ]
    while out and out[-1] == UNDEF:
        out.pop()
    return out
