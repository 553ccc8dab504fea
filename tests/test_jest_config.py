"""Tests for the lossless Jest config edits (jest_config.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pytest_orchestrate.edit.jest import JEST_ACTIONS, check_jest_config, edit_jest_config
from pytest_orchestrate.errors import EditError

DATA = Path(__file__).parent / "data" / "jest"
CASES = sorted(p.name for p in DATA.iterdir() if (p / "input").is_dir())
ACTIONS = sorted(JEST_ACTIONS)

# A small project: three source folders, loose files, and folders that must not get globs.
SOURCES = [
    "src/services/payment.ts",
    "src/services/user.ts",
    "src/routes/index.ts",
    "src/routes/view.tsx",
    "src/utils/format.js",
    "src/__tests__/app.test.ts",
    "src/__mocks__/db.ts",
    "src/index.ts",
    "src/types.d.ts",
    "src/empty/README.md",
]

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def make_project(root: Path, sources: list[str] = SOURCES) -> Path:
    for rel in sources:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("export {};\n")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def case_input(case: str) -> tuple[str, str]:
    (path,) = (DATA / case / "input").iterdir()
    return path.name, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("case", CASES)
def test_golden_edit_is_exact_idempotent_and_loads(case: str, action: str, project: Path) -> None:
    filename, text = case_input(case)
    expected = (DATA / case / action / filename).read_text(encoding="utf-8")

    edited = edit_jest_config(text, action, {}, filename=filename, project_root=project)

    assert edited == expected
    assert edit_jest_config(edited, action, {}, filename=filename, project_root=project) == edited
    check_jest_config(edited, filename=filename, project_root=project)


@pytest.mark.parametrize("case", CASES)
def test_both_actions_compose_in_either_order(case: str, project: Path) -> None:
    filename, text = case_input(case)
    results = []
    for order in (ACTIONS, ACTIONS[::-1]):
        edited = text
        for action in order:
            edited = edit_jest_config(edited, action, {}, filename=filename, project_root=project)
        check_jest_config(edited, filename=filename, project_root=project)
        results.append(edited)
    for action in ACTIONS:
        assert (
            edit_jest_config(results[0], action, {}, filename=filename, project_root=project)
            == results[0]
        )


def test_realistic_config_changes_only_the_coverage_lines(project: Path) -> None:
    filename, text = case_input("cjs_realistic")
    assert len(text.splitlines()) == 40

    edited = edit_jest_config(
        text, "expand_coverage_collection", {}, filename=filename, project_root=project
    )

    added = [line for line in edited.splitlines() if line not in text.splitlines()]
    assert added == [
        "    'src/routes/**/*.{ts,tsx}',",
        "    'src/utils/**/*.js',",
        "    'src/*.ts',",
    ]
    assert edited.replace("".join(f"{line}\n" for line in added), "") == text
    # New globs go above the comment that introduces the negations.
    assert (
        edited.index("'src/*.ts'")
        < edited.index("// Generated code")
        < edited.index("'!src/**/*.generated.ts'")
    )


def test_human_threshold_numbers_are_kept(project: Path) -> None:
    filename, text = case_input("cjs_realistic")
    edited = edit_jest_config(
        text, "add_directory_thresholds", {}, filename=filename, project_root=project
    )
    assert (
        "'./src/services/': { branches: 90, functions: 90, lines: 90, statements: 90 }," in edited
    )
    assert edited.count("./src/services/") == 1
    assert "      lines: 75," in edited


def test_crlf_line_endings_are_kept(project: Path) -> None:
    filename, text = case_input("cjs_realistic")
    for action in ACTIONS:
        expected = (DATA / "cjs_realistic" / action / filename).read_text(encoding="utf-8")
        crlf = text.replace("\n", "\r\n")
        edited = edit_jest_config(crlf, action, {}, filename=filename, project_root=project)
        assert edited == expected.replace("\n", "\r\n")
        assert (
            edit_jest_config(edited, action, {}, filename=filename, project_root=project) == edited
        )


def test_broad_glob_already_covers_everything(tmp_path: Path) -> None:
    project = make_project(tmp_path, ["src/services/a.ts", "src/routes/b.ts", "src/main.ts"])
    text = "module.exports = {\n  collectCoverageFrom: ['src/**/*.ts', '!**/*.d.ts'],\n};\n"
    result = edit_jest_config(
        text, "expand_coverage_collection", {}, filename="jest.config.js", project_root=project
    )
    assert result is text


def test_braced_and_rootdir_globs_count_as_covering(tmp_path: Path) -> None:
    project = make_project(tmp_path, ["src/a/x.ts", "src/b/y.tsx", "src/c/z.js"])
    text = "module.exports = {\n  collectCoverageFrom: ['<rootDir>/src/{a,b}/**/*.{ts,tsx}'],\n};\n"
    edited = edit_jest_config(
        text, "expand_coverage_collection", {}, filename="jest.config.js", project_root=project
    )
    # Only folder c is missing, and the new glob follows the file's `<rootDir>/` prefix.
    assert edited == (
        "module.exports = {\n"
        "  collectCoverageFrom: ['<rootDir>/src/{a,b}/**/*.{ts,tsx}', '<rootDir>/src/c/**/*.js'],\n"
        "};\n"
    )


def test_explicit_folders_and_extensions(project: Path) -> None:
    text = "export default {\n  collectCoverageFrom: [],\n};\n"
    params = {"folders": ["./src/services/", "lib/new"], "extensions": ["ts"]}
    edited = edit_jest_config(
        text, "expand_coverage_collection", params, filename="jest.config.ts", project_root=project
    )
    assert (
        edited
        == "export default {\n  collectCoverageFrom: ['src/services/**/*.ts', 'lib/new/**/*.ts'],\n"
        "};\n"
    )


def test_explicit_folder_without_sources_needs_extensions(project: Path) -> None:
    text = "export default {};\n"
    with pytest.raises(
        EditError, match=r"jest\.config\.ts: lib/new has no \.ts/\.tsx/\.js/\.jsx files"
    ):
        edit_jest_config(
            text,
            "expand_coverage_collection",
            {"folders": ["lib/new"]},
            filename="jest.config.ts",
            project_root=project,
        )


def test_source_root_param_and_config_in_a_subfolder(tmp_path: Path) -> None:
    make_project(tmp_path / "frontend", ["app/pages/home.tsx", "app/api/client.ts"])
    text = "export default {\n  testEnvironment: 'jsdom',\n};\n"
    edited = edit_jest_config(
        text,
        "expand_coverage_collection",
        {"source_root": "app"},
        filename="frontend/jest.config.ts",
        project_root=tmp_path,
    )
    assert edited == (
        "export default {\n  testEnvironment: 'jsdom',\n"
        "  collectCoverageFrom: ['app/api/**/*.ts', 'app/pages/**/*.tsx'],\n};\n"
    )


def test_string_rootdir_moves_discovery(tmp_path: Path) -> None:
    make_project(tmp_path / "web", ["src/lib/a.ts"])
    text = "module.exports = {\n  rootDir: 'web',\n};\n"
    edited = edit_jest_config(
        text, "add_directory_thresholds", {}, filename="jest.config.js", project_root=tmp_path
    )
    assert "'./src/lib/': { branches: 80, functions: 80, lines: 80, statements: 80 }" in edited


def test_explicit_thresholds_numbers_and_mappings(project: Path) -> None:
    text = "module.exports = {\n  coverageThreshold: {\n    global: { lines: 50 },\n  },\n};\n"
    params = {
        "thresholds": {
            "src/services": 90,
            "./src/routes/": {"lines": 70, "branches": 60},
            "src/main.ts": 100,
        }
    }
    edited = edit_jest_config(
        text, "add_directory_thresholds", params, filename="jest.config.js", project_root=project
    )
    assert edited == (
        "module.exports = {\n  coverageThreshold: {\n    global: { lines: 50 },\n"
        "    './src/services/': { branches: 90, functions: 90, lines: 90, statements: 90 },\n"
        "    './src/routes/': { branches: 60, lines: 70 },\n"
        "    './src/main.ts': { branches: 100, functions: 100, lines: 100, statements: 100 },\n"
        "  },\n};\n"
    )


def test_existing_entry_in_another_spelling_is_left_alone(project: Path) -> None:
    text = (
        "module.exports = {\n  coverageThreshold: {\n    'src/services': { lines: 10 },\n  },\n};\n"
    )
    params = {"thresholds": {"src/services": 90}}
    result = edit_jest_config(
        text, "add_directory_thresholds", params, filename="jest.config.js", project_root=project
    )
    assert result is text


def test_threshold_param_sets_the_default_level(project: Path) -> None:
    text = "module.exports = {};\n"
    edited = edit_jest_config(
        text,
        "add_directory_thresholds",
        {"threshold": 65},
        filename="jest.config.js",
        project_root=project,
    )
    assert "'./src/utils/': { branches: 65, functions: 65, lines: 65, statements: 65 }" in edited


def test_spread_after_the_key_is_fine_but_before_or_instead_is_refused(project: Path) -> None:
    after = "module.exports = {\n  ...base,\n  collectCoverageFrom: ['src/**/*.{ts,tsx,js}'],\n};\n"
    result = edit_jest_config(
        after, "expand_coverage_collection", {}, filename="jest.config.js", project_root=project
    )
    assert result is after
    for text in (
        "module.exports = {\n  ...base,\n  preset: 'ts-jest',\n};\n",
        "module.exports = {\n  collectCoverageFrom: [],\n  ...base,\n};\n",
    ):
        with pytest.raises(EditError) as info:
            edit_jest_config(
                text,
                "expand_coverage_collection",
                {},
                filename="jest.config.js",
                project_root=project,
            )
        assert str(info.value) == (
            "jest.config.js: cannot edit this config automatically: "
            "`collectCoverageFrom` may come from the spread `...base`"
        )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            "module.exports = require('./jest.base');\n",
            "the config is `require('./jest.base')`, not an object literal",
        ),
        ("module.exports = async () => ({ preset: 'ts-jest' });\n", "the config is a function"),
        ("export default function config() { return {}; }\n", "the config is a function"),
        (
            "const base = require('./b');\nmodule.exports = base;\n",
            "the config is `require('./b')`",
        ),
        (
            "module.exports = { coverageThreshold };\n",
            "`coverageThreshold` is defined as `coverageThreshold`",
        ),
        (
            "module.exports = { coverageThreshold: shared };\n",
            "`coverageThreshold` is not an object literal",
        ),
        (
            "const c = {};\nc.coverageThreshold = {};\nmodule.exports = c;\n",
            "`c.coverageThreshold` is assigned after",
        ),
        ("module.exports = merge(a, b);\n", "not a call with one object literal"),
        (
            "exports.preset = 'ts-jest';\n",
            "found no top-level `module.exports = …` or `export default …`",
        ),
        ("module.exports = config;\n", "`config` is not a top-level const/let/var with a value"),
        (
            "module.exports = { coverageThreshold: { ...shared } };\n",
            "`coverageThreshold` spreads `...shared`",
        ),
    ],
)
def test_configs_that_are_not_literals_are_refused(text: str, why: str, project: Path) -> None:
    with pytest.raises(
        EditError, match="^jest.config.js: cannot edit this config automatically: "
    ) as info:
        edit_jest_config(
            text, "add_directory_thresholds", {}, filename="jest.config.js", project_root=project
        )
    assert why in str(info.value)


def test_non_literal_rootdir_blocks_discovery_only(project: Path) -> None:
    text = "module.exports = {\n  rootDir: path.join(__dirname, 'x'),\n};\n"
    with pytest.raises(EditError, match="`rootDir` is not a string literal"):
        edit_jest_config(
            text, "add_directory_thresholds", {}, filename="jest.config.js", project_root=project
        )
    edited = edit_jest_config(
        text,
        "add_directory_thresholds",
        {"thresholds": {"src/a": 80}},
        filename="jest.config.js",
        project_root=project,
    )
    assert "'./src/a/'" in edited


def test_invalid_javascript_reports_the_line(project: Path) -> None:
    text = "module.exports = {\n  preset: 'ts-jest',\n  collectCoverageFrom: [\n};\n"
    with pytest.raises(
        EditError, match=r"^jest\.config\.js:3: not valid JavaScript \(missing '\]'\)$"
    ):
        edit_jest_config(
            text, "expand_coverage_collection", {}, filename="jest.config.js", project_root=project
        )


def test_invalid_typescript_reports_the_line(project: Path) -> None:
    text = (
        "const config: Config = {\n  preset: 'ts-jest'\n  testEnvironment: 'node',\n};\n"
        "export default config;\n"
    )
    with pytest.raises(EditError, match=r"^jest\.config\.ts:\d: not valid TypeScript"):
        edit_jest_config(
            text, "add_directory_thresholds", {}, filename="jest.config.ts", project_root=project
        )


@pytest.mark.parametrize("filename", ["ci.yml", ".github/workflows/test.yaml", "jest.config"])
def test_wrong_file_kind_is_refused(filename: str, project: Path) -> None:
    with pytest.raises(EditError, match=r"expand_coverage_collection needs a Jest config"):
        edit_jest_config(
            "a: 1\n", "expand_coverage_collection", {}, filename=filename, project_root=project
        )
    with pytest.raises(EditError, match=r"needs a Jest config"):
        check_jest_config("a: 1\n", filename=filename, project_root=project)


def test_unknown_action_is_refused(project: Path) -> None:
    with pytest.raises(EditError, match="unknown Jest action 'set_preset'"):
        edit_jest_config(
            "module.exports = {};\n",
            "set_preset",
            {},
            filename="jest.config.js",
            project_root=project,
        )


def test_package_json_without_jest_key_is_refused(project: Path) -> None:
    text = '{\n  "name": "x"\n}\n'
    with pytest.raises(EditError, match='package.json: has no "jest" key'):
        edit_jest_config(
            text, "add_directory_thresholds", {}, filename="package.json", project_root=project
        )


def test_invalid_package_json_reports_the_line(project: Path) -> None:
    text = '{\n  "name": "x",\n  "jest": {,}\n}\n'
    with pytest.raises(EditError, match=r"^package\.json:3: invalid JSON"):
        edit_jest_config(
            text, "add_directory_thresholds", {}, filename="package.json", project_root=project
        )


def test_missing_source_root_is_reported(tmp_path: Path) -> None:
    with pytest.raises(
        EditError, match=r"jest\.config\.js: no src/ folder next to the config; pass `folders`"
    ):
        edit_jest_config(
            "module.exports = {};\n",
            "expand_coverage_collection",
            {},
            filename="jest.config.js",
            project_root=tmp_path,
        )


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("expand_coverage_collection", {"folders": "src/a"}, "`folders` must be a list"),
        ("expand_coverage_collection", {"extensions": ["py"]}, "`extensions` must be a list"),
        (
            "add_directory_thresholds",
            {"thresholds": {"src/a": {"lines": "high"}}},
            "threshold for 'src/a'",
        ),
        (
            "add_directory_thresholds",
            {"thresholds": {"src/a": {"loc": 80}}},
            "threshold for 'src/a'",
        ),
        ("add_directory_thresholds", {"thresholds": []}, "`thresholds` must map"),
        ("add_directory_thresholds", {"threshold": True}, "`threshold` must be a number"),
    ],
)
def test_bad_params_are_reported(
    action: str, params: dict[str, Any], message: str, project: Path
) -> None:
    with pytest.raises(EditError, match=r"^jest\.config\.js: ") as info:
        edit_jest_config(
            "module.exports = {};\n",
            action,
            params,
            filename="jest.config.js",
            project_root=project,
        )
    assert message in str(info.value)


@needs_node
@pytest.mark.parametrize(
    ("filename", "text", "message"),
    [
        ("jest.config.js", "module.exports = {\n  a: [1,\n};\n", "SyntaxError"),
        ("jest.config.cjs", "module.exports = 5;\n", "evaluates to number"),
        ("jest.config.mjs", "export default { a: 1\n", "SyntaxError"),
        ("jest.config.js", "import x from 'node:path';\nexport default {a: }\n", "SyntaxError"),
        ("jest.config.js", "module.exports = { a: undefinedName };\n", "ReferenceError"),
        ("package.json", '{"jest": 1}', "evaluates to number"),
        ("package.json", '{"jest": {,}}', "SyntaxError"),
        ("jest.config.json", "1", "evaluates to number"),
    ],
)
def test_node_check_rejects_configs_that_do_not_load(
    filename: str, text: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(
        EditError, match=f"^{filename}: the edited config does not load in Node"
    ) as info:
        check_jest_config(text, filename=filename, project_root=tmp_path)
    assert message in str(info.value)


@needs_node
def test_node_check_resolves_relative_requires_and_imports(tmp_path: Path) -> None:
    (tmp_path / "base.cjs").write_text("module.exports = { testEnvironment: 'node' };\n")
    check_jest_config(
        "const base = require('./base.cjs');\nmodule.exports = { ...base };\n",
        filename="jest.config.js",
        project_root=tmp_path,
    )
    check_jest_config(
        "import base from './base.cjs';\nexport default { ...base };\n",
        filename="jest.config.mjs",
        project_root=tmp_path,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.cjs"]


@needs_node
def test_node_check_tolerates_dependencies_that_are_not_installed(tmp_path: Path) -> None:
    check_jest_config(
        "const { defaults } = require('ts-jest/presets');\n"
        "module.exports = { transform: defaults.transform };\n",
        filename="jest.config.js",
        project_root=tmp_path,
    )
    check_jest_config(
        "import { defineConfig } from 'jest';\nexport default defineConfig({});\n",
        filename="jest.config.mjs",
        project_root=tmp_path,
    )


def test_typescript_check_is_a_clean_reparse(tmp_path: Path) -> None:
    check_jest_config(
        "export default { a: 1 } satisfies Config;\n",
        filename="jest.config.ts",
        project_root=tmp_path,
    )
    with pytest.raises(
        EditError, match=r"^jest\.config\.ts:2: not valid TypeScript \(missing '\]'\)$"
    ):
        check_jest_config(
            "export default {\n  a: [1,\n};\n", filename="jest.config.ts", project_root=tmp_path
        )


def test_without_node_the_check_falls_back_to_a_reparse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    check_jest_config("module.exports = {};\n", filename="jest.config.js", project_root=tmp_path)
    check_jest_config('{"jest": {}}', filename="package.json", project_root=tmp_path)
    with pytest.raises(EditError, match=r"^jest\.config\.js:1: not valid JavaScript"):
        check_jest_config("module.exports = {;\n", filename="jest.config.js", project_root=tmp_path)
    with pytest.raises(EditError, match=r'^package\.json: "jest" is not an object'):
        check_jest_config('{"jest": 1}', filename="package.json", project_root=tmp_path)


def test_edits_are_pure(project: Path) -> None:
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    filename, text = case_input("cjs_realistic")
    for action in ACTIONS:
        check_jest_config(
            edit_jest_config(text, action, {}, filename=filename, project_root=project),
            filename=filename,
            project_root=project,
        )
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_comments_after_an_item_without_comma_stay_with_it(project: Path) -> None:
    text = (
        "module.exports = {\n  coverageThreshold: {\n    global: { lines: 1 } // agreed in review\n"
        "  }\n}\n"
    )
    params = {"thresholds": {"src/a": 50}}
    edited = edit_jest_config(
        text, "add_directory_thresholds", params, filename="jest.config.js", project_root=project
    )
    assert edited == (
        "module.exports = {\n  coverageThreshold: {\n"
        "    global: { lines: 1 }, // agreed in review\n"
        "    './src/a/': { branches: 50, functions: 50, lines: 50, statements: 50 }\n  }\n}\n"
    )


def test_multibyte_text_before_the_edit_point(project: Path) -> None:
    text = (
        "// Konfiguration für Jest ☕\n"
        "module.exports = {\n  collectCoverageFrom: [\n    'src/services/**/*.ts', // é\n  ],\n};\n"
    )
    edited = edit_jest_config(
        text, "expand_coverage_collection", {}, filename="jest.config.js", project_root=project
    )
    assert edited == text.replace(
        "// é\n",
        "// é\n    'src/routes/**/*.{ts,tsx}',\n    'src/utils/**/*.js',\n    'src/*.ts',\n",
    )


def test_brace_padding_follows_the_file(project: Path) -> None:
    text = "module.exports = {\n  coverageThreshold: {global: {lines: 1}},\n};\n"
    params = {"thresholds": {"src/a": {"lines": 5}}}
    edited = edit_jest_config(
        text, "add_directory_thresholds", params, filename="jest.config.js", project_root=project
    )
    assert (
        edited == "module.exports = {\n"
        "  coverageThreshold: {global: {lines: 1}, './src/a/': {lines: 5}},\n};\n"
    )


@pytest.mark.parametrize(
    ("filename", "text"),
    [
        ("jest.config.ts", "export = {\n  preset: 'ts-jest',\n};\n"),
        ("jest.config.ts", "export default <Config>{\n  preset: 'ts-jest',\n};\n"),
        ("jest.config.ts", "export default defineConfig({\n  preset: 'ts-jest',\n}) as Config;\n"),
        ("jest.config.js", "module.exports = ({\n  preset: 'ts-jest',\n});\n"),
        (
            "jest.config.mts",
            "const base = {\n  preset: 'ts-jest',\n};\nconst config = base;\n"
            "export default config;\n",
        ),
    ],
)
def test_other_object_literal_forms_are_found(filename: str, text: str, project: Path) -> None:
    params = {"folders": ["src/services"]}
    edited = edit_jest_config(
        text, "expand_coverage_collection", params, filename=filename, project_root=project
    )
    assert edited == text.replace(
        "  preset: 'ts-jest',\n",
        "  preset: 'ts-jest',\n  collectCoverageFrom: ['src/services/**/*.ts'],\n",
    )
    check_jest_config(edited, filename=filename, project_root=project)


def test_ratchet_raises_floors_and_never_lowers_them(tmp_path: Path) -> None:
    text = (
        "module.exports = {\n"
        "  coverageThreshold: {\n"
        "    global: { lines: 20 },\n"
        "    // services have tests already\n"
        "    './src/services/': { branches: 30, functions: 95, lines: 45 },\n"
        "  },\n"
        "};\n"
    )
    params = {"thresholds": {"./src/services/": 80, "./src/routes/": 80}, "ratchet": True}
    out = edit_jest_config(
        text, "add_directory_thresholds", params, filename="jest.config.js", project_root=tmp_path
    )
    assert out.splitlines()[:5] == [
        "module.exports = {",
        "  coverageThreshold: {",
        "    global: { lines: 20 },",
        "    // services have tests already",
        "    './src/services/': { branches: 80, functions: 95, lines: 80 },",
    ]
    assert "'./src/routes/': { branches: 80, functions: 80, lines: 80, statements: 80 }," in out
    assert (
        edit_jest_config(
            out,
            "add_directory_thresholds",
            params,
            filename="jest.config.js",
            project_root=tmp_path,
        )
        is out
    )
    # Without ratchet, an existing entry is a human's number and stays.
    kept = edit_jest_config(
        text,
        "add_directory_thresholds",
        {"thresholds": {"./src/services/": 80}},
        filename="jest.config.js",
        project_root=tmp_path,
    )
    assert kept is text
