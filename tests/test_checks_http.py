"""The ``http`` check against real servers on 127.0.0.1 (never anything else)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pytest_orchestrate.errors import TaskFailed
from pytest_orchestrate.tasks.checks.http import HttpExpectation, check_http

Reply = tuple[int, dict[str, object], float]  # status, JSON body, seconds to wait first


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[int], Reply]], tuple[str, list[float]]]]:
    """Start a loopback server answering request n (1-based) with ``replies(n)``; returns its
    URL and the times requests arrived."""
    servers: list[ThreadingHTTPServer] = []

    def start(replies: Callable[[int], Reply]) -> tuple[str, list[float]]:
        arrivals: list[float] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                arrivals.append(time.monotonic())
                status, body, wait = replies(len(arrivals))
                time.sleep(wait)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/health", arrivals

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_service_that_answers_503_twice_passes_on_the_third_attempt_after_backoff(serve) -> None:
    url, arrivals = serve(
        lambda n: (503, {"status": "starting"}, 0) if n <= 2 else (200, {"status": "ok"}, 0)
    )
    message = check_http(
        url,
        HttpExpectation(200, {"status": "ok"}),
        deadline_seconds=10,
        retry_delay_seconds=0.2,
        retry_max_delay_seconds=1,
    )
    assert "(attempt 3)" in message
    assert len(arrivals) == 3


def test_a_service_that_never_becomes_healthy_fails_within_the_deadline_with_the_attempt_count(
    serve,
) -> None:
    url, arrivals = serve(lambda n: (503, {"status": "down", "detail": "database unreachable"}, 0))
    began = time.monotonic()
    with pytest.raises(TaskFailed) as failure:
        check_http(
            url,
            HttpExpectation(200),
            deadline_seconds=1.5,
            retry_delay_seconds=0.1,
            retry_max_delay_seconds=0.4,
        )
    elapsed = time.monotonic() - began
    message = str(failure.value)
    # It never sleeps past the deadline; only a request already in flight may end after it.
    assert elapsed < 1.5 + 0.5
    assert f"after {len(arrivals)} attempts" in message
    assert len(arrivals) >= 3
    assert "expected status 200, got 503" in message
    assert "database unreachable" in message  # the body excerpt
    assert failure.value.retryable


def test_a_wrong_json_field_is_named_with_what_came_back(serve) -> None:
    url, _ = serve(lambda n: (200, {"status": "ok", "db": {"status": "degraded"}}, 0))
    with pytest.raises(TaskFailed, match="expected JSON db.status = 'up', got 'degraded'"):
        check_http(
            url,
            HttpExpectation(200, {"db.status": "up"}),
            deadline_seconds=0.3,
            retry_delay_seconds=0.1,
        )


def test_an_answer_over_the_latency_budget_fails(serve) -> None:
    url, _ = serve(lambda n: (200, {"status": "ok"}, 0.3))
    with pytest.raises(TaskFailed, match=r"over the 100 ms budget"):
        check_http(
            url,
            HttpExpectation(200, max_latency_ms=100),
            deadline_seconds=0.5,
            retry_delay_seconds=0.1,
        )


def test_nothing_listening_is_reported_as_no_answer(serve) -> None:
    url, _ = serve(lambda n: (200, {}, 0))
    closed = url.replace("/health", "").rsplit(":", 1)[0] + ":9/health"  # the discard port, closed
    with pytest.raises(TaskFailed, match=r"no answer after \d+ attempts?.*Connection refused"):
        check_http(closed, HttpExpectation(200), deadline_seconds=0.5, retry_delay_seconds=0.1)
