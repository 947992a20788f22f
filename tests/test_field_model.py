"""The field model: schema.json's facts, the tree built from them, and what is generated from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_agents._fields import fields
from pulumi_agents._schema import resource_types, schema
from pulumi_agents._tree import Node, coerce, to_snake, to_wire, tree

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = sorted(resource_types())


def test_generated_files_are_current() -> None:
    """types.py of every package and the README's reference are what scripts/generate.py makes."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_a_schema_edit_shows_in_the_generated_types(tmp_path: Path) -> None:
    """Adding a field is one schema edit plus a regeneration: the generator reads only schema.json."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    original = schema()["$defs"]["AgentModel"]["properties"]
    original["temperature"] = {"description": "Sampling temperature.", "type": "number", "x-on-remove": "clear"}
    tree.cache_clear()
    try:
        text = generate.python_types("qoder")
    finally:
        del original["temperature"]
        tree.cache_clear()
    assert '    temperature: pulumi.Input[float]\n    """Sampling temperature. Removing it clears it."""' in text


@pytest.mark.parametrize("name", RESOURCES)
def test_every_optional_argument_says_what_removing_it_means(name: str) -> None:
    spec = fields(name)
    for wire in (*spec.inputs, *spec.options):
        node = spec.node(wire)
        if node.internal or node.required:
            continue
        assert node.on_remove in ("keep", "clear", "reset"), f"{name}.{wire} has no x-on-remove"


def test_the_types_modules_mirror_the_schema() -> None:
    from pulumi_agents.agentrun import types as agentrun_types
    from pulumi_agents.aiae import types as aiae_types
    from pulumi_agents.qoder import types as qoder_types

    args = agentrun_types.AgentRuntimeArgs
    assert args.__required_keys__ == {
        "agent_runtime_name",
        "artifact_type",
        "cpu",
        "memory",
        "port",
        "network_configuration",
    }
    assert "environment_variables" in args.__optional_keys__ and "agent_runtime_id" not in args.__annotations__
    assert set(qoder_types.AgentArgs.__annotations__) == {
        "name",
        "model",
        "system",
        "instructions",
        "description",
        "tools",
        "mcp_servers",
        "skills",
        "multiagent",
        "metadata",
        "on_delete",
        "workspace_id",
    }
    mount_points = str(agentrun_types.NASConfigArgs.__annotations__["mount_points"])
    assert "Awaitable" in mount_points and "Output" in mount_points  # pulumi.Input[...] at every level
    assert set(aiae_types.AgentSmokeTestOutputs.__annotations__) >= {"answer", "latency_seconds", "checked_at"}


def test_resources_have_their_outputs_as_attributes() -> None:
    from pulumi_agents.agentrun import AgentRuntime
    from pulumi_agents.qoder import Agent

    annotated = {name for cls in AgentRuntime.__mro__ for name in getattr(cls, "__annotations__", {})}
    assert {"agent_runtime_id", "status", "cpu", "nas_config"} <= annotated
    assert isinstance(Agent.agent_id, property)  # the resource id, under the name the issue gives


def test_snake_names() -> None:
    assert [to_snake(n) for n in ("vSwitchId", "enableTLS", "rootCaCertBase64", "a2aAgentCardUrl", "cpu")] == [
        "v_switch_id",
        "enable_tls",
        "root_ca_cert_base64",
        "a2a_agent_card_url",
        "cpu",
    ]


def test_the_tree_resolves_refs_unions_maps_and_items_once() -> None:
    runtime = tree("AgentRuntime")
    mount_dir = runtime.child("nasConfig").child("mountPoints").item.child("mountDir")
    assert mount_dir.ref == "MountDir" and mount_dir.types == {"string"}
    assert runtime.child("environmentVariables").kind == "map"
    assert runtime.child("environmentVariables").child("ANY_NAME").types == {"string"}
    model = tree("Agent").child("model")
    assert model.kind == "union"
    assert model.at({"id": "x"}).ref == "AgentModel" and model.at("x") is model
    assert runtime.child("containerConfiguration").has_secret and not runtime.child("cpu").has_secret
    assert tree("AgentRuntime") is runtime  # built once


def test_to_wire_keeps_map_keys_and_accepts_wire_names() -> None:
    converted = to_wire(
        {
            "nas_config": {"mount_points": [{"server_addr": "h:/", "mountDir": "/m", "enable_tls": True}]},
            "environment_variables": {"my_key": "v"},
        },
        tree("AgentRuntime"),
    )
    assert converted == {
        "nasConfig": {"mountPoints": [{"serverAddr": "h:/", "mountDir": "/m", "enableTLS": True}]},
        "environmentVariables": {"my_key": "v"},
    }


def test_coerce_restores_integers_only_where_the_schema_says_integer() -> None:
    value: dict[str, Any] = {
        "memory": 2048.0,
        "cpu": 2.0,
        "nasConfig": {"userId": 1000.0, "mountPoints": []},
        "environmentVariables": {"A": "1"},
    }
    out = coerce(value, tree("AgentRuntime"))
    assert out == value
    assert type(out["memory"]) is int and type(out["nasConfig"]["userId"]) is int and type(out["cpu"]) is float
    skill = coerce({"skills": [{"type": "custom", "skill_id": "s", "version": 3.0}]}, tree("Agent"))
    assert type(skill["skills"][0]["version"]) is int  # "string or integer" still restores


def test_python_paths() -> None:
    runtime: Node = tree("AgentRuntime")
    parts = ("nasConfig", "mountPoints", 0, "mountDir")
    assert runtime.path(parts, python=True) == "nas_config.mount_points[0].mount_dir"
    assert runtime.path(parts, python=False) == "nasConfig.mountPoints[0].mountDir"
    env = ("environmentVariables", "my-Var")
    assert runtime.path(env, python=True) == "environment_variables.my-Var"  # map keys stay as written
