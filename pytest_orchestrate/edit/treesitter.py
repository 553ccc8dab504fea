"""Byte-range editing of JS, TS and JSON through tree-sitter: parse, find,
render in the file's style.

Offsets are UTF-8 byte offsets; edits are applied back to front and nothing is re-printed, so every
untouched byte stays identical. ``json`` and ``jest`` build on these helpers.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from ..errors import EditError

# (start byte, end byte, replacement): the only way a file is changed, so
# untouched bytes stay identical.
Edit = tuple[int, int, bytes]

IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
# prettier's default print width; past it a generated single-line container is broken over lines.
WIDTH = 100


@functools.cache
def language(kind: str) -> tree_sitter.Language:
    """The tree-sitter language for ``"js"`` (also used for JSON) or ``"ts"``."""
    if kind == "ts":
        return tree_sitter.Language(tree_sitter_typescript.language_typescript())
    return tree_sitter.Language(tree_sitter_javascript.language())


def parse(data: bytes, kind: str) -> tree_sitter.Tree:
    """Parse ``data`` as JavaScript or TypeScript."""
    return tree_sitter.Parser(language(kind)).parse(data)


def first_error(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The first ERROR or MISSING node under ``node``, if any."""
    if node.is_error or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = first_error(child)
        if found is not None:
            return found
    return None


def syntax_error_message(
    tree: tree_sitter.Tree, data: bytes, filename: str, what: str
) -> str | None:
    """``"<file>:<line>: not valid <what> ..."`` for the first syntax error, or None when clean."""
    bad = first_error(tree.root_node)
    if bad is None:
        return None
    if bad.is_missing:
        detail = f"missing {bad.type!r}"
    else:
        snippet = node_text(data, bad).strip().splitlines()
        detail = f"unexpected {snippet[0][:40]!r}" if snippet else "unexpected end of input"
    return f"{filename}:{bad.start_point.row + 1}: not valid {what} ({detail})"


def node_text(data: bytes, node: tree_sitter.Node) -> str:
    """The source text of ``node``."""
    return data[node.start_byte : node.end_byte].decode("utf-8")


def apply_edits(data: bytes, edits: Sequence[Edit]) -> bytes:
    """Apply non-overlapping edits back to front, so earlier offsets stay valid."""
    for start, end, new in sorted(edits, key=lambda e: e[0], reverse=True):
        data = data[:start] + new + data[end:]
    return data


def line_start(data: bytes, pos: int) -> int:
    """Byte offset of the start of the line holding ``pos``."""
    return data.rfind(b"\n", 0, pos) + 1


def line_indent(data: bytes, pos: int) -> str:
    """The leading whitespace of the line holding ``pos``."""
    line = data[line_start(data, pos) : pos]
    return line[: len(line) - len(line.lstrip(b" \t"))].decode("utf-8")


def starts_line(data: bytes, pos: int) -> bool:
    """True when only whitespace precedes ``pos`` on its line."""
    return not data[line_start(data, pos) : pos].strip(b" \t")


def entries(container: tree_sitter.Node) -> list[tree_sitter.Node]:
    """The items of an object or array, without comments."""
    return [c for c in container.named_children if c.type != "comment"]


def string_value(data: bytes, node: tree_sitter.Node) -> str | None:
    """The content of a string literal (or a template without substitutions), else None."""
    if node.type == "string" or (
        node.type == "template_string"
        and not any(c.type == "template_substitution" for c in node.named_children)
    ):
        raw = node_text(data, node)
        if "\\" in raw and raw[0] == '"':
            try:
                return str(json.loads(raw))  # Decodes escapes such as \u0041 the way JS does.
            except json.JSONDecodeError:
                pass
        return raw[1:-1]
    return None


def pair_key(data: bytes, pair: tree_sitter.Node) -> str | None:
    """The key of an object ``pair`` as a plain string; None for computed keys."""
    key = pair.child_by_field_name("key")
    if key is None:
        return None
    if key.type in ("property_identifier", "number"):
        return node_text(data, key)
    return string_value(data, key)


