"""Python test generation: the probe's parts, then whole generated files run by real pytest."""

from __future__ import annotations

import dataclasses
import enum
import math
import random
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Optional, Protocol

import pytest

from pytest_orchestrate.tasks.test_generation import python_probe
from pytest_orchestrate.tasks.test_generation.python import generate_python, regex_literal
from pytest_orchestrate.tasks.test_generation.python_probe import Names, Synthesizer, literal, plain
from pytest_orchestrate.tasks.test_generation.python_select import select_greedy

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SERVICES = REPO / "examples" / "educonnect" / "services"
FASTAPI_SAMPLE = Path(__file__).resolve().parent / "data" / "fastapi_service"


# ----------------------------------------------------------------------------- the value serialiser
class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


class Node:
    def __init__(self, name: str) -> None:
        self.name = name
        self.children: list[Node] = []
        self._cache = {"k": 1}


def test_plain_turns_datetimes_sets_enums_and_bytes_into_tagged_data() -> None:
    value = {
        "at": datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
        "day": date(2024, 1, 2),
        "tags": {"b", "a", "c"},
        "color": Color.RED,
        "raw": b"\x00ok",
    }
    assert plain(value) == {
        "at": {"__datetime__": "2024-01-02T03:04:00+00:00"},
        "day": {"__date__": "2024-01-02"},
        "tags": {"__set__": ["a", "b", "c"]},
        "color": {"__enum__": "Color.RED"},
        "raw": {"__bytes__": "\x00ok"},
    }


def test_plain_gives_the_same_data_for_a_set_whatever_its_iteration_order() -> None:
    forwards = frozenset(f"word{i}" for i in range(50))
    backwards = frozenset(reversed(sorted(forwards)))
    assert plain(forwards) == plain(backwards)


def test_plain_describes_class_instances_dataclasses_and_cycles_structurally() -> None:
    root = Node("root")
    root.children.append(root)
    assert plain(root) == {
        "__class__": "Node",
        "_cache": {"k": 1},
        "children": ["<cycle>"],
        "name": "root",
    }
    assert plain([Point(1), Point(2, 3)]) == [
        {"__class__": "Point", "x": 1, "y": 0},
        {"__class__": "Point", "x": 2, "y": 3},
    ]


def test_plain_names_functions_and_classes_and_tags_non_finite_floats() -> None:
    assert plain(test_plain_names_functions_and_classes_and_tags_non_finite_floats) == {
        "__callable__": "test_plain_names_functions_and_classes_and_tags_non_finite_floats"
    }
    assert plain(Point) == {"__callable__": "Point"}
    assert plain(math.nan) == {"__float__": "nan"}
    assert plain({1: "a", 0: "b"}) == {"__dict__": [[0, "b"], [1, "a"]]}


def test_literal_writes_sets_sorted_and_refuses_what_has_no_literal() -> None:
    assert literal({"b", "a"}) == "{'a', 'b'}"
    assert literal(frozenset()) == "frozenset()"
    assert literal((1,)) == "(1,)"
    assert literal({"k": [1, 2.5, None]}) == "{'k': [1, 2.5, None]}"
    assert literal(Point(1)) is None
    assert literal(math.inf) is None


def test_the_embedded_helper_is_the_probe_function_renamed() -> None:
    from pytest_orchestrate.tasks.test_generation.python import plain_helper_source

    source = plain_helper_source()
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 - the exact text the generated files carry
    assert source.startswith("def _plain(")
    assert namespace["_plain"]({"s": {2, 1}}) == plain({"s": {2, 1}})


def test_regex_literal_matches_its_own_text_only() -> None:
    for text in ["unknown kind 'a.b'", "costs $5 (plus 10%) [maybe] {x} a|b ^^", "two\nlines"]:
        pattern = regex_literal(text)
        assert python_probe.re.fullmatch(pattern, text)
    assert not python_probe.re.fullmatch(regex_literal("a.b"), "axb")


# ----------------------------------------------------------------------------- input synthesis
class Sender(Protocol):
    def send(self, to: str) -> bool: ...


class Boom(Exception):
    pass


