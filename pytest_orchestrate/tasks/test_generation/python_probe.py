"""The characterization probe: runs in the TARGET's interpreter, calls the code, records results.

This file is copied to a scratch folder and run as a script (``python python_probe.py request.json
result.json``) by the target's own Python, so it uses the standard library only, plus coverage.py,
imported in ``main`` because only the exploring run needs it. Our own tests import it as a module
to check ``plain``, ``Synthesizer`` and ``run_scenario`` directly.

A *scenario* is Python source: setup statements (build an object, call mutators on it) and one
call. Values are drawn as source text and then executed, so what the probe observed is exactly
what the rendered test replays. Each scenario runs under its own coverage.py dynamic context, so
the caller learns which lines and arcs each one covers without running anything twice.

It does not decide which scenarios to keep (``python_select``) nor write tests (``python``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as _dt
import decimal
import enum
import importlib
import inspect
import io
import json
import math
import os
import random
import re
import signal
import sqlite3
import sys
import time
import types
import typing
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

# Coverage growth is checked every CHECK_EVERY scenarios; PATIENCE (plus PATIENCE_PER_SLOT per
# slot of the schedule) scenarios without growth end the search.
CHECK_EVERY = 50
PATIENCE = 300
PATIENCE_PER_SLOT = 20
LINES_PER_SLOT = 5
# How deep plain() descends and draw() nests before giving up on a branch.
MAX_DEPTH = 6
DRAW_DEPTH = 3
# An assertion longer than this is reduced to a type check: nobody reads a 5 kB literal.
MAX_LITERAL = 1500
# Values every string parameter may get besides the unit's own literals.
GENERIC_STRINGS = ("", "u1", "u2", "a b", "[]", "2024-01-01T00:00:00Z", "2024-01-02T09:30:00+00:00")
WORD = re.compile(r"^[A-Za-z_][\w-]*$")
GENERIC_NUMBERS = (0, 1, -1, 2, 0.5)
TIMESTAMPS = ("2024-01-01T09:30:00Z", "2024-01-02T09:30:00+00:00", "not-a-date")
IDENTIFIERS = ("u1", "u2")
# What a name says about its value: a field ``occurredAt`` wants a timestamp, ``userId`` an id.
TIME_NAME = re.compile(
    r"(^|_)(at|on|date|time|timestamp|when)$|[a-z](At|On|Date|Time)$|date|time", re.I
)
ID_NAME = re.compile(r"(^|_)id$|[a-z]Id$|(^|_)(user|owner|author|key)$", re.I)
NUMBER_NAME = re.compile(
    r"score|count|amount|total|age|limit|size|price|weight|days|seconds|attempts", re.I
)


class Unreferenceable(Exception):
    """A value whose type cannot be named by an import (a local class, a lambda)."""


class CallTimeout(BaseException):
    """Raised by the alarm inside a call that ran past its time limit."""


# ---------------------------------------------------------------------------------------------
# plain(): a value as plain data, the same function the generated tests embed as ``_plain``.
# Kept in one function with no module globals so its source can be copied into a test file.
def plain(value: Any, _depth: int = 0, _path: frozenset[int] = frozenset()) -> Any:
    """``value`` as nested dicts/lists of str, int, float, bool and None, stable across runs."""
    import dataclasses as _dc
    import datetime as _dtm
    import enum as _enum

    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, _enum.Enum):  # before str and int: ``class Genre(str, Enum)``
        return {"__enum__": type(value).__name__ + "." + value.name}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, str)):  # a subclass: its repr may not be a literal
        return int(value) if isinstance(value, int) else "" + value
    if isinstance(value, float):
        value = float(value)
        return (
            value
            if value == value and value not in (float("inf"), float("-inf"))
            else {"__float__": repr(value)}
        )
    if _depth > 6:
        return "<deep>"
    if id(value) in _path:
        return "<cycle>"
    path = _path | {id(value)}

    def inner(item: Any) -> Any:
        return plain(item, _depth + 1, path)

    if isinstance(value, _enum.Enum):
        return {"__enum__": type(value).__name__ + "." + value.name}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": bytes(value).decode("latin-1")}
    if isinstance(value, (_dtm.datetime, _dtm.date, _dtm.time)):
        return {"__" + type(value).__name__ + "__": value.isoformat()}
    if isinstance(value, _dtm.timedelta):
        return {"__timedelta__": value.total_seconds()}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: inner(v) for k, v in sorted(value.items())}
        pairs = [[inner(k), inner(v)] for k, v in value.items()]
        return {"__dict__": sorted(pairs, key=repr)}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return [inner(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted((inner(item) for item in value), key=repr)}
    if (
        isinstance(value, type)
        or (callable(value) and not hasattr(value, "__dict__"))
        or type(value).__name__ in ("function", "builtin_function_or_method", "method", "module")
    ):
        return {"__callable__": getattr(value, "__qualname__", type(value).__name__)}
    if isinstance(value, BaseException):
        return {"__exception__": type(value).__name__, "args": inner(list(value.args))}
    name = type(value).__name__
    if _dc.is_dataclass(value):
        fields = {f.name: inner(getattr(value, f.name)) for f in _dc.fields(value)}
        return {"__class__": name, **fields}
    if hasattr(value, "_fields"):  # a namedtuple
        return {"__class__": name, **{f: inner(getattr(value, f)) for f in value._fields}}
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict):
        attrs = {k: inner(v) for k, v in sorted(state.items()) if not k.startswith("__")}
        return {"__class__": name, **attrs}
    slots = [s for cls in type(value).__mro__ for s in getattr(cls, "__slots__", ())]
    if slots:
        return {
            "__class__": name,
            **{s: inner(getattr(value, s, None)) for s in sorted(set(slots))},
        }
    text = repr(value)
    return {"__class__": name, "repr": text if " at 0x" not in text else None}


def literal(value: Any) -> str | None:
    """Python source equal to ``value`` for plain literals (sets sorted), else None."""
    if value is None or type(value) in (bool, int, str, bytes):
        return repr(value)
    if type(value) is float:
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        items = [literal(v) for v in value]
        if any(i is None for i in items):
            return None
        if isinstance(value, tuple):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"  # type: ignore[arg-type]
        return "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    if type(value) is dict:
        pairs = [(literal(k), literal(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    if type(value) in (set, frozenset):
        items = sorted((literal(v) for v in value), key=str)
        if any(i is None for i in items):
            return None
        body = "{" + ", ".join(items) + "}" if items else "set()"  # type: ignore[arg-type]
        return body if type(value) is set else f"frozenset({body})" if items else "frozenset()"
    return None


def _raises(error: BaseException) -> Callable[..., Any]:
    """A stand-in callable that raises ``error``: exercises a caller's ``except`` branch."""

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        raise error

    return stand_in


