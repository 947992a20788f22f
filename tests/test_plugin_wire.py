"""The plugin's Read and Diff convert the engine's structs straight to plain data and back
(``_wire``): the same values and the same secrets as the SDK's PropertyValue path."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.provider.experimental.property_value import PropertyValue

from pulumi_agents._plugin_sdk import plain_map, value_map
from pulumi_agents._wire import plain_struct, struct_of
from tests.runtimes import code_runtime


def runtime() -> dict[str, Any]:
    return {
        **code_runtime(port=0),
        "environmentVariables": {"TOKEN": "s3cret", "MODE": "prod"},  # secret by schema.json
        "armsConfiguration": {"enableArms": True, "armsLicenseKey": "lic"},  # a secret leaf
        "description": None,
        "agentRuntimeId": "ar-1",
        "cpu": 2.5,
    }


def struct(values: dict[str, Any], secrets: set[tuple[str | int, ...]]) -> struct_pb2.Struct:
    return PropertyValue.marshal_map(value_map("AgentRuntime", values, secrets))


@pytest.mark.parametrize(
    "marked",
    [
        set(),
        {("agentRuntimeName",)},  # the program marked a top-level value secret
        {("codeConfiguration", "command", 1)},  # a list item
        {("environmentVariables",), ("environmentVariables", "MODE")},  # a secret inside a secret
        {("nasConfig",)},  # an object
    ],
)
def test_struct_to_plain_is_what_the_sdk_path_gives(marked: set[tuple[str | int, ...]]) -> None:
    sent = struct(runtime(), marked)
    sdk_secrets: set[tuple[str | int, ...]] = set()
    ours: set[tuple[str | int, ...]] = set()
    assert plain_struct(sent, ours) == plain_map(PropertyValue.unmarshal_map(sent), sdk_secrets)
    assert ours == sdk_secrets
    assert ("environmentVariables",) in ours and ("armsConfiguration", "armsLicenseKey") in ours
    assert marked <= ours


@pytest.mark.parametrize("marked", [set(), {("agentRuntimeName",)}, {("nasConfig", "mountPoints", 0)}])
def test_plain_to_struct_is_what_the_sdk_path_gives(marked: set[tuple[str | int, ...]]) -> None:
    ours = struct_of("AgentRuntime", runtime(), marked)
    assert ours == struct(runtime(), marked)
    # and it reads back to the same data (integers as the floats the engine carries)
    back = plain_struct(ours)
    assert back["cpu"] == 2.5 and back["memory"] == 2048.0 and back["environmentVariables"]["TOKEN"] == "s3cret"


def test_what_is_not_plain_data_goes_through_the_sdk() -> None:
    output = PropertyValue("x", is_secret=True, dependencies=["urn:pulumi:a::b::c::d"])
    sent = PropertyValue.marshal_map({"name": output, "n": PropertyValue(None)})
    sdk_secrets: set[tuple[str | int, ...]] = set()
    ours: set[tuple[str | int, ...]] = set()
    assert plain_struct(sent, ours) == plain_map(PropertyValue.unmarshal_map(sent), sdk_secrets) == {
        "name": "x",
        "n": None,
    }
    assert ours == sdk_secrets == {("name",)}
    with pytest.raises(TypeError, match="Unsupported value type"):
        struct_of("AgentRuntime", {"cpu": object()}, set())


def test_the_marks_of_a_secret_are_the_engines() -> None:
    """_wire spells the engine's special-value marks itself (the SDK's runtime is not loaded
    there): they are the SDK's own."""
    from pulumi.runtime import rpc

    from pulumi_agents import _wire

    assert (rpc._special_sig_key, rpc._special_secret_sig) == (_wire.SIG_KEY, _wire.SECRET_SIG)
