"""The ``workflow`` check: GitHub workflows that are valid, consistent, and follow named rules.

Each workflow file must pass GitHub's workflow schema (check-jsonschema's bundled copy, so it works
offline), every ``needs`` must name a job of the same file, and each named rule must hold:

- ``no continue-on-error``: no job or step sets ``continue-on-error: true``;
- ``<job> has environment``: the job exists and declares an ``environment``;
- ``actions pinned``: every ``uses:`` names a version tag or a commit SHA, not a branch or nothing;
- ``actions pinned to sha``: every ``uses:`` names a full 40-character commit SHA.

Every violation is reported as ``file:line: rule: what``. This module reads; it never edits.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ...errors import TaskFailed

__all__ = ["KNOWN_RULES", "Violation", "check_workflows", "find_violations", "parse_rules"]

KNOWN_RULES = (
    "no continue-on-error",
    "<job> has environment",
    "actions pinned",
    "actions pinned to sha",
)
_HAS_ENVIRONMENT = re.compile(r"^(?P<job>[A-Za-z_][\w-]*) has environment$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
# A release tag: v4, v4.1, 0.28.0, v1.2.3-beta. A branch name (main, master, develop) is not one.
_TAG = re.compile(r"^v?\d+(\.\d+)*([-+][\w.]+)?$")


@dataclass(frozen=True, order=True)
class Violation:
    """One thing wrong, where it is."""

    file: str
    line: int
    rule: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.what}"


Rule = Callable[[str, CommentedMap], Iterator[Violation]]


def parse_rules(names: list[str]) -> list[tuple[str, Rule]]:
    """The rule functions for the names a roadmap gives; an unknown name lists the known ones."""
    rules: list[tuple[str, Rule]] = []
    for name in names:
        text = " ".join(name.split())
        env = _HAS_ENVIRONMENT.match(text)
        if text == "no continue-on-error":
            rules.append((text, _no_continue_on_error))
        elif env:
            rules.append((text, functools.partial(_has_environment, env["job"], text)))
        elif text in ("actions pinned", "actions pinned to sha"):
            rules.append((text, functools.partial(_pinned, text.endswith("sha"), text)))
        else:
            raise TaskFailed(
                f"unknown workflow rule {name!r}; known rules: {', '.join(KNOWN_RULES)}"
            )
    return rules


def check_workflows(root: Path, path: str, rules: list[str]) -> str:
    """Check every workflow under ``path`` (a file or a folder); raise listing each violation."""
    violations, files = find_violations(root, path, rules)
    if violations:
        shown = "\n".join(str(v) for v in violations)
        raise TaskFailed(f"{len(violations)} problem{'s' * (len(violations) != 1)}:\n{shown}")
    names = [n for n, _ in parse_rules(rules)]
    rules_text = f"; rules hold: {', '.join(names)}" if names else ""
    return f"{files} workflow{'s' * (files != 1)} valid{rules_text}"


def find_violations(root: Path, path: str, rules: list[str]) -> tuple[list[Violation], int]:
    """Every violation under ``path``, sorted by file and line, and how many files were read."""
    chosen = parse_rules(rules)
    per_file = [(n, r) for n, r in chosen if not _is_job_rule(r)]
    files = _workflow_files(root, path)
    violations: list[Violation] = []
    docs: dict[str, CommentedMap] = {}
    for file in files:
        display = file.relative_to(root).as_posix()
        doc, found = _load(file, display)
        violations += found
        if doc is not None:
            docs[display] = doc
            violations += _schema(display, doc) + list(_needs(display, doc))
            for _, rule in per_file:
                violations += rule(display, doc)
    for name, rule in chosen:
        if isinstance(rule, functools.partial) and _is_job_rule(rule):
            violations += _job_environment(rule.args[0], name, docs, path)
    return sorted(violations), len(files)


def _is_job_rule(rule: Rule) -> bool:
    """Rules about one named job are judged across all files, not file by file."""
    return isinstance(rule, functools.partial) and rule.func is _has_environment


def _workflow_files(root: Path, path: str) -> list[Path]:
    target = root / path
    if target.is_file():
        return [target]
    if target.is_dir():
        files = sorted(p for p in target.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
        if files:
            return files
        raise TaskFailed(f"{path} holds no workflow (*.yml or *.yaml)")
    raise TaskFailed(f"{path} does not exist; give the workflow folder, e.g. .github/workflows")


def _load(file: Path, display: str) -> tuple[CommentedMap | None, list[Violation]]:
    try:
        doc = YAML(typ="rt").load(file.read_text(encoding="utf-8"))
    except YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [Violation(display, line, "yaml", str(getattr(e, "problem", e)))]
    if not isinstance(doc, CommentedMap):
        return None, [Violation(display, 1, "schema", "the document is not a mapping")]
    return doc, []


def _line(node: Any, key: Any) -> int:
    """The 1-based line of ``key`` in a mapping or of item ``key`` in a sequence."""
    try:
        if isinstance(node, CommentedMap):
            return int(node.lc.key(key)[0]) + 1
        if isinstance(node, CommentedSeq):
            return int(node.lc.item(key)[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return int(getattr(getattr(node, "lc", None), "line", 0)) + 1


def _line_of_path(doc: CommentedMap, path: list[Any]) -> int:
    """The line of the deepest node of ``path`` that exists (a schema error's location)."""
    node: Any = doc
    line = 1
    for part in path:
        if isinstance(node, (CommentedMap, CommentedSeq)):
            try:
                child = node[part]
            except (KeyError, IndexError, TypeError):
                break
            line = _line(node, part)
            node = child
        else:
            break
    return line


@functools.cache
def _validator() -> Any:
    # Imported here: check_jsonschema loads its CLI on import, which other checks do not need.
    import jsonschema
    from check_jsonschema.builtin_schemas import get_builtin_schema

    schema = get_builtin_schema("vendor.github-workflows")
    return jsonschema.validators.validator_for(schema)(schema)


def _plain(node: Any) -> Any:
    """JSON-shaped data for the schema: string keys, merges resolved, no ruamel types."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def _schema(display: str, doc: CommentedMap) -> list[Violation]:
    out = []
    for error in _validator().iter_errors(_plain(doc)):
        best = _deepest(error)
        message = best.message if len(best.message) <= 200 else best.message[:197] + "..."
        where = list(best.absolute_path)
        out.append(
            Violation(display, _line_of_path(doc, where), "schema", f"{best.json_path}: {message}")
        )
    return out


def _deepest(error: Any) -> Any:
    """The most specific error under an anyOf/oneOf, as check-jsonschema's CLI picks it."""
    best, stack = error, list(error.context or [])
    while stack:
        sub = stack.pop()
        stack += list(sub.context or [])
        if (sub.validator not in ("anyOf", "oneOf"), len(sub.absolute_path)) > (
            best.validator not in ("anyOf", "oneOf"),
            len(best.absolute_path),
        ):
            best = sub
    return best


def _jobs(doc: CommentedMap) -> CommentedMap:
    jobs = doc.get("jobs")
    return jobs if isinstance(jobs, CommentedMap) else CommentedMap()


def _needs(display: str, doc: CommentedMap) -> Iterator[Violation]:
    jobs = _jobs(doc)
    for job_id, job in jobs.items():
        if not isinstance(job, CommentedMap) or "needs" not in job:
            continue
        needs = job["needs"]
        names = [needs] if isinstance(needs, str) else list(needs or [])
        for i, name in enumerate(names):
            if str(name) not in jobs:
                line = _line(needs, i) if isinstance(needs, CommentedSeq) else _line(job, "needs")
                known = ", ".join(map(str, jobs))
                yield Violation(
                    display,
                    line,
                    "needs",
                    f"job {job_id!r} needs {str(name)!r}, "
                    f"which is not a job of this workflow; jobs are: {known}",
                )


def _steps(job: Any) -> list[tuple[int, Any]]:
    steps = job.get("steps") if isinstance(job, CommentedMap) else None
    return list(enumerate(steps)) if isinstance(steps, CommentedSeq) else []


def _no_continue_on_error(display: str, doc: CommentedMap) -> Iterator[Violation]:
    rule = "no continue-on-error"
    for job_id, job in _jobs(doc).items():
        if isinstance(job, CommentedMap) and job.get("continue-on-error") is True:
            yield Violation(
                display,
                _line(job, "continue-on-error"),
                rule,
                f"job {job_id!r} sets continue-on-error: true",
            )
        for i, step in _steps(job):
            if isinstance(step, CommentedMap) and step.get("continue-on-error") is True:
                name = step.get("name") or step.get("uses") or f"step {i + 1}"
                yield Violation(
                    display,
                    _line(step, "continue-on-error"),
                    rule,
                    f"step {name!r} of job {job_id!r} sets continue-on-error: true",
                )


def _has_environment(
    job_id: str, rule: str, display: str, doc: CommentedMap
) -> Iterator[Violation]:
    job = _jobs(doc).get(job_id)
    if isinstance(job, CommentedMap) and "environment" not in job:
        yield Violation(
            display, _line(_jobs(doc), job_id), rule, f"job {job_id!r} has no environment"
        )


def _job_environment(
    job_id: str, rule: str, docs: dict[str, CommentedMap], path: str
) -> list[Violation]:
    """``<job> has environment`` across the files: the job must exist in one of them."""
    holders = [(display, doc) for display, doc in docs.items() if job_id in _jobs(doc)]
    if not holders and docs:
        first = next(iter(docs))
        return [Violation(first, 1, rule, f"no workflow under {path} has a job {job_id!r}")]
    return [v for display, doc in holders for v in _has_environment(job_id, rule, display, doc)]


def _pinned(sha_only: bool, rule: str, display: str, doc: CommentedMap) -> Iterator[Violation]:
    for job_id, job in _jobs(doc).items():
        uses_sites: list[tuple[CommentedMap, str]] = []
        if isinstance(job, CommentedMap) and isinstance(job.get("uses"), str):
            uses_sites.append((job, job["uses"]))  # a reusable workflow
        uses_sites += [
            (s, s["uses"])
            for _, s in _steps(job)
            if isinstance(s, CommentedMap) and isinstance(s.get("uses"), str)
        ]
        for node, uses in uses_sites:
            if uses.startswith(("./", "docker://")):
                continue  # local actions and images are not pinned by ref
            ref = uses.partition("@")[2]
            if _SHA.match(ref) or (not sha_only and _TAG.match(ref)):
                continue
            wanted = "a full commit SHA" if sha_only else "a version tag or a commit SHA"
            got = f"'@{ref}'" if ref else "no ref"
            yield Violation(
                display,
                _line(node, "uses"),
                rule,
                f"{uses} in job {job_id!r} has {got}; pin it to {wanted}",
            )
