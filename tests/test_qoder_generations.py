"""qoder.Agent speaks both generations of Qoder's API: what it sends, recorded on the wire.

A recording proxy on loopback stands between the provider and the emulator: every request goes
through to the emulator as sent, and the test reads what went out. Updates go out as POST (the
SDK's method, which the docs allow too), the prompt as ``system``, whichever name the program
used; lists follow whichever cursor the answer carries.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pulumi.provider.experimental.provider import CheckRequest

from pulumi_agents._api import api
from pulumi_agents._dynamic import ProviderError
from pulumi_agents._plugin_sdk import PluginProvider, value_map
from pulumi_agents._requests import pages
from pulumi_agents._schema import UNKNOWN
from pulumi_agents.qoder import AgentProvider, QoderClient, Settings
from pulumi_agents.qoder.client import next_cursor
from tests.agents import doc_helper
from tests.conftest import QODER_TOKEN, Emulator

# The inputs' rules, offline: the credentials check before a first check has its own tests
# (tests/test_credentials.py).
pytestmark = pytest.mark.usefixtures("offline")

provider = AgentProvider()
PREFIX = "/api/v1/cloud"


@dataclass
class Sent:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Recorder:
    url: str
    sent: list[Sent] = field(default_factory=list)

    def writes(self) -> list[Sent]:
        return [s for s in self.sent if s.method != "GET"]


@pytest.fixture
def recorder(qoder_env: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """A proxy to the emulator that keeps every request; the provider is pointed at it."""
    upstream = httpx.Client(base_url=qoder_env.url, timeout=30)
    record = Recorder("")

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            record.sent.append(Sent(self.command, self.path, headers, json.loads(raw) if raw else None))
            answer = upstream.request(self.command, self.path, content=raw, headers=headers)
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                    self.send_header(key, value)
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_DELETE = _forward

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    record.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("QODER_BASE_URL", record.url + PREFIX)
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
        upstream.close()


def test_updates_go_out_as_post_and_the_prompt_as_system(recorder: Recorder) -> None:
    created = provider.create(doc_helper())  # the program says `instructions`
    news = doc_helper(instructions="You review documentation.", description="changed")
    updated = provider.update(created.id, created.outs, news).outs
    assert updated["version"] == 2 and updated["system"] == updated["instructions"] == "You review documentation."
    writes = recorder.writes()
    assert [(w.method, w.path) for w in writes] == [
        ("POST", f"{PREFIX}/agents"),
        ("POST", f"{PREFIX}/agents/{created.id}"),
    ]
    assert not [s for s in recorder.sent if s.method == "PUT"]
    assert writes[0].body["system"] == "You help with documentation." and "instructions" not in writes[0].body
    assert writes[1].body == {"system": "You review documentation.", "description": "changed", "version": 1}
    assert all(w.headers.get("idempotency-key") for w in writes)


def test_switching_instructions_to_system_with_the_same_text_is_no_change(qoder_env: Emulator) -> None:
    created = provider.create(doc_helper())
    text = doc_helper()["instructions"]
    as_system = {k: v for k, v in doc_helper(system=text).items() if k != "instructions"}
    assert provider.diff(created.id, created.outs, as_system).changes is False
    assert provider.diff(created.id, created.outs, doc_helper(system=text)).changes is False  # both, the same
    moved = {k: v for k, v in doc_helper(system="Other.").items() if k != "instructions"}
    diff = provider.diff(created.id, created.outs, moved)
    assert diff.changes is True and diff.replaces == []
    dropped = {k: v for k, v in doc_helper().items() if k != "instructions"}
    assert provider.diff(created.id, created.outs, dropped).changes is True  # the prompt is cleared


def test_both_prompts_with_different_text_is_an_error_naming_both() -> None:
    failures = provider.check({}, doc_helper(system="One.", instructions="Two.")).failures
    assert [(f.property, f.reason) for f in failures] == [
        (
            "",
            "instructions: system and instructions are two names of the same field, set here to different values: "
            "set only one",
        )
    ]
    assert provider.check({}, doc_helper(system=UNKNOWN, instructions="Two.")).failures == []  # a preview


def test_the_sdks_fields_round_trip_with_no_diff(recorder: Recorder) -> None:
    news = doc_helper(
        model={"id": "claude-opus-5", "effort": {"type": "max"}, "speed": "fast", "inference_geo": "us"},
        tools=[
            {
                "type": "agent_toolset_20260401",
                "enabled_tools": ["Bash", "Read"],
                "disallowed_tools": ["web_search"],
                "configs": [{"name": "bash", "permission_policy": {"type": "always_ask"}}],
                "default_config": {"enabled": True},
            },
            {"type": "mcp_toolset", "mcp_server_name": "weather", "configs": [{"name": "forecast", "enabled": False}]},
            {
                "type": "custom",
                "name": "lookup",
                "description": "Looks a word up.",
                "input_schema": {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]},
            },
        ],
        multiagent={"type": "coordinator", "agents": ["agent_helper", {"type": "self"}]},
        skills=[{"type": "qoder", "skill_id": "skill_1", "version": 3}],
        mcp_servers=[{"type": "http", "name": "weather", "url": "https://mcp.example.com/sse"}],
    )
    assert provider.check({}, news).failures == []
    created = provider.create(news)
    sent = recorder.writes()[0].body
    assert sent["skills"][0]["version"] == "3" and sent["mcp_servers"][0]["type"] == "url"
    assert sent["tools"][0]["enabled_tools"] == ["Bash", "Read"]  # names as written
    assert provider.diff(created.id, created.outs, news).changes is False
    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, news).changes is False
    assert read.outs["type"] == "agent"


def test_a_workspace_and_betas_go_out_as_headers(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QODER_BETAS", "managed-agents-2026-04-01")
    monkeypatch.setenv("QODER_WORKSPACE_ID", "ws_provider")
    own = provider.create(doc_helper(workspace_id="ws_own", name="own"))
    default = provider.create(doc_helper(name="default"))
    assert all(s.headers.get("x-qoder-beta") == "managed-agents-2026-04-01" for s in recorder.sent)
    spaces = {s.headers.get("qoder-workspace-id") for s in recorder.sent}
    assert spaces == {"ws_own", "ws_provider"}
    assert provider.read(own.id, own.outs).id == own.id and provider.read(default.id, default.outs).id == default.id
    moved = provider.diff(own.id, own.outs, doc_helper(workspace_id="ws_other", name="own"))
    assert "workspace_id" in moved.replaces


def test_the_sdks_settings_win_over_ours(qoder_env: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QODER_ACCESS_TOKEN", QODER_TOKEN)
    monkeypatch.setenv("QODER_PAT", "an-older-token")
    monkeypatch.setenv("QODER_MANAGED_BASE_URL", qoder_env.url + PREFIX + "/")
    monkeypatch.setenv("QODER_BASE_URL", "http://127.0.0.1:9")
    settings = Settings.from_sources()
    assert settings.token == QODER_TOKEN and settings.base_url == qoder_env.url + PREFIX
    assert provider.create(doc_helper()).id.startswith("agent_")


def test_lists_follow_whichever_cursor_the_answer_carries(qoder_env: Emulator) -> None:
    made = [provider.create(doc_helper(name=f"a{i}", idempotencySeed=f"o/p/s/a{i}")).id for i in range(5)]
    with QoderClient(Settings.from_sources()) as client:
        assert [a["id"] for a in client.list_agents(limit=2)] == made
    assert next_cursor({"has_more": True, "next_page": "p2", "last_id": "a"}) == {"page": "p2"}
    assert next_cursor({"has_more": True, "last_id": "a"}) == {"after_id": "a"}
    assert next_cursor({"has_more": False, "next_page": "p2"}) is None
    assert next_cursor({"next_page": None, "last_id": "a"}) is None


@pytest.mark.parametrize("status", [404, 405])
def test_delete_where_only_archive_is_offered_is_reported(qoder_env: Emulator, status: int) -> None:
    created = provider.create(doc_helper(onDelete="delete"))
    qoder_env.fault(kind="status", status=status, method="DELETE", path=f"{PREFIX}/agents/")
    with pytest.raises(ProviderError, match="this deployment offers archive only: set on_delete to archive"):
        provider.delete(created.id, created.outs)
    with QoderClient(Settings.from_sources()) as client:
        assert client.get_agent(created.id)["archived"] is False  # still there, untouched


def test_delete_of_an_agent_already_gone_is_done(qoder_env: Emulator) -> None:
    created = provider.create(doc_helper(onDelete="delete"))
    with QoderClient(Settings.from_sources()) as client:
        client.delete_agent(created.id)
    provider.delete(created.id, created.outs)


def changed_since(outs: dict[str, Any]) -> dict[str, Any]:
    """A state written before the service's metadata changed: a read then records inputs."""
    return {**outs, "metadata": {"team": "earlier"}}


