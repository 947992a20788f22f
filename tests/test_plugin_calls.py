"""The provider plugin's calls: each in a thread of its own (many creates wait for READY side by
side, not a few at a time), and what its check compares."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import CheckRequest

from pulumi_agents._plugin_sdk import PluginProvider, value_map
from tests.runtimes import code_runtime

# The inputs' rules, offline: the credentials check before a first check has its own tests
# (tests/test_credentials.py).
pytestmark = pytest.mark.usefixtures("offline")


def test_twenty_blocking_calls_run_at_once() -> None:
    # Each call blocks until all twenty are running: with a pool of cpu_count + 4 threads (as
    # asyncio.to_thread has) the barrier breaks instead.
    barrier = threading.Barrier(20, timeout=30)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(PluginProvider._run(barrier.wait) for _ in range(20))))

    assert sorted(asyncio.run(main())) == list(range(20))


def test_a_check_of_unchanged_inputs_passes_what_the_last_one_kept() -> None:
    # The engine sends the inputs the last check returned (from the state) as old_inputs: equal
    # new ones are not checked again, so a rule made stricter since does not fail the preview of an
    # unchanged resource; any change checks them all.
    provider = PluginProvider("agentrun")
    urn = "urn:pulumi:dev::proj::agentrun:index:AgentRuntime::rt"
    kept = value_map("AgentRuntime", code_runtime(port=0), set())

    def failures(olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        response = asyncio.run(provider.check(CheckRequest(urn, olds, news, b"")))
        assert all(f.property == "" for f in response.failures or [])
        return [f.reason.split(":")[0] for f in response.failures or []]

    assert failures({}, kept) == ["port"]
    assert failures(kept, dict(kept)) == []
    assert failures(kept, {**kept, "memory": PropertyValue(4096.0)}) == ["port"]
