"""Where a generated Jest test goes and how it names modules: the target's own conventions.

Reads the Jest config statically (``jest.config.{js,ts,mjs,cjs,json}`` or ``package.json``'s
``"jest"``; literal values only, through tree-sitter, so a dry run executes nothing) and the
existing tests, then picks the layout most existing tests use: co-located ``__tests__/``,
beside the source, or a mirror under a test folder (``tests/<path>``, ``tests/unit/<path>``).
The chosen path must match the config's ``testMatch``/``testRegex`` and lie under its
``roots``, or Jest would never run it.

It does not write files or decide ownership; the handler does.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import tree_sitter

from ...analyse.typescript import language_for, parse
from ...errors import TaskFailed

Layout = Literal["colocated", "sibling", "mirrored"]

CONFIG_NAMES = (
    "jest.config.js",
    "jest.config.ts",
    "jest.config.mjs",
    "jest.config.cjs",
    "jest.config.json",
)
DEFAULT_TEST_MATCH = ("**/__tests__/**/*.[jt]s?(x)", "**/?(*.)+(spec|test).[jt]s?(x)")
SOURCE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
IGNORED_DIRS = frozenset({"node_modules", ".git", "dist", "build", "coverage", ".next", "out"})
TEST_NAME = re.compile(r"^(?P<stem>.+?)(?P<suffix>\.(?:gen\.)?(?:test|spec))\.[cm]?[jt]sx?$")


@dataclass(frozen=True)
class JestSettings:
    """The parts of a Jest config that decide which files are tests and how modules resolve."""

    root_dir: str  # relative to the project root: where the config lives
    roots: tuple[str, ...]  # relative to the project root; ("",) is the root dir itself
    test_match: tuple[str, ...]
    test_regex: tuple[str, ...]
    module_name_mapper: tuple[tuple[str, str], ...]
    setup_files: tuple[str, ...]  # setupFiles + setupFilesAfterEnv, relative to the project root
    config_file: str | None

    def is_alias(self, specifier: str) -> bool:
        """Whether a non-relative import goes through ``moduleNameMapper`` (a project alias)."""
        return any(_search(pattern, specifier) for pattern, _ in self.module_name_mapper)

    def finds(self, rel: str) -> bool:
        """Whether Jest would collect ``rel`` (project-relative) as a test file."""
        in_root = any(
            r == "" or rel == r or rel.startswith(r.rstrip("/") + "/") for r in self.roots
        )
        if not in_root or any(part in IGNORED_DIRS for part in rel.split("/")):
            return False
        if self.test_regex:
            return any(_search(pattern, "/" + rel) for pattern in self.test_regex)
        return any(glob_match(glob, rel) for glob in self.test_match)


@dataclass(frozen=True)
class Convention:
    """How this project names a source file's test."""

    layout: Layout
    test_dir: str  # mirrored: the folder tests live under ("tests", "tests/unit"); else ""
    strip: str  # mirrored: the source prefix the mirror drops ("src"); else ""
    suffix: str  # ".test" or ".spec"

    def test_path(self, source: str, *, extra: str = "") -> str:
        """The test file for ``source``; ``extra`` goes before the suffix (``.gen``)."""
        folder, name = posixpath.split(source)
        stem, ext = posixpath.splitext(name)
        filename = f"{stem}{extra}{self.suffix}{_test_ext(ext)}"
        if self.layout == "colocated":
            return posixpath.join(folder, "__tests__", filename)
        if self.layout == "sibling":
            return posixpath.join(folder, filename)
        inner = folder
        if self.strip and (folder == self.strip or folder.startswith(self.strip + "/")):
            inner = folder[len(self.strip) :].lstrip("/")
        return posixpath.join(self.test_dir, inner, filename)


def _test_ext(source_ext: str) -> str:
    """A test file's extension for a source's: TS stays TS, TSX stays TSX, the rest is JS."""
    return {".ts": ".ts", ".mts": ".ts", ".cts": ".ts", ".tsx": ".tsx", ".jsx": ".jsx"}.get(
        source_ext, ".js"
    )


# ------------------------------------------------------------ reading the Jest config