def draws(annotation: Any, n: int = 120, **pools: Any) -> list[Any]:
    """``n`` values drawn for ``annotation``, each evaluated the way the probe does."""
    names = Names()
    synth = Synthesizer(random.Random(7), names, **pools)
    sources = [synth.draw(annotation) for _ in range(n)]
    namespace = names.namespace()
    return [eval(source, namespace) for source in sources]  # noqa: S307


def test_optional_int_draws_both_none_and_ints_from_the_units_numbers_and_their_neighbours() -> (
    None
):
    values = draws(Optional[int], numbers=[40])  # noqa: UP045 - the typing spelling is what is tested
    assert None in values
    ints = {v for v in values if v is not None}
    assert all(isinstance(v, int) for v in ints)
    assert {39, 40, 41} <= ints


def test_strings_come_mostly_from_the_units_own_literals() -> None:
    values = draws(str, strings=["email", "push"])
    assert {"email", "push"} <= set(values)
    assert sum(v in ("email", "push") for v in values) > len(values) / 3


def test_collections_literals_and_dates_follow_their_annotations() -> None:
    assert all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in draws(list[str]))
    assert any(v == [] for v in draws(list[str]))
    assert all(
        isinstance(v, dict) and all(isinstance(k, str) and isinstance(i, int) for k, i in v.items())
        for v in draws(dict[str, int])
    )
    assert set(draws(Literal["a", "b"])) == {"a", "b"}
    stamps = draws(datetime)
    assert all(isinstance(v, datetime) and v.tzinfo is UTC for v in stamps)


def test_dataclasses_are_built_field_by_field_and_enums_by_member() -> None:
    points = draws(Point, numbers=[3])
    assert all(isinstance(p, Point) and isinstance(p.x, int) for p in points)
    assert any(p.y != 0 for p in points) and any(
        p.y == 0 for p in points
    )  # the default is kept sometimes
    assert set(draws(Color)) == {Color.RED}


def test_protocols_and_callables_get_stand_ins_that_sometimes_raise_the_units_errors() -> None:
    senders = draws(Sender, errors=[Boom])
    outcomes = set()
    for sender in senders:
        try:
            outcomes.add(type(sender.send("x")))
        except Boom:
            outcomes.add(Boom)
    assert outcomes == {bool, Boom}
    callbacks = draws(Callable[[str], int])
    assert all(isinstance(cb("x"), int) for cb in callbacks)


def test_dicts_for_untyped_parameters_use_the_keys_the_unit_reads() -> None:
    values = draws(dict[str, object], keys=["userId", "occurredAt"])
    assert any(set(v) == {"userId", "occurredAt"} for v in values)
    # A name says what its value is: a timestamp for occurredAt, an identifier for userId.
    assert any(v.get("occurredAt") == "2024-01-01T09:30:00Z" for v in values)
    assert any(v.get("userId") == "u1" for v in values)


# ----------------------------------------------------------------------------- greedy selection
def test_greedy_selection_keeps_the_calls_that_add_coverage_in_pick_order() -> None:
    matrix = {
        "a": {1, 2, 3},
        "b": {3, 4},
        "c": {1, 2, 3, 4, 5},
        "d": {6},
        "e": {5, 6},
        "f": set(),
    }
    assert select_greedy(matrix) == ["c", "d"]
    assert select_greedy(matrix, already={6}) == ["c"]


def test_greedy_ties_go_to_the_earlier_call_so_the_result_is_deterministic() -> None:
    matrix = {"x": {1}, "y": {1}, "z": {2}}
    assert select_greedy(matrix) == ["x", "z"]
    assert select_greedy(matrix, order=["y", "x", "z"]) == ["y", "z"]


# ----------------------------------------------------------------------------- whole files
def run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def make_service(tmp_path: Path, files: dict[str, str]) -> Path:
    service = tmp_path / "services" / "clock"
    for name, text in {"conftest.py": CONFTEST, **files}.items():
        path = service / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return service


CONFTEST = """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
"""


def write_generated(root: Path, generated: Any) -> Path:
    path = root / generated.output
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(generated.text, encoding="utf-8")
    return path


