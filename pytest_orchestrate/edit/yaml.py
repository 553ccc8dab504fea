"""Lossless edits of YAML files: edit a ruamel.yaml round-trip tree, then splice only the changed
lines into the original text."""

from __future__ import annotations

import difflib
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.anchor import Anchor
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from ..errors import EditError
from .yaml12 import CoreLoader

__all__ = [
    "Index",
    "Key",
    "Match",
    "Segment",
    "Style",
    "YamlDocument",
    "append_path",
    "delete_path",
    "describe_item",
    "describe_yaml_error",
    "find_items",
    "format_path",
    "get_path",
    "item_selector",
    "load_plain",
    "parse_path",
    "parse_selector",
    "plain",
    "same",
    "set_path",
]

# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _round_trip_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Long `if:` and `run:` lines must never be re-wrapped.
    yaml.width = 1 << 30
    return yaml


class _PlainConstructor(SafeConstructor):
    """A private subclass, so registering a constructor below does not change ruamel's
    global SafeConstructor."""


# JSON Schema checks strings, so timestamps stay strings (check-jsonschema does the same).
_PlainConstructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def describe_yaml_error(error: YAMLError) -> str:
    """One line saying what is wrong and where (1-based line and column)."""
    if isinstance(error, MarkedYAMLError):
        problem = error.problem or "invalid YAML"
        if error.context:
            problem = f"{error.context}, {problem}"
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
        return problem
    return str(error).replace("\n", " ")


def load_plain(text: str, filename: str) -> Any:
    """Load `text` as plain Python data under YAML 1.2 rules: only true/false are booleans
    and `on:` stays a string."""
    try:
        return yaml.load(text, Loader=CoreLoader)
    except yaml.YAMLError:
        # libyaml speaks YAML 1.1 syntax; let ruamel (1.2) decide, and word the error.
        pass
    ruamel = YAML(typ="safe", pure=True)
    ruamel.Constructor = _PlainConstructor
    try:
        return ruamel.load(text)
    except YAMLError as error:
        raise EditError(f"{filename}: not valid YAML: {describe_yaml_error(error)}") from error


# ---------------------------------------------------------------------------
# Plain values and equality
# ---------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A deep copy of `value` as plain dict/list/str/int/float/bool/None (no ruamel
    types, no shared objects)."""
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, ScalarBoolean)):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def same(a: Any, b: Any) -> bool:
    """Deep equality that, unlike ``==``, tells ``True`` from ``1`` and ``'1'`` from ``1``."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or len(a) != len(b):
            return False
        return all(k in b and same(v, b[k]) for k, v in a.items())
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))) or len(a) != len(b):
            return False
        return all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (bool, ScalarBoolean)) != isinstance(b, (bool, ScalarBoolean)):
        return False
    if isinstance(a, str) != isinstance(b, str):
        return False
    return bool(a == b)


# ---------------------------------------------------------------------------
# The file's style: indentation, quotes, flow collections
# ---------------------------------------------------------------------------

# Strings that a YAML 1.1 or 1.2 reader would not read back as a string when unquoted.
_NEEDS_QUOTES = re.compile(
    r"""^(?:[-+]?(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    |0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[-+]?\d+(?::[0-5]?\d)+
    |yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
    |null|Null|NULL|~|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$""",
    re.VERBOSE,
)


@dataclass
class Style:
    """How the file writes YAML, so that new nodes look like their neighbours."""

    mapping: int = 2
    sequence: int = 4
    offset: int = 2
    quote: str = "'"
    flow_lists: bool = False
    flow_maps: bool = False


def _key_position(node: CommentedMap, key: Any) -> tuple[int, int] | None:
    # Keys that come from a `<<:` merge have no position of their own.
    try:
        line, col = node.lc.key(key)
    except (KeyError, TypeError, AttributeError):
        return None
    return int(line), int(col)


def _is_flow(node: CommentedMap | CommentedSeq) -> bool:
    return bool(node.fa.flow_style())


def _all_scalars(values: Any) -> bool:
    return all(not isinstance(v, (Mapping, list)) for v in values)


