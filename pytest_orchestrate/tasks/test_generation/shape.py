"""What a shape test of one TypeScript/JavaScript module asserts, as a template context.

From a ``ModuleInfo`` it decides every fact the Jest templates print: the factory mocks (one per
import the module does not need while loading; see ``analyse.model.Import.mock``), each export's
kind and arity, the classes that can be built with stand-in arguments, routes registered on an
exported router, environment variables, resolver maps and GraphQL type definitions, and the named
to-dos. Only facts true of the code today become assertions; the rest become to-dos. Templates
only lay the facts out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ...analyse.model import Export, Import, ModuleInfo, Param
from ..render import js_string
from .conventions import JestSettings, module_specifier, resolve_import
from .todos import env_todos, function_todos, pick, route_todos

Kind = Literal["unit", "service", "route", "config", "graphql"]

SDL_TYPE = re.compile(r"\b(type|input|interface|enum|union|scalar)\s+([A-Za-z_]\w*)")
NUMERIC_KEY = re.compile(r"(PORT|TIMEOUT|TTL|_MS|_SECONDS|SIZE|MAX|MIN|COUNT|ROUNDS|LIMIT|_DB)\b")


@dataclass(frozen=True)
class Unit:
    """One source file to test, and where its test goes."""

    source: str  # project-relative
    output: str  # project-relative
    info: ModuleInfo
    kind: Kind


def build_context(
    unit: Unit,
    settings: JestSettings,
    *,
    task: dict[str, str],
    todo_count: int | None,
    setup_mocked: frozenset[str] = frozenset(),
    mount_prefix: str = "",
    has_graphql: bool = False,
    has_supertest: bool = False,
) -> dict[str, Any]:
    """The template context for ``unit``'s test file."""
    info = unit.info
    typescript = unit.output.endswith((".ts", ".tsx"))
    exports = [e for e in info.exports if e.name != "*"]
    kind = unit.kind
    mocks = [] if kind == "config" else factory_mocks(unit, settings, setup_mocked)
    routes = route_context(unit, mount_prefix, mocks, has_supertest) if kind == "route" else None
    context: dict[str, Any] = {
        "task": task,
        "kind": kind,
        "typescript": typescript,
        "any": ": any" if typescript else "",
        "source": unit.source,
        "module": module_specifier(unit.output, unit.source),
        "mocks": mocks,
        "exports": [export_context(e, info) for e in exports],
        "export_names": [e.name for e in exports],
        "classes": [
            class_context(e, info) for e in exports if e.kind == "class" and e.cls is not None
        ],
        "routes": routes,
        "config": config_context(unit) if kind == "config" else None,
        "resolvers": resolver_context(info) if kind == "graphql" else [],
        "schemas": schema_context(info, has_graphql) if kind == "graphql" else [],
        "notes": [str(n) for n in info.notes],
    }
    context["todos"] = pick(todo_groups(unit, routes, mount_prefix), _count(todo_count, unit))
    return context


def _count(todo_count: int | None, unit: Unit) -> int:
    """The estimated tests, or one per callable, route and variable when the roadmap gives none."""
    if todo_count is not None:
        return todo_count
    info = unit.info
    callables = sum(1 for e in info.exports if e.function is not None)
    methods = sum(
        len(e.cls.public_methods()) + len(e.cls.public_methods(static=True))
        for e in info.exports
        if e.cls is not None
    )
    return callables + methods + len(info.routes) + len({r.name for r in info.env_reads})


# --------------------------------------------------------------------------- mocks


def factory_mocks(
    unit: Unit, settings: JestSettings, setup_mocked: frozenset[str]
) -> list[dict[str, str]]:
    """`jest.mock(path, factory)` per project import the module does not need while loading."""
    mocks: list[dict[str, str]] = []
    for imp in unit.info.imports:
        plan = imp.mock
        if plan not in ("factory", "empty") or not (imp.relative or settings.is_alias(imp.source)):
            continue
        if imp.relative:
            target = resolve_import(unit.source, imp.source)
            if target in setup_mocked:
                continue  # already mocked for every test by the project's setup files
            path = module_specifier(unit.output, target + ".ts")
        else:
            path = imp.source  # moduleNameMapper resolves an alias the same way from any file
        handlers = _handler_paths(unit) if unit.kind == "route" else set()
        factory = (
            "() => ({})"
            if plan == "empty"
            else _factory(imp, handlers, unit.output.endswith((".ts", ".tsx")))
        )
        mocks.append({"path": path, "factory": factory})
    return mocks


def _handler_paths(unit: Unit) -> set[str]:
    return {h.strip() for route in unit.info.routes for h in route.handlers}