def test_values_that_vary_between_runs_are_pinned_by_type_only_and_the_notes_say_so(
    tmp_path: Path,
) -> None:
    make_service(
        tmp_path,
        {
            "clock/__init__.py": "",
            "clock/stamps.py": """
            import random
            import time
            import uuid


            def now() -> float:
                return time.time()


            def roll() -> float:
                return random.random()


            def ticket() -> uuid.UUID:
                return uuid.uuid4()


            def double(n: int) -> int:
                if n < 0:
                    raise ValueError("negative")
                return n * 2
        """,
        },
    )
    generated = generate_python(
        tmp_path,
        ["services/clock/clock/stamps.py"],
        task_id="t",
        estimated_tests=None,
        style="characterize",
        output=None,
        params={"budget_seconds": 20},
    )

    varying = [n for n in generated.notes if "varies between runs" in n]
    assert sorted(n.split(": ")[1] for n in varying) == [
        "test_now_as_today_1",
        "test_roll_as_today_1",
        "test_ticket_as_today_1",
    ]
    assert "assert type(result).__name__ == 'float'" in generated.text
    assert "assert type(result).__name__ == 'UUID'" in generated.text
    assert "match='^negative$'" in generated.text
    test_file = write_generated(tmp_path, generated)
    assert test_file == tmp_path / "services/clock/tests/test_stamps.py"
    for _ in range(3):
        done = run_pytest(tmp_path / generated.check_cwd, "tests/test_stamps.py")
        assert done.returncode == 0, done.stdout
    assert f"{generated.tests} passed" in done.stdout


SHAPED = """
    from functools import lru_cache


    class Account:
        def __init__(self, owner: str, balance: int = 0) -> None:
            self.owner = owner
            self.balance = balance

        @property
        def label(self) -> str:
            return self.owner.upper()

        @classmethod
        def empty(cls, owner: str) -> "Account":
            return cls(owner)

        def deposit(self, amount: int) -> int:
            self.balance += amount
            return self.balance


    @lru_cache(maxsize=8)
    def square(n: int) -> int:
        return n * n
"""


def test_shape_tests_pass_today_and_fail_when_a_signature_changes(tmp_path: Path) -> None:
    service = make_service(tmp_path, {"bank/__init__.py": "", "bank/accounts.py": SHAPED})
    (service / "tests").mkdir()
    (service / "tests" / "test_accounts.py").write_text("def test_hand_written():\n    pass\n")
    (service / "tests" / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef amount():\n    return 5\n"
    )
    generated = generate_python(
        tmp_path,
        ["services/clock/bank/accounts.py"],
        task_id="t",
        estimated_tests=3,
        style="shape",
        output=None,
        params={},
    )
    # The hand-written file keeps its name; ours gets a suffix pytest still collects.
    assert generated.output == "services/clock/tests/test_accounts_gen.py"
    assert generated.todos == 3
    assert "reason='TODO: test Account.deposit with a chosen amount'" in generated.text
    # The target's own fixture named like the parameter is where the to-do starts from.
    assert "def test_account_deposit_handles_amount(amount):" in generated.text
    write_generated(tmp_path, generated)

    passing = run_pytest(service, "tests/test_accounts_gen.py")
    assert passing.returncode == 0, passing.stdout
    assert "6 passed, 3 skipped" in passing.stdout

    source = service / "bank" / "accounts.py"
    source.write_text(
        source.read_text().replace(
            "def deposit(self, amount: int)", "def deposit(self, cents: int)"
        )
    )
    failing = run_pytest(service, "tests/test_accounts_gen.py")
    assert failing.returncode == 1
    assert "Account.deposit" in failing.stdout


def test_the_same_source_gives_the_same_bytes(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE_SERVICES / "search", tmp_path / "services" / "search")
    runs = [
        generate_python(
            tmp_path,
            ["services/search/search_service/tokenizer.py"],
            task_id="t",
            estimated_tests=2,
            style="characterize",
            output=None,
            params={},
        ).text
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert "    result = tokenize(" in runs[0]


# ----------------------------------------------------------------------------- real services
def measure(service: Path, tests: list[str], packages: list[str]) -> dict[str, tuple[int, int]]:
    """file -> (statements, covered) after running ``tests`` under coverage.py; {} for no tests."""
    if not tests:
        return {}
    data = service / ".coverage-measure"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "run",
            f"--data-file={data}",
            "--branch",
            f"--source={','.join(packages)}",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            *tests,
        ],
        cwd=service,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    report = service / "coverage.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(report)],
        cwd=service,
        capture_output=True,
        check=True,
    )
    files = __import__("json").loads(report.read_text())["files"]
    return {
        name: (f["summary"]["num_statements"], f["summary"]["covered_lines"])
        for name, f in files.items()
    }