# ---------------------------------------------------------------------------------------------
# Naming values in source text.
class Names:
    """The imports a scenario needs: local name -> (module, attribute path)."""

    def __init__(self) -> None:
        self.bound: dict[str, tuple[str, str]] = {}

    def ref(self, obj: Any) -> str:
        """A name for ``obj`` (a class, function or module attribute) that an import can bind."""
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None)
        if not module or not qualname or "<" in qualname:
            raise Unreferenceable(repr(obj))
        if module == "builtins":
            return str(qualname)
        head, _, rest = qualname.partition(".")
        try:
            found: Any = importlib.import_module(module)
            for part in qualname.split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError) as e:
            raise Unreferenceable(f"{module}.{qualname}") from e
        if found is not obj:
            raise Unreferenceable(f"{module}.{qualname}")
        local = self.bind(module, head)
        return f"{local}.{rest}" if rest else local

    def bind(self, module: str, attr: str) -> str:
        """Bind ``module.attr`` under ``attr``, or under a module-qualified alias when taken."""
        for local, target in self.bound.items():
            if target == (module, attr):
                return local
        local = attr
        if local in self.bound or local in RESERVED:
            local = re.sub(r"\W", "_", module) + "_" + attr
        self.bound[local] = (module, attr)
        return local

    def namespace(self) -> dict[str, Any]:
        """The bound names as live objects, plus the helpers every scenario may use."""
        ns: dict[str, Any] = {
            "_raises": _raises,
            "SimpleNamespace": types.SimpleNamespace,
            "asyncio": asyncio,
        }
        for local, (module, attr) in self.bound.items():
            ns[local] = getattr(importlib.import_module(module), attr)
        return ns


RESERVED = frozenset({"_raises", "SimpleNamespace", "asyncio", "obj", "result", "pytest", "_plain"})