def test_a_refresh_records_the_prompt_under_the_programs_name(qoder_env: Emulator) -> None:
    text = doc_helper()["instructions"]
    docs = provider.create(doc_helper())
    assert docs.outs["system"] == docs.outs["instructions"] == text  # as every earlier state has it
    assert provider.read(docs.id, docs.outs).inputs is None  # unchanged: the engine keeps the state's
    read = provider.read(docs.id, changed_since(docs.outs))
    assert read.inputs["instructions"] == text and "system" not in read.inputs
    sdk = provider.create({k: v for k, v in doc_helper(system=text, name="sdk").items() if k != "instructions"})
    assert sdk.outs["system"] == text and "instructions" not in sdk.outs
    read = provider.read(sdk.id, changed_since(sdk.outs))
    assert read.inputs["system"] == text and "instructions" not in read.inputs and "instructions" not in read.outs
    imported = provider.read(sdk.id, {})
    assert imported.inputs["system"] == text and "instructions" not in imported.inputs
    silent = provider.create({k: v for k, v in doc_helper(name="silent").items() if k != "instructions"})
    assert silent.outs["system"] == ""  # as before: the API's answer
    read = provider.read(silent.id, changed_since(silent.outs))
    assert "system" not in read.inputs and "instructions" not in read.inputs and read.outs["system"] == ""


