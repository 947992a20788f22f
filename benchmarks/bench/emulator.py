"""The emulator, in the benchmark's process: every service as `pulumi-agents emulator` serves
it, its AgentRun state extended to take a transition time per create and to report the READY
instant and every GET."""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import uvicorn

import pulumi_agents.agentrun.emulator.state as agentrun_state
from pulumi_agents.emulator import EmulatorConfig, create_app
from pulumi_agents.emulator.store import Store


class BenchState(agentrun_state.AgentRunState):
    """The emulator's AgentRun state, plus: a transition time per create (``planned``, by runtime
    name), each create's instant and exact READY instant, and every GET's arrival."""

    def __init__(self, store: Store, **options: Any) -> None:
        super().__init__(store, **options)
        self.planned: dict[str, float] = {}
        self.created: dict[str, tuple[str, float]] = {}  # runtime id -> (name, instant of the create)
        self.ready_at: dict[str, float] = {}
        self.gets: dict[str, list[float]] = defaultdict(list)

    @contextmanager
    def quick(self) -> Iterator[None]:
        """Runtimes ready in 0.2 s (and gone as fast) meanwhile: for creates and deletes that no
        row measures; back to the 1 s the rows use after."""
        self.transition_seconds = 0.2
        try:
            yield
        finally:
            self.transition_seconds = 1.0

    def _begin(self, doc: dict[str, Any], operation: str, status: str, failure: str | None, ready: str) -> None:
        super()._begin(doc, operation, status, failure, ready)
        if operation == "create" and "agentRuntimeEndpointId" not in doc:
            now, seconds = self.clock(), self.planned.pop(doc["agentRuntimeName"], None)
            if seconds is not None:
                doc["_pending"]["at"] = now + seconds
            self.created[doc["agentRuntimeId"]] = (doc["agentRuntimeName"], now)
            self.ready_at[doc["agentRuntimeId"]] = doc["_pending"]["at"]

    def get(self, runtime_id: str, version: str | None = None) -> dict[str, Any]:
        self.gets[runtime_id].append(self.clock())
        return super().get(runtime_id, version)

    def most_in_flight(self, prefix: str, since: float) -> int:
        """The most creates of runtimes named ``prefix``... (made after ``since``) that were in
        flight at once: from the create to the GET that saw READY."""
        edges: list[tuple[float, int]] = []
        for runtime_id, (name, start) in list(self.created.items()):
            if name.startswith(prefix) and start >= since:
                seen = [t for t in self.gets[runtime_id] if t >= self.ready_at[runtime_id]]
                edges += [(start, 1), (min(seen, default=self.ready_at[runtime_id]), -1)]
        most = current = 0
        for _, step in sorted(edges):
            current += step
            most = max(most, current)
        return most


@contextmanager
def emulator() -> Iterator[tuple[str, BenchState]]:
    """The emulator's app, every service as `pulumi-agents emulator` serves it, with BenchState."""
    made: list[BenchState] = []

    def state(store: Store, **options: Any) -> BenchState:
        made.append(BenchState(store, **options))
        return made[-1]

    with mock.patch.object(agentrun_state, "AgentRunState", state):
        app = create_app(EmulatorConfig(transition_seconds=1.0))
    # Bound here, so that no other process can take the port meanwhile. IPPROTO_TCP, not the default
    # 0: asyncio sets TCP_NODELAY only on such sockets, and without it every answer waits 40 ms
    # for a delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", made[-1]
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()