def read_jest_settings(root: Path) -> JestSettings:
    """The target's Jest settings, from its config or ``package.json``; defaults without either."""
    for name in CONFIG_NAMES:
        path = root / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if name.endswith(".json") else config_literal(text, name)
            return _settings(data, ".", name)
    package = root / "package.json"
    if package.is_file():
        try:
            data = json.loads(package.read_text(encoding="utf-8")).get("jest")
        except (ValueError, AttributeError):
            data = None
        if isinstance(data, dict):
            return _settings(data, ".", "package.json")
    return _settings({}, ".", None)


def _settings(data: dict[str, Any], root_dir: str, config_file: str | None) -> JestSettings:
    def rel(value: str) -> str:
        value = value.replace("<rootDir>", "").lstrip("/")
        return posixpath.normpath(posixpath.join(root_dir, value)) if value else ""

    roots = tuple(rel(r) for r in _strings(data.get("roots"))) or ("",)
    test_regex = _strings(data.get("testRegex"))
    test_match = _strings(data.get("testMatch")) or ((), DEFAULT_TEST_MATCH)[not test_regex]
    mapper = data.get("moduleNameMapper")
    pairs = tuple((k, str(v)) for k, v in mapper.items()) if isinstance(mapper, dict) else ()
    setup = _strings(data.get("setupFiles")) + _strings(data.get("setupFilesAfterEnv"))
    return JestSettings(
        root_dir=root_dir,
        roots=tuple(r if r != "." else "" for r in roots),
        test_match=test_match,
        test_regex=test_regex,
        module_name_mapper=pairs,
        setup_files=tuple(rel(s) for s in setup if s.startswith("<rootDir>") or s.startswith(".")),
        config_file=config_file,
    )


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def config_literal(text: str, filename: str) -> dict[str, Any]:
    """The literal parts of a JS/TS Jest config object; unknown values are left out.

    Finds `module.exports = {...}`, `export default {...}`, `defineConfig({...})` and
    `const config = {...}; export default config`.
    """
    data = text.encode("utf-8")
    tree = parse(data, "typescript" if language_for(filename) != "javascript" else "javascript")
    consts: dict[str, tree_sitter.Node] = {}
    found: tree_sitter.Node | None = None
    for statement in tree.root_node.named_children:
        for declarator in _declarators(statement):
            name, value = (
                declarator.child_by_field_name("name"),
                declarator.child_by_field_name("value"),
            )
            if name is not None and value is not None:
                consts[_text(data, name)] = value
        candidate = _exported_value(data, statement)
        if candidate is not None:
            found = candidate
    while found is not None:
        found = _unwrap(found)
        if found.type == "identifier" and _text(data, found) in consts:
            found = consts.pop(_text(data, found))
        elif found.type == "call_expression":  # defineConfig({...})
            args = found.child_by_field_name("arguments")
            found = args.named_children[0] if args is not None and args.named_children else None
        else:
            break
    value = _literal(data, found) if found is not None else None
    return value if isinstance(value, dict) else {}


