"""YAML edit actions (generic paths and GitHub Actions workflow changes) and the
workflow validity check."""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.scalarstring import FoldedScalarString

from ..errors import EditError
from .yaml import (
    Index,
    YamlDocument,
    append_path,
    delete_path,
    describe_item,
    find_items,
    item_selector,
    load_plain,
    plain,
    same,
    set_path,
)

if TYPE_CHECKING:
    import jsonschema

__all__ = ["YAML_ACTIONS", "check_workflow", "edit_yaml", "edit_yaml_noted"]


@dataclass
class _Context:
    """What an action works on."""

    doc: YamlDocument
    action: str
    params: Mapping[str, Any]
    project_root: Path

    @property
    def filename(self) -> str:
        return self.doc.filename

    def fail(self, message: str) -> EditError:
        return EditError(f"{self.filename}: {message}")

    def text(self, name: str, default: str | None = None) -> str | None:
        """A string parameter (numbers are accepted and turned into text)."""
        value = self.params.get(name, default)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise self.fail(
            f"action {self.action}: parameter {name!r} must be a string, not {type(value).__name__}"
        )

    def names(self, name: str) -> list[str] | None:
        """A parameter that is one name or a list of names."""
        value = self.params.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [str(v) for v in value]
        raise self.fail(
            f"action {self.action}: parameter {name!r} must be a name or a list of names"
        )


# ---------------------------------------------------------------------------
# Workflow lookups
# ---------------------------------------------------------------------------


def _jobs(ctx: _Context) -> CommentedMap:
    jobs = ctx.doc.root.get("jobs")
    if not isinstance(jobs, CommentedMap) or not jobs:
        raise ctx.fail(f"action {ctx.action} needs a GitHub workflow; {ctx.filename} has no jobs")
    return jobs


def _steps(job: Any) -> list[Any]:
    steps = job.get("steps") if isinstance(job, Mapping) else None
    return steps if isinstance(steps, list) else []


def _run(step: Any) -> str:
    run = step.get("run") if isinstance(step, Mapping) else None
    return str(run) if isinstance(run, str) else ""


def _uses(step: Any) -> str:
    uses = step.get("uses") if isinstance(step, Mapping) else None
    return str(uses) if isinstance(uses, str) else ""


def _all_steps(jobs: Mapping[str, Any]) -> Iterator[tuple[str, int, Any]]:
    for job_id, job in jobs.items():
        for index, step in enumerate(_steps(job)):
            yield str(job_id), index, step


def _step_listing(jobs: Mapping[str, Any]) -> str:
    parts = []
    for job_id, job in jobs.items():
        steps = (
            ", ".join(describe_item(step, i) for i, step in enumerate(_steps(job))) or "no steps"
        )
        parts.append(f"{job_id}: {steps}")
    return "; ".join(parts)


def _seen_steps(jobs: Mapping[str, Any]) -> str:
    """Every step with what it does (`uses`, or its run script's commands), so a failure shows
    what was looked at and why nothing matched."""
    parts = []
    for job_id, index, step in _all_steps(jobs):
        label = _name(step) or f"#{index}"
        does = _uses(step) or " && ".join(
            line.strip() for line in _run(step).splitlines() if line.strip()
        )
        does = does if len(does) <= 80 else does[:77] + "..."
        parts.append(f"{job_id}: {label!r} ({'uses ' if _uses(step) else 'run: '}{does})")
    return "; ".join(parts) or "none"


def _job(ctx: _Context, jobs: CommentedMap, job_id: str) -> CommentedMap:
    job = jobs.get(job_id)
    if job is None:
        raise ctx.fail(f"no job {job_id!r}; jobs are: {', '.join(map(str, jobs))}")
    if not isinstance(job, CommentedMap):
        raise ctx.fail(f"job {job_id!r} is not a mapping")
    return job


def _find_job(
    ctx: _Context, jobs: CommentedMap, words: tuple[str, ...], what: str, hint: str = "job"
) -> str:
    """The one job whose id, else whose `name:`, contains the first of `words` that matches; a
    deploy job wins a tie."""
    for word in words:
        for field in ("id", "name"):
            found = [
                str(job_id)
                for job_id, job in jobs.items()
                if word in _job_label(job_id, job, field).lower()
            ]
            if len(found) > 1:
                deploys = [job_id for job_id in found if "deploy" in job_id.lower()]
                found = deploys if len(deploys) == 1 else found
            if len(found) == 1:
                return found[0]
            if found:
                raise ctx.fail(f"several {what} jobs ({', '.join(found)}); pass params {hint}")
    jobs_text = ", ".join(map(str, jobs))
    raise ctx.fail(
        f"no {what} job (an id containing {words[0]!r}); jobs are: {jobs_text}; pass params {hint}"
    )


def _job_label(job_id: Any, job: Any, field: str) -> str:
    if field == "id":
        return str(job_id)
    name = job.get("name") if isinstance(job, Mapping) else None
    return str(name) if isinstance(name, str) else ""


def _insert_before_steps(job: CommentedMap, key: str, value: Any) -> None:
    """Add a job-level key just above `steps`, where GitHub's docs put needs/if/environment."""
    own = [k for k in job if job._unmerged_contains(k)]
    if "steps" not in own:
        job[key] = value
        return
    position = own.index("steps")
    # ruamel counts a `<<:` merge as a position of its own.
    merge_pos = getattr(getattr(job, merge_attrib, None), "merge_pos", -1)
    if 0 <= merge_pos <= position:
        position += 1
    job.insert(position, key, value)


