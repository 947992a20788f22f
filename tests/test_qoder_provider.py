"""qoder.AgentProvider against the emulator over loopback."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_agents._dynamic import ProviderError
from pulumi_agents._schema import UNKNOWN
from pulumi_agents.qoder import AgentProvider, QoderClient, Settings
from tests.agents import doc_helper
from tests.conftest import Emulator

# The inputs' rules, offline: the credentials check before a first check has its own tests
# (tests/test_credentials.py).
pytestmark = pytest.mark.usefixtures("offline")

provider = AgentProvider()


def client() -> QoderClient:
    return QoderClient(Settings.from_sources())


def agents(include_archived: bool = True) -> list[dict[str, Any]]:
    with client() as c:
        return list(c.list_agents(include_archived=include_archived))


def create(props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = provider.create(props)
    return result.id, result.outs


def test_create_reports_outputs_and_extended_fields(qoder_env: Emulator) -> None:
    agent_id, outs = create(doc_helper())
    assert agent_id.startswith("agent_") and "id" not in outs
    assert outs["version"] == 1 and outs["archived"] is False and outs["system"] == "You help with documentation."
    assert outs["metadata"] == {"team": "docs"} and outs["skills"] == [{"type": "custom", "skill_id": "skill_123"}]
    assert outs["idempotencySeed"] == "org/proj/dev/doc-helper"


def test_no_diff_for_the_same_meaning(qoder_env: Emulator) -> None:
    _, outs = create(doc_helper())
    same = doc_helper(model={"id": "ultimate"})
    same["tools"][0]["enabled_tools"].reverse()
    assert provider.diff("x", outs, same).changes is False
    legacy = {k: v for k, v in outs.items() if k != "instructions"}  # an older answer: only `system`
    assert provider.diff("x", legacy, doc_helper()).changes is False
    assert provider.diff("x", outs, doc_helper(model={"id": "ultimate", "effort": "high"})).changes is True
    assert provider.diff("x", outs, doc_helper(instructions=UNKNOWN)).changes is True


def test_changing_on_delete_reaches_the_state_without_an_api_write(qoder_env: Emulator) -> None:
    """destroy reads the outputs: a new on_delete that stayed out of them would archive instead of delete."""
    agent_id, outs = create(doc_helper())
    news = doc_helper(onDelete="delete")
    diff = provider.diff(agent_id, outs, news)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(agent_id, outs, news).outs
    assert updated["onDelete"] == "delete" and updated["version"] == outs["version"]  # nothing was sent
    provider.delete(agent_id, updated)
    assert agents() == []  # deleted, not archived


def test_create_retried_after_a_lost_answer_makes_one_agent(
    qoder_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QODER_HTTP_TIMEOUT", "1")
    qoder_env.fault(kind="lost", method="POST", path="/api/v1/cloud/agents", seconds=2)
    qoder_env.fault(kind="status", status=503, retryAfter=0.1, method="POST", path="/api/v1/cloud/agents")
    agent_id, _ = create(doc_helper())
    assert [a["id"] for a in agents()] == [agent_id]


def test_update_sends_version_patches_metadata_and_clears_removed_fields(qoder_env: Emulator) -> None:
    agent_id, outs = create(doc_helper(description="first"))
    news = doc_helper(metadata={"tier": "gold"}, model={"id": "ultimate", "effort": "high"})
    del news["mcp_servers"]
    result = provider.update(agent_id, outs, news)
    assert result.outs["version"] == 2
    with client() as c:
        agent = c.get_agent(agent_id)
    assert agent["metadata"] == {"tier": "gold"}  # the removed key was sent as null
    assert agent["mcp_servers"] == [] and agent["description"] == ""  # no longer set: cleared
    assert agent["model"] == {"id": "ultimate", "effort": "high"}


def test_change_behind_our_back_is_a_conflict_not_an_overwrite(qoder_env: Emulator) -> None:
    agent_id, outs = create(doc_helper())
    with client() as c:
        c.update_agent(agent_id, {"version": 1, "instructions": "changed by hand"})
    engine_olds = {**outs, "version": float(outs["version"])}  # the engine's Struct carries only doubles
    with pytest.raises(ProviderError) as conflict:
        provider.update(agent_id, engine_olds, doc_helper(metadata={"team": "platform"}))
    assert "changed outside Pulumi" in str(conflict.value) and "pulumi refresh" in str(conflict.value)
    assert "the state has version 1," in str(conflict.value) and "1.0" not in str(conflict.value)
    with client() as c:
        assert c.get_agent(agent_id)["instructions"] == "changed by hand"
    refreshed = provider.read(agent_id, outs)
    assert refreshed.outs["version"] == 2 and refreshed.outs["instructions"] == "changed by hand"
    result = provider.update(agent_id, refreshed.outs, doc_helper(metadata={"team": "platform"}))
    assert result.outs["version"] == 3 and result.outs["instructions"] == "You help with documentation."


def test_archived_behind_our_back_is_replaced(qoder_env: Emulator) -> None:
    agent_id, outs = create(doc_helper())
    with client() as c:
        c.archive_agent(agent_id)
    read = provider.read(agent_id, outs)
    assert read.outs["archived"] is True
    diff = provider.diff(agent_id, read.outs, doc_helper())
    assert diff.changes is True and diff.replaces == ["archived"]
    # The replacement's create: the same key would replay the archived agent, so a new one is made.
    new_id, new_outs = create(doc_helper())
    assert new_id != agent_id and new_outs["archived"] is False


@pytest.mark.parametrize("on_delete", ["archive", "delete"])
def test_a_stack_made_again_and_again_gets_a_live_agent_each_time(qoder_env: Emulator, on_delete: str) -> None:
    """Destroyed and made again three times within the service's 24 h, with the same inputs: each
    create's key replays the agent of the time before (archived or deleted), and the key derived
    from it the one of the time before that; each time a live agent, a new one, is made."""
    made: list[str] = []
    for _ in range(3):
        agent_id, outs = create(doc_helper(onDelete=on_delete))
        with client() as c:
            assert c.get_agent(agent_id)["archived"] is False, made
        made.append(agent_id)
        provider.delete(agent_id, outs)
    assert len(set(made)) == 3


def test_deleted_behind_our_back_is_gone(qoder_env: Emulator) -> None:
    agent_id, outs = create(doc_helper())
    with client() as c:
        c.delete_agent(agent_id)
    assert provider.read(agent_id, outs).id == ""
    provider.delete(agent_id, outs)  # 404 counts as done


def test_delete_policies(qoder_env: Emulator) -> None:
    archived_id, archived_outs = create(doc_helper(name="kept"))
    provider.delete(archived_id, archived_outs)
    deleted_id, deleted_outs = create(doc_helper(name="gone", onDelete="delete"))
    provider.delete(deleted_id, deleted_outs)
    remaining = agents()
    assert [(a["id"], a["archived"]) for a in remaining] == [(archived_id, True)]
    provider.delete(archived_id, archived_outs)  # archiving again is fine


def test_check_reports_paths() -> None:
    bad = doc_helper(metadata={f"k{i}": "v" for i in range(17)}, skills=[{"type": "custom", "skill_id": "s"}] * 2)
    bad["mcp_servers"].append({"type": "url", "name": "weather", "url": "http://other"})
    found = {(f.property, f.reason) for f in provider.check({}, bad).failures}
    assert ("", "metadata: must have at most 16 entries") in found
    assert ("", "skills: must not contain duplicates") in found
    assert ("", "mcp_servers[1].name: 'weather' is already used by mcp_servers[0]") in found
    assert [(f.property, f.reason) for f in provider.check({}, doc_helper(version=3)).failures] == [
        ("", "version: is an output and cannot be set")
    ]


def test_errors_name_the_type_and_parameter(qoder_env: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProviderError, match=r"invalid_request_error: unknown toolset type \(parameter tools\[0\]"):
        provider.create(doc_helper(tools=[{"type": "agent_toolset_2099"}]))
    monkeypatch.setenv("QODER_PAT", "wrong-token")
    with pytest.raises(ProviderError, match="401 authentication_error") as refused:
        provider.create(doc_helper())
    assert "wrong-token" not in str(refused.value)


def test_missing_token_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QODER_PAT", raising=False)
    with pytest.raises(ProviderError, match="qoder:token"):
        provider.create(doc_helper())
