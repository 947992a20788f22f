"""The vendor's own SDK (alibabacloud-agentrun20250910) works against the emulator."""

from __future__ import annotations

import time

import pytest
from alibabacloud_agentrun20250910 import models
from alibabacloud_agentrun20250910.client import Client
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import ClientException

from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, TRANSITION_SECONDS, Emulator


def official(emulator: Emulator, secret: str = ACCESS_KEY_SECRET) -> Client:
    return Client(
        openapi.Config(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=secret,
            endpoint=emulator.host,
            protocol="http",
            region_id="cn-hangzhou",
        )
    )


def wait_status(client: Client, runtime_id: str, status: str) -> models.AgentRuntime:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        data = client.get_agent_runtime(runtime_id, models.GetAgentRuntimeRequest()).body.data
        if data.status == status:
            return data
        time.sleep(TRANSITION_SECONDS / 4)
    raise AssertionError(f"{runtime_id} never reached {status}")


def test_create_get_update_list_delete(emulator: Emulator) -> None:
    client = official(emulator)
    body = models.CreateAgentRuntimeInput(
        agent_runtime_name="sdk-runtime",
        artifact_type="Container",
        cpu=1.0,
        memory=1024,
        port=8080,
        network_configuration=models.NetworkConfiguration(network_mode="PUBLIC"),
        container_configuration=models.ContainerConfiguration(
            image="registry.cn-hangzhou.aliyuncs.com/ns/agent:1",
            image_registry_type="CUSTOM",
            registry_config=models.RegistryConfig(
                auth_config=models.RegistryAuthConfig(user_name="u", password="hunter2")
            ),
        ),
        nas_config=models.NASConfig(
            user_id=1,
            group_id=1,
            mount_points=[models.NASMountConfig(server_addr="x.nas.aliyuncs.com:/", mount_dir="/mnt/nas")],
        ),
    )
    created = client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=body)).body
    assert created.code == "SUCCESS" and created.request_id
    runtime = created.data
    assert runtime.status == "CREATING"
    assert runtime.agent_runtime_id.startswith("ar-")
    assert runtime.agent_runtime_arn.startswith("acs:agentrun:cn-hangzhou:")
    assert runtime.container_configuration.registry_config.auth_config.password == "hun***"

    ready = wait_status(client, runtime.agent_runtime_id, "READY")
    assert ready.nas_config.mount_points[0].mount_dir == "/mnt/nas"
    assert ready.created_at.endswith("Z")

    listed = client.list_agent_runtimes(models.ListAgentRuntimesRequest(agent_runtime_name="sdk-runtime")).body.data
    assert listed.total == 1 and listed.items[0].agent_runtime_id == runtime.agent_runtime_id

    update = models.UpdateAgentRuntimeInput(description="updated", memory=4096)
    updated = client.update_agent_runtime(runtime.agent_runtime_id, models.UpdateAgentRuntimeRequest(body=update))
    assert updated.body.data.status == "UPDATING"
    ready = wait_status(client, runtime.agent_runtime_id, "READY")
    assert (ready.description, ready.memory, ready.cpu, ready.agent_runtime_version) == ("updated", 4096, 1.0, "2")

    assert client.delete_agent_runtime(runtime.agent_runtime_id).body.data.status == "DELETING"
    time.sleep(TRANSITION_SECONDS * 2)
    with pytest.raises(ClientException) as gone:
        client.get_agent_runtime(runtime.agent_runtime_id, models.GetAgentRuntimeRequest())
    assert gone.value.status_code == 404 and "does not exist" in gone.value.message
    with pytest.raises(ClientException) as again:
        client.delete_agent_runtime(runtime.agent_runtime_id)
    assert again.value.status_code == 404


def test_duplicate_name_and_validation(emulator: Emulator) -> None:
    client = official(emulator)
    body = models.CreateAgentRuntimeInput(
        agent_runtime_name="dup",
        artifact_type="Code",
        cpu=1.0,
        memory=1024,
        port=8080,
        network_configuration=models.NetworkConfiguration(network_mode="PUBLIC"),
        code_configuration=models.CodeConfiguration(language="python3.12", zip_file="UEsDBA=="),
    )
    client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=body))
    with pytest.raises(ClientException) as dup:
        client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=body))
    assert "already exists" in dup.value.message
    body.code_configuration = None
    body.agent_runtime_name = "other"
    with pytest.raises(ClientException) as invalid:
        client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=body))
    assert invalid.value.status_code == 400 and invalid.value.code == "ERR_VALIDATION_FAILED"


def test_wrong_secret_is_refused_like_alibaba_cloud(emulator: Emulator) -> None:
    with pytest.raises(ClientException) as refused:
        official(emulator, secret="wrong").list_agent_runtimes(models.ListAgentRuntimesRequest())
    assert refused.value.code == "SignatureDoesNotMatch" and refused.value.status_code == 400