# ---------------------------------------------------------------------------
# Package managers
# ---------------------------------------------------------------------------

_LOCKFILES = (
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
    ("yarn.lock", "yarn"),
    ("pnpm-lock.yaml", "pnpm"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
)
_JS_MANAGERS = ("npm", "yarn", "pnpm", "bun")
_PY_LOCKFILES = (
    ("uv.lock", "uv"),
    ("poetry.lock", "poetry"),
    ("Pipfile.lock", "pipenv"),
    ("pdm.lock", "pdm"),
    ("requirements.txt", "pip"),
)
# One install command each; options only, so `yarn add x` or `yarn build` is not an install.
_INSTALLS = (
    ("npm", re.compile(r"npm\s+(?:ci|install|i)(?:\s+-\S+)*")),
    ("yarn", re.compile(r"yarn(?:\s+install)?(?:\s+-\S+)*")),
    ("pnpm", re.compile(r"pnpm\s+(?:install|i)(?:\s+-\S+)*")),
    ("bun", re.compile(r"bun\s+(?:install|i)(?:\s+-\S+)*")),
    ("uv", re.compile(r"uv\s+sync(?:\s+-\S+)*")),
    ("poetry", re.compile(r"poetry\s+install(?:\s+\S+)*")),
    ("pipenv", re.compile(r"pipenv\s+(?:install|sync)(?:\s+-\S+)*")),
    ("pdm", re.compile(r"pdm\s+(?:install|sync)(?:\s+-\S+)*")),
)
# `pip install` (also `python -m pip`, `uv pip`) installs the project's dependencies only from a
# requirements file or the project itself; `pip install safety ruff` installs tools.
_PIP_INSTALL = re.compile(r"(?:python3?(?:\.\d+)?\s+-m\s+|uv\s+)?pip3?\s+install\s+(.*)")
_PIP_PROJECT_ARG = re.compile(
    r"(?:^|\s)(?:-r|--requirement|-e|--editable|-c)(?:[\s=]|$)|(?:^|\s)['\"]?\."
)


def _install_manager(step: Any) -> str | None:
    """The package manager a step installs dependencies with, if it is an install step."""
    for line in _run(step).splitlines():
        for command in re.split(r"&&|;", line):
            command = command.strip()
            for pm, pattern in _INSTALLS:
                if pattern.fullmatch(command):
                    return pm
            pip = _PIP_INSTALL.fullmatch(command)
            if pip and _PIP_PROJECT_ARG.search(pip.group(1)):
                return "pip"
    return None


def _package_manager(ctx: _Context, jobs: Mapping[str, Any]) -> str:
    """The project's package manager: its lockfile, else what the workflow
    installs with, else npm."""
    steps = _all_steps(jobs)
    used = [pm for _, _, step in steps if (pm := _install_manager(step)) in _JS_MANAGERS]
    locked = [pm for name, pm in _LOCKFILES if (ctx.project_root / name).is_file()]
    for pm in locked:
        if pm in used:
            return pm
    if locked:
        return locked[0]
    return used[0] if used else "npm"


def _python_manager(ctx: _Context) -> str | None:
    """A Python project's manager from its lockfile, when it has no Node lockfile."""
    if any((ctx.project_root / name).is_file() for name, _ in _LOCKFILES):
        return None
    return next((pm for name, pm in _PY_LOCKFILES if (ctx.project_root / name).is_file()), None)


def _run_script(pm: str, script: str) -> str:
    return f"yarn {script}" if pm == "yarn" else f"{pm} run {script}"


def _package_scripts(ctx: _Context) -> dict[str, Any] | None:
    """package.json's scripts, or None when there is no readable package.json."""
    try:
        data = json.loads((ctx.project_root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return scripts if isinstance(scripts, dict) else {}


# ---------------------------------------------------------------------------
# Generic actions
# ---------------------------------------------------------------------------


def _path(ctx: _Context) -> str:
    path = ctx.text("path")
    if not path:
        raise ctx.fail(f"action {ctx.action} needs params path")
    return path


def _value(ctx: _Context) -> Any:
    if "value" not in ctx.params:
        raise ctx.fail(f"action {ctx.action} needs params value")
    return plain(ctx.params["value"])


def _yaml_set(ctx: _Context) -> bool:
    return set_path(ctx.doc, _path(ctx), _value(ctx))


def _yaml_delete(ctx: _Context) -> bool:
    return delete_path(ctx.doc, _path(ctx))


def _yaml_append(ctx: _Context) -> bool:
    after, before = ctx.text("after"), ctx.text("before")
    if after is not None and before is not None:
        raise ctx.fail("action yaml_append takes params after or before, not both")
    return append_path(ctx.doc, _path(ctx), _value(ctx), after=after, before=before)


# ---------------------------------------------------------------------------
# Workflow actions
# ---------------------------------------------------------------------------


# The ways a project runs a Python tool without calling it directly: its environment manager's
# `run`, a throwaway install (`pipx run`, `uvx`), or the interpreter's `-m`.
_RUNNERS = (
    ("uv", "run"),
    ("uv", "tool", "run"),
    ("uvx",),
    ("poetry", "run"),
    ("pipenv", "run"),
    ("pdm", "run"),
    ("hatch", "run"),
    ("pipx", "run"),
    ("python", "-m"),
)
# Runner options that take the next word as their value (`uv run --with safety safety scan`).
_VALUE_OPTIONS = frozenset(
    {"--with", "--from", "--spec", "--python", "-p", "--group", "--extra", "-e", "--env"}
)
_SHELL_SPLIT = re.compile(r"\n|&&|\|\||;|\|")
_SAFETY_ACTION = "pyupio/safety-action"


def _program(command: str) -> str:
    """The program a shell command runs, looking through env assignments, `sudo` and the
    runners above: `uv run --frozen safety scan` runs `safety`."""
    words = command.split()
    while words and (words[0] == "sudo" or re.match(r"[A-Za-z_]\w*=", words[0])):
        words = words[1:]
    if words and re.fullmatch(r"python(?:3(?:\.\d+)?)?", words[0]):
        words = ["python", *words[1:]]
    for runner in _RUNNERS:
        if tuple(words[: len(runner)]) == runner:
            words = words[len(runner) :]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in _VALUE_OPTIONS else words[1:]
            break
    # `uvx safety@latest`, `pipx run safety==3.2`: the package spec names the program.
    return re.split(r"[@=<>\[]", words[0].rsplit("/", 1)[-1])[0] if words else ""


def _runs_safety(run: str) -> bool:
    """True when a command (not, say, `pip install safety`) of the script is safety itself."""
    return any(_program(part) == "safety" for part in _SHELL_SPLIT.split(run))


def _is_safety_step(step: Any) -> bool:
    return _runs_safety(_run(step)) or _uses(step).startswith(_SAFETY_ACTION)


# `cmd || true` (or `|| :`, `|| exit 0`, `|| echo ...`) at the end of a script line: the command's
# failure is swallowed, the shell's way of saying continue-on-error.
_FALLBACK = re.compile(r"\s*\|\|\s*(?:true|:|exit\s+0|echo\b[^|&;#]*?)(?=\s*(?:#.*)?$)")


def _drop_fallbacks(run: str, runs_target: Callable[[str], bool]) -> str:
    """`run` without the `|| true` after each command that `runs_target`; a command continued
    over lines with `\\` is read whole."""
    lines = run.split("\n")
    start = 0
    for i, line in enumerate(lines):
        found = _FALLBACK.search(line)
        if found:
            logical = " ".join(
                part.rstrip("\\") for part in lines[start:i] + [line[: found.start()]]
            )
            if runs_target(_SHELL_SPLIT.split(logical)[-1]):
                lines[i] = line[: found.start()] + line[found.end() :]
        if not line.rstrip().endswith("\\"):
            start = i + 1
    return "\n".join(lines)


def _make_step_blocking(step: CommentedMap, runs_target: Callable[[str], bool]) -> bool:
    """Drop what lets a step fail without failing the job: `continue-on-error` and `|| true`."""
    changed = False
    if "continue-on-error" in step:
        del step["continue-on-error"]
        changed = True
    run = _script(step)
    new = _drop_fallbacks(run, runs_target)
    if new != run:
        _set_script(step, new)
        changed = True
    return changed


# Stands for a folded (`run: >`) script's line breaks while it is edited: whitespace to the
# regexes and to str.split(), and never in a real script.
_FOLD = "\x1f"


def _script(step: CommentedMap) -> str:
    """The run script; a folded one with its line breaks marked, so an edit keeps them."""
    run = step.get("run")
    if not isinstance(run, FoldedScalarString):
        return _run(step)
    chars = list(str(run))
    for pos in getattr(run, "fold_pos", []):
        chars[pos] = _FOLD
    return "".join(chars)


def _set_script(step: CommentedMap, script: str) -> None:
    if isinstance(step.get("run"), FoldedScalarString):
        folded = FoldedScalarString(script.replace(_FOLD, " "))
        folded.fold_pos = [i for i, char in enumerate(script) if char == _FOLD]
        step["run"] = folded
    else:
        # CommentedMap keeps a `run: |` block a block when given a plain str.
        step["run"] = script


def _name(step: Any) -> str:
    name = step.get("name") if isinstance(step, Mapping) else None
    return str(name) if isinstance(name, str) else ""


def _remove_continue_on_error(ctx: _Context) -> bool:
    jobs = _jobs(ctx)
    name, run = ctx.text("step"), ctx.text("run")
    if name is not None:
        wanted, found = (
            f"no step named {name!r}",
            [s for _, _, s in _all_steps(jobs) if _name(s) == name],
        )
    elif run is not None:
        wanted, found = (
            f"no step whose run contains {run!r}",
            [s for _, _, s in _all_steps(jobs) if run in _run(s)],
        )
    else:
        # Identify the safety step by what it runs, never by position.
        wanted, found = (
            "no step runs safety (`safety check` or `safety scan`, directly, through uv/poetry/"
            f"pipenv/pdm/hatch run, python -m, pipx run or uvx, or {_SAFETY_ACTION})",
            [s for _, _, s in _all_steps(jobs) if _is_safety_step(s)],
        )
    if not found:
        # Looking by name or command, the names are what to compare; looking for safety, the
        # commands are.
        seen = _step_listing(jobs) if name is not None or run is not None else _seen_steps(jobs)
        raise ctx.fail(f"{wanted} in any job; steps are: {seen}")
    changed = False
    for step in found:
        if isinstance(step, CommentedMap):
            changed |= _make_step_blocking(step, lambda command: _program(command) == "safety")
    return changed


_TEST_RUN = re.compile(
    r"\b(?:test|tests|jest|vitest|mocha|ava|playwright|cypress|e2e|pytest|tox|nox|unittest)\b"
)
_INSTALL_WORDS = (
    "npm ci, npm install, yarn install, pnpm install, bun install, pip install -r, uv sync, "
    "poetry install"
)
# Python's migration tools, by the file that shows the project uses them.
_PY_MIGRATIONS = (
    ("manage.py", "python manage.py migrate"),
    ("alembic.ini", "alembic upgrade head"),
)
_PY_RUN = {"uv": "uv run ", "poetry": "poetry run ", "pipenv": "pipenv run ", "pdm": "pdm run "}


def _install_index(steps: list[Any], after: str | None) -> int | None:
    """The step to insert after: params after (a step name or selector), else the
    first dependency install."""
    if after is None:
        return next((i for i, step in enumerate(steps) if _install_manager(step)), None)
    selector = item_selector(after)
    if isinstance(selector, Index):
        return selector.index % len(steps) if -len(steps) <= selector.index < len(steps) else None
    found = find_items(steps, selector)
    return found[0] if found else None


def _add_migration_step(ctx: _Context) -> bool:
    jobs = _jobs(ctx)
    after = ctx.text("after")
    chosen = ctx.names("job")
    targets: list[tuple[str, CommentedMap, int]] = []
    for job_id in chosen or [str(j) for j in jobs]:
        job = _job(ctx, jobs, job_id) if chosen else jobs[job_id]
        steps = _steps(job)
        install = _install_index(steps, after)
        if install is None:
            if chosen:
                what = f"step matching {after!r}" if after else f"install step ({_INSTALL_WORDS})"
                raise ctx.fail(
                    f"job {job_id!r} has no {what}; its steps are: {_seen_steps({job_id: job})}"
                )
            continue
        if chosen or any(_TEST_RUN.search(_run(step)) for step in steps[install + 1 :]):
            targets.append((job_id, job, install))
    if not targets:
        raise ctx.fail(
            "no job installs dependencies and then runs tests, so there is nowhere to run "
            "migrations; "
            f"steps are: {_seen_steps(jobs)}"
        )
    name = ctx.text("name", "Run database migrations") or "Run database migrations"
    changed = False
    for _job_id, job, install in targets:
        steps = _steps(job)
        command = ctx.text("command") or _migrate_command(ctx, jobs, steps[install])
        if any(_name(s) == name or command in _run(s).strip().splitlines() for s in steps):
            continue
        step: dict[str, Any] = {"name": name}
        workdir = steps[install].get("working-directory")
        if workdir is not None:
            step["working-directory"] = plain(workdir)
        step["run"] = command
        env = _migration_env(ctx, job)
        if env:
            step["env"] = env
        steps.insert(install + 1, ctx.doc.fresh(step, near=steps))
        changed = True
    return changed


def _migrate_command(ctx: _Context, jobs: Mapping[str, Any], install: Any) -> str:
    """`npm run migrate` (or yarn, pnpm, bun) for a Node project; for a Python one, Django's or
    Alembic's command through the manager that installed the dependencies."""
    pm = _install_manager(install) or _python_manager(ctx)
    if pm is None or pm in _JS_MANAGERS:
        return _run_script(_package_manager(ctx, jobs), "migrate")
    workdir = install.get("working-directory") if isinstance(install, Mapping) else None
    base = ctx.project_root
    if isinstance(workdir, str) and "${{" not in workdir:
        base = base / workdir
    for marker, tool in _PY_MIGRATIONS:
        if (base / marker).is_file():
            return _PY_RUN.get(pm, "") + tool
    markers = " or ".join(marker for marker, _ in _PY_MIGRATIONS)
    raise ctx.fail(
        f"action {ctx.action}: the job installs with {pm} but the project has no {markers}, so "
        "its migration command is unknown; pass params command"
    )


def _migration_env(ctx: _Context, job: Mapping[str, Any]) -> dict[str, Any]:
    """params env: a mapping is used as is; names become `${{ secrets.NAME }}` unless the job or
    workflow already sets them."""
    env = ctx.params.get("env")
    if env is None:
        return {}
    if isinstance(env, Mapping):
        return {str(k): plain(v) for k, v in env.items()}
    inherited: set[str] = set()
    for scope in (ctx.doc.root.get("env"), job.get("env")):
        if isinstance(scope, Mapping):
            inherited.update(str(k) for k in scope)
    return {
        name: f"${{{{ secrets.{name} }}}}"
        for name in ctx.names("env") or []
        if name not in inherited
    }


def _is_placeholder(job: Mapping[str, Any]) -> bool:
    """True when the job's steps only echo (and maybe check out): a TODO stand-in for a real job."""
    steps = _steps(job)
    echoes = 0
    for step in steps:
        if not isinstance(step, Mapping):
            return False
        if _uses(step).startswith("actions/checkout@") and "run" not in step:
            continue
        lines = [
            line.strip()
            for line in _run(step).splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
        if (
            "uses" in step
            or not lines
            or not all(line.startswith("echo ") or line == "echo" for line in lines)
        ):
            return False
        echoes += 1
    return echoes > 0 or not steps


def _copy_step(doc: YamlDocument, step: Mapping[str, Any], keys: tuple[str, ...]) -> CommentedMap:
    """A fresh copy of some keys of `step`, with the comment after `uses:`
    (a pinned SHA's `# v4`)."""
    copy: CommentedMap = doc.fresh({key: step[key] for key in keys if key in step})
    comment = _eol_comment(step, "uses")
    if comment and "uses" in copy:
        copy.yaml_add_eol_comment(comment, "uses", column=0)
    return copy


def _eol_comment(node: Any, key: str) -> str | None:
    slot = node.ca.items.get(key) if isinstance(node, CommentedMap) else None
    token = slot[2] if slot and len(slot) > 2 else None
    first = str(token.value).split("\n", 1)[0].strip() if token is not None else ""
    return first if first.startswith("#") else None


def _first_step(jobs: Mapping[str, Any], test: Callable[[Any], bool]) -> Any:
    return next(
        (step for _, _, step in _all_steps(jobs) if isinstance(step, Mapping) and test(step)), None
    )


def _deploy_steps(
    ctx: _Context, jobs: Mapping[str, Any], stage: str, command: str, pm: str
) -> CommentedSeq:
    """checkout, (pnpm setup), setup-node, install, build, deploy: reusing the file's own
    pinned actions and commands."""
    doc = ctx.doc
    steps = CommentedSeq()
    checkout = _first_step(jobs, lambda s: _uses(s).startswith("actions/checkout@"))
    steps.append(
        _copy_step(doc, checkout, ("name", "uses"))
        if checkout
        else doc.fresh({"uses": "actions/checkout@v4"})
    )
    if pm == "pnpm":
        setup_pnpm = _first_step(jobs, lambda s: _uses(s).startswith("pnpm/action-setup@"))
        steps.append(
            _copy_step(doc, setup_pnpm, ("name", "uses", "with"))
            if setup_pnpm
            else doc.fresh({"uses": "pnpm/action-setup@v4"})
        )
    setup_node = _first_step(jobs, lambda s: _uses(s).startswith("actions/setup-node@"))
    if setup_node:
        steps.append(_copy_step(doc, setup_node, ("name", "uses", "with")))
    else:
        version = (
            {"node-version-file": ".nvmrc"}
            if (ctx.project_root / ".nvmrc").is_file()
            else {"node-version": "lts/*"}
        )
        steps.append(doc.fresh({"uses": "actions/setup-node@v4", "with": {**version, "cache": pm}}))
    install = _first_step(jobs, lambda s: _install_manager(s) == pm)
    default_install = {"npm": "npm ci"}.get(pm, f"{pm} install --frozen-lockfile")
    steps.append(
        doc.fresh(
            {
                "name": "Install dependencies",
                "run": _run(install).strip() if install else default_install,
            }
        )
    )
    scripts = _package_scripts(ctx)
    if scripts is None or "build" in scripts:
        steps.append(doc.fresh({"name": "Build", "run": _run_script(pm, "build")}))
    deploy: dict[str, Any] = {"name": f"Deploy to {stage}", "run": command}
    env = ctx.params.get("env")
    if isinstance(env, Mapping):
        deploy["env"] = plain(env)
    elif env is not None:
        raise ctx.fail(f"action {ctx.action}: params env must be a mapping of variables")
    steps.append(doc.fresh(deploy))
    return steps


def _deploy_job(
    ctx: _Context, stage: str, words: tuple[str, ...]
) -> tuple[CommentedMap, CommentedMap]:
    jobs = _jobs(ctx)
    job_id = ctx.text("job") or _find_job(ctx, jobs, words, stage)
    return jobs, _job(ctx, jobs, job_id)


def _replace_placeholder(ctx: _Context, jobs: CommentedMap, job: CommentedMap, stage: str) -> bool:
    """Give a TODO job real deploy steps; a job that already does real work keeps its steps."""
    if not _is_placeholder(job):
        return False
    pm = _package_manager(ctx, jobs)
    command = ctx.text("command") or _run_script(pm, f"deploy:{stage}")
    if "runs-on" not in job:
        _insert_before_steps(job, "runs-on", "ubuntu-latest")
    job["steps"] = _deploy_steps(ctx, jobs, stage, command, pm)
    return True


def _ensure_environment(ctx: _Context, job: CommentedMap, stage: str) -> bool:
    if "environment" in job:
        return False
    url = ctx.text("url")
    _insert_before_steps(
        job, "environment", ctx.doc.fresh({"name": stage, "url": url}) if url else stage
    )
    return True


def _implement_staging_deploy(ctx: _Context) -> bool:
    jobs, job = _deploy_job(ctx, "staging", ("staging",))
    changed = _replace_placeholder(ctx, jobs, job, "staging")
    return _ensure_environment(ctx, job, "staging") or changed


def _implement_production_deploy(ctx: _Context) -> bool:
    jobs, job = _deploy_job(ctx, "production", ("production", "prod"))
    changed = _replace_placeholder(ctx, jobs, job, "production")
    needs = ctx.names("needs") or [_find_job(ctx, jobs, ("staging",), "staging", hint="needs")]
    current = job.get("needs")
    listed = (
        [current]
        if isinstance(current, str)
        else [str(n) for n in current]
        if isinstance(current, list)
        else []
    )
    missing = [n for n in needs if n not in listed]
    if missing:
        if isinstance(current, CommentedSeq):
            current.extend(missing)
        else:
            _set_before_steps(job, "needs", ctx.doc.fresh(listed + missing, flow=_needs_flow(jobs)))
        changed = True
    branch = ctx.text("branch", "main") or "main"
    condition = f"github.ref == 'refs/heads/{branch}'"
    current_if = job.get("if")
    if current_if is None:
        _insert_before_steps(job, "if", condition)
        changed = True
    elif f"refs/heads/{branch}" not in str(current_if):
        # Keep the job's own condition and add the branch guard to it.
        existing = re.sub(
            r"^\$\{\{\s*(.*?)\s*\}\}$", r"\1", str(current_if).strip(), flags=re.DOTALL
        )
        ctx.doc.replace_value(job, "if", f"({existing}) && {condition}")
        changed = True
    return _ensure_environment(ctx, job, "production") or changed


def _set_before_steps(job: CommentedMap, key: str, value: Any) -> None:
    if key in job:
        job[key] = value
    else:
        _insert_before_steps(job, key, value)


def _needs_flow(jobs: Mapping[str, Any]) -> bool:
    """Write `needs` lists as `[a, b]` unless the file already writes them as blocks."""
    lists = [
        job["needs"]
        for job in jobs.values()
        if isinstance(job, Mapping) and isinstance(job.get("needs"), CommentedSeq)
    ]
    styles = [bool(needs.fa.flow_style()) for needs in lists]
    return styles.count(True) >= styles.count(False)


def _add_approval_gates(ctx: _Context) -> bool:
    jobs = _jobs(ctx)
    job_id = ctx.text("job") or _find_job(ctx, jobs, ("production", "prod"), "production")
    job = _job(ctx, jobs, job_id)
    url = ctx.text("url") or "${{ vars.PRODUCTION_URL }}"
    current = job.get("environment")
    if isinstance(current, CommentedMap):
        if "url" in current and "name" in current:
            return False
        if "name" not in current:
            current.insert(0, "name", ctx.doc.fresh(ctx.text("name", "production")))
        if "url" not in current:
            current["url"] = ctx.doc.fresh(url)
        return True
    name = (
        str(current)
        if isinstance(current, str) and current.strip()
        else ctx.text("name", "production") or "production"
    )
    _set_before_steps(job, "environment", ctx.doc.fresh({"name": name, "url": url}))
    return True


_TRIVY_ACTION = "aquasecurity/trivy-action"
# `trivy fs`, or the image run by docker: `aquasec/trivy:0.56.1 image`,
# `ghcr.io/aquasecurity/trivy@sha256:… fs`.
_TRIVY_COMMAND = re.compile(
    r"(?<![\w.-])(?:[\w.-]+/)*trivy(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?"
    r"\s+(?:fs|filesystem|image|i|repo|repository|config|rootfs|k8s|sbom|vm)\b"
)


def _make_trivy_blocking(ctx: _Context) -> bool:
    jobs = _jobs(ctx)
    severity = ctx.text("severity")
    steps = [
        step
        for _, _, step in _all_steps(jobs)
        if isinstance(step, CommentedMap)
        and (_uses(step).startswith(_TRIVY_ACTION) or _TRIVY_COMMAND.search(_run(step)))
    ]
    if not steps:
        raise ctx.fail(
            f"no step uses {_TRIVY_ACTION} or runs trivy (`trivy fs`, `trivy image`, "
            f"`docker run aquasec/trivy ...`); steps are: {_seen_steps(jobs)}"
        )
    changed = False
    for step in steps:
        # exit-code 1 blocks nothing while the step may fail or swallows the failure.
        changed |= _make_step_blocking(step, lambda command: bool(_TRIVY_COMMAND.search(command)))
        if _uses(step).startswith(_TRIVY_ACTION):
            changed |= _block_trivy_action(ctx, step, severity)
        else:
            changed |= _block_trivy_run(step, severity)
    return changed


def _wanted_severity(current: Any, severity: str | None) -> str | None:
    """The severity to set, or None to keep the current one (the one asked for, or by default at
    least CRITICAL and HIGH)."""
    if severity is not None:
        return (
            None if str(current or "").replace(" ", "") == severity.replace(" ", "") else severity
        )
    levels = {level.strip().upper() for level in str(current or "").split(",")}
    return None if {"CRITICAL", "HIGH"} <= levels else "CRITICAL,HIGH"


def _block_trivy_action(ctx: _Context, step: CommentedMap, severity: str | None) -> bool:
    inputs = step.get("with")
    if inputs is None:
        step["with"] = inputs = CommentedMap()
    if not isinstance(inputs, CommentedMap):
        raise ctx.fail("the trivy step's `with` is not a mapping")
    old = inputs.get("exit-code")
    # A number stays a number; a string keeps its quotes (replace_value keeps them).
    exit_code: Any = 1 if isinstance(old, int) and not isinstance(old, bool) else "1"
    changed = ctx.doc.replace_value(inputs, "exit-code", exit_code)
    wanted = _wanted_severity(inputs.get("severity"), severity)
    if wanted is not None:
        changed |= ctx.doc.replace_value(inputs, "severity", wanted)
    return changed


def _block_trivy_run(step: CommentedMap, severity: str | None) -> bool:
    run = _script(step)
    new = run
    if re.search(r"--exit-code[ =]\d+", new):
        new = re.sub(r"--exit-code([ =])\d+", r"--exit-code\g<1>1", new)
    else:
        # Right after the subcommand, so a trailing `\` line continuation stays last.
        new = _TRIVY_COMMAND.sub(lambda m: f"{m.group(0)} --exit-code 1", new)
    found = re.search(r"--severity[ =](\S+)", new)
    wanted = _wanted_severity(found.group(1) if found else None, severity)
    if wanted is not None and found:
        new = new[: found.start(1)] + wanted + new[found.end(1) :]
    elif wanted is not None:
        new = _TRIVY_COMMAND.sub(lambda m: f"{m.group(0)} --severity {wanted}", new)
    if new == run:
        return False
    _set_script(step, new)
    return True


_Action = Callable[[_Context], bool]

_ACTIONS: dict[str, tuple[_Action, bool, frozenset[str]]] = {
    # name: (function, needs a workflow, accepted params)
    "yaml_set": (_yaml_set, False, frozenset({"path", "value"})),
    "yaml_delete": (_yaml_delete, False, frozenset({"path"})),
    "yaml_append": (_yaml_append, False, frozenset({"path", "value", "after", "before"})),
    "remove_continue_on_error": (
        _remove_continue_on_error,
        True,
        frozenset({"step", "run", "remove_stale_comments"}),
    ),
    "add_migration_step": (
        _add_migration_step,
        True,
        frozenset({"job", "after", "command", "env", "name"}),
    ),
    "implement_staging_deploy": (
        _implement_staging_deploy,
        True,
        frozenset({"job", "command", "url", "env"}),
    ),
    "implement_production_deploy": (
        _implement_production_deploy,
        True,
        frozenset({"job", "command", "url", "env", "needs", "branch"}),
    ),
    "add_approval_gates": (_add_approval_gates, True, frozenset({"job", "url", "name"})),
    "make_trivy_blocking": (
        _make_trivy_blocking,
        True,
        frozenset({"severity", "remove_stale_comments"}),
    ),
}

YAML_ACTIONS: frozenset[str] = frozenset(_ACTIONS)


def edit_yaml(
    text: str, action: str, params: Mapping[str, Any], *, filename: str, project_root: Path
) -> str:
    """Return the edited text; return `text` unchanged (identical string) when already as
    wanted. Raises EditError."""
    return edit_yaml_noted(text, action, params, filename=filename, project_root=project_root)[0]


def edit_yaml_noted(
    text: str, action: str, params: Mapping[str, Any], *, filename: str, project_root: Path
) -> tuple[str, list[str]]:
    """`edit_yaml`, plus notes for the user: comments the edit made stale (removed with params
    remove_stale_comments: true)."""
    if action not in _ACTIONS:
        raise EditError(
            f"{filename}: unknown YAML action {action!r}; known actions: "
            f"{', '.join(sorted(_ACTIONS))}"
        )
    function, needs_workflow, accepted = _ACTIONS[action]
    unknown = sorted(str(k) for k in params if k not in accepted)
    if unknown:
        raise EditError(
            f"{filename}: action {action} got unknown params {', '.join(unknown)}; it takes: "
            f"{', '.join(sorted(accepted)) or 'none'}"
        )
    doc = YamlDocument(text, filename)
    if not isinstance(doc.root, CommentedMap):
        kind = (
            "empty"
            if doc.root is None
            else "a list"
            if isinstance(doc.root, list)
            else "a single value"
        )
        raise EditError(
            f"{filename}: the document is {kind}, not a mapping; action {action} cannot edit it"
        )
    ctx = _Context(doc, action, params, project_root)
    if needs_workflow:
        _jobs(ctx)
    if not function(ctx):
        return text, []
    edited = doc.render()
    if action not in _BLOCKING_ACTIONS:
        return edited, []
    return _settle_stale_comments(ctx, text, edited)


# ---------------------------------------------------------------------------
# Comments an edit made stale
# ---------------------------------------------------------------------------

# After these actions, a comment saying the step does not fail the build is no longer true.
_BLOCKING_ACTIONS = frozenset({"remove_continue_on_error", "make_trivy_blocking"})
_NON_BLOCKING = re.compile(
    r"non[- ]?blocking|n[o']?t\s+(?:fail|block|break)|never\s+fails?|without\s+failing"
    r"|allow\w*\s+(?:\w+\s+)?(?:to\s+)?fail|soft[- ]?fail|report[- ]only|warn(?:ing)?[- ]only"
    r"|informational|continue[- ]on[- ]error|ignor\w*\s+(?:the\s+)?(?:failure|error|exit|result)"
    r"|exit[- ]code\s*[:=]?\s*['\"]?0\b|\|\|\s*true",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Stale:
    row: int  # 0-based, in the edited text
    column: int  # where the comment's `#` is; 0 or only blanks before it: a line of its own
    comment: str


def _settle_stale_comments(ctx: _Context, before: str, after: str) -> tuple[str, list[str]]:
    """Report the comments in the edited steps that still say the step may fail; with params
    remove_stale_comments, remove those that are YAML comments (a script's own comments are
    part of its text and stay)."""
    remove = ctx.params.get("remove_stale_comments", False)
    if not isinstance(remove, bool):
        raise ctx.fail(f"action {ctx.action}: params remove_stale_comments must be true or false")
    lines = after.splitlines(keepends=True)
    wanted = load_plain(after, ctx.filename)
    notes = []
    # Bottom up, so removing a line leaves the rows above it where they were.
    for stale in sorted(_stale_comments(before, after), key=lambda s: -s.row):
        says = (
            f"{ctx.filename} line {stale.row + 1}'s comment says the step does not fail the "
            f"build; now it does: {stale.comment}"
        )
        trial = lines[: stale.row] + _without_comment(lines[stale.row], stale)
        trial += lines[stale.row + 1 :]
        if not remove:
            notes.append(f"{says} (params remove_stale_comments: true removes it)")
        elif same(load_plain("".join(trial), ctx.filename), wanted):
            lines = trial
            notes.append(f"{says} (removed)")
        else:
            notes.append(f"{says} (part of the step's script, so left for you to edit)")
    return "".join(lines), notes[::-1]


def _without_comment(line: str, stale: _Stale) -> list[str]:
    """The line without its comment: no line at all when the comment was the whole line."""
    if not line[: stale.column].strip():
        return []
    body = line.rstrip("\r\n")
    return [line[: stale.column].rstrip() + line[len(body) :]]


def _stale_comments(before: str, after: str) -> list[_Stale]:
    """Comments saying "does not fail the build" in the steps the edit touched."""
    old, new = before.splitlines(), after.splitlines()
    found: dict[int, _Stale] = {}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or not new:
            continue
        changed = (new[j1:j2] or old[i1:i2])[0]
        # A deleted line has no row of its own in the new text: look from the line above.
        at = min(j1 if j2 > j1 else max(j1 - 1, 0), len(new) - 1)
        for row in _step_rows(new, at, len(changed) - len(changed.lstrip())):
            column = _comment_column(new[row])
            if column is not None and _NON_BLOCKING.search(new[row][column:]):
                found[row] = _Stale(row, column, new[row][column:].strip())
    return list(found.values())


def _step_rows(lines: list[str], at: int, indent: int) -> range:
    """The rows of the step holding row `at` (a changed line indented by `indent`), with the
    comments just above its `- `; only row `at` when it is in no step."""
    dash = next(
        (
            row
            for row in range(at, -1, -1)
            if (m := re.match(r"( *)- ", lines[row])) and len(m.group(1)) < indent
        ),
        None,
    )
    if dash is None:
        return range(at, at + 1)
    dash_indent = lines[dash].index("-")
    end = dash + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > dash_indent
    ):
        end += 1
    start = dash
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return range(start, end)


def _comment_column(line: str) -> int | None:
    """Where a `#` comment starts in a YAML (or shell) line: at the start or after a blank,
    outside quotes."""
    quote = ""
    for column, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (column == 0 or line[column - 1] in " \t"):
            return column
    return None


# ---------------------------------------------------------------------------
# Validity
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _workflow_validator() -> Any:
    # Imported here: check_jsonschema loads its CLI on import (~0.1 s),
    # which edits alone do not need.
    import jsonschema
    from check_jsonschema.builtin_schemas import get_builtin_schema

    # check-jsonschema's vendored copy of the SchemaStore schema: offline, and
    # the same one its CLI uses.
    schema = get_builtin_schema("vendor.github-workflows")
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _string_keys(data: Any) -> Any:
    # JSON has only string keys; `on:` is already a string under YAML 1.2
    # but a `1:` key would not be.
    if isinstance(data, dict):
        return {str(k): _string_keys(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_string_keys(v) for v in data]
    return data


def _deep_relevance(error: jsonschema.ValidationError) -> tuple[bool, int, int]:
    # check-jsonschema's "best deep match": the most specific error below an anyOf/oneOf.
    return (error.validator not in ("anyOf", "oneOf"), len(error.absolute_path), -len(error.path))


def _iter_context(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    for sub in error.context or []:
        yield sub
        yield from _iter_context(sub)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.context:
        error = max(_iter_context(error), key=_deep_relevance)
    message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
    return f"{error.json_path}: {message}"


def check_workflow(text: str, *, filename: str) -> None:
    """Raise EditError with the checker's message if `text` is not a valid GitHub workflow."""
    data = _string_keys(load_plain(text, filename))
    if not isinstance(data, dict):
        raise EditError(f"{filename}: not a valid GitHub workflow: the document is not a mapping")
    errors = sorted(
        _workflow_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
    )
    if errors:
        messages = [_schema_message(error) for error in errors[:3]]
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise EditError(f"{filename}: not a valid GitHub workflow: {'; '.join(messages)}{more}")
    _check_needs(data["jobs"], filename)


def _check_needs(jobs: dict[str, Any], filename: str) -> None:
    """Every `needs` names an existing job, and no job waits on itself through a cycle."""
    graph: dict[str, list[str]] = {}
    for job_id, job in jobs.items():
        needs = job.get("needs", []) if isinstance(job, dict) else []
        graph[job_id] = [needs] if isinstance(needs, str) else [str(n) for n in needs]
        for name in graph[job_id]:
            if name not in jobs:
                raise EditError(
                    f"{filename}: not a valid GitHub workflow: job {job_id!r} needs {name!r}, "
                    f"which is not a job; jobs are: {', '.join(jobs)}"
                )
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(job_id: str, path: list[str]) -> None:
        state[job_id] = 1
        for name in graph[job_id]:
            if state.get(name) == 1:
                cycle = path[path.index(name) :] + [name]
                raise EditError(
                    f"{filename}: not a valid GitHub workflow: needs cycle {' -> '.join(cycle)}"
                )
            if name not in state:
                visit(name, path + [name])
        state[job_id] = 2

    for job_id in graph:
        if job_id not in state:
            visit(job_id, [job_id])
