"""Every multi-row change of the Qoder emulator is one transaction: a crash between its writes
leaves nothing half-done, and a retry with the same Idempotency-Key then makes exactly one agent.

The crash is simulated in process, deterministically: the store raises on its Nth write (put or
delete) from the moment it is armed, as a process killed between two writes would stop. "After
the crash" the SQLite file is opened again by a new Store (what a restarted emulator does), so
only what was committed counts.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from pulumi_agents._http import RetryPolicy
from pulumi_agents.emulator import EmulatorConfig, create_app
from pulumi_agents.emulator.store import Store
from pulumi_agents.qoder.client import QoderClient
from pulumi_agents.qoder.client import Settings as QoderSettings
from pulumi_agents.qoder.emulator.state import IDEMPOTENCY, KIND, VERSIONS, QoderError, QoderState, canonical_body
from tests.conftest import QODER_TOKEN, free_port

AGENTS = "/api/v1/cloud/agents"
BODY = {"name": "atomic", "model": "ultimate", "metadata": {"team": "infra"}}
CREATE_WRITES = 3  # the agent, its version snapshot, the idempotency record


class SimulatedCrash(RuntimeError):
    """The process 'dies' here: nothing after this write happens."""


class Crashing:
    """Arms a store so that its ``nth`` write from now on raises SimulatedCrash (once)."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store, self.countdown = store, 0
        put, delete = store.put, store.delete

        def crash_point() -> None:
            if self.countdown:
                self.countdown -= 1
                if not self.countdown:
                    raise SimulatedCrash("crashed between two writes")

        def crashing_put(kind: str, doc_id: str, body: dict[str, Any]) -> None:
            crash_point()
            put(kind, doc_id, body)

        def crashing_delete(kind: str, doc_id: str) -> None:
            crash_point()
            delete(kind, doc_id)

        monkeypatch.setattr(store, "put", crashing_put)
        monkeypatch.setattr(store, "delete", crashing_delete)

    def arm(self, nth: int) -> None:
        self.countdown = nth


def rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """What a restarted emulator would find in the SQLite file."""
    store = Store(path)
    return {kind: list(store.all(kind)) for kind in (KIND, VERSIONS, IDEMPOTENCY)}


