"""Which kind of test a source gets, from where it lives.

A source under a folder named ``routes`` gets route checks, ``config`` environment tests,
``graphql`` resolver and schema tests, ``services`` (and anything else) unit tests; ``*.py`` goes to
the Python generator. A task may name the ``kind`` outright, or change the folders per kind with
``params: {kinds: {route: [routes, controllers], config: [config, settings]}}``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from ...errors import TaskFailed
from .shape import Kind

DEFAULT_FOLDERS: dict[Kind, tuple[str, ...]] = {
    "route": ("routes",),
    "config": ("config",),
    "graphql": ("graphql",),
    "service": ("services",),
}
KINDS: dict[str, Kind] = {k: k for k in ("unit", "service", "route", "config", "graphql")}


def detect_kind(source: str, requested: str, params: Mapping[str, Any]) -> Kind:
    """The task's ``kind`` unless it is ``auto``; else the kind whose folder the source lives in."""
    if requested in KINDS:
        return KINDS[requested]
    if requested != "auto":
        raise TaskFailed(
            f"kind {requested!r} does not apply to {source}; use auto or one of {', '.join(KINDS)}"
        )
    folders = set(posixpath.dirname(source).split("/"))
    for kind, names in _folders(params).items():
        if folders & set(names):
            return kind
    return "unit"


def _folders(params: Mapping[str, Any]) -> dict[Kind, tuple[str, ...]]:
    custom = params.get("kinds")
    if custom is None:
        return DEFAULT_FOLDERS
    if not isinstance(custom, Mapping) or not all(k in KINDS for k in custom):
        raise TaskFailed(f"params.kinds maps a kind ({', '.join(KINDS)}) to a list of folder names")
    merged = dict(DEFAULT_FOLDERS)
    for kind, names in custom.items():
        merged[KINDS[kind]] = (names,) if isinstance(names, str) else tuple(str(n) for n in names)
    return merged
