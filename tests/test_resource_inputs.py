"""What a Pulumi program sends: snake_case arguments become wire names at every depth, whether
a value is plain data or an Output (a whole nested argument included), checked with Pulumi's mocks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from pulumi_agents.agentrun import AgentRuntime, AgentRuntimeProvider

# The inputs' rules, offline: the credentials check before a first check has its own tests
# (tests/test_credentials.py).
pytestmark = pytest.mark.usefixtures("offline")


class Recorder(pulumi.runtime.Mocks):
    """Records the inputs each resource reaches the engine with."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    # Pulumi's mocks run on the thread's event loop; earlier tests' asyncio.run() left none set.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = Recorder()
    pulumi.runtime.set_mocks(mocks, preview=False)
    yield mocks
    asyncio.set_event_loop(None)
    loop.close()


def _runtime(name: str, **args: Any) -> AgentRuntime:
    base: dict[str, Any] = dict(
        agent_runtime_name=name,
        artifact_type="Code",
        cpu=1,
        memory=2048,
        port=8080,
        code_configuration={"language": "python3.12", "oss_bucket_name": "code", "oss_object_name": "a.zip"},
        network_configuration={"network_mode": "PUBLIC"},
    )
    return AgentRuntime(name, **{**base, **args})


PRIVATE = {"networkMode": "PRIVATE", "vpcId": "vpc-1", "vswitchIds": ["vsw-1"], "securityGroupId": "sg-1"}


@pulumi.runtime.test
def test_a_whole_nested_argument_given_as_an_output(recorder: Recorder) -> pulumi.Output[None]:
    vpc_id = pulumi.Output.from_input("vpc-1")
    runtime = _runtime(
        "from-output",
        network_configuration=vpc_id.apply(
            lambda v: {"network_mode": "PRIVATE", "vpc_id": v, "vswitch_ids": ["vsw-1"], "security_group_id": "sg-1"}
        ),
    )

    def check(_: Any) -> None:
        sent = recorder.inputs["from-output"]
        assert sent["networkConfiguration"] == PRIVATE
        assert AgentRuntimeProvider().check({}, sent).failures == []

    return runtime.urn.apply(check)


@pulumi.runtime.test
def test_outputs_at_any_depth(recorder: Recorder) -> pulumi.Output[None]:
    mount_dir = pulumi.Output.from_input("/mnt/nas")
    runtime = _runtime(
        "deep",
        network_configuration={
            "network_mode": pulumi.Output.from_input("PRIVATE"),
            "vpc_id": "vpc-1",
            "vswitch_ids": [pulumi.Output.from_input("vsw-1")],
            "security_group_id": "sg-1",
        },
        nas_config={"mount_points": [pulumi.Output.from_input({"server_addr": "h.nas.com:/", "mount_dir": mount_dir})]},
        environment_variables=pulumi.Output.from_input({"my_key": "v"}),
    )

    def check(_: Any) -> None:
        sent = recorder.inputs["deep"]
        assert sent["networkConfiguration"] == PRIVATE
        assert sent["nasConfig"] == {"mountPoints": [{"serverAddr": "h.nas.com:/", "mountDir": "/mnt/nas"}]}
        env = sent["environmentVariables"]  # always a secret, and a free-form map keeps its keys
        assert env[pulumi.runtime.rpc._special_sig_key] == pulumi.runtime.rpc._special_secret_sig
        assert env["value"] == {"my_key": "v"}
        plain = {**sent, "environmentVariables": env["value"]}  # as the provider host gets it
        assert AgentRuntimeProvider().check({}, plain).failures == []

    return runtime.urn.apply(check)
