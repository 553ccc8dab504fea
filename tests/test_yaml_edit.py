"""The round-trip engine: paths, edits, and the splice that keeps every
untouched line byte-identical."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from pytest_orchestrate.edit.yaml import (
    Index,
    Key,
    Match,
    Style,
    YamlDocument,
    append_path,
    delete_path,
    get_path,
    load_plain,
    parse_path,
    set_path,
)
from pytest_orchestrate.errors import EditError

DATA = Path(__file__).parent / "data" / "workflows"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def edited(text: str, edit: str, path: str, value: object = None, **kw: str) -> str:
    doc = YamlDocument(text, "ci.yml")
    if edit == "set":
        set_path(doc, path, value)
    elif edit == "delete":
        delete_path(doc, path)
    else:
        append_path(doc, path, value, **kw)
    return doc.render()


def one_region(before: str, after: str) -> tuple[list[str], list[str]]:
    """The single changed run of lines; fails if lines outside it differ in any
    byte (line ends included)."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    changes = [
        op
        for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if op[0] != "equal"
    ]
    assert len(changes) == 1, changes
    _, i1, i2, j1, j2 = changes[0]
    return a[i1:i2], b[j1:j2]


# --- paths -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        (
            "jobs.test.steps[name=Install]",
            [Key("jobs"), Key("test"), Key("steps"), Match("name", "Install")],
        ),
        ("jobs.test.steps[0]", [Key("jobs"), Key("test"), Key("steps"), Index(0)]),
        ("on.push.branches", [Key("on"), Key("push"), Key("branches")]),
        (
            "jobs.build.steps[uses~=actions/checkout]",
            [Key("jobs"), Key("build"), Key("steps"), Match("uses", "actions/checkout", True)],
        ),
        ('jobs."a.b".steps[-1]', [Key("jobs"), Key("a.b"), Key("steps"), Index(-1)]),
        ("steps[name='Run [unit] tests.']", [Key("steps"), Match("name", "Run [unit] tests.")]),
        ("on.push.branches[=main]", [Key("on"), Key("push"), Key("branches"), Match(None, "main")]),
    ],
)
def test_parse_path_reads_keys_indexes_and_selectors(path: str, segments: list[object]) -> None:
    assert parse_path(path) == segments


@pytest.mark.parametrize("path", ["", "a[", "a[name]", "a.'b"])
def test_parse_path_rejects_bad_syntax(path: str) -> None:
    with pytest.raises(EditError, match="path"):
        parse_path(path)


def test_missing_key_error_lists_the_keys_that_exist() -> None:
    doc = YamlDocument(read("style-4space.yml"), "ci.yml")
    with pytest.raises(EditError) as error:
        get_path(doc.root, "jobs.tset.steps", "ci.yml")
    assert (
        str(error.value)
        == "ci.yml: path jobs.tset.steps: jobs has no key 'tset'; keys are: build, deploy-staging"
    )


def test_missing_step_error_lists_the_steps() -> None:
    doc = YamlDocument(read("style-4space.yml"), "ci.yml")
    with pytest.raises(EditError) as error:
        get_path(doc.root, "jobs.build.steps[name=Lint]", "ci.yml")
    assert str(error.value) == (
        "ci.yml: path jobs.build.steps[name=Lint]: jobs.build.steps has no item whose name is "
        "'Lint'; "
        "items are: 'actions/checkout@v4', 'Install', 'Test', 'Safety'"
    )


def test_substring_selector_and_index_find_steps() -> None:
    doc = YamlDocument(read("style-4space.yml"), "ci.yml")
    assert (
        get_path(doc.root, "jobs.build.steps[uses~=checkout].uses", "ci.yml")
        == "actions/checkout@v4"
    )
    assert get_path(doc.root, "jobs.build.steps[-1].name", "ci.yml") == "Safety"
    assert get_path(doc.root, "on.push.branches[=main]", "ci.yml") == "main"


