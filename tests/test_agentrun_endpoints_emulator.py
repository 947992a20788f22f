"""Runtime endpoints and published versions in the emulator, through the vendor's own SDK
(alibabacloud-agentrun20250910), plus the error envelopes of every service for what no route
answers. Real HTTP over loopback to a real emulator process (tests/conftest.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alibabacloud_agentrun20250910 import models
from alibabacloud_agentrun20250910.client import Client
from alibabacloud_tea_openapi import utils_models as openapi_utils
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

from pulumi_agents.agentrun import signing
from tests.conftest import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    QODER_TOKEN,
    TRANSITION_SECONDS,
    Emulator,
    start_emulator,
)
from tests.test_agentrun_official_client import official

ENDPOINT_ID_PREFIX = "are-"


# -- helpers -------------------------------------------------------------------------------------


def until(fetch: Callable[[], Any], done: Callable[[Any], bool], what: str, seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = fetch()
        if done(value):
            return value
        time.sleep(TRANSITION_SECONDS / 4)
    raise AssertionError(f"{what} did not happen within {seconds}s")


def runtime_status(client: Client, runtime_id: str, status: str) -> models.AgentRuntime:
    return until(
        lambda: client.get_agent_runtime(runtime_id, models.GetAgentRuntimeRequest()).body.data,
        lambda r: r.status == status,
        f"runtime {runtime_id} reaching {status}",
    )


def endpoint_status(client: Client, runtime_id: str, endpoint_id: str, status: str) -> models.AgentRuntimeEndpoint:
    return until(
        lambda: client.get_agent_runtime_endpoint(runtime_id, endpoint_id).body.data,
        lambda e: e.status == status,
        f"endpoint {endpoint_id} reaching {status}",
    )


def endpoint_gone(client: Client, runtime_id: str, endpoint_id: str) -> None:
    def fetch() -> int:
        try:
            client.get_agent_runtime_endpoint(runtime_id, endpoint_id)
        except ClientException as exc:
            return int(exc.status_code)
        return 200

    until(fetch, lambda status: status == 404, f"endpoint {endpoint_id} going away")


def ready_runtime(client: Client, name: str = "rt", memory: int = 1024) -> str:
    body = models.CreateAgentRuntimeInput(
        agent_runtime_name=name,
        artifact_type="Code",
        cpu=1.0,
        memory=memory,
        port=8080,
        network_configuration=models.NetworkConfiguration(network_mode="PUBLIC"),
        code_configuration=models.CodeConfiguration(language="python3.12", zip_file="UEsDBA==", command=["python"]),
    )
    created = client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=body)).body.data
    runtime_id: str = created.agent_runtime_id
    runtime_status(client, runtime_id, "READY")
    return runtime_id


def publish(client: Client, runtime_id: str, description: str = "", publisher: str = "") -> models.AgentRuntimeVersion:
    body = models.PublishRuntimeVersionInput(description=description, publisher=publisher)
    data: models.AgentRuntimeVersion = client.publish_runtime_version(
        runtime_id, models.PublishRuntimeVersionRequest(body=body)
    ).body.data
    return data


def update_runtime(client: Client, runtime_id: str, **changes: Any) -> None:
    body = models.UpdateAgentRuntimeInput(**changes)
    client.update_agent_runtime(runtime_id, models.UpdateAgentRuntimeRequest(body=body))
    runtime_status(client, runtime_id, "READY")


def create_endpoint(client: Client, runtime_id: str, **fields: Any) -> models.AgentRuntimeEndpoint:
    body = models.CreateAgentRuntimeEndpointInput(**fields)
    data: models.AgentRuntimeEndpoint = client.create_agent_runtime_endpoint(
        runtime_id, models.CreateAgentRuntimeEndpointRequest(body=body)
    ).body.data
    return data


def weights(*pairs: tuple[str, float]) -> models.RoutingConfiguration:
    return models.RoutingConfiguration(version_weights=[models.VersionWeight(version=v, weight=w) for v, w in pairs])


def refused(call: Callable[[], Any]) -> ClientException:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


def signed(
    emulator: Emulator,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    query: dict[str, str] | None = None,
    action: str = "Test",
) -> httpx.Response:
    """A request signed like the official client signs it, with any body at all."""
    headers = {"host": emulator.host, "content-type": "application/json"}
    query = query or {}
    headers = signing.sign(
        method=method,
        path=path,
        query=query,
        headers=headers,
        body=body,
        action=action,
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=ACCESS_KEY_SECRET,
    )
    return httpx.request(method, emulator.url + path, params=query, content=body, headers=headers, timeout=10)


def agentrun_envelope(response: httpx.Response) -> dict[str, Any]:
    data = response.json()
    assert set(data) == {"code", "message", "requestId"}, data
    return dict(data)


RUNTIMES = f"/{signing.API_VERSION}/agents/runtimes"


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator whose transitions take a minute: whatever is in flight stays so for the test."""
    emulator = start_emulator(tmp_path_factory.mktemp("frozen"), transition=60)
    yield emulator
    emulator.process.terminate()
    emulator.process.wait(10)