def find_pair(
    data: bytes, obj: tree_sitter.Node, key: str, filename: str
) -> tree_sitter.Node | None:
    """The last ``key: value`` pair of ``obj``; EditError when its value
    could come from elsewhere."""
    found: tree_sitter.Node | None = None
    spread: tree_sitter.Node | None = None
    for child in entries(obj):
        if child.type == "pair" and pair_key(data, child) == key:
            found, spread = child, None
        elif child.type == "spread_element":
            spread = child
        elif child.type in ("shorthand_property_identifier", "method_definition") and (
            (child.child_by_field_name("name") or child).text == key.encode()
        ):
            raise cannot_edit(
                filename, f"`{key}` is defined as `{node_text(data, child)}`, not as a literal"
            )
    if spread is not None:
        # A later spread may override or supply the key; editing our copy would be a guess.
        raise cannot_edit(filename, f"`{key}` may come from the spread `{node_text(data, spread)}`")
    return found


def cannot_edit(filename: str, why: str) -> EditError:
    """The one error for configs whose shape this module refuses to guess about."""
    return EditError(f"{filename}: cannot edit this config automatically: {why}")


@dataclass(frozen=True)
class Style:
    """How new code is written so it matches its surroundings."""

    quote: str = "'"
    bare_keys: bool = True
    trailing_comma: bool = False
    unit: str = "  "
    newline: str = "\n"
    json: bool = False
    pad: str = " "  # inside the braces of a one-line object: `{ a: 1 }` or `{a: 1}`


def detect_style(data: bytes, scope: tree_sitter.Node, *, json_like: bool) -> Style:
    """Read quotes, key style, trailing commas, brace padding, indent unit and
    line ends from ``scope``."""
    counts = {
        "'": 0,
        '"': 0,
        "bare": 0,
        "quoted": 0,
        "comma": 0,
        "nocomma": 0,
        "pad": 0,
        "nopad": 0,
    }
    stack = [scope]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type == "string":
            counts[node_text(data, node)[0]] += 1
        elif node.type == "pair" and (key := node.child_by_field_name("key")) is not None:
            name = pair_key(data, node)
            if name is not None and IDENTIFIER.match(name):
                counts["bare" if key.type == "property_identifier" else "quoted"] += 1
        items = entries(node) if node.type in ("object", "array") else []
        if items and starts_line(data, items[-1].start_byte):
            counts["comma" if has_trailing_comma(items[-1]) else "nocomma"] += 1
        elif items and node.type == "object":
            counts[
                "pad"
                if data[node.start_byte + 1 : node.start_byte + 2] in (b" ", b"\t")
                else "nopad"
            ] += 1
    pad = "" if counts["nopad"] > counts["pad"] else " "
    newline = "\r\n" if b"\r\n" in data else "\n"
    unit = detect_unit(data, scope)
    if json_like:
        return Style(quote='"', bare_keys=False, unit=unit, newline=newline, json=True, pad=pad)
    return Style(
        quote='"' if counts['"'] > counts["'"] else "'",
        bare_keys=counts["bare"] >= counts["quoted"],
        trailing_comma=counts["comma"] > counts["nocomma"],
        pad=pad,
        unit=unit,
        newline=newline,
    )


def detect_unit(data: bytes, scope: tree_sitter.Node) -> str:
    """The indent unit: from ``scope``'s first item, else a tab or the smallest
    space indent in the file."""
    items = entries(scope)
    if items and starts_line(data, items[0].start_byte):
        outer, inner = line_indent(data, scope.start_byte), line_indent(data, items[0].start_byte)
        if inner.startswith(outer) and len(inner) > len(outer):
            return inner[len(outer) :]
    widths = []
    for line in data.splitlines():
        stripped = line.lstrip(b" \t")
        # JSDoc continuation lines (` * text`) are indented by one space, not by the unit.
        if not stripped or stripped.startswith(b"*") or len(stripped) == len(line):
            continue
        if line.startswith(b"\t"):
            return "\t"
        widths.append(len(line) - len(stripped))
    return " " * min(widths) if widths else "  "


def has_trailing_comma(item: tree_sitter.Node) -> bool:
    """True when the item is followed by a comma (comments in between allowed)."""
    nxt = item.next_sibling
    while nxt is not None and nxt.type == "comment":
        nxt = nxt.next_sibling
    return nxt is not None and nxt.type == ","


def quote(value: str, style: Style) -> str:
    """A string literal in the file's quote style."""
    if style.json:
        return json.dumps(value, ensure_ascii=False)
    escaped = value.replace("\\", "\\\\").replace(style.quote, "\\" + style.quote)
    return f"{style.quote}{escaped}{style.quote}"