def test_ambiguous_selector_is_an_error() -> None:
    doc = YamlDocument(read("style-4space.yml"), "ci.yml")
    with pytest.raises(EditError, match=r"matches 2 items \('Install', 'Test'\); make it unique"):
        set_path(doc, "jobs.build.steps[run~=npm].run", "x")


def test_path_through_a_scalar_is_an_error() -> None:
    doc = YamlDocument(read("style-4space.yml"), "ci.yml")
    with pytest.raises(EditError, match="jobs.build.runs-on is a string, not a mapping"):
        set_path(doc, "jobs.build.runs-on.group", "x")


# --- edits -------------------------------------------------------------------


def test_set_creates_missing_keys_at_the_end_of_their_parent() -> None:
    text = "a:\n  b: 1\nc: 2\n"
    assert edited(text, "set", "a.d.e", "x") == "a:\n  b: 1\n  d:\n    e: x\nc: 2\n"


def test_set_fills_an_empty_value() -> None:
    text = "on:\n  push: {branches: [main]}\n  workflow_dispatch: ~\njobs: {}\n"
    after = edited(text, "set", "on.workflow_dispatch.inputs.dry-run.type", "boolean")
    assert (
        after
        == "on:\n  push: {branches: [main]}\n  workflow_dispatch:\n    inputs:\n      dry-run:\n"
        "        type: boolean\njobs: {}\n"
    )


def test_setting_the_same_value_returns_the_very_same_text() -> None:
    text = read("style-2space.yml")
    doc = YamlDocument(text, "ci.yml")
    assert set_path(doc, "jobs.scan.steps[0].with.exit-code", 0) is False
    assert doc.render() is text


def test_set_keeps_the_old_values_quote_style() -> None:
    text = "env:\n  A: 'x'\n  B: \"y\"\n"
    after = edited(edited(text, "set", "env.A", "1"), "set", "env.B", "z")
    assert after == "env:\n  A: '1'\n  B: \"z\"\n"


def test_new_strings_are_quoted_like_their_siblings() -> None:
    text = 'with:\n  scan-type: "fs"\n  format: "sarif"\n'
    assert (
        edited(text, "set", "with.severity", "HIGH")
        == 'with:\n  scan-type: "fs"\n  format: "sarif"\n  severity: "HIGH"\n'
    )


def test_strings_that_would_read_as_other_types_are_quoted() -> None:
    after = edited("a: 1\n", "set", "b", ["1", "true", "on", "2024-01-01", "plain"])
    assert load_plain(after, "x")["b"] == ["1", "true", "on", "2024-01-01", "plain"]


def test_multiline_values_are_written_as_blocks() -> None:
    after = edited("steps: []\n", "append", "steps", {"run": "npm ci\nnpm test\n"})
    assert "run: |\n" in after


def test_delete_of_something_absent_changes_nothing() -> None:
    text = read("style-4space.yml")
    for path in (
        "jobs.build.timeout",
        "jobs.nope.steps",
        "jobs.build.steps[name=Nope]",
        "jobs.build.steps[9]",
    ):
        doc = YamlDocument(text, "ci.yml")
        assert delete_path(doc, path) is False
        assert doc.render() is text


def test_delete_through_a_scalar_is_an_error() -> None:
    doc = YamlDocument(read("style-4space.yml"), "ci.yml")
    with pytest.raises(EditError, match="is a string, not a mapping"):
        delete_path(doc, "name.first")


def test_append_skips_an_equal_item() -> None:
    text = read("style-dash-under-key.yml")
    doc = YamlDocument(text, "ci.yml")
    assert append_path(doc, "on.push.branches", "release/**") is False
    assert doc.render() is text


def test_append_after_and_before_a_selected_item() -> None:
    text = "steps:\n  - name: A\n  - name: B\n"
    assert (
        edited(text, "append", "steps", {"name": "X"}, after="A")
        == "steps:\n  - name: A\n  - name: X\n  - name: B\n"
    )
    assert (
        edited(text, "append", "steps", {"name": "X"}, before="name=A")
        == "steps:\n  - name: X\n  - name: A\n  - name: B\n"
    )