def _scan_style(root: Any) -> Style:
    maps: Counter[int] = Counter()
    seqs: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    quotes: Counter[str] = Counter()
    flow_lists: Counter[bool] = Counter()
    flow_maps: Counter[bool] = Counter()

    def child(value: Any, key_line: int, key_col: int) -> None:
        # Only a block collection that starts on a later line than its key tells the indentation.
        if (
            not isinstance(value, (CommentedMap, CommentedSeq))
            or not value
            or _is_flow(value)
            or value.lc.line <= key_line
        ):
            return
        if isinstance(value, CommentedSeq):
            offsets[value.lc.col - key_col] += 1
            seqs[value.lc.item(0)[1] - key_col] += 1
        elif value.lc.col > key_col:
            maps[value.lc.col - key_col] += 1

    def visit(node: Any) -> None:
        if isinstance(node, CommentedMap):
            if _all_scalars(node.values()) and node:
                flow_maps[_is_flow(node)] += 1
            for key, value in node.items():
                position = _key_position(node, key)
                if position is not None:
                    child(value, *position)
                    visit(value)
        elif isinstance(node, CommentedSeq):
            if _all_scalars(node) and node:
                flow_lists[_is_flow(node)] += 1
            for item in node:
                visit(item)
        elif isinstance(node, SingleQuotedScalarString):
            quotes["'"] += 1
        elif isinstance(node, DoubleQuotedScalarString):
            quotes['"'] += 1

    visit(root)
    style = Style()
    if maps:
        style.mapping = maps.most_common(1)[0][0]
    style.offset = offsets.most_common(1)[0][0] if offsets else style.mapping
    style.sequence = seqs.most_common(1)[0][0] if seqs else style.offset + 2
    # ruamel needs room for "- " between the dash and the item.
    style.sequence = max(style.sequence, style.offset + 2)
    if quotes:
        style.quote = quotes.most_common(1)[0][0]
    style.flow_lists = flow_lists[True] > flow_lists[False]
    style.flow_maps = flow_maps[True] > flow_maps[False]
    return style


def _pin_anchors(root: Any) -> None:
    """Keep every anchor, and drop the comments ruamel would misplace after an alias."""
    # ruamel prints an anchor only while something still refers to it, so deleting the last alias
    # would rewrite the anchor's line too. And it prints `x: *a  # c` as `x: *a` with `# c` on the
    # next line; without the comment the dump differs from the original only on that line, which
    # the splice then keeps as it was.
    seen: set[int] = set()
    alias_lines: set[int] = set()
    containers: list[Any] = []

    def visit(node: Any, line: int | None) -> None:
        anchor = getattr(node, Anchor.attrib, None)
        if anchor is not None and anchor.value is not None:
            if id(node) in seen:
                if line is not None:
                    alias_lines.add(line)
                return
            seen.add(id(node))
            anchor.always_dump = True
        if isinstance(node, CommentedMap):
            containers.append(node)
            for key, value in node.items():
                position = _key_position(node, key)
                visit(value, position[0] if position else None)
        elif isinstance(node, CommentedSeq):
            containers.append(node)
            for index, item in enumerate(node):
                visit(item, node.lc.item(index)[0] if index in node.lc.data else None)

    visit(root, None)
    if not alias_lines:
        return

    def keep(token: Any) -> bool:
        return not (
            isinstance(token, CommentToken)
            and token.start_mark.line in alias_lines
            and token.value.count("\n") <= 1
        )

    for node in containers:
        if node.ca.end:
            node.ca.end[:] = [token for token in node.ca.end if keep(token)]
        for slot in [*node.ca.items.values(), node.ca.comment or []]:
            for i, entry in enumerate(slot):
                if isinstance(entry, list):
                    entry[:] = [token for token in entry if keep(token)]
                elif entry is not None and not keep(entry):
                    slot[i] = None


# ---------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------


@dataclass
class _Lines:
    """A text split into lines, each with its own terminator, so untouched lines
    keep CRLF or LF exactly."""

    body: list[str]
    ends: list[str]
    eol: str
    final_newline: bool

    @classmethod
    def split(cls, text: str) -> _Lines:
        parts = text.split("\n")
        body: list[str] = []
        ends: list[str] = []
        for part in parts[:-1]:
            if part.endswith("\r"):
                body.append(part[:-1])
                ends.append("\r\n")
            else:
                body.append(part)
                ends.append("\n")
        if parts[-1]:
            body.append(parts[-1])
            ends.append("")
        eol = "\r\n" if ends.count("\r\n") > ends.count("\n") else "\n"
        return cls(body, ends, eol, text.endswith("\n") or not text)

    def join(self, lines: Sequence[tuple[str, str | None]]) -> str:
        """Join (content, own terminator or None for a new line), keeping the
        original's final-newline state."""
        out: list[str] = []
        for i, (content, end) in enumerate(lines):
            last = i == len(lines) - 1
            if last and not self.final_newline:
                out.append(content)
            else:
                out.append(content + (end or self.eol))
        return "".join(out)