# ---------------------------------------------------------------------------------------------
# Drawing inputs as source text.
class Synthesizer:
    """Draws argument source text from annotations, the unit's literals and boundary values."""

    def __init__(
        self,
        rng: random.Random,
        names: Names,
        *,
        strings: Sequence[str] = (),
        numbers: Sequence[float] = (),
        more_strings: Sequence[str] = (),
        keys: Sequence[str] = (),
        more_keys: Sequence[str] = (),
        errors: Sequence[type] = (),
    ) -> None:
        self.rng = rng
        self.names = names
        self.strings = list(dict.fromkeys([*strings, *more_strings, *GENERIC_STRINGS]))
        # The unit's own word-like literals ("email", "push") come up most: a branch such as
        # ``channels.get(name)`` is reached only when two arguments share a value.
        self.words = [w for w in dict.fromkeys(strings) if WORD.match(w)]
        self.own = list(dict.fromkeys(strings))
        self.near_words = [w for w in dict.fromkeys(more_strings) if WORD.match(w)]
        ints = [int(n) for n in numbers if float(n).is_integer()]
        near = [n + d for n in ints for d in (-1, 1)]
        self.ints = list(dict.fromkeys([*ints, *GENERIC_NUMBERS[:4], *near]))
        self.floats = list(dict.fromkeys([*(float(n) for n in numbers), 0.0, 0.5, -1.0, 1.0]))
        self.keys = list(dict.fromkeys(keys))
        self.more_keys = [k for k in dict.fromkeys(more_keys) if k not in self.keys]
        if not self.keys:
            self.keys, self.more_keys = self.more_keys, []
        self.errors = list(errors)

    # Public entry points -----------------------------------------------------------------
    def draw(self, annotation: Any, depth: int = 0, name: str = "") -> str:
        """Source text of one value fitting ``annotation`` (``Parameter.empty``: unknown)."""
        if depth > DRAW_DEPTH:
            return "None"
        if annotation in (inspect.Parameter.empty, Any, object) or isinstance(
            annotation, (str, typing.TypeVar)
        ):
            return self.untyped(name, depth)
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if annotation is type(None) or annotation is None:
            return "None"
        if origin is typing.Union or type(annotation).__name__ == "UnionType":
            return self.draw(self.rng.choice(args), depth, name)
        if origin is typing.Literal:
            return repr(self.rng.choice(args))
        if origin is typing.Annotated:
            return self.draw(args[0], depth, name)
        if origin is not None:
            return self.generic(origin, args, depth, name)
        return self.simple(annotation, depth, name)

    def untyped(self, name: str, depth: int) -> str:
        """A value for a parameter without a usable annotation, guided by its name."""
        lowered = name.lower()
        if lowered.endswith("s") and not lowered.endswith("ss") and depth < DRAW_DEPTH:
            return self.sequence_of(lambda: self.untyped("", depth + 1), "[{}]")
        hinted = self.by_name(name)
        if hinted is not None:
            return hinted
        choice = self.rng.randrange(8)
        if choice < 3:
            return self.string()
        if choice == 3:
            return repr(self.rng.choice(self.ints))
        if choice == 4:
            return "None"
        if choice == 5 and self.keys:
            return self.keyed_dict(depth)
        if choice == 6 and self.keys:
            return self.json_text(depth)
        return self.rng.choice(["[]", "{}", "True", repr(self.rng.choice(self.floats))])

    # Helpers -----------------------------------------------------------------------------
    def string(self) -> str:
        roll = self.rng.random()
        if self.words and roll < 0.5:
            return repr(self.rng.choice(self.words))
        if self.own and roll < 0.65:
            return repr(self.rng.choice(self.own))
        if self.near_words and roll < 0.85:
            return repr(self.rng.choice(self.near_words))
        return repr(self.rng.choice(self.strings))

    def sequence_of(self, item: Callable[[], str], shape: str) -> str:
        count = self.rng.choice((0, 1, 1, 2, 3))
        return shape.format(
            ", ".join(item() for _ in range(count))
            + ("," if count == 1 and shape[0] == "(" else "")
        )

    def by_name(self, name: str) -> str | None:
        """A value the name asks for (a timestamp, an id, a number) half of the time, else None."""
        if not name or self.rng.random() < 0.2:
            return None
        if ID_NAME.search(name):
            return repr(self.rng.choice(IDENTIFIERS))
        if TIME_NAME.search(name):
            return repr(self.rng.choice(TIMESTAMPS))
        if NUMBER_NAME.search(name):
            return repr(self.rng.choice(self.ints + self.floats))
        return None

    def keyed_dict(self, depth: int) -> str:
        """A dict keyed by the unit's subscript/get keys (each kept 4 in 5), values by name."""
        chosen = [k for k in self.keys if self.rng.random() < 0.8]
        chosen += [k for k in self.more_keys if self.rng.random() < 0.1]
        values = [self.untyped_scalar(k) for k in chosen]
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(chosen, values)) + "}"

    def untyped_scalar(self, name: str = "") -> str:
        hinted = self.by_name(name)
        if hinted is not None:
            return hinted
        choice = self.rng.randrange(6)
        if choice < 4:
            return self.string()
        if choice == 4:
            return repr(self.rng.choice(self.ints))
        return "None"

    def json_text(self, depth: int) -> str:
        """A JSON document built from the keyed dict, as a string literal."""
        return repr(json.dumps(eval(self.keyed_dict(depth)), sort_keys=True))

    def generic(self, origin: Any, args: tuple[Any, ...], depth: int, name: str) -> str:
        item = args[0] if args else inspect.Parameter.empty
        if (
            origin in (list, Sequence, Iterable, typing.Iterable, typing.Sequence)
            or origin in (getattr(typing, "List", None),)
            or origin is typing.Collection
        ):
            return self.sequence_of(lambda: self.draw(item, depth + 1), "[{}]")
        if origin in (set, frozenset, typing.AbstractSet) or getattr(origin, "__name__", "") in (
            "Set",
            "AbstractSet",
            "MutableSet",
        ):
            body = self.sequence_of(lambda: self.draw(item, depth + 1), "{{{}}}")
            body = "set()" if body == "{}" else body
            return f"frozenset({body})" if origin is frozenset else body
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return self.sequence_of(lambda: self.draw(args[0], depth + 1), "({})")
            if not args:
                return "()"
            return (
                "("
                + ", ".join(self.draw(a, depth + 1) for a in args)
                + ("," if len(args) == 1 else "")
                + ")"
            )
        if origin in (dict, Mapping, typing.MutableMapping) or getattr(origin, "__name__", "") in (
            "Mapping",
            "MutableMapping",
            "dict",
            "defaultdict",
        ):
            key_type = args[0] if args else str
            value_type = args[1] if len(args) > 1 else inspect.Parameter.empty
            if (
                key_type is str
                and self.keys
                and value_type in (object, Any, inspect.Parameter.empty)
            ):
                return self.keyed_dict(depth)
            count = self.rng.choice((0, 1, 1, 2))
            pairs = [
                (self.draw(key_type, depth + 1), self.draw(value_type, depth + 1))
                for _ in range(count)
            ]
            return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        if getattr(origin, "__name__", "") == "Callable" or origin is Callable:
            returns = args[1] if len(args) == 2 else inspect.Parameter.empty
            return self.stand_in(returns, depth)
        if origin is type and args and isinstance(args[0], type):
            return self.names.ref(args[0])
        if isinstance(origin, type):
            return self.simple(origin, depth, name)
        return "None"

    def stand_in(self, returns: Any, depth: int) -> str:
        """A lambda returning a ``returns`` value, or now and then one raising the unit's error."""
        if self.errors and self.rng.random() < 0.25:
            return f"_raises({self.error()})"
        value = "None" if returns in (None, type(None)) else self.draw(returns, depth + 1)
        return f"lambda *args, **kwargs: {value}"

    def error(self) -> str:
        return f"{self.names.ref(self.rng.choice(self.errors))}('boom')"

    def simple(self, tp: Any, depth: int, name: str) -> str:
        if not isinstance(tp, type):
            return "None"
        if tp is bool:
            return self.rng.choice(["True", "False"])
        if issubclass(tp, enum.Enum):
            return f"{self.names.ref(tp)}.{self.rng.choice(list(tp)).name}"
        if tp is int:
            return repr(self.rng.choice(self.ints))
        if tp is float:
            return repr(self.rng.choice(self.floats + [float(i) for i in self.ints[:4]]))
        if tp is str:
            return self.by_name(name) or self.string()
        if tp is bytes:
            return repr(self.rng.choice(self.strings).encode())
        builtin = self.builtin_value(tp)
        if builtin is not None:
            return builtin
        if tp in (list, tuple, set, frozenset, dict):
            return self.generic(tp, (), depth, name)
        return self.instance(tp, depth)

    def builtin_value(self, tp: type) -> str | None:
        """Values of standard-library types, from small shared pools so equal values recur."""
        if issubclass(tp, _dt.datetime):
            day = self.rng.choice((1, 1, 2, 15))
            utc = self.names.ref(_dt.timezone) + ".utc"
            return f"{self.names.ref(_dt.datetime)}(2024, 1, {day}, 9, 30, tzinfo={utc})"
        if issubclass(tp, _dt.date):
            return f"{self.names.ref(_dt.date)}(2024, 1, {self.rng.choice((1, 1, 2, 15))})"
        if issubclass(tp, _dt.timedelta):
            return f"{self.names.ref(_dt.timedelta)}(days={self.rng.choice((0, 1, 30))})"
        if issubclass(tp, decimal.Decimal):
            return f"{self.names.ref(decimal.Decimal)}({self.rng.choice(['0', '1.5', '-2'])!r})"
        if issubclass(tp, uuid.UUID):
            return f"{self.names.ref(uuid.UUID)}(int={self.rng.choice((1, 2))})"
        if issubclass(tp, PurePath):
            return f"{self.names.ref(tp)}({self.string()})"
        return None

    def instance(self, tp: type, depth: int) -> str:
        """An instance: a stand-in for a protocol, else its constructor, field by field."""
        try:
            ref = self.names.ref(tp)
        except Unreferenceable:
            return "None"
        if issubclass(tp, BaseException):
            return f"{ref}('boom')"
        if getattr(tp, "_is_protocol", False) or inspect.isabstract(tp):
            return self.protocol(tp, depth)
        if typing.is_typeddict(tp) if hasattr(typing, "is_typeddict") else False:
            hints = _hints(tp)
            return (
                "{"
                + ", ".join(f"{k!r}: {self.draw(v, depth + 1, k)}" for k, v in hints.items())
                + "}"
            )
        return f"{ref}({self.arguments(constructor_params(tp), depth + 1)})"

    def protocol(self, tp: type, depth: int) -> str:
        methods = [n for n, v in vars(tp).items() if callable(v) and not n.startswith("_")]
        parts = []
        for method in sorted(methods):
            returns = _hints(getattr(tp, method)).get("return", inspect.Parameter.empty)
            parts.append(f"{method}={self.stand_in(returns, depth)}")
        return f"SimpleNamespace({', '.join(parts)})"

    def arguments(self, params: Sequence[inspect.Parameter], depth: int = 0) -> str:
        """Arguments: positional-only by position, the rest by keyword, defaults sometimes kept."""
        out = []
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if _plain_default(p.default) and self.rng.random() < 0.3:
                continue  # the default is a case worth covering too
            value = self.draw(p.annotation, depth, p.name)
            out.append(value if p.kind is p.POSITIONAL_ONLY else f"{p.name}={value}")
        return ", ".join(out)