def characterize_services(root: Path, services: list[Path]) -> list[dict[str, Any]]:
    """Generate a characterization file per module of each service; one row per module."""
    rows = []
    for service in services:
        for source in sorted(service.glob("*/*.py")):
            if source.name == "__init__.py" or source.parent.name == "tests":
                continue
            relative = source.relative_to(root).as_posix()
            generated = generate_python(
                root,
                [relative],
                task_id="t",
                estimated_tests=None,
                style="characterize",
                output=None,
                params={},
            )
            write_generated(root, generated)
            dropped = [
                n.split(": ", 1)[1] for n in generated.notes if "dropped" in n or "varies" in n
            ]
            rows.append(
                {
                    "service": service,
                    "source": source,
                    "module": source.relative_to(service).as_posix(),
                    "output": generated.output,
                    "kept": generated.tests,
                    "dropped": dropped,
                }
            )
    return rows


def coverage_table(
    root: Path, rows: list[dict[str, Any]], hand_written: dict[Path, list[str]]
) -> tuple[str, int, int]:
    """The table of files, kept and dropped cases, coverage before -> after; and the totals."""
    after: dict[str, tuple[int, int]] = {}
    before: dict[str, tuple[int, int]] = {}
    for service in sorted({r["service"] for r in rows}):
        generated = [
            Path(r["output"]).relative_to(service.relative_to(root)).as_posix()
            for r in rows
            if r["service"] == service
        ]
        packages = sorted({Path(r["module"]).parts[0] for r in rows if r["service"] == service})
        for name, figures in measure(service, generated, packages).items():
            after[(service / name).as_posix()] = figures
        for name, figures in measure(service, hand_written.get(service, []), packages).items():
            before[(service / name).as_posix()] = figures
    lines = [f"{'file':<44} {'kept':>4} {'dropped':>7}  coverage before -> after"]
    total_statements = total_covered = 0
    for row in rows:
        key = row["source"].as_posix()
        statements, covered = after.get(key, (0, 0))
        old = before.get(key, (statements, 0))[1]
        total_statements += statements
        total_covered += covered
        lines.append(
            f"{row['module']:<44} {row['kept']:>4} {len(row['dropped']):>7}  "
            f"{100 * old / max(statements, 1):5.1f}% -> {100 * covered / max(statements, 1):5.1f}%"
        )
        lines += [f"{'':<8}dropped/limited: {reason}" for reason in row["dropped"]]
    lines.append(
        f"{'total':<57} {100 * total_covered / max(total_statements, 1):5.1f}% "
        f"of {total_statements} statements"
    )
    return "\n".join(lines), total_statements, total_covered


def test_educonnect_services_reach_85_percent_from_generated_tests_alone(tmp_path: Path) -> None:
    shutil.copytree(
        EXAMPLE_SERVICES,
        tmp_path / "services",
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"),
    )
    services = sorted(p for p in (tmp_path / "services").iterdir() if p.is_dir())
    hand_written = {
        s: [t.relative_to(s).as_posix() for t in sorted(s.glob("tests/test_*.py"))]
        for s in services
    }

    rows = characterize_services(tmp_path, services)
    table, statements, covered = coverage_table(tmp_path, rows, hand_written)
    print("\n" + table)

    assert len(rows) == 8
    assert covered / statements >= 0.85, table
    for service in services:  # every generated file of a service together, three runs in a row
        generated = [Path(r["output"]).name for r in rows if r["service"] == service]
        for _ in range(3):
            done = run_pytest(service, *(f"tests/{name}" for name in generated))
            assert done.returncode == 0, done.stdout[-3000:]
            assert " failed" not in done.stdout