class YamlDocument:
    """A YAML text parsed for round-trip editing; `render()` gives the edited text with
    untouched lines byte-identical."""

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        self._yaml = _round_trip_yaml()
        try:
            self.root: Any = self._yaml.load(text)
        except YAMLError as error:
            raise EditError(f"{filename}: not valid YAML: {describe_yaml_error(error)}") from error
        _pin_anchors(self.root)
        self.style = _scan_style(self.root)
        # load_yaml_guess_indent gets the mapping indent wrong (4 on 2-space
        # files), hence _scan_style.
        self._yaml.indent(
            mapping=self.style.mapping, sequence=self.style.sequence, offset=self.style.offset
        )
        self._before = self._dump()

    def _dump(self) -> str:
        stream = io.StringIO()
        self._yaml.dump(self.root, stream)
        return stream.getvalue()

    def render(self) -> str:
        """The edited text: ruamel's changed lines spliced into the original; `text`
        itself when nothing changed."""
        after = self._dump()
        if after == self._before:
            return self.text
        return _splice(self.text, self._before, after, self.filename)

    # -- building new nodes -------------------------------------------------

    def fresh(self, value: Any, *, flow: bool | None = None, near: Any = None) -> Any:
        """A new node for `value`, styled like the file and quoted like the strings in `near`
        (its future container)."""
        # Every node is new: ruamel gives an object that appears twice an `&id001` anchor.
        return self._fresh(value, flow, _sibling_quote(near))

    def _fresh(self, value: Any, flow: bool | None, quote: type[str] | None) -> Any:
        if isinstance(value, Mapping):
            node = CommentedMap()
            for key, item in value.items():
                node[plain(key)] = self._fresh(item, None, quote)
            use_flow = _flow_of(value, self.style.flow_maps) if flow is None else flow
            if use_flow and node and _all_scalars(node.values()):
                node.fa.set_flow_style()
            return node
        if isinstance(value, (list, tuple)):
            seq = CommentedSeq(self._fresh(item, None, quote) for item in value)
            use_flow = _flow_of(value, self.style.flow_lists) if flow is None else flow
            if use_flow and seq and _all_scalars(seq):
                seq.fa.set_flow_style()
            return seq
        if isinstance(
            value,
            (
                LiteralScalarString,
                FoldedScalarString,
                SingleQuotedScalarString,
                DoubleQuotedScalarString,
            ),
        ):
            # A value copied from the file keeps its style.
            return type(value)(str(value))
        if isinstance(value, str) and "\n" in value.rstrip("\n"):
            # Multi-line commands read best as `run: |` blocks.
            return LiteralScalarString(str(value))
        if isinstance(value, str):
            if quote is not None:
                return quote(value)
            return self.quoted(str(value)) if _NEEDS_QUOTES.match(value) else str(value)
        return plain(value)

    def quoted(self, text: str, like: Any = None) -> str:
        """`text` as a quoted scalar: in the quote style of `like` if that is a quoted string,
        else the file's usual one."""
        double = isinstance(like, DoubleQuotedScalarString) or (
            not isinstance(like, SingleQuotedScalarString) and self.style.quote == '"'
        )
        result: str = DoubleQuotedScalarString(text) if double else SingleQuotedScalarString(text)
        return result

    def replace_value(self, parent: CommentedMap | CommentedSeq, key: Any, value: Any) -> bool:
        """Set ``parent[key]`` to a fresh copy of `value`, keeping an old string's quote style;
        False when already equal."""
        exists = (
            key in parent if isinstance(parent, CommentedMap) else -len(parent) <= key < len(parent)
        )
        old = parent[key] if exists else None
        if exists and same(old, value):
            return False
        new = self.fresh(value, near=parent)
        if isinstance(new, str) and isinstance(
            old, (SingleQuotedScalarString, DoubleQuotedScalarString)
        ):
            new = self.quoted(str(new), like=old)
        if exists and isinstance(parent, CommentedMap) and isinstance(new, (Mapping, list)):
            # A comment after the old scalar would print after "key:", above the new
            # block; the splice keeps it.
            _drop_trailing_comment(parent, key)
        parent[key] = new
        return True