def _plain_default(default: Any) -> bool:
    """A default worth leaving out: a value, not a marker such as FastAPI's ``Depends(...)``."""
    if default is inspect.Parameter.empty:
        return False
    return (
        default is None
        or type(default) in (bool, int, float, str, bytes, tuple, frozenset)
        or isinstance(default, enum.Enum)
    )


def _hints(obj: Any) -> dict[str, Any]:
    """Resolved annotations; ``{}`` when a forward reference cannot be resolved."""
    try:
        return typing.get_type_hints(obj)
    except Exception:
        return {}


def constructor_params(cls: type) -> list[inspect.Parameter]:
    """The parameters of ``cls(...)``, with annotations resolved."""
    if dataclasses.is_dataclass(cls):
        hints = _hints(cls)
        return [
            inspect.Parameter(
                f.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=hints.get(f.name, f.type),
                default=inspect.Parameter.empty
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                else None,
            )
            for f in dataclasses.fields(cls)
            if f.init
        ]
    fields = getattr(cls, "model_fields", None)
    if isinstance(fields, dict):  # pydantic v2
        return [
            inspect.Parameter(
                n,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=f.annotation,
                default=inspect.Parameter.empty if f.is_required() else None,
            )
            for n, f in fields.items()
        ]
    init = getattr(cls, "__init__", object.__init__)
    if init is object.__init__:
        return []
    return resolved_params(init)[1:]


