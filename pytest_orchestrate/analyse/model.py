"""What the TypeScript/JavaScript analyser reports about one source file: plain frozen dataclasses.

Test generators read these to decide what to assert (exports, arity, routes, env reads) and, for
characterization, what inputs to synthesise (parameter types, interfaces, literals). This module
holds data only: no parsing, no pytest. Fields are only ever added, never renamed.

Conventions: lines are 1-based; ``type`` fields hold the annotation's source text without the
colon (``"Repository<User>"``), or None when there is none; tuples keep source order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["typescript", "tsx", "javascript"]
Visibility = Literal["public", "protected", "private"]
MemberKind = Literal["method", "getter", "setter", "field"]
ExportKind = Literal[
    "function",  # a function declaration or function/arrow expression: arity is known
    "class",
    "wrapped",  # the result of a call (asyncHandler(fn), memo(fn)): only known to be defined
    "object",  # an object literal
    "value",  # any other value (number, string, array, new X(), identifier of unknown kind)
    "enum",  # a TS enum: an object at run time
    "reexport",  # re-exported from another module; nothing is known about its kind here
]
# How an import's bindings are used while the module loads (outside function bodies), weakest first.
ImportUsage = Literal[
    "type_only",  # `import type`, or every binding used only in types: erased by TypeScript
    "side_effect",  # `import './x'`: no bindings
    "unused",  # no binding is touched while loading
    "property",  # only read as properties (`config.port`)
    "called_discarded",  # called, the result thrown away (`dotenv.config()`)
    "called_used",  # called, the result kept (`asyncHandler(fn)`, `new Repo()`)
    "value",  # passed or stored as a value (`router.get('/', handler)`, `export { x }`)
    "extended",  # a class extends it
]
# What a generated unit test does with the import: a factory mock, the real module, or `() => ({})`.
MockPlan = Literal["factory", "real", "empty", "none"]
LiteralContext = Literal["compare", "case", "includes", "condition", "enum", "union", "env_key"]


@dataclass(frozen=True)
class Note:
    """Something the analyser saw but did not understand, or a syntax error, at a 1-based line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Param:
    """One formal parameter."""

    name: str  # the identifier, or the pattern's text for destructuring (`{ a, b }`)
    type: str | None
    default: str | None  # the default value's source text
    optional: bool  # `x?: T` (a TS optional parameter without a default)
    rest: bool  # `...xs`
    modifiers: tuple[str, ...] = ()  # TS parameter property: `private`, `readonly`, ...

    @property
    def is_property(self) -> bool:
        """A TS parameter property (`private readonly repo: Repo`): also declares a field."""
        return bool(self.modifiers)


@dataclass(frozen=True)
class Function:
    """A callable's signature, and what its body throws."""

    name: str
    params: tuple[Param, ...]
    return_type: str | None
    is_async: bool
    is_generator: bool
    line: int
    throws: tuple[
        str, ...
    ] = ()  # classes in `throw new X(...)` in its body, first occurrence order

    @property
    def arity(self) -> int:
        """JS `Function.length`: parameters before the first default or rest (not TS `this`)."""
        count = 0
        for param in self.params:
            if param.default is not None or param.rest:
                break
            count += 1
        return count


@dataclass(frozen=True)
class Member:
    """A class member. Abstract ones are listed too, though they do not exist at run time."""

    name: str
    kind: MemberKind
    static: bool
    visibility: Visibility  # `#private` names count as private
    line: int
    abstract: bool = False
    function: Function | None = (
        None  # methods, getters, setters, and fields holding an arrow/function
    )
    type: str | None = None  # a field's annotation, a getter's return type
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Class:
    """A class declaration or expression."""

    name: str
    line: int
    abstract: bool
    extends: str | None  # source text of the heritage expression
    implements: tuple[str, ...]
    constructor: Function | None  # None: no explicit constructor
    members: tuple[Member, ...]
    decorators: tuple[str, ...] = ()
    type_params: str | None = None  # `<K, V>` as written
    # The constructor only calls super() and stores values (or there is none): building an
    # instance with stand-in arguments runs no logic that could reject them.
    simple_constructor: bool = True

    def public_methods(self, *, static: bool = False) -> tuple[Member, ...]:
        """Non-abstract public methods that exist at run time (instance or static)."""
        return tuple(
            m
            for m in self.members
            if m.kind == "method"
            and m.static == static
            and m.visibility == "public"
            and not m.abstract
        )

    def accessors(self) -> tuple[Member, ...]:
        """Public, non-abstract getters and setters of instances."""
        return tuple(
            m
            for m in self.members
            if m.kind in ("getter", "setter")
            and not m.static
            and m.visibility == "public"
            and not m.abstract
        )


@dataclass(frozen=True)
class Export:
    """One exported name. ``name`` is what importers use (`default` for the default export)."""

    name: str
    kind: ExportKind
    line: int
    local: str | None = None  # the local binding behind it, when it has one
    function: Function | None = None  # kind == "function"
    cls: Class | None = None  # kind == "class"
    source: str | None = None  # kind == "reexport": the module it comes from
    commonjs: bool = False  # `module.exports` / `exports.x`


