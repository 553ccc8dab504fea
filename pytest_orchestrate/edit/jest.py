"""Surgical edits of Jest configs (jest.config.* and package.json "jest") with
tree-sitter byte ranges."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard

import tree_sitter

from ..errors import EditError
from .json import load_json, parse_json_object, unwrap_json
from .treesitter import (
    Edit,
    Style,
    apply_edits,
    cannot_edit,
    detect_style,
    entries,
    find_pair,
    insert_items,
    node_text,
    pair_key,
    parse,
    string_value,
    syntax_error_message,
)

__all__ = ["JEST_ACTIONS", "check_jest_config", "edit_jest_config"]

JEST_ACTIONS: frozenset[str] = frozenset({"expand_coverage_collection", "add_directory_thresholds"})

SOURCE_EXTS = ("ts", "tsx", "js", "jsx")
METRICS = ("branches", "functions", "lines", "statements")
DEFAULT_THRESHOLD = 80
# Expressions that only add a type or parentheses around the config object.
WRAPPERS = (
    "parenthesized_expression",
    "satisfies_expression",
    "as_expression",
    "non_null_expression",
)
FUNCTIONS = ("arrow_function", "function_expression", "function_declaration", "function")


@dataclass
class Target:
    """A parsed config: the buffer tree-sitter saw, the config object in
    it, and the file's style."""

    data: bytes
    obj: tree_sitter.Node
    style: Style
    wrapped: bool  # JSON parsed inside added parentheses
    filename: str
    project_root: Path

    def result(self, original: str, edits: Sequence[Edit]) -> str:
        """The edited text, or ``original`` itself when there is nothing to do."""
        if not edits:
            return original
        data = apply_edits(self.data, edits)
        return unwrap_json(data) if self.wrapped else data.decode("utf-8")

    def base_dir(self) -> Path:
        """Jest's rootDir: the config's folder, or an explicit string-literal
        ``rootDir`` relative to it."""
        config_dir = self.project_root / Path(self.filename).parent
        # Only an explicit key is read: a rootDir coming from a spread preset is not followed.
        for item in reversed(entries(self.obj)):
            if (
                item.type == "shorthand_property_identifier"
                and node_text(self.data, item) == "rootDir"
            ):
                break
            if item.type == "pair" and pair_key(self.data, item) == "rootDir":
                value = item.child_by_field_name("value")
                code = node_text(self.data, value) if value is not None else ""
                if code in ("__dirname", "import.meta.dirname"):
                    return config_dir
                root_dir = string_value(self.data, value) if value is not None else None
                if root_dir is None:
                    break
                return config_dir / root_dir
        else:
            return config_dir
        why = (
            "`rootDir` is not a string literal, so folders cannot be found; pass `folders` (and "
            "`extensions`)"
        )
        raise cannot_edit(self.filename, why)