def resolved_params(fn: Callable[..., Any]) -> list[inspect.Parameter]:
    """``fn``'s parameters with string annotations resolved where possible."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    hints = _hints(fn)
    return [
        p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()
    ]


# ---------------------------------------------------------------------------------------------
# Running scenarios.
@dataclasses.dataclass
class Scenario:
    """Source text of one test body: setup statements, then ``result = <call>``."""

    target: str
    setup: list[str]
    call: str
    has_obj: bool

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def observe(scenario: Scenario, ns: dict[str, Any], timeout: float) -> dict[str, Any] | None:
    """Run ``scenario`` in ``ns``: what it did, or None if its setup failed or it ran too long."""
    with (
        _alarm(timeout),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        try:
            for statement in scenario.setup:
                exec(statement, ns)
        except CallTimeout:
            return None
        except Exception:
            return None
        try:
            value = eval(scenario.call, ns)
            if inspect.iscoroutine(value):
                value = asyncio.run(value)
        except CallTimeout:
            return None
        except (Exception, SystemExit) as error:
            return describe_error(error)
    observation = describe_value(value)
    if scenario.has_obj and (value is None or isinstance(value, bool)):
        observation["state"] = _limited(repr(plain(ns["obj"])))
    return observation


def describe_value(value: Any) -> dict[str, Any]:
    """How a return value is asserted: as a literal, as plain data, or (too big) by type only."""
    text = literal(value)
    shown: str | None = text if text is not None and len(text) <= MAX_LITERAL else None
    return {
        "outcome": "return",
        "literal": shown,
        "plain": None if shown else _limited(repr(plain(value))),
        "type": _type_ref(type(value)),
        "float": isinstance(value, float),
    }


def _limited(text: str) -> str | None:
    return text if len(text) <= MAX_LITERAL else None


def _type_ref(tp: type) -> list[str]:
    return [tp.__module__, tp.__qualname__]


def describe_error(error: BaseException) -> dict[str, Any]:
    return {"outcome": "raise", "type": _type_ref(type(error)), "message": str(error)[:MAX_LITERAL]}


@contextlib.contextmanager
def _alarm(seconds: float) -> typing.Iterator[None]:
    """Interrupt a call that runs past ``seconds`` (main thread, POSIX); elsewhere, no limit."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        raise CallTimeout()

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------------------------------
# Exploring: building scenarios for each public callable.
@dataclasses.dataclass
class Target:
    """A public callable of the unit: a function, a class (its constructor) or a class member."""

    label: str
    owner: type | None
    name: str
    kind: str  # function | class | method | property | classmethod | staticmethod
    is_async: bool = False
    lines: int = 1