@dataclass(frozen=True)
class ImportBinding:
    """One name an import statement binds: ``imported`` is `default`, `*` or the exported name."""

    local: str
    imported: str
    type_only: bool = False


@dataclass(frozen=True)
class Import:
    """An ES `import` or top-level `require`, with how the module uses it while loading."""

    source: str  # the specifier as written
    bindings: tuple[ImportBinding, ...]
    line: int
    usage: ImportUsage
    relative: bool  # `./` or `../`
    require: bool = False  # CommonJS
    # Binding-relative paths touched while loading: "x" (called), "x.y" (read), "x.y()" (called).
    load_paths: tuple[str, ...] = ()

    @property
    def mock(self) -> MockPlan:
        """How a unit test treats this import: a factory mock when the module does not need it
        while loading, the real module when it calls it, passes it on or extends it at load time,
        ``() => ({})`` for a side-effect import. Never Jest's automock, which runs the real module
        to learn its shape."""
        if self.usage == "type_only":
            return "none"
        if self.usage == "side_effect":
            return "empty"
        if self.usage in ("called_used", "value", "extended"):
            return "real"
        return "factory"


@dataclass(frozen=True)
class Route:
    """An Express route: `router.get('/users/:id', ...)` or `router.route(p).get(...)`."""

    router: str  # the receiver's name (`router`, `app`)
    method: str  # lower case: get, post, put, patch, delete, options, head, all
    path: str
    line: int
    handlers: tuple[str, ...]  # each handler argument's source text
    at_load: bool = True  # registered while the module loads (not inside a function)
    # Every handler is a property of (or) a binding from an import that gets a factory mock.
    mockable: bool = False


@dataclass(frozen=True)
class Mount:
    """`app.use('/api/users', usersRouter)`: a router (or middleware) mounted under a prefix."""

    target: str  # the receiver (`app`)
    prefix: str
    handler: str  # source text of the mounted value
    line: int
    source: str | None = None  # the import specifier the mounted value comes from, if any
    imported: str | None = None  # the name imported from ``source``
    at_load: bool = True


@dataclass(frozen=True)
class EnvRead:
    """An environment read: `process.env.X`, `env.X` or `readString(env, 'X', ...)`."""

    name: str
    line: int
    at_load: bool  # happens while the module loads (or in a function called while it loads)
    has_default: bool  # `?? x`, `|| x`, or a helper call with an argument after the key


@dataclass(frozen=True)
class Field:
    """A field of an interface or object type."""

    name: str
    type: str | None
    optional: bool
    readonly: bool = False
    method: bool = False  # `m(x: string): void` in an interface


@dataclass(frozen=True)
class TypeDecl:
    """An interface, type alias or enum declared in the file."""

    name: str
    kind: Literal["interface", "type", "enum"]
    line: int
    exported: bool
    fields: tuple[Field, ...] = ()  # interface members, or an object type alias's members
    text: str = ""  # the alias's right-hand side, or the interface's `extends` clause
    members: tuple[tuple[str, str | None], ...] = ()  # enum: (name, value source text or None)
    string_values: tuple[str, ...] = ()  # string literals of a union alias (`'a' | 'b'`)


@dataclass(frozen=True)
class LiteralUse:
    """A literal the code branches on: compared, a `case`, an `includes` list, an enum value."""

    value: str | int | float
    line: int
    context: LiteralContext


@dataclass(frozen=True)
class ResolverMap:
    """An exported object of objects of functions (a GraphQL resolver map): type -> field names."""

    export: str
    types: tuple[tuple[str, tuple[str, ...]], ...]
    line: int


@dataclass(frozen=True)
class ModuleInfo:
    """Everything the analyser found in one source file."""

    path: str  # as given (relative to the project root)
    language: Language
    exports: tuple[Export, ...]
    classes: tuple[Class, ...]  # every top-level class, exported or not
    functions: tuple[Function, ...]  # every top-level function declaration, exported or not
    imports: tuple[Import, ...]
    routes: tuple[Route, ...]
    mounts: tuple[Mount, ...]
    env_reads: tuple[EnvRead, ...]
    types: tuple[TypeDecl, ...]
    literals: tuple[LiteralUse, ...]
    resolver_maps: tuple[ResolverMap, ...]
    notes: tuple[Note, ...]  # what was not understood
    syntax_errors: tuple[Note, ...]  # tree-sitter ERROR and MISSING nodes
    commonjs: bool  # uses module.exports / exports.x
    # Calls .listen(...) / .connect(...) while loading: a test must never import it.
    starts_server: bool
    # Exported string constants as (name, text), e.g. GraphQL typeDefs.
    string_exports: tuple[tuple[str, str], ...] = ()
    jest_mocks: tuple[str, ...] = ()  # modules a `jest.mock('...')` call names (setup files, tests)

    def export(self, name: str) -> Export | None:
        """The export called ``name``, if any."""
        return next((e for e in self.exports if e.name == name), None)

    def type_decl(self, name: str) -> TypeDecl | None:
        """The interface, alias or enum called ``name`` declared in this file, if any."""
        return next((t for t in self.types if t.name == name), None)
