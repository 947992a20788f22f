"""Qoder's platform kinds beside agents (Environment, MemoryStore, Vault) at the provider level,
through the dynamic door against the emulator over loopback: create, a diff of no change, an update
(or, for a vault, which the API cannot update, a replacement), read, archive (the default) and
delete (``on_delete``), and a resource archived outside Pulumi replaced. Their schema.json entries
hold every field of ``qca-sdk``'s create params, and what its update params lack replaces.

``SAMPLES`` are the inputs (and a change) of each kind, which tests/test_plugin_kinds.py runs
through the plugin door too."""

from __future__ import annotations

from typing import Any

import pytest
import qca.managed.types as sdk

from pulumi_agents._api import api
from pulumi_agents._schema import definition
from pulumi_agents._service import service_class
from pulumi_agents.qoder.client import QoderClient, Settings
from tests.conftest import Emulator

MCP = "https://mcp.example.com/sse"
CLOUD = {
    "type": "cloud",
    "networking": {"type": "limited", "allowed_hosts": ["api.example.com"], "allow_mcp_servers": True},
    "packages": {"pip": ["requests"], "apt": ["git"]},
    "setup_script": "make deps",
}
# Each kind's inputs and a change of them (for a vault, what replaces it).
SAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "Environment": (
        {"name": "build", "description": "one", "config": CLOUD, "metadata": {"team": "docs"}},
        {"description": "two", "config": {"type": "cloud", "networking": {"type": "unrestricted"}}},
    ),
    "MemoryStore": ({"name": "notes", "description": "one", "metadata": {"team": "docs"}}, {"description": "two"}),
    "Vault": ({"display_name": "mcp", "metadata": {"team": "docs"}}, {"display_name": "mcp-2"}),
    "VaultCredential": (
        {"display_name": "weather", "auth": {"type": "static_bearer", "mcp_server_url": MCP, "token": "tok-1"}},
        {"auth": {"type": "static_bearer", "mcp_server_url": MCP, "token": "tok-2"}},
    ),
    "Deployment": (
        {
            "name": "nightly",
            "initial_events": [{"type": "user.message", "content": [{"type": "text", "text": "Update the docs."}]}],
            "schedule": {"type": "cron", "expression": "0 2 * * *", "timezone": "Asia/Shanghai"},
            "budget": {"type": "limit", "max_credit_cost": "50"},
            "metadata": {"team": "docs"},
        },
        {"schedule": {"type": "cron", "expression": "30 3 * * 1-5", "timezone": "UTC"}, "description": "weekdays"},
    ),
}
# What a kind's inputs name that must exist first (a credential's vault, a deployment's agent and
# environment): field -> (kind, inputs), made by the door under test.
AGENT = {"name": "nightly-bot", "model": "ultimate"}
REFERENCES: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "VaultCredential": {"vault_id": ("Vault", SAMPLES["Vault"][0])},
    "Deployment": {"agent": ("Agent", AGENT), "environment_id": ("Environment", SAMPLES["Environment"][0])},
}
# The SDK's create and update params of each kind (betas are headers of every call).
PARAMS = {
    "Environment": (sdk.EnvironmentCreateParams, sdk.EnvironmentUpdateParams),
    "MemoryStore": (sdk.MemoryStoreCreateParams, sdk.MemoryStoreUpdateParams),
    "Vault": (sdk.VaultCreateParams, None),
    "VaultCredential": (sdk.VaultCredentialCreateParams, sdk.VaultCredentialUpdateParams),
    "Deployment": (sdk.DeploymentCreateParams, sdk.DeploymentUpdateParams),
}


def _hint(hint: Any) -> str:
    """A TypedDict field's annotation as written (the SDK's modules postpone their evaluation)."""
    return str(getattr(hint, "__forward_arg__", hint))


def service(type_name: str) -> Any:
    return service_class(type_name)({})


def holds(found: Any, given: Any) -> bool:
    """``found`` is ``given`` with, at most, keys of objects added (an update keeps what it is not sent)."""
    if isinstance(given, dict):
        return isinstance(found, dict) and all(k in found and holds(found[k], v) for k, v in given.items())
    return bool(found == given)


def inputs_of(type_name: str, **extra: Any) -> dict[str, Any]:
    """The sample's inputs, with what it names made first."""
    made = {
        field: service(kind).create(dict(inputs)).id for field, (kind, inputs) in REFERENCES.get(type_name, {}).items()
    }
    return {**made, **SAMPLES[type_name][0], **extra}