def edit_jest_config(
    text: str, action: str, params: Mapping[str, Any], *, filename: str, project_root: Path
) -> str:
    """Return edited text, or the identical ``text`` when already as wanted. Raises EditError."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise EditError(
            f"{filename}: unknown Jest action {action!r} (known: {', '.join(sorted(JEST_ACTIONS))})"
        )
    target = load_target(text, action, filename, project_root)
    refuse_separate_projects(target, action, params)
    return target.result(text, handler(target, params))


# The params that name the folders outright, so discovery (which needs one root) is not used.
EXPLICIT_PARAMS = {
    "expand_coverage_collection": "folders",
    "add_directory_thresholds": "thresholds",
}


def refuse_separate_projects(target: Target, action: str, params: Mapping[str, Any]) -> None:
    """Refuse to guess folders for a config whose ``projects`` have roots of their own.

    Jest reads collectCoverageFrom and coverageThreshold only from the top-level config (inside a
    project they are ignored), so the edit is always made here; but which folders of which project
    to add is a choice once the projects live in other folders or files. Projects that only split
    the tests (a displayName and a testMatch) share this config's root and are fine.
    """
    # Not find_pair: a spread that might bring `projects` is for the edited key's lookup to judge.
    pair = next(
        (
            item
            for item in reversed(entries(target.obj))
            if item.type == "pair" and pair_key(target.data, item) == "projects"
        ),
        None,
    )
    explicit = EXPLICIT_PARAMS[action]
    if pair is None or params.get(explicit) is not None:
        return
    value = pair.child_by_field_name("value")
    if value is None or value.type != "array":
        raise cannot_edit(target.filename, "`projects` is not an array literal")
    separate = [label for item in entries(value) if (label := separate_project(target.data, item))]
    if separate:
        raise cannot_edit(
            target.filename,
            f"its projects have roots of their own ({', '.join(separate)}); Jest reads coverage "
            "settings only from this top-level config, so which of their folders to add is a "
            f"choice: pass params {explicit}",
        )


def separate_project(data: bytes, item: tree_sitter.Node) -> str | None:
    """How to name a project that lives elsewhere (a path, or its own rootDir); None for one
    that shares the top-level root."""
    if item.type != "object":
        return node_text(data, item)
    fields = {
        pair_key(data, pair): pair.child_by_field_name("value")
        for pair in entries(item)
        if pair.type == "pair"
    }
    root = fields.get("rootDir")
    if root is None or string_value(data, root) in ("<rootDir>", "."):
        return None
    name = fields.get("displayName")
    label = node_text(data, root)
    # A displayName may also be {name, color}; then the root alone names the project.
    return f"{node_text(data, name)} ({label})" if name and name.type == "string" else label


def check_jest_config(text: str, *, filename: str, project_root: Path) -> None:
    """Raise EditError unless the config still loads: Node for .js/.cjs/.mjs/.json, a
    clean reparse for .ts."""
    kind = file_kind(filename, "check_jest_config")
    node = shutil.which("node")
    if kind == "ts" or (kind == "js" and node is None):
        data = text.encode("utf-8")
        message = syntax_error_message(parse(data, kind), data, filename, LANGUAGE_NAMES[kind])
        if message is not None:
            raise EditError(message)
        return
    if node is None:
        loaded = load_json(text, filename)
        config = loaded.get("jest") if kind == "package" and isinstance(loaded, dict) else loaded
        if not isinstance(config, dict):
            what = '"jest"' if kind == "package" else "the config"
            raise EditError(f"{filename}: {what} is not an object")
        return
    run_node(node, text, filename, project_root, module_format(text, filename, kind))


LANGUAGE_NAMES = {"js": "JavaScript", "ts": "TypeScript"}


def file_kind(filename: str, what: str) -> str:
    """``"js"``, ``"ts"``, ``"package"`` (package.json) or ``"json"``
    (jest.config.json), from the name."""
    path = Path(filename)
    if path.name == "package.json":
        return "package"
    kind = {
        ".js": "js",
        ".cjs": "js",
        ".mjs": "js",
        ".ts": "ts",
        ".mts": "ts",
        ".cts": "ts",
        ".json": "json",
    }
    if path.suffix not in kind:
        raise EditError(
            f"{filename}: {what} needs a Jest config (jest.config.js/.cjs/.mjs/.ts/.json or "
            "package.json)"
        )
    return kind[path.suffix]


def load_target(text: str, action: str, filename: str, project_root: Path) -> Target:
    """Parse the file and find the config object literal, or raise EditError saying why not."""
    kind = file_kind(filename, action)
    if kind in ("package", "json"):
        data, obj = parse_json_object(text, filename)
        if kind == "package":
            obj = package_jest_object(data, obj, filename)
        return Target(
            data, obj, detect_style(data, obj, json_like=True), True, filename, project_root
        )
    data = text.encode("utf-8")
    tree = parse(data, kind)
    message = syntax_error_message(tree, data, filename, LANGUAGE_NAMES[kind])
    if message is not None:
        raise EditError(message)
    obj = config_object(data, tree.root_node, filename)
    return Target(
        data, obj, detect_style(data, obj, json_like=False), False, filename, project_root
    )


def package_jest_object(data: bytes, top: tree_sitter.Node, filename: str) -> tree_sitter.Node:
    """The object under package.json's "jest" key."""
    pair = find_pair(data, top, "jest", filename)
    if pair is None:
        # Adding one would clash with a jest.config.* file: Jest refuses two configs.
        raise EditError(
            f'{filename}: has no "jest" key; the Jest config must live in a jest.config.* file'
        )
    value = pair.child_by_field_name("value")
    if value is None or value.type != "object":
        raise cannot_edit(filename, '"jest" is not an object')
    return value