def find_targets(module: types.ModuleType, wanted: Sequence[Mapping[str, Any]]) -> list[Target]:
    """The live objects behind the analyser's names; names that did not resolve are skipped."""
    targets = []
    for entry in wanted:
        owner_name, name, kind = entry.get("owner"), entry["name"], entry["kind"]
        owner = getattr(module, owner_name, None) if owner_name else None
        holder = owner if owner_name else module
        obj = inspect.getattr_static(holder, name, None) if holder is not None else None
        if obj is None or not _worth_calling(obj) or not _worth_calling(owner):
            continue
        fn = getattr(obj, "fget", None) or getattr(obj, "__func__", None) or obj
        label = f"{owner_name}.{name}" if owner_name else name
        targets.append(
            Target(
                label,
                owner if isinstance(owner, type) else None,
                name,
                kind,
                inspect.iscoroutinefunction(inspect.unwrap(fn)) if callable(fn) else False,
                _source_lines(fn),
            )
        )
    return targets


def _source_lines(obj: Any) -> int:
    """How long ``obj``'s source is (a class: its ``__init__``); 1 when there is none."""
    if isinstance(obj, type):
        obj = vars(obj).get("__init__", None)
    try:
        return len(inspect.getsourcelines(inspect.unwrap(obj))[0]) if obj is not None else 1
    except (OSError, TypeError):
        return 1


def _worth_calling(obj: Any) -> bool:
    """Protocols and exception classes are declarations: calling them pins nothing of the unit."""
    if isinstance(obj, type):
        return not getattr(obj, "_is_protocol", False) and not issubclass(obj, BaseException)
    return True