# -- endpoints and versions through the official SDK --------------------------------------------


def test_versions_publish_list_and_get_the_runtime_as_published(emulator: Emulator) -> None:
    client = official(emulator)
    runtime_id = ready_runtime(client, memory=1024)

    first = publish(client, runtime_id, description="first cut", publisher="ci")
    assert (first.agent_runtime_version, first.agent_runtime_id, first.agent_runtime_name) == ("1", runtime_id, "rt")
    assert first.description == "first cut" and first.last_updated_at.endswith("Z")
    assert first.agent_runtime_arn.startswith("acs:agentrun:cn-hangzhou:")

    # Two configuration revisions (the runtime's own counter), then the second published version.
    update_runtime(client, runtime_id, memory=2048)
    update_runtime(client, runtime_id, memory=4096)
    second = publish(client, runtime_id, description="bigger")
    assert second.agent_runtime_version == "2"

    current = client.get_agent_runtime(runtime_id, models.GetAgentRuntimeRequest()).body.data
    assert (current.agent_runtime_version, current.memory) == ("3", 4096)
    at = {
        n: client.get_agent_runtime(runtime_id, models.GetAgentRuntimeRequest(agent_runtime_version=n)).body.data
        for n in ("1", "2")
    }
    assert (at["1"].agent_runtime_version, at["1"].memory, at["1"].status) == ("1", 1024, "READY")
    assert (at["2"].agent_runtime_version, at["2"].memory) == ("2", 4096)
    unknown = refused(
        lambda: client.get_agent_runtime(runtime_id, models.GetAgentRuntimeRequest(agent_runtime_version="9"))
    )
    assert unknown.status_code == 404 and "does not exist" in unknown.message

    listed = client.list_agent_runtime_versions(runtime_id, models.ListAgentRuntimeVersionsRequest()).body.data
    assert listed.total == 2 and [v.agent_runtime_version for v in listed.items] == ["2", "1"]  # newest first
    paged = client.list_agent_runtime_versions(
        runtime_id, models.ListAgentRuntimeVersionsRequest(page_number=2, page_size=1)
    ).body.data
    assert (paged.page_number, paged.page_size, paged.total) == (2, 1, 2)
    assert [v.agent_runtime_version for v in paged.items] == ["1"]

    # The publisher is taken, never answered: the SDK's model has no place for it.
    raw = signed(emulator, "GET", f"{RUNTIMES}/{runtime_id}/versions").json()["data"]["items"]
    assert [v["agentRuntimeVersion"] for v in raw] == ["2", "1"] and not any("publisher" in v for v in raw)


def test_publish_needs_a_ready_runtime(emulator: Emulator) -> None:
    client = official(emulator)
    body = models.CreateAgentRuntimeInput(
        agent_runtime_name="busy",
        artifact_type="Container",
        cpu=1.0,
        memory=1024,
        port=8080,
        network_configuration=models.NetworkConfiguration(network_mode="PUBLIC"),
        container_configuration=models.ContainerConfiguration(image="registry/ns/agent:1"),
    )
    runtime_id = client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=body)).body.data.agent_runtime_id
    runtime_status(client, runtime_id, "READY")

    emulator.fail_next("busy", "update", "image pull failed")
    client.update_agent_runtime(
        runtime_id, models.UpdateAgentRuntimeRequest(body=models.UpdateAgentRuntimeInput(memory=2048))
    )
    failed = runtime_status(client, runtime_id, "UPDATE_FAILED")
    assert failed.status_reason == "image pull failed"
    after_failure = refused(lambda: publish(client, runtime_id))
    assert after_failure.status_code == 409 and "UPDATE_FAILED" in after_failure.message
    missing = refused(lambda: publish(client, "ar-0000000000000000"))
    assert missing.status_code == 404 and "does not exist" in missing.message