def config_object(data: bytes, root: tree_sitter.Node, filename: str) -> tree_sitter.Node:
    """The object literal that the module exports as its config."""
    exported: tree_sitter.Node | None = None
    name = ""
    for stmt in root.named_children:
        expr = entries(stmt)[0] if stmt.type == "expression_statement" and entries(stmt) else None
        if expr is not None and expr.type == "assignment_expression":
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            if left is not None and node_text(data, left) == "module.exports":
                exported, name = right, "module.exports"
        elif stmt.type == "export_statement" and any(c.type == "default" for c in stmt.children):
            exported = stmt.child_by_field_name("value") or stmt.child_by_field_name("declaration")
        elif stmt.type == "export_statement" and any(c.type == "=" for c in stmt.children):
            exported, name = entries(stmt)[-1], "module.exports"  # TypeScript's `export = {…}`
    if exported is None:
        seen = [first_line(data, stmt) for stmt in root.named_children if stmt.type != "comment"]
        raise cannot_edit(
            filename,
            "found no top-level `module.exports = …` or `export default …`; the file's "
            f"statements are: {'; '.join(seen) or 'none'}",
        )
    return resolve(data, root, exported, filename, [name] if name else [])


def first_line(data: bytes, node: tree_sitter.Node) -> str:
    """A statement's first line, shortened, to show what was seen."""
    line = node_text(data, node).splitlines()[0].strip()
    return f"`{line if len(line) <= 50 else line[:47] + '...'}`"


def resolve(
    data: bytes, root: tree_sitter.Node, node: tree_sitter.Node, filename: str, names: list[str]
) -> tree_sitter.Node:
    """Follow wrappers, one-argument calls such as defineConfig({…}) and top-level
    consts to an object literal."""
    while node.type in WRAPPERS or node.type == "type_assertion":
        # `<Config>{…}` puts the expression last; the other wrappers put it first.
        node = entries(node)[-1 if node.type == "type_assertion" else 0]
    if node.type == "object":
        for name in names:
            refuse_later_assignments(data, root, name, filename)
        return node
    what = node_text(data, node)
    short = what if len(what) <= 40 else what[:37] + "..."
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        callee = node_text(data, function) if function is not None else ""
        if callee == "require":
            raise cannot_edit(filename, f"the config is `{short}`, not an object literal")
        if args is not None and len(entries(args)) == 1:
            return resolve(data, root, entries(args)[0], filename, names)
        raise cannot_edit(filename, f"the config is `{short}`, not a call with one object literal")
    if node.type == "identifier":
        if what in names:
            raise cannot_edit(filename, f"`{what}` refers to itself")
        value = declared_value(data, root, what)
        if value is None:
            raise cannot_edit(filename, f"`{what}` is not a top-level const/let/var with a value")
        return resolve(data, root, value, filename, [*names, what])
    if node.type in FUNCTIONS:
        raise cannot_edit(
            filename, "the config is a function; its result is only known when Jest runs it"
        )
    raise cannot_edit(
        filename, f"the config is `{short}` ({node.type.replace('_', ' ')}), not an object literal"
    )


def declared_value(data: bytes, root: tree_sitter.Node, name: str) -> tree_sitter.Node | None:
    """The initial value of the top-level variable ``name`` (the last declaration wins)."""
    found = None
    for stmt in root.named_children:
        decl = stmt.child_by_field_name("declaration") if stmt.type == "export_statement" else stmt
        if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in decl.named_children:
            ident = declarator.child_by_field_name("name")
            if (
                declarator.type == "variable_declarator"
                and ident is not None
                and node_text(data, ident) == name
            ):
                found = declarator.child_by_field_name("value")
    return found


def refuse_later_assignments(data: bytes, root: tree_sitter.Node, name: str, filename: str) -> None:
    """Refuse `config.x = …` at the top level: it could override the key we edit."""
    for stmt in root.named_children:
        expr = (
            stmt.named_children[0]
            if stmt.type == "expression_statement" and stmt.named_children
            else None
        )
        if expr is None or expr.type not in (
            "assignment_expression",
            "augmented_assignment_expression",
        ):
            continue
        left = expr.child_by_field_name("left")
        if left is not None and re.match(re.escape(name) + r"\s*[.[]", node_text(data, left)):
            raise cannot_edit(
                filename, f"`{node_text(data, left)}` is assigned after the config object is built"
            )


