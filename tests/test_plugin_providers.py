"""Explicit providers (``agentrun.Provider(region=...)``) beside the default one: which settings
win at configure, what CheckConfig refuses, and what DiffConfig answers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import ConfigureRequest
from pulumi.runtime.proto import provider_pb2

from pulumi_agents import agentrun as dynamic
from pulumi_agents._config import explicit
from pulumi_agents._front import Front
from pulumi_agents._plugin_sdk import PluginProvider
from pulumi_agents._resource import ArgumentError
from pulumi_agents.agentrun import Settings
from pulumi_agents.plugin import agentrun, qoder

DEFAULT = "urn:pulumi:dev::proj::pulumi:providers:agentrun::default"
DEFAULT_VERSIONED = "urn:pulumi:dev::proj::pulumi:providers:agentrun::default_0_1_0"
SHANGHAI = "urn:pulumi:dev::proj::pulumi:providers:agentrun::shanghai"
STACK = {"accessKeyId": "stack-id", "accessKeySecret": "stack-secret", "securityToken": "stack-token"}


def values(**settings: Any) -> dict[str, PropertyValue]:
    return {k: PropertyValue(float(v) if isinstance(v, int) else v) for k, v in settings.items()}


def configured(urn: str, monkeypatch: pytest.MonkeyPatch, stack: dict[str, Any], **args: Any) -> dict[str, Any]:
    """The config a plugin works with once the engine configured the provider ``urn`` with
    ``args`` (as variables and arguments, as the engine sends them), ``stack`` being the stack
    config of now (PULUMI_CONFIG, which the engine sets for every plugin it starts)."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(stack))
    provider = PluginProvider("agentrun")
    provider.urn = urn
    variables = {f"agentrun:config:{k}": str(v) for k, v in args.items()}
    asyncio.run(provider.configure(ConfigureRequest(variables, values(**args), True, False)))
    return provider.config


def test_the_default_provider_is_told_apart_by_its_name() -> None:
    assert not explicit(DEFAULT) and not explicit(DEFAULT_VERSIONED) and not explicit("")
    assert explicit(SHANGHAI)


def test_the_default_provider_takes_the_stack_config_of_now(monkeypatch: pytest.MonkeyPatch) -> None:
    # Refresh and destroy configure it from the last deployment's settings: rotated keys in the
    # stack config of now win, without --run-program.
    config = configured(DEFAULT, monkeypatch, {**STACK, "accessKeySecret": "rotated"}, accessKeySecret="stored")
    assert config["agentrun:accessKeySecret"] == "rotated" and config["agentrun:accessKeyId"] == "stack-id"


def test_an_explicit_providers_arguments_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTRUN_ENDPOINT", "http://127.0.0.1:9")  # the environment's address: not for it
    stack = {**STACK, "region": "cn-hangzhou", "endpoint": "http://127.0.0.1:8765", "httpTimeout": "12"}
    config = configured(SHANGHAI, monkeypatch, stack, region="cn-shanghai")
    settings = Settings.from_sources(config)
    assert settings.base_url == "https://agentrun.cn-shanghai.aliyuncs.com"  # no endpoint of the stack's
    # What it leaves out of another group comes from the stack config: the keys, the timeout.
    assert (
        settings.credentials.access_key_secret == "stack-secret"
        and settings.credentials.security_token == "stack-token"
    )
    assert settings.timeout == 12


def test_an_explicit_provider_given_its_own_keys_takes_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token")
    config = configured(SHANGHAI, monkeypatch, STACK, accessKeyId="partner-id", accessKeySecret="partner-secret")
    credentials = Settings.from_sources(config).credentials
    assert (credentials.access_key_id, credentials.access_key_secret) == ("partner-id", "partner-secret")
    assert credentials.security_token is None  # neither the stack's nor the environment's


def struct(**inputs: Any) -> struct_pb2.Struct:
    made = struct_pb2.Struct()
    made.update(inputs)
    return made


def diff_config(olds: struct_pb2.Struct, news: struct_pb2.Struct) -> Any:
    """The plugin's DiffConfig, which its front answers before it loads the provider."""
    request = provider_pb2.DiffRequest(urn=SHANGHAI, id="id", olds=olds, news=news)
    return asyncio.run(Front("agentrun", "").DiffConfig(request, None))


def check_config(urn: str, **inputs: Any) -> list[str]:
    """The failures of the plugin's CheckConfig, which its front answers before it loads the provider."""
    news = struct(**inputs)
    response = asyncio.run(Front("agentrun", "").CheckConfig(provider_pb2.CheckRequest(urn=urn, news=news), None))
    assert response.inputs == news
    return [failure.reason for failure in response.failures]


def test_check_config_refuses_what_stack_config_would() -> None:
    assert check_config(SHANGHAI, region=5, regoin="cn-shanghai", httpTimeout=0) == [
        "regoin is not a setting of agentrun (did you mean region?)",
        "httpTimeout must be greater than 0",
        "region must be of type string, not float",
    ]
    # The default provider's inputs are the stack config, named as its keys.
    assert check_config(DEFAULT, endpont="http://x", httpTimeout="soon") == [
        "agentrun:endpont is not a setting of agentrun (did you mean agentrun:endpoint?)",
        "agentrun:httpTimeout must be a number, not 'soon'",
    ]
    assert check_config(SHANGHAI, region="cn-shanghai", version="0.1.0") == []  # the engine's own key
    assert check_config(DEFAULT) == []  # missing keys: the environment may still give them


def test_a_changed_region_updates_the_provider_and_replaces_nothing() -> None:
    olds = struct(region="cn-hangzhou", endpoint="http://a", accessKeySecret="k")
    news = struct(region="cn-shanghai", accessKeySecret="k", httpTimeout=5)
    found = diff_config(olds, news)
    assert found.changes == provider_pb2.DiffResponse.DIFF_SOME and found.hasDetailedDiff
    assert list(found.replaces) == [] and list(found.diffs) == ["endpoint", "httpTimeout", "region"]
    kinds = {path: provider_pb2.PropertyDiff.Kind.Name(diff.kind) for path, diff in found.detailedDiff.items()}
    assert kinds == {"endpoint": "DELETE", "httpTimeout": "ADD", "region": "UPDATE"}
    assert all(diff.inputDiff for diff in found.detailedDiff.values())
    assert diff_config(olds, olds).changes == provider_pb2.DiffResponse.DIFF_NONE


def test_a_provider_argument_misspelt_is_refused_with_the_closest_name() -> None:
    with pytest.raises(
        ArgumentError, match=r"Provider got unknown arguments: acess_key_id \(did you mean access_key_id\?\)"
    ):
        agentrun.Provider("partner", acess_key_id="x")  # type: ignore[call-arg]
    with pytest.raises(ArgumentError, match=r"base_ulr \(did you mean base_url\?\)"):
        qoder.Provider("other", base_ulr="x")  # type: ignore[call-arg]


def test_a_dynamic_resource_given_a_provider_says_it_needs_the_plugin_class() -> None:
    provider = object.__new__(agentrun.Provider)  # only its class matters: refused before any call
    with pytest.raises(
        ArgumentError, match=r"provider= needs the plugin class: from pulumi_agents\.plugin import agentrun"
    ):
        dynamic.AgentRuntime("bot", opts=pulumi.ResourceOptions(provider=provider))
