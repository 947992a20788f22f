"""Qoder's own SDK (``qca-sdk``, ``qca.Managed``) runs every agents operation against the emulator,
over loopback HTTP: the emulator serves the SDK's generation of the API (POST updates, ``system``,
``page``/``next_page`` paging) beside the docs' one, and answers in the shapes the SDK's models
read, with errors that map to the SDK's own exception types."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import qca
from qca.common import _exceptions as errors

from tests.conftest import QODER_TOKEN, Emulator

MODEL = {"id": "claude-opus-5", "effort": {"type": "high"}, "speed": "fast", "inference_geo": "us"}
TOOLS: list[Any] = [
    {
        "type": "agent_toolset_20260401",
        "enabled_tools": ["bash", "read", "web_fetch"],
        "disallowed_tools": ["write"],
        "configs": [
            {"name": "bash", "permission_policy": {"type": "always_ask"}},
            {"name": "web_fetch", "allowed_domains": ["docs.example.com"], "max_content_tokens": 4000},
            {"name": "web_search", "user_location": {"type": "approximate", "country": "CN"}},
        ],
        "default_config": {"enabled": True, "permission_policy": {"type": "always_allow"}},
    },
    {"type": "mcp_toolset", "mcp_server_name": "weather", "configs": [{"name": "forecast", "enabled": False}]},
    {
        "type": "custom",
        "name": "lookup",
        "description": "Looks a word up.",
        "input_schema": {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]},
    },
]
SERVERS: list[Any] = [{"type": "url", "name": "weather", "url": "https://mcp.example.com/sse"}]
# What an answer may carry: the SDK's Agent model, and the three keys of the docs' sample answer.
SHOWN = set(qca.managed.types.Agent.model_fields) | {"instructions", "default_environment", "archived"}


@pytest.fixture
def managed(emulator: Emulator) -> Iterator[qca.Managed]:
    with qca.Managed(access_token=QODER_TOKEN, base_url=emulator.url + "/api/v1/cloud/", max_retries=0) as client:
        yield client


def make(managed: qca.Managed, name: str = "sdk-agent", **extra: Any) -> Any:
    return managed.agents.create(model=MODEL, name=name, **extra)


def raw(emulator: Emulator, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {QODER_TOKEN}", **kwargs.pop("headers", {})}
    return httpx.request(method, emulator.url + "/api/v1/cloud" + path, headers=headers, timeout=10, **kwargs)


def test_create_and_retrieve_with_every_field_of_the_sdk(managed: qca.Managed, emulator: Emulator) -> None:
    agent = managed.agents.create(
        model=MODEL,
        name="sdk-agent",
        description="made by the SDK",
        system="You help.",
        mcp_servers=SERVERS,
        metadata={"team": "docs"},
        multiagent={
            "type": "coordinator",
            "agents": ["agent_other", {"type": "self"}, {"type": "advisor", "model": "m"}],
        },
        skills=[{"type": "qoder", "skill_id": "skill_1", "version": "2"}],
        tools=TOOLS,
    )
    assert agent.type == "agent" and agent.id and agent.id.startswith("agent_") and agent.version == 1
    assert agent.system == "You help." and agent.name == "sdk-agent" and agent.archived_at is None
    # skills and metadata come back only with the docs' X-CAS-Include-Extended header, which the
    # SDK never sends: a plain retrieve is the rest.
    plain = managed.agents.retrieve(agent.id)
    assert plain.skills is None and plain.metadata is None and plain.system == "You help."
    got = managed.agents.retrieve(agent.id, extra_headers={"X-CAS-Include-Extended": "true"})
    assert got.model_dump(exclude_none=True) == agent.model_dump(exclude_none=True)
    assert got.model.speed == "fast" and got.model.inference_geo == "us"  # type: ignore[union-attr]
    assert got.tools and got.tools[1].mcp_server_name == "weather" and got.tools[2].input_schema is not None
    assert got.multiagent is not None and got.multiagent.type == "coordinator"
    assert got.skills and got.skills[0].version == "2"
    # Nothing but what the SDK's model knows and the docs' sample shows.
    assert set(raw(emulator, "GET", f"/agents/{agent.id}").json()) <= SHOWN


def test_update_with_and_without_the_version_guard(managed: qca.Managed) -> None:
    agent = make(managed, system="first")
    updated = managed.agents.update(agent.id, system="second", version=1)
    assert updated.version == 2 and updated.system == "second"
    unguarded = managed.agents.update(agent.id, description="no guard")
    assert unguarded.version == 3 and unguarded.system == "second" and unguarded.description == "no guard"
    with pytest.raises(errors.ConflictError) as stale:
        managed.agents.update(agent.id, system="third", version=1)
    assert stale.value.status_code == 409 and stale.value.type == "conflict_error" and stale.value.request_id
    old = managed.agents.retrieve(agent.id, version=1)
    assert old.version == 1 and old.system == "first"
    assert managed.agents.retrieve(agent.id).version == 3


def test_update_clears_with_null_and_patches_metadata(managed: qca.Managed) -> None:
    agent = make(managed, metadata={"a": "1", "b": "2"}, tools=TOOLS, mcp_servers=SERVERS)
    updated = managed.agents.update(agent.id, metadata={"a": None, "c": "3"}, tools=None, mcp_servers=None)
    assert updated.metadata == {"b": "2", "c": "3"} and updated.tools == [] and updated.mcp_servers == []


def test_list_pages_automatically_and_filters(managed: qca.Managed) -> None:
    made = [make(managed, name=f"agent-{i}").id for i in range(6)]
    assert [a.id for a in managed.agents.list(limit=2)] == made
    first = managed.agents.list(limit=4)
    assert len(first.data) == 4 and first.has_more and first.next_page
    managed.agents.archive(made[0])
    assert [a.id for a in managed.agents.list(limit=2)] == made[1:]
    assert [a.id for a in managed.agents.list(limit=2, include_archived=True)] == made
    now = datetime.now(UTC)
    assert list(managed.agents.list(created_at_gte=now + timedelta(hours=1))) == []
    assert [a.id for a in managed.agents.list(limit=5, created_at_lte=now + timedelta(hours=1))] == made[1:]
    time.sleep(0.01)
    later = make(managed, name="later")
    after = datetime.fromisoformat(str(managed.agents.retrieve(made[-1]).created_at)) + timedelta(microseconds=1)
    assert [a.id for a in managed.agents.list(created_at_gte=after)] == [later.id]


def test_versions_page_newest_first(managed: qca.Managed) -> None:
    agent = make(managed)
    for n in range(4):
        managed.agents.update(agent.id, description=f"change {n}")
    first = managed.agents.versions.list(agent.id, limit=2)
    assert [v.version for v in first.data] == [5, 4] and first.has_more and first.next_page
    assert [v.version for v in managed.agents.versions.list(agent.id, limit=2)] == [5, 4, 3, 2, 1]


def test_archive_locks_the_agent(managed: qca.Managed) -> None:
    agent = make(managed)
    archived = managed.agents.archive(agent.id)
    assert archived.archived_at is not None and archived.version == 1
    assert managed.agents.archive(agent.id).archived_at == archived.archived_at  # idempotent
    with pytest.raises(errors.PermissionDeniedError):
        managed.agents.update(agent.id, description="too late")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.agents.retrieve("agent_missing"), errors.NotFoundError),
        (lambda m: m.agents.retrieve("agent_missing", version=2), errors.NotFoundError),
        (lambda m: m.agents.create(model="ultimate", name=""), errors.BadRequestError),
        (
            lambda m: m.agents.create(
                model="ultimate", name="x", mcp_servers=[{"type": "http", "name": "a", "url": "https://a"}]
            ),
            errors.BadRequestError,
        ),
        (
            lambda m: m.agents.create(
                model="ultimate", name="x", tools=[{"type": "mcp_toolset", "mcp_server_name": "none"}]
            ),
            errors.BadRequestError,
        ),
        (lambda m: m.agents.list(limit=500), errors.BadRequestError),
        (lambda m: m.agents.list(page="bogus"), errors.BadRequestError),
        (lambda m: m.agents.archive("agent_missing"), errors.NotFoundError),
    ],
)
def test_errors_map_to_the_sdks_exception_types(managed: qca.Managed, call: Any, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        call(managed)
    assert isinstance(raised.value, errors.APIStatusError) and raised.value.request_id
    assert raised.value.type in {"invalid_request_error", "not_found_error"}


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, errors.RateLimitError),
        (500, errors.InternalServerError),
        (503, errors.InternalServerError),
        (529, errors.OverloadedError),
    ],
)
def test_gateway_answers_map_to_the_sdks_exception_types(
    managed: qca.Managed, emulator: Emulator, status: int, error: type[Exception]
) -> None:
    emulator.fault(kind="status", status=status, method="GET", path="/api/v1/cloud/agents")
    with pytest.raises(error):
        managed.agents.list()


def test_a_body_too_large_is_request_too_large(managed: qca.Managed) -> None:
    with pytest.raises(errors.RequestTooLargeError):
        managed.agents.create(model="ultimate", name="big", system="x" * (1024 * 1024 + 1))


def test_a_wrong_token_is_an_authentication_error(emulator: Emulator) -> None:
    client = qca.Managed(access_token="wrong", base_url=emulator.url + "/api/v1/cloud/", max_retries=0)
    with client, pytest.raises(errors.AuthenticationError):
        client.agents.list()


def test_a_workspace_sees_only_its_own_agents(managed: qca.Managed) -> None:
    mine = managed.agents.create(model="ultimate", name="in-ws", workspace_id="ws_1")
    assert [a.id for a in managed.agents.list(workspace_id="ws_1")] == [mine.id]
    assert list(managed.agents.list()) == []
    with pytest.raises(errors.NotFoundError):
        managed.agents.retrieve(mine.id)
    assert managed.agents.retrieve(mine.id, workspace_id="ws_1").id == mine.id


def test_the_docs_generation_is_served_too(emulator: Emulator) -> None:
    """PUT updates, ``instructions``, ``after_id`` paging: what the docs describe."""
    made = [
        raw(emulator, "POST", "/agents", json={"name": f"d{i}", "model": "ultimate", "instructions": "Help."}).json()
        for i in range(3)
    ]
    assert made[0]["instructions"] == made[0]["system"] == "Help."
    put = raw(emulator, "PUT", f"/agents/{made[0]['id']}", json={"version": 1, "instructions": "More."})
    assert put.status_code == 200 and put.json()["system"] == "More."
    page = raw(emulator, "GET", "/agents", params={"limit": 2}).json()
    assert page["has_more"] and page["last_id"] == made[1]["id"]
    rest = raw(emulator, "GET", "/agents", params={"limit": 2, "after_id": page["last_id"]}).json()
    assert [a["id"] for a in rest["data"]] == [made[2]["id"]] and rest["has_more"] is False
    both = raw(emulator, "POST", "/agents", json={"name": "x", "model": "m", "system": "a", "instructions": "b"})
    assert both.status_code == 400 and both.json()["error"]["param"] == "system"