def _declarators(statement: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    if statement.type == "export_statement":
        inner = statement.child_by_field_name("declaration")
        statement = inner if inner is not None else statement
    if statement.type in ("lexical_declaration", "variable_declaration"):
        yield from (c for c in statement.named_children if c.type == "variable_declarator")


def _exported_value(data: bytes, statement: tree_sitter.Node) -> tree_sitter.Node | None:
    if statement.type == "export_statement":
        return statement.child_by_field_name("value")
    if statement.type == "expression_statement" and statement.named_children:
        expression = statement.named_children[0]
        if expression.type == "assignment_expression":
            left = expression.child_by_field_name("left")
            if left is not None and _text(data, left) == "module.exports":
                return expression.child_by_field_name("right")
    return None


def _unwrap(node: tree_sitter.Node) -> tree_sitter.Node:
    while (
        node.type in ("parenthesized_expression", "as_expression", "satisfies_expression")
        and node.named_children
    ):
        node = node.named_children[0]
    return node


def _text(data: bytes, node: tree_sitter.Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8")


def _literal(data: bytes, node: tree_sitter.Node) -> Any:
    node = _unwrap(node)
    kind = node.type
    if kind == "object":
        result: dict[str, Any] = {}
        for pair in node.named_children:
            if pair.type != "pair":
                continue
            key = pair.child_by_field_name("key")
            value = pair.child_by_field_name("value")
            if key is None or value is None:
                continue
            key_text = _text(data, key)
            if key.type == "string":
                key_text = key_text[1:-1]
            literal = _literal(data, value)
            if literal is not None:
                result[key_text] = literal
        return result
    if kind == "array":
        items = [_literal(data, item) for item in node.named_children if item.type != "comment"]
        return [item for item in items if item is not None]
    if kind == "string":
        return _text(data, node)[1:-1].replace("\\\\", "\\")
    if kind == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return _text(data, node)[1:-1]
    if kind == "regex":
        pattern = node.child_by_field_name("pattern")
        return _text(data, pattern) if pattern is not None else None
    if kind == "number":
        text = _text(data, node)
        return float(text) if "." in text else int(text, 0)
    if kind in ("true", "false"):
        return kind == "true"
    return None


# --------------------------------------------------------------------------- micromatch-style globs


@functools.cache
def _glob_regex(glob: str) -> re.Pattern[str]:
    """A regex for a micromatch glob: ``**``, ``*``, ``?``, ``[...]``, ``{a,b}``, extglobs."""
    glob = glob.replace("<rootDir>/", "").lstrip("/")
    return re.compile(
        r"(?:^|.*/)" + _glob_part(glob) + r"\Z"
        if glob.startswith("**/")
        else r"\A" + _glob_part(glob) + r"\Z"
    )


def _glob_part(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append(r"(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(r".*")
            i += 2
            continue
        if c in "?*+@!" and i + 1 < len(glob) and glob[i + 1] == "(":
            end = _closing(glob, i + 1, "(", ")")
            body = "|".join(_glob_part(p) for p in _split_top(glob[i + 2 : end], "|"))
            out.append(
                {
                    "?": f"(?:{body})?",
                    "*": f"(?:{body})*",
                    "+": f"(?:{body})+",
                    "@": f"(?:{body})",
                    "!": r"[^/]*",
                }[c]
            )
            i = end + 1
            continue
        if c == "{":
            end = _closing(glob, i, "{", "}")
            out.append(
                "(?:" + "|".join(_glob_part(p) for p in _split_top(glob[i + 1 : end], ",")) + ")"
            )
            i = end + 1
            continue
        if c == "[":
            end = glob.find("]", i)
            if end > i:
                out.append(glob[i : end + 1].replace("[!", "[^"))
                i = end + 1
                continue
        out.append({"*": r"[^/]*", "?": r"[^/]"}.get(c, re.escape(c)))
        i += 1
    return "".join(out)


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return len(text) - 1


def _split_top(body: str, separator: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for c in body:
        if c in "({":
            depth += 1
        elif c in ")}":
            depth -= 1
        if c == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += c
    return parts + [current]


def glob_match(glob: str, rel: str) -> bool:
    """Whether project-relative ``rel`` matches a Jest ``testMatch`` glob."""
    return _glob_regex(glob).search(rel) is not None


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


# ------------------------------------------------------------ the layout of existing tests


def detect_convention(root: Path, settings: JestSettings) -> Convention:
    """The layout and suffix most existing tests use; a sensible default when there are none."""
    files = list(_files(root))  # walked once for both the tests and the sources
    tests = [path for path in sorted(files) if settings.finds(path)]
    sources = _source_index(files, set(tests))
    layouts: Counter[tuple[Layout, str, str]] = Counter()
    suffixes: Counter[str] = Counter()
    for test in tests:
        match = TEST_NAME.match(posixpath.basename(test))
        if match is None:
            continue
        suffixes[match["suffix"].replace(".gen", "")] += 1
        for source in sources.get(match["stem"], ()):
            layouts[_layout_of(test, source)] += 1
    suffix = suffixes.most_common(1)[0][0] if suffixes else ".test"
    if layouts:
        (layout, test_dir, strip), _ = max(layouts.items(), key=lambda item: (item[1], item[0]))
        return Convention(layout, test_dir, strip, suffix)
    return _default_convention(root, settings, suffix)


def _default_convention(root: Path, settings: JestSettings, suffix: str) -> Convention:
    for folder in ("tests", "test", "__tests__"):
        in_roots = any(r in ("", folder) or r.startswith(folder + "/") for r in settings.roots)
        if (root / folder).is_dir() and in_roots:
            return Convention("mirrored", folder, "src" if (root / "src").is_dir() else "", suffix)
    return Convention("colocated", "", "", suffix)


def _layout_of(test: str, source: str) -> tuple[Layout, str, str]:
    test_dir, source_dir = posixpath.dirname(test), posixpath.dirname(source)
    if test_dir == source_dir:
        return "sibling", "", ""
    if test_dir == posixpath.join(source_dir, "__tests__"):
        return "colocated", "", ""
    test_parts, source_parts = test_dir.split("/"), [p for p in source_dir.split("/") if p]
    common = 0
    while (
        common < min(len(test_parts), len(source_parts))
        and test_parts[-1 - common] == source_parts[-1 - common]
    ):
        common += 1
    test_prefix = "/".join(test_parts[: len(test_parts) - common])
    strip = "/".join(source_parts[: len(source_parts) - common])
    return "mirrored", test_prefix, strip


def existing_tests(root: Path, settings: JestSettings) -> Iterator[str]:
    """Project-relative test files Jest would collect today, in sorted order."""
    for path in sorted(_files(root)):
        if settings.finds(path):
            yield path


def _files(root: Path) -> Iterator[str]:
    # os.scandir, not pathlib: a project has thousands of files, and this runs once per task.
    stack = [(os.fspath(root), "")]  # (folder, its project-relative prefix)
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as found:
                entries = list(found)
        except OSError:
            continue
        for entry in entries:
            if entry.name in IGNORED_DIRS or entry.name.startswith("."):
                continue
            if entry.is_dir() and not entry.is_symlink():
                stack.append((entry.path, f"{prefix}{entry.name}/"))
            elif PurePosixPath(entry.name).suffix in SOURCE_SUFFIXES:
                yield prefix + entry.name


def _source_index(files: Iterable[str], tests: set[str]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for path in files:
        if path in tests or TEST_NAME.match(posixpath.basename(path)):
            continue
        stem = posixpath.splitext(posixpath.basename(path))[0]
        index.setdefault(stem, []).append(path)
    return index


# --------------------------------------------------------------------------- choosing the output


def candidate_outputs(source: str, convention: Convention) -> list[str]:
    """Test paths for ``source``, best first: the convention's, then the common layouts."""
    layouts = [convention] + [
        Convention(layout, convention.test_dir, convention.strip, convention.suffix)
        for layout in ("colocated", "sibling")
        if layout != convention.layout
    ]
    return list(dict.fromkeys(c.test_path(source) for c in layouts))


def generated_name(path: str) -> str:
    """``x.test.ts`` -> ``x.gen.test.ts``: beside a hand-written test, still a test file."""
    folder, name = posixpath.split(path)
    match = TEST_NAME.match(name)
    if match is None:
        return path
    return posixpath.join(folder, f"{match['stem']}.gen{name[len(match['stem']) :]}")


def module_specifier(from_file: str, to_module: str) -> str:
    """An import path from test file ``from_file`` to project file ``to_module``."""
    target = posixpath.splitext(to_module)[0]
    rel = posixpath.relpath(target, posixpath.dirname(from_file) or ".")
    return rel if rel.startswith(".") else "./" + rel


def resolve_import(source_file: str, specifier: str) -> str:
    """The project module (no extension) a relative ``specifier`` in ``source_file`` names."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_file), specifier))


def require_found(settings: JestSettings, output: str, sources: Sequence[str]) -> None:
    """Refuse an explicit ``output`` Jest would not collect, naming the patterns it must match."""
    if settings.finds(output):
        return
    patterns = ", ".join(settings.test_regex or settings.test_match)
    roots = ", ".join(r or "<rootDir>" for r in settings.roots)
    raise TaskFailed(
        f"output {output} would not be run by Jest (roots: {roots}; patterns: {patterns}); "
        f"choose a path that matches, or leave output out for {', '.join(sources)}"
    )
