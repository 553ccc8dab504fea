"""The roadmap's schema: pydantic models for settings, tasks and checkpoints, and the assembled
roadmap.

Nothing here does I/O or imports pytest. ``roadmap.py`` turns a YAML file into these objects.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .keys import GROUP_PREFIX, PHASE_PREFIX, group_letter

Priority = Literal["critical", "high", "medium", "low"]
PRIORITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
# About two years: longer timeouts overflow the OS's (and would be a typo anyway).
MAX_MINUTES = 1_000_000

# The spec's eight actions plus the generic ones users write their own edits with.
ConfigEditAction = Literal[
    "expand_coverage_collection",
    "add_directory_thresholds",
    "remove_continue_on_error",
    "add_migration_step",
    "implement_staging_deploy",
    "implement_production_deploy",
    "add_approval_gates",
    "make_trivy_blocking",
    "yaml_set",
    "yaml_delete",
    "yaml_append",
    "json_set",
]


class Strict(BaseModel):
    """Base of every roadmap model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _template_name(value: str | None) -> str | None:
    """A template is named relative to a templates folder: never absolute, never through '..'."""
    if value is None:
        return value
    parts = value.replace("\\", "/").split("/")
    if (
        not value
        or value.startswith(("/", "\\"))
        or ":" in parts[0]
        or ".." in parts
        or "\0" in value
    ):
        raise ValueError(
            f"template {value!r} must be a name inside a templates folder, such as "
            "'service.test.ts.j2' or 'ci/deploy.yml.j2' (no absolute path, no '..')"
        )
    return value


def _as_list(value: Any) -> Any:
    """Let ``depends_on: phase_1`` mean ``depends_on: [phase_1]``."""
    return [value] if isinstance(value, str) else value


class Settings(Strict):
    """``orchestrator.settings``: run-wide defaults, each overridable per task where it applies."""

    max_parallel_tasks: int = Field(default=4, ge=1, le=1024)
    retry_attempts: int = Field(default=0, ge=0, le=100)
    retry_delay_seconds: float = Field(default=5.0, ge=0)
    retry_max_delay_seconds: float = Field(default=300.0, ge=0)
    timeout_minutes: float = Field(default=30.0, gt=0, le=MAX_MINUTES)
    fail_fast: bool = False
    project_root: str | None = None
    test_style: Literal["shape", "characterize"] = "shape"  # test_generation tasks' default
    secret_names: list[str] = []  # more env var name globs whose values are shown as ***


class OrchestratorSection(Strict):
    """The top-level ``orchestrator`` key."""

    settings: Settings = Settings()


class CommandSpec(Strict):
    """How to run a program: ``argv: [...]``, or ``run: "..."`` through the shell."""

    argv: list[str] | None = None
    run: str | None = None
    shell: bool | None = None
    cwd: str = "."
    env: dict[str, str] = {}
    expect_exit: int = 0

    @model_validator(mode="after")
    def _one_way_to_run(self) -> CommandSpec:
        if (self.argv is None) == (self.run is None):
            raise ValueError("give exactly one of 'argv' (a list) or 'run' (a shell string)")
        if self.argv is not None and not self.argv:
            raise ValueError("'argv' is empty; name the program to run")
        if self.argv is not None and self.shell:
            raise ValueError("'shell: true' goes with 'run', not 'argv'")
        return self

    def display(self) -> str:
        """The command as a user would type it."""
        return self.run if self.run is not None else shlex.join(self.argv or [])


class TaskBase(Strict):
    """Fields every task has, whatever its type."""

    id: str
    name: str
    type: str
    description: str | None = None
    priority: Priority = "medium"
    depends_on: list[str] = []
    retry_attempts: int | None = Field(default=None, ge=0, le=100)
    retry_on: list[int] | None = None
    timeout_minutes: float | None = Field(default=None, gt=0, le=MAX_MINUTES)

    _normalise_depends_on = field_validator("depends_on", mode="before")(_as_list)

    @field_validator("id")
    @classmethod
    def _id_is_plain(cls, value: str) -> str:
        if (
            not value
            or any(c in value for c in "/\\:[] ")
            or value.startswith((PHASE_PREFIX, GROUP_PREFIX))
        ):
            raise ValueError(
                f"task id {value!r} may not be empty, contain '/', '\\', ':', '[', ']' or spaces, "
                "or start with 'phase_' or 'group_'"
            )
        return value

    def writes(self) -> tuple[str, ...]:
        """Project-relative files this task writes; two writers of one file never run at once."""
        return ()

    def reads(self) -> tuple[str, ...]:
        """Project-relative files that must exist before the task runs (checked by validate)."""
        return ()

    def paths(self) -> tuple[str, ...]:
        """Every project path the task names; each must stay inside the project root."""
        return (*self.writes(), *self.reads())