def test_endpoint_create_list_get_update_delete(emulator: Emulator) -> None:
    client = official(emulator)
    runtime_id = ready_runtime(client)
    publish(client, runtime_id)
    publish(client, runtime_id)

    prod = create_endpoint(
        client,
        runtime_id,
        agent_runtime_endpoint_name="prod",
        description="production",
        target_version="2",
        routing_configuration=weights(("1", 0.1)),
        scaling_config=models.ScalingConfig(
            min_instances=1,
            scheduled_policies=[
                models.ScheduledPolicy(
                    name="workday",
                    schedule_expression="cron(0 0 9 * * *)",
                    start_time="2026-01-01T00:00:00Z",
                    end_time="2027-01-01T00:00:00Z",
                    target=3,
                    time_zone="Asia/Shanghai",
                )
            ],
        ),
    )
    assert prod.status == "CREATING"
    assert prod.agent_runtime_endpoint_id.startswith(ENDPOINT_ID_PREFIX)
    assert prod.agent_runtime_endpoint_arn == (
        f"acs:agentrun:cn-hangzhou:1760720386195983:runtimes/{runtime_id}/endpoints/{prod.agent_runtime_endpoint_id}"
    )
    assert prod.endpoint_public_url.startswith("https://") and prod.endpoint_public_url.endswith(
        "/agent-runtimes/rt/endpoints/prod/invocations"
    )
    assert (prod.agent_runtime_id, prod.target_version, prod.description) == (runtime_id, "2", "production")
    assert [(w.version, w.weight) for w in prod.routing_configuration.version_weights] == [("1", 0.1)]
    scaling = prod.scaling_status
    assert (scaling.min_instances, scaling.target_instances, scaling.current_instances) == (1, 1, 1)
    assert scaling.scheduled_policies[0].schedule_expression == "cron(0 0 9 * * *)"
    assert scaling.scheduled_policies[0].target == 3
    prod_id = prod.agent_runtime_endpoint_id
    ready = endpoint_status(client, runtime_id, prod_id, "READY")
    assert ready.status_reason

    canary = create_endpoint(client, runtime_id, agent_runtime_endpoint_name="canary")
    assert (canary.target_version, canary.description, canary.disable_public_network_access) == ("LATEST", "", False)
    assert canary.routing_configuration.version_weights == [] and canary.scaling_status is None
    canary_id = canary.agent_runtime_endpoint_id
    raw = signed(emulator, "GET", f"{RUNTIMES}/{runtime_id}/endpoints/{canary_id}").json()["data"]
    assert raw["routingConfiguration"] == {"versionWeights": []} and "scalingStatus" not in raw
    assert "createdAt" not in raw and "lastUpdatedAt" not in raw  # the SDK's model has neither

    duplicate = refused(lambda: create_endpoint(client, runtime_id, agent_runtime_endpoint_name="prod"))
    assert duplicate.status_code == 409 and "already exists" in duplicate.message

    def names(**query: Any) -> tuple[int, list[str]]:
        data = client.list_agent_runtime_endpoints(
            runtime_id, models.ListAgentRuntimeEndpointsRequest(**query)
        ).body.data
        return data.total, [e.agent_runtime_endpoint_name for e in data.items]

    assert names() == (2, ["prod", "canary"])
    assert names(endpoint_name="pro") == (1, ["prod"])
    assert names(endpoint_name="pro", search_mode="exact") == (0, [])
    assert names(endpoint_name="canary", search_mode="exact") == (1, ["canary"])
    assert names(page_number=2, page_size=1) == (2, ["canary"])

    got = client.get_agent_runtime_endpoint(runtime_id, prod_id).body.data
    assert (got.agent_runtime_endpoint_name, got.status) == ("prod", "READY")

    # A partial update keeps what it leaves out.
    updated = client.update_agent_runtime_endpoint(
        runtime_id,
        prod_id,
        models.UpdateAgentRuntimeEndpointRequest(body=models.UpdateAgentRuntimeEndpointInput(description="v2")),
    ).body.data
    assert updated.status == "UPDATING"
    kept = endpoint_status(client, runtime_id, prod_id, "READY")
    assert (kept.description, kept.target_version, kept.scaling_status.min_instances) == ("v2", "2", 1)
    assert [(w.version, w.weight) for w in kept.routing_configuration.version_weights] == [("1", 0.1)]

    busy = client.update_agent_runtime_endpoint(
        runtime_id,
        prod_id,
        models.UpdateAgentRuntimeEndpointRequest(
            body=models.UpdateAgentRuntimeEndpointInput(
                delete_scaling_config=True, target_version="1", routing_configuration=weights(("2", 0.25))
            )
        ),
    )
    assert busy.body.data.status == "UPDATING"
    changed = endpoint_status(client, runtime_id, prod_id, "READY")
    assert changed.scaling_status is None and changed.target_version == "1"
    assert [(w.version, w.weight) for w in changed.routing_configuration.version_weights] == [("2", 0.25)]

    # The runtime cannot go while it has endpoints; the message names them.
    blocked = refused(lambda: client.delete_agent_runtime(runtime_id))
    assert (blocked.status_code, blocked.code) == (400, "ERR_BAD_REQUEST")
    assert f"agent runtime {runtime_id} still has endpoints prod, canary: delete them first" in blocked.message

    for endpoint_id in (prod_id, canary_id):
        assert client.delete_agent_runtime_endpoint(runtime_id, endpoint_id).body.data.status == "DELETING"
    for endpoint_id in (prod_id, canary_id):
        endpoint_gone(client, runtime_id, endpoint_id)
    assert names() == (0, [])
    again_gone = refused(lambda: client.delete_agent_runtime_endpoint(runtime_id, prod_id))
    assert again_gone.status_code == 404 and "does not exist" in again_gone.message

    assert client.delete_agent_runtime(runtime_id).body.data.status == "DELETING"
    time.sleep(TRANSITION_SECONDS * 2)
    versions = refused(lambda: client.list_agent_runtime_versions(runtime_id, models.ListAgentRuntimeVersionsRequest()))
    assert versions.status_code == 404


