"""Every answer of the runtime, endpoint and version operations, as the vendor's own SDK
(alibabacloud-agentrun20250910) reads it: each raw ``data`` (and each list item) parses into the
SDK's model with no key, at any depth, that the model's from_map/to_map drops. And
``GetAgentRuntime?agentRuntimeVersion=N`` answers for every version the runtime reports."""

from __future__ import annotations

import time
from typing import Any

import pytest
from alibabacloud_agentrun20250910 import models
from darabonba.model import DaraModel

from tests.conftest import TRANSITION_SECONDS, Emulator
from tests.test_agentrun_workspaces import Answer, Recording, official, refused


def dropped(raw: Any, kept: Any, where: str = "") -> list[str]:
    """The paths of ``raw`` that ``kept`` (raw after the model's from_map and to_map) lacks."""
    if isinstance(raw, dict) and isinstance(kept, dict):
        out = []
        for key, value in raw.items():
            if key not in kept:
                out.append(f"{where}{key}")
            else:
                out += dropped(value, kept[key], f"{where}{key}.")
        return out
    if isinstance(raw, list) and isinstance(kept, list):
        return [p for i, (r, k) in enumerate(zip(raw, kept, strict=False)) for p in dropped(r, k, f"{where}[{i}].")]
    return []


def assert_known(model: type[DaraModel], raw: Answer) -> None:
    lost = dropped(raw, model().from_map(raw).to_map())
    assert not lost, f"{model.__name__} does not know {lost}"


def assert_page(model: type[DaraModel], page: type[DaraModel], raw: Answer) -> None:
    assert_known(page, {k: v for k, v in raw.items() if k != "items"})
    assert raw["items"], "an empty page checks nothing"
    for item in raw["items"]:
        assert_known(model, item)


def wait(client: Recording, get: Any, status: str = "READY") -> Any:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        data = get()
        if data.status == status:
            return data
        time.sleep(TRANSITION_SECONDS / 4)
    raise AssertionError(f"never reached {status}")


def runtime_body(name: str) -> models.CreateAgentRuntimeInput:
    """A runtime with every field the SDK's create input has a value for."""
    return models.CreateAgentRuntimeInput(
        agent_runtime_name=name,
        artifact_type="Container",
        description="every field",
        cpu=1.0,
        memory=1024,
        port=8080,
        disk_size=512,
        session_concurrency_limit_per_instance=10,
        session_idle_timeout_seconds=600,
        enable_session_isolation=True,
        disable_session_affinity=False,
        disable_ondemand=False,
        session_affinity_type="HEADER_FIELD",
        header_field_name="x-session",
        execution_role_arn="acs:ram::1:role/agent",
        credential_name="cred",
        workspace_id="ws-0123456789abcdef",
        resource_group_id="rg-1",
        environment_variables={"MODE": "test"},
        network_configuration=models.NetworkConfiguration(network_mode="PUBLIC"),
        container_configuration=models.ContainerConfiguration(
            image="registry.cn-hangzhou.aliyuncs.com/ns/agent:1",
            image_registry_type="CUSTOM",
            command=["python", "app.py"],
            registry_config=models.RegistryConfig(
                auth_config=models.RegistryAuthConfig(user_name="u", password="hunter2"),
                cert_config=models.RegistryCertConfig(insecure=False),
            ),
        ),
        health_check_configuration=models.HealthCheckConfiguration(http_get_url="/health"),
        log_configuration=models.LogConfiguration(project="p", logstore="l"),
        nas_config=models.NASConfig(
            user_id=1,
            group_id=1,
            mount_points=[models.NASMountConfig(server_addr="x.nas.aliyuncs.com:/", mount_dir="/mnt/nas")],
        ),
        oss_mount_config=models.OSSMountConfig(
            mount_points=[models.OSSMountPoint(bucket_name="b", bucket_path="/", endpoint="e", mount_dir="/mnt/oss")]
        ),
        protocol_configuration=models.ProtocolConfiguration(type="HTTP"),
        arms_configuration=models.ArmsConfiguration(enable_arms=False),
        credential_id="cred-1",
    )