# ---- expand_coverage_collection ----


@dataclass(frozen=True)
class Folder:
    """A source folder relative to Jest's rootDir, the extensions found in it,
    and whether to recurse."""

    path: str
    exts: tuple[str, ...]
    deep: bool = True

    def glob(self, prefix: str = "") -> str:
        """``src/routes/**/*.{ts,tsx}`` style glob (``src/*.ts`` for loose files)."""
        ext = self.exts[0] if len(self.exts) == 1 else "{" + ",".join(self.exts) + "}"
        folder = "" if self.path in ("", ".") else self.path + "/"
        return f"{prefix}{folder}{'**/' if self.deep else ''}*.{ext}"

    def probes(self, ext: str) -> list[str]:
        """Sample paths with extension ``ext`` that a glob must match to cover this folder."""
        folder = "" if self.path in ("", ".") else self.path + "/"
        depths = ["", "__probe__/__probe__/"] if self.deep else [""]
        return [f"{folder}{depth}__probe__.{ext}" for depth in depths]


def expand_coverage_collection(target: Target, params: Mapping[str, Any]) -> list[Edit]:
    """Add a collectCoverageFrom glob for each source folder not yet covered,
    before the first negation."""
    data, obj, filename = target.data, target.obj, target.filename
    pair = find_pair(data, obj, "collectCoverageFrom", filename)
    folders = wanted_folders(target, params, loose=True)
    if pair is None:
        index = index_after(data, obj, ("preset", "testEnvironment"))
        globs = [folder.glob() for folder in folders]
        return insert_items(data, obj, [("collectCoverageFrom", globs)], index, target.style)
    array = pair.child_by_field_name("value")
    if array is None or array.type != "array":
        raise cannot_edit(filename, "`collectCoverageFrom` is not an array literal")
    values = [string_value(data, item) for item in entries(array)]
    positives = [v for v in values if v is not None and not v.startswith("!")]
    prefix = (
        "<rootDir>/" if positives and all(v.startswith("<rootDir>/") for v in positives) else ""
    )
    patterns = [glob_regex(v) for v in positives]
    # Only the extensions no existing glob reaches: `src/**/*.ts` leaves just
    # `src/routes/**/*.tsx` to add.
    uncovered = [
        dataclasses.replace(f, exts=tuple(e for e in f.exts if not covered(f, e, patterns)))
        for f in folders
    ]
    missing = [f.glob(prefix) for f in uncovered if f.exts]
    missing = [g for g in missing if g not in values]
    if not missing:
        return []
    negation = next(
        (i for i, v in enumerate(values) if v is not None and v.startswith("!")), len(values)
    )
    style = local_quote(data, array, target.style)
    return insert_items(data, array, [(None, glob) for glob in missing], negation, style)


def wanted_folders(target: Target, params: Mapping[str, Any], *, loose: bool) -> list[Folder]:
    """Folders from params ``folders`` (extensions from ``extensions`` or disk), else
    discovered under src/."""
    filename = target.filename
    given = params.get("folders")
    extensions = params.get("extensions")
    if extensions is not None and (
        not isinstance(extensions, list)
        or not extensions
        or any(e not in SOURCE_EXTS for e in extensions)
    ):
        raise EditError(
            f"{filename}: `extensions` must be a list drawn from {', '.join(SOURCE_EXTS)}"
        )
    if given is None:
        return discover(target, str(params.get("source_root", "src")), loose=loose)
    if not isinstance(given, list) or not all(isinstance(f, str) and f.strip("./") for f in given):
        raise EditError(f"{filename}: `folders` must be a list of folder paths")
    result = []
    for raw in given:
        path = str(PurePosixPath(raw.strip().rstrip("/").removeprefix("./")))
        exts = tuple(e for e in SOURCE_EXTS if e in extensions) if extensions else ()
        if not exts:
            exts = source_exts(target.base_dir() / path, deep=True)
        if not exts:
            raise EditError(f"{filename}: {path} has no .ts/.tsx/.js/.jsx files; pass `extensions`")
        result.append(Folder(path, exts))
    return result