def render_key(key: str, style: Style) -> str:
    """An object key, bare where the file uses bare keys and the name allows it."""
    return key if style.bare_keys and IDENTIFIER.match(key) else quote(key, style)


def render(value: Any, style: Style, indent: str, col: int, *, expand: bool | None = None) -> str:
    """Source text for a JSON-able value starting at column ``col``; lines after
    the first at ``indent``."""
    if isinstance(value, str):
        return quote(value, style)
    if isinstance(value, Mapping):
        parts = [(render_key(str(k), style) + ": ", v) for k, v in value.items()]
        return render_container("{", "}", parts, style, indent, col, expand=expand)
    if isinstance(value, list | tuple):
        return render_container(
            "[", "]", [("", v) for v in value], style, indent, col, expand=expand
        )
    return json.dumps(value)


def render_container(
    open_: str,
    close: str,
    parts: list[tuple[str, Any]],
    style: Style,
    indent: str,
    col: int,
    *,
    expand: bool | None,
) -> str:
    """A literal on one line if it fits in WIDTH, else one item per line;
    ``expand`` forces either layout."""
    if not parts:
        return open_ + close
    if expand is None:
        # npm and JSON.stringify(..., 2) expand every container, so JSON files get the same.
        expand = style.json
    pad = style.pad if open_ == "{" else ""
    flat = ", ".join(prefix + render(v, style, indent, col) for prefix, v in parts)
    single = f"{open_}{pad}{flat}{pad}{close}"
    if not expand and "\n" not in single and col + len(single) + 1 <= WIDTH:
        return single
    inner = indent + style.unit
    lines = [
        inner + prefix + render(v, style, inner, len(inner) + len(prefix)) for prefix, v in parts
    ]
    last = "," if style.trailing_comma else ""
    return (
        open_
        + style.newline
        + ("," + style.newline).join(lines)
        + last
        + style.newline
        + indent
        + close
    )


def render_item(
    key: str | None, value: Any, style: Style, indent: str, col: int, expand: bool | None
) -> str:
    """One array element (``key`` None) or one object pair."""
    prefix = "" if key is None else render_key(key, style) + ": "
    return prefix + render(value, style, indent, col + len(prefix), expand=expand)


def insert_items(
    data: bytes,
    container: tree_sitter.Node,
    new: Sequence[tuple[str | None, Any]],
    index: int,
    style: Style,
    *,
    expand: bool | None = None,
) -> list[Edit]:
    """Edits inserting ``(key, value)`` items before item ``index`` of an object or array
    (append if past the end)."""
    items = entries(container)
    if not items:
        return fill_empty(data, container, new, style, expand=expand)
    base = line_indent(data, container.start_byte)
    if container.start_point.row == container.end_point.row:
        relaid = relayout(data, container, new, index, style, expand)
        if relaid is not None:
            return [relaid]
    sep = separator(data, container)
    nl = style.newline
    if index < len(items):
        anchor = leading_start(data, items[index])
        if starts_line(data, anchor):
            indent = line_indent(data, anchor)
            rendered = [render_item(k, v, style, indent, len(indent), expand) for k, v in new]
            return [(anchor, anchor, "".join(r + "," + nl + indent for r in rendered).encode())]
        rendered = [render_item(k, v, style, base + style.unit, 0, expand) for k, v in new]
        return [(anchor, anchor, "".join(r + sep for r in rendered).encode())]
    last = items[-1]
    trailing = has_trailing_comma(last)
    if not starts_line(data, last.start_byte):
        rendered = [render_item(k, v, style, base + style.unit, 0, expand) for k, v in new]
        return [(last.end_byte, last.end_byte, "".join(sep + r for r in rendered).encode())]
    indent = line_indent(data, last.start_byte)
    rendered = [render_item(k, v, style, indent, len(indent), expand) for k, v in new]
    block = ("," + nl + indent).join(rendered) + ("," if trailing else "")
    pos = end_of_item_line(last)
    if trailing:
        return [(pos, pos, (nl + indent + block).encode())]
    if pos == last.end_byte:
        return [(pos, pos, ("," + nl + indent + block).encode())]
    return [(last.end_byte, last.end_byte, b","), (pos, pos, (nl + indent + block).encode())]


def separator(data: bytes, container: tree_sitter.Node) -> str:
    """``", "``, or ``","`` when the container's own commas are followed
    directly by the next item."""
    commas = [c for c in container.children if c.type == ","]
    tight = any(
        data[c.end_byte : c.end_byte + 1] not in (b" ", b"\t", b"\r", b"\n", b"]", b"}")
        for c in commas
    )
    return "," if tight else ", "