def _sibling_quote(container: Any) -> type[str] | None:
    """The quote type every string value in `container` (or in its list items)
    uses, if they all agree."""
    if isinstance(container, Mapping):
        values = list(container.values())
    elif isinstance(container, list):
        values = [
            v
            for item in container
            for v in (item.values() if isinstance(item, Mapping) else [item])
        ]
    else:
        return None
    kinds = {
        type(v) if isinstance(v, (SingleQuotedScalarString, DoubleQuotedScalarString)) else str
        for v in values
        if isinstance(v, str) and not isinstance(v, (LiteralScalarString, FoldedScalarString))
    }
    kind = kinds.pop() if len(kinds) == 1 else str
    return None if kind is str else kind


def _flow_of(value: Any, default: bool) -> bool:
    """A node copied from the file keeps its own `{a: 1}` or block style; anything else
    gets the file's usual one."""
    if isinstance(value, (CommentedMap, CommentedSeq)) and value.fa.flow_style() is not None:
        return bool(value.fa.flow_style())
    return default


def _drop_trailing_comment(node: CommentedMap, key: Any) -> None:
    slot = node.ca.items.get(key)
    if slot is not None and len(slot) > 2:
        slot[2] = None


# ---------------------------------------------------------------------------
# The splice
# ---------------------------------------------------------------------------


@dataclass
class _Hunk:
    """Lines ``before[i1:i2]`` of the no-edit dump become ``new``."""

    i1: int
    i2: int
    new: list[str]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_blank(line: str) -> bool:
    return not line.strip()


def _is_comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


def _first_content(lines: Sequence[str]) -> str | None:
    return next((line for line in lines if not _is_blank(line) and not _is_comment(line)), None)


def _hunks(before: list[str], after: list[str]) -> list[_Hunk]:
    """The diff of the two dumps, with comments moved back next to the nodes they describe."""
    # ruamel attaches a comment (and blank lines) to the deepest last value before it. So a node
    # inserted after X prints below the comment that introduces X's next sibling, and deleting X's
    # last key deletes that comment too. Comment lines carry no data, so the fix is made here, on
    # lines, where it does not depend on how ruamel stores the comment (after a block scalar, say).
    hunks: list[_Hunk] = []
    prev_end = 0
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        new = after[j1:j2]
        old = before[i1:i2]
        first_new = _first_content(new)
        first_old = _first_content(old)
        if not old and first_new is not None:
            # Insertion: slide above the blank and comment lines it was printed under, unless they
            # are indented deeper than the new node (then they belong to the node before it).
            col = _indent(first_new)
            start = i1
            while start > prev_end and (
                _is_blank(before[start - 1])
                or (_is_comment(before[start - 1]) and _indent(before[start - 1]) <= col)
            ):
                start -= 1
            if start < i1:
                moved = before[start:i1]
                lead = moved[: len(moved) - len(_strip_leading_blank(moved))]
                following = before[i1] if i1 < len(before) else None
                sibling = (
                    following is not None and not _is_blank(following) and _indent(following) == col
                )
                hunks.append(_Hunk(start, i1, (lead if sibling else []) + new + moved))
                prev_end = i1
                continue
        if old and first_old is not None:
            col = _indent(first_old)
            # Comment lines at the end of a removed run introduce what follows: keep them.
            tail: list[str] = []
            k = len(old)
            while k > 0 and (
                _is_blank(old[k - 1]) or (_is_comment(old[k - 1]) and _indent(old[k - 1]) <= col)
            ):
                k -= 1
            tail = [line for line in old[k:] if line not in new or _is_blank(line)]
            if tail and ((i1 > 0 and _is_blank(before[i1 - 1])) or (new and _is_blank(new[-1]))):
                tail = _strip_leading_blank(tail)
            start = i1
            if not new:
                # A comment directly above a deleted node, at its indentation,
                # describes it: delete it too.
                while (
                    start > prev_end
                    and _is_comment(before[start - 1])
                    and _indent(before[start - 1]) == col
                ):
                    start -= 1
            hunks.append(_Hunk(start, i2, new + tail))
        else:
            hunks.append(_Hunk(i1, i2, new))
        prev_end = i2
    return hunks