class Explorer:
    """Builds random scenarios for targets, seeded, so the same request gives the same scenarios."""

    def __init__(self, module: types.ModuleType, synth: Synthesizer, names: Names) -> None:
        self.module = module
        self.synth = synth
        self.names = names

    def scenario(self, target: Target) -> Scenario:
        if target.owner is None and target.kind == "class":
            cls = getattr(self.module, target.name)
            ref = self.names.ref(cls)
            return Scenario(
                target.label, [], f"{ref}({self.synth.arguments(constructor_params(cls))})", False
            )
        if target.owner is None:
            fn = getattr(self.module, target.name)
            ref = self.names.ref(fn)
            return Scenario(
                target.label,
                [],
                self.awaited(f"{ref}({self.synth.arguments(resolved_params(fn))})", target),
                False,
            )
        cls = target.owner
        ref = self.names.ref(cls)
        member = getattr(cls, target.name)
        if target.kind in ("classmethod", "staticmethod"):
            # Read from the class, a classmethod is bound: its signature has no ``cls``.
            call = f"{ref}.{target.name}({self.synth.arguments(resolved_params(member))})"
            return Scenario(target.label, [], self.awaited(call, target), False)
        setup = [f"obj = {ref}({self.synth.arguments(constructor_params(cls))})"]
        setup += self.warm_up(cls, target)
        if target.kind == "property":
            return Scenario(target.label, setup, f"obj.{target.name}", True)
        params = resolved_params(member)[1:]
        return Scenario(
            target.label,
            setup,
            self.awaited(f"obj.{target.name}({self.synth.arguments(params)})", target),
            True,
        )

    def awaited(self, call: str, target: Target) -> str:
        return f"asyncio.run({call})" if target.is_async else call

    def warm_up(self, cls: type, target: Target) -> list[str]:
        """Up to three calls of the class's other plain methods first, to give the object state."""
        others = sorted(
            n
            for n, v in vars(cls).items()
            if not n.startswith("_")
            and n != target.name
            and inspect.isfunction(v)
            and not inspect.iscoroutinefunction(v)
        )
        if not others:
            return []
        calls = []
        for _ in range(self.synth.rng.choice((0, 1, 1, 2, 3))):
            name = self.synth.rng.choice(others)
            calls.append(
                f"obj.{name}({self.synth.arguments(resolved_params(getattr(cls, name))[1:])})"
            )
        return calls


def module_errors(module: types.ModuleType) -> list[type]:
    """Exception classes the unit defines or imports: stand-ins raise them to reach ``except``."""
    found = []
    for name in sorted(vars(module)):
        value = getattr(module, name)
        if (
            isinstance(value, type)
            and issubclass(value, Exception)
            and value.__module__ != "builtins"
        ):
            found.append(value)
    return found


def explore(request: Mapping[str, Any]) -> dict[str, Any]:
    """Import the unit under coverage, run scenarios until the budget ends, attribute coverage."""
    import coverage  # only the exploring run needs it, and only in the target's interpreter

    source = request["source"]
    cov = coverage.Coverage(data_file=None, branch=True, include=[source], config_file=False)
    cov.start()
    cov.switch_context("import")
    notes: list[str] = []
    try:
        module = importlib.import_module(request["module"])
    except BaseException as error:
        cov.stop()
        return {"import_error": f"{type(error).__name__}: {error}", "scenarios": [], "notes": notes}
    rng = random.Random(request["seed"])
    names = Names()
    synth = Synthesizer(
        rng,
        names,
        strings=request["strings"],
        more_strings=request["more_strings"],
        numbers=request["numbers"],
        keys=request["keys"],
        more_keys=request["more_keys"],
        errors=module_errors(module),
    )
    targets = find_targets(module, request["targets"])
    explorer = Explorer(module, synth, names)
    results, attempts, stop = run_search(cov, explorer, names, targets, request, notes)
    cov.stop()
    arcs = arcs_by_context(cov.get_data(), source)
    for entry in results:
        entry["arcs"] = sorted(arcs.get(entry["context"], ()))
        entry["lines"] = lines_of(entry["arcs"])
    imports = {"arcs": sorted(arcs.get("import", ())), "lines": lines_of(arcs.get("import", ()))}
    return {
        "import_error": None,
        "scenarios": results,
        "imports": imports,
        "notes": notes,
        "names": names.bound,
        "statements": sorted(cov.analysis2(source)[1]),
        "attempts": attempts,
        "stopped_by": stop,
    }


