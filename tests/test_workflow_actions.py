"""Workflow actions (golden files, idempotence, errors) and the workflow validity check."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest

from pytest_orchestrate.edit.workflow import YAML_ACTIONS, check_workflow, edit_yaml
from pytest_orchestrate.errors import EditError

DATA = Path(__file__).parent / "data" / "workflows"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


PACKAGE_JSON = (
    '{"scripts": {"build": "vite build", "migrate": "knex migrate:latest", "deploy:staging": "x", '
    '"deploy:production": "y"}}'
)


def project(tmp_path: Path, *files: str) -> Path:
    for name in files:
        (tmp_path / name).write_text(
            PACKAGE_JSON if name == "package.json" else "", encoding="utf-8"
        )
    return tmp_path


def edit(text: str, action: str, root: Path, **params: Any) -> str:
    return edit_yaml(text, action, params, filename="ci.yml", project_root=root)


def added_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line[2:] for line in diff if line.startswith("+ ")]


def test_the_action_names() -> None:
    assert YAML_ACTIONS == {
        "yaml_set",
        "yaml_delete",
        "yaml_append",
        "remove_continue_on_error",
        "add_migration_step",
        "implement_staging_deploy",
        "implement_production_deploy",
        "add_approval_gates",
        "make_trivy_blocking",
    }


# --- golden files ----------------------------------------------------------------

GOLDEN = [
    ("remove_continue_on_error", "remove_continue_on_error", {}, None),
    ("add_migration_step", "add_migration_step", {}, "package-lock.json"),
    (
        "implement_staging_deploy",
        "implement_staging_deploy",
        {"url": "https://staging.example.com"},
        "package-lock.json",
    ),
    ("implement_production_deploy", "implement_production_deploy", {}, "yarn.lock"),
    ("add_approval_gates", "add_approval_gates", {"url": "https://app.example.com"}, None),
    ("make_trivy_blocking", "make_trivy_blocking", {}, None),
    (
        "generic.yaml_set",
        "yaml_set",
        {"path": "updates[package-ecosystem=npm].schedule.interval", "value": "daily"},
        None,
    ),
    ("generic.yaml_delete", "yaml_delete", {"path": "updates[package-ecosystem=npm].ignore"}, None),
    (
        "generic.yaml_append",
        "yaml_append",
        {
            "path": "updates",
            "value": {
                "package-ecosystem": "pip",
                "directory": "/",
                "schedule": {"interval": "weekly"},
            },
            "after": "package-ecosystem=npm",
        },
        None,
    ),
]


@pytest.mark.parametrize(
    ("case", "action", "params", "lockfile"), GOLDEN, ids=[g[0] for g in GOLDEN]
)
def test_golden_output_and_idempotence(
    tmp_path: Path, case: str, action: str, params: dict[str, Any], lockfile: str | None
) -> None:
    root = project(tmp_path, *([lockfile] if lockfile else []))
    name = case.split(".")[0] + ".input.yml"
    text = read(name)
    after = edit_yaml(text, action, params, filename=name, project_root=root)
    assert after == read(f"{case}.expected.yml")
    again = edit_yaml(after, action, params, filename=name, project_root=root)
    assert again is after
    if "jobs:" in text:
        check_workflow(text, filename=name)
        check_workflow(after, filename=name)


CHAIN: list[tuple[str, dict[str, Any]]] = [
    ("remove_continue_on_error", {}),
    ("add_migration_step", {}),
    ("implement_staging_deploy", {}),
    ("implement_production_deploy", {}),
    ("add_approval_gates", {}),
    ("make_trivy_blocking", {}),
]


def test_all_workflow_actions_chained_over_a_realistic_ci_file(tmp_path: Path) -> None:
    root = project(tmp_path, "package-lock.json", "package.json")
    text = read("ci.yml")
    check_workflow(text, filename="ci.yml")
    for action, params in CHAIN:
        after = edit(text, action, root, **params)
        assert after != text, action
        assert edit(after, action, root, **params) is after, action
        check_workflow(after, filename="ci.yml")
        text = after
    assert text == read("ci.chained.expected.yml")
    # Every action is still a no-op once all have run.
    for action, params in CHAIN:
        assert edit(text, action, root, **params) is text


def test_the_chain_keeps_crlf_line_ends(tmp_path: Path) -> None:
    root = project(tmp_path, "package-lock.json", "package.json")
    text = read("ci.yml").replace("\n", "\r\n")
    for action, params in CHAIN:
        text = edit(text, action, root, **params)
    assert text == read("ci.chained.expected.yml").replace("\n", "\r\n")


# --- remove_continue_on_error ------------------------------------------------------


def test_continue_on_error_is_removed_from_the_safety_step_only(tmp_path: Path) -> None:
    text = read("remove_continue_on_error.input.yml")
    after = edit(text, "remove_continue_on_error", tmp_path)
    assert after.count("continue-on-error: true") == 1
    assert "        continue-on-error: true\n" in after  # the lint step's


@pytest.mark.parametrize("params", [{"step": "Lint"}, {"run": "ruff check"}])
def test_the_step_can_be_named_or_found_by_its_command(
    tmp_path: Path, params: dict[str, str]
) -> None:
    text = read("remove_continue_on_error.input.yml")
    after = edit(text, "remove_continue_on_error", tmp_path, **params)
    assert "# TODO: remove once the advisories are fixed" in after
    assert after.count("continue-on-error") == 1


def test_installing_safety_is_not_running_it(tmp_path: Path) -> None:
    text = (
        "on: push\njobs:\n  audit:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: pip install safety\n        continue-on-error: true\n"
        "      - run: python -m safety scan\n        continue-on-error: true\n"
    )
    after = edit(text, "remove_continue_on_error", tmp_path)
    assert after == text[: -len("        continue-on-error: true\n")]


def test_a_missing_step_is_an_error_listing_the_steps(tmp_path: Path) -> None:
    text = read("remove_continue_on_error.input.yml")
    with pytest.raises(EditError) as error:
        edit(text, "remove_continue_on_error", tmp_path, step="Safety")
    assert str(error.value) == (
        "ci.yml: no step named 'Safety' in any job; steps are: audit: 'actions/checkout@v4', "
        "'actions/setup-python@v5', 'Install tools', 'Safety check', 'Lint'"
    )


# --- add_migration_step --------------------------------------------------------------


@pytest.mark.parametrize(
    ("lockfile", "command"),
    [
        ("package-lock.json", "npm run migrate"),
        ("yarn.lock", "yarn migrate"),
        ("pnpm-lock.yaml", "pnpm run migrate"),
    ],
)
def test_the_migration_command_follows_the_lockfile(
    tmp_path: Path, lockfile: str, command: str
) -> None:
    after = edit(
        read("add_migration_step.input.yml"), "add_migration_step", project(tmp_path, lockfile)
    )
    assert (
        f"run: npm ci\n\n      - name: Run database migrations\n        run: {command}\n\n"
        "      # The suite" in after
    )


def test_without_a_lockfile_the_workflows_own_installer_decides(tmp_path: Path) -> None:
    text = read("style-dash-under-key.yml")
    after = edit(text, "add_migration_step", tmp_path)
    assert added_lines(text, after) == [
        "    - name: Run database migrations",
        "      run: yarn migrate",
    ]


def test_migration_params_command_env_and_job(tmp_path: Path) -> None:
    text = read("add_migration_step.input.yml")
    after = edit(
        text,
        "add_migration_step",
        tmp_path,
        command="npx prisma migrate deploy",
        env=["DATABASE_URL", "SHADOW_URL"],
        job="test",
    )
    # DATABASE_URL is already set on the job, so only SHADOW_URL comes from secrets.
    assert (
        "      - name: Run database migrations\n"
        "        run: npx prisma migrate deploy\n"
        "        env:\n"
        "          SHADOW_URL: ${{ secrets.SHADOW_URL }}\n\n"
        "      # The suite"
    ) in after


def test_the_migration_goes_after_the_step_params_after_names(tmp_path: Path) -> None:
    text = read("add_migration_step.input.yml")
    after = edit(
        text,
        "add_migration_step",
        project(tmp_path, "package-lock.json"),
        after="uses~=setup-node",
        name="Migrate",
    )
    assert (
        "          cache: npm\n\n      - name: Migrate\n        run: npm run migrate\n\n"
        "      - name: Install" in after
    )


def test_a_chosen_job_without_an_install_step_is_an_error(tmp_path: Path) -> None:
    text = read("implement_staging_deploy.input.yml")
    with pytest.raises(
        EditError,
        match=r"ci.yml: job 'deploy-staging' has no install step \(npm ci, .*\); its steps are: ",
    ):
        edit(text, "add_migration_step", tmp_path, job="deploy-staging")


def test_no_job_that_installs_then_tests_is_an_error(tmp_path: Path) -> None:
    text = read("make_trivy_blocking.input.yml")
    with pytest.raises(EditError, match="no job installs dependencies and then runs tests"):
        edit(text, "add_migration_step", tmp_path)


# --- deploy jobs -----------------------------------------------------------------------


def test_a_pnpm_project_gets_pnpm_set_up_before_node(tmp_path: Path) -> None:
    text = read("implement_staging_deploy.input.yml").replace(
        "npm ci", "pnpm install --frozen-lockfile"
    )
    after = edit(text, "implement_staging_deploy", project(tmp_path, "pnpm-lock.yaml"))
    assert (
        "      - uses: pnpm/action-setup@v4\n"
        "      - uses: actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af # v4.1.0\n"
    ) in after
    assert (
        "        run: pnpm install --frozen-lockfile\n      - name: Build\n"
        "        run: pnpm run build\n" in after
    )
    assert "        run: pnpm run deploy:staging\n" in after
    check_workflow(after, filename="ci.yml")


def test_production_needs_stay_block_style_when_the_file_uses_blocks(tmp_path: Path) -> None:
    text = (
        read("style-dash-under-key.yml")
        + "  deploy-staging:\n    runs-on: ubuntu-latest\n    needs:\n    - build\n    steps:\n"
        "    - run: echo TODO\n"
    )
    text += "  deploy-prod:\n    runs-on: ubuntu-latest\n    steps:\n    - run: echo TODO\n"
    after = edit(text, "implement_production_deploy", tmp_path)
    assert "    needs:\n    - deploy-staging\n" in after
    check_workflow(after, filename="ci.yml")


def test_new_job_keys_go_above_steps_even_after_a_merge_key(tmp_path: Path) -> None:
    text = (
        "on: push\njobs:\n  build:\n    <<: &defaults\n      runs-on: ubuntu-latest\n    steps:\n"
        "      - run: npm test\n"
        "  deploy-prod:\n    <<: *defaults\n    steps:\n      - run: echo TODO\n"
    )
    after = edit(text, "implement_production_deploy", tmp_path, needs="build")
    assert (
        "  deploy-prod:\n    <<: *defaults\n    needs: [build]\n"
        "    if: github.ref == 'refs/heads/main'\n" in after
    )
    assert "    environment: production\n    steps:\n      - uses: actions/checkout@v4\n" in after
    check_workflow(after, filename="ci.yml")


def test_an_existing_production_condition_gets_the_branch_guard(tmp_path: Path) -> None:
    text = read("implement_staging_deploy.input.yml").replace(
        "    needs: deploy-staging\n",
        "    needs: deploy-staging\n    if: ${{ github.event_name == 'push' }}\n",
    )
    after = edit(text, "implement_production_deploy", tmp_path, branch="release")
    assert "    if: (github.event_name == 'push') && github.ref == 'refs/heads/release'\n" in after
    assert "    needs: deploy-staging\n" in after
    assert edit(after, "implement_production_deploy", tmp_path, branch="release") is after


def test_a_job_with_real_steps_keeps_them(tmp_path: Path) -> None:
    text = read("implement_production_deploy.input.yml")
    after = edit(text, "implement_staging_deploy", tmp_path)
    assert after is text  # `staging` already deploys and has its environment


def test_no_staging_job_is_an_error_naming_the_jobs(tmp_path: Path) -> None:
    text = read("add_approval_gates.input.yml")
    with pytest.raises(
        EditError, match=r"no staging job .*jobs are: deploy-production; pass params job"
    ):
        edit(text, "implement_staging_deploy", tmp_path)


def test_approval_gates_keep_an_existing_url(tmp_path: Path) -> None:
    after = edit(read("add_approval_gates.input.yml"), "add_approval_gates", tmp_path)
    assert "      url: ${{ vars.PRODUCTION_URL }}\n" in after
    assert edit(after, "add_approval_gates", tmp_path, url="https://other.example.com") is after


# --- make_trivy_blocking ------------------------------------------------------------------


def test_trivy_on_the_command_line_gets_exit_code_and_severity(tmp_path: Path) -> None:
    text = (
        "on: push\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: trivy fs --exit-code 0 .\n"
    )
    after = edit(text, "make_trivy_blocking", tmp_path, severity="CRITICAL")
    assert "      - run: trivy fs --severity CRITICAL --exit-code 1 .\n" in after
    assert edit(after, "make_trivy_blocking", tmp_path, severity="CRITICAL") is after


def test_a_multiline_trivy_command_keeps_its_line_continuation(tmp_path: Path) -> None:
    text = (
        "on: push\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: |\n          trivy image \\\n            --severity HIGH,CRITICAL \\\n"
        "            app:latest\n"
    )
    after = edit(text, "make_trivy_blocking", tmp_path)
    assert (
        "          trivy image --exit-code 1 \\\n            --severity HIGH,CRITICAL \\\n" in after
    )


def test_approval_gates_add_a_url_to_an_environment_mapping(tmp_path: Path) -> None:
    text = read("add_approval_gates.input.yml").replace(
        "    environment: production\n", "    environment:\n      name: prod\n"
    )
    after = edit(text, "add_approval_gates", tmp_path)
    assert (
        "    environment:\n      name: prod\n      url: ${{ vars.PRODUCTION_URL }}\n"
        "    concurrency:" in after
    )


def test_trivy_severity_already_strict_enough_is_kept(tmp_path: Path) -> None:
    text = read("style-dash-under-key.yml").replace(
        'severity: "CRITICAL"', 'severity: "CRITICAL,HIGH,MEDIUM"'
    )
    after = edit(text, "make_trivy_blocking", tmp_path)
    assert added_lines(text, after) == ['        exit-code: "1"']


# --- bad input --------------------------------------------------------------------------


def test_invalid_yaml_is_reported_with_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(EditError, match=r"^ci.yml: not valid YAML: .* at line 3, column \d+$"):
        edit("on: push\njobs:\n  test: {runs-on: [x}\n", "make_trivy_blocking", tmp_path)


def test_a_workflow_action_needs_a_workflow(tmp_path: Path) -> None:
    with pytest.raises(EditError) as error:
        edit_yaml(
            read("generic.input.yml"),
            "make_trivy_blocking",
            {},
            filename=".github/dependabot.yml",
            project_root=tmp_path,
        )
    assert (
        str(error.value)
        == ".github/dependabot.yml: action make_trivy_blocking needs a GitHub workflow; "
        ".github/dependabot.yml has no jobs"
    )


def test_an_unknown_action_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(
        EditError,
        match="ci.yml: unknown YAML action 'yaml_move'; known actions: add_approval_gates, ",
    ):
        edit("a: 1\n", "yaml_move", tmp_path)


def test_unknown_params_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(
        EditError,
        match="ci.yml: action add_migration_step got unknown params comand; it takes: after, "
        "command",
    ):
        edit(read("add_migration_step.input.yml"), "add_migration_step", tmp_path, comand="x")


def test_a_path_naming_a_missing_step_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(
        EditError,
        match=r"ci.yml: path jobs.test.steps\[name=Migrate\].run: .* items are: "
        r"'actions/checkout@v4', ",
    ):
        edit(
            read("add_migration_step.input.yml"),
            "yaml_set",
            tmp_path,
            path="jobs.test.steps[name=Migrate].run",
            value="x",
        )


def test_a_document_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(
        EditError,
        match="ci.yml: the document is a list, not a mapping; action yaml_set cannot edit it",
    ):
        edit("- a\n", "yaml_set", tmp_path, path="a", value=1)


# --- check_workflow ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ci.yml", "style-2space.yml", "style-4space.yml", "style-dash-under-key.yml"]
)
def test_valid_workflows_pass(name: str) -> None:
    check_workflow(read(name), filename=name)


def test_on_is_a_key_not_a_boolean() -> None:
    check_workflow(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n",
        filename="ci.yml",
    )


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "jobs.build.runs-on",
            {"group": {"size": "xl"}},
            "$.jobs.build['runs-on'].group: {'size': 'xl'} is not of type 'string'",
        ),
        (
            "jobs.build.runs-on-typo",
            "ubuntu-latest",
            "$.jobs.build: Additional properties are not allowed ('runs-on-typo' was unexpected)",
        ),
        (
            "jobs.build.timeout-minutes",
            "soon",
            "$.jobs.build['timeout-minutes']: 'soon' is not of type 'number'",
        ),
    ],
)
def test_a_schema_error_names_the_file_and_the_place(
    tmp_path: Path, path: str, value: object, message: str
) -> None:
    after = edit(read("style-4space.yml"), "yaml_set", tmp_path, path=path, value=value)
    with pytest.raises(EditError) as error:
        check_workflow(after, filename=".github/workflows/build.yml")
    assert (
        str(error.value) == f".github/workflows/build.yml: not a valid GitHub workflow: {message}"
    )


def test_needs_must_name_a_job() -> None:
    text = read("style-4space.yml").replace("needs: build", "needs: [build, lint]")
    with pytest.raises(EditError) as error:
        check_workflow(text, filename="ci.yml")
    assert str(error.value) == (
        "ci.yml: not a valid GitHub workflow: job 'deploy-staging' needs 'lint', which is not a "
        "job; jobs are: build, deploy-staging"
    )


def test_needs_must_not_form_a_cycle() -> None:
    text = read("style-4space.yml").replace(
        "        runs-on: ubuntu-latest\n        steps:",
        "        runs-on: ubuntu-latest\n        needs: deploy-staging\n        steps:",
        1,
    )
    with pytest.raises(
        EditError,
        match="ci.yml: not a valid GitHub workflow: needs cycle build -> deploy-staging -> build",
    ):
        check_workflow(text, filename="ci.yml")


def test_invalid_yaml_fails_the_check() -> None:
    with pytest.raises(EditError, match=r"^ci.yml: not valid YAML: "):
        check_workflow("jobs: [\n", filename="ci.yml")