def discover(target: Target, source_root: str, *, loose: bool) -> list[Folder]:
    """Each immediate subfolder of ``source_root`` holding sources, then its
    loose files when ``loose``."""
    root = target.base_dir() / source_root
    if not root.is_dir():
        raise EditError(
            f"{target.filename}: no {source_root}/ folder next to the config; pass `folders`"
        )
    rel = str(PurePosixPath(source_root.strip().rstrip("/").removeprefix("./") or "."))
    found = []
    for sub in sorted(root.iterdir(), key=lambda p: p.name):
        # Tests, mocks and fixtures are not code to measure; node_modules and
        # dot-folders are not ours.
        if sub.is_dir() and not sub.name.startswith((".", "__")) and sub.name != "node_modules":
            exts = source_exts(sub, deep=True)
            if exts:
                found.append(Folder(str(PurePosixPath(rel) / sub.name), exts))
    top = source_exts(root, deep=False)
    if loose and top:
        found.append(Folder(rel, top, deep=False))
    if not found:
        raise EditError(
            f"{target.filename}: found no .ts/.tsx/.js/.jsx files under {source_root}/; pass "
            "`folders`"
        )
    return found


def source_exts(folder: Path, *, deep: bool) -> tuple[str, ...]:
    """The source extensions present in ``folder`` (recursively when ``deep``),
    declaration files aside."""
    found: set[str] = set()
    for _, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "node_modules" and not d.startswith("."))
        for name in filenames:
            stem, _, ext = name.rpartition(".")
            if stem and ext in SOURCE_EXTS and not name.endswith(".d.ts"):
                found.add(ext)
        if not deep or len(found) == len(SOURCE_EXTS):
            break
    return tuple(e for e in SOURCE_EXTS if e in found)


def covered(folder: Folder, ext: str, patterns: Sequence[re.Pattern[str] | None]) -> bool:
    """True when existing positive globs together match every probe path of
    ``folder`` with ``ext``."""
    return all(
        any(p is not None and p.fullmatch(probe) for p in patterns) for probe in folder.probes(ext)
    )


def glob_regex(glob: str) -> re.Pattern[str] | None:
    """A regex for a micromatch-style glob (``**``, ``*``, ``?``, ``{a,b}``,
    ``[…]``); None if unreadable."""
    # Jest strips `<rootDir>/` from collectCoverageFrom, and micromatch ignores a leading `./`.
    glob = glob.removeprefix("<rootDir>/").removeprefix("./")
    try:
        return re.compile(glob_part(glob))
    except (re.error, ValueError):
        return None