def create(state: QoderState, key: str = "key-1", body: dict[str, Any] = BODY) -> tuple[int, dict[str, Any]]:
    raw = json.dumps(body).encode()
    return state.idempotent(
        QODER_TOKEN, key, "POST", AGENTS, canonical_body(raw), lambda: (201, state.create(dict(body)))
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "emulator.sqlite3"


@pytest.mark.parametrize("nth", range(1, CREATE_WRITES + 1))
def test_a_crash_during_create_leaves_nothing_and_the_retry_makes_one_agent(
    db: Path, monkeypatch: pytest.MonkeyPatch, nth: int
) -> None:
    store = Store(db)
    crashing = Crashing(store, monkeypatch)
    crashing.arm(nth)
    with pytest.raises(SimulatedCrash):
        create(QoderState(store))
    assert rows(db) == {KIND: [], VERSIONS: [], IDEMPOTENCY: []}

    # The client retries with the same key against the restarted emulator: one agent, once.
    restarted = QoderState(Store(db))
    status, first = create(restarted)
    assert status == 201
    again_status, again = create(restarted)
    assert (again_status, again["id"]) == (201, first["id"])  # replayed, not made again
    found = rows(db)
    assert [a["id"] for a in found[KIND]] == [first["id"]]
    assert [(v["id"], v["version"]) for v in found[VERSIONS]] == [(first["id"], 1)]
    assert len(found[IDEMPOTENCY]) == 1


def test_the_same_crash_on_the_live_store_also_leaves_nothing(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No restart: the store that crashed rolls back too, and serves the retry."""
    store = Store(db)
    state = QoderState(store)
    Crashing(store, monkeypatch).arm(2)
    with pytest.raises(SimulatedCrash):
        create(state)
    assert list(store.all(KIND)) == [] and list(store.all(IDEMPOTENCY)) == []
    status, agent = create(state)
    assert status == 201 and [a["id"] for a in store.all(KIND)] == [agent["id"]]


def test_a_refused_request_is_recorded_without_its_partial_writes(db: Path) -> None:
    """An operation that fails after writing (a nested transaction) undoes its own writes while
    the idempotency record of its answer is still kept."""
    store = Store(db)
    state = QoderState(store)

    def writes_then_refuses() -> tuple[int, dict[str, Any]]:
        with store.transaction():
            store.put(KIND, "agent_half", {"id": "agent_half"})
            raise QoderError(409, "conflict_error", "refused after a write")

    status, answer = state.idempotent(QODER_TOKEN, "key-2", "POST", AGENTS, b"{}", writes_then_refuses)
    assert status == 409 and answer["error"]["type"] == "conflict_error"
    found = rows(db)
    assert found[KIND] == [] and len(found[IDEMPOTENCY]) == 1


@pytest.mark.parametrize("nth", [1, 2, 3])
def test_a_crash_during_update_keeps_the_old_version(db: Path, monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    store = Store(db)
    state = QoderState(store)
    _, agent = create(state)
    crashing = Crashing(store, monkeypatch)
    crashing.arm(nth)  # 1: the agent row, 2: its new snapshot, 3: the idempotency record
    change = {"description": "changed", "version": 1}
    raw = canonical_body(json.dumps(change).encode())
    path = f"{AGENTS}/{agent['id']}"
    with pytest.raises(SimulatedCrash):
        state.idempotent(QODER_TOKEN, "upd", "PUT", path, raw, lambda: (200, state.update(agent["id"], dict(change))))
    found = rows(db)
    assert [(a["version"], a["description"]) for a in found[KIND]] == [(1, "")]
    assert [v["version"] for v in found[VERSIONS]] == [1]
    # The retry (same key, same body) applies the change once.
    restarted = QoderState(Store(db))
    status, updated = restarted.idempotent(
        QODER_TOKEN, "upd", "PUT", path, raw, lambda: (200, restarted.update(agent["id"], dict(change)))
    )
    assert status == 200 and updated["version"] == 2
    assert sorted(v["version"] for v in rows(db)[VERSIONS]) == [1, 2]


def test_a_crash_during_delete_keeps_the_agent_and_every_version(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(db)
    state = QoderState(store)
    _, agent = create(state)
    state.update(agent["id"], {"description": "v2"})
    state.update(agent["id"], {"description": "v3"})
    for nth in (1, 2, 3, 4):  # the agent row, then each of its three versions
        Crashing(store, monkeypatch).arm(nth)
        with pytest.raises(SimulatedCrash):
            state.delete(agent["id"])
        monkeypatch.undo()
        found = rows(db)
        assert [a["id"] for a in found[KIND]] == [agent["id"]], nth
        assert sorted(v["version"] for v in found[VERSIONS]) == [1, 2, 3], nth
    assert state.delete(agent["id"])["deleted"] is True
    found = rows(db)
    assert found[KIND] == [] and found[VERSIONS] == []


# -- the same over HTTP: a 500 for the crash, then the client's retry -----------------------------


@pytest.fixture
def http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Crashing]]:
    """The emulator served by uvicorn on loopback from a thread of this process (so its store
    can be made to crash), and the crash switch."""
    stores: list[Store] = []

    class RecordingStore(Store):
        def __init__(self, path: Path | None) -> None:
            super().__init__(path)
            stores.append(self)

    monkeypatch.setattr("pulumi_agents.emulator.app.Store", RecordingStore)
    app = create_app(EmulatorConfig(data_dir=tmp_path))
    crashing = Crashing(stores[0], monkeypatch)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the emulator did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", crashing
    finally:
        server.should_exit = True
        thread.join(10)


def test_over_http_a_crashed_create_answers_500_and_the_keyed_retry_makes_one_agent(
    http: tuple[str, Crashing], tmp_path: Path
) -> None:
    url, crashing = http
    headers = {"authorization": f"Bearer {QODER_TOKEN}", "idempotency-key": "http-key"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        crashing.arm(2)  # between the agent row and its version snapshot
        crashed = client.post(AGENTS, json=BODY)
        assert crashed.status_code == 500
        assert crashed.json()["error"]["type"] == "api_error" and "detail" not in crashed.json()
        assert client.get(AGENTS).json()["data"] == []

        first = client.post(AGENTS, json=BODY)
        again = client.post(AGENTS, json=BODY)
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        assert [a["id"] for a in client.get(AGENTS).json()["data"]] == [first.json()["id"]]
    # And that is what a restarted emulator finds.
    found = rows(tmp_path / "emulator.sqlite3")
    assert len(found[KIND]) == len(found[VERSIONS]) == len(found[IDEMPOTENCY]) == 1


def test_the_provider_client_retries_a_crashed_create_into_one_agent(http: tuple[str, Crashing]) -> None:
    """The Qoder client retries a keyed create after a 5xx: the crash costs nothing."""
    url, crashing = http
    settings = QoderSettings(token=QODER_TOKEN, base_url=url + "/api/v1/cloud")
    with QoderClient(settings, retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)) as client:
        crashing.arm(3)  # after the agent and its snapshot, before the idempotency record
        made = client.create_agent(BODY, idempotency_key="provider-key")
        assert [a["id"] for a in client.list_agents()] == [made["id"]]
