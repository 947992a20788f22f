"""What is measured and how: sides run interleaved, a command's wall and CPU seconds (``Sample``),
and the READY lag of creates (measured in this process, and modelled on a virtual clock)."""

from __future__ import annotations

import random
import secrets
import statistics
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from unittest import mock

from tests.runtimes import code_runtime

from bench.emulator import BenchState
from pulumi_agents import _wait
from pulumi_agents.agentrun import AgentRuntimeProvider
from pulumi_agents.agentrun.client import AgentRunClient

T = TypeVar("T")
Log = Callable[[str], None]


@dataclass(frozen=True)
class Sample:
    """One `pulumi` command: its wall time and the CPU seconds of its parts."""

    wall: float
    providers: float  # the provider processes: the dynamic provider host, the pulumi-resource-* plugins
    emulator: float  # this process, where the emulator serves (its thread does nearly all of the work)
    others: float  # the rest of the command's process tree: the engine, the language host, the program


def interleaved(runs: int, sides: Mapping[str, Callable[[], T]], log: Log) -> dict[str, list[T]]:
    """Every side once per run, in the order given, then reversed, then given, ..."""
    times: dict[str, list[T]] = {name: [] for name in sides}
    for run in range(runs):
        for name in list(sides) if run % 2 == 0 else reversed(list(sides)):
            value: Any = sides[name]()
            times[name].append(value)
            shown = (
                f"{value.wall:.1f} s, providers {value.providers:.1f} CPU s"
                if isinstance(value, Sample)
                else (f"{value:.1f} s")
            )
            log(f"  run {run + 1}: {name} {shown}")
    return times


@dataclass
class LagRun:
    transitions: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    steady_rates: list[float] = field(default_factory=list)  # GET/s of each resource past the fast start
    get_latency: list[float] = field(default_factory=list)  # each GET as the client saw it
    tails: list[float] = field(default_factory=list)  # create's return minus the end of its last GET


def ready_lag(state: BenchState, creates: int, workers: int, span: tuple[float, float], rng: random.Random) -> LagRun:
    """``creates`` runtimes, ``workers`` at a time, each READY after a random T in ``span``."""
    run, provider, tag = LagRun(), AgentRuntimeProvider(), secrets.token_hex(3)
    planned = [rng.uniform(*span) for _ in range(creates)]  # drawn here: the threads take them in any order
    last_get_end: dict[str, float] = {}
    original = AgentRunClient.request

    def timed(client: AgentRunClient, op: Any, path: str, **kwargs: Any) -> dict[str, Any]:
        if op.action != "GetAgentRuntime":  # the life cycle's reads of a runtime, and nothing else
            return original(client, op, path, **kwargs)
        runtime_id = path.rsplit("/", 1)[1]
        start = time.time()
        try:
            return original(client, op, path, **kwargs)
        finally:
            last_get_end[runtime_id] = end = time.time()
            run.get_latency.append(end - start)

    def one(i: int) -> str:
        name = f"lag-{tag}-{i}"
        state.planned[name] = planned[i]
        result = provider.create(code_runtime(agentRuntimeName=name))
        returned, runtime_id = time.time(), str(result.id)
        run.transitions.append(planned[i])
        run.lags.append(returned - state.ready_at[runtime_id])
        run.tails.append(returned - last_get_end[runtime_id])
        steady = state.gets[runtime_id][len(_wait.FAST_START) :]
        if len(steady) >= 2:
            run.steady_rates.append((len(steady) - 1) / (steady[-1] - steady[0]))
        return runtime_id

    # quick: for the deletes after the creates (each create plans its own time).
    with state.quick(), mock.patch.object(AgentRunClient, "request", timed), ThreadPoolExecutor(workers) as pool:
        ids = list(pool.map(one, range(creates)))
        list(pool.map(lambda runtime_id: provider.delete(runtime_id, {}), ids))
    return run


def modelled_lag(transition: float, run: LagRun, rng: random.Random) -> float:
    """The lag of a create whose runtime is READY ``transition`` s after its wait began, by the
    provider's own ``wait_for`` on a virtual clock, each GET as slow as one measured in ``run``."""
    now = 0.0

    def fetch() -> bool:
        nonlocal now
        latency = rng.choice(run.get_latency)
        ready = now + latency / 2 >= transition  # the service reads the state halfway through
        now += latency
        return ready

    def sleep(seconds: float) -> None:
        nonlocal now
        now += seconds

    _wait.wait_for(fetch, bool, timeout=2 * transition + 60, what="the model", clock=lambda: now, sleep=sleep)
    return now + statistics.median(run.tails) - transition
