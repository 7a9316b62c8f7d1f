"""Test doubles for the amoCRM adapter: a virtual clock and a strict mock CRM router."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

BASE_URL = "https://example.amocrm.ru"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


class FakeClock:
    """Virtual time: `sleep` records the wait and moves time on at once (no wall-clock waits)."""

    def __init__(self) -> None:
        self.t = 1000.0
        self._t0 = self.t
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return START + timedelta(seconds=self.t - self._t0)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


def hal(status: int = 200, body: Any = None, **headers: str) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/hal+json", **headers},
    )


class Router:
    """A MockTransport handler: each (method, path) answers from a queue or a function;
    any other request fails the test."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.routes: dict[tuple[str, str], list[httpx.Response | Handler] | Handler] = {}
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []
        self.unexpected: list[str] = []

    def add(self, method: str, path: str, *answers: httpx.Response | Handler) -> None:
        """Answers are used in order; the last one keeps answering."""
        self.routes[(method, path)] = list(answers)

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if (r.method, r.url.path) == (method, path)]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.monotonic())
        key = (request.method, request.url.path)
        answers = self.routes.get(key)
        if not answers:
            self.unexpected.append(f"{request.method} {request.url}")
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        assert isinstance(answers, list)
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, httpx.Response):
            return answer
        result = answer(request)
        if not isinstance(result, httpx.Response):
            result = await result
        return result


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def lead(lead_id: int, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": lead_id,
        "name": f"Lead {lead_id}",
        "price": 1000,
        "responsible_user_id": 11,
        "status_id": 100,
        "pipeline_id": 10,
        "created_at": 1_772_000_000,
        "updated_at": 1_772_000_100,
        "closed_at": None,
        "closest_task_at": None,
        "loss_reason_id": None,
        "is_deleted": False,
        "custom_fields_values": None,
        "_embedded": {"tags": []},
    }
    data.update(extra)
    return data