def test_a_fastapi_service_without_its_tests_gets_80_percent_from_generated_tests(
    tmp_path: Path,
) -> None:
    pytest.importorskip("fastapi")
    root = tmp_path
    shutil.copytree(
        FASTAPI_SAMPLE,
        root / "bookshelf-service",
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"),
    )
    service = root / "bookshelf-service"
    shutil.rmtree(service / "tests")

    rows = characterize_services(root, [service])
    table, statements, covered = coverage_table(root, rows, {})
    print("\n" + table)

    assert covered / statements >= 0.80, table
    done = run_pytest(service, "tests")
    assert done.returncode == 0, done.stdout[-3000:]
    assert f"{sum(r['kept'] for r in rows)} passed" in done.stdout


# ----------------------------------------------------------------------------- through a roadmap
MEASURE = """
      - name: Search coverage
        type: coverage
        command: >-
          python -m coverage run --data-file=coverage/.cov --branch
          --source=services/search/search_service -m pytest services/search -q -p no:cacheprovider
          && python -m coverage json --data-file=coverage/.cov -o coverage/search.json
        report: {path: coverage/search.json, root: "."}
"""
PYTHON_ROADMAP = f"""
phase_1:
  name: Where coverage starts
  groups:
    group_a:
      name: Nothing to do
      tasks:
        - {{id: "1.1", name: nothing, type: command, run: "true"}}
  checkpoint:
    name: Before
    checks:{MEASURE}
phase_2:
  name: Python tests
  groups:
    group_c:
      name: Search service
      tasks:
        - id: "2.4"
          name: Characterize the tokenizer
          type: test_generation
          source: services/search/search_service/tokenizer.py
          style: characterize
          estimated_tests: 2
  checkpoint:
    name: After
    checks:{MEASURE}
"""


def test_a_roadmap_task_characterizes_a_python_module_and_a_rerun_is_up_to_date(
    pytester: pytest.Pytester,
) -> None:
    shutil.copytree(
        EXAMPLE_SERVICES / "search",
        pytester.path / "services" / "search",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (pytester.path / "config").mkdir()
    (pytester.path / "config" / "phases.yaml").write_text(PYTHON_ROADMAP.lstrip(), encoding="utf-8")
    # What the service's suite is before generation: one test that imports the package.
    smoke = pytester.path / "services" / "search" / "tests" / "test_smoke.py"
    smoke.parent.mkdir(exist_ok=True)
    smoke.write_text("import search_service\n\n\ndef test_imports():\n    assert search_service\n")

    first = pytester.runpytest("--all", "-v", "-p", "no:randomly")

    first.assert_outcomes(passed=4)
    first.stdout.fnmatch_lines(["*::2.4 CHANGED*"])
    # The closing table: what generation wrote and dropped, and the coverage the phase's
    # checkpoint measured against the one before it.
    table = first.stdout.str().split("orchestrate generated tests")[1]
    header, row = table.splitlines()[1:3]
    assert (
        header.split()
        == "phase files tests to-dos probe calls dropped lines before -> after".split()
    )
    phase, files, tests, todos, probes, dropped, scope, before, arrow, after = row.split()
    assert (phase, files, todos, scope, arrow) == ("phase_2", "1", "2", "search.json", "->")
    assert 0 < int(tests) <= int(probes) and int(dropped) >= 0
    assert float(before.rstrip("%")) < float(after.rstrip("%")), row
    written = pytester.path / "services" / "search" / "tests" / "test_tokenizer.py"
    text = written.read_text(encoding="utf-8")
    assert text.startswith(
        "# Generated by pytest-orchestrate from services/search/search_service/tokenizer.py"
    )
    assert "does not claim it is correct" in text
    assert "@pytest.mark.skip(reason='TODO: test " in text
    done = run_pytest(pytester.path / "services" / "search", "tests/test_tokenizer.py")
    assert done.returncode == 0, done.stdout

    again = pytester.runpytest("--phase", "2", "-v", "-p", "no:randomly", "--redo")

    again.assert_outcomes(passed=2)
    again.stdout.fnmatch_lines(["*::2.4 OK*"])  # the same source gave the same bytes
    assert written.read_text(encoding="utf-8") == text