def test_what_is_in_flight_blocks(frozen: Emulator) -> None:
    """CREATING/UPDATING/DELETING, held for a minute: publish, endpoint updates and the runtime's
    delete are refused meanwhile, with the status in the message."""
    client = official(frozen)
    body = models.CreateAgentRuntimeInput(
        agent_runtime_name=f"busy-{time.monotonic_ns()}",
        artifact_type="Container",
        cpu=1.0,
        memory=1024,
        port=8080,
        network_configuration=models.NetworkConfiguration(network_mode="PUBLIC"),
        container_configuration=models.ContainerConfiguration(image="registry/ns/agent:1"),
    )
    runtime_id = client.create_agent_runtime(models.CreateAgentRuntimeRequest(body=body)).body.data.agent_runtime_id
    creating = refused(lambda: publish(client, runtime_id))
    assert (creating.status_code, creating.code) == (409, "ERR_CONFLICT")
    assert f"agent runtime {runtime_id} is CREATING" in creating.message

    # Endpoints may be made while the runtime is still being created.
    endpoint = create_endpoint(client, runtime_id, agent_runtime_endpoint_name="prod")
    assert client.get_agent_runtime_endpoint(runtime_id, endpoint.agent_runtime_endpoint_id).body.data.status == (
        "CREATING"
    )
    busy = refused(
        lambda: client.update_agent_runtime_endpoint(
            runtime_id,
            endpoint.agent_runtime_endpoint_id,
            models.UpdateAgentRuntimeEndpointRequest(body=models.UpdateAgentRuntimeEndpointInput(description="x")),
        )
    )
    assert busy.status_code == 409 and "is CREATING" in busy.message

    deleting = client.delete_agent_runtime_endpoint(runtime_id, endpoint.agent_runtime_endpoint_id).body.data
    assert deleting.status == "DELETING"
    # A second delete answers the same; the runtime still cannot go while the endpoint is DELETING.
    again = client.delete_agent_runtime_endpoint(runtime_id, endpoint.agent_runtime_endpoint_id).body.data
    assert again.status == "DELETING"
    blocked = refused(lambda: client.delete_agent_runtime(runtime_id))
    assert blocked.code == "ERR_BAD_REQUEST" and "still has endpoints prod: delete them first" in blocked.message


