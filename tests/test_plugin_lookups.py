"""The plugins' functions: ``get<Kind>`` looks up an existing resource by its name (under its
parent, for an endpoint), as an import reads it, through the plugin door in process against the
emulator; none or several of that name fail with the name; the package schema declares each
function; the generated ``get_<kind>`` wrappers call them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import CreateRequest, InvokeRequest, ReadRequest

from pulumi_agents import __version__
from pulumi_agents._api import api, lookups
from pulumi_agents._package import package_schema
from pulumi_agents._plugin_sdk import plain_map, value_map
from pulumi_agents._schema import resource_types
from pulumi_agents._tree import to_snake
from pulumi_agents.errors import PulumiAgentsError
from pulumi_agents.plugin import agentrun as plugin_agentrun
from tests.conftest import Emulator
from tests.test_plugin_kinds import KINDS, SAMPLES, inputs_of, marks, plugin_of, secrets_of, urn

LOOKED_UP = sorted(t for package in ("agentrun", "qoder") for t in lookups(package).values() if t in KINDS)


def run(call: Any) -> Any:
    return asyncio.run(call)


def invoke(provider: Any, type_name: str, args: dict[str, Any]) -> Any:
    request = InvokeRequest(
        f"{resource_types()[type_name]}:index:get{type_name}", {k: PropertyValue(v) for k, v in args.items()}
    )
    return run(provider.invoke(request))


def test_every_named_kind_has_a_lookup() -> None:
    assert set(LOOKED_UP) >= {"AgentRuntime", "Credential", "Workspace", "ModelService", "AgentRuntimeEndpoint"}
    assert "RuntimeVersion" not in lookups("agentrun").values()  # no name: looked up by nothing
    assert set(lookups("qoder").values()) == {
        "Agent",
        "Deployment",
        "Environment",
        "File",
        "MemoryStore",
        "Skill",
        "Vault",
    }
    assert lookups("aiae") == {}


@pytest.mark.parametrize("type_name", LOOKED_UP)
def test_a_lookup_finds_what_an_import_reads(emulator: Emulator, type_name: str) -> None:
    provider, facts = plugin_of(emulator, type_name), api(type_name)
    assert facts is not None
    given = inputs_of(provider, SAMPLES[type_name])
    created = run(provider.create(CreateRequest(urn(type_name), value_map(type_name, given, set()), 60, False)))

    found = invoke(provider, type_name, {k: given[k] for k in facts.lookup})
    assert not found.failures
    result = plain_map(found.return_value)
    assert result.pop("id") == created.resource_id
    imported = run(provider.read(ReadRequest(urn(type_name), created.resource_id, {}, {})))
    assert result == plain_map(imported.properties)
    assert marks(found.return_value) == secrets_of(type_name, result)  # secrets stay secret

    missing = {**{k: given[k] for k in facts.lookup}, facts.name: "no-such-name"}
    with pytest.raises(PulumiAgentsError, match=f"no {facts.noun} is named 'no-such-name'"):
        invoke(provider, type_name, missing)


def test_several_of_a_name_fail_with_their_ids(emulator: Emulator) -> None:
    provider = plugin_of(emulator, "Workspace")
    made = [
        run(
            provider.create(CreateRequest(urn("Workspace"), value_map("Workspace", {"name": "twin"}, set()), 60, False))
        )
        for _ in range(2)
    ]
    with pytest.raises(PulumiAgentsError) as caught:
        invoke(provider, "Workspace", {"name": "twin"})
    assert "2 workspaces are named 'twin'" in str(caught.value)
    assert all(m.resource_id in str(caught.value) for m in made)


def test_a_lookup_without_its_name_says_which_argument(emulator: Emulator) -> None:
    with pytest.raises(PulumiAgentsError, match="credential_name is required"):
        invoke(plugin_of(emulator, "Workspace"), "Credential", {})
    with pytest.raises(PulumiAgentsError, match="no function 'agentrun:index:getNothing'"):
        run(plugin_of(emulator, "Workspace").invoke(InvokeRequest("agentrun:index:getNothing", {})))


def test_the_package_schema_and_the_wrappers_declare_each_function() -> None:
    schema = package_schema("agentrun", __version__)
    assert set(schema["functions"]) == set(lookups("agentrun"))
    endpoint = schema["functions"]["agentrun:index:getAgentRuntimeEndpoint"]
    assert endpoint["inputs"]["required"] == ["agentRuntimeId", "agentRuntimeEndpointName"]
    assert {"id", "endpointPublicUrl", "targetVersion"} <= set(endpoint["outputs"]["properties"])
    for type_name in lookups("agentrun").values():
        assert callable(getattr(plugin_agentrun, f"get_{to_snake(type_name)}")), type_name  # IMBot: get_im_bot


def test_a_qoder_agent_is_looked_up_by_name(emulator: Emulator) -> None:
    from pulumi_agents._plugin_sdk import PluginProvider
    from tests.conftest import QODER_TOKEN

    provider = PluginProvider("qoder")
    provider.config = {"qoder:token": QODER_TOKEN, "qoder:baseUrl": emulator.url + "/api/v1/cloud"}
    inputs = {"name": "triage", "model": "ultimate", "instructions": "You triage tickets."}
    urn_ = "urn:pulumi:dev::proj::qoder:index:Agent::triage"
    created = run(provider.create(CreateRequest(urn_, value_map("Agent", inputs, set()), 60, False)))
    request = InvokeRequest("qoder:index:getAgent", {"name": PropertyValue("triage")})
    found = plain_map(run(provider.invoke(request)).return_value)
    assert found["id"] == created.resource_id and found["name"] == "triage"


def test_the_models_catalogue_is_a_function(emulator: Emulator) -> None:
    """``qoder:index:getModels``: every model of the catalogue (qca's models.list), paged through,
    with the fields schema.json's Model declares; the package schema types it."""
    from pulumi_agents._package import package_schema
    from pulumi_agents._schema import definition
    from tests.test_plugin_kinds import plugin

    found = run(plugin(emulator, "qoder").invoke(InvokeRequest("qoder:index:getModels", {})))
    assert not found.failures
    models = plain_map(found.return_value)["models"]
    assert [m["id"] for m in models] == ["auto", "efficient", "performance", "ultimate"]
    assert all(set(m) <= set(definition("Model")["properties"]) and m["max_tokens"] > 0 for m in models)
    spec = package_schema("qoder", "0.0.0")["functions"]["qoder:index:getModels"]
    assert spec["outputs"]["properties"]["models"]["items"] == {"$ref": "#/types/qoder:index:Model"}
