"""qoder.VaultCredential's secrets against the emulator: the API never answers them, so the state
keeps what was sent, marked secret; a refresh keeps it; an import holds none and the next update
sends the program's once; a change of a secret updates in place, a change of what the API's update
does not take (the MCP server, the OAuth client, the kind of auth, the display name) replaces."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from pulumi_agents.qoder.provider import VaultCredentialProvider, VaultProvider
from tests.conftest import QODER_TOKEN, Emulator

MCP = "https://mcp.example.com/sse"
OAUTH = {
    "type": "mcp_oauth",
    "mcp_server_url": MCP,
    "access_token": "access-1",
    "expires_at": "2027-01-01T00:00:00Z",
    "refresh": {
        "client_id": "client",
        "refresh_token": "refresh-1",
        "token_endpoint": "https://auth.example.com/token",
        "token_endpoint_auth": {"type": "client_secret_post", "client_secret": "client-secret-1"},
        "scope": "read",
    },
}
VARIABLE = {
    "type": "environment_variable",
    "secret_name": "API_KEY",
    "secret_value": "value-1",
    "networking": {"type": "limited", "allowed_hosts": ["api.example.com"]},
    "injection_location": {"header": True},
}
SECRETS = ("access-1", "refresh-1", "client-secret-1", "value-1", "tok-1")
provider = VaultCredentialProvider()


def plain(value: Any) -> Any:
    """``value`` with the secrets unwrapped."""
    if is_rpc_secret(value):
        return plain(unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def leaks(value: Any) -> list[str]:
    """The secrets in ``value`` that are not wrapped as secrets."""
    if is_rpc_secret(value):
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in leaks(v)]
    return [value] if value in SECRETS else []


@pytest.fixture
def vault(qoder_env: Emulator) -> str:
    return str(VaultProvider().create({"display_name": "mcp"}).id)


def credential(vault: str, auth: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"vault_id": vault, "display_name": "weather", "auth": auth, **extra}


def answered(emulator: Emulator, resource_id: str) -> dict[str, Any]:
    vault, credential_id = resource_id.split("/")
    headers = {"authorization": f"Bearer {QODER_TOKEN}"}
    url = f"{emulator.url}/api/v1/cloud/vaults/{vault}/credentials/{credential_id}"
    answer: dict[str, Any] = httpx.get(url, headers=headers, timeout=10).json()
    return answer


@pytest.mark.parametrize("auth", [OAUTH, VARIABLE], ids=["mcp_oauth", "environment_variable"])
def test_the_state_keeps_the_secrets_sent_and_a_refresh_keeps_them(
    qoder_env: Emulator, vault: str, auth: dict[str, Any]
) -> None:
    props = credential(vault, auth)
    created = provider.create(props)
    assert leaks(created.outs) == [] and plain(created.outs)["auth"] == auth
    assert not any(s in str(answered(qoder_env, created.id)) for s in SECRETS)  # never answered
    assert provider.diff(created.id, plain(created.outs), props).changes is False

    refreshed = provider.read(created.id, plain(created.outs))
    assert leaks(refreshed.outs) == [] and plain(refreshed.outs)["auth"] == auth
    assert refreshed.inputs is None  # unchanged: the engine keeps the state's inputs, secrets and all
    refreshed = provider.read(created.id, {**plain(created.outs), "display_name": "earlier"})  # changed since
    assert leaks(refreshed.outs) == [] and plain(refreshed.outs)["auth"] == auth
    assert plain(refreshed.inputs)["auth"] == auth


def test_an_import_holds_no_secret_and_the_next_update_sends_the_programs(qoder_env: Emulator, vault: str) -> None:
    props = credential(vault, OAUTH)
    created = provider.create(props)
    imported = provider.read(created.id, {})
    assert "access_token" not in plain(imported.inputs)["auth"] and leaks(imported.outs) == []
    diff = provider.diff(created.id, plain(imported.outs), props)
    assert diff.changes is True and diff.replaces == []
    before = answered(qoder_env, created.id)["updated_at"]
    updated = provider.update(created.id, plain(imported.outs), props)
    assert plain(updated.outs)["auth"] == OAUTH and leaks(updated.outs) == []
    assert answered(qoder_env, created.id)["updated_at"] != before  # sent once
    assert provider.diff(created.id, plain(updated.outs), props).changes is False


def test_a_new_secret_updates_in_place(qoder_env: Emulator, vault: str) -> None:
    created = provider.create(credential(vault, OAUTH))
    refresh = {**OAUTH["refresh"], "refresh_token": "refresh-2"}
    news = credential(vault, {**OAUTH, "access_token": "access-2", "refresh": refresh}, metadata={"team": "docs"})
    diff = provider.diff(created.id, plain(created.outs), news)
    assert diff.changes is True and diff.replaces == []
    updated = plain(provider.update(created.id, plain(created.outs), news).outs)
    assert updated["auth"]["access_token"] == "access-2" and updated["auth"]["refresh"]["refresh_token"] == "refresh-2"
    assert answered(qoder_env, created.id)["metadata"] == {"team": "docs"}


@pytest.mark.parametrize(
    "change",
    [
        {"auth": {**OAUTH, "mcp_server_url": "https://other.example.com/sse"}},
        {"auth": {**OAUTH, "refresh": {**OAUTH["refresh"], "client_id": "another"}}},
        {"auth": VARIABLE},
        {"display_name": "renamed"},
    ],
    ids=["mcp_server_url", "refresh.client_id", "type", "display_name"],
)
def test_what_the_update_does_not_take_replaces(qoder_env: Emulator, vault: str, change: dict[str, Any]) -> None:
    created = provider.create(credential(vault, OAUTH))
    diff = provider.diff(created.id, plain(created.outs), {**credential(vault, OAUTH), **change})
    assert diff.changes is True and diff.replaces == sorted(change)


def test_bad_auth_names_the_field(qoder_env: Emulator, vault: str) -> None:
    result = provider.check({}, credential(vault, {"type": "static_bearer", "mcp_server_url": MCP}))
    assert [(f.property, f.reason) for f in result.failures] == [("", "auth.token: is required")]


def test_an_expiry_must_be_a_date_time(qoder_env: Emulator, vault: str) -> None:
    """expires_at is checked as RFC 3339 (an offset included) at preview, whether or not
    jsonschema's optional rfc3339-validator is installed."""
    for bad in ("next week", "2027-01-01T00:00:00", "2027-02-30T00:00:00Z"):
        result = provider.check({}, credential(vault, {**OAUTH, "expires_at": bad}))
        assert [f.reason for f in result.failures] == [
            f"auth.expires_at: must be a valid date-time (RFC 3339) (the value: {bad!r})"
        ], bad
    # The emulator, as strict as the service: a 400 naming the field.
    headers = {"authorization": f"Bearer {QODER_TOKEN}"}
    url = f"{qoder_env.url}/api/v1/cloud/vaults/{vault}/credentials"
    refused = httpx.post(url, headers=headers, json={"auth": {**OAUTH, "expires_at": "next week"}}, timeout=10)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "auth.expires_at", refused.text
