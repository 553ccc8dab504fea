"""The dependency graph on its own: edges, order, cycles, critical path and writer conflicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_orchestrate.roadmap.graph import CycleError, build_graph
from pytest_orchestrate.roadmap.load import load_roadmap
from pytest_orchestrate.roadmap.model import BUILTIN_TASK_MODELS


def load(tmp_path: Path, doc: dict[str, Any]):
    path = tmp_path / "phases.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_roadmap(path, display="phases.yaml", task_models=BUILTIN_TASK_MODELS)


def task(tid: str, **extra: Any) -> dict[str, Any]:
    return {"id": tid, "name": f"t{tid}", "type": "command", "argv": ["true"], **extra}


def phase(name: str, groups: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "groups": groups, **extra}


def group(execution: str, *tasks: dict[str, Any]) -> dict[str, Any]:
    return {"name": "g", "execution": execution, "tasks": list(tasks)}


def test_sequential_group_chains_and_parallel_group_does_not(tmp_path: Path) -> None:
    g = build_graph(
        load(
            tmp_path,
            {
                "phase_1": phase(
                    "p",
                    {
                        "group_a": group("sequential", task("1.1"), task("1.2"), task("1.3")),
                        "group_b": group("parallel", task("1.4"), task("1.5")),
                    },
                )
            },
        )
    )
    assert g.deps["1.2"] == ["1.1"]
    assert g.deps["1.3"] == ["1.2"]
    assert g.deps["1.4"] == [] and g.deps["1.5"] == []


def test_phases_follow_each_other_unless_depends_on_says_otherwise(tmp_path: Path) -> None:
    g = build_graph(
        load(
            tmp_path,
            {
                "phase_1": phase("1", {"group_a": group("parallel", task("1.1"))}),
                "phase_2": phase("2", {"group_b": group("parallel", task("2.1"))}),
                "phase_3": phase("3", {"group_c": group("parallel", task("3.1"))}),
                "phase_4": phase(
                    "4", {"group_d": group("parallel", task("4.1"))}, depends_on=["phase_1"]
                ),
            },
        )
    )
    assert g.deps["2.1"] == ["phase_1"]
    assert g.deps["3.1"] == ["phase_2"]
    assert g.deps["4.1"] == ["phase_1"]
    order = g.order()
    assert order.index("4.1") > order.index("1.1")
    assert g.ancestors(["4.1"]) == {"phase_1", "1.1"}


def test_blocking_checkpoint_gates_the_next_phase(tmp_path: Path) -> None:
    checkpoint = {
        "name": "c",
        "blocking": True,
        "checks": [{"name": "x", "type": "command", "argv": ["true"]}],
    }
    g = build_graph(
        load(
            tmp_path,
            {
                "phase_1": phase(
                    "1",
                    {"group_a": group("parallel", task("1.1"), task("1.2"))},
                    checkpoint=checkpoint,
                ),
                "phase_2": phase("2", {"group_b": group("parallel", task("2.1"))}),
            },
        )
    )
    assert g.deps["phase_1::checkpoint"] == ["phase_1"]
    assert g.deps["phase_1"] == ["1.1", "1.2"]
    assert g.deps["2.1"] == ["phase_1::checkpoint"]


def test_task_depends_on_task_group_and_phase(tmp_path: Path) -> None:
    g = build_graph(
        load(
            tmp_path,
            {
                "phase_1": phase("1", {"group_a": group("parallel", task("1.1"))}),
                "phase_2": phase(
                    "2",
                    {
                        "group_b": group(
                            "parallel",
                            task("2.1", depends_on="1.1"),
                            task("2.2", depends_on=["group_a", "phase_1"]),
                        )
                    },
                    depends_on=[],
                ),
            },
        )
    )
    assert g.deps["2.1"] == ["1.1"]
    assert g.deps["2.2"] == ["group_a", "phase_1"]


def test_cycle_is_named(tmp_path: Path) -> None:
    roadmap = load(
        tmp_path,
        {
            "phase_1": phase(
                "1",
                {
                    "group_a": group(
                        "parallel",
                        task("1.1", depends_on=["1.3"]),
                        task("1.2", depends_on=["1.1"]),
                        task("1.3", depends_on=["1.2"]),
                    )
                },
            )
        },
    )
    with pytest.raises(CycleError) as info:
        build_graph(roadmap).order()
    assert str(info.value) == "1.1 -> 1.3 -> 1.2 -> 1.1"


def test_writers_of_one_file_are_serialised(tmp_path: Path) -> None:
    edit = {
        "type": "config_edit",
        "target": "jest.config.js",
        "action": "expand_coverage_collection",
    }
    g = build_graph(
        load(
            tmp_path,
            {
                "phase_1": phase(
                    "1",
                    {
                        "group_a": group(
                            "parallel",
                            {"id": "1.1", "name": "a", **edit},
                            {
                                "id": "1.2",
                                "name": "b",
                                **edit,
                                "action": "add_directory_thresholds",
                            },
                            task("1.3"),
                        )
                    },
                )
            },
        )
    )
    assert g.deps["1.2"] == ["1.1"]
    assert g.deps["1.3"] == []


def test_longest_path_prefers_the_critical_chain(tmp_path: Path) -> None:
    g = build_graph(
        load(
            tmp_path,
            {
                "phase_1": phase(
                    "1",
                    {
                        "group_a": group("sequential", task("1.1"), task("1.2"), task("1.3")),
                        "group_b": group("parallel", task("1.4")),
                    },
                )
            },
        )
    )
    lp = g.longest_path()
    assert lp["1.1"] == 3.0 and lp["1.4"] == 1.0


def test_order_is_linear_in_edges_for_large_roadmaps(tmp_path: Path) -> None:
    phases = {
        f"phase_{p}": phase(
            str(p),
            {f"group_{chr(97 + p)}": group("parallel", *[task(f"{p}.{i}") for i in range(500)])},
        )
        for p in range(1, 5)
    }
    g = build_graph(load(tmp_path, phases))
    assert sum(len(d) for d in g.deps.values()) < 5 * 2000
    assert len(g.order()) == len(g.deps)
