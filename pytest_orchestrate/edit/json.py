"""``json_set`` for JSON files (and a JSON object inside a JS parse), edited byte for byte."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import tree_sitter

from ..errors import EditError
from .treesitter import (
    apply_edits,
    detect_style,
    entries,
    find_pair,
    insert_items,
    line_indent,
    node_text,
    parse,
    render,
)

__all__ = ["json_set", "load_json", "parse_json_object", "same_json", "unwrap_json"]


def load_json(text_: str, filename: str) -> Any:
    """``json.loads`` with an EditError naming the file and line."""
    try:
        return json.loads(text_)
    except json.JSONDecodeError as e:
        raise EditError(f"{filename}:{e.lineno}: invalid JSON: {e.msg} (column {e.colno})") from e


def parse_json_object(text_: str, filename: str) -> tuple[bytes, tree_sitter.Node]:
    """The parenthesised buffer and its top-level object node; offsets are 1 past the file's."""
    if not isinstance(load_json(text_, filename), dict):
        raise EditError(f"{filename}: the top level of the JSON file is not an object")
    # A bare `{` at statement level parses as a block; parentheses make it an expression.
    data = b"(" + text_.encode("utf-8") + b")"
    root = parse(data, "js").root_node
    obj = root.named_children[0].named_children[0].named_children[0]
    return data, obj


def unwrap_json(data: bytes) -> str:
    """Drop the parentheses added by parse_json_object."""
    return data[1:-1].decode("utf-8")


def json_set(text: str, params: Mapping[str, Any], *, filename: str) -> str:
    """Set ``params["path"]`` (dotted string or list of keys) to ``params["value"]``,
    creating objects as needed."""
    keys = json_path(params, filename)
    value = params["value"]
    try:
        json.dumps(value)
    except (TypeError, ValueError) as e:
        raise EditError(f"{filename}: json_set: the value is not JSON: {e}") from e
    data, obj = parse_json_object(text, filename)
    style = detect_style(data, obj, json_like=True)
    for depth, key in enumerate(keys):
        pair = find_pair(data, obj, key, filename)
        if pair is None:
            for missing in reversed(keys[depth + 1 :]):
                value = {missing: value}
            edits = insert_items(data, obj, [(key, value)], len(entries(obj)), style)
            return unwrap_json(apply_edits(data, edits))
        node = pair.child_by_field_name("value")
        assert node is not None  # A pair always has a value in JSON that json.loads accepted.
        if depth == len(keys) - 1:
            if same_json(json.loads(node_text(data, node)), value):
                return text
            indent = line_indent(data, pair.start_byte)
            new = render(value, style, indent, 0)
            return unwrap_json(apply_edits(data, [(node.start_byte, node.end_byte, new.encode())]))
        if node.type != "object":
            where = ".".join(keys[: depth + 1])
            raise EditError(
                f"{filename}: cannot set {'.'.join(keys)}: {where} is {node.type}, not an object"
            )
        obj = node
    raise AssertionError("unreachable: json_path returns at least one key")


def json_path(params: Mapping[str, Any], filename: str) -> list[str]:
    """The keys of ``params["path"]``: a dotted string, or a list when keys contain dots."""
    if "path" not in params or "value" not in params:
        raise EditError(f"{filename}: json_set needs `path` and `value`")
    path = params["path"]
    keys = path.split(".") if isinstance(path, str) else [str(k) for k in path]
    if not keys or any(not k for k in keys):
        raise EditError(f"{filename}: json_set: bad path {path!r}")
    return keys


def same_json(old: Any, new: Any) -> bool:
    """Equal as JSON, telling ``true`` from ``1`` and ``1`` from ``1.0`` (Python's == does not)."""
    return json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)
