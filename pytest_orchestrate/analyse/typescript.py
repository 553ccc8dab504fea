"""Analyse a TypeScript or JavaScript source file with tree-sitter, without running it.

``analyse_source(text, path)`` returns a ``ModuleInfo`` (see ``model``): exports with their kind
and signature, classes and their members, imports classified by how the module uses them while it
loads (``model.Import.mock``), Express routes and mounts, environment-variable reads, declared
types and the literals the code branches on. Two passes: one over the top-level statements
(declarations, imports, exports) and ONE walk over the whole tree for everything that depends on
where an expression sits (load time or not, inside which function).

It never guesses silently: what it does not understand goes into ``notes`` with its line, and
syntax errors (tree-sitter ERROR/MISSING nodes) into ``syntax_errors``. It does not resolve other
files, run code, or know about tests.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from .model import (
    Class,
    EnvRead,
    Export,
    ExportKind,
    Field,
    Function,
    Import,
    ImportBinding,
    ImportUsage,
    Language,
    LiteralUse,
    Member,
    MemberKind,
    ModuleInfo,
    Mount,
    Note,
    Param,
    ResolverMap,
    Route,
    TypeDecl,
    Visibility,
)

__all__ = ["analyse_source", "language_for", "parse", "ModuleInfo"]

Node = tree_sitter.Node

ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "all"})
# Calls whose result is a router or app: `Router()`, `express()`, `express.Router()`.
ROUTER_FACTORIES = frozenset({"Router", "express", "express.Router"})
FUNCTION_NODES = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
# Subtrees that hold only types (or import syntax): erased at run time, so never walked.
SKIPPED_NODES = frozenset(
    {
        "type_annotation",
        "type_arguments",
        "type_parameters",
        "interface_declaration",
        "type_alias_declaration",
        "implements_clause",
        "type_query",
        "import_statement",
        "ambient_declaration",
        "function_signature",
        "method_signature",
        "abstract_method_signature",
        "index_signature",
        "comment",
        "regex",
        "string_fragment",
        "property_signature",
    }
)
ENV_KEY = re.compile(r"[A-Z][A-Z0-9_]*\Z")
USAGE_RANK: dict[ImportUsage, int] = {
    "type_only": 0,
    "side_effect": 0,
    "unused": 1,
    "property": 2,
    "called_discarded": 3,
    "called_used": 4,
    "value": 5,
    "extended": 6,
}
MAX_SYNTAX_ERRORS = 20
BINDING_SITES = frozenset(
    {
        "import_specifier",
        "namespace_import",
        "import_clause",
        "variable_declarator",
        "pair_pattern",
        "required_parameter",
        "optional_parameter",
        "formal_parameters",
        "rest_pattern",
        "assignment_pattern",
    }
)
SIMPLE_VALUES = frozenset(
    {"identifier", "string", "number", "true", "false", "null", "array", "object"}
)


@functools.cache
def _grammar(language: Language) -> tree_sitter.Language:
    if language == "typescript":
        return tree_sitter.Language(tree_sitter_typescript.language_typescript())
    if language == "tsx":
        return tree_sitter.Language(tree_sitter_typescript.language_tsx())
    return tree_sitter.Language(tree_sitter_javascript.language())


@functools.cache
def _kind_names(language: Language) -> dict[int, str]:
    """Node type names by kind id, interned. ``node.type`` makes a new string on every call, which
    the walk then hashes and compares for each of a file's hundreds of nodes; these are the very
    objects of the constants it compares them with."""
    grammar = _grammar(language)
    return {
        i: sys.intern(grammar.node_kind_for_id(i) or "") for i in range(grammar.node_kind_count)
    }


def language_for(path: str) -> Language:
    """The grammar for a suffix: `.tsx` TSX, `.ts`/`.mts`/`.cts` TypeScript, else JavaScript."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix == ".tsx":
        return "tsx"
    if suffix in (".ts", ".mts", ".cts"):
        return "typescript"
    return "javascript"


def parse(data: bytes, language: Language) -> tree_sitter.Tree:
    """Parse ``data`` with the grammar for ``language``."""
    return tree_sitter.Parser(_grammar(language)).parse(data)


