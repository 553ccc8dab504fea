"""The config_edit actions on the forms real repositories write, not only the bundled example's.

Each form is a golden file under data/forms/: the edit is exact, nothing outside the edited step
(or config key) changes, a second run changes nothing, and the result still loads (GitHub's
schema for workflows, Node for Jest configs). A form no action recognises fails with a message
that lists what was seen.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pytest_orchestrate.edit.jest import check_jest_config, edit_jest_config
from pytest_orchestrate.edit.workflow import check_workflow, edit_yaml, edit_yaml_noted
from pytest_orchestrate.errors import EditError

DATA = Path(__file__).parent / "data" / "forms"
WORKFLOWS = DATA / "workflows"
JEST = DATA / "jest"
TYPESCRIPT = Path(__file__).parents[1] / "examples" / "educonnect" / "node_modules" / "typescript"


def read(name: str) -> str:
    return (WORKFLOWS / name).read_text(encoding="utf-8")


def make_files(root: Path, *names: str) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("export {};\n" if name.endswith((".ts", ".tsx", ".js")) else "")
    return root


def changes(before: str, after: str) -> list[tuple[str, int]]:
    """("insert", row) for lines inserted in front of row `row` of `before`; ("edit", row) for
    each row replaced or deleted."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    found: list[tuple[str, int]] = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "insert":
            found.append(("insert", i1))
        elif tag != "equal":
            found += [("edit", row) for row in range(i1, i2)]
    return found


