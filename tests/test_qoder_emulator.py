"""The emulated Qoder API: envelopes, auth, idempotency, versions, archive, delete, pagination."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import QODER_TOKEN, Emulator

BODY = {"name": "doc-test-agent", "model": "ultimate", "instructions": "Help.", "metadata": {"team": "docs"}}


@pytest.fixture
def api(emulator: Emulator) -> httpx.Client:
    return httpx.Client(base_url=emulator.url + "/api/v1/cloud", headers={"authorization": f"Bearer {QODER_TOKEN}"})


def create(api: httpx.Client, body: dict[str, Any] = BODY, key: str | None = None) -> httpx.Response:
    return api.post("/agents", json=body, headers={"idempotency-key": key} if key else {})


def test_create_answers_like_the_docs(api: httpx.Client) -> None:
    response = create(api)
    assert response.status_code == 201 and response.headers["request-id"]
    agent = response.json()
    assert agent["type"] == "agent" and agent["id"].startswith("agent_")
    assert agent["version"] == 1 and agent["archived"] is False and agent["archived_at"] is None
    assert agent["system"] == agent["instructions"] == "Help."
    assert agent["created_at"].endswith("Z") and "." in agent["created_at"]


def test_auth_and_errors_use_the_envelope(api: httpx.Client, emulator: Emulator) -> None:
    refused = httpx.get(emulator.url + "/api/v1/cloud/agents", headers={"authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.json()["error"]["type"] == "authentication_error"
    bad = create(api, {"name": "", "model": "x"})
    assert bad.status_code == 400
    assert bad.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "name is required", "param": "name"},
    }
    missing = api.get("/agents/agent_nope")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"


def test_idempotency_rules(api: httpx.Client) -> None:
    first = create(api, key="k1")
    again = create(api, dict(reversed(list(BODY.items()))), key="k1")  # same body, other key order
    assert again.status_code == 201 and again.json() == first.json()
    other = create(api, {**BODY, "name": "other"}, key="k1")
    assert other.status_code == 409
    assert other.json()["error"] == {
        "type": "conflict_error",
        "message": "Idempotency key reused with a different request body",
    }
    assert len(api.get("/agents").json()["data"]) == 1
    assert create(api, key="k2").json()["id"] != first.json()["id"]


def test_extended_fields_only_with_the_header(api: httpx.Client) -> None:
    agent_id = create(api).json()["id"]
    assert "metadata" not in api.get(f"/agents/{agent_id}").json()
    extended = api.get(f"/agents/{agent_id}", headers={"x-cas-include-extended": "true"}).json()
    assert extended["metadata"] == {"team": "docs"} and extended["skills"] == []


def test_update_needs_the_current_version_and_bumps_it(api: httpx.Client) -> None:
    agent_id = create(api).json()["id"]
    updated = api.put(
        f"/agents/{agent_id}", json={"version": 1, "description": "d", "metadata": {"team": None, "tier": "gold"}}
    )
    assert updated.status_code == 200
    assert updated.json()["version"] == 2 and updated.json()["metadata"] == {"tier": "gold"}
    assert updated.json()["instructions"] == "Help."  # omitted fields are kept
    stale = api.put(f"/agents/{agent_id}", json={"version": 1, "description": "late"})
    assert stale.status_code == 409 and stale.json()["error"]["param"] == "version"
    cleared = api.put(f"/agents/{agent_id}", json={"version": 2, "name": ""})
    assert cleared.status_code == 400
    assert api.post(f"/agents/{agent_id}", json={"version": 2, "description": "via POST"}).json()["version"] == 3
    versions = api.get(f"/agents/{agent_id}/versions").json()["data"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert api.get(f"/agents/{agent_id}", params={"version": 1}).json()["description"] == ""


def test_archive_is_idempotent_and_locks(api: httpx.Client) -> None:
    agent_id = create(api).json()["id"]
    first = api.post(f"/agents/{agent_id}/archive").json()
    second = api.post(f"/agents/{agent_id}/archive").json()
    assert first["archived"] is True and first["archived_at"] == second["archived_at"]
    assert first["version"] == 1
    locked = api.put(f"/agents/{agent_id}", json={"description": "x"})
    assert locked.status_code == 403 and "archived and locked" in locked.json()["error"]["message"]
    assert api.get("/agents").json()["data"] == []
    assert len(api.get("/agents", params={"include_archived": "true"}).json()["data"]) == 1


def test_delete_is_permanent(api: httpx.Client) -> None:
    agent_id = create(api).json()["id"]
    assert api.delete(f"/agents/{agent_id}").json() == {"type": "agent", "id": agent_id, "deleted": True}
    assert api.get(f"/agents/{agent_id}").status_code == 404
    assert api.delete(f"/agents/{agent_id}").status_code == 404


def test_cursor_pagination(api: httpx.Client) -> None:
    ids = [create(api, {**BODY, "name": f"a{i}"}).json()["id"] for i in range(5)]
    page = api.get("/agents", params={"limit": 2}).json()
    assert [a["id"] for a in page["data"]] == ids[:2] and page["has_more"] is True
    assert page["first_id"] == ids[0] and page["last_id"] == ids[1]
    rest = api.get("/agents", params={"limit": 10, "after_id": page["last_id"]}).json()
    assert [a["id"] for a in rest["data"]] == ids[2:] and rest["has_more"] is False
    assert api.get("/agents", params={"limit": 0}).status_code == 400