def test_append_to_a_missing_list_creates_it_in_the_files_style() -> None:
    text = "on:\n  push:\n    branches: [main]\n"
    assert (
        edited(text, "append", "on.push.tags", "v*")
        == "on:\n  push:\n    branches: [main]\n    tags: [v*]\n"
    )


def test_new_nodes_never_get_anchors() -> None:
    shared = ["a", "b"]
    doc = YamlDocument("x: 1\n", "f.yml")
    set_path(doc, "y", {"one": shared, "two": shared})
    set_path(doc, "z", shared)
    after = doc.render()
    assert "&" not in after and "*" not in after


def test_invalid_yaml_names_the_file_and_line() -> None:
    with pytest.raises(EditError) as error:
        YamlDocument("on: push\njobs:\n  test: [a\n", ".github/workflows/ci.yml")
    assert str(error.value).startswith(".github/workflows/ci.yml: not valid YAML: ")
    assert "line 4" in str(error.value)


def test_duplicate_keys_are_invalid_yaml() -> None:
    with pytest.raises(EditError, match=r'ci.yml: not valid YAML: .*duplicate key "a".* at line 2'):
        YamlDocument("a: 1\na: 2\n", "ci.yml")


def test_a_document_that_is_not_a_mapping_cannot_be_edited() -> None:
    doc = YamlDocument("- a\n- b\n", "list.yml")
    with pytest.raises(EditError, match="list.yml: the document is a list, not a mapping"):
        set_path(doc, "a", 1)


# --- the file's style ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "style"),
    [
        (
            "style-2space.yml",
            Style(mapping=2, sequence=4, offset=2, quote="'", flow_lists=True, flow_maps=False),
        ),
        (
            "style-4space.yml",
            Style(mapping=4, sequence=8, offset=4, quote="'", flow_lists=True, flow_maps=False),
        ),
        (
            "style-dash-under-key.yml",
            Style(mapping=2, sequence=2, offset=0, quote='"', flow_lists=False, flow_maps=False),
        ),
    ],
)
def test_indentation_and_style_are_read_from_the_tree(name: str, style: Style) -> None:
    assert YamlDocument(read(name), name).style == style


# --- the splice: untouched lines stay byte-identical ---------------------------------

EDITS = {
    "style-2space.yml": ("append", "jobs.test.steps", {"name": "Lint", "run": "npm run lint"}),
    "style-4space.yml": ("delete", "jobs.build.steps[name=Safety].continue-on-error", None),
    "style-dash-under-key.yml": ("set", "jobs.scan.steps[name=Trivy].with.exit-code", "1"),
}


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("name", sorted(EDITS))
def test_only_the_edited_lines_change(name: str, crlf: bool) -> None:
    text = read(name)
    if crlf:
        text = text.replace("\n", "\r\n")
    edit, path, value = EDITS[name]
    after = edited(text, edit, path, value)
    old, new = one_region(text, after)
    assert old or new
    if crlf:
        assert "\n" not in after.replace("\r\n", "")
        assert after.replace("\r\n", "\n") == edited(read(name), edit, path, value)


def test_lines_ruamel_would_normalise_survive_an_edit_elsewhere() -> None:
    text = read("style-2space.yml")
    after = edited(text, "set", "jobs.deploy-production.timeout-minutes", 30)
    kept = [
        "name:   Release\n",
        "    branches: [ main ]\n",
        "  workflow_dispatch: ~\n",
        "  NODE_OPTIONS: --max-old-space-size=4096   \n",
        "    runs-on: &runner ubuntu-22.04\n",
        "    runs-on: *runner # same runner as test\n",
        "      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1\n",
        "        with: { node-version: 20, cache: npm }\n",
    ]
    lines = after.splitlines(keepends=True)
    assert all(line in lines for line in kept)
    assert one_region(text, after) == ([], ["    timeout-minutes: 30\n"])