def step_span(text: str, first_line: str) -> range:
    """The rows of the workflow step whose first line is `first_line` (stripped)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == first_line)
    dash = lines[start].index("-")
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > dash
    ):
        end += 1
    return range(start, end)


def assert_only_within(before: str, after: str, rows: range) -> None:
    """Every line outside `rows` of `before` is in `after`, unchanged and in order."""
    outside = [
        row + 1
        for kind, row in changes(before, after)
        if not (rows.start <= row < rows.stop or (kind == "insert" and row == rows.stop))
    ]
    assert not outside, f"lines changed outside the edited region: {outside}"
    b, a = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert a[: rows.start] == b[: rows.start]
    tail = len(b) - rows.stop
    assert a[len(a) - tail :] == b[rows.stop :]


# --- workflows -------------------------------------------------------------------------

SAFETY_FORMS = [
    "safety_uv_run",
    "safety_poetry_run",
    "safety_pipenv_run",
    "safety_pdm_run",
    "safety_hatch_run",
    "safety_python_m",
    "safety_pipx_run",
    "safety_uvx",
]

# (case, action, project files, the edited step's first line; "after:" for an insertion after it)
WORKFLOW_FORMS: list[tuple[str, str, tuple[str, ...], str]] = [
    *[
        (case, "remove_continue_on_error", (), "- name: Audit dependencies")
        for case in SAFETY_FORMS
    ],
    ("safety_multiline", "remove_continue_on_error", (), "- name: Dependency scan"),
    ("trivy_action_tag", "make_trivy_blocking", (), "- name: Trivy"),
    (
        "trivy_action_sha",
        "make_trivy_blocking",
        (),
        "- name: Run Trivy vulnerability scanner in repo mode",
    ),
    ("trivy_fs_run", "make_trivy_blocking", (), "- name: Scan dependencies"),
    ("trivy_image_run", "make_trivy_blocking", (), "- name: Scan image"),
    ("trivy_docker_run", "make_trivy_blocking", (), "- name: Trivy (docker)"),
    (
        "migration_npm_setup_node_cache",
        "add_migration_step",
        ("package-lock.json",),
        "after:- run: npm ci --prefer-offline --no-audit",
    ),
    ("migration_yarn", "add_migration_step", ("yarn.lock",), "after:- name: Install"),
    (
        "migration_pnpm",
        "add_migration_step",
        ("pnpm-lock.yaml",),
        "after:- run: pnpm install --frozen-lockfile",
    ),
    (
        "migration_bun",
        "add_migration_step",
        ("bun.lockb",),
        "after:- run: bun install --frozen-lockfile",
    ),
    (
        "migration_pip",
        "add_migration_step",
        ("requirements.txt", "manage.py"),
        "after:- name: Install Dependencies",
    ),
    (
        "migration_uv",
        "add_migration_step",
        ("uv.lock", "alembic.ini"),
        "after:- run: uv sync --frozen --all-extras",
    ),
    (
        "migration_poetry",
        "add_migration_step",
        ("poetry.lock", "backend/alembic.ini"),
        "after:- name: Install dependencies",
    ),
]


@pytest.mark.parametrize(
    ("case", "action", "files", "step"), WORKFLOW_FORMS, ids=[f[0] for f in WORKFLOW_FORMS]
)
def test_workflow_form_is_edited_in_place_once(
    tmp_path: Path, case: str, action: str, files: tuple[str, ...], step: str
) -> None:
    root = make_files(tmp_path, *files)
    text = read(f"{case}.input.yml")
    after = edit_yaml(text, action, {}, filename="ci.yml", project_root=root)
    assert after == read(f"{case}.expected.yml")
    span = step_span(text, step.removeprefix("after:"))
    # An insertion goes right below the step; an edit stays inside it.
    assert_only_within(text, after, range(span.stop, span.stop) if "after:" in step else span)
    assert edit_yaml(after, action, {}, filename="ci.yml", project_root=root) is after
    check_workflow(after, filename="ci.yml")


def test_the_migration_runs_where_the_install_ran(tmp_path: Path) -> None:
    text = read("migration_poetry.input.yml")
    root = make_files(tmp_path, "poetry.lock", "backend/alembic.ini")
    after = edit_yaml(text, "add_migration_step", {}, filename="ci.yml", project_root=root)
    assert (
        "      - name: Run database migrations\n        working-directory: backend\n"
        "        run: poetry run alembic upgrade head\n      - name: Run tests\n" in after
    )


def test_a_python_project_without_a_known_migration_tool_needs_a_command(tmp_path: Path) -> None:
    text = read("migration_uv.input.yml")
    root = make_files(tmp_path, "uv.lock")
    with pytest.raises(EditError) as error:
        edit_yaml(text, "add_migration_step", {}, filename="ci.yml", project_root=root)
    assert str(error.value) == (
        "ci.yml: action add_migration_step: the job installs with uv but the project has no "
        "manage.py or alembic.ini, so its migration command is unknown; pass params command"
    )
    after = edit_yaml(
        text,
        "add_migration_step",
        {"command": "uv run python -m app.migrate"},
        filename="ci.yml",
        project_root=root,
    )
    assert "        run: uv run python -m app.migrate\n" in after


# --- stale comments -----------------------------------------------------------------------


def test_a_comment_the_edit_made_stale_is_reported_with_its_line(tmp_path: Path) -> None:
    text = read("trivy_fs_run.input.yml")
    after, notes = edit_yaml_noted(
        text, "make_trivy_blocking", {}, filename="ci.yml", project_root=tmp_path
    )
    assert after == read("trivy_fs_run.expected.yml")
    assert notes == [
        "ci.yml line 10's comment says the step does not fail the build; now it does: "
        "# Report only: the scan does not block merges yet. "
        "(params remove_stale_comments: true removes it)"
    ]
    assert after.splitlines()[9] == "      # Report only: the scan does not block merges yet."


@pytest.mark.parametrize(
    ("case", "action", "step"),
    [
        ("trivy_fs_run", "make_trivy_blocking", "- name: Scan dependencies"),
        ("safety_multiline", "remove_continue_on_error", "- name: Dependency scan"),
    ],
)
def test_remove_stale_comments_removes_them_once(
    tmp_path: Path, case: str, action: str, step: str
) -> None:
    text = read(f"{case}.input.yml")
    params = {"remove_stale_comments": True}
    after, notes = edit_yaml_noted(text, action, params, filename="ci.yml", project_root=tmp_path)
    assert after == read(f"{case}.removed.expected.yml")
    assert notes and all("now it does" in note for note in notes)
    # The comment above the step belongs to it; nothing beyond the step changes.
    span = step_span(text, step)
    assert_only_within(text, after, range(span.start - 1, span.stop))
    assert edit_yaml_noted(after, action, params, filename="ci.yml", project_root=tmp_path) == (
        after,
        [],
    )
    check_workflow(after, filename="ci.yml")


def test_a_stale_comment_inside_a_script_is_reported_not_removed(tmp_path: Path) -> None:
    text = read("safety_multiline.input.yml")
    after, notes = edit_yaml_noted(
        text,
        "remove_continue_on_error",
        {"remove_stale_comments": True},
        filename="ci.yml",
        project_root=tmp_path,
    )
    assert notes == [
        "ci.yml line 11's comment says the step does not fail the build; now it does: "
        "# Non-blocking until the advisories below are triaged. (removed)",
        "ci.yml line 16's comment says the step does not fail the build; now it does: "
        "# never fails the build (part of the step's script, so left for you to edit)",
    ]
    assert "uv run safety scan --detailed-output  # never fails the build\n" in after


def test_remove_stale_comments_must_be_a_boolean(tmp_path: Path) -> None:
    with pytest.raises(EditError, match="params remove_stale_comments must be true or false"):
        edit_yaml(
            read("trivy_fs_run.input.yml"),
            "make_trivy_blocking",
            {"remove_stale_comments": "yes"},
            filename="ci.yml",
            project_root=tmp_path,
        )


# --- unrecognised forms --------------------------------------------------------------------

UNKNOWN_SCANS = """\
on: push
jobs:
  audit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Audit
        run: |
          pip install pip-audit
          pip-audit -r requirements.txt
        continue-on-error: true
      - run: grype dir:. --fail-on high
      - run: make test