def _strip_leading_blank(lines: list[str]) -> list[str]:
    k = 0
    while k < len(lines) and _is_blank(lines[k]):
        k += 1
    return lines[k:]


def _loose(line: str) -> str:
    """A line as ruamel would print it, roughly: no trailing blanks, single spaces,
    `[a]` not `[ a ]`, no `~`."""
    body = line.rstrip()
    indent = len(body) - len(body.lstrip(" "))
    rest = re.sub(r" +", " ", body[indent:])
    rest = re.sub(r"([\[{]) ", r"\1", rest)
    rest = re.sub(r" ([\]}])", r"\1", rest)
    rest = re.sub(r": ~$", ":", rest)
    return " " * indent + rest


def _squeeze(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _align(orig: list[str], before: list[str]) -> dict[int, int]:
    """Map lines of the no-edit dump to original lines, matching lines ruamel normalised
    (`[ main ]`, `~`) too."""
    mapping: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(
        None, [_loose(x) for x in orig], [_loose(x) for x in before], autojunk=False
    )
    for tag, o1, o2, b1, b2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and o2 - o1 == b2 - b1):
            for k in range(b2 - b1):
                mapping[b1 + k] = o1 + k
    return mapping


def _widen(
    hunks: list[_Hunk], before: list[str], left: dict[int, int], right: dict[int, int]
) -> list[_Hunk]:
    """Grow hunks until the line above is in `left` and the line below in `right`,
    merging hunks that meet."""
    out: list[_Hunk] = []
    for k, hunk in enumerate(hunks):
        i1, i2, new = hunk.i1, hunk.i2, list(hunk.new)
        while i1 > 0 and (i1 - 1) not in left and not (out and out[-1].i2 >= i1):
            i1 -= 1
            new.insert(0, before[i1])
        if out and out[-1].i2 >= i1:
            last = out.pop()
            new = last.new + new
            i1 = last.i1
        # Stop at the next hunk: it will merge with this one when it widens to the left.
        limit = hunks[k + 1].i1 if k + 1 < len(hunks) else len(before)
        while i2 < limit and i2 not in right:
            new.append(before[i2])
            i2 += 1
        out.append(_Hunk(i1, i2, new))
    return out


def _region(
    hunk: _Hunk, mapped: dict[int, int], size_before: int, size_orig: int
) -> tuple[int, int]:
    """The original lines a hunk replaces."""
    # Original lines ruamel does not print (a leading `---`, or the blank line after a flow list in
    # a CRLF file) stay outside it; an insertion goes right after the line above it.
    i1, i2 = hunk.i1, hunk.i2
    if i1 == i2:
        start = mapped[i1 - 1] + 1 if i1 > 0 else mapped.get(0, 0)
        return start, start
    if i1 in mapped:
        start = mapped[i1]
    else:
        start = mapped[i1 - 1] + 1 if i1 > 0 else 0
    if (i2 - 1) in mapped:
        end = mapped[i2 - 1] + 1
    else:
        end = mapped[i2] if i2 < size_before else size_orig
    return start, end


def _splice(text: str, before_text: str, after_text: str, filename: str) -> str:
    orig = _Lines.split(text)
    # Comments read from a CRLF file keep their "\r" in ruamel's dump.
    before = [line.rstrip("\r") for line in before_text.split("\n")[:-1]]
    after = [line.rstrip("\r") for line in after_text.split("\n")[:-1]]
    hunks = _hunks(before, after)
    mapped = _align(orig.body, before)
    wanted = load_plain(after_text, filename)
    # First keep every original line outside the hunks. If that changes the meaning (an insertion
    # below `key: ~`, which ruamel printed as `key:`), take ruamel's text for the line above when it
    # differs in more than spacing; failing that, for every neighbour ruamel normalised.
    exact = {b: o for b, o in mapped.items() if orig.body[o] == before[b]}
    spacing = {b: o for b, o in mapped.items() if _squeeze(orig.body[o]) == _squeeze(before[b])}
    for left, right in ((mapped, mapped), (spacing, mapped), (exact, exact)):
        lines: list[tuple[str, str | None]] = []
        o_pos = 0
        for hunk in _widen(hunks, before, left, right):
            o1, o2 = _region(hunk, mapped, len(before), len(orig.body))
            o1 = max(o1, o_pos)
            lines += zip(orig.body[o_pos:o1], orig.ends[o_pos:o1])
            lines += [(line, None) for line in hunk.new]
            o_pos = max(o2, o1)
        lines += zip(orig.body[o_pos:], orig.ends[o_pos:])
        spliced = orig.join(lines)
        if _loads_as(spliced, wanted, filename):
            return spliced
    # Last resort: ruamel's own text, with the comments moved back if that still means the same.
    fixed: list[str] = []
    pos = 0
    for hunk in hunks:
        fixed += before[pos : hunk.i1] + hunk.new
        pos = hunk.i2
    fixed += before[pos:]
    if not _loads_as("\n".join(fixed) + "\n", wanted, filename):
        fixed = after
    return orig.join([(line, None) for line in fixed])