def remote(type_name: str, resource_id: str) -> dict[str, Any]:
    facts = api(type_name)
    assert facts is not None
    with QoderClient(Settings.from_sources()) as client:
        return client.request(facts.operation("read"), facts.path("read", facts.parse_id(resource_id)))


@pytest.mark.parametrize("type_name", sorted(PARAMS))
def test_the_entry_holds_every_field_of_the_sdks_params(type_name: str) -> None:
    create, update = PARAMS[type_name]
    properties = definition(type_name)["properties"]
    inputs = {k for k, v in properties.items() if not v.get("readOnly") and not v.get("x-internal")}
    sent = set(create.__annotations__) - {"betas"}
    parents = set((api(type_name) or pytest.fail()).parents)  # in the path, not the params
    assert sent == inputs - {"onDelete", "paused"} - parents  # the provider's own options
    required = set(definition(type_name).get("required", ())) - parents
    assert required == {k for k, hint in create.__annotations__.items() if _hint(hint).startswith("Required[")}
    updatable = set(update.__annotations__) - {"betas"} if update else set()
    for name in sent:
        replaces = "x-replace-on-change" in properties[name]
        assert replaces == (name not in updatable or name == "workspace_id"), name
    assert (api(type_name) or pytest.fail()).update == ("changed" if update else "none")


@pytest.mark.parametrize("type_name", sorted(SAMPLES))
def test_life_cycle(qoder_env: Emulator, type_name: str) -> None:
    given, change = inputs_of(type_name), SAMPLES[type_name][1]
    svc = service(type_name)
    created = svc.create(dict(given))
    outs = created.outs
    assert {k: outs[k] for k in given} == given and outs["archived_at"] is None and outs["created_at"]
    assert created.id.startswith(("env_", "memstore_", "vlt_", "depl_")) and created.id.endswith(
        str(outs.get("id", ""))
    )
    assert not svc.diff(created.id, outs, dict(given))

    news = {**given, **change}
    diff = svc.diff(created.id, outs, news)
    assert diff
    if api(type_name).update == "none":
        assert set(diff.replaces) == set(change)
        state = outs
    else:
        assert list(diff.replaces) == []
        state = svc.update(created.id, outs, news)
        assert {k: state[k] for k in change} == change
        assert not svc.diff(created.id, state, news)
        seen = remote(type_name, created.id)
        assert all(holds(seen[k], v) for k, v in change.items() if k != "auth")  # a credential's secrets never are

    found = svc.read(created.id, state)
    assert found.id == created.id and found.outs["created_at"] == outs["created_at"]

    # Destroy archives by default: still readable, archived; the next diff replaces it.
    svc.delete(created.id, state)
    archived = svc.read(created.id, state)
    assert archived.id == created.id and archived.outs["archived_at"]
    assert svc.diff(created.id, archived.outs, news).replaces == ("archived_at",)


@pytest.mark.parametrize("type_name", sorted(k for k in SAMPLES if k != "Deployment"))  # archive only
def test_on_delete_deletes(qoder_env: Emulator, type_name: str) -> None:
    svc = service(type_name)
    created = svc.create(inputs_of(type_name, onDelete="delete"))
    svc.delete(created.id, created.outs)
    assert not svc.read(created.id, created.outs).id


def test_metadata_is_patched_and_removed_fields_cleared(qoder_env: Emulator) -> None:
    svc = service("Environment")
    given = {"name": "build", "description": "one", "metadata": {"team": "docs", "tier": "gold"}}
    created = svc.create(given)
    news = {"name": "build", "metadata": {"team": "docs"}}
    svc.update(created.id, created.outs, news)
    now = remote("Environment", created.id)
    assert now["metadata"] == {"team": "docs"} and not now.get("description")


def test_a_workspace_of_its_own(qoder_env: Emulator) -> None:
    svc = service("MemoryStore")
    created = svc.create({"name": "notes", "workspace_id": "ws_team"})
    assert svc.read(created.id, created.outs).id == created.id
    assert not svc.read(created.id, {}).id  # not in the default workspace
    assert svc.diff(created.id, created.outs, {"name": "notes", "workspace_id": "ws_other"}).replaces == (
        "workspace_id",
    )


def test_bad_input_names_the_field(qoder_env: Emulator) -> None:
    svc = service("Environment")
    _, failures = svc.check({"name": "e", "config": {"type": "self_hosted", "packages": {"pip": ["x"]}}}, {})
    assert [f.property for f in failures] == ["config.packages"], failures