def test_endpoint_of_a_missing_runtime_or_under_another_runtime(emulator: Emulator) -> None:
    client = official(emulator)
    missing = refused(lambda: create_endpoint(client, "ar-0000000000000000", agent_runtime_endpoint_name="prod"))
    assert missing.status_code == 404 and "does not exist" in missing.message
    first, second = ready_runtime(client, "one"), ready_runtime(client, "two")
    endpoint_id = create_endpoint(client, first, agent_runtime_endpoint_name="prod").agent_runtime_endpoint_id
    # Names are unique per runtime only.
    create_endpoint(client, second, agent_runtime_endpoint_name="prod")
    elsewhere = refused(lambda: client.get_agent_runtime_endpoint(second, endpoint_id))
    assert elsewhere.status_code == 404 and "does not exist" in elsewhere.message


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"routing_configuration": weights(("1", 10))}, "ratio between 0.0 and 1.0"),
        ({"routing_configuration": weights(("1", 50), ("2", 50))}, "ratio between 0.0 and 1.0"),
        ({"routing_configuration": weights(("1", -0.1))}, "ratio between 0.0 and 1.0"),
        ({"routing_configuration": weights(("7", 0.1))}, "7' is not a published version"),
        ({"routing_configuration": weights(("1", 0.1), ("1", 0.2))}, "appears more than once"),
        ({"routing_configuration": weights(("1", 0.6), ("2", 0.5))}, "add up to 1.1"),
        ({"target_version": "2", "routing_configuration": weights(("2", 0.1))}, "is the targetVersion"),
        ({"target_version": "7"}, "targetVersion '7' must be LATEST or a published version"),
        ({"target_version": "latest"}, "must be LATEST or a published version"),
        ({"scaling_config": models.ScalingConfig(min_instances=-1)}, "minInstances -1"),
        ({"agent_runtime_endpoint_name": "9lives"}, "must start with a letter"),
        ({"agent_runtime_endpoint_name": "a" * 129}, "must start with a letter"),
        ({"description": "d" * 257}, "at most 256"),
    ],
)
def test_endpoint_validation(emulator: Emulator, fields: dict[str, Any], says: str) -> None:
    client = official(emulator)
    runtime_id = ready_runtime(client)
    publish(client, runtime_id)
    publish(client, runtime_id)
    fields = {"agent_runtime_endpoint_name": "prod", **fields}
    error = refused(lambda: create_endpoint(client, runtime_id, **fields))
    assert (error.status_code, error.code) == (400, "ERR_VALIDATION_FAILED")
    assert says in error.message


def test_endpoint_weights_at_the_limits_and_update_validation(emulator: Emulator) -> None:
    client = official(emulator)
    runtime_id = ready_runtime(client)
    for _ in range(3):
        publish(client, runtime_id)
    # 0.1 + 0.2 + 0.7 is not exactly 1.0 in floating point: still accepted.
    full = create_endpoint(
        client,
        runtime_id,
        agent_runtime_endpoint_name="split",
        routing_configuration=weights(("1", 0.1), ("2", 0.2), ("3", 0.7)),
    )
    assert [w.weight for w in full.routing_configuration.version_weights] == [0.1, 0.2, 0.7]
    endpoint_id = full.agent_runtime_endpoint_id
    endpoint_status(client, runtime_id, endpoint_id, "READY")

    def update(**fields: Any) -> ClientException:
        body = models.UpdateAgentRuntimeEndpointInput(**fields)
        return refused(
            lambda: client.update_agent_runtime_endpoint(
                runtime_id, endpoint_id, models.UpdateAgentRuntimeEndpointRequest(body=body)
            )
        )

    # The update is checked against what the endpoint would become: version 2 is weighted already.
    assert "is the targetVersion" in update(target_version="2").message
    assert "ratio" in update(routing_configuration=weights(("1", 20))).message
    both = update(delete_scaling_config=True, scaling_config=models.ScalingConfig(min_instances=1))
    assert both.code == "ERR_VALIDATION_FAILED" and "cannot be sent together" in both.message
    other = create_endpoint(client, runtime_id, agent_runtime_endpoint_name="other")
    endpoint_status(client, runtime_id, other.agent_runtime_endpoint_id, "READY")
    renamed = update(agent_runtime_endpoint_name="other")
    assert renamed.status_code == 409 and "already exists" in renamed.message
    # Nothing was changed by the refused updates.
    data = client.get_agent_runtime_endpoint(runtime_id, endpoint_id).body.data
    assert (data.status, data.target_version, len(data.routing_configuration.version_weights)) == ("READY", "LATEST", 3)