class ConfigEditTask(TaskBase):
    """``config_edit``: a lossless edit of a Jest config, a workflow or another config file."""

    type: Literal["config_edit"]
    target: str
    action: ConfigEditAction
    params: dict[str, Any] = {}

    def writes(self) -> tuple[str, ...]:
        return (self.target,)

    def reads(self) -> tuple[str, ...]:
        return (self.target,)


class TestGenerationTask(TaskBase):
    """``test_generation``: Jest or pytest tests written from the target's own sources."""

    __test__ = False  # not a pytest test class, despite the name

    type: Literal["test_generation"]
    source: str | list[str]
    output: str | None = None
    kind: Literal["auto", "unit", "service", "route", "config", "graphql", "python"] = "auto"
    template: str | None = None
    _safe_template = field_validator("template")(_template_name)
    estimated_tests: int | None = Field(default=None, ge=0)
    # shape: tests of what the code is; characterize: tests that call it and pin what it does.
    # None: the roadmap's test_style setting.
    style: Literal["shape", "characterize"] | None = None
    params: dict[str, Any] = {}

    def sources(self) -> tuple[str, ...]:
        """The source files as a tuple, whichever form the roadmap used."""
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)

    def writes(self) -> tuple[str, ...]:
        return (self.output,) if self.output else ()

    def reads(self) -> tuple[str, ...]:
        return self.sources()


class FileGenerationTask(TaskBase):
    """``file_generation``: a file rendered from a jinja2 template."""

    type: Literal["file_generation"]
    template: str
    _safe_template = field_validator("template")(_template_name)
    output: str
    params: dict[str, Any] = {}

    def writes(self) -> tuple[str, ...]:
        return (self.output,)


class ManualTask(TaskBase):
    """``manual``: a step a human does and confirms."""

    type: Literal["manual"]
    instructions: str


class CommandTask(CommandSpec, TaskBase):
    """``command``: run a program inside the project."""

    type: Literal["command"]
    writes_files: list[str] = Field(default=[], alias="writes")

    def writes(self) -> tuple[str, ...]:
        return tuple(self.writes_files)

    def paths(self) -> tuple[str, ...]:
        return (*self.writes(), self.cwd)


BUILTIN_TASK_MODELS: dict[str, type[TaskBase]] = {
    "config_edit": ConfigEditTask,
    "test_generation": TestGenerationTask,
    "file_generation": FileGenerationTask,
    "manual": ManualTask,
    "command": CommandTask,
}


class CheckBase(Strict):
    """Fields every checkpoint check has, whatever its kind."""

    type: str
    name: str
    timeout_minutes: float | None = Field(default=None, gt=0, le=MAX_MINUTES)

    def paths(self) -> tuple[str, ...]:
        """Every project path the check names; each must stay inside the project root."""
        return ()


