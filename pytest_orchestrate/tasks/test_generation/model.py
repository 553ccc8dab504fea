"""What a test generator hands the ``test_generation`` handler: a test file and how to check it.

Data only. The handler owns writing (through the workspace), ownership headers and the check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# A test_generation task's figures (report properties, and the closing "generated tests" table).
GENERATED_FILES, GENERATED_TESTS, GENERATED_TODOS = (
    "generated_files",
    "generated_tests",
    "generated_todos",
)
PROBE_CALLS, DROPPED_CASES = "probe_calls", "dropped_cases"  # characterization only
FAILED_VERIFICATION = "failed in verification"  # the rendered case failed one of three runs


@dataclass
class Selection:
    """How characterization chose its cases: the probe calls it made, and why it dropped those
    it could not keep. Calls that only added no new line or branch are neither: left out."""

    probed: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> how many

    def drop(self, reason: str, count: int = 1) -> None:
        if count:
            self.dropped[reason] += count


@dataclass
class GeneratedTest:
    """One generated test file, not yet written, and the command that must pass on it."""

    output: str  # path relative to the project root
    text: str  # the file's content, without the generated-file header (the handler adds it)
    check_argv: list[
        str
    ]  # runs just this file, e.g. ["python", "-m", "pytest", "tests/test_x.py", "-q"]
    check_cwd: str  # where to run check_argv, relative to the project root ("." for the root)
    notes: list[str] = field(
        default_factory=list
    )  # what the analysis could not handle, for the report
    tests: int = 0  # real test cases in the file
    todos: int = 0  # named to-do cases (`it.todo`, `pytest.mark.skip(reason="todo")`)
    selection: Selection | None = None  # characterization only