def analyse_source(text: str | bytes, path: str, language: Language | None = None) -> ModuleInfo:
    """Analyse one source file's text; ``path`` is only used to choose the grammar and to report."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    lang = language or language_for(path)
    return _Analyser(data, path, lang).run()


# --------------------------------------------------------------------------- small node helpers


def _line(node: Node) -> int:
    return node.start_point.row + 1


def _named(node: Node) -> Iterator[Node]:
    for child in node.children:
        if child.is_named:
            yield child


def _has_token(node: Node, token: str) -> bool:
    return any(child.type == token for child in node.children)


def _unwrap(node: Node) -> Node:
    """The expression inside `( )`, `as T`, `satisfies T` and `x!`."""
    while node.type in (
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
    ):
        inner = next(_named(node), None)
        if inner is None:
            break
        node = inner
    return node


@dataclass
class _Local:
    """A top-level binding of the file (before exports are resolved)."""

    kind: ExportKind
    line: int
    function: Function | None = None
    cls: Class | None = None
    import_source: str | None = None
    value: Node | None = None


@dataclass
class _ImportDraft:
    source: str
    bindings: tuple[ImportBinding, ...]
    line: int
    relative: bool
    require: bool = False
    type_only: bool = False
    usage: ImportUsage = "unused"
    paths: list[str] = field(default_factory=list)


@dataclass
class _Event:
    """Something seen during the walk whose load-time status is settled at the end."""

    top: (
        str | None
    )  # the enclosing top-level function's name; None at load time; "" in another scope


class _Analyser:
    def __init__(self, data: bytes, path: str, language: Language) -> None:
        self.data = data
        # Most sources are ASCII: then a byte offset is a character offset, and a node's text is
        # a slice of the decoded source, without decoding each node again.
        self.ascii = data.decode("ascii") if data.isascii() else None
        self.path = path
        self.language = language
        self.notes: list[Note] = []
        self.errors: list[Note] = []
        self.locals: dict[str, _Local] = {}
        self.imports: list[_ImportDraft] = []
        self.import_of: dict[str, _ImportDraft] = {}  # local binding name -> its import
        self.classes: list[Class] = []
        self.functions: list[Function] = []
        self.types: list[TypeDecl] = []
        self.exports: list[Export] = []
        self.literals: list[LiteralUse] = []
        self.resolver_maps: list[ResolverMap] = []
        self.string_exports: list[tuple[str, str]] = []
        self.commonjs = False
        self.jest_mocks: list[str] = []
        # Walk results, settled against `called_at_load` at the end.
        self.routers: set[str] = set()
        self.env_aliases: set[str] = set()
        self.usages: list[tuple[str | None, _ImportDraft, ImportUsage, str]] = []
        self.env_events: list[tuple[str | None, str, int, bool]] = []
        self.route_events: list[tuple[str | None, str, str, str, int, tuple[Node, ...]]] = []
        self.mount_events: list[tuple[str | None, str, str, Node, int]] = []
        self.server_events: list[str | None] = []
        self.calls_from: dict[str | None, set[str]] = {}
        self.throws_by_line: dict[
            int, dict[str, list[str]]
        ] = {}  # function line -> name -> thrown classes

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        if self.ascii is not None:
            return self.ascii[node.start_byte : node.end_byte]
        return self.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def note(self, node: Node, message: str) -> None:
        self.notes.append(Note(_line(node), message))

    # ------------------------------------------------------------------ driver

    def run(self) -> ModuleInfo:
        tree = parse(self.data, self.language)
        root = tree.root_node
        statements = list(_named(root))
        for statement in statements:
            self.collect_locals(statement)
        self.walk(root)
        for statement in statements:
            self.collect_exports(statement)
        at_load = self.load_time_functions()
        return ModuleInfo(
            path=self.path,
            language=self.language,
            exports=tuple(self.finish_exports()),
            classes=tuple(self.with_throws_classes()),
            functions=tuple(self.with_throws(f) for f in self.functions),
            imports=tuple(self.finish_imports(at_load)),
            routes=tuple(self.finish_routes(at_load)),
            mounts=tuple(self.finish_mounts(at_load)),
            env_reads=tuple(
                EnvRead(name, line, top is None or top in at_load, has_default)
                for top, name, line, has_default in self.env_events
            ),
            types=tuple(self.types),
            literals=tuple(self.literals),
            resolver_maps=tuple(self.resolver_maps),
            notes=tuple(sorted(set(self.notes), key=lambda n: (n.line, n.message))),
            syntax_errors=tuple(self.errors),
            commonjs=self.commonjs,
            starts_server=any(top is None or top in at_load for top in self.server_events),
            string_exports=tuple(self.string_exports),
            jest_mocks=tuple(self.jest_mocks),
        )

    def load_time_functions(self) -> set[str]:
        """Top-level functions that run while the module loads: called at load, transitively."""
        seen: set[str] = set()
        todo = list(self.calls_from.get(None, ()))
        while todo:
            name = todo.pop()
            if name in seen or name not in self.locals:
                continue
            seen.add(name)
            todo.extend(self.calls_from.get(name, ()))
        return seen

    # ------------------------------------------------ pass 1: top-level statements

    def collect_locals(self, statement: Node) -> None:
        kind = statement.type
        if kind == "export_statement":
            declaration = statement.child_by_field_name("declaration")
            if declaration is not None:
                decorators = tuple(
                    self.text(d) for d in statement.children if d.type == "decorator"
                )
                self.declare(declaration, exported=True, decorators=decorators)
            return
        if kind == "import_statement":
            self.add_import(statement)
            return
        if kind == "expression_statement":
            self.top_level_expression(statement)
            return
        self.declare(statement, exported=False)

    def declare(self, node: Node, *, exported: bool, decorators: tuple[str, ...] = ()) -> None:
        kind = node.type
        if kind in ("function_declaration", "generator_function_declaration"):
            name = self.text(node.child_by_field_name("name"))
            function = self.function(node, name)
            self.functions.append(function)
            self.locals[name] = _Local("function", _line(node), function=function)
        elif kind in ("class_declaration", "abstract_class_declaration"):
            cls = self.cls(node, self.text(node.child_by_field_name("name")), decorators)
            self.classes.append(cls)
            self.locals[cls.name] = _Local("class", cls.line, cls=cls)
        elif kind in ("lexical_declaration", "variable_declaration"):
            for declarator in node.children:
                if declarator.type == "variable_declarator":
                    self.declare_variable(declarator, exported=exported)
        elif kind == "interface_declaration":
            self.types.append(self.interface(node, exported))
        elif kind == "type_alias_declaration":
            self.types.append(self.type_alias(node, exported))
        elif kind == "enum_declaration":
            decl = self.enum(node, exported)
            self.types.append(decl)
            self.locals[decl.name] = _Local("enum", decl.line)
        elif kind in ("internal_module", "module"):
            self.note(
                node, f"namespace {self.text(node.child_by_field_name('name'))} is not analysed"
            )
        elif kind == "import_alias" or kind == "import_require_clause":
            self.note(node, "`import x = require(...)` is not analysed")

    def declare_variable(self, declarator: Node, *, exported: bool) -> None:
        name_node = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if name_node is None:
            return
        if name_node.type != "identifier":
            if value is not None and self.require_source(value) is not None:
                self.add_require(name_node, value)
            elif exported:
                self.note(declarator, f"destructured export {self.text(name_node)} is not analysed")
            return
        name = self.text(name_node)
        if value is None:
            self.locals[name] = _Local("value", _line(declarator))
            return
        source = self.require_source(value)
        if source is not None:
            self.add_require(name_node, value)
            return
        kind, function, cls = self.value_kind(value, name)
        self.locals[name] = _Local(kind, _line(declarator), function=function, cls=cls, value=value)
        if exported:
            self.exported_value_extras(name, value)

    def exported_value_extras(self, name: str, value: Node) -> None:
        """Resolver maps and string constants (GraphQL typeDefs) among exported values."""
        inner = _unwrap(value)
        if inner.type == "object":
            self.maybe_resolver_map(name, inner)
        elif inner.type == "string":
            self.string_exports.append((name, self.text(inner)[1:-1]))
        elif inner.type == "template_string" and not any(
            c.type == "template_substitution" for c in inner.children
        ):
            self.string_exports.append((name, self.text(inner)[1:-1]))
        elif inner.type == "call_expression":  # gql`...`
            argument = inner.child_by_field_name("arguments")
            if argument is not None and argument.type == "template_string":
                self.string_exports.append((name, self.text(argument)[1:-1]))

    def maybe_resolver_map(self, name: str, obj: Node) -> None:
        types: list[tuple[str, tuple[str, ...]]] = []
        for pair in _named(obj):
            if pair.type != "pair":
                return
            value = _unwrap(pair.child_by_field_name("value") or pair)
            if value.type != "object":
                return
            fields: list[str] = []
            for member in _named(value):
                if member.type == "method_definition":
                    fields.append(self.text(member.child_by_field_name("name")))
                elif member.type == "pair":
                    field_value = _unwrap(member.child_by_field_name("value") or member)
                    if field_value.type not in FUNCTION_NODES:
                        return
                    fields.append(self.key_text(member.child_by_field_name("key")))
                else:
                    return
            types.append((self.key_text(pair.child_by_field_name("key")), tuple(fields)))
        if types:
            self.resolver_maps.append(ResolverMap(name, tuple(types), _line(obj)))

    def key_text(self, key: Node | None) -> str:
        text = self.text(key)
        return text[1:-1] if key is not None and key.type == "string" else text

    def value_kind(
        self, value: Node, name: str
    ) -> tuple[ExportKind, Function | None, Class | None]:
        inner = _unwrap(value)
        kind = inner.type
        if kind in FUNCTION_NODES:
            return "function", self.function(inner, name), None
        if kind in ("class", "class_expression"):
            return (
                "class",
                None,
                self.cls(inner, self.text(inner.child_by_field_name("name")) or name, ()),
            )
        if kind == "call_expression":
            return "wrapped", None, None
        if kind == "object":
            return "object", None, None
        if kind == "identifier":
            local = self.locals.get(self.text(inner))
            if local is not None:
                return local.kind, local.function, local.cls
        return "value", None, None

    # ------------------------------------------------------------------ imports

    def add_import(self, statement: Node) -> None:
        source_node = statement.child_by_field_name("source")
        source = self.key_text(source_node)
        type_only = _has_token(statement, "type")
        bindings: list[ImportBinding] = []
        clause = next((c for c in statement.children if c.type == "import_clause"), None)
        if clause is not None:
            for part in _named(clause):
                if part.type == "identifier":
                    bindings.append(ImportBinding(self.text(part), "default", type_only))
                elif part.type == "namespace_import":
                    local = next((c for c in _named(part) if c.type == "identifier"), None)
                    bindings.append(ImportBinding(self.text(local), "*", type_only))
                elif part.type == "named_imports":
                    for spec in _named(part):
                        if spec.type != "import_specifier":
                            continue
                        imported = self.text(spec.child_by_field_name("name"))
                        alias = spec.child_by_field_name("alias")
                        bindings.append(
                            ImportBinding(
                                self.text(alias) if alias is not None else imported,
                                imported,
                                type_only or _has_token(spec, "type"),
                            )
                        )
        elif _has_token(statement, "import_require_clause"):
            self.note(statement, "`import x = require(...)` is not analysed")
        draft = _ImportDraft(
            source,
            tuple(bindings),
            _line(statement),
            source.startswith("."),
            type_only=type_only and bool(bindings),
        )
        if clause is None and not bindings:
            draft.usage = "side_effect"
        self.register_import(draft)

    def register_import(self, draft: _ImportDraft) -> None:
        self.imports.append(draft)
        for binding in draft.bindings:
            self.import_of[binding.local] = draft
            self.locals[binding.local] = _Local("reexport", draft.line, import_source=draft.source)

    def require_source(self, value: Node) -> str | None:
        """`'./x'` for `require('./x')` or `require('./x').y`; None for anything else."""
        inner = _unwrap(value)
        if inner.type == "member_expression":
            inner = _unwrap(inner.child_by_field_name("object") or inner)
        if (
            inner.type != "call_expression"
            or self.text(inner.child_by_field_name("function")) != "require"
        ):
            return None
        args = [a for a in _named(inner.child_by_field_name("arguments") or inner)]
        if len(args) == 1 and args[0].type == "string":
            return self.key_text(args[0])
        self.note(inner, "require() with a computed path is not analysed")
        return None

    def add_require(self, name_node: Node, value: Node) -> None:
        source = self.require_source(value) or ""
        inner = _unwrap(value)
        bindings: list[ImportBinding] = []
        if name_node.type == "identifier":
            imported = "*"
            if inner.type == "member_expression":
                imported = self.text(inner.child_by_field_name("property"))
            bindings.append(ImportBinding(self.text(name_node), imported))
        elif name_node.type == "object_pattern":
            for part in _named(name_node):
                if part.type == "shorthand_property_identifier_pattern":
                    bindings.append(ImportBinding(self.text(part), self.text(part)))
                elif part.type == "pair_pattern":
                    bindings.append(
                        ImportBinding(
                            self.text(part.child_by_field_name("value")),
                            self.key_text(part.child_by_field_name("key")),
                        )
                    )
                else:
                    self.note(part, f"require() pattern {self.text(part)} is not analysed")
        self.register_import(
            _ImportDraft(
                source, tuple(bindings), _line(name_node), source.startswith("."), require=True
            )
        )

    def top_level_expression(self, statement: Node) -> None:
        expression = next(_named(statement), None)
        if expression is None:
            return
        source = self.require_source(expression) if expression.type == "call_expression" else None
        if source is not None:
            draft = _ImportDraft(
                source,
                (),
                _line(statement),
                source.startswith("."),
                require=True,
                usage="side_effect",
            )
            self.imports.append(draft)
            return
        if expression.type == "assignment_expression":
            self.commonjs_export(expression)

    def commonjs_export(self, assignment: Node) -> None:
        left = self.text(assignment.child_by_field_name("left"))
        right = assignment.child_by_field_name("right")
        if right is None:
            return
        match = re.fullmatch(r"(?:module\.)?exports\.([A-Za-z_$][\w$]*)", left)
        if left == "module.exports":
            self.commonjs = True
            inner = _unwrap(right)
            if inner.type == "object":
                self.commonjs_object(inner)
            else:
                kind, function, cls = self.value_kind(right, "default")
                self.exports.append(
                    Export(
                        "default",
                        kind,
                        _line(assignment),
                        function=function,
                        cls=cls,
                        commonjs=True,
                        local=self.text(inner) if inner.type == "identifier" else None,
                    )
                )
        elif match:
            self.commonjs = True
            name = match.group(1)
            kind, function, cls = self.value_kind(right, name)
            self.exports.append(
                Export(name, kind, _line(assignment), function=function, cls=cls, commonjs=True)
            )

    def commonjs_object(self, obj: Node) -> None:
        for member in _named(obj):
            if member.type == "shorthand_property_identifier":
                name = self.text(member)
                local = self.locals.get(name)
                kind = local.kind if local else "value"
                self.exports.append(
                    Export(
                        name,
                        kind,
                        _line(member),
                        local=name,
                        commonjs=True,
                        function=local.function if local else None,
                        cls=local.cls if local else None,
                    )
                )
            elif member.type == "pair":
                name = self.key_text(member.child_by_field_name("key"))
                kind, function, cls = self.value_kind(
                    member.child_by_field_name("value") or member, name
                )
                self.exports.append(
                    Export(name, kind, _line(member), function=function, cls=cls, commonjs=True)
                )
            elif member.type == "method_definition":
                name = self.text(member.child_by_field_name("name"))
                self.exports.append(
                    Export(
                        name,
                        "function",
                        _line(member),
                        function=self.function(member, name),
                        commonjs=True,
                    )
                )
            else:
                self.note(member, f"module.exports member {self.text(member)[:40]} is not analysed")

    # ------------------------------------------------ exports (after locals are known)

    def collect_exports(self, statement: Node) -> None:
        if statement.type != "export_statement":
            return
        declaration = statement.child_by_field_name("declaration")
        source_node = statement.child_by_field_name("source")
        line = _line(statement)
        is_default = _has_token(statement, "default")
        if declaration is not None:
            self.export_declaration(declaration, is_default, line)
            return
        value = statement.child_by_field_name("value")
        if is_default and value is not None:
            kind, function, cls = self.value_kind(value, "default")
            inner = _unwrap(value)
            local = self.text(inner) if inner.type == "identifier" else None
            if kind == "reexport" and local in self.import_of:
                self.exports.append(
                    Export(
                        "default",
                        "reexport",
                        line,
                        local=local,
                        source=self.import_of[local].source,
                    )
                )
            else:
                self.exports.append(
                    Export("default", kind, line, local=local, function=function, cls=cls)
                )
            return
        clause = next((c for c in statement.children if c.type == "export_clause"), None)
        source = self.key_text(source_node) if source_node is not None else None
        if clause is not None:
            for spec in _named(clause):
                if spec.type != "export_specifier":
                    continue
                name = self.text(spec.child_by_field_name("name"))
                alias = spec.child_by_field_name("alias")
                exported = self.text(alias) if alias is not None else name
                if _has_token(spec, "type") or _has_token(statement, "type"):
                    continue  # `export type { X }`: erased
                self.exports.append(self.export_of_local(exported, name, line, source))
            return
        if source is not None:  # export * from './x' / export * as ns from './x'
            namespace = next((c for c in statement.children if c.type == "namespace_export"), None)
            name = self.text(next(_named(namespace), None)) if namespace is not None else "*"
            self.exports.append(Export(name, "reexport", line, source=source))
            return
        if _has_token(statement, "="):
            self.note(statement, "`export =` is not analysed")
            return
        self.note(statement, f"export {self.text(statement)[:40]} is not analysed")

    def export_declaration(self, declaration: Node, is_default: bool, line: int) -> None:
        kind = declaration.type
        if kind in (
            "function_declaration",
            "generator_function_declaration",
            "class_declaration",
            "abstract_class_declaration",
            "enum_declaration",
        ):
            name = self.text(declaration.child_by_field_name("name"))
            local = self.locals[name]
            self.exports.append(
                Export(
                    "default" if is_default else name,
                    local.kind,
                    line,
                    local=name,
                    function=local.function,
                    cls=local.cls,
                )
            )
        elif kind in ("lexical_declaration", "variable_declaration"):
            for declarator in declaration.children:
                name_node = (
                    declarator.child_by_field_name("name")
                    if declarator.type == "variable_declarator"
                    else None
                )
                if name_node is not None and name_node.type == "identifier":
                    name = self.text(name_node)
                    local = self.locals[name]
                    self.exports.append(
                        Export(
                            name,
                            local.kind,
                            _line(declarator),
                            local=name,
                            function=local.function,
                            cls=local.cls,
                        )
                    )
        elif kind in (
            "function_signature",
            "interface_declaration",
            "type_alias_declaration",
            "ambient_declaration",
        ):
            return  # overload signatures and types: nothing at run time
        else:
            self.note(declaration, f"export of {kind} is not analysed")

    def export_of_local(self, exported: str, name: str, line: int, source: str | None) -> Export:
        if source is not None:
            return Export(exported, "reexport", line, local=name, source=source)
        if name in self.import_of:
            return Export(
                exported, "reexport", line, local=name, source=self.import_of[name].source
            )
        local = self.locals.get(name)
        if local is None:
            self.notes.append(Note(line, f"export {{ {name} }} names nothing declared in the file"))
            return Export(exported, "value", line, local=name)
        if (
            local.kind == "value"
            and local.value is None
            and any(t.name == name for t in self.types)
        ):
            return Export(exported, "value", line, local=name)
        return Export(
            exported, local.kind, line, local=name, function=local.function, cls=local.cls
        )

    def finish_exports(self) -> list[Export]:
        """Exports with thrown classes filled in, one per name (a later assignment wins)."""
        by_name: dict[str, Export] = {}
        for export in self.exports:
            function = self.with_throws(export.function) if export.function is not None else None
            cls = self.class_with_throws(export.cls) if export.cls is not None else None
            if function is not export.function or cls is not export.cls:
                export = replace(export, function=function, cls=cls)
            by_name[export.name] = export
        return list(by_name.values())

    # ------------------------------------------------------------------ functions and classes

    def function(self, node: Node, name: str) -> Function:
        params_node = node.child_by_field_name("parameters")
        params: list[Param] = []
        if params_node is not None:
            for child in _named(params_node):
                param = self.param(child)
                if param is not None:
                    params.append(param)
        else:
            single = node.child_by_field_name("parameter")  # `x => ...`
            if single is not None:
                params.append(Param(self.text(single), None, None, False, False))
        return_type = node.child_by_field_name("return_type")
        return Function(
            name=name,
            params=tuple(params),
            return_type=self.annotation(return_type),
            is_async=_has_token(node, "async"),
            is_generator=_has_token(node, "*") or "generator" in node.type,
            line=_line(node),
            throws=(),  # filled in after the walk: see ``with_throws``
        )

    def annotation(self, node: Node | None) -> str | None:
        if node is None:
            return None
        text = self.text(node).strip()
        return text[1:].strip() if text.startswith(":") else text

    def param(self, node: Node) -> Param | None:
        kind = node.type
        if kind in ("required_parameter", "optional_parameter"):
            pattern = node.child_by_field_name("pattern")
            if pattern is None or pattern.type == "this":
                return None
            modifiers = tuple(
                self.text(c)
                for c in node.children
                if c.type in ("accessibility_modifier", "readonly", "override_modifier", "override")
            )
            rest = pattern.type == "rest_pattern"
            name = self.text(next(_named(pattern), pattern)) if rest else self.text(pattern)
            default = node.child_by_field_name("value")
            return Param(
                name,
                self.annotation(node.child_by_field_name("type")),
                self.text(default) if default is not None else None,
                kind == "optional_parameter",
                rest,
                modifiers,
            )
        if kind == "identifier":
            return Param(self.text(node), None, None, False, False)
        if kind == "assignment_pattern":
            return Param(
                self.text(node.child_by_field_name("left")),
                None,
                self.text(node.child_by_field_name("right")),
                False,
                False,
            )
        if kind == "rest_pattern":
            return Param(self.text(next(_named(node), node)), None, None, False, True)
        if kind in ("object_pattern", "array_pattern"):
            return Param(self.text(node), None, None, False, False)
        if kind in ("comment", "decorator"):
            return None
        self.note(node, f"parameter {self.text(node)[:40]} is not analysed")
        return None

    def cls(self, node: Node, name: str, decorators: tuple[str, ...]) -> Class:
        extends: str | None = None
        implements: tuple[str, ...] = ()
        for child in node.children:
            if child.type == "class_heritage":
                for part in child.children:
                    if part.type == "extends_clause":
                        value = part.child_by_field_name("value")
                        extends = (
                            self.text(value)
                            if value is not None
                            else self.text(part)[len("extends") :].strip()
                        )
                    elif part.type == "implements_clause":
                        implements = tuple(self.text(t) for t in _named(part))
                    elif (
                        part.is_named and extends is None
                    ):  # JavaScript: `class_heritage` holds the expression
                        extends = self.text(part)
            elif child.type == "decorator":
                decorators += (self.text(child),)
        body = node.child_by_field_name("body")
        constructor: Function | None = None
        simple = True
        members: list[Member] = []
        pending: list[str] = []
        for child in _named(body) if body is not None else iter(()):
            if child.type == "decorator":
                pending.append(self.text(child))
                continue
            member = self.member(child, tuple(pending))
            pending = []
            if member is None:
                continue
            if (
                member.name == "constructor"
                and member.kind == "method"
                and member.function is not None
            ):
                constructor = member.function
                simple = self.simple_constructor(child)
            else:
                members.append(member)
        type_params = node.child_by_field_name("type_parameters")
        return Class(
            name=name or "default",
            line=_line(node),
            abstract=node.type == "abstract_class_declaration" or _has_token(node, "abstract"),
            extends=extends,
            implements=implements,
            constructor=constructor,
            members=tuple(members),
            decorators=decorators,
            type_params=self.text(type_params) if type_params is not None else None,
            simple_constructor=simple,
        )

    def simple_constructor(self, node: Node) -> bool:
        """Only `super(...)` calls and `this.x = <name or literal>` stores in the body."""
        body = node.child_by_field_name("body")
        for statement in _named(body) if body is not None else iter(()):
            if statement.type == "comment":
                continue
            expression = next(_named(statement), None)
            if statement.type != "expression_statement" or expression is None:
                return False
            if expression.type == "call_expression":
                if self.text(expression.child_by_field_name("function")) != "super":
                    return False
                continue
            if expression.type != "assignment_expression":
                return False
            left = self.text(expression.child_by_field_name("left"))
            right = expression.child_by_field_name("right")
            if not left.startswith("this.") or right is None or right.type not in SIMPLE_VALUES:
                return False
        return True

    def member(self, node: Node, decorators: tuple[str, ...]) -> Member | None:
        kind = node.type
        if kind not in (
            "method_definition",
            "abstract_method_signature",
            "public_field_definition",
            "field_definition",
        ):
            if kind not in ("method_signature", "class_static_block", "index_signature", "comment"):
                self.note(node, f"class member {self.text(node)[:40]} is not analysed")
            return None  # method_signature: an overload; the implementation has the real signature
        name_node = node.child_by_field_name("name") or node.child_by_field_name("property")
        if name_node is None or name_node.type == "computed_property_name":
            self.note(
                node, f"class member with computed name {self.text(name_node)[:40]} is skipped"
            )
            return None
        name = self.key_text(name_node)
        static = _has_token(node, "static")
        access = next(
            (self.text(c) for c in node.children if c.type == "accessibility_modifier"), "public"
        )
        visibility: Visibility = (
            "private"
            if name.startswith("#")
            else (
                "private"
                if access == "private"
                else "protected"
                if access == "protected"
                else "public"
            )
        )
        if kind in ("public_field_definition", "field_definition"):
            value = node.child_by_field_name("value")
            function = None
            if value is not None and _unwrap(value).type in FUNCTION_NODES:
                function = self.function(_unwrap(value), name)
            return Member(
                name,
                "field",
                static,
                visibility,
                _line(node),
                function=function,
                type=self.annotation(node.child_by_field_name("type")),
                decorators=decorators,
                abstract=_has_token(node, "abstract"),
            )
        function = self.function(node, name)
        member_kind: MemberKind = (
            "getter"
            if _has_token(node, "get")
            else "setter"
            if _has_token(node, "set")
            else "method"
        )
        return Member(
            name,
            member_kind,
            static,
            visibility,
            _line(node),
            abstract=kind == "abstract_method_signature",
            function=function,
            type=function.return_type if member_kind == "getter" else None,
            decorators=decorators,
        )

    def with_throws(self, function: Function) -> Function:
        thrown = self.throws_by_line.get(function.line, {}).get(function.name)
        return replace(function, throws=tuple(thrown)) if thrown else function

    def class_with_throws(self, cls: Class) -> Class:
        """``cls`` with thrown classes filled in; ``cls`` itself when that changes nothing (copies
        of the frozen dataclasses would cost a good part of the analysis)."""
        members = tuple(self.member_with_throws(m) for m in cls.members)
        constructor = self.with_throws(cls.constructor) if cls.constructor else None
        if constructor is cls.constructor and members == cls.members:
            return cls
        return replace(cls, constructor=constructor, members=members)

    def member_with_throws(self, member: Member) -> Member:
        function = self.with_throws(member.function) if member.function else None
        return member if function is member.function else replace(member, function=function)

    def with_throws_classes(self) -> list[Class]:
        return [self.class_with_throws(c) for c in self.classes]

    # ------------------------------------------------------------------ types

    def interface(self, node: Node, exported: bool) -> TypeDecl:
        name = self.text(node.child_by_field_name("name"))
        body = node.child_by_field_name("body")
        extends = next((self.text(c) for c in node.children if c.type == "extends_type_clause"), "")
        return TypeDecl(name, "interface", _line(node), exported, self.fields(body), text=extends)

    def fields(self, body: Node | None) -> tuple[Field, ...]:
        found: list[Field] = []
        for member in _named(body) if body is not None else iter(()):
            if member.type == "property_signature":
                found.append(
                    Field(
                        self.key_text(member.child_by_field_name("name")),
                        self.annotation(member.child_by_field_name("type")),
                        _has_token(member, "?"),
                        _has_token(member, "readonly"),
                    )
                )
            elif member.type == "method_signature":
                name_node = member.child_by_field_name("name")
                signature = self.text(member)[len(self.text(name_node)) :].strip().rstrip(";,")
                found.append(
                    Field(self.key_text(name_node), signature, _has_token(member, "?"), method=True)
                )
        return tuple(found)

    def type_alias(self, node: Node, exported: bool) -> TypeDecl:
        name = self.text(node.child_by_field_name("name"))
        value = node.child_by_field_name("value")
        fields = self.fields(value) if value is not None and value.type == "object_type" else ()
        strings = tuple(self.union_strings(value)) if value is not None else ()
        for text in strings:
            self.literals.append(LiteralUse(text, _line(node), "union"))
        return TypeDecl(
            name,
            "type",
            _line(node),
            exported,
            fields,
            text=self.text(value),
            string_values=strings,
        )

    def union_strings(self, node: Node) -> Iterator[str]:
        if node.type == "union_type":
            for child in _named(node):
                yield from self.union_strings(child)
        elif node.type == "literal_type":
            inner = next(_named(node), None)
            if inner is not None and inner.type == "string":
                yield self.key_text(inner)
        elif node.type == "parenthesized_type":
            for child in _named(node):
                yield from self.union_strings(child)

    def enum(self, node: Node, exported: bool) -> TypeDecl:
        members: list[tuple[str, str | None]] = []
        body = node.child_by_field_name("body")
        for child in _named(body) if body is not None else iter(()):
            if child.type == "enum_assignment":
                value = child.child_by_field_name("value")
                members.append((self.key_text(child.child_by_field_name("name")), self.text(value)))
                literal = self.literal_value(value) if value is not None else None
                if literal is not None:
                    self.literals.append(LiteralUse(literal, _line(child), "enum"))
            elif child.type in ("property_identifier", "string"):
                members.append((self.key_text(child), None))
        name = self.text(node.child_by_field_name("name"))
        return TypeDecl(name, "enum", _line(node), exported, members=tuple(members))

    def literal_value(self, node: Node) -> str | int | float | None:
        node = _unwrap(node)
        if node.type == "string":
            return self.key_text(node)
        if node.type == "number":
            return _number(self.text(node))
        if node.type == "unary_expression" and self.text(node).startswith("-"):
            inner = next(_named(node), None)
            if inner is not None and inner.type == "number":
                value = _number(self.text(inner))
                return -value if value is not None else None
        return None

    # ------------------------------------------------ pass 2: one walk over the tree

    def walk(self, root: Node) -> None:
        """Visit every runtime node once, knowing the enclosing top-level function and the depth."""
        # (node, depth, top, function_key): function_key is (line, name) of the innermost function.
        stack: list[tuple[Node, int, str | None, tuple[int, str] | None]] = [(root, 0, None, None)]
        # A tree without errors has no ERROR or MISSING node anywhere: then the per-node checks
        # below are skipped (they cost as much as the rest of the visit).
        errors = root.has_error
        kinds = _kind_names(self.language)
        while stack:
            node, depth, top, fkey = stack.pop()
            kind = kinds.get(node.kind_id) or node.type  # ERROR nodes have no kind id of their own
            if errors and (node.is_error or node.is_missing):
                self.syntax_error(node)
                if node.is_missing:
                    continue
            if kind in SKIPPED_NODES:
                continue
            child_depth, child_top, child_fkey = depth, top, fkey
            if kind in FUNCTION_NODES or (
                kind in ("public_field_definition", "field_definition")
                and not _has_token(node, "static")
            ):
                child_depth = depth + 1
                name = self.function_name(node)
                if depth == 0:
                    # Only top-level functions can be called by name while loading; methods cannot.
                    named = kind != "method_definition" and name in self.locals
                    child_top = name if named else ""
                if kind in FUNCTION_NODES:
                    child_fkey = (_line(node), name)
            elif kind == "identifier" or kind == "shorthand_property_identifier":
                self.identifier(node, top if depth else None)
                continue
            elif kind == "call_expression":
                self.call(node, top if depth else None)
            elif kind == "new_expression":
                self.new(node, top if depth else None)
            elif kind == "member_expression" or kind == "subscript_expression":
                self.env_member(node, top if depth else None)
            elif kind == "binary_expression":
                self.comparison(node)
            elif kind == "switch_case":
                value = node.child_by_field_name("value")
                literal = self.literal_value(value) if value is not None else None
                if literal is not None:
                    self.literals.append(LiteralUse(literal, _line(node), "case"))
            elif kind == "throw_statement" and fkey is not None:
                self.throw(node, fkey)
            elif kind == "variable_declarator":
                self.variable(node)
            elif kind in ("required_parameter", "optional_parameter", "assignment_pattern"):
                self.env_param(node)
            # Punctuation and keywords carry nothing; only a subtree with an error can hide a
            # MISSING token among them.
            children = node.children if errors and node.has_error else node.named_children
            for child in reversed(children):
                stack.append((child, child_depth, child_top, child_fkey))

    def function_name(self, node: Node) -> str:
        name = node.child_by_field_name("name")
        if name is not None:
            return self.key_text(name)
        parent = node.parent
        if parent is not None and parent.type == "variable_declarator":
            return self.text(parent.child_by_field_name("name"))
        if parent is not None and parent.type == "pair":
            return self.key_text(parent.child_by_field_name("key"))
        return ""

    def syntax_error(self, node: Node) -> None:
        if len(self.errors) >= MAX_SYNTAX_ERRORS:
            return
        if node.is_missing:
            message = f"syntax error: missing {node.type!r}"
        else:
            snippet = self.text(node).strip().splitlines()
            message = (
                f"syntax error: unexpected {snippet[0][:40]!r}"
                if snippet
                else "syntax error: unexpected end of input"
            )
        self.errors.append(Note(_line(node), message))

    def throw(self, node: Node, fkey: tuple[int, str]) -> None:
        value = next(_named(node), None)
        if value is None or value.type != "new_expression":
            return
        name = self.text(value.child_by_field_name("constructor"))
        thrown = self.throws_by_line.setdefault(fkey[0], {}).setdefault(fkey[1], [])
        if name and name not in thrown:
            thrown.append(name)

    # -- import usage

    def identifier(self, node: Node, top: str | None) -> None:
        name = self.text(node)
        draft = self.import_of.get(name)
        if draft is None:
            return
        parent = node.parent
        if parent is not None and parent.type in BINDING_SITES:
            return  # the name being declared (`const x = require(...)`, a parameter), not a use
        if node.type == "shorthand_property_identifier":
            self.usages.append((top, draft, "value", name))
            return
        usage, path = self.usage_of(node, name)
        self.usages.append((top, draft, usage, path))

    def usage_of(self, node: Node, name: str) -> tuple[ImportUsage, str]:
        path = [name]
        current = node
        parent = current.parent
        while (
            parent is not None
            and parent.type == "member_expression"
            and parent.child_by_field_name("object") == current
        ):
            path.append(self.text(parent.child_by_field_name("property")))
            current, parent = parent, parent.parent
        if parent is None:
            return "value", name
        dotted = ".".join(path)
        if parent.type == "call_expression" and parent.child_by_field_name("function") == current:
            return ("called_discarded" if _discarded(parent) else "called_used"), dotted + "()"
        if parent.type == "new_expression" and parent.child_by_field_name("constructor") == current:
            return ("called_discarded" if _discarded(parent) else "called_used"), dotted + "()"
        if len(path) > 1:
            return "property", dotted
        if parent.type in ("extends_clause", "class_heritage"):
            return "extended", name
        if parent.type == "export_specifier":
            return "value", name
        if parent.type in ("expression_statement", "sequence_expression"):
            return "unused", name
        return "value", name

    def finish_imports(self, at_load: set[str]) -> list[Import]:
        for top, draft, usage, path in self.usages:
            if not (top is None or top in at_load):
                continue
            if draft.usage == "side_effect":
                continue
            if USAGE_RANK[usage] > USAGE_RANK[draft.usage]:
                draft.usage = usage
            if usage in ("property", "called_discarded", "called_used") and path not in draft.paths:
                draft.paths.append(path)
        result: list[Import] = []
        for draft in self.imports:
            usage = draft.usage
            if draft.type_only or (draft.bindings and all(b.type_only for b in draft.bindings)):
                usage = "type_only"
            elif usage == "unused" and self.language != "javascript" and self.only_types(draft):
                usage = (
                    "type_only"  # TypeScript erases an import whose bindings are only used as types
                )
            result.append(
                Import(
                    draft.source,
                    draft.bindings,
                    draft.line,
                    usage,
                    draft.relative,
                    draft.require,
                    tuple(draft.paths),
                )
            )
        return result

    def only_types(self, draft: _ImportDraft) -> bool:
        """No binding of ``draft`` is referenced anywhere at run time (load time or later)."""
        used = {d.source for _, d, _, _ in self.usages}
        return draft.source not in used and not any(
            e.local in {b.local for b in draft.bindings}
            for e in self.exports
            if e.kind == "reexport" and e.source is None
        )

    # -- calls: routes, mounts, servers, load-time calls, env helpers, includes

    def call(self, node: Node, top: str | None) -> None:
        function = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        args = (
            [a for a in _named(args_node)]
            if args_node is not None and args_node.type == "arguments"
            else []
        )
        if function is None:
            return
        if function.type == "identifier":
            self.calls_from.setdefault(top, set()).add(self.text(function))
        elif function.type == "member_expression":
            method = self.text(function.child_by_field_name("property"))
            receiver = function.child_by_field_name("object")
            if method in ROUTE_METHODS or method == "use":
                self.route_call(node, method, receiver, args, top)
            if method in ("listen", "connect"):
                self.server_events.append(top)
            if method == "includes" and receiver is not None:
                self.includes(receiver)
            if (
                method == "mock"
                and self.text(receiver) == "jest"
                and args
                and args[0].type == "string"
            ):
                self.jest_mocks.append(self.key_text(args[0]))
        self.env_helper(args, top)

    def new(self, node: Node, top: str | None) -> None:
        constructor = node.child_by_field_name("constructor")
        if constructor is not None and constructor.type == "identifier":
            self.calls_from.setdefault(top, set()).add(self.text(constructor))

    def route_call(
        self, node: Node, method: str, receiver: Node | None, args: list[Node], top: str | None
    ) -> None:
        if receiver is None:
            return
        base = receiver
        while base.type == "call_expression":  # router.route('/x').get(a).post(b)
            inner = base.child_by_field_name("function")
            if inner is None or inner.type != "member_expression":
                return
            inner_method = self.text(inner.child_by_field_name("property"))
            if inner_method == "route":
                owner = inner.child_by_field_name("object")
                route_args = [a for a in _named(base.child_by_field_name("arguments") or base)]
                if (
                    owner is None
                    or owner.type != "identifier"
                    or self.text(owner) not in self.routers
                ):
                    return
                if not route_args or route_args[0].type != "string":
                    self.note(node, "route() with a path that is not a string literal is skipped")
                    return
                self.route_events.append(
                    (
                        top,
                        self.text(owner),
                        method,
                        self.key_text(route_args[0]),
                        _line(node),
                        tuple(args),
                    )
                )
                return
            if inner_method not in ROUTE_METHODS:
                return
            base = inner.child_by_field_name("object") or base
        if base.type != "identifier" or self.text(base) not in self.routers:
            return
        router = self.text(base)
        if method == "use":
            if args and args[0].type == "string":
                for handler in args[1:]:
                    self.mount_events.append(
                        (top, router, self.key_text(args[0]), handler, _line(node))
                    )
            else:
                for handler in args:
                    self.mount_events.append((top, router, "", handler, _line(node)))
            return
        if method == "get" and len(args) == 1 and args[0].type == "string":
            return  # app.get('setting'): a settings read, not a route
        if not args or args[0].type not in ("string", "template_string"):
            self.note(
                node, f"{router}.{method}() with a path that is not a string literal is skipped"
            )
            return
        self.route_events.append(
            (top, router, method, self.text(args[0])[1:-1], _line(node), tuple(args[1:]))
        )

    def finish_routes(self, at_load: set[str]) -> list[Route]:
        routes: list[Route] = []
        # Source order; a `route(p).get(a).post(b)` chain is visited outermost (last) call first.
        events = sorted(self.route_events, key=lambda e: (e[4], e[5][0].start_byte if e[5] else 0))
        for top, router, method, path, line, handlers in events:
            routes.append(
                Route(
                    router,
                    method,
                    path,
                    line,
                    tuple(self.text(h) for h in handlers),
                    top is None or top in at_load,
                    bool(handlers) and all(self.mockable(h) for h in handlers),
                )
            )
        return routes

    def mockable(self, handler: Node) -> bool:
        """An imported binding, or a property of one, whose import gets a factory mock."""
        root = _unwrap(handler)
        while root.type == "member_expression":
            root = root.child_by_field_name("object") or root
            if root.type != "member_expression":
                break
        if root.type != "identifier":
            return False
        draft = self.import_of.get(self.text(root))
        return draft is not None and draft.usage in ("unused", "property", "called_discarded")

    def finish_mounts(self, at_load: set[str]) -> list[Mount]:
        mounts: list[Mount] = []
        for top, target, prefix, handler, line in self.mount_events:
            inner = _unwrap(handler)
            draft = self.import_of.get(self.text(inner)) if inner.type == "identifier" else None
            imported = (
                next((b.imported for b in draft.bindings if b.local == self.text(inner)), None)
                if draft
                else None
            )
            mounts.append(
                Mount(
                    target,
                    prefix,
                    self.text(handler),
                    line,
                    draft.source if draft else None,
                    imported,
                    top is None or top in at_load,
                )
            )
        return mounts

    def variable(self, node: Node) -> None:
        value = node.child_by_field_name("value")
        name_node = node.child_by_field_name("name")
        if value is None or name_node is None:
            return
        inner = _unwrap(value)
        if inner.type in ("call_expression", "new_expression") and name_node.type == "identifier":
            callee = inner.child_by_field_name("function") or inner.child_by_field_name(
                "constructor"
            )
            if self.text(callee) in ROUTER_FACTORIES:
                self.routers.add(self.text(name_node))
        if self.text(inner) == "process.env":
            if name_node.type == "identifier":
                self.env_aliases.add(self.text(name_node))
            elif name_node.type == "object_pattern":
                self.env_destructure(name_node)

    def env_destructure(self, pattern: Node) -> None:
        for part in _named(pattern):
            if part.type == "shorthand_property_identifier_pattern":
                self.env_events.append((None, self.text(part), _line(part), False))
            elif part.type == "object_assignment_pattern":
                left = part.child_by_field_name("left")
                self.env_events.append((None, self.text(left), _line(part), True))
            elif part.type == "pair_pattern":
                value = part.child_by_field_name("value")
                has_default = value is not None and value.type == "assignment_pattern"
                self.env_events.append(
                    (None, self.key_text(part.child_by_field_name("key")), _line(part), has_default)
                )

    def env_param(self, node: Node) -> None:
        """`env: Env = process.env` makes `env` an alias of the environment."""
        default = node.child_by_field_name("value") or node.child_by_field_name("right")
        name = node.child_by_field_name("pattern") or node.child_by_field_name("left")
        if (
            default is not None
            and name is not None
            and self.text(_unwrap(default)) == "process.env"
        ):
            self.env_aliases.add(self.text(name))

    def env_member(self, node: Node, top: str | None) -> None:
        obj = node.child_by_field_name("object")
        if obj is None:
            return
        obj_text = self.text(obj)
        if obj_text != "process.env" and obj_text not in self.env_aliases:
            return
        if node.type == "member_expression":
            key = self.text(node.child_by_field_name("property"))
        else:
            index = node.child_by_field_name("index")
            if index is None or index.type != "string":
                return
            key = self.key_text(index)
        parent = node.parent
        has_default = (
            parent is not None
            and parent.type == "binary_expression"
            and parent.child_by_field_name("left") == node
            and self.text(parent.child_by_field_name("operator")) in ("??", "||")
        )
        self.env_events.append((top, key, _line(node), has_default))

    def env_helper(self, args: list[Node], top: str | None) -> None:
        """`readString(env, 'PORT', '4000')`: an UPPER_CASE key passed beside the environment."""
        if len(args) < 2 or not any(
            self.text(a) in self.env_aliases or self.text(a) == "process.env" for a in args
        ):
            return
        for i, arg in enumerate(args):
            if arg.type == "string":
                key = self.key_text(arg)
                if ENV_KEY.match(key):
                    self.env_events.append((top, key, _line(arg), i < len(args) - 1))
                    self.literals.append(LiteralUse(key, _line(arg), "env_key"))

    # -- literals

    def comparison(self, node: Node) -> None:
        operator = self.text(node.child_by_field_name("operator"))
        if operator not in ("===", "!==", "==", "!=", "<", ">", "<=", ">="):
            return
        for side in (node.child_by_field_name("left"), node.child_by_field_name("right")):
            if side is None:
                continue
            value = self.literal_value(side)
            if isinstance(value, str) and operator in ("===", "!==", "==", "!="):
                self.literals.append(LiteralUse(value, _line(node), "compare"))
            elif isinstance(value, (int, float)):
                self.literals.append(LiteralUse(value, _line(node), "condition"))

    def includes(self, receiver: Node) -> None:
        array = _unwrap(receiver)
        if array.type == "identifier":
            local = self.locals.get(self.text(array))
            if local is None or local.value is None:
                return
            array = _unwrap(local.value)
        if array.type != "array":
            return
        for element in _named(array):
            value = self.literal_value(element)
            if value is not None:
                self.literals.append(LiteralUse(value, _line(element), "includes"))


def _discarded(call: Node) -> bool:
    """Whether a call's result is thrown away (`f();` or `await f();`)."""
    parent = call.parent
    if parent is not None and parent.type == "await_expression":
        parent = parent.parent
    return parent is not None and parent.type == "expression_statement"


def _number(text: str) -> int | float | None:
    cleaned = text.replace("_", "")
    try:
        return int(cleaned, 0)
    except ValueError:
        try:
            return float(cleaned)
        except ValueError:
            return None