def test_every_runtime_endpoint_and_version_answer_is_known_to_the_sdk(emulator: Emulator) -> None:
    client = official(emulator)
    AR, EP, VER = models.AgentRuntime, models.AgentRuntimeEndpoint, models.AgentRuntimeVersion

    made = client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=runtime_body("sdk-answers"))).body.data
    assert_known(AR, client.data)
    runtime_id = made.agent_runtime_id

    def get(**query: Any) -> models.AgentRuntime:
        data = client.get_agent_runtime(runtime_id, models.GetAgentRuntimeRequest(**query)).body.data
        assert_known(AR, client.data)
        return data

    wait(client, get)
    client.list_agent_runtimes(models.ListAgentRuntimesRequest(agent_runtime_name="sdk-answers"))
    assert_page(AR, models.ListAgentRuntimesOutput, client.data)

    update = models.UpdateAgentRuntimeInput(
        description="updated", force_evict_instances=True, arms_configuration=models.ArmsConfiguration()
    )
    client.update_agent_runtime(runtime_id, models.UpdateAgentRuntimeRequest(body=update))
    assert_known(AR, client.data)
    wait(client, get)

    publish = models.PublishRuntimeVersionInput(description="first", publisher="ci")
    client.publish_runtime_version(runtime_id, models.PublishRuntimeVersionRequest(body=publish))
    assert_known(VER, client.data)
    client.list_agent_runtime_versions(runtime_id, models.ListAgentRuntimeVersionsRequest())
    assert_page(VER, models.ListAgentRuntimeVersionsOutput, client.data)
    get(agent_runtime_version="1")

    endpoint = models.CreateAgentRuntimeEndpointInput(
        agent_runtime_endpoint_name="prod",
        description="production",
        target_version="1",
        disable_public_network_access=False,
        routing_configuration=models.RoutingConfiguration(version_weights=[]),
        scaling_config=models.ScalingConfig(
            min_instances=1,
            scheduled_policies=[
                models.ScheduledPolicy(
                    name="morning",
                    schedule_expression="cron(0 0 9 * * *)",
                    target=3,
                    start_time="2026-01-01T00:00:00Z",
                    end_time="2027-01-01T00:00:00Z",
                    time_zone="Asia/Shanghai",
                )
            ],
        ),
    )
    created = client.create_agent_runtime_endpoint(
        runtime_id, models.CreateAgentRuntimeEndpointRequest(body=endpoint)
    ).body.data
    assert_known(EP, client.data)
    endpoint_id = created.agent_runtime_endpoint_id

    def get_endpoint() -> models.AgentRuntimeEndpoint:
        data = client.get_agent_runtime_endpoint(runtime_id, endpoint_id).body.data
        assert_known(EP, client.data)
        return data

    wait(client, get_endpoint)
    client.list_agent_runtime_endpoints(runtime_id, models.ListAgentRuntimeEndpointsRequest())
    assert_page(EP, models.ListAgentRuntimeEndpointsOutput, client.data)
    change = models.UpdateAgentRuntimeEndpointInput(description="still production", delete_scaling_config=True)
    client.update_agent_runtime_endpoint(runtime_id, endpoint_id, models.UpdateAgentRuntimeEndpointRequest(body=change))
    assert_known(EP, client.data)
    wait(client, get_endpoint)
    client.delete_agent_runtime_endpoint(runtime_id, endpoint_id)
    assert_known(EP, client.data)
    time.sleep(TRANSITION_SECONDS * 1.5)

    client.delete_agent_runtime(runtime_id)
    assert_known(AR, client.data)


def test_a_runtime_answers_at_every_version_it_reports(emulator: Emulator) -> None:
    """``agentRuntimeVersion`` is what the runtime reports: a get at that version answers, before
    any version is published too; a published version answers as it froze the runtime."""
    client = official(emulator)
    body = runtime_body("at-version")
    made = client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=body)).body.data
    runtime_id = made.agent_runtime_id

    def get(version: str | None = None) -> models.AgentRuntime:
        request = models.GetAgentRuntimeRequest(agent_runtime_version=version)
        data = client.get_agent_runtime(runtime_id, request).body.data
        assert_known(models.AgentRuntime, client.data)
        return data

    ready = wait(client, get)
    assert ready.agent_runtime_version == "1"
    at_one = get(ready.agent_runtime_version)
    assert at_one.to_map() == ready.to_map()

    client.update_agent_runtime(
        runtime_id, models.UpdateAgentRuntimeRequest(body=models.UpdateAgentRuntimeInput(memory=2048))
    )
    updated = wait(client, get)
    assert updated.agent_runtime_version == "2"
    assert get("2").to_map() == updated.to_map()

    published = client.publish_runtime_version(
        runtime_id, models.PublishRuntimeVersionRequest(body=models.PublishRuntimeVersionInput(description="v"))
    ).body.data
    frozen = get(published.agent_runtime_version)
    assert (frozen.memory, frozen.agent_runtime_version) == (2048, published.agent_runtime_version)

    unknown = refused(lambda: get("9"))
    assert unknown.status_code == 404 and unknown.code == "ERR_NOT_FOUND"


@pytest.mark.parametrize("field", ["armsConfiguration", "credentialId"])
def test_what_the_runtime_model_lacks_is_not_answered(emulator: Emulator, field: str) -> None:
    client = official(emulator)
    made = client.create_agent_runtime(
        models.CreateAgentRuntimeRequest(body=runtime_body(f"lacks-{field.lower()}"))
    ).body.data
    assert field not in client.data
    client.get_agent_runtime(made.agent_runtime_id, models.GetAgentRuntimeRequest())
    assert field not in client.data


def test_a_version_stored_with_its_publisher_answers_without_it() -> None:
    """A store written before the publisher was kept apart holds it as a field: not answered."""
    from pulumi_agents.agentrun.emulator.models.common import VERSION_KIND
    from pulumi_agents.agentrun.emulator.models.versions import version_key
    from pulumi_agents.agentrun.emulator.state import AgentRunState
    from pulumi_agents.emulator.store import Store

    now = [1000.0]
    state = AgentRunState(Store(None), transition_seconds=1, clock=lambda: now[0])
    body = runtime_body("old-store").to_map()
    runtime_id = state.create(body)["agentRuntimeId"]
    now[0] += 2
    published = state.publish_version(runtime_id, {"description": "old", "publisher": "ci"})
    assert "publisher" not in published
    key = version_key(runtime_id, published["agentRuntimeVersion"])
    state.store.put(VERSION_KIND, key, {**state.store.get(VERSION_KIND, key), "publisher": "ci"})
    assert_page(models.AgentRuntimeVersion, models.ListAgentRuntimeVersionsOutput, state.list_versions(runtime_id))
