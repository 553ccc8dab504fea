"""The pytest11 entry point: options, hook specs, and collecting the roadmap file.

The roadmap is collected only when asked for (``--phase``, ``--group``, ``--all``, ``--roadmap``,
``--dry-run``, ...) or when a YAML file is passed as an argument, so plain ``pytest`` in a
repository with its own tests keeps running only those.
"""

from __future__ import annotations

from pathlib import Path
import pytest

from . import hookspec
from .collect import RoadmapFile
from .engine import Engine
from .handlers import register_builtin_types
from .model import BUILTIN_TASK_MODELS, PRIORITIES
from .registry import TaskTypes
from .selection import group_letter, phase_number

ENGINE = "orchestrate-engine"
DEFAULT_ROADMAP = "config/phases.yaml"
registry_key = pytest.StashKey[TaskTypes]()
roadmap_path_key = pytest.StashKey[Path | None]()
explicit_files_key = pytest.StashKey[set[Path]]()

# Options whose presence means "run the roadmap".
ACTIVATING = (
    "orchestrate_phases", "orchestrate_groups", "orchestrate_all", "orchestrate_roadmap",
    "orchestrate_dry_run", "orchestrate_plan", "orchestrate_validate", "orchestrate_status",
)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspec)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("orchestrate", "roadmap orchestration (pytest-orchestrate)")
    group.addoption("--phase", action="append", type=phase_number, dest="orchestrate_phases", metavar="N",
                    help="Run phase N of the roadmap (2 or phase_2); repeatable")
    group.addoption("--group", action="append", type=group_letter, dest="orchestrate_groups", metavar="X",
                    help="Run group X only (c or group_c); repeatable; letters are unique across the roadmap")
    group.addoption("--all", action="store_true", dest="orchestrate_all",
                    help="Run every phase of the roadmap, in dependency order")
    group.addoption("--dry-run", action="store_true", dest="orchestrate_dry_run",
                    help="Write nothing and run no command; show the diff each task would make")
    group.addoption("--roadmap", dest="orchestrate_roadmap", metavar="PATH",
                    help=f"The roadmap file (default: ini orchestrate_roadmap, else {DEFAULT_ROADMAP} under the rootdir)")
    group.addoption("--project-root", dest="orchestrate_project_root", metavar="PATH",
                    help="The repository the roadmap acts on (default: ini orchestrate_project_root, "
                         "the roadmap's project_root setting, else the rootdir)")
    group.addoption("--sequential", action="store_true", dest="orchestrate_sequential",
                    help="Run everything in one process, even with -n (like -n 0)")
    group.addoption("--redo", action="store_true", dest="orchestrate_redo",
                    help="Run tasks again even if the cache records them as done")
    group.addoption("--confirm", action="append", dest="orchestrate_confirm", metavar="ID",
                    help="Confirm manual task ID as done (repeatable); recorded with your user name and the time")
    group.addoption("--fail-on-changes", action="store_true", dest="orchestrate_fail_on_changes",
                    help="With --dry-run: exit non-zero if any task would change a file (roadmap not fully applied)")
    group.addoption("--orchestrate-plan", dest="orchestrate_plan", metavar="PATH",
                    help="Write the plan (phases, groups, tasks, dependencies, order) as JSON to PATH ('-' for stdout)")
    group.addoption("--orchestrate-validate", action="store_true", dest="orchestrate_validate",
                    help="Also report task targets and sources that do not exist (use with --collect-only)")
    group.addoption("--orchestrate-status", action="store_true", dest="orchestrate_status",
                    help="Print what is done per phase and exit without running anything")
    parser.addini("orchestrate_roadmap", f"The roadmap file, relative to the ini file (default: {DEFAULT_ROADMAP})")
    parser.addini("orchestrate_project_root", "The repository the roadmap acts on, relative to the ini file")


def _path_setting(config: pytest.Config, name: str) -> Path | None:
    """An option given on the command line (relative to the cwd) or in the ini file (relative to it)."""
    given: str | None = config.getoption(name)
    if given:
        return (config.invocation_params.dir / given).resolve()
    ini = config.getini(name)
    if ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return (base / str(ini)).resolve()
    return None


def roadmap_path(config: pytest.Config) -> Path:
    """The configured roadmap: ``--roadmap``, the ini key, or ``config/phases.yaml`` under the rootdir."""
    return _path_setting(config, "orchestrate_roadmap") or (config.rootpath / DEFAULT_ROADMAP).resolve()