def _factory(imp: Import, handlers: set[str], typescript: bool) -> str:
    """An object with each binding the module imports; nested for properties read while loading."""
    any_ = ": any" if typescript else ""
    responder = f"jest.fn((_req{any_}, res{any_}) => res.status(200).end())"
    tree: dict[str, Any] = {}
    for binding in imp.bindings:
        key = "default" if binding.imported == "default" else binding.imported
        node: dict[str, Any] = tree.setdefault(key, {}) if binding.imported != "*" else tree
        for path in imp.load_paths:
            parts = path.rstrip("()").split(".")
            if parts[0] != binding.local or len(parts) == 1:
                continue
            cursor = node
            for part in parts[1:]:
                cursor = cursor.setdefault(part, {})
            if path in handlers:
                cursor["__handler__"] = {}
        if binding.imported == "*":
            continue
        for path in handlers:
            if path == binding.local:
                node["__handler__"] = {}

    def render(node: dict[str, Any]) -> str:
        if "__handler__" in node:
            return responder
        if not node:
            return "jest.fn()"
        return "{ " + ", ".join(f"{_key(k)}: {render(v)}" for k, v in node.items()) + " }"

    entries = [f"{_key(k)}: {render(v)}" for k, v in tree.items()]
    if any(b.imported == "default" for b in imp.bindings):
        entries.insert(0, "__esModule: true")
    return "() => ({ " + ", ".join(entries) + " })" if entries else "() => ({})"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_$][\w$]*", name) else js_string(name)


# --------------------------------------------------------------------------- exports and classes


def export_context(export: Export, info: ModuleInfo) -> dict[str, Any]:
    """One export: how to reach it, its kind, and its arity when that is known."""
    arity: int | None = None
    if export.kind == "function" and export.function is not None:
        arity = export.function.arity
    elif export.kind == "class" and export.cls is not None:
        arity = export.cls.constructor.arity if export.cls.constructor else 0
        if export.cls.constructor is None and export.cls.extends:
            # A derived class's default constructor forwards `...args`: length 0 at run time.
            arity = None
    return {
        "name": export.name,
        "key": js_string(export.name),
        "kind": export.kind,
        "arity": arity,
        "typeof": {
            "function": "function",
            "class": "function",
            "object": "object",
            "enum": "object",
        }.get(export.kind),
        "commonjs_default": export.commonjs and export.name == "default",
        "access": _access(export),
    }


def _access(export: Export) -> str:
    """How the test reaches an export; `module.exports = X` is the module itself under require()."""
    if export.commonjs and export.name == "default":
        return "(api['default'] ?? api)"
    return f"api[{js_string(export.name)}]"


def class_context(export: Export, info: ModuleInfo) -> dict[str, Any]:
    """A class's runtime members, and stand-in constructor arguments when building it is safe."""
    cls = export.cls
    assert cls is not None
    arity = cls.constructor.arity if cls.constructor else 0
    params = cls.constructor.params[:arity] if cls.constructor else ()
    buildable = not cls.abstract and cls.simple_constructor and not cls.extends
    return {
        "name": export.name,
        "title": cls.name if export.name == "default" else export.name,
        "key": js_string(export.name),
        "access": _access(export),
        "buildable": buildable,
        "args": [stand_in(p, info) for p in params],
        "methods": [
            {
                "name": m.name,
                "key": js_string(m.name),
                "arity": m.function.arity if m.function else 0,
            }
            for m in cls.public_methods()
        ],
        "statics": [
            {
                "name": m.name,
                "key": js_string(m.name),
                "arity": m.function.arity if m.function else 0,
            }
            for m in cls.public_methods(static=True)
        ],
        "accessors": sorted({m.name for m in cls.accessors()}),
    }


def stand_in(param: Param, info: ModuleInfo) -> str:
    """A JS value for a required constructor parameter, shaped by its declared type."""
    text = (param.type or "").strip()
    if "=>" in text:
        return "jest.fn()"
    head = text.split("|")[0].strip()
    if head == "string":
        return js_string(param.name)
    if head == "number":
        return "1"
    if head == "boolean":
        return "false"
    if head.endswith("[]") or head.startswith(("Array<", "ReadonlyArray<")):
        return "[]"
    if head.startswith("Map<"):
        return "new Map()"
    if head.startswith("Set<"):
        return "new Set()"
    if head == "Date":
        return "new Date(0)"
    decl = info.type_decl(head.split("<")[0])
    if decl is not None and decl.kind == "interface":
        methods = [f.name for f in decl.fields if f.method or (f.type or "").find("=>") >= 0]
        if methods:
            return "{ " + ", ".join(f"{_key(m)}: jest.fn()" for m in methods) + " }"
    return "{}"


