"""Polling an asynchronous operation: quick at first, then backing off.

The interval starts at ``first`` and grows by ``factor``, but never exceeds the larger of one
second and a tenth of the time already waited: a short wait notices the state change within
about a second; a long one does not hammer the API.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from pulumi_agents.errors import WaitTimeout

T = TypeVar("T")


def poll_interval(attempt: int, elapsed: float, *, first: float = 0.2, factor: float = 1.5) -> float:
    return min(first * factor**attempt, max(1.0, elapsed / 10), 30.0)


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
