"""agentrun.Workspace, the kind added on the generic life cycle with nothing but its schema entry:
its whole life cycle in both front doors at the provider level, against the emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pulumi.provider.experimental.provider import CreateRequest, DeleteRequest, ReadRequest, UpdateRequest

from pulumi_agents._plugin_sdk import PluginProvider, to_plain, value_map
from pulumi_agents.agentrun import AgentRunClient, Settings, WorkspaceProvider
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, Emulator

PATH = "/2025-09-10/workspaces"


def listed() -> list[dict[str, Any]]:
    from pulumi_agents._api import Operation
    from pulumi_agents._requests import pages

    with AgentRunClient(Settings.from_sources()) as client:
        op = Operation("GET", PATH, "ListWorkspaces")
        return pages(client, op, PATH, {"items": "workspaces", "paging": "pageNumber"}, {})


def test_dynamic_life_cycle(agentrun_env: Emulator) -> None:
    provider = WorkspaceProvider()
    props = {"name": "support", "description": "the support team", "enablePresetModel": True}
    assert provider.check({}, props).failures == []
    created = provider.create(props)
    assert created.id.startswith("ws-") and created.outs["workspaceId"] == created.id
    # Write-only: the service never reports it, the state keeps what was sent.
    assert created.outs["enablePresetModel"] is True and created.outs["description"] == "the support team"
    assert provider.diff(created.id, created.outs, props).changes is False

    renamed = provider.diff(created.id, created.outs, {**props, "name": "support-2"})
    assert renamed.changes and renamed.replaces == ["name"]

    news = {**props, "description": "changed"}
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs["description"] == "changed"
    # An update a dead run already sent is not sent again.
    again = provider.update(created.id, created.outs, news)
    assert again.outs["description"] == "changed"

    read = provider.read(created.id, updated.outs)
    assert read.id == created.id and read.outs["description"] == "changed" and read.outs["enablePresetModel"] is True

    provider.delete(created.id, updated.outs)
    assert provider.read(created.id, updated.outs).id == ""
    provider.delete(created.id, updated.outs)  # already gone: done
    assert [w for w in listed() if w["workspaceId"] == created.id] == []


def test_a_lost_create_answer_adopts_the_one_it_made(agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = WorkspaceProvider()
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "1")
    other = provider.create({"name": "shared", "description": "someone else's"})
    agentrun_env.fault(kind="lost", method="POST", path=PATH, seconds=2)
    created = provider.create({"name": "shared", "description": "ours"})
    ours = [w for w in listed() if w["name"] == "shared"]
    assert sorted(w["workspaceId"] for w in ours) == sorted([other.id, created.id])
    assert created.outs["description"] == "ours"


def test_plugin_life_cycle_and_import(emulator: Emulator) -> None:
    provider = PluginProvider("agentrun")
    provider.config = {
        "agentrun:accessKeyId": ACCESS_KEY_ID,
        "agentrun:accessKeySecret": ACCESS_KEY_SECRET,
        "agentrun:endpoint": emulator.url,
    }
    urn = "urn:pulumi:dev::proj::agentrun:index:Workspace::team"

    def plain(properties: dict[str, Any]) -> dict[str, Any]:
        return {k: to_plain(v) for k, v in properties.items()}

    props = value_map("Workspace", {"name": "platform", "description": "one"}, set())
    created = asyncio.run(provider.create(CreateRequest(urn, props, 60, False)))
    assert created.resource_id.startswith("ws-") and plain(created.properties)["workspaceId"] == created.resource_id

    imported = asyncio.run(provider.read(ReadRequest(urn, created.resource_id, {}, {})))
    assert plain(imported.inputs) == {"name": "platform", "description": "one"}

    news = value_map("Workspace", {"name": "platform", "description": "two"}, set())
    request = UpdateRequest(urn, created.resource_id, created.properties, news, 60, [], False)
    updated = asyncio.run(provider.update(request))
    assert plain(updated.properties)["description"] == "two"
    asyncio.run(provider.delete(DeleteRequest(urn, created.resource_id, updated.properties, 60)))
    gone = asyncio.run(provider.read(ReadRequest(urn, created.resource_id, updated.properties, {})))
    assert not gone.resource_id