def glob_part(glob: str) -> str:
    """Translate a glob fragment to regex source."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] in "*?":
            out.append("[^/]*" if glob[i] == "*" else "[^/]")
            i += 1
        elif glob[i] in "{[":
            end = closing_bracket(glob, i)
            body = glob[i + 1 : end]
            out.append(
                "(?:" + "|".join(glob_part(a) for a in split_top(body)) + ")"
                if glob[i] == "{"
                else f"[{body}]"
            )
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def closing_bracket(glob: str, start: int) -> int:
    """Index of the bracket closing the one at ``start``; ValueError when unbalanced."""
    pairs = {"{": "}", "[": "]"}
    depth = 0
    for i in range(start, len(glob)):
        if glob[i] == glob[start]:
            depth += 1
        elif glob[i] == pairs[glob[start]]:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(glob)


def split_top(body: str) -> list[str]:
    """Split brace alternatives on commas outside nested braces."""
    parts, depth, current = [], 0, ""
    for ch in body:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def local_quote(data: bytes, container: tree_sitter.Node, style: Style) -> Style:
    """``style`` with the quote of the first string inside ``container``, the nearest neighbour."""
    if style.json:
        return style
    for child in container.named_children:
        for node in (child, child.child_by_field_name("key")) if child.type == "pair" else (child,):
            if node is not None and node.type == "string":
                return dataclasses.replace(style, quote=node_text(data, node)[0])
    return style


def index_after(data: bytes, obj: tree_sitter.Node, keys: Sequence[str]) -> int:
    """Insertion index just after the last pair named in ``keys``, or the end."""
    items = entries(obj)
    hits = [
        i for i, item in enumerate(items) if item.type == "pair" and pair_key(data, item) in keys
    ]
    return hits[-1] + 1 if hits else len(items)


# ---- add_directory_thresholds ----


def add_directory_thresholds(target: Target, params: Mapping[str, Any]) -> list[Edit]:
    """Add ``coverageThreshold`` entries for directories that have none, leaving
    ``global`` and others alone."""
    data, obj, filename = target.data, target.obj, target.filename
    wanted = wanted_thresholds(target, params)
    pair = find_pair(data, obj, "coverageThreshold", filename)
    if pair is None:
        index = index_after(
            data,
            obj,
            (
                "collectCoverage",
                "collectCoverageFrom",
                "coverageDirectory",
                "coverageProvider",
                "coverageReporters",
                "coveragePathIgnorePatterns",
            ),
        )
        return insert_items(data, obj, [("coverageThreshold", wanted)], index, target.style)
    thresholds = pair.child_by_field_name("value")
    if thresholds is None or thresholds.type != "object":
        raise cannot_edit(filename, "`coverageThreshold` is not an object literal")
    items = entries(thresholds)
    present = {
        dir_id(key) for item in items if item.type == "pair" and (key := pair_key(data, item))
    }
    new = [(key, metrics) for key, metrics in wanted.items() if dir_id(key) not in present]
    raised = raise_thresholds(data, items, wanted) if params.get("ratchet") else []
    if not new:
        return raised
    spread = next((item for item in items if item.type == "spread_element"), None)
    if spread is not None:
        why = (
            f"`coverageThreshold` spreads `{node_text(data, spread)}`, which may already set "
            f"{new[0][0]}"
        )
        raise cannot_edit(filename, why)
    # New entries copy the layout of the nearest existing one (`global` is usually the only one).
    values = [
        v
        for item in items
        if item.type == "pair" and (v := item.child_by_field_name("value")) is not None
    ]
    objects = [v for v in values if v.type == "object"]
    expand = objects[-1].start_point.row != objects[-1].end_point.row if objects else None
    style = local_quote(data, thresholds, target.style)
    return raised + insert_items(data, thresholds, new, len(items), style, expand=expand)


def raise_thresholds(
    data: bytes, items: list[Any], wanted: Mapping[str, Mapping[str, float]]
) -> list[Edit]:
    """With ``ratchet: true``, lift existing numbers that are below the
    wanted ones; never lower one.

    This is how a later phase moves the floors an earlier phase set towards the goal: only the
    number literals change, so the entry's layout and comments stay as they are.
    """
    goals = {dir_id(key): metrics for key, metrics in wanted.items()}
    edits: list[Edit] = []
    for item in items:
        key = pair_key(data, item) if item.type == "pair" else None
        value = item.child_by_field_name("value") if key is not None else None
        if key is None or value is None or value.type != "object" or dir_id(key) not in goals:
            continue
        for metric in entries(value):
            name = pair_key(data, metric) if metric.type == "pair" else None
            number = metric.child_by_field_name("value") if name is not None else None
            goal = goals[dir_id(key)].get(name or "")
            if number is None or number.type != "number" or goal is None:
                continue
            if float(node_text(data, number)) < goal:
                text = str(int(goal)) if float(goal).is_integer() else str(goal)
                edits.append((number.start_byte, number.end_byte, text.encode()))
    return edits


def wanted_thresholds(target: Target, params: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """``{'./src/x/': {metric: n}}`` from params ``thresholds``, or ``threshold`` (80)
    for each source folder."""
    filename = target.filename
    given = params.get("thresholds")
    if given is None:
        level = params.get("threshold", DEFAULT_THRESHOLD)
        if not is_number(level):
            raise EditError(f"{filename}: `threshold` must be a number")
        return {
            dir_key(f.path): dict.fromkeys(METRICS, level)
            for f in wanted_folders(target, params, loose=False)
        }
    if not isinstance(given, Mapping) or not given:
        raise EditError(
            f"{filename}: `thresholds` must map directories to a number or to {{metric: number}}"
        )
    result = {}
    for folder, spec in given.items():
        if is_number(spec):
            metrics = dict.fromkeys(METRICS, spec)
        elif (
            isinstance(spec, Mapping)
            and spec
            and all(m in METRICS and is_number(v) for m, v in spec.items())
        ):
            metrics = {m: spec[m] for m in METRICS if m in spec}
        else:
            allowed = ", ".join(METRICS)
            raise EditError(
                f"{filename}: threshold for {folder!r} must be a number or a mapping of {allowed}"
            )
        result[dir_key(str(folder))] = metrics
    return result


def is_number(value: object) -> TypeGuard[float]:
    """An int or float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def dir_key(folder: str) -> str:
    """Jest's conventional key for a directory: ``./src/services/``; globs and
    explicit paths kept as given."""
    if any(ch in folder for ch in "*?{[") or folder.startswith(("./", "../", "/", "<rootDir>")):
        return folder
    path = folder.strip("/")
    return f"./{path}" + ("" if PurePosixPath(path).suffix[1:] in SOURCE_EXTS else "/")