# --------------------------------------------------------------------------- routes


def route_context(
    unit: Unit, mount_prefix: str, mocks: Sequence[dict[str, str]], has_supertest: bool
) -> dict[str, Any]:
    """The exported router's registered routes, and whether supertest can call them."""
    info = unit.info
    routes = [r for r in info.routes if r.at_load]
    by_router: dict[str, list[Any]] = {}
    for route in routes:
        by_router.setdefault(route.router, []).append(route)
    exported: dict[str, Export] = {}
    for export in info.exports:  # `export const router` wins over `export default router`
        if export.local and (export.local not in exported or export.name == export.local):
            exported[export.local] = export
    router = next((name for name in by_router if name in exported), None)
    if router is None:
        return {"key": None, "access": None, "entries": [], "supertest": False, "mounts": []}
    chosen = by_router[router]
    entries = [
        {
            "method": r.method,
            "label": f"{'ALL' if r.method == 'all' else r.method.upper()} {r.path}",
            "shown": f"{r.method.upper()} {_join(mount_prefix, r.path)}",
            "request_path": re.sub(r":(\w+)\??", "1", r.path),
        }
        for r in chosen
    ]
    mounts = [
        {"prefix": m.prefix, "key": js_string(m.prefix)}
        for m in info.mounts
        if m.target == router and m.prefix and m.at_load
    ]
    return {
        "key": js_string(exported[router].name),
        "access": _access(exported[router]),
        "entries": entries,
        "supertest": has_supertest and all(r.mockable for r in chosen),
        "mounts": mounts,
    }


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix.rstrip("/") + ("" if path == "/" else path)


# --------------------------------------------------------------------------- config, GraphQL


def config_context(unit: Unit) -> dict[str, Any]:
    """Environment variables read while loading: which need a placeholder, which have a default."""
    reads = [r for r in unit.info.env_reads if r.at_load]
    keys: dict[str, bool] = {}
    for read in reads:
        keys[read.name] = keys.get(read.name, False) or read.has_default
    placeholders = {
        k: ("1" if NUMERIC_KEY.search(k) else "placeholder") for k, d in keys.items() if not d
    }
    dotenv = sorted({i.source for i in unit.info.imports if i.source.split("/")[0] == "dotenv"})
    return {
        "keys": list(keys),
        "placeholders": [
            {"key": js_string(k), "value": js_string(v)} for k, v in placeholders.items()
        ],
        "defaults": [
            {"name": k, "key": js_string(k)} for k, d in keys.items() if d and k != "NODE_ENV"
        ],
        "dotenv": [js_string(d) for d in dotenv],
    }


def resolver_context(info: ModuleInfo) -> list[dict[str, Any]]:
    return [
        {
            "key": js_string(m.export),
            "name": m.export,
            "type": t,
            "type_key": js_string(t),
            "fields": [js_string(f) for f in fields],
        }
        for m in info.resolver_maps
        for t, fields in m.types
    ]


def schema_context(info: ModuleInfo, has_graphql: bool) -> list[dict[str, Any]]:
    """Exported GraphQL SDL strings: the types they declare, and whether `graphql` parses them."""
    schemas: list[dict[str, Any]] = []
    for name, text in info.string_exports:
        declared = list(dict.fromkeys(f"{m[1]} {m[2]}" for m in SDL_TYPE.finditer(text)))
        if declared and "{" in text:
            schemas.append(
                {"key": js_string(name), "name": name, "declares": declared, "parse": has_graphql}
            )
    return schemas


# --------------------------------------------------------------------------- to-dos


def todo_groups(unit: Unit, routes: dict[str, Any] | None, mount_prefix: str) -> list[list[str]]:
    info = unit.info
    groups: list[list[str]] = []
    if unit.kind == "route":
        for route in info.routes:
            if route.at_load:
                groups.append(route_todos(route, _join(mount_prefix, route.path)))
    if unit.kind == "config":
        keys: dict[str, bool] = {}
        for read in info.env_reads:
            keys[read.name] = keys.get(read.name, False) or read.has_default
        loader = next((e.name for e in info.exports if e.kind == "function"), unit.source)
        groups.extend([case] for case in env_todos(loader, sorted(keys.items())))
    for export in info.exports:
        if export.function is not None:
            groups.append(function_todos(export.function))
        if export.cls is not None:
            for member in export.cls.public_methods() + export.cls.public_methods(static=True):
                if member.function is not None:
                    groups.append(function_todos(member.function))
    if unit.kind == "graphql":
        for resolver in info.resolver_maps:
            for type_name, fields in resolver.types:
                groups.append([f"{type_name}.{f} resolves the expected value" for f in fields])
    return [g for g in groups if g]
