"""RuntimeVersionProvider and AgentRuntimeEndpointProvider against the emulator over loopback:
publish after READY, immutable versions, endpoints with weighted routing, drift, failures, and
the checks a preview makes."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_agents._dynamic import ProviderError
from pulumi_agents._schema import UNKNOWN
from pulumi_agents.agentrun import (
    AgentRunClient,
    AgentRuntimeEndpointProvider,
    AgentRuntimeProvider,
    RuntimeVersionProvider,
    Settings,
)
from pulumi_agents.agentrun.service import OWNER_VARIABLE
from tests.conftest import Emulator
from tests.runtimes import code_runtime

# The inputs' rules, offline: the credentials check before a first check has its own tests
# (tests/test_credentials.py).
pytestmark = pytest.mark.usefixtures("offline")

runtimes = AgentRuntimeProvider()
versions = RuntimeVersionProvider()
endpoints = AgentRuntimeEndpointProvider()


def client() -> AgentRunClient:
    return AgentRunClient(Settings.from_sources())


def runtime() -> tuple[str, dict[str, Any]]:
    created = runtimes.create(code_runtime())
    return created.id, created.outs


def publish(runtime_id: str, **props: Any) -> tuple[str, dict[str, Any]]:
    created = versions.create({"agentRuntimeId": runtime_id, **props})
    return created.id, created.outs


def endpoint(runtime_id: str, **props: Any) -> dict[str, Any]:
    return {"agentRuntimeId": runtime_id, "agentRuntimeEndpointName": "prod", **props}


def weights(*pairs: tuple[str, float]) -> dict[str, Any]:
    return {"versionWeights": [{"version": v, "weight": w} for v, w in pairs]}


# -- versions ---------------------------------------------------------------------------------


def test_publishing_waits_for_ready_and_freezes_the_configuration(agentrun_env: Emulator) -> None:
    with client() as c:
        created = c.create_runtime(code_runtime())  # still CREATING when the version is published
    runtime_id = created["agentRuntimeId"]
    version_id, outs = publish(runtime_id, description="first", publisher="ci")
    assert version_id == f"{runtime_id}/1" and outs["agentRuntimeVersion"] == "1"
    assert outs["description"] == "first" and outs["runtime"]["status"] == "READY"
    # The frozen configuration never carries the runtime's secrets into the state.
    assert outs["runtime"]["environmentVariables"] == {"OPENAI_API_KEY": "***"}
    runtimes.update(runtime_id, runtimes.read(runtime_id, {}).outs, code_runtime(memory=4096))
    _, second = publish(runtime_id)
    assert second["agentRuntimeVersion"] == "2" and second["runtime"]["memory"] == 4096
    assert versions.read(version_id, outs).outs["runtime"]["memory"] == 2048  # version 1 is immutable


def test_the_frozen_configuration_carries_no_owner_mark(agentrun_env: Emulator) -> None:
    """The provider marks each runtime it creates (PULUMI_AGENTS_OWNER, never shown to the program);
    a version's frozen configuration showed it, so `preview --diff` listed an internal variable."""
    runtime_id, outs = runtime()
    with client() as c:
        assert OWNER_VARIABLE in c.get_runtime(runtime_id)["environmentVariables"]  # the service has it
    assert OWNER_VARIABLE not in outs["environmentVariables"]
    version_id, published = publish(runtime_id)
    assert published["runtime"]["environmentVariables"] == {"OPENAI_API_KEY": "***"}
    assert OWNER_VARIABLE not in versions.read(version_id, published).outs["runtime"]["environmentVariables"]


def test_a_version_never_changes_in_place(agentrun_env: Emulator) -> None:
    runtime_id, _ = runtime()
    version_id, outs = publish(runtime_id, description="first")
    news = {"agentRuntimeId": runtime_id, "description": "second"}
    assert versions.diff(version_id, outs, news).replaces == ["description"]
    assert versions.diff(version_id, outs, {**news, "description": "first", "triggers": ["2"]}).replaces == ["triggers"]
    assert versions.diff(version_id, outs, {"agentRuntimeId": runtime_id}).replaces == ["description"]  # removed
    assert versions.diff(version_id, outs, {"agentRuntimeId": runtime_id, "description": "first"}).changes is False
    versions.delete(version_id, outs)  # forgets it: the API has no delete for versions
    assert versions.read(version_id, outs).id == version_id


def test_a_version_of_a_deleted_runtime_is_gone(agentrun_env: Emulator) -> None:
    runtime_id, outs = runtime()
    version_id, _ = publish(runtime_id)
    runtimes.delete(runtime_id, outs)
    assert versions.read(version_id, {}).id == ""


