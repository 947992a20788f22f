"""The emulated AIAE agents over raw HTTP: auth and validation errors with HTTP 200, framings,
the control endpoint, and conversations that survive a restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_agents.aiae import AiaeClient
from tests.aiae_support import API_KEY, agent_url
from tests.conftest import Emulator, start_emulator


def post(
    emulator: Emulator, body: Any, *, key: str | None = API_KEY, agent: str = "demo-agent", **headers: str
) -> httpx.Response:
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(agent_url(emulator, agent), content=content, headers=headers, timeout=30)


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Bearer", f"Basic {API_KEY}"])
def test_a_missing_or_bad_key_is_refused_with_http_200(emulator: Emulator, authorization: str | None) -> None:
    headers = {"authorization": authorization} if authorization else {}
    response = post(emulator, {"query": "hi"}, key=None, **headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error_code"] == "AIAE.22001001"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "the body is not valid JSON"),
        ({"memory": []}, "query is required"),
        ({"query": 5}, "query is required"),
        ({"query": "q", "memory": {"role": "user"}}, "memory must be a list"),
        (
            {"query": "q", "memory": [{"role": "user", "content": "a"}, {"role": "system", "content": "b"}]},
            "memory[1].role",
        ),
        ({"query": "q", "memory": [{"role": "user", "content": ""}]}, "memory[0].content must not be empty"),
        ({"query": "q", "user_id": 7}, "user_id must be a string"),
        ({"query": "q", "variables": []}, "variables must be an object"),
        ({"query": "q", "variables": {"secret_variables": {}}}, "variables.secret_variables is not a known key"),
        ({"query": "q", "variables": {"common_variables": {"a": {"b": 1}}}}, "variables.common_variables.a"),
    ],
)
def test_bad_parameters_are_refused_with_http_200(emulator: Emulator, body: Any, message: str) -> None:
    response = post(emulator, body)
    assert response.status_code == 200
    error = response.json()
    assert error["error_code"] == "AIAE.22001002" and message in error["error_msg"]


def test_server_sent_events_by_default(emulator: Emulator) -> None:
    response = post(emulator, {"query": "hi", "user_id": "ana"})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    first = events[0].splitlines()
    assert first[0] == "id: 1" and first[1] == "event: hint" and first[2].startswith("data: {")
    chunk = json.loads(first[2].removeprefix("data: "))
    assert (
        chunk["type"] == "hint"
        and chunk["user_id"] == "ana"
        and chunk["request_id"] == response.headers["x-request-id"]
    )
    assert set(chunk) == {"request_id", "agent_id", "user_id", "conversation_id", "type", "data"}


def test_newline_delimited_json_when_asked(emulator: Emulator) -> None:
    response = post(emulator, {"query": "hi"}, accept="application/x-ndjson")
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = response.text.splitlines()
    assert [json.loads(line)["type"] for line in lines[:4]] == ["hint", "tool", "hint", "knowledge"]
    # ...and SSE from an NDJSON agent when only SSE is acceptable.
    sse = post(emulator, {"query": "hi"}, agent="ndjson-agent", accept="text/event-stream")
    assert sse.headers["content-type"].startswith("text/event-stream")


def test_publishing_an_agent_is_checked(emulator: Emulator) -> None:
    for bad in ({"agent_id": "bad id"}, {"agent_id": "x", "framing": "xml"}, {"agent_id": "x", "api_keys": "k"}):
        response = httpx.post(emulator.url + "/_emulator/aiae/agents", json=bad, timeout=10)
        assert response.status_code == 400, bad
    response = emulator.control("POST", "/_emulator/aiae/agents", {"agent_id": "erp-bot"})
    assert response.json() == {"agent_id": "erp-bot", "path": "/v1/routes/open/erp-bot/execute"}
    assert post(emulator, {"query": "hi"}, agent="erp-bot").headers["content-type"].startswith("text/event-stream")
    emulator.control("POST", "/_emulator/reset")
    assert post(emulator, {"query": "hi"}, agent="erp-bot").status_code == 404


def test_conversations_survive_a_restart(tmp_path: Path) -> None:
    for turn in ("first question", "second question"):
        emulator = start_emulator(tmp_path)
        try:
            url = agent_url(emulator)
            with AiaeClient(url, API_KEY) as aiae:
                text = aiae.invoke(turn, user_id="ana", conversation_id="c1").text
        finally:
            emulator.process.terminate()
            emulator.process.wait(10)
    assert "I recall 2 earlier messages in conversation c1; you last asked: first question." in text
