"""Template rendering: the one module that imports jinja2.

Templates run in a sandbox with ``StrictUndefined``, so a missing parameter is an error naming the
template line, never an empty string in a generated file. ``trim_blocks`` and ``lstrip_blocks``
are on, so ``{% if %}`` lines leave no blank lines or stray indentation behind.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TaskFailed
from .templates import TEMPLATE_SUFFIX, candidates


@dataclass(frozen=True)
class Rendered:
    """A rendered template: its text, the name it was found under, and the file it came from."""

    text: str
    name: str
    path: Path


def js_string(value: Any) -> str:
    """A single-quoted JavaScript/TypeScript string literal (the quote style most TS code uses)."""
    text = str(value)
    for raw, escaped in (
        ("\\", "\\\\"),
        ("'", "\\'"),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return f"'{text}'"


def py_literal(value: Any) -> str:
    """A Python literal for a str, number, bool, None, or a list/dict of those."""
    return repr(value)


def make_environment(search: Sequence[Path]) -> SandboxedEnvironment:
    """A sandboxed environment that loads templates from ``search``, in order."""
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in search]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["js_string"] = js_string
    env.filters["py_literal"] = py_literal
    return env


def _display(path: Path, search: Sequence[Path]) -> str:
    """A template file as users name it: relative to the folder it was found in."""
    for folder in search:
        try:
            return path.resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def _template_line(error: BaseException, search: Sequence[Path]) -> tuple[str, int] | None:
    """The innermost template frame of ``error``'s traceback, as (template name, line)."""
    roots = [p.resolve() for p in search]
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.suffix == TEMPLATE_SUFFIX and any(root in path.resolve().parents for root in roots):
            found = (_display(path, search), frame.lineno or 0)
    return found


def load_template(name: str, search: Sequence[Path]) -> jinja2.Template:
    """Find template ``name`` in ``search``; a missing or malformed one raises ``TaskFailed``."""
    env = make_environment(search)
    try:
        return env.select_template(candidates(name))
    except jinja2.TemplatesNotFound:
        folders = ", ".join(str(p) for p in search)
        raise TaskFailed(f"template {name} not found; looked in: {folders}") from None
    except jinja2.TemplateSyntaxError as e:
        raise TaskFailed(f"template {_syntax_where(e, search)}: {e.message}") from None


def _syntax_where(error: jinja2.TemplateSyntaxError, search: Sequence[Path]) -> str:
    name = _display(Path(error.filename), search) if error.filename else (error.name or "?")
    return f"{name}:{error.lineno}"


def render_template(name: str, context: Mapping[str, Any], search: Sequence[Path]) -> Rendered:
    """Render template ``name`` with ``context``; every problem in the template
    raises ``TaskFailed``."""
    template = load_template(name, search)
    shown = _display(Path(template.filename), search) if template.filename else name
    try:
        text = template.render(dict(context))
    except jinja2.TemplateSyntaxError as e:  # in an {% include %}d template
        raise TaskFailed(f"template {_syntax_where(e, search)}: {e.message}") from None
    except jinja2.TemplateNotFound as e:
        folders = ", ".join(str(p) for p in search)
        raise TaskFailed(
            f"template {shown}: included template {e.name} not found; looked in: {folders}"
        ) from None
    except jinja2.UndefinedError as e:
        where = _where(e, search, shown)
        hint = "pass it in params" if str(e.message).endswith("is undefined") else "check params"
        raise TaskFailed(f"template {where}: {e.message}; {hint}") from None
    except Exception as e:
        # Raised while running template code ({{ 1 / 0 }}, a sandbox refusal, a filter given the
        # wrong type): the template's author has to fix it, so report the line.
        # Anything else is our bug.
        located = _template_line(e, search)
        if located is None:
            raise
        raise TaskFailed(f"template {located[0]}:{located[1]}: {type(e).__name__}: {e}") from None
    return Rendered(text, shown, Path(template.filename or name))


def _where(error: BaseException, search: Sequence[Path], fallback: str) -> str:
    located = _template_line(error, search)
    return f"{located[0]}:{located[1]}" if located else fallback
