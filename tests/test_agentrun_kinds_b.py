"""agentrun.ModelService, ModelProxy, Tool, Browser and CodeInterpreter: kinds on the generic life
cycle with nothing but their schema entries. The vendor's own SDK (alibabacloud-agentrun20250910)
runs each against the emulator, every answer parsing into its SDK model with no key the model does
not know; the life cycle runs at the provider level; and each entry holds every field of the SDK's
create input, with what the update input lacks replacing."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from alibabacloud_agentrun20250910 import models
from darabonba.model import DaraModel
from pulumi.runtime.rpc import is_rpc_secret

from pulumi_agents._api import api
from pulumi_agents._schema import definition
from pulumi_agents.agentrun import (
    BrowserProvider,
    CodeInterpreterProvider,
    ModelProxyProvider,
    ModelServiceProvider,
    ToolProvider,
)
from tests.conftest import Emulator
from tests.provider_host import unmarked
from tests.test_agentrun_workspaces import Recording, model_keys, official

PUBLIC = {"networkMode": "PUBLIC"}


@dataclass(frozen=True)
class Kind:
    type_name: str
    create_input: type[DaraModel]
    update_input: type[DaraModel] | None
    output: type[DaraModel]
    list_output: type[DaraModel]
    inputs: dict[str, Any]  # a create's wire inputs
    change: dict[str, Any]  # what an update changes (or, with no update, what replaces)


KINDS = [
    Kind(
        "ModelService",
        models.CreateModelServiceInput,
        models.UpdateModelServiceInput,
        models.ModelService,
        models.ListModelServicesOutput,
        {
            "modelServiceName": "qwen",
            "modelType": "system",
            "provider": "tongyi",
            "providerSettings": {"apiKey": "sk-secret", "baseUrl": "https://dashscope.example", "modelNames": ["qwen"]},
            "modelInfoConfigs": [
                {
                    "modelName": "qwen",
                    "modelFeatures": {"toolCall": True, "vision": False},
                    "modelParameterRules": [
                        {"name": "temperature", "type": "float", "default": 0.7, "min": 0, "max": 2}
                    ],
                    "modelProperties": {"contextSize": 32768},
                }
            ],
            "description": "the default models",
        },
        {"description": "changed"},
    ),
    Kind(
        "ModelProxy",
        models.CreateModelProxyInput,
        models.UpdateModelProxyInput,
        models.ModelProxy,
        models.ListModelProxiesOutput,
        {
            "modelProxyName": "gateway",
            "proxyMode": "single",
            "cpu": 2,
            "memory": 4,
            "proxyConfig": {
                "endpoints": [{"modelServiceName": "qwen", "modelNames": ["qwen"], "weight": 100}],
                "policies": {
                    "numRetries": 2,
                    "fallbacks": [{"modelName": "qwen-small", "modelServiceName": "qwen"}],
                    "tokenRateLimiter": {"tpm": 100000},
                    "aiGuardrailConfig": {"checkRequest": True, "level": "high"},
                },
            },
            "networkConfiguration": PUBLIC,
        },
        {"proxyConfig": {"endpoints": [{"modelServiceName": "qwen", "weight": 50}]}},
    ),
    Kind(
        "Tool",
        models.CreateToolInputV2,
        models.UpdateToolInputV2,
        models.Tool,
        models.ListToolsOutputV2,
        {
            "toolName": "search",
            "toolType": "MCP",
            "createMethod": "MCP_REMOTE",
            "protocolSpec": '{"url": "https://mcp.example/sse"}',
            "mcpConfig": {
                "sessionAffinity": "MCP_SSE",
                "proxyEnabled": True,
                "mcpProxyConfiguration": {"hooks": [{"event": "beforeRequest", "url": "https://hook.example"}]},
                "boundConfiguration": {"boundTools": [{"toolName": "find", "path": "/find", "method": "GET"}]},
            },
            "environmentVariables": {"TOKEN": "t-secret"},
        },
        {"description": "searches the web", "timeout": 30},
    ),
    Kind(
        "Browser",
        models.CreateBrowserInput,
        None,
        models.Browser,
        models.ListBrowsersOutput,
        {
            "browserName": "shopper",
            "cpu": 2,
            "memory": 4096,
            "networkConfiguration": PUBLIC,
            "sessionIdleTimeoutSeconds": 600,
        },
        {"memory": 8192},
    ),
    Kind(
        "CodeInterpreter",
        models.CreateCodeInterpreterInput,
        None,
        models.CodeInterpreter,
        models.ListCodeInterpretersOutput,
        {
            "codeInterpreterName": "calc",
            "cpu": 1,
            "memory": 2048,
            "networkConfiguration": PUBLIC,
            "credentialId": "c-1",
        },
        {"cpu": 2},
    ),
]
IDS = [k.type_name for k in KINDS]


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def wire_fields(model: type[DaraModel]) -> set[str]:
    return set(re.findall(r"m\.get\('(\w+)'\)", inspect.getsource(model.from_map)))


def assert_known(model: type[DaraModel], raw: dict[str, Any]) -> None:
    """``raw`` has no key, at any depth, that the SDK's model drops."""
    assert raw == model().from_map(raw).to_map() | {k: v for k, v in raw.items() if v == []}, raw
    assert set(raw) == model_keys(model(), raw), sorted(set(raw) - model_keys(model(), raw))