def test_endpoint_failures_through_the_test_control(emulator: Emulator) -> None:
    client = official(emulator)
    runtime_id = ready_runtime(client)

    def fail_next(operation: str, reason: str, **scope: str) -> None:
        rule = {"agentRuntimeEndpointName": "prod", "operation": operation, "statusReason": reason, **scope}
        emulator.control("POST", "/_emulator/agentrun/failures", rule)

    fail_next("create", "no capacity", agentRuntimeId=runtime_id)
    failed = create_endpoint(client, runtime_id, agent_runtime_endpoint_name="prod")
    assert failed.status == "CREATING"
    endpoint_id = failed.agent_runtime_endpoint_id
    created = endpoint_status(client, runtime_id, endpoint_id, "CREATE_FAILED")
    assert created.status_reason == "no capacity"

    fail_next("update", "bad routing")
    client.update_agent_runtime_endpoint(
        runtime_id,
        endpoint_id,
        models.UpdateAgentRuntimeEndpointRequest(body=models.UpdateAgentRuntimeEndpointInput(description="x")),
    )
    assert endpoint_status(client, runtime_id, endpoint_id, "UPDATE_FAILED").status_reason == "bad routing"

    fail_next("delete", "stuck")
    client.delete_agent_runtime_endpoint(runtime_id, endpoint_id)
    assert endpoint_status(client, runtime_id, endpoint_id, "DELETE_FAILED").status_reason == "stuck"
    # A rule is used once: the next delete goes through.
    client.delete_agent_runtime_endpoint(runtime_id, endpoint_id)
    endpoint_gone(client, runtime_id, endpoint_id)

    # A rule scoped to another runtime does not apply here.
    fail_next("create", "elsewhere", agentRuntimeId="ar-ffffffffffffffff")
    fine = create_endpoint(client, runtime_id, agent_runtime_endpoint_name="prod")
    endpoint_status(client, runtime_id, fine.agent_runtime_endpoint_id, "READY")

    for bad in ([], {"agentRuntimeEndpointName": "prod"}, {"agentRuntimeEndpointName": "p", "operation": "x"}):
        response = httpx.post(emulator.url + "/_emulator/agentrun/failures", json=bad, timeout=10)
        assert response.status_code == 400 and agentrun_envelope(response)["code"] == "ERR_BAD_REQUEST"
    response = httpx.post(emulator.url + "/_emulator/agentrun/failures", content=b"{nope", timeout=10)
    assert response.status_code == 400 and agentrun_envelope(response)["code"] == "ERR_BAD_REQUEST"


def test_state_survives_a_restart(tmp_path: Path) -> None:
    emulator = start_emulator(tmp_path)
    try:
        client = official(emulator)
        runtime_id = ready_runtime(client)
        publish(client, runtime_id, description="kept")
        endpoint_id = create_endpoint(
            client, runtime_id, agent_runtime_endpoint_name="prod", target_version="1"
        ).agent_runtime_endpoint_id
    finally:
        emulator.process.terminate()
        emulator.process.wait(10)
    emulator = start_emulator(tmp_path)
    try:
        client = official(emulator)
        assert endpoint_status(client, runtime_id, endpoint_id, "READY").target_version == "1"
        listed = client.list_agent_runtime_versions(runtime_id, models.ListAgentRuntimeVersionsRequest()).body.data
        assert [(v.agent_runtime_version, v.description) for v in listed.items] == [("1", "kept")]
    finally:
        emulator.process.terminate()
        emulator.process.wait(10)


# -- what no route answers, in each service's envelope ----------------------------------------