def dir_id(key: str) -> str:
    """A key with `<rootDir>/`, `./` and a trailing `/` dropped, to spot an existing
    entry in another spelling."""
    key = key.removeprefix("<rootDir>/")
    while key.startswith("./"):
        key = key[2:]
    return key.rstrip("/")


# ---- the Node check ----

# Loads the config the way Jest would, from stdin, under its real path so relative requires resolve.
# CommonJS: Module.prototype._compile. ESM: a module.register() hook (given as a data: URL) serves
# the source for the config's file: URL, so nothing is written to disk and `import`
# resolves siblings as usual.
NODE_CHECK = r"""
const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const [filename, format] = process.argv.slice(1);
const HOOKS = `let cfg;
export async function initialize(d) { cfg = d; }
export async function resolve(spec, ctx, next) {
  if (spec !== cfg.url) return next(spec, ctx);
  return { url: cfg.url, format: 'module', shortCircuit: true };
}
export async function load(url, ctx, next) {
  if (url !== cfg.url) return next(url, ctx);
  return { format: 'module', source: cfg.source, shortCircuit: true };
}`;
async function load(src) {
  if (format === 'package') return JSON.parse(src).jest;
  if (format === 'json') return JSON.parse(src);
  if (format === 'commonjs') {
    const m = new Module(filename, null);
    m.filename = filename;
    m.paths = Module._nodeModulePaths(path.dirname(filename));
    m._compile(src, filename);
    return m.exports;
  }
  const url = pathToFileURL(filename).href;
  const hooks = 'data:text/javascript,' + encodeURIComponent(HOOKS);
  Module.register(hooks, { data: { url, source: src } });
  return (await import(url)).default;
}
let src = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { src += d; });
process.stdin.on('end', () => load(src).then((cfg) => {
  if (cfg === null || (typeof cfg !== 'object' && typeof cfg !== 'function')) {
    const kind = cfg === null ? 'null' : typeof cfg;
    process.stderr.write(`the config evaluates to ${kind}, not an object\n`);
    process.exit(2);
  }
}, (e) => {
  // The source compiled; only a dependency is missing (not installed yet), which no edit of
  // ours causes.
  if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) process.exit(3);
  process.stderr.write(String((e && e.stack) || e).split('\n').slice(0, 6).join('\n') + '\n');
  process.exit(1);
}));
"""
NODE_TIMEOUT = 60.0


def module_format(text_: str, filename: str, kind: str) -> str:
    """How Node should load the file: ``commonjs``, ``module``, ``package`` or ``json``."""
    if kind != "js":
        return kind
    suffix = Path(filename).suffix
    if suffix in (".cjs", ".mjs"):
        return "commonjs" if suffix == ".cjs" else "module"
    # A .js file is ESM when the package says so; its own import/export syntax
    # is the reliable sign here.
    root = parse(text_.encode("utf-8"), "js").root_node
    esm = any(stmt.type in ("import_statement", "export_statement") for stmt in root.named_children)
    return "module" if esm else "commonjs"


def run_node(node: str, text_: str, filename: str, project_root: Path, fmt: str) -> None:
    """Load the config in Node; EditError with Node's message when it does not load."""
    path = (project_root / filename).absolute()
    cwd = path.parent if path.parent.is_dir() else None
    try:
        proc = subprocess.run(
            [node, "-e", NODE_CHECK, "--", str(path), fmt],
            input=text_,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise EditError(
            f"{filename}: Node did not finish loading the config in {NODE_TIMEOUT:.0f}s"
        ) from e
    if proc.returncode not in (0, 3):
        raise EditError(
            f"{filename}: the edited config does not load in Node:\n{proc.stderr.strip()}"
        )


ACTIONS: dict[str, Callable[[Target, Mapping[str, Any]], list[Edit]]] = {
    "expand_coverage_collection": expand_coverage_collection,
    "add_directory_thresholds": add_directory_thresholds,
}
