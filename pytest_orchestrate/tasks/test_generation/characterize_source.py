"""What the characterization search needs to know about a TS/JS source, read with tree-sitter.

It reads the callables a unit exports (functions, classes with their constructor and methods,
functions nested in exported object literals), the declared shape of every type they mention
(interfaces, type aliases, classes, enums, in the unit or in a relative import, followed file by
file), the unit's relative imports, and the literals it compares against. Types become a small
tuple IR (``Ty``) that ``probe_values`` turns into inputs.

It does not run anything, does not decide what to mock (``characterize_plan`` does) and does not
understand every TypeScript type: what it cannot read becomes ``("any",)``, which the search
fills from its generic pools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tree_sitter_javascript as tsjs
import tree_sitter_typescript as tsts
from tree_sitter import Language, Node, Parser

Ty = tuple[Any, ...]
ANY: Ty = ("any",)

_TS = Language(tsts.language_typescript())
_TSX = Language(tsts.language_tsx())
_JS = Language(tsjs.language())
SOURCE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")


@dataclass(frozen=True)
class Param:
    """One parameter: its name, type, and whether a call may leave it out."""

    name: str
    ty: Ty
    optional: bool
    rest: bool = False


@dataclass(frozen=True)
class Callable:
    """Something the probe can call: ``path`` from the module object, plus its parameters."""

    path: tuple[str, ...]
    params: tuple[Param, ...]
    returns: Ty = ANY
    kind: str = "function"  # function | method | static
    class_name: str = ""


@dataclass
class ClassInfo:
    """An exported class: what its constructor takes and the methods it offers."""

    name: str
    ctor: tuple[Param, ...] = ()
    methods: list[Callable] = field(default_factory=list)


@dataclass
class Decl:
    """A named type: an interface or class (``fields``), an alias (``alias``) or an enum."""

    name: str
    kind: str  # interface | alias | class | enum
    type_params: tuple[str, ...] = ()
    fields: list[tuple[str, Ty, bool]] = field(default_factory=list)  # name, type, optional
    alias: Ty = ANY
    members: tuple[Any, ...] = ()


@dataclass
class Import:
    """One relative import: the module text, the resolved file and the local names it binds."""

    spec: str
    file: Path | None
    names: dict[str, str]  # local name -> exported name ("default", "*")
    type_only: bool


@dataclass
class SourceInfo:
    """Everything ``characterize_ts`` needs from one file."""

    path: Path
    text: str
    callables: list[Callable] = field(default_factory=list)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    decls: dict[str, Decl] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    instances: dict[str, str] = field(default_factory=dict)  # exported const -> class it `new`s
    routers: list[str] = field(default_factory=list)  # exported names holding an express Router


def parse_file(path: Path) -> SourceInfo:
    """Read ``path`` once; imported files are read by ``TypeResolver`` when a type needs them."""
    text = path.read_text(encoding="utf-8")
    lang = _TSX if path.suffix == ".tsx" else _TS if path.suffix == ".ts" else _JS
    root = Parser(lang).parse(text.encode()).root_node
    info = SourceInfo(path=path, text=text)
    _Reader(info).program(root)
    return info


def _txt(node: Node | None) -> str:
    return node.text.decode() if node is not None and node.text is not None else ""


def resolve_module(base: Path, spec: str) -> Path | None:
    """The file a relative import names, trying the usual suffixes and index files."""
    if not spec.startswith("."):
        return None
    stem = (base.parent / spec).resolve()
    for candidate in [
        stem,
        *(stem.with_name(stem.name + s) for s in SOURCE_SUFFIXES),
        *(stem / f"index{s}" for s in SOURCE_SUFFIXES),
    ]:
        if candidate.is_file():
            return candidate
    return None


class _Reader:
    """One walk over the syntax tree, filling a ``SourceInfo``."""

    def __init__(self, info: SourceInfo) -> None:
        self.info = info

    def program(self, root: Node) -> None:
        for node in root.named_children:
            exported = node.type == "export_statement"
            decl = node.child_by_field_name("declaration") if exported else node
            if node.type == "import_statement":
                self.import_(node)
            elif decl is not None:
                self.declaration(decl, exported)
        self.literals(root)

    def import_(self, node: Node) -> None:
        spec = _txt(node.child_by_field_name("source")).strip("'\"`")
        if not spec.startswith("."):
            return
        type_only = any(c.type == "type" for c in node.children)
        names: dict[str, str] = {}
        for clause in (c for c in node.named_children if c.type == "import_clause"):
            for part in clause.named_children:
                if part.type == "identifier":
                    names[_txt(part)] = "default"
                elif part.type == "namespace_import":
                    names[_txt(part.named_children[-1])] = "*"
                elif part.type == "named_imports":
                    for spec_node in part.named_children:
                        name = _txt(spec_node.child_by_field_name("name"))
                        alias = _txt(spec_node.child_by_field_name("alias")) or name
                        names[alias] = name
        self.info.imports.append(
            Import(spec, resolve_module(self.info.path, spec), names, type_only)
        )

    def declaration(self, node: Node, exported: bool) -> None:
        kind = node.type
        name = _txt(node.child_by_field_name("name"))
        if kind == "interface_declaration":
            self.info.decls[name] = Decl(
                name, "interface", _type_params(node), _members(node.child_by_field_name("body"))
            )
        elif kind == "type_alias_declaration":
            self.info.decls[name] = Decl(
                name, "alias", _type_params(node), alias=to_ty(node.child_by_field_name("value"))
            )
        elif kind == "enum_declaration":
            body = node.child_by_field_name("body")
            members = tuple(_enum_members(body)) if body is not None else ()
            self.info.decls[name] = Decl(name, "enum", members=members)
        elif kind in ("class_declaration", "abstract_class_declaration"):
            self.class_(node, name, exported)
        elif kind == "function_declaration" and exported:
            self.info.callables.append(Callable((name,), _params(node), _returns(node)))
        elif kind == "lexical_declaration" and exported:
            for declarator in (c for c in node.named_children if c.type == "variable_declarator"):
                self.variable(declarator)

    def class_(self, node: Node, name: str, exported: bool) -> None:
        info = ClassInfo(name)
        decl = Decl(name, "class", _type_params(node))
        body = node.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type == "public_field_definition":
                fname = _txt(member.child_by_field_name("name"))
                decl.fields.append((fname, _annotation(member), False))
            if member.type != "method_definition":
                continue
            mname = _txt(member.child_by_field_name("name"))
            words = {c.type for c in member.children} | {
                _txt(c) for c in member.children if c.type == "accessibility_modifier"
            }
            if mname == "constructor":
                info.ctor = _params(member)
                continue
            if (
                "private" in words
                or "protected" in words
                or mname.startswith("#")
                or "get" in words
            ):
                continue
            static = "static" in words
            method = Callable(
                (name,), _params(member), _returns(member), "static" if static else "method", name
            )
            method = Callable((name, mname), method.params, method.returns, method.kind, name)
            decl.fields.append((mname, ("fn", method.params, method.returns), False))
            if exported:
                info.methods.append(method)
        self.info.decls[name] = decl
        if exported:
            self.info.classes[name] = info

    def variable(self, declarator: Node) -> None:
        name = _txt(declarator.child_by_field_name("name"))
        value = declarator.child_by_field_name("value")
        if value is None:
            return
        if value.type in ("arrow_function", "function_expression", "function"):
            self.info.callables.append(Callable((name,), _params(value), _returns(value)))
        elif value.type == "object":
            self.object_functions(value, (name,))
        elif value.type == "new_expression":
            self.info.instances[name] = _txt(value.child_by_field_name("constructor"))
        elif value.type == "call_expression" and _txt(value.child_by_field_name("function")) in (
            "Router",
            "express.Router",
        ):
            self.info.routers.append(name)
        elif value.type == "call_expression" and (wrapped := _wrapped_function(value)):
            # `export const requireAuth = asyncHandler(async (req, res, next) => ...)`: called as
            # the function it wraps. Its untyped parameters are whatever a framework passes, so
            # they are drawn as recording mocks (a type no file declares) as often as values.
            params = tuple(
                Param(p.name, ("ref", "$framework", ()), p.optional, p.rest) if p.ty == ANY else p
                for p in _params(wrapped)
            )
            self.info.callables.append(Callable((name,), params))

    def object_functions(self, obj: Node, path: tuple[str, ...]) -> None:
        for pair in (c for c in obj.named_children if c.type in ("pair", "method_definition")):
            key = _txt(pair.child_by_field_name("key") or pair.child_by_field_name("name")).strip(
                "'\""
            )
            value = pair.child_by_field_name("value") if pair.type == "pair" else pair
            if value is None:
                continue
            if value.type in ("arrow_function", "function_expression", "method_definition"):
                self.info.callables.append(Callable((*path, key), _params(value), _returns(value)))
            elif value.type == "object" and len(path) < 3:
                self.object_functions(value, (*path, key))

    def literals(self, root: Node) -> None:
        strings: dict[str, None] = {}
        numbers: dict[float, None] = {}
        stack = [root]
        while stack:
            node = stack.pop()
            if (
                node.type == "string"
                and node.parent is not None
                and node.parent.type not in ("import_statement", "literal_type", "export_statement")
            ):
                strings[_txt(node)[1:-1]] = None
            elif node.type == "number":
                try:
                    numbers[float(_txt(node).replace("_", ""))] = None
                except ValueError:
                    pass
            elif (
                node.type == "literal_type"
                and node.named_children
                and node.named_children[0].type == "string"
            ):
                strings[_txt(node.named_children[0])[1:-1]] = None
            stack.extend(reversed(node.children))
        self.info.strings = [s for s in strings if len(s) <= 80 and "\n" not in s]
        self.info.numbers = list(numbers)


def _wrapped_function(call: Node) -> Node | None:
    """The function literal passed first to a call (``asyncHandler(async (req) => ...)``)."""
    args = call.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_children else None
    if first is not None and first.type in ("arrow_function", "function_expression", "function"):
        return first
    return None


def _type_params(node: Node) -> tuple[str, ...]:
    params = node.child_by_field_name("type_parameters")
    if params is None:
        return ()
    return tuple(
        _txt(p.child_by_field_name("name"))
        for p in params.named_children
        if p.type == "type_parameter"
    )


def _annotation(node: Node | None, fieldname: str = "type") -> Ty:
    annotation = node.child_by_field_name(fieldname) if node is not None else None
    if annotation is None:
        return ANY
    inner = annotation.named_children[0] if annotation.type == "type_annotation" else annotation
    return to_ty(inner)


def _returns(node: Node) -> Ty:
    return _annotation(node, "return_type")


def _params(node: Node) -> tuple[Param, ...]:
    params = node.child_by_field_name("parameters")
    if params is None:  # `x => ...`: a single untyped parameter
        single = node.child_by_field_name("parameter")
        return (Param(_txt(single), ANY, False),) if single is not None else ()
    out: list[Param] = []
    for p in params.named_children:
        if p.type not in (
            "required_parameter",
            "optional_parameter",
            "identifier",
            "assignment_pattern",
            "rest_pattern",
            "object_pattern",
        ):
            continue
        pattern = p.child_by_field_name("pattern") or p.child_by_field_name("left") or p
        rest = pattern.type == "rest_pattern" or p.type == "rest_pattern"
        name = _txt(pattern).lstrip(".")
        if name == "this":
            continue
        optional = (
            p.type == "optional_parameter"
            or p.child_by_field_name("value") is not None
            or p.child_by_field_name("right") is not None
            or rest
        )
        ty = _annotation(p) if p.type in ("required_parameter", "optional_parameter") else ANY
        out.append(Param(name, ("array", ty) if rest and ty == ANY else ty, optional, rest))
    return tuple(out)


def _members(body: Node | None) -> list[tuple[str, Ty, bool]]:
    out: list[tuple[str, Ty, bool]] = []
    for member in body.named_children if body is not None else []:
        name = _txt(member.child_by_field_name("name")).strip("'\"")
        optional = any(c.type == "?" for c in member.children)
        if member.type == "property_signature":
            out.append((name, _annotation(member), optional))
        elif member.type == "method_signature":
            out.append((name, ("fn", _params(member), _returns(member)), optional))
        elif member.type == "index_signature":
            out.append(("[index]", _annotation(member), True))
    return out


def _enum_members(body: Node) -> list[Any]:
    values: list[Any] = []
    for index, member in enumerate(body.named_children):
        value = member.child_by_field_name("value")
        if value is not None and value.type == "string":
            values.append(_txt(value)[1:-1])
        elif value is not None and value.type == "number":
            values.append(float(_txt(value)))
        else:
            values.append(index)
    return values


_PREDEFINED = {
    "string",
    "number",
    "boolean",
    "any",
    "unknown",
    "void",
    "never",
    "object",
    "bigint",
    "symbol",
    "null",
    "undefined",
}


def to_ty(node: Node | None) -> Ty:
    """Turn a tree-sitter type node into the IR; what it cannot read is ``ANY``."""
    if node is None:
        return ANY
    kind = node.type
    if kind == "type_annotation":
        return to_ty(node.named_children[0]) if node.named_children else ANY
    if kind == "predefined_type":
        word = _txt(node)
        return ("prim", word) if word in _PREDEFINED else ANY
    if kind == "literal_type":
        inner = node.named_children[0] if node.named_children else None
        text = _txt(inner)
        if inner is None:
            return ANY
        if inner.type == "string":
            return ("lit", text[1:-1])
        if inner.type in ("null", "undefined"):
            return ("prim", inner.type)
        if inner.type in ("true", "false"):
            return ("lit", inner.type == "true")
        if inner.type in ("number", "unary_expression"):
            try:
                return ("lit", float(text))
            except ValueError:
                return ANY
        return ANY
    if kind in ("union_type", "intersection_type"):
        parts = tuple(to_ty(c) for c in node.named_children)
        return ("union" if kind == "union_type" else "inter", parts)
    if kind == "array_type":
        return ("array", to_ty(node.named_children[0]))
    if kind == "readonly_type":
        return to_ty(node.named_children[0]) if node.named_children else ANY
    if kind == "parenthesized_type":
        return to_ty(node.named_children[0]) if node.named_children else ANY
    if kind == "tuple_type":
        return ("tuple", tuple(to_ty(c) for c in node.named_children))
    if kind == "object_type":
        return ("obj", tuple(_members(node)))
    if kind in ("function_type", "constructor_type"):
        return ("fn", _params(node), _returns(node))
    if kind == "type_identifier":
        return ("ref", _txt(node), ())
    if kind == "nested_type_identifier":
        return ("ref", _txt(node).split(".")[-1], ())
    if kind == "generic_type":
        name = _txt(node.child_by_field_name("name")).split(".")[-1]
        args = node.child_by_field_name("type_arguments")
        return ("ref", name, tuple(to_ty(c) for c in args.named_children) if args else ())
    return ANY


_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")


def env_names(info: SourceInfo) -> list[str]:
    """String literals that look like environment variable names (``DATABASE_URL``)."""
    return [s for s in info.strings if _ENV_NAME.match(s)]