def test_unknown_paths_and_methods_answer_in_agentrun_envelope(emulator: Emulator) -> None:
    response = httpx.get(emulator.url + "/2025-09-10/agents/nothing", timeout=10)
    assert response.status_code == 404
    body = agentrun_envelope(response)
    assert body["code"] == "ERR_NOT_FOUND" and "no operation at GET /2025-09-10/agents/nothing" in body["message"]
    # Not "does not exist": a wrong path must not read as a deleted resource.
    assert "does not exist" not in body["message"] and "not found" not in body["message"].lower()

    response = httpx.patch(emulator.url + RUNTIMES + "/ar-1/endpoints", timeout=10)
    assert response.status_code == 405 and agentrun_envelope(response)["code"] == "ERR_METHOD_NOT_ALLOWED"
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}

    # The official client parses it like any service error.
    client = official(emulator)
    params = openapi_utils.Params(
        action="Nothing",
        version=signing.API_VERSION,
        protocol="HTTP",
        pathname=f"/{signing.API_VERSION}/agents/nothing",
        method="GET",
        auth_type="AK",
        style="ROA",
        req_body_type="json",
        body_type="json",
    )
    error = refused(lambda: client.call_api(params, openapi_utils.OpenApiRequest(), RuntimeOptions()))
    assert (error.status_code, error.code) == (404, "ERR_NOT_FOUND") and error.request_id


def test_unknown_paths_answer_in_qoder_aiae_and_plain_envelopes(emulator: Emulator) -> None:
    response = httpx.get(emulator.url + "/api/v1/cloud/nothing", timeout=10)
    assert response.status_code == 404
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == "not_found_error"
    assert "GET /api/v1/cloud/nothing" in response.json()["error"]["message"]
    response = httpx.patch(emulator.url + "/api/v1/cloud/agents", timeout=10)
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "invalid_request_error" and "detail" not in response.json()

    response = httpx.get(emulator.url + "/v1/routes/nothing", timeout=10)
    assert response.status_code == 404
    assert response.json()["error_code"] == "AIAE.40400000" and "error_msg" in response.json()
    response = httpx.get(emulator.url + "/v1/routes/open/demo/execute", timeout=10)
    assert response.status_code == 405 and response.json()["error_code"] == "AIAE.40500000"

    response = httpx.get(emulator.url + "/nowhere", timeout=10)
    assert response.status_code == 404 and set(response.json()) == {"error"}
    # A prefix only counts as a whole path segment.
    response = httpx.get(emulator.url + "/2025-09-10x", timeout=10)
    assert response.status_code == 404 and set(response.json()) == {"error"}


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"null", b"{not json", b"\xff\xfe"])
def test_bodies_that_are_not_json_objects_get_a_400_envelope(emulator: Emulator, body: bytes) -> None:
    client = official(emulator)
    runtime_id = ready_runtime(client)
    for method, path in (
        ("POST", RUNTIMES),
        ("PUT", f"{RUNTIMES}/{runtime_id}"),
        ("POST", f"{RUNTIMES}/{runtime_id}/endpoints"),
        ("POST", f"{RUNTIMES}/{runtime_id}/versions"),
    ):
        response = signed(emulator, method, path, body=body)
        assert response.status_code == 400, (method, path, response.text)
        assert agentrun_envelope(response)["code"] == "ERR_BAD_REQUEST"

    qoder = httpx.post(
        emulator.url + "/api/v1/cloud/agents",
        content=body,
        headers={"authorization": f"Bearer {QODER_TOKEN}", "content-type": "application/json"},
        timeout=10,
    )
    assert qoder.status_code == 400 and qoder.json()["error"]["type"] == "invalid_request_error"

    # AIAE answers a bad parameter with HTTP 200 and its own code, as the service does.
    aiae = httpx.post(
        emulator.url + "/v1/routes/open/demo-agent/execute",
        content=body,
        headers={"authorization": "Bearer test-api-key"},
        timeout=10,
    )
    assert aiae.status_code < 500 and aiae.json()["error_code"].startswith("AIAE.")

    for control in ("/_emulator/faults", "/_emulator/aiae/agents", "/_emulator/agentrun/failures"):
        response = httpx.post(emulator.url + control, content=body, timeout=10)
        assert response.status_code == 400, (control, response.text)
        assert "detail" not in json.loads(response.content)
