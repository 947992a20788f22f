"""Qoder's own SDK (``qca-sdk``, ``qca.Managed``) runs every operation of the platform's kinds beside
agents (environments, memory stores, vaults) against the emulator over loopback: create, retrieve,
update where the API has it, list (paged by ``page``/``next_page``, filtered by name), archive and
delete; every answer parses into the SDK's models and carries no key they do not know; bad input is
the SDK's BadRequestError naming the field, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import qca
from pydantic import BaseModel
from qca.common import _exceptions as errors

from tests.conftest import QODER_TOKEN, Emulator
from tests.test_qoder_platform import CLOUD


@pytest.fixture
def managed(emulator: Emulator) -> Iterator[qca.Managed]:
    with qca.Managed(access_token=QODER_TOKEN, base_url=emulator.url + "/api/v1/cloud/", max_retries=0) as client:
        yield client


def raw(emulator: Emulator, path: str) -> Any:
    headers = {"authorization": f"Bearer {QODER_TOKEN}"}
    return httpx.get(emulator.url + "/api/v1/cloud" + path, headers=headers, timeout=10).json()


def unknown_keys(model: BaseModel, answer: Any, at: str = "") -> list[str]:
    """The keys of ``answer`` that ``model`` (parsed from it) does not know, at any depth."""
    found = [f"{at}{k}" for k in answer if k not in type(model).model_fields]
    for key, value in answer.items():
        inner = getattr(model, key, None)
        if isinstance(value, dict) and isinstance(inner, BaseModel):
            found += unknown_keys(inner, value, f"{at}{key}.")
    return found


def check_answer(emulator: Emulator, collection: str, made: BaseModel) -> None:
    answer = raw(emulator, f"/{collection}/{made.id}")
    assert unknown_keys(type(made).model_validate(answer), answer) == []


def test_environments(managed: qca.Managed, emulator: Emulator) -> None:
    env = managed.environments.create(
        name="build",
        description="one",
        config=CLOUD,
        scope="organization",
        metadata={"team": "docs"},
    )
    assert env.id and env.type == "environment" and env.config and env.config.networking
    assert env.config.networking.allowed_hosts == ["api.example.com"] and env.config.packages.pip == ["requests"]
    check_answer(emulator, "environments", env)
    hosted = managed.environments.create(name="workers", config={"type": "self_hosted", "setup_script": "x"})
    assert hosted.config and hosted.config.type == "self_hosted"

    updated = managed.environments.update(env.id, description="two", metadata={"team": None, "tier": "gold"})
    assert updated.description == "two" and updated.metadata == {"tier": "gold"} and updated.name == "build"
    assert managed.environments.retrieve(env.id).description == "two"

    first = managed.environments.list(limit=1)
    assert [e.id for e in first.data] == [env.id] and first.has_more
    assert [e.id for e in managed.environments.list(limit=1)] == [env.id, hosted.id]  # the SDK follows next_page

    archived = managed.environments.archive(env.id)
    assert archived.archived_at
    assert [e.id for e in managed.environments.list()] == [hosted.id]
    assert [e.id for e in managed.environments.list(include_archived=True)] == [env.id, hosted.id]
    with pytest.raises(errors.PermissionDeniedError):
        managed.environments.update(env.id, description="three")
    gone = managed.environments.delete(env.id)
    assert gone.id == env.id and gone.type == "environment_deleted"
    with pytest.raises(errors.NotFoundError):
        managed.environments.retrieve(env.id)


def test_memory_stores(managed: qca.Managed, emulator: Emulator) -> None:
    store = managed.memory_stores.create(name="notes", description="one", metadata={"team": "docs"})
    assert store.status == "active" and store.entry_count == 0 and store.total_size == 0 and store.name == "notes"
    check_answer(emulator, "memory_stores", store)
    managed.memory_stores.create(name="other")
    assert managed.memory_stores.update(store.id, name="notes-2").name == "notes-2"
    assert [s.id for s in managed.memory_stores.list(name="notes-2")] == [store.id]
    assert managed.memory_stores.retrieve(store.id).description == "one"
    assert managed.memory_stores.archive(store.id).archived_at
    assert managed.memory_stores.delete(store.id).type == "memory_store_deleted"


def test_vaults(managed: qca.Managed, emulator: Emulator) -> None:
    vault = managed.vaults.create(display_name="mcp", metadata={"team": "docs"})
    assert vault.display_name == "mcp" and vault.type == "vault" and vault.created_at
    check_answer(emulator, "vaults", vault)
    assert [v.id for v in managed.vaults.list(name="mcp")] == [vault.id]
    assert managed.vaults.list(name="other").data == []
    assert managed.vaults.retrieve(vault.id).metadata == {"team": "docs"}
    assert managed.vaults.archive(vault.id).archived_at
    assert managed.vaults.delete(vault.id).type == "vault_deleted"


def test_workspaces_keep_their_own(managed: qca.Managed) -> None:
    vault = managed.vaults.create(display_name="mcp", workspace_id="ws_team")
    with pytest.raises(errors.NotFoundError):
        managed.vaults.retrieve(vault.id)
    assert managed.vaults.retrieve(vault.id, workspace_id="ws_team").id == vault.id


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"name": ""}, "name"),
        ({"name": "e", "config": {"type": "moon"}}, "config.type"),
        ({"name": "e", "config": {"type": "cloud", "networking": {"type": "unrestricted", "allowed_hosts": ["a"]}}},
         "config.networking.allowed_hosts"),
        ({"name": "e", "config": {"type": "cloud", "packages": {"pip": "requests"}}}, "config.packages.pip"),
        ({"name": "e", "scope": "world"}, "scope"),
        ({"name": "e", "metadata": {"k": 1}}, "metadata.k"),
        ({"name": "e", "colour": "red"}, "colour"),
        ({"description": "no name"}, "name"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(emulator: Emulator, body: dict[str, Any], param: str) -> None:
    headers = {"authorization": f"Bearer {QODER_TOKEN}"}
    answer = httpx.post(emulator.url + "/api/v1/cloud/environments", json=body, headers=headers, timeout=10)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param, error


def test_vault_credentials(managed: qca.Managed, emulator: Emulator) -> None:
    from tests.test_qoder_vault_credential import OAUTH, SECRETS, VARIABLE

    vault = managed.vaults.create(display_name="mcp")
    oauth = managed.vaults.credentials.create(vault.id, auth=OAUTH, display_name="oauth", metadata={"a": "b"})
    assert oauth.vault_id == vault.id and oauth.auth and oauth.auth.refresh and oauth.auth.refresh.client_id == "client"
    variable = managed.vaults.credentials.create(vault.id, auth=VARIABLE)
    bearer = {"type": "static_bearer", "mcp_server_url": "https://mcp.example.com/sse", "token": "tok-1"}
    managed.vaults.credentials.create(vault.id, auth=bearer)
    for made in (oauth, variable):
        answer = raw(emulator, f"/vaults/{vault.id}/credentials/{made.id}")
        assert unknown_keys(type(made).model_validate(answer), answer) == []
        assert not any(secret in str(answer) for secret in SECRETS)  # the API never returns a secret

    updated = managed.vaults.credentials.update(
        oauth.id,
        vault_id=vault.id,
        auth={"type": "mcp_oauth", "access_token": "access-2"},
        metadata={"a": None},
    )
    assert updated.auth and updated.auth.refresh and updated.auth.mcp_server_url and updated.metadata == {}
    with pytest.raises(errors.BadRequestError, match=r"auth\.mcp_server_url"):
        managed.vaults.credentials.update(
            oauth.id,
            vault_id=vault.id,
            auth={"type": "mcp_oauth", "mcp_server_url": "https://elsewhere.example.com"},
        )
    checked = managed.vaults.credentials.mcp_oauth_validate(oauth.id, vault_id=vault.id)
    assert checked.status == "valid" and checked.has_refresh_token and checked.credential_id == oauth.id
    with pytest.raises(errors.BadRequestError):
        managed.vaults.credentials.mcp_oauth_validate(variable.id, vault_id=vault.id)

    listed = managed.vaults.credentials.list(vault.id, limit=2)
    assert len(list(listed)) == 3  # the SDK follows next_page
    assert managed.vaults.credentials.retrieve(oauth.id, vault_id=vault.id).display_name == "oauth"
    assert managed.vaults.credentials.archive(variable.id, vault_id=vault.id).archived_at
    assert managed.vaults.credentials.delete(oauth.id, vault_id=vault.id).type == "vault_credential_deleted"
    managed.vaults.delete(vault.id)
    with pytest.raises(errors.NotFoundError):  # the vault and what it held
        managed.vaults.credentials.retrieve(variable.id, vault_id=vault.id)