def leading_start(data: bytes, item: tree_sitter.Node) -> int:
    """Start of ``item`` including comments on their own lines just above it, which belong to it."""
    start = item.start_byte
    prev = item.prev_sibling
    while prev is not None and prev.type == "comment" and starts_line(data, prev.start_byte):
        start = prev.start_byte
        prev = prev.prev_sibling
    return start


def end_of_item_line(item: tree_sitter.Node) -> int:
    """End of ``item`` plus its comma and a comment trailing it on the same line."""
    end = item.end_byte
    nxt = item.next_sibling
    if nxt is not None and nxt.type == ",":
        end = nxt.end_byte
        nxt = nxt.next_sibling
    if nxt is not None and nxt.type == "comment" and nxt.start_point.row == item.end_point.row:
        end = nxt.end_byte
    return end


def fill_empty(
    data: bytes,
    container: tree_sitter.Node,
    new: Sequence[tuple[str | None, Any]],
    style: Style,
    *,
    expand: bool | None,
) -> list[Edit]:
    """Edits filling an object or array that has no items (it may hold comments)."""
    opening, closing = container.children[0], container.children[-1]
    comments = [c for c in container.named_children if c.type == "comment"]
    pos = comments[-1].end_byte if comments else opening.end_byte
    base = line_indent(data, container.start_byte)
    inner = base + style.unit
    multiline = container.start_point.row != container.end_point.row
    if not multiline and not style.json:
        pad = style.pad if container.type == "object" else ""
        rendered = [render_item(k, v, style, inner, 0, expand) for k, v in new]
        flat = pad + ", ".join(rendered) + pad
        line_end = data.find(b"\n", container.end_byte)
        tail = len(data[container.end_byte : line_end if line_end >= 0 else len(data)].rstrip())
        if "\n" not in flat and container.start_point.column + len(flat) + 2 + tail <= WIDTH:
            return [(pos, closing.start_byte, flat.encode())]
    rendered = [render_item(k, v, style, inner, len(inner), expand) for k, v in new]
    nl = style.newline
    block = "".join(
        nl + inner + r + ("," if i < len(rendered) - 1 or style.trailing_comma else "")
        for i, r in enumerate(rendered)
    )
    if multiline and starts_line(data, closing.start_byte):
        return [(pos, pos, block.encode())]
    return [(pos, closing.start_byte, (block + nl + base).encode())]


def relayout(
    data: bytes,
    container: tree_sitter.Node,
    new: Sequence[tuple[str | None, Any]],
    index: int,
    style: Style,
    expand: bool | None,
) -> Edit | None:
    """Rewrite a one-line container as one item per line when the insertion would
    pass WIDTH, else None."""
    if any(c.type == "comment" for c in container.named_children):
        return None  # Re-laying out would have to move comments; keep the one line instead.
    parent = container.parent
    while parent is not None and parent.type == "pair":
        parent = parent.parent
    if (
        parent is not None
        and parent.type in ("object", "array")
        and parent.start_point.row == container.start_point.row
    ):
        # Breaking only the inner one of two literals sharing a line reads worse than a long line.
        return None
    base = line_indent(data, container.start_byte)
    inner = base + style.unit
    old = [node_text(data, n) for n in entries(container)]
    flat_new = [render_item(k, v, style, inner, 0, expand) for k, v in new]
    line_from = line_start(data, container.start_byte)
    line_to = data.find(b"\n", container.end_byte)
    line_len = len(
        data[line_from : line_to if line_to >= 0 else len(data)].rstrip().decode("utf-8")
    )
    grown = sum(len(r) + 2 for r in flat_new)
    if line_len + grown <= WIDTH and not any("\n" in r for r in flat_new):
        return None
    rendered = [render_item(k, v, style, inner, len(inner), expand) for k, v in new]
    items = old[:index] + rendered + old[index:]
    nl = style.newline
    body = ("," + nl + inner).join(items) + ("," if style.trailing_comma else "")
    opening, closing = (
        node_text(data, container.children[0]),
        node_text(data, container.children[-1]),
    )
    return (
        container.start_byte,
        container.end_byte,
        f"{opening}{nl}{inner}{body}{nl}{base}{closing}".encode(),
    )
