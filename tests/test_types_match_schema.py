"""The Python argument types follow schema.json: same fields, same required set, at every level."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_agents._fields import fields
from pulumi_agents._naming import coerce, to_snake, to_wire
from pulumi_agents._schema import definition, resolve
from pulumi_agents.agentrun import types as agentrun_types
from pulumi_agents.aiae import types as aiae_types
from pulumi_agents.qoder import types as qoder_types

# TypedDict -> the schema definition it mirrors.
PAIRS = {
    name.removesuffix("Args"): getattr(module, name)
    for module in (agentrun_types, qoder_types, aiae_types)
    for name in dir(module)
    if name.endswith("Args") and isinstance(getattr(module, name), type)
}


def _typed_fields(td: Any) -> tuple[set[str], set[str]]:
    return set(td.__annotations__), set(td.__required_keys__)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_typed_dict_matches_definition(name: str) -> None:
    node = definition(name)
    props = {
        k: v
        for k, v in node["properties"].items()
        if not v.get("deprecated") and not v.get("readOnly") and not v.get("x-internal")
    }
    names, required = _typed_fields(PAIRS[name])
    assert names == {to_snake(k) for k in props}
    assert required == {to_snake(k) for k in node.get("required", [])}


def test_every_object_definition_has_a_typed_dict() -> None:
    reachable = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                target = node["$ref"].rsplit("/", 1)[-1]
                if target not in reachable:
                    reachable.add(target)
                    walk(definition(target))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(definition("AgentRuntime"))
    walk(definition("Agent"))
    walk(definition("AgentSmokeTest"))
    objects = {n for n in reachable if resolve(definition(n)).get("type") == "object"}
    assert objects <= set(PAIRS)


def test_resource_outputs_are_the_read_only_fields() -> None:
    from pulumi_agents.agentrun import AgentRuntime
    from pulumi_agents.aiae import AgentSmokeTest
    from pulumi_agents.qoder import Agent

    for resource, type_name in ((AgentRuntime, "AgentRuntime"), (Agent, "Agent"), (AgentSmokeTest, "AgentSmokeTest")):
        annotated = {k for k, v in resource.__annotations__.items() if "Output" in str(v)}
        assert annotated == {to_snake(k) for k in fields(type_name).outputs}
    assert isinstance(Agent.agent_id, property)  # the resource id, under the name the issue gives


def test_snake_names() -> None:
    assert [to_snake(n) for n in ("vSwitchId", "enableTLS", "rootCaCertBase64", "a2aAgentCardUrl", "cpu")] == [
        "v_switch_id",
        "enable_tls",
        "root_ca_cert_base64",
        "a2a_agent_card_url",
        "cpu",
    ]


def test_to_wire_keeps_map_keys_and_accepts_wire_names() -> None:
    node = definition("AgentRuntime")
    converted = to_wire(
        {
            "nas_config": {"mount_points": [{"server_addr": "h:/", "mountDir": "/m", "enable_tls": True}]},
            "environment_variables": {"my_key": "v"},
        },
        node,
    )
    assert converted == {
        "nasConfig": {"mountPoints": [{"serverAddr": "h:/", "mountDir": "/m", "enableTLS": True}]},
        "environmentVariables": {"my_key": "v"},
    }


def test_coerce_restores_integers_only_where_the_schema_says_integer() -> None:
    node = definition("AgentRuntime")
    value = {
        "memory": 2048.0,
        "cpu": 2.0,
        "nasConfig": {"userId": 1000.0, "mountPoints": []},
        "environmentVariables": {"A": "1"},
    }
    out = coerce(value, node)
    assert out == value
    assert type(out["memory"]) is int and type(out["nasConfig"]["userId"]) is int and type(out["cpu"]) is float
