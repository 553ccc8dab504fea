"""Message templates for outgoing notifications."""

from __future__ import annotations

from string import Template

TEMPLATES = {
    "welcome": ("Welcome to EduConnect", "Hi $name, welcome aboard!"),
    "assessment_graded": ("Your assessment was graded", "You scored $score% on $title."),
    "digest": ("Your weekly digest", "You have $count new updates in $community."),
}


class MissingTemplateValue(KeyError):
    """A template placeholder had no value."""


def render(kind: str, values: dict[str, object]) -> tuple[str, str]:
    """Returns (subject, body) for a notification kind."""
    try:
        subject, body = TEMPLATES[kind]
    except KeyError:
        raise ValueError(f"unknown notification kind {kind!r}") from None
    try:
        return subject, Template(body).substitute({k: str(v) for k, v in values.items()})
    except KeyError as exc:
        raise MissingTemplateValue(exc.args[0]) from None


def truncate(text: str, limit: int = 140) -> str:
    """Shortens push-notification text on a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return f"{cut}…"