def _loads_as(text: str, wanted: Any, filename: str) -> bool:
    try:
        return same(load_plain(text, filename), wanted)
    except EditError:
        return False


# ---------------------------------------------------------------------------
# Paths: jobs.test.steps[name=Install], jobs.build.steps[uses~=actions/checkout],
# on.push.branches[0]
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A mapping key."""

    name: str


@dataclass(frozen=True)
class Index:
    """A list position; negative counts from the end."""

    index: int


@dataclass(frozen=True)
class Match:
    """The list item whose `field` equals `value` (or contains it, with `~=`); no field
    matches a scalar item itself."""

    field: str | None
    value: str
    contains: bool = False


Segment = Key | Index | Match


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def parse_selector(text: str, path: str = "") -> Index | Match:
    """Parse the inside of ``[...]``: an integer, ``field=value``,
    ``field~=value`` or ``=value``."""
    inner = text.strip()
    if re.fullmatch(r"-?\d+", inner):
        return Index(int(inner))
    found = re.fullmatch(r"([^=~]*?)\s*(~?=)\s*(.*)", inner, re.DOTALL)
    if found is None:
        raise EditError(
            f"bad selector [{text}] in path {path!r}: use [N], [field=value] or [field~=text]"
        )
    field = _unquote(found.group(1)) or None
    return Match(field, _unquote(found.group(3)), contains=found.group(2) == "~=")


def parse_path(path: str) -> list[Segment]:
    """Split a dotted path with optional ``[selector]`` parts into segments."""
    segments: list[Segment] = []
    i = 0
    expect_key = True
    while i < len(path):
        char = path[i]
        if char == "[":
            end = _closing_bracket(path, i)
            segments.append(parse_selector(path[i + 1 : end], path))
            i = end + 1
            expect_key = False
        elif char == ".":
            i += 1
            expect_key = True
        elif expect_key:
            if char in "\"'":
                end = path.find(char, i + 1)
                if end < 0:
                    raise EditError(f"unclosed quote in path {path!r}")
                segments.append(Key(path[i + 1 : end]))
                i = end + 1
            else:
                found = re.match(r"[^.\[]+", path[i:])
                assert found is not None
                segments.append(Key(found.group(0).strip()))
                i += found.end()
            expect_key = False
        else:
            raise EditError(f"unexpected {char!r} at position {i} in path {path!r}")
    if not segments:
        raise EditError(f"empty path {path!r}")
    return segments


def _closing_bracket(path: str, start: int) -> int:
    quote = ""
    for i in range(start + 1, len(path)):
        char = path[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'" and path[i - 1] in "=~[":
            quote = char
        elif char == "]":
            return i
    raise EditError(f"unclosed [ in path {path!r}")


def format_path(segments: Sequence[Segment]) -> str:
    """The path text for `segments` (for messages)."""
    out = ""
    for segment in segments:
        if isinstance(segment, Key):
            name = (
                segment.name if re.fullmatch(r"[^.\[\]\"']+", segment.name) else f'"{segment.name}"'
            )
            out += ("." if out else "") + name
        elif isinstance(segment, Index):
            out += f"[{segment.index}]"
        else:
            out += f"[{segment.field or ''}{'~=' if segment.contains else '='}{segment.value}]"
    return out or "the document root"


def describe_item(item: Any, index: int) -> str:
    """A short name for a list item: its name, uses or first run line, else
    its value or position."""
    if isinstance(item, Mapping):
        for field in ("name", "id", "uses", "run"):
            value = item.get(field)
            if isinstance(value, str) and value.strip():
                return repr(value.strip().splitlines()[0])
        return f"#{index}"
    if isinstance(item, (list, tuple)):
        return f"#{index}"
    return repr(plain(item))


def _field_text(item: Any, field: str | None) -> str | None:
    value = item if field is None else (item.get(field) if isinstance(item, Mapping) else None)
    if value is None or isinstance(value, (Mapping, list)):
        return None
    if isinstance(value, (bool, ScalarBoolean)):
        return "true" if value else "false"
    return str(value)


def find_items(seq: Sequence[Any], selector: Match) -> list[int]:
    """Indexes of the items `selector` picks."""
    found: list[int] = []
    for index, item in enumerate(seq):
        text = _field_text(item, selector.field)
        if text is None:
            continue
        if (
            (selector.value in text)
            if selector.contains
            else (text.strip() == selector.value.strip())
        ):
            found.append(index)
    return found


def _kind(node: Any) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, list):
        return "a list"
    if node is None:
        return "empty"
    if isinstance(node, (bool, ScalarBoolean)):
        return "a boolean"
    if isinstance(node, str):
        return "a string"
    return f"a {type(node).__name__}"


class _Missing(Exception):
    """A path step that names nothing (the caller decides whether that is an error)."""


def _step(node: Any, segment: Segment, where: str, filename: str) -> Any:
    """The child of `node` named by `segment`; _Missing if absent, EditError if the
    node is the wrong kind."""
    if isinstance(segment, Key):
        if not isinstance(node, Mapping):
            raise EditError(
                f"{filename}: {where} is {_kind(node)}, not a mapping, so it has no key "
                f"{segment.name!r}"
            )
        if segment.name not in node:
            keys = ", ".join(str(k) for k in node) or "none"
            raise _Missing(f"{where} has no key {segment.name!r}; keys are: {keys}")
        return node[segment.name]
    if not isinstance(node, list):
        raise EditError(
            f"{filename}: {where} is {_kind(node)}, not a list, so {format_path([segment])} "
            "selects nothing"
        )
    return node[_select(node, segment, where, filename)]


def _select(seq: list[Any], segment: Index | Match, where: str, filename: str) -> int:
    """The index that `segment` names in `seq`."""
    if isinstance(segment, Index):
        if not -len(seq) <= segment.index < len(seq):
            raise _Missing(f"{where} has {len(seq)} items, so there is no item [{segment.index}]")
        return segment.index % len(seq)
    found = find_items(seq, segment)
    if not found:
        items = ", ".join(describe_item(item, i) for i, item in enumerate(seq)) or "none"
        verb = "contains" if segment.contains else "is"
        subject = f"whose {segment.field}" if segment.field else "that"
        raise _Missing(
            f"{where} has no item {subject} {verb} {segment.value!r}; items are: {items}"
        )
    if len(found) > 1:
        items = ", ".join(describe_item(seq[i], i) for i in found)
        raise EditError(
            f"{filename}: {where}{format_path([segment])} matches {len(found)} items ({items}); "
            "make it unique"
        )
    return found[0]


def _walk(root: Any, segments: Sequence[Segment], filename: str) -> Any:
    node = root
    for depth, segment in enumerate(segments):
        try:
            node = _step(node, segment, format_path(segments[:depth]), filename)
        except _Missing as missing:
            raise EditError(f"{filename}: path {format_path(segments)}: {missing}") from None
    return node


def get_path(root: Any, path: str | Sequence[Segment], filename: str) -> Any:
    """The node at `path`; EditError naming what exists when a segment is missing."""
    segments = parse_path(path) if isinstance(path, str) else list(path)
    return _walk(root, segments, filename)


def _container(doc: YamlDocument, segments: Sequence[Segment], *, create: bool) -> Any:
    """The node that holds the last segment; creates missing mapping keys (at the end of their
    parent) when asked, else _Missing."""
    node = doc.root
    if not isinstance(node, CommentedMap):
        raise EditError(
            f"{doc.filename}: the document is {_kind(node)}, not a mapping; cannot edit "
            f"{format_path(segments)}"
        )
    for depth, segment in enumerate(segments[:-1]):
        grows = create and isinstance(node, CommentedMap) and isinstance(segments[depth + 1], Key)
        if grows and isinstance(segment, Key) and node.get(segment.name, "") is None:
            # `workflow_dispatch:` (empty) gains keys the same way a missing key would.
            node[segment.name] = CommentedMap()
        try:
            node = _step(node, segment, format_path(segments[:depth]), doc.filename)
        except _Missing:
            if not create or not isinstance(segment, Key):
                raise
            if not isinstance(segments[depth + 1], Key):
                raise EditError(
                    f"{doc.filename}: path {format_path(segments)}: "
                    f"{format_path(segments[: depth + 1])} "
                    "does not exist, and a list item cannot be created from a selector"
                ) from None
            node[segment.name] = CommentedMap()
            node = node[segment.name]
    return node


def _missing(doc: YamlDocument, segments: Sequence[Segment], missing: _Missing) -> EditError:
    return EditError(f"{doc.filename}: path {format_path(segments)}: {missing}")


def set_path(doc: YamlDocument, path: str, value: Any) -> bool:
    """Set the value at `path`, creating missing mapping keys at the end of their parent; False if
    it already had that value."""
    segments = parse_path(path)
    last = segments[-1]
    try:
        parent = _container(doc, segments, create=True)
        where = format_path(segments[:-1])
        if isinstance(last, Key):
            if not isinstance(parent, CommentedMap):
                raise EditError(
                    f"{doc.filename}: {where} is {_kind(parent)}, not a mapping; cannot set key "
                    f"{last.name!r}"
                )
            return doc.replace_value(parent, last.name, value)
        if not isinstance(parent, CommentedSeq):
            raise EditError(
                f"{doc.filename}: {where} is {_kind(parent)}, not a list; cannot set "
                f"{format_path([last])}"
            )
        return doc.replace_value(parent, _select(parent, last, where, doc.filename), value)
    except _Missing as missing:
        raise _missing(doc, segments, missing) from None


def delete_path(doc: YamlDocument, path: str) -> bool:
    """Delete the key or list item at `path`; False (no change) when it is already absent."""
    segments = parse_path(path)
    last = segments[-1]
    try:
        parent = _container(doc, segments, create=False)
        where = format_path(segments[:-1])
        if isinstance(last, Key):
            if not isinstance(parent, CommentedMap):
                raise EditError(
                    f"{doc.filename}: {where} is {_kind(parent)}, not a mapping; cannot delete key "
                    f"{last.name!r}"
                )
            if last.name not in parent:
                return False
            if not parent._unmerged_contains(last.name):
                raise EditError(
                    f"{doc.filename}: {path} comes from a `<<:` merge; delete it where the anchor "
                    "is defined"
                )
            del parent[last.name]
            return True
        if not isinstance(parent, CommentedSeq):
            raise EditError(
                f"{doc.filename}: {where} is {_kind(parent)}, not a list; cannot delete "
                f"{format_path([last])}"
            )
        del parent[_select(parent, last, where, doc.filename)]
        return True
    except _Missing:
        return False


def append_path(
    doc: YamlDocument, path: str, value: Any, *, after: str | None = None, before: str | None = None
) -> bool:
    """Add `value` to the list at `path` (at the end, or next to the item `after`/`before` selects);
    False if an equal item is there."""
    segments = parse_path(path)
    last = segments[-1]
    try:
        parent = _container(doc, segments, create=True)
        try:
            seq = _step(parent, last, format_path(segments[:-1]), doc.filename)
        except _Missing:
            if not isinstance(last, Key):
                raise
            parent[last.name] = doc.fresh([value])
            return True
        if not isinstance(seq, CommentedSeq):
            raise EditError(
                f"{doc.filename}: {path} is {_kind(seq)}, not a list; cannot append to it"
            )
        if any(same(item, value) for item in seq):
            return False
        position = len(seq)
        if after is not None:
            position = _select(seq, item_selector(after), path, doc.filename) + 1
        elif before is not None:
            position = _select(seq, item_selector(before), path, doc.filename)
        seq.insert(position, doc.fresh(value, near=seq))
        return True
    except _Missing as missing:
        raise _missing(doc, segments, missing) from None


def item_selector(text: str) -> Index | Match:
    """A selector for one list item, with or without brackets; a bare word is a step name
    (`Install` = `name=Install`)."""
    inner = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if "=" not in inner and not re.fullmatch(r"-?\d+", inner.strip()):
        return Match("name", inner)
    return parse_selector(inner, text)