def test_both_front_doors_refuse_two_prompts_in_the_same_words() -> None:
    news = doc_helper(system="One.", instructions="Two.")
    plugin = PluginProvider("qoder")
    urn = "urn:pulumi:dev::proj::qoder:index:Agent::doc-helper"
    checked = asyncio.run(plugin.check(CheckRequest(urn, {}, value_map("Agent", news, set()), b"")))
    dynamic = provider.check({}, news).failures
    assert [(f.property, f.reason) for f in checked.failures or []] == [(f.property, f.reason) for f in dynamic]
    assert len(dynamic) == 1 and "system and instructions" in dynamic[0].reason


def test_the_docs_spellings_of_an_existing_stack_are_no_change(qoder_env: Emulator) -> None:
    """A state written before: an MCP server of type http (one doc's), a skill version as a number."""
    older = doc_helper(
        mcp_servers=[{"type": "http", "name": "weather", "url": "https://mcp.example.com/sse"}],
        skills=[{"type": "qoder", "skill_id": "skill_1", "version": 3.0}],  # the engine's float
    )
    recorded = {**older, "system": older["instructions"], "version": 1, "archived": False}
    assert provider.diff("agent_x", recorded, older).changes is False
    sdk = doc_helper(
        mcp_servers=[{"type": "url", "name": "weather", "url": "https://mcp.example.com/sse"}],
        skills=[{"type": "qoder", "skill_id": "skill_1", "version": "3"}],
    )
    assert provider.diff("agent_x", recorded, sdk).changes is False


def test_the_life_cycles_paging_follows_next_page(qoder_env: Emulator) -> None:
    headers = {"authorization": f"Bearer {QODER_TOKEN}"}
    for i in range(51):  # one more than a page of the life cycle's lists
        body = {"name": f"n{i}", "model": "m"}
        assert httpx.post(qoder_env.url + PREFIX + "/agents", json=body, headers=headers).status_code == 201
    listing = api("Agent")
    assert listing is not None
    with QoderClient(Settings.from_sources()) as client:
        found = pages(client, listing.operation("list"), "/agents", listing.listing, {})
    assert sorted(a["name"] for a in found) == sorted(f"n{i}" for i in range(51))
