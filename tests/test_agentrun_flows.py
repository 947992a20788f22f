"""agentrun.Flow, FlowVersion and FlowEndpoint: the vendor's own SDK (alibabacloud-agentrun20250910)
runs every operation of each against the emulator, every answer parsing into its SDK model with no
key the model does not know; the life cycle runs at the provider level (a version publishes once,
adopted after a lost answer; an endpoint's weights are the vendor's 0-100); the flow's variable
values are secrets; and each entry holds every field of the SDK's create input, with what the
update input lacks replacing."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_agentrun20250910 import models
from alibabacloud_tea_openapi.exceptions import ClientException
from pulumi.runtime.rpc import is_rpc_secret

from pulumi_agents._api import api
from pulumi_agents._schema import definition
from pulumi_agents._validate import validate
from pulumi_agents.agentrun import FlowEndpointProvider, FlowProvider, FlowVersionProvider
from pulumi_agents.agentrun.client import AgentRunClient, Settings
from pulumi_agents.review.meaning import Change, meaning_of
from tests.conftest import Emulator
from tests.provider_host import unmarked
from tests.test_agentrun_kinds_b import _nested, assert_known, wire_fields
from tests.test_agentrun_workspaces import Raw, official

FLOW: dict[str, Any] = {
    "flowName": "triage",
    "definition": '{"steps": [{"name": "classify"}]}',
    "description": "routes tickets",
    "disablePublicNetworkAccess": False,
    "environmentConfiguration": {"variables": [{"name": "API_KEY", "value": "k-secret", "description": "the key"}]},
    "executionRoleArn": "acs:ram::1:role/flow",
    "externalStorageLocation": "oss://history/triage",
    "loggingConfiguration": {"destinations": [{"slsLogDestination": {"project": "logs", "logStore": "flows"}}]},
    "tracingConfiguration": {"enabled": True},
    "workspaceId": "ws-1",
}
FLOW_CHANGE: dict[str, Any] = {"definition": '{"steps": []}', "description": "routes faster"}
ENDPOINT: dict[str, Any] = {
    "flowEndpointName": "prod",
    "description": "live",
    "targetVersion": "1",
    "routingConfiguration": [{"version": "2", "weight": 10}],
}
ENDPOINT_CHANGE: dict[str, Any] = {"routingConfiguration": [{"version": "2", "weight": 50}], "description": "half"}


# -- the official SDK against the emulator --------------------------------------------------------


def test_the_official_sdk_runs_a_flow_its_versions_and_its_endpoints(emulator: Emulator) -> None:
    client = official(emulator)
    client.create_flow(models.CreateFlowRequest(body=models.CreateFlowInput().from_map(FLOW)))
    assert_known(models.Flow, client.data)
    made = client.data
    assert made["flowId"].startswith("flow-") and made["flowArn"].endswith(":flows/triage")
    client.get_flow("triage", models.GetFlowRequest())
    assert_known(models.Flow, client.data)
    assert {k: client.data[k] for k in FLOW} == FLOW
    client.update_flow("triage", models.UpdateFlowRequest(body=models.UpdateFlowInput().from_map(FLOW_CHANGE)))
    assert_known(models.Flow, client.data)
    assert {k: client.data[k] for k in FLOW_CHANGE} == FLOW_CHANGE
    # The draft (the emulator's reading: the flow as it is) takes UpdateFlowDraftInput's fields only.
    client.update_flow_draft(
        "triage", models.UpdateFlowDraftRequest(body=models.UpdateFlowDraftInput(description="drafted"))
    )
    client.get_flow_draft("triage", models.GetFlowDraftRequest())
    assert_known(models.Flow, client.data)
    assert client.data["description"] == "drafted"
    with pytest.raises(ClientException) as caught:
        client.update_flow_draft("triage", models.UpdateFlowDraftRequest(body=Raw({"workspaceId": "ws-2"})))
    assert caught.value.status_code == 400 and "UpdateFlowDraftInput" in str(caught.value)
    client.update_flow("triage", models.UpdateFlowRequest(body=models.UpdateFlowInput(description="routes faster")))
    listed = client.list_flows(models.ListFlowsRequest(flow_name="tri")).body.data
    assert isinstance(listed, models.ListFlowsOutput) and [f.flow_name for f in listed.items] == ["triage"]
    for item in client.data["items"]:
        assert_known(models.Flow, item)

    # Versions: numbered from 1, each freezing the flow; the list leaves the snapshot out.
    for n in ("1", "2"):
        body = models.PublishFlowVersionInput(description=f"cut {n}")
        client.publish_flow_version("triage", models.PublishFlowVersionRequest(body=body))
        assert_known(models.FlowVersion, client.data)
        assert client.data["flowVersion"] == n and client.data["flowId"] == made["flowId"]
    client.get_flow_version("triage", "1", models.GetFlowVersionRequest())
    assert_known(models.FlowVersion, client.data)
    assert client.data["definition"] == FLOW_CHANGE["definition"]
    assert client.data["environmentConfiguration"] == FLOW["environmentConfiguration"]
    client.list_flow_versions("triage", models.ListFlowVersionsRequest())
    assert [v["flowVersion"] for v in client.data["items"]] == ["1", "2"]
    for item in client.data["items"]:
        assert_known(models.FlowVersion, item)
        assert "definition" not in item

    # Endpoints: the list's path names the flow as flow_id.
    body = models.CreateFlowEndpointInput().from_map(ENDPOINT)
    client.create_flow_endpoint("triage", models.CreateFlowEndpointRequest(body=body))
    assert_known(models.FlowEndpoint, client.data)
    assert client.data["flowId"] == made["flowId"] and client.data["flowEndpointId"].startswith("fe-")
    client.get_flow_endpoint("triage", "prod", models.GetFlowEndpointRequest())
    assert_known(models.FlowEndpoint, client.data)
    assert {k: client.data[k] for k in ENDPOINT} == ENDPOINT
    update = models.UpdateFlowEndpointInput().from_map(ENDPOINT_CHANGE)
    client.update_flow_endpoint("triage", "prod", models.UpdateFlowEndpointRequest(body=update))
    assert {k: client.data[k] for k in ENDPOINT_CHANGE} == ENDPOINT_CHANGE
    listed_endpoints = client.list_flow_endpoints("triage", models.ListFlowEndpointsRequest()).body.data
    assert isinstance(listed_endpoints, models.ListFlowEndpointsOutput)
    assert [e.flow_endpoint_name for e in listed_endpoints.items] == ["prod"]
    for item in client.data["items"]:
        assert_known(models.FlowEndpoint, item)

    client.delete_flow_endpoint("triage", "prod", models.DeleteFlowEndpointRequest())
    client.delete_flow_version("triage", "2", models.DeleteFlowVersionRequest())
    client.list_flow_versions("triage", models.ListFlowVersionsRequest())
    assert [v["flowVersion"] for v in client.data["items"]] == ["1"]
    client.delete_flow("triage", models.DeleteFlowRequest())
    with pytest.raises(ClientException) as caught:
        client.get_flow("triage", models.GetFlowRequest())
    assert caught.value.status_code == 404


def test_versions_and_endpoints_need_their_flow_and_published_versions(emulator: Emulator) -> None:
    client = official(emulator)
    body = models.CreateFlowEndpointInput().from_map(ENDPOINT)
    with pytest.raises(ClientException) as caught:
        client.create_flow_endpoint("nowhere", models.CreateFlowEndpointRequest(body=body))
    assert caught.value.status_code == 404 and "flow nowhere" in str(caught.value)
    client.create_flow(models.CreateFlowRequest(body=models.CreateFlowInput(flow_name="triage")))
    with pytest.raises(ClientException) as caught:
        client.create_flow_endpoint("triage", models.CreateFlowEndpointRequest(body=body))
    assert caught.value.status_code == 400 and "version 1 of flow triage is not published" in str(caught.value)
    # Two flows may each have a "prod" endpoint and a version 1.
    client.create_flow(models.CreateFlowRequest(body=models.CreateFlowInput(flow_name="other")))
    for flow in ("triage", "other"):
        client.publish_flow_version(flow, models.PublishFlowVersionRequest(body=models.PublishFlowVersionInput()))
        one = models.CreateFlowEndpointInput(flow_endpoint_name="prod", target_version="1")
        client.create_flow_endpoint(flow, models.CreateFlowEndpointRequest(body=one))
    client.delete_flow("other", models.DeleteFlowRequest())  # its versions and endpoints go with it
    client.get_flow_endpoint("triage", "prod", models.GetFlowEndpointRequest())
    assert client.data["flowEndpointName"] == "prod"


# -- the life cycle at the provider level ------------------------------------------------------------


def test_flow_life_cycle(agentrun_env: Emulator) -> None:
    provider = FlowProvider()
    assert provider.check({}, dict(FLOW)).failures == []
    created = provider.create(dict(FLOW))
    assert created.id == "triage"
    variables = created.outs["environmentConfiguration"]
    assert is_rpc_secret(variables) or is_rpc_secret(variables["variables"][0]["value"])
    outs = unmarked(created.outs)
    assert provider.diff(created.id, outs, dict(FLOW)).changes is False
    refreshed = unmarked(provider.read(created.id, outs).outs)
    assert provider.diff(created.id, refreshed, dict(FLOW)).changes is False
    news = {**FLOW, **FLOW_CHANGE}
    diff = provider.diff(created.id, refreshed, news)
    assert diff.changes and diff.replaces == []
    updated = unmarked(provider.update(created.id, refreshed, news).outs)
    assert {k: updated[k] for k in FLOW_CHANGE} == FLOW_CHANGE
    assert provider.diff(created.id, updated, news).changes is False
    assert provider.diff(created.id, updated, {**news, "flowName": "triage-2"}).replaces == ["flowName"]
    provider.delete(created.id, updated)
    assert provider.read(created.id, updated).id == ""


def test_versions_publish_once_and_endpoints_route_by_percent(
    agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    FlowProvider().create(dict(FLOW))
    versions = FlowVersionProvider()
    one = versions.create({"flowName": "triage", "description": "first"})
    assert one.id == "triage/1" and one.outs["flowVersion"] == "1"
    assert unmarked(one.outs)["definition"] == FLOW["definition"]
    assert versions.diff(one.id, unmarked(one.outs), {"flowName": "triage", "description": "first"}).changes is False
    again = versions.diff(one.id, unmarked(one.outs), {"flowName": "triage", "description": "second"})
    assert again.replaces == ["description"]
    # A lost answer adopts what was published instead of publishing twice.
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "1")
    agentrun_env.fault(kind="lost", method="POST", path="/2025-09-10/flows/triage/versions", seconds=2)
    two = versions.create({"flowName": "triage", "description": "second"})
    monkeypatch.delenv("AGENTRUN_HTTP_TIMEOUT")
    assert two.id == "triage/2"
    with AgentRunClient(Settings.from_sources()) as c:
        spec = api("FlowVersion")
        assert spec is not None
        listed = c.request(spec.operation("list"), spec.path("list", {"flowName": "triage"}))
    assert [v["flowVersion"] for v in listed["items"]] == ["1", "2"]

    endpoints = FlowEndpointProvider()
    props = {"flowName": "triage", **ENDPOINT}
    assert endpoints.check({}, props).failures == []
    over = {**props, "routingConfiguration": [{"version": "2", "weight": 0.1}]}
    assert endpoints.check({}, over).failures  # a ratio is no percentage
    created = endpoints.create(props)
    assert created.id == "triage/prod"
    outs = unmarked(created.outs)
    assert outs["flowName"] == "triage" and outs["routingConfiguration"] == [{"version": "2", "weight": 10}]
    refreshed = unmarked(endpoints.read(created.id, outs).outs)
    assert endpoints.diff(created.id, refreshed, props).changes is False
    news = {**props, **ENDPOINT_CHANGE}
    assert endpoints.diff(created.id, refreshed, news).replaces == []
    updated = unmarked(endpoints.update(created.id, refreshed, news).outs)
    assert updated["routingConfiguration"] == [{"version": "2", "weight": 50}]
    assert endpoints.diff(created.id, updated, {**news, "flowEndpointName": "canary"}).replaces == ["flowEndpointName"]
    endpoints.delete(created.id, updated)
    assert endpoints.read(created.id, updated).id == ""
    versions.delete(two.id, unmarked(two.outs))
    assert versions.read(two.id, {}).id == ""


def test_an_endpoint_adopts_what_a_lost_answer_made_and_refuses_another_one(
    agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    FlowProvider().create({"flowName": "triage"})
    for _ in range(2):
        FlowVersionProvider().create({"flowName": "triage"})
    props = {"flowName": "triage", "flowEndpointName": "prod", "targetVersion": "1"}
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "1")
    agentrun_env.fault(kind="lost", method="POST", path="/2025-09-10/flows/triage/endpoints", seconds=2)
    assert FlowEndpointProvider().create(props).id == "triage/prod"  # adopted: it holds what was sent
    monkeypatch.delenv("AGENTRUN_HTTP_TIMEOUT")
    with pytest.raises(Exception, match=r"pulumi import agentrun:index:FlowEndpoint .* triage/prod"):
        FlowEndpointProvider().create({**props, "targetVersion": "2"})  # not what the one there holds


def test_a_preview_names_the_versions_not_published(agentrun_env: Emulator) -> None:
    FlowProvider().create({"flowName": "triage"})
    FlowVersionProvider().create({"flowName": "triage"})
    props = {"flowName": "triage", **ENDPOINT, "routingConfiguration": [{"version": "7", "weight": 10}]}
    assert [(f.property, f.reason) for f in FlowEndpointProvider().check({}, props).failures] == [
        ("", "routing_configuration[0].version: version 7 is not published for flow triage (published: 1)")
    ]
    # A flow not made yet (in the same update) has nothing to check against: the API says so later.
    assert FlowEndpointProvider().check({}, {**props, "flowName": "nowhere"}).failures == []


@pytest.mark.parametrize(
    ("routing", "reason"),
    [
        ([{"version": "2", "weight": 101}], "100"),
        ([{"version": "2", "weight": 60}, {"version": "3", "weight": 60}], "sum to 120"),
        ([{"version": "1", "weight": 10}], "targetVersion"),
        ([{"version": "2", "weight": 10}, {"version": "2", "weight": 20}], "already used"),
    ],
)
def test_routing_rules(routing: list[dict[str, Any]], reason: str) -> None:
    failures = validate(
        "FlowEndpoint",
        {"flowName": "f", "flowEndpointName": "e", "targetVersion": "1", "routingConfiguration": routing},
    )
    assert failures and reason in " ".join(str(f) for f in failures), failures


# -- the entries hold the SDK's fields ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "create", "update", "output", "parents"),
    [
        ("Flow", models.CreateFlowInput, models.UpdateFlowInput, models.Flow, set()),
        ("FlowVersion", models.PublishFlowVersionInput, None, models.FlowVersion, {"flowName"}),
        (
            "FlowEndpoint",
            models.CreateFlowEndpointInput,
            models.UpdateFlowEndpointInput,
            models.FlowEndpoint,
            {"flowName"},
        ),
    ],
)
def test_every_create_field_is_an_argument_and_what_update_lacks_replaces(
    type_name: str, create: Any, update: Any, output: Any, parents: set[str]
) -> None:
    entry = definition(type_name)
    props = entry["properties"]
    arguments = {k for k, v in props.items() if not v.get("readOnly") and not v.get("x-provider-option")}
    assert arguments - parents == wire_fields(create)
    name = entry["x-api"].get("name")  # addressed by name: a new name is another resource
    updatable = (wire_fields(update) if update else set()) - {name}
    for field in arguments - updatable:
        assert props[field].get("x-replace-on-change"), field
    for field in arguments & updatable:
        assert "x-replace-on-change" not in props[field], field
    assert {k for k, v in props.items() if v.get("readOnly")} <= wire_fields(output)
    for field in arguments - parents - wire_fields(output):  # a parent is in the id
        assert props[field].get("writeOnly"), field
    for field, prop in props.items():
        assert prop.get("description"), field
        if field in arguments and field not in entry["required"]:
            assert prop.get("x-on-remove"), field


def test_nested_definitions_hold_the_sdks_fields() -> None:
    pairs = {
        "FlowEnvironmentConfiguration": models.EnvironmentConfiguration,
        "FlowEnvironmentVariable": models.EnvironmentVariable,
        "FlowLoggingConfiguration": models.LoggingConfiguration,
        "FlowLogDestination": models.LogDestination,
        "FlowSlsLogDestination": models.SLSLogDestination,
        "FlowTracingConfiguration": models.TracingConfiguration,
        "FlowEndpointRoute": models.FlowEndpointRoutingConfig,
    }
    for ref, model in pairs.items():
        _nested(model, ref)
    assert definition("FlowEnvironmentVariable")["properties"]["value"].get("x-secret") is True


# -- the review ---------------------------------------------------------------------------------------


def test_the_review_reads_weights_as_percentages_and_versions_as_published() -> None:
    endpoint = meaning_of("FlowEndpoint")
    old = {"flowName": "triage", **ENDPOINT}
    new = {**old, **ENDPOINT_CHANGE}
    assert endpoint.describe(Change("FlowEndpoint", "create", {}, old, {})) == [
        "serves traffic: version 1 90% / version 2 10%"
    ]
    assert endpoint.describe(Change("FlowEndpoint", "update", old, new, old)) == [
        "**traffic: version 1 90% / version 2 10% → version 1 50% / version 2 50%**"
    ]
    version = meaning_of("FlowVersion")
    published = {"flowName": "triage", "flowVersion": "1"}
    assert version.describe(Change("FlowVersion", "create", {}, published, {})) == [
        "publishes a new version of the flow"
    ]
    assert version.describe(Change("FlowVersion", "replace", published, published, published)) == [
        "publishes a new version of the flow, then deletes version 1"
    ]
    assert version.describe(Change("FlowVersion", "delete", published, {}, published)) == [
        "deletes version 1 of the flow"
    ]