def _regexes(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as e:
            raise ValueError(f"{pattern!r} is not a regular expression: {e}") from None
    return patterns


class CommandCheck(CommandSpec, CheckBase):
    """``command``: a program exits as expected, its output matching (or not) regexes."""

    type: Literal["command"]
    stdout_matches: list[str] = []
    stdout_excludes: list[str] = []

    _valid_regexes = field_validator("stdout_matches", "stdout_excludes")(_regexes)

    def paths(self) -> tuple[str, ...]:
        return (self.cwd,)


class ReportSpec(Strict):
    """One coverage report; relative paths inside it are read from ``root``."""

    path: str
    root: str | None = None


CoverageMetric = Literal["lines", "statements", "branches", "functions"]


class CoverageCheck(CheckBase):
    """``coverage``: optionally run a command, then read reports and judge Jest-style thresholds."""

    type: Literal["coverage"]
    command: str | list[str] | None = None
    cwd: str = "."
    env: dict[str, str] = {}
    report: str | ReportSpec | list[str | ReportSpec]
    thresholds: dict[str, dict[CoverageMetric, float]] = {}

    def reports(self) -> tuple[ReportSpec, ...]:
        """The reports as specs, whichever form the roadmap used."""
        given = self.report if isinstance(self.report, list) else [self.report]
        return tuple(ReportSpec(path=r) if isinstance(r, str) else r for r in given)

    def paths(self) -> tuple[str, ...]:
        specs = self.reports()
        return (self.cwd, *(s.path for s in specs), *(s.root for s in specs if s.root))


class WorkflowCheck(CheckBase):
    """``workflow``: GitHub workflows pass the schema, the ``needs`` graph and named rules."""

    type: Literal["workflow"]
    path: str = ".github/workflows"
    rules: list[str] = []

    def paths(self) -> tuple[str, ...]:
        return (self.path,)


class HttpCheck(CheckBase):
    """``http``: a URL answers with a status (and JSON fields) in time, retried to a deadline."""

    type: Literal["http"]
    url: str
    method: str = "GET"
    headers: dict[str, str] = {}
    expect_status: int = 200
    expect_json: dict[str, Any] | None = None
    max_latency_ms: float | None = Field(default=None, gt=0)
    deadline_seconds: float = Field(default=60.0, gt=0)
    retry_delay_seconds: float = Field(default=1.0, ge=0)
    retry_max_delay_seconds: float = Field(default=10.0, ge=0)


BUILTIN_CHECK_MODELS: dict[str, type[CheckBase]] = {
    "command": CommandCheck,
    "coverage": CoverageCheck,
    "workflow": WorkflowCheck,
    "http": HttpCheck,
}


class CheckpointSpec(Strict):
    """A phase's ``checkpoint``: checks run after every task of the phase."""

    name: str
    blocking: bool = False
    checks: list[dict[str, Any]] = Field(min_length=1)


class GroupSpec(Strict):
    """A ``group_<letter>`` as written; its tasks are validated one by one, by type."""

    name: str
    execution: Literal["sequential", "parallel"] = "sequential"
    description: str | None = None
    depends_on: list[str] = []
    tasks: list[Any] = Field(min_length=1)

    _normalise_depends_on = field_validator("depends_on", mode="before")(_as_list)


class PhaseSpec(Strict):
    """A ``phase_<N>`` as written."""

    name: str
    description: str | None = None
    estimated_duration: str | None = None
    depends_on: list[str] | None = None
    groups: dict[str, Any] = {}
    checkpoint: dict[str, Any] | None = None

    _normalise_depends_on = field_validator("depends_on", mode="before")(_as_list)


@dataclass(frozen=True)
class Checkpoint:
    """A validated checkpoint."""

    name: str
    blocking: bool
    checks: tuple[CheckBase, ...]
    line: int


@dataclass(frozen=True)
class Group:
    """A validated group."""

    key: str  # "group_a"
    name: str
    execution: str
    description: str | None
    depends_on: tuple[str, ...]
    tasks: tuple[TaskBase, ...]
    line: int

    @property
    def letter(self) -> str:
        """The group's letter, as users type it in ``--group``."""
        return group_letter(self.key)


@dataclass(frozen=True)
class Phase:
    """A validated phase."""

    key: str  # "phase_1"
    number: int
    name: str
    description: str | None
    estimated_duration: str | None
    depends_on: tuple[str, ...] | None  # None: the previous phase
    groups: tuple[Group, ...]
    checkpoint: Checkpoint | None
    line: int

    def tasks(self) -> tuple[TaskBase, ...]:
        """Every task of the phase, in roadmap order."""
        return tuple(t for g in self.groups for t in g.tasks)


@dataclass(frozen=True)
class Roadmap:
    """A loaded, validated roadmap file."""

    path: Path
    display: str  # the path as shown to users, relative to the rootdir
    settings: Settings
    phases: tuple[Phase, ...]
    project_root: Path
    project_root_line: int | None = None  # of settings.project_root, when the root comes from it
    task_lines: dict[str, int] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)

    def tasks(self) -> tuple[TaskBase, ...]:
        """Every task, in roadmap order."""
        return tuple(t for p in self.phases for t in p.tasks())

    def phase_of(self) -> dict[str, Phase]:
        """Map each task id, group key and checkpoint node to its phase."""
        out: dict[str, Phase] = {}
        for phase in self.phases:
            for group in phase.groups:
                out[group.key] = phase
                for task in group.tasks:
                    out[task.id] = phase
        return out


def fingerprint(raw: Any) -> str:
    """A stable hash of a task's definition as written, so an edited task runs again."""
    blob = json.dumps(raw, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