def test_the_missing_final_newline_stays_missing() -> None:
    text = "a: 1\nb:\n  - x"
    assert edited(text, "append", "b", "y") == "a: 1\nb:\n  - x\n  - y"
    assert edited(text, "set", "a", 2) == "a: 2\nb:\n  - x"


def test_a_leading_document_marker_is_kept() -> None:
    assert edited("---\na: 1\nb: 2\n", "set", "a", 3) == "---\na: 3\nb: 2\n"


def test_an_edit_next_to_a_tilde_value_keeps_the_tilde_elsewhere() -> None:
    text = "on:\n  push: ~\n  workflow_dispatch: ~\n"
    after = edited(text, "set", "on.push.branches", ["main"])
    assert after == "on:\n  push:\n    branches:\n      - main\n  workflow_dispatch: ~\n"


# --- comments move with the nodes they describe -------------------------------------

STEPS = """jobs:
  test:
    steps:
      - name: Install
        run: npm ci
      # Tests need the database.
      - name: Test
        run: npm test
        continue-on-error: true  # flaky
      # Lint last.
      - name: Lint
        run: npm run lint
# end of jobs
"""


def test_an_inserted_step_goes_above_the_next_steps_comment() -> None:
    after = edited(
        STEPS,
        "append",
        "jobs.test.steps",
        {"name": "Migrate", "run": "npm run migrate"},
        after="Install",
    )
    assert one_region(STEPS, after) == (
        [],
        ["      - name: Migrate\n", "        run: npm run migrate\n"],
    )
    assert after.index("npm run migrate") < after.index("# Tests need the database.")


def test_deleting_a_last_key_keeps_the_next_steps_comment() -> None:
    after = edited(STEPS, "delete", "jobs.test.steps[name=Test].continue-on-error")
    assert one_region(STEPS, after) == (["        continue-on-error: true  # flaky\n"], [])


def test_an_appended_job_goes_above_a_closing_comment() -> None:
    after = edited(STEPS, "set", "jobs.lint", {"runs-on": "ubuntu-latest"})
    assert after.endswith(
        "        run: npm run lint\n  lint:\n    runs-on: ubuntu-latest\n# end of jobs\n"
    )


def test_a_key_appended_to_a_job_goes_above_the_next_jobs_comment() -> None:
    text = (
        "jobs:\n  a:\n    steps:\n      - run: x\n\n  # Job b.\n  b:\n    steps:\n      - run: y\n"
    )
    after = edited(text, "set", "jobs.a.timeout-minutes", 5)
    assert one_region(text, after) == ([], ["    timeout-minutes: 5\n"])
    assert after.index("timeout-minutes") < after.index("\n\n  # Job b.")


def test_deleting_a_step_deletes_the_comment_right_above_it() -> None:
    after = edited(STEPS, "delete", "jobs.test.steps[name=Lint]")
    assert after == STEPS.replace(
        "      # Lint last.\n      - name: Lint\n        run: npm run lint\n", ""
    )


def test_blank_lines_between_steps_are_kept_for_an_inserted_step() -> None:
    text = "steps:\n  - run: a\n\n  - run: b\n"
    assert (
        edited(text, "append", "steps", {"run": "x"}, after="run=a")
        == "steps:\n  - run: a\n\n  - run: x\n\n  - run: b\n"
    )


def test_a_comment_after_an_alias_stays_when_the_next_line_is_edited() -> None:
    text = "a: &pg {image: postgres}\nservices:\n  pg: *pg # shared\n  redis: {image: redis}\n"
    after = edited(text, "set", "services.redis.image", "redis:7")
    assert after == text.replace("{image: redis}", "{image: redis:7}")


def test_an_anchor_stays_when_its_last_alias_is_deleted() -> None:
    text = "x: &runner ubuntu-22.04\ny: *runner\n"
    assert edited(text, "delete", "y") == "x: &runner ubuntu-22.04\n"
