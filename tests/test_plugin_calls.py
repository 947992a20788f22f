"""The provider plugin runs each engine call in a thread of its own: many creates wait for
READY side by side, not a few at a time."""

from __future__ import annotations

import asyncio
import threading

from pulumi_agents._plugin import PluginProvider


def test_twenty_blocking_calls_run_at_once() -> None:
    # Each call blocks until all twenty are running: with a pool of cpu_count + 4 threads (as
    # asyncio.to_thread has) the barrier breaks instead.
    barrier = threading.Barrier(20, timeout=30)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(PluginProvider._run(barrier.wait) for _ in range(20))))

    assert sorted(asyncio.run(main())) == list(range(20))
