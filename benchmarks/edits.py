"""Milliseconds per lossless edit: a 90-line GitHub workflow and a 40-line jest.config.js.

Each action is timed on its own (median of many runs), with the check that guards every write
(GitHub's workflow schema plus our needs check; Node loading the Jest config) timed apart.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_orchestrate.edit.jest import check_jest_config, edit_jest_config
from pytest_orchestrate.edit.workflow import check_workflow, edit_yaml

ROOT = Path(__file__).resolve().parent.parent
JEST = ROOT / "tests" / "data" / "jest" / "cjs_realistic" / "input" / "jest.config.js"
# The realistic test workflow (comments, anchors, run: | blocks, pinned actions) is 109 lines;
# without its blank lines, header comments and the defaults block it is the 90 lines asked for.
WORKFLOW = ROOT / "tests" / "data" / "workflows" / "ci.yml"


def ninety_line_workflow() -> str:
    lines = WORKFLOW.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("name:"))
    drop_from = next(i for i, line in enumerate(lines) if line.startswith("defaults:"))
    kept = [
        line
        for i, line in enumerate(lines[start:], start)
        if line.strip() and not (drop_from <= i < drop_from + 3) and "workflow_dispatch" not in line
    ]
    return "".join(kept)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm caches (schema load, tree-sitter language, imports)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    workflow = ninety_line_workflow()
    lines = workflow.count("\n")
    jest = JEST.read_text()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "package-lock.json").write_text("{}\n")
        for folder in ("services", "routes", "config", "graphql"):
            (project / "src" / folder).mkdir(parents=True)
            (project / "src" / folder / "index.ts").write_text("export {};\n")
        print(f"workflow: {WORKFLOW.relative_to(ROOT)}, condensed ({lines} lines)")
        for action, params in [
            ("remove_continue_on_error", {}),
            ("add_migration_step", {}),
            ("implement_staging_deploy", {}),
            ("implement_production_deploy", {}),
            ("add_approval_gates", {}),
            ("make_trivy_blocking", {}),
            ("yaml_set", {"path": "jobs.test.timeout-minutes", "value": 20}),
        ]:
            ms = median_ms(
                lambda action=action, params=params: edit_yaml(
                    workflow, action, params, filename="ci.yml", project_root=project
                ),
                30,
            )
            print(f"  {action:<30} {ms:7.1f} ms per edit")
        edited = edit_yaml(
            workflow, "make_trivy_blocking", {}, filename="ci.yml", project_root=project
        )
        ms = median_ms(lambda: check_workflow(edited, filename="ci.yml"), 30)
        print(f"  {'check (schema + needs)':<30} {ms:7.1f} ms per check")

        print(f"jest config: {JEST.relative_to(ROOT)} ({jest.count(chr(10))} lines)")
        for action in ("expand_coverage_collection", "add_directory_thresholds"):
            ms = median_ms(
                lambda action=action: edit_jest_config(
                    jest, action, {}, filename="jest.config.js", project_root=project
                ),
                200,
            )
            print(f"  {action:<30} {ms:7.2f} ms per edit")
        edited = edit_jest_config(
            jest, "expand_coverage_collection", {}, filename="jest.config.js", project_root=project
        )
        ms = median_ms(
            lambda: check_jest_config(edited, filename="jest.config.js", project_root=project), 10
        )
        print(f"  {'check (Node loads it)':<30} {ms:7.1f} ms per check")


if __name__ == "__main__":
    main()