def test_a_lost_publish_answer_adopts_the_version_instead_of_publishing_twice(
    agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime_id, _ = runtime()
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "1")
    path = f"/2025-09-10/agents/runtimes/{runtime_id}/versions"
    agentrun_env.fault(kind="lost", method="POST", path=path, seconds=2)
    version_id, outs = publish(runtime_id, description="once")
    with client() as c:
        assert [v["agentRuntimeVersion"] for v in c.list_versions(runtime_id)] == ["1"]
    assert version_id.endswith("/1") and outs["description"] == "once"


def test_a_lost_publish_answer_adopts_the_version_though_the_list_has_no_publisher(
    agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API takes a publisher and never returns it: adoption compares what a listed version has."""
    runtime_id, _ = runtime()
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "1")
    path = f"/2025-09-10/agents/runtimes/{runtime_id}/versions"
    agentrun_env.fault(kind="lost", method="POST", path=path, seconds=2)
    version_id, outs = publish(runtime_id, description="once", publisher="ci")
    with client() as c:
        listed = c.list_versions(runtime_id)
    assert [v["agentRuntimeVersion"] for v in listed] == ["1"] and "publisher" not in listed[0]
    assert version_id.endswith("/1") and (outs["description"], outs["publisher"]) == ("once", "ci")
    # Written only: the state keeps what was sent, and a read keeps it too (no diff, no replace).
    found = versions.read(version_id, {"agentRuntimeId": runtime_id, "description": "once", "publisher": "ci"})
    assert found.outs["publisher"] == "ci" and found.inputs["publisher"] == "ci"
    assert (
        versions.diff(
            version_id, found.outs, {"agentRuntimeId": runtime_id, "description": "once", "publisher": "ci"}
        ).changes
        is False
    )


# -- endpoints --------------------------------------------------------------------------------


def test_endpoint_create_update_read_delete(agentrun_env: Emulator) -> None:
    runtime_id, _ = runtime()
    publish(runtime_id)
    publish(runtime_id)
    props = endpoint(runtime_id, targetVersion="1", routingConfiguration=weights(("2", 0.1)), description="live")
    created = endpoints.create(props)
    endpoint_id = created.outs["agentRuntimeEndpointId"]
    assert created.id == f"{runtime_id}/{endpoint_id}" and created.outs["status"] == "READY"
    assert created.outs["agentRuntimeEndpointArn"].endswith(endpoint_id) and created.outs["endpointPublicUrl"]
    assert created.outs["routingConfiguration"] == weights(("2", 0.1))
    assert endpoints.diff(created.id, created.outs, props).changes is False  # no perpetual diff

    # Moving the canary from 10% to 50% is an in-place update of that one field.
    canary = {**props, "routingConfiguration": weights(("2", 0.5))}
    diff = endpoints.diff(created.id, created.outs, canary)
    assert diff.changes and diff.replaces == []
    updated = endpoints.update(created.id, created.outs, canary).outs
    with client() as c:
        assert c.get_endpoint(runtime_id, endpoint_id)["routingConfiguration"] == weights(("2", 0.5))
    assert updated["routingConfiguration"] == weights(("2", 0.5))

    # Removing the weights and the description clears them; target_version goes back to LATEST.
    plain = endpoint(runtime_id)
    endpoints.update(created.id, updated, plain)
    with client() as c:
        now = c.get_endpoint(runtime_id, endpoint_id)
    assert now["routingConfiguration"]["versionWeights"] == [] and now["description"] == ""
    assert now["targetVersion"] == "LATEST"

    assert endpoints.diff(created.id, updated, {**plain, "agentRuntimeEndpointName": "other"}).replaces == [
        "agentRuntimeEndpointName"
    ]
    endpoints.delete(created.id, updated)
    with client() as c:
        assert c.list_endpoints(runtime_id) == []
    assert endpoints.read(created.id, updated).id == ""


def test_scaling_drift_is_seen_and_removing_it_deletes_it(agentrun_env: Emulator) -> None:
    runtime_id, _ = runtime()
    scaling = {
        "minInstances": 2,
        "scheduledPolicies": [{"name": "day", "scheduleExpression": "cron(0 0 8 * * *)", "target": 4}],
    }
    created = endpoints.create(endpoint(runtime_id, scalingConfig=scaling))
    runtime_id, endpoint_id = created.id.split("/")
    with client() as c:
        c.update_endpoint(runtime_id, endpoint_id, {"scalingConfig": {"minInstances": 0}})
    refreshed = endpoints.read(created.id, created.outs)
    assert refreshed.outs["scalingConfig"]["minInstances"] == 0
    assert endpoints.diff(created.id, refreshed.outs, endpoint(runtime_id, scalingConfig=scaling)).changes
    endpoints.update(created.id, refreshed.outs, endpoint(runtime_id))
    with client() as c:
        assert not (c.get_endpoint(runtime_id, endpoint_id).get("scalingStatus") or {}).get("minInstances")


def test_a_failed_endpoint_is_removed_and_reported(agentrun_env: Emulator) -> None:
    runtime_id, _ = runtime()
    agentrun_env.control(
        "POST",
        "/_emulator/agentrun/failures",
        {"agentRuntimeEndpointName": "prod", "operation": "create", "statusReason": "no capacity"},
    )
    with pytest.raises(ProviderError, match=r"CREATE_FAILED \(no capacity\).*was deleted"):
        endpoints.create(endpoint(runtime_id))
    with client() as c:
        assert c.list_endpoints(runtime_id) == []


def test_a_lost_create_answer_never_makes_a_second_endpoint(
    agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime_id, _ = runtime()
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "1")
    agentrun_env.fault(
        kind="lost", method="POST", path=f"/2025-09-10/agents/runtimes/{runtime_id}/endpoints", seconds=2
    )
    created = endpoints.create(endpoint(runtime_id))
    with client() as c:
        assert [e["agentRuntimeEndpointId"] for e in c.list_endpoints(runtime_id)] == [created.id.split("/")[1]]


def test_a_runtime_with_foreign_endpoints_says_what_blocks_its_delete(agentrun_env: Emulator) -> None:
    runtime_id, outs = runtime()
    with client() as c:
        c.create_endpoint(runtime_id, {"agentRuntimeEndpointName": "hand-made"})
    with pytest.raises(ProviderError, match=r"still has endpoints this stack does not manage \(hand-made\)"):
        runtimes.delete(runtime_id, outs)


# -- checks at preview ------------------------------------------------------------------------


def test_weights_are_ratios_and_the_message_shows_the_conversion() -> None:
    failures = endpoints.check({}, endpoint("ar-1", targetVersion="1", routingConfiguration=weights(("2", 10))))
    assert [(f.property, f.reason) for f in failures.failures] == [
        (
            "",
            "routing_configuration.version_weights[0].weight [routingConfiguration.versionWeights[0].weight]: "
            "is a percentage: weights are ratios from 0.0 to 1.0, so write 0.1 for 10%",
        )
    ]


@pytest.mark.parametrize(
    ("routing", "reason"),
    [
        (weights(("2", 0.6), ("3", 0.6)), "the weights sum to 1.2, more than 1"),
        (weights(("2", 0.1), ("2", 0.2)), "'2' is already used by versionWeights[0]"),
        (weights(("1", 0.1)), "is the targetVersion (1): a weighted version must be another one"),
    ],
)
def test_routing_rules(routing: dict[str, Any], reason: str) -> None:
    failures = endpoints.check({}, endpoint("ar-1", targetVersion="1", routingConfiguration=routing)).failures
    [failure] = failures
    assert failure.reason.endswith(f": {reason}"), failure.reason


def test_versions_named_must_be_published(agentrun_env: Emulator) -> None:
    runtime_id, _ = runtime()
    publish(runtime_id)
    failures = endpoints.check({}, endpoint(runtime_id, targetVersion="1", routingConfiguration=weights(("7", 0.2))))
    assert [(f.property, f.reason) for f in failures.failures] == [
        (
            "",
            "routing_configuration.version_weights[0].version: "
            f"version 7 is not published for runtime {runtime_id} (published: 1)",
        )
    ]
    # Unknown at preview (the version is published in the same update): nothing to check yet.
    unknown = endpoint(runtime_id, targetVersion=UNKNOWN, routingConfiguration=weights((UNKNOWN, 0.2)))
    assert endpoints.check({}, unknown).failures == []


def test_an_unchanged_endpoint_is_not_checked_against_the_api_again(agentrun_env: Emulator) -> None:
    runtime_id, _ = runtime()
    kept = endpoint(runtime_id, targetVersion="7")
    assert [f.reason for f in endpoints.check({}, kept).failures] == [
        f"target_version: version 7 is not published for runtime {runtime_id} (published: none yet)"
    ]
    # Inputs in the state passed the check that put them there (versions are never deleted), so a
    # preview of an unchanged endpoint asks the API nothing; any change checks it all again.
    assert endpoints.check(kept, dict(kept)).failures == []
    assert len(endpoints.check(kept, {**kept, "description": "changed"}).failures) == 1


def test_whole_values_unknown_at_preview_are_skipped() -> None:
    from pulumi.output import Unknown

    assert endpoints.check({}, endpoint("ar-1", routingConfiguration=Unknown(), targetVersion=Unknown())).failures == []