def run_search(
    cov: Any,
    explorer: Explorer,
    names: Names,
    targets: list[Target],
    request: Mapping[str, Any],
    notes: list[str],
) -> tuple[list[dict[str, Any]], int, str]:
    """Scenarios round robin over the targets until coverage stops growing, or a limit is hit.

    Growth is checked every ``CHECK_EVERY`` scenarios; ``PATIENCE`` scenarios without a new arc
    end the search. That count, not the clock, is what normally stops it, so the same seed gives
    the same scenarios on a slow machine too. The budget, for the rare search it stops, is this
    process's CPU time: it does not run on while the process waits for a core.
    """
    deadline = time.process_time() + float(request["budget_seconds"])
    max_calls = int(request["max_calls"])
    results: list[dict[str, Any]] = []
    attempts, best, last_growth = 0, -1, 0
    schedule = weighted_schedule(targets)
    while schedule:
        if len(results) >= max_calls or attempts >= 4 * max_calls:
            return results, attempts, "max_calls"
        if time.process_time() > deadline:
            notes.append("stopped by the time budget: a rerun may keep other cases")
            return results, attempts, "budget"
        if attempts % CHECK_EVERY == 0:
            total = len(all_arcs(cov, request["source"]))
            if total > best:
                best, last_growth = total, attempts
            elif attempts - last_growth >= PATIENCE + PATIENCE_PER_SLOT * len(schedule):
                return results, attempts, "saturated"
        target = schedule[attempts % len(schedule)]
        attempts += 1
        try:
            scenario = explorer.scenario(target)
        except Unreferenceable as error:
            notes.append(f"{target.label}: cannot name {error} in a test; skipped")
            schedule = [t for t in schedule if t is not target]
            continue
        context = f"a{attempts}"
        cov.switch_context(context)
        observation = observe(scenario, names.namespace(), float(request["call_timeout"]))
        cov.switch_context("between")
        if observation is not None:
            results.append(
                {"context": context, "scenario": scenario.as_json(), "observation": observation}
            )
    return results, attempts, "no targets"


def weighted_schedule(targets: Sequence[Target]) -> list[Target]:
    """Targets repeated by size (one slot per ``LINES_PER_SLOT`` source lines), interleaved.

    A 20-line method with four branches needs more tries than a dataclass constructor, and the
    order stays a pure function of the source, so the search stays deterministic.
    """
    slots = {id(t): max(1, math.ceil(t.lines / LINES_PER_SLOT)) for t in targets}
    schedule: list[Target] = []
    for round_ in range(max(slots.values(), default=0)):
        schedule += [t for t in targets if slots[id(t)] > round_]
    return schedule


def all_arcs(cov: Any, source: str) -> set[tuple[int, int]]:
    """Every arc measured so far in ``source``, all contexts together."""
    data = cov.get_data()
    data.set_query_contexts(None)
    for measured in data.measured_files():
        if os.path.samefile(measured, source):
            return set(data.arcs(measured) or ())
    return set()


def arcs_by_context(data: Any, source: str) -> dict[str, set[tuple[int, int]]]:
    """Arcs of ``source`` per dynamic context, in one pass over coverage.py's SQLite data.

    ``dumps()`` is public and gives the database as SQL; asking ``arcs()`` per context instead
    costs about 3 ms a context. If the schema ever differs, fall back to asking per context.
    """
    measured = next((f for f in data.measured_files() if os.path.samefile(f, source)), None)
    if measured is None:
        return {}
    try:
        return _arcs_from_dump(data.dumps(), measured)
    except (sqlite3.Error, zlib.error, ValueError):
        out: dict[str, set[tuple[int, int]]] = {}
        for context in data.measured_contexts():
            data.set_query_contexts(["^" + re.escape(context) + "$"])
            out[context] = set(data.arcs(measured) or ())
        return out


def _arcs_from_dump(blob: bytes, measured: str) -> dict[str, set[tuple[int, int]]]:
    if not blob.startswith(b"z"):
        raise ValueError("unknown coverage dump format")
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(zlib.decompress(blob[1:]).decode("utf-8"))
        rows = connection.execute(
            "select context.context, arc.fromno, arc.tono from arc"
            " join context on arc.context_id = context.id"
            " join file on arc.file_id = file.id where file.path = ?",
            (measured,),
        ).fetchall()
    finally:
        connection.close()
    out: dict[str, set[tuple[int, int]]] = {}
    for context, start, end in rows:
        out.setdefault(context, set()).add((start, end))
    return out


def lines_of(arcs: Iterable[tuple[int, int]]) -> list[int]:
    """The lines an arc set touches (coverage.py's own rule: positive ends of arcs)."""
    return sorted({n for arc in arcs for n in arc if n > 0})


def replay(request: Mapping[str, Any]) -> dict[str, Any]:
    """Run given scenarios once more, in order, and return what each did."""
    names = Names()
    names.bound = {k: (v[0], v[1]) for k, v in request["names"].items()}
    importlib.import_module(request["module"])
    out = []
    for raw in request["scenarios"]:
        scenario = Scenario(**raw)
        out.append(observe(scenario, names.namespace(), float(request["call_timeout"])))
    return {"observations": out}


def main(argv: Sequence[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        request = json.load(handle)
    for path in request["sys_path"][::-1]:
        sys.path.insert(0, path)
    result = explore(request) if request["mode"] == "explore" else replay(request)
    with open(argv[2], "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
