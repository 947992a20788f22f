"""Polling an asynchronous operation: a brief fast start, then a fixed short interval.

Real runtimes take from seconds to many minutes to become READY, and a user waits for every one
of them, so the lag between the change and its notice matters at every length of wait. With a
fixed interval ``I`` that lag is uniform in [0, I]: its mean is I/2 whatever the wait's length.
``STEADY`` = 1.5 s keeps that mean at 0.75 s (plus one request's round trip, under the 1 s goal)
while sending at most one GET per 1.5 s per resource; backing off instead (the usual doubling)
would make long waits, the common ones, notice late: a 30 s interval lags 15 s on average. The
fast start (0.25, 0.5, 1.0 s) catches operations that finish within a second or two. 429 answers
slow it further through the HTTP layer's Retry-After handling.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from pulumi_agents.errors import WaitTimeout

T = TypeVar("T")


FAST_START = (0.25, 0.5, 1.0)
STEADY = 1.5


def poll_interval(attempt: int, elapsed: float = 0.0) -> float:
    """Seconds to wait before poll ``attempt + 1`` (``elapsed`` is kept for callers' clarity)."""
    return FAST_START[attempt] if attempt < len(FAST_START) else STEADY


def wait_for(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    what: str,
    describe: Callable[[T], str] = repr,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fetch`` until ``done(result)``; raise WaitTimeout after ``timeout`` seconds."""
    start = clock()
    attempt = 0
    while True:
        current = fetch()
        if done(current):
            return current
        elapsed = clock() - start
        if elapsed >= timeout:
            raise WaitTimeout(
                f"timed out after {timeout:.0f}s waiting for {what} (last seen: {describe(current)})", current
            )
        sleep(min(poll_interval(attempt, elapsed), max(0.0, timeout - elapsed)))
        attempt += 1
