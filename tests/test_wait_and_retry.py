"""Polling intervals and retry rules, with a fake clock (no timing is asserted)."""

from __future__ import annotations

import httpx
import pytest

from pulumi_agents._http import RetryPolicy, send
from pulumi_agents._wait import poll_interval, wait_for
from pulumi_agents.errors import TransportError, WaitTimeout


def test_a_fast_start_then_a_fixed_interval_at_any_length_of_wait() -> None:
    elapsed, attempt, gaps = 0.0, 0, []
    while elapsed < 900:
        gap = poll_interval(attempt, elapsed)
        gaps.append(gap)
        elapsed += gap
        attempt += 1
    assert gaps[:3] == [0.25, 0.5, 1.0]
    assert set(gaps[3:]) == {1.5}  # the mean lag stays 0.75 s, however long the wait
    assert len(gaps) <= 900 / 1.5 + 3  # at most one GET per 1.5 s after the start


def test_wait_for_times_out_with_the_last_state() -> None:
    now = [0.0]
    with pytest.raises(WaitTimeout, match=r"timed out after 5s waiting for thing \(last seen: 'CREATING'\)"):
        wait_for(
            lambda: "CREATING",
            lambda s: s == "READY",
            timeout=5,
            what="thing",
            clock=lambda: now[0],
            sleep=lambda s: now.__setitem__(0, now[0] + s),
        )


class Script(httpx.BaseTransport):
    """Answers requests from a script of statuses (or exceptions)."""

    def __init__(self, *steps: int | Exception) -> None:
        self.steps, self.calls = list(steps), 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return httpx.Response(step, headers={"retry-after": "7"} if step == 429 else {})


def run(transport: Script, *, idempotent: bool) -> tuple[int | None, list[float]]:
    waits: list[float] = []
    client = httpx.Client(transport=transport, base_url="http://127.0.0.1")
    try:
        response = send(
            client,
            lambda: client.build_request("POST", "/"),
            idempotent=idempotent,
            what="test",
            policy=RetryPolicy(attempts=4),
            sleep=waits.append,
        )
        return response.status_code, waits
    except TransportError:
        return None, waits


def test_reads_retry_5xx_and_timeouts() -> None:
    transport = Script(503, httpx.ReadTimeout("slow"), 200)
    assert run(transport, idempotent=True)[0] == 200 and transport.calls == 3


def test_writes_retry_only_what_surely_did_not_happen() -> None:
    refused = Script(httpx.ConnectError("refused"), 429, 200)
    status, waits = run(refused, idempotent=False)
    assert status == 200 and waits[1] >= 7  # Retry-After is honoured
    assert run(Script(500), idempotent=False)[0] == 500  # not retried: the caller must look first
    lost = Script(httpx.ReadTimeout("lost"), 200)
    assert run(lost, idempotent=False)[0] is None and lost.calls == 1


def test_4xx_is_never_retried() -> None:
    transport = Script(400, 200)
    assert run(transport, idempotent=True)[0] == 400 and transport.calls == 1
