"""The ``http`` check: a request that must answer with a status (and a JSON field, and in time).

A service that is still starting is retried with the engine's backoff (exponential, full jitter)
until a total deadline; the last answer, a body excerpt and the attempt count explain a failure.
This module makes requests with the standard library only; it does not start or stop the service.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import TaskFailed
from ..retry import backoff_delay

__all__ = ["Answer", "HttpExpectation", "check_http"]

EXCERPT = 200


@dataclass(frozen=True)
class HttpExpectation:
    """What a healthy answer looks like."""

    status: int = 200
    json: Mapping[str, Any] | None = None  # dotted keys reach into nested objects: "db.status"
    max_latency_ms: float | None = None


@dataclass(frozen=True)
class Answer:
    """One attempt: the status (None when there was no answer), the body, and how long it took."""

    status: int | None
    body: str
    latency_ms: float
    error: str = ""

    def describe(self) -> str:
        if self.status is None:
            return self.error
        excerpt = self.body[:EXCERPT] + ("..." if len(self.body) > EXCERPT else "")
        return f"status {self.status} in {self.latency_ms:.0f} ms, body: {excerpt!r}"


def check_http(
    url: str,
    expect: HttpExpectation,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    deadline_seconds: float = 60.0,
    retry_delay_seconds: float = 1.0,
    retry_max_delay_seconds: float = 10.0,
) -> str:
    """Ask until an answer meets ``expect`` or the deadline passes; return what passed."""
    if not url.startswith(("http://", "https://")):
        raise TaskFailed(f"url {url!r} must start with http:// or https://")
    start = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        left = deadline_seconds - (time.monotonic() - start)
        # A request that starts before the deadline gets at least a second, so a slow answer is
        # reported as slow, not as "no answer".
        answer = _ask(url, method, headers or {}, timeout=min(max(left, 1.0), 30.0))
        problem = _problem(answer, expect)
        if problem is None:
            return (
                f"{method} {url}: {answer.status} in {answer.latency_ms:.0f} ms (attempt {attempt})"
            )
        delay = backoff_delay(attempt, retry_delay_seconds, retry_max_delay_seconds)
        elapsed = time.monotonic() - start
        if elapsed + delay >= deadline_seconds:
            raise TaskFailed(
                f"{method} {url}: {problem} after {attempt} attempt{'s' * (attempt != 1)} in "
                f"{elapsed:.1f}s (deadline {deadline_seconds:g}s); "
                f"last answer: {answer.describe()}",
                retryable=True,
            )
        time.sleep(delay)


def _ask(url: str, method: str, headers: Mapping[str, str], timeout: float) -> Answer:
    request = urllib.request.Request(url, method=method, headers=dict(headers))
    began = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(64 * 1024)
            status = response.status
    except urllib.error.HTTPError as e:  # a 4xx/5xx is an answer, not a transport error
        body, status = e.read(64 * 1024), e.code
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return Answer(None, "", _ms(began), f"no answer ({reason})")
    return Answer(status, body.decode("utf-8", errors="replace"), _ms(began))


def _ms(began: float) -> float:
    return (time.monotonic() - began) * 1000


def _problem(answer: Answer, expect: HttpExpectation) -> str | None:
    """Why ``answer`` is not healthy, or None when it is."""
    if answer.status is None:
        return "no answer"
    if answer.status != expect.status:
        return f"expected status {expect.status}, got {answer.status}"
    if expect.max_latency_ms is not None and answer.latency_ms > expect.max_latency_ms:
        return (
            f"answered in {answer.latency_ms:.0f} ms, over the {expect.max_latency_ms:g} ms budget"
        )
    if expect.json:
        try:
            data = json.loads(answer.body)
        except ValueError:
            return "expected a JSON body"
        for key, wanted in expect.json.items():
            got = _field(data, key)
            if got != wanted:
                return f"expected JSON {key} = {wanted!r}, got {got!r}"
    return None


_MISSING = "<missing>"


def _field(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data