def settled(call: Callable[[], Any], client: Recording, ready: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 10
    while True:
        call()
        data: dict[str, Any] = client.data
        if data.get("status") == ready or time.monotonic() > deadline:
            return data
        time.sleep(0.1)


# -- the official SDK against the emulator --------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_the_official_sdk_runs_each_kind(emulator: Emulator, kind: Kind) -> None:
    client = official(emulator)
    spec = api(kind.type_name)
    assert spec is not None and spec.status is not None
    noun = snake(kind.type_name)
    ready = sorted(spec.status.ready)[0]
    request = getattr(models, f"Create{kind.type_name}Request")(body=kind.create_input().from_map(kind.inputs))
    answer = getattr(client, f"create_{noun}")(request).body
    assert answer.code == "SUCCESS"
    assert_known(kind.output, client.data)
    made = client.data
    assert made["status"] == "CREATING"
    ident = made[spec.field_of(spec.operation("read").params[-1])]
    if spec.name == spec.field_of(spec.operation("read").params[-1]):  # addressed by name
        assert ident == kind.inputs[spec.name]
    got = settled(lambda: getattr(client, f"get_{noun}")(ident), client, ready)
    assert_known(kind.output, got)
    assert got["status"] == ready
    sent = kind.create_input().from_map(kind.inputs).to_map()  # with the SDK's empty lists
    shown = {k: v for k, v in sent.items() if k in wire_fields(kind.output) and k in kind.inputs}
    assert {k: got[k] for k in shown} == shown

    if kind.update_input is not None:
        body = kind.update_input().from_map(kind.change)
        update = getattr(models, f"Update{kind.type_name}Request")(body=body)
        getattr(client, f"update_{noun}")(ident, update)
        assert_known(kind.output, client.data)
        assert client.data["status"] == "UPDATING"
        got = settled(lambda: getattr(client, f"get_{noun}")(ident), client, ready)
        assert {k: got[k] for k in kind.change} == kind.change
    else:
        assert not hasattr(client, f"update_{noun}")

    plural = spec.operation("list").action.removeprefix("List")
    listed = getattr(client, f"list_{snake(plural)}")(getattr(models, f"List{plural}Request")()).body.data
    assert isinstance(listed, kind.list_output)
    assert spec.listing["items"] in wire_fields(kind.list_output)
    for item in client.data[spec.listing["items"]]:
        assert_known(kind.output, item)
    assert ident in [item[spec.field_of(spec.operation("read").params[-1])] for item in client.data["items"]]

    getattr(client, f"delete_{noun}")(ident)
    assert_known(kind.output, client.data)
    assert client.data["status"] == "DELETING"


def test_a_name_addressed_kind_refuses_a_second_of_the_same_name(emulator: Emulator) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    client = official(emulator)
    body = models.CreateToolInputV2(tool_name="twice", tool_type="MCP", create_method="MCP_REMOTE")
    client.create_tool(models.CreateToolRequest(body=body))
    with pytest.raises(ClientException) as caught:
        client.create_tool(models.CreateToolRequest(body=body))
    assert caught.value.status_code == 409


# -- the life cycle at the provider level ------------------------------------------------------------

PROVIDERS = {
    "ModelService": ModelServiceProvider,
    "ModelProxy": ModelProxyProvider,
    "Tool": ToolProvider,
    "Browser": BrowserProvider,
    "CodeInterpreter": CodeInterpreterProvider,
}


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_dynamic_life_cycle(agentrun_env: Emulator, kind: Kind) -> None:
    provider = PROVIDERS[kind.type_name]()
    spec = api(kind.type_name)
    assert spec is not None and spec.status is not None
    ready = sorted(spec.status.ready)[0]
    props = dict(kind.inputs)
    assert provider.check({}, props).failures == []

    created = provider.create(props)
    outs = unmarked(created.outs)  # as the engine hands them back
    assert outs["status"] == ready  # create waited
    assert created.id == outs[spec.field_of(spec.id_params[-1])]
    if kind.type_name == "ModelService":
        assert created.id == "qwen" and outs["modelServiceId"].startswith("ms-")
        settings = created.outs["providerSettings"]
        assert is_rpc_secret(settings) or is_rpc_secret(settings.get("apiKey")), settings
    if kind.type_name == "Tool":
        assert is_rpc_secret(created.outs["environmentVariables"])
    assert provider.diff(created.id, outs, props).changes is False

    # A refresh right after the create finds nothing to change.
    read = provider.read(created.id, outs)
    assert read.id == created.id
    refreshed = unmarked(read.outs)
    assert provider.diff(created.id, refreshed, props).changes is False

    news = {**props, **kind.change}
    diff = provider.diff(created.id, refreshed, news)
    assert diff.changes
    if spec.update == "none":
        assert diff.replaces == sorted(kind.change) or set(diff.replaces) == set(kind.change)
        current = outs
    else:
        assert diff.replaces == []
        updated = provider.update(created.id, refreshed, news)
        current = unmarked(updated.outs)
        assert current["status"] == ready
        assert {k: current[k] for k in kind.change} == kind.change
        assert provider.diff(created.id, current, news).changes is False
        name = spec.name
        assert name is not None
        renamed = provider.diff(created.id, current, {**news, name: news[name] + "-2"})
        assert renamed.replaces == [name]

    provider.delete(created.id, current)  # waits until gone
    assert provider.read(created.id, current).id == ""
    provider.delete(created.id, current)  # already gone: done


# -- the entries hold the SDK's fields ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_every_create_field_is_an_argument_and_what_update_lacks_replaces(kind: Kind) -> None:
    props = definition(kind.type_name)["properties"]
    arguments = {k for k, v in props.items() if not v.get("readOnly") and not v.get("x-provider-option")}
    assert arguments == wire_fields(kind.create_input)
    updatable = wire_fields(kind.update_input) if kind.update_input else set()
    for field in arguments - updatable:
        assert props[field].get("x-replace-on-change"), field
    for field in arguments & updatable:
        assert "x-replace-on-change" not in props[field], field
    outputs = {k for k, v in props.items() if v.get("readOnly")}
    assert outputs <= wire_fields(kind.output)
    for field in arguments - wire_fields(kind.output):
        assert props[field].get("writeOnly"), field
    for field, prop in props.items():
        assert prop.get("description"), field
        if field in arguments and field not in definition(kind.type_name)["required"]:
            assert prop.get("x-on-remove"), field


def _nested(model: type[DaraModel], ref: str) -> None:
    """Every field of a nested SDK model is in the definition it maps to, and nothing else."""
    node = definition(ref)
    assert set(node["properties"]) == wire_fields(model), ref
    for field, prop in node["properties"].items():
        assert prop.get("description"), f"{ref}.{field}"


def test_nested_definitions_hold_the_sdks_fields() -> None:
    pairs = {
        "ModelServiceProviderSettings": models.ProviderSettings,
        "ModelServiceModelInfoConfig": models.ModelInfoConfig,
        "ModelServiceModelFeatures": models.ModelFeatures,
        "ModelServiceModelParameterRule": models.ModelParameterRule,
        "ModelServiceModelProperties": models.ModelProperties,
        "ModelProxyConfig": models.ProxyConfig,
        "ModelProxyEndpoint": models.ProxyConfigEndpoints,
        "ModelProxyPolicies": models.ProxyConfigPolicies,
        "ModelProxyAiGuardrailConfig": models.ProxyConfigPoliciesAiGuardrailConfig,
        "ModelProxyFallback": models.ProxyConfigPoliciesFallbacks,
        "ModelProxyTokenRateLimiter": models.ProxyConfigPoliciesTokenRateLimiter,
        "ToolMcpConfig": models.McpConfig,
        "ToolBoundConfiguration": models.BoundConfiguration,
        "ToolBoundTool": models.BoundTool,
        "ToolBoundToolApi": models.BoundToolApi,
        "ToolMcpProxyConfiguration": models.McpProxyConfiguration,
        "ToolHook": models.Hook,
        # shared with AgentRuntime
        "NetworkConfiguration": models.NetworkConfiguration,
        "LogConfiguration": models.LogConfiguration,
        "ArmsConfiguration": models.ArmsConfiguration,
        "CodeConfiguration": models.CodeConfiguration,
        "ContainerConfiguration": models.ContainerConfiguration,
        "NASConfig": models.NASConfig,
        "OSSMountConfig": models.OSSMountConfig,
    }
    for ref, model in pairs.items():
        _nested(model, ref)
    assert definition("ModelServiceProviderSettings")["properties"]["apiKey"].get("x-secret") is True


def test_the_emulator_serves_each_entry_as_the_sdk_models_do() -> None:
    from pulumi_agents.agentrun.emulator.models.generic import Collection
    from pulumi_agents.agentrun.emulator.state import KINDS as SERVED
    from pulumi_agents.emulator.store import Store
    from tests.test_agentrun_workspaces import _Owner

    served = {k.type_name: k for k in SERVED}
    for kind in KINDS:
        collection = Collection(served[kind.type_name], owner=_Owner(Store(None)))
        assert collection.inputs == wire_fields(kind.create_input)
        update = wire_fields(kind.update_input) if kind.update_input else set()
        assert set(collection.updatable) <= update
        assert collection.shown <= wire_fields(kind.output)
        assert collection.api.listing["items"] in wire_fields(kind.list_output)