"""


def test_no_safety_step_lists_what_each_step_runs(tmp_path: Path) -> None:
    with pytest.raises(EditError) as error:
        edit_yaml(
            UNKNOWN_SCANS,
            "remove_continue_on_error",
            {},
            filename="ci.yml",
            project_root=tmp_path,
        )
    assert str(error.value) == (
        "ci.yml: no step runs safety (`safety check` or `safety scan`, directly, through "
        "uv/poetry/pipenv/pdm/hatch run, python -m, pipx run or uvx, or pyupio/safety-action) in "
        "any job; steps are: audit: '#0' (uses actions/checkout@v4); audit: 'Audit' (run: pip "
        "install pip-audit && pip-audit -r requirements.txt); audit: '#2' (run: grype dir:. "
        "--fail-on high); audit: '#3' (run: make test)"
    )


def test_no_trivy_step_lists_what_each_step_runs(tmp_path: Path) -> None:
    with pytest.raises(EditError) as error:
        edit_yaml(
            UNKNOWN_SCANS, "make_trivy_blocking", {}, filename="ci.yml", project_root=tmp_path
        )
    message = str(error.value)
    assert message.startswith(
        "ci.yml: no step uses aquasecurity/trivy-action or runs trivy (`trivy fs`, `trivy image`, "
        "`docker run aquasec/trivy ...`); steps are: audit: '#0' (uses actions/checkout@v4); "
    )
    assert "audit: '#2' (run: grype dir:. --fail-on high)" in message


def test_no_install_step_lists_what_each_step_runs(tmp_path: Path) -> None:
    with pytest.raises(EditError) as error:
        edit_yaml(UNKNOWN_SCANS, "add_migration_step", {}, filename="ci.yml", project_root=tmp_path)
    message = str(error.value)
    assert message.startswith(
        "ci.yml: no job installs dependencies and then runs tests, so there is nowhere to run "
        "migrations; steps are: audit: '#0' (uses actions/checkout@v4); "
    )
    assert "audit: '#3' (run: make test)" in message
    with pytest.raises(EditError, match=r"job 'audit' has no install step \(npm ci, .*uv sync"):
        edit_yaml(
            UNKNOWN_SCANS,
            "add_migration_step",
            {"job": "audit"},
            filename="ci.yml",
            project_root=tmp_path,
        )


# --- Jest configs --------------------------------------------------------------------------

SOURCES = [
    "src/services/payment.ts",
    "src/routes/index.ts",
    "src/routes/view.tsx",
    "src/utils/format.js",
    "src/index.ts",
    "src/__tests__/a.test.ts",
]
JEST_CASES = sorted(p.name for p in JEST.iterdir() if (p / "input").is_dir())
JEST_ACTIONS = ["expand_coverage_collection", "add_directory_thresholds"]
# What each action adds, as Node reads it back from the edited config.
ADDED_KEY = {
    "expand_coverage_collection": "collectCoverageFrom",
    "add_directory_thresholds": "coverageThreshold",
}

# Loads a config the way Jest would (TypeScript through the typescript package), and prints it.
NODE_LOAD = r"""
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const [file, typescript] = process.argv.slice(1);
let src = fs.readFileSync(file, 'utf8');
if (path.basename(file) === 'package.json') {
  process.stdout.write(JSON.stringify(JSON.parse(src).jest));
  process.exit(0);
}
if (file.endsWith('.ts')) {
  const ts = require(typescript);
  src = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
}
const m = new Module(file, null);
m.filename = file;
m.paths = Module._nodeModulePaths(path.dirname(file));
m._compile(src, file);
const config = m.exports && m.exports.__esModule ? m.exports.default : m.exports;
process.stdout.write(JSON.stringify(config));
"""


def load_in_node(root: Path, filename: str, text: str) -> Any:
    """The config as Node loads it; `jest`'s defineConfig is stubbed, as it is not installed."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if filename.endswith(".ts") and not TYPESCRIPT.is_dir():
        pytest.skip("needs typescript (npm ci in examples/educonnect)")
    stub = root / "node_modules" / "jest" / "index.js"
    stub.parent.mkdir(parents=True, exist_ok=True)
    stub.write_text("exports.defineConfig = (config) => config;\n")
    (root / filename).write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [node, "-e", NODE_LOAD, "--", str(root / filename), str(TYPESCRIPT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def jest_case(case: str) -> tuple[str, str]:
    (path,) = (JEST / case / "input").iterdir()
    return path.name, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("action", JEST_ACTIONS)
@pytest.mark.parametrize("case", JEST_CASES)
def test_jest_form_is_edited_in_place_once_and_loads(
    tmp_path: Path, case: str, action: str
) -> None:
    root = make_files(tmp_path, *SOURCES)
    filename, text = jest_case(case)
    after = edit_jest_config(text, action, {}, filename=filename, project_root=root)
    assert after == (JEST / case / action / filename).read_text(encoding="utf-8")
    # Only lines are added: every line of the input is still there, unchanged and in order.
    matcher = difflib.SequenceMatcher(None, text.splitlines(), after.splitlines(), autojunk=False)
    assert {op[0] for op in matcher.get_opcodes()} == {"equal", "insert"}
    assert edit_jest_config(after, action, {}, filename=filename, project_root=root) is after
    check_jest_config(after, filename=filename, project_root=root)
    before = load_in_node(root, filename, text)
    loaded = load_in_node(root, filename, after)
    key = ADDED_KEY[action]
    assert loaded[key] != before.get(key)
    assert {k: v for k, v in loaded.items() if k != key} == {
        k: v for k, v in before.items() if k != key
    }


SEPARATE_PROJECTS = """\
module.exports = {
  projects: [
    { displayName: 'api', rootDir: 'packages/api', preset: 'ts-jest' },
    { displayName: { name: 'web', color: 'blue' }, rootDir: 'packages/web' },
    '<rootDir>/packages/cli',
  ],
};
"""


@pytest.mark.parametrize(
    ("action", "param"), [(a, p) for a, p in zip(JEST_ACTIONS, ["folders", "thresholds"])]
)
def test_projects_with_roots_of_their_own_are_refused_by_name(
    tmp_path: Path, action: str, param: str
) -> None:
    root = make_files(tmp_path, *SOURCES)
    with pytest.raises(EditError) as error:
        edit_jest_config(
            SEPARATE_PROJECTS, action, {}, filename="jest.config.js", project_root=root
        )
    assert str(error.value) == (
        "jest.config.js: cannot edit this config automatically: its projects have roots of their "
        "own ('api' ('packages/api'), 'packages/web', '<rootDir>/packages/cli'); Jest reads "
        "coverage settings only from this top-level config, so which of their folders to add is "
        f"a choice: pass params {param}"
    )


def test_projects_with_roots_of_their_own_take_explicit_folders(tmp_path: Path) -> None:
    root = make_files(tmp_path, "packages/api/src/a.ts")
    after = edit_jest_config(
        SEPARATE_PROJECTS,
        "expand_coverage_collection",
        {"folders": ["packages/api/src"]},
        filename="jest.config.js",
        project_root=root,
    )
    assert after == SEPARATE_PROJECTS.replace(
        "  ],\n};\n", "  ],\n  collectCoverageFrom: ['packages/api/src/**/*.ts'],\n};\n"
    )
    check_jest_config(after, filename="jest.config.js", project_root=root)


def test_an_unrecognised_jest_config_names_the_statements_it_saw(tmp_path: Path) -> None:
    text = "const { createConfig } = require('@acme/jest');\nexports.config = createConfig();\n"
    with pytest.raises(EditError) as error:
        edit_jest_config(
            text, "add_directory_thresholds", {}, filename="jest.config.js", project_root=tmp_path
        )
    assert str(error.value) == (
        "jest.config.js: cannot edit this config automatically: found no top-level "
        "`module.exports = …` or `export default …`; the file's statements are: "
        "`const { createConfig } = require('@acme/jest');`; `exports.config = createConfig();`"
    )


# --- through the plugin ---------------------------------------------------------------------


def test_the_stale_comment_note_reaches_the_terminal(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        """
        phase_1:
          name: One
          groups:
            group_a:
              name: A
              tasks:
                - {id: "1.1", name: trivy, type: config_edit,
                   target: ".github/workflows/scan.yml", action: make_trivy_blocking}
        """
    )
    workflow = pytester.path / ".github" / "workflows" / "scan.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(read("trivy_fs_run.input.yml"), encoding="utf-8")
    result = pytester.runpytest("--all", "-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*scan.yml line 10's comment says the step does not fail the build; now it does: *"]
    )
    assert workflow.read_text(encoding="utf-8") == read("trivy_fs_run.expected.yml")