def project_root_override(config: pytest.Config) -> Path | None:
    """``--project-root`` or the ini key; None lets the roadmap decide."""
    return _path_setting(config, "orchestrate_project_root")


@pytest.hookimpl(trylast=True)
def pytest_orchestrate_register_task_types(registry: TaskTypes) -> None:
    """The built-in types, through the same hook as everyone else's.

    A module-level hook of this entry-point plugin, so they are there whenever the registry is
    first built, even as early as ``-n auto`` asks for the roadmap's settings.
    """
    register_builtin_types(registry)


def task_types(config: pytest.Config) -> TaskTypes:
    """The task types, asked of every plugin and conftest once, at first use."""
    registry = config.stash.get(registry_key, None)
    if registry is None:
        registry = TaskTypes()
        config.hook.pytest_orchestrate_register_task_types(registry=registry)
        config.stash[registry_key] = registry
    return registry


def activated(config: pytest.Config) -> bool:
    """Whether an option asked for the roadmap."""
    return any(config.getoption(name) for name in ACTIVATING)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Engine(config), ENGINE)
    if config.pluginmanager.hasplugin("xdist"):
        from .scheduler import XdistHooks  # imports xdist, so only when it is installed

        config.pluginmanager.register(XdistHooks(config), "orchestrate-xdist")
    for name in (*BUILTIN_TASK_MODELS, *PRIORITIES, "checkpoint"):
        config.addinivalue_line("markers", f"{name}: roadmap items of this type, priority or kind (pytest-orchestrate)")

    explicit = {Path(arg.split("::")[0]).resolve() for arg in config.args}
    config.stash[explicit_files_key] = explicit
    config.stash[roadmap_path_key] = None
    if not activated(config):
        return
    path = roadmap_path(config)
    if not path.is_file():
        raise pytest.UsageError(
            f"roadmap not found: {path}\n"
            f"  pass --roadmap=PATH, set orchestrate_roadmap in your ini file, or create {DEFAULT_ROADMAP}"
            + _split_path_option_hint(config)
        )
    config.stash[roadmap_path_key] = path
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        if not any(p == path or p in path.parents for p in explicit):
            config.args.append(str(path))
    else:
        # No paths given: the run is the roadmap, not the repository's own tests.
        config.args[:] = [str(path)]


def _split_path_option_hint(config: pytest.Config) -> str:
    """pytest picks the rootdir before plugin options exist, so ``--project-root PATH`` (with a
    space) makes PATH look like a test path; say so when that is what happened."""
    args = list(config.invocation_params.args)
    for option in ("--project-root", "--roadmap"):
        if option in args[:-1]:
            value = args[args.index(option) + 1]
            return (f"\n  note: the rootdir is {config.rootpath} because pytest read '{value}' as a test path "
                    f"before it knew {option}; write {option}={value}")
    return ""


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RoadmapFile | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    resolved = file_path.resolve()
    if resolved == config.stash.get(roadmap_path_key, None) or resolved in config.stash.get(explicit_files_key, set()):
        return RoadmapFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(optionalhook=True, tryfirst=True)  # before xdist's own CPU count
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` means the roadmap's ``max_parallel_tasks`` when a roadmap is being run."""
    if not activated(config):
        return None
    from .collect import load_context, roadmap_display
    from .roadmap import RoadmapInvalid

    path = roadmap_path(config)
    try:
        context = load_context(path, config, roadmap_display(config, path))
    except (RoadmapInvalid, OSError):
        return None  # collection reports the problem properly
    return context.roadmap.settings.max_parallel_tasks


def register_markers(config: pytest.Config, names: dict[str, str]) -> None:
    """Register per-roadmap marks (phase_1, group_a) so ``--strict-markers`` accepts them."""
    known = {line.split(":")[0] for line in config.getini("markers")}
    for name, text in names.items():
        if name not in known:
            config.addinivalue_line("markers", f"{name}: {text}")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    path = config.stash.get(roadmap_path_key, None)
    if path is None:
        return None
    root = project_root_override(config)
    lines = [f"orchestrate: roadmap {path}"]
    if root is not None:
        lines.append(f"orchestrate: project root {root}")
    if config.getoption("orchestrate_dry_run"):
        lines.append("orchestrate: dry run (nothing is written, no command is run)")
    if getattr(config, "cache", None) is None:
        lines.append("orchestrate: no cache (-p no:cacheprovider): finished tasks are not remembered, nothing resumes")
    return lines
