"""Names for the test cases a human (or the characterization mode) still has to write.

Each name comes from the code: a method and its parameters, what it throws, what it may return,
a route's verb and path, an environment variable. Names are unique and never "test 1".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ...analyse.model import Function, Route

# What a thrown error class usually means, by a word in its name.
ERROR_PHRASES = (
    ("NotFound", "for an unknown {p}"),
    ("Validation", "for an invalid {p}"),
    ("Invalid", "for an invalid {p}"),
    ("Conflict", "when the {p} already exists"),
    ("Authentication", "without valid credentials"),
    ("Unauthorized", "without valid credentials"),
    ("Forbidden", "when the caller may not do it"),
    ("Permission", "when the caller may not do it"),
    ("Range", "for an out-of-range {p}"),
)


def _words(name: str) -> str:
    return name.lstrip("_$#") or name


def function_todos(function: Function, owner: str = "") -> list[str]:
    """Cases for one callable, most telling first."""
    name = f"{owner}.{function.name}" if owner and function.name == "constructor" else function.name
    params = [p for p in function.params if not p.name.startswith(("{", "["))]
    first = _words(params[0].name) if params else "input"
    cases: list[str] = []
    for error in function.throws:
        phrase = next(
            (text for word, text in ERROR_PHRASES if word in error), "when the {p} is invalid"
        )
        verb = "rejects with" if function.is_async else "throws"
        cases.append(f"{name} {verb} {error} {phrase.format(p=first)}")
    returns = function.return_type or ""
    if "null" in returns or "undefined" in returns:
        cases.append(f"{name} returns null for an unknown {first}")
    if params:
        cases.append(f"{name} returns the expected result for a valid {first}")
    else:
        cases.append(f"{name} returns the expected result")
    for param in params:
        if param.default is not None or param.optional:
            cases.append(f"{name} uses the default {_words(param.name)} when it is omitted")
    for param in params[1:]:
        cases.append(f"{name} takes {_words(param.name)} into account")
    if function.is_async:
        cases.append(f"{name} passes on a failure of its dependencies")
    return cases


def route_todos(route: Route, shown_path: str) -> list[str]:
    """Cases for one Express route."""
    verb = route.method.upper()
    cases = [f"{verb} {shown_path} answers a valid request"]
    handlers = " ".join(route.handlers).lower()
    if "auth" in handlers:
        cases.append(f"{verb} {shown_path} refuses a request without credentials")
    if ":" in route.path:
        cases.append(f"{verb} {shown_path} answers 404 for an unknown id")
    if route.method in ("post", "put", "patch"):
        cases.append(f"{verb} {shown_path} rejects an invalid body")
    return cases


def env_todos(function: str, keys: Iterable[tuple[str, bool]]) -> list[str]:
    """Cases for configuration read from the environment: (key, has a default)."""
    cases: list[str] = []
    for key, has_default in keys:
        cases.append(f"{function} rejects an invalid {key}")
        if has_default:
            cases.append(f"{function} uses the default when {key} is unset")
        else:
            cases.append(f"{function} fails without {key}")
    return cases


def pick(groups: Sequence[Sequence[str]], count: int) -> list[str]:
    """``count`` unique names, taking one from each group in turn so every callable gets some."""
    chosen: list[str] = []
    seen: set[str] = set()
    depth = 0
    longest = max((len(g) for g in groups), default=0)
    while len(chosen) < count and depth < longest:
        for group in groups:
            if depth < len(group) and group[depth] not in seen and len(chosen) < count:
                chosen.append(group[depth])
                seen.add(group[depth])
        depth += 1
    round_ = 2
    while len(chosen) < count and groups and any(groups):
        # More cases were estimated than the code suggests: further scenarios of the same cases.
        for group in groups:
            for base in group:
                if len(chosen) >= count:
                    break
                name = f"{base} (scenario {round_})"
                if name not in seen:
                    chosen.append(name)
                    seen.add(name)
        round_ += 1
    return chosen
