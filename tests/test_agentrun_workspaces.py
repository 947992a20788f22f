"""Workspaces, served by the emulator's generic model from schema.json's entry alone, as the
vendor's own SDK (alibabacloud-agentrun20250910) sees them: every answer parses into the SDK's
model with no key the model does not know."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alibabacloud_agentrun20250910 import models
from alibabacloud_agentrun20250910.client import Client
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.model import DaraModel

from pulumi_agents._schema import definition
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, Emulator, free_port, start_emulator

Answer = dict[str, Any]


class Recording(Client):
    """The official client, keeping each raw answer (before the SDK's models drop unknown keys)."""

    answers: list[Answer]

    def call_api(self, params: Any, request: Any, runtime: Any) -> Any:
        answer = super().call_api(params, request, runtime)
        self.answers.append(answer)
        return answer

    @property
    def data(self) -> Any:
        return self.answers[-1]["body"]["data"]


class Raw(DaraModel):
    """A request body sent as is: what the SDK's typed models cannot send."""

    def __init__(self, body: Answer) -> None:
        self.body = body

    def to_map(self) -> Answer:
        return self.body


def official(emulator: Emulator) -> Recording:
    client = Recording(
        openapi.Config(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            endpoint=emulator.host,
            protocol="http",
            region_id="cn-hangzhou",
        )
    )
    client.answers = []
    return client


def model_keys(model: DaraModel, raw: Answer) -> set[str]:
    """The keys of ``raw`` the SDK's ``model`` knows: those that survive from_map and to_map."""
    return set(model.from_map(raw).to_map())


def assert_workspace(raw: Answer) -> None:
    assert set(raw) == model_keys(models.Workspace(), raw), sorted(set(raw) - model_keys(models.Workspace(), raw))


def create(client: Recording, name: str, **fields: Any) -> models.Workspace:
    body = models.CreateWorkspaceInput(name=name, **fields)
    answer = client.create_workspace(models.CreateWorkspaceRequest(body=body)).body
    assert answer.code == "SUCCESS" and answer.request_id
    assert_workspace(client.data)
    workspace: models.Workspace = answer.data
    return workspace


def refused(call: Any) -> ClientException:
    with pytest.raises(ClientException) as caught:
        call()
    error = caught.value
    # AgentRun's error envelope (the SDK adds statusCode), never a 500.
    assert set(error.data) == {"code", "message", "requestId", "statusCode"} and error.status_code < 500
    return error


def test_create_get_update_delete(emulator: Emulator) -> None:
    client = official(emulator)
    made = create(client, "team-a", description="for team A", enable_preset_model=True, resource_group_id="rg-acfm2abc")
    assert made.workspace_id.startswith("ws-") and len(made.workspace_id) == len("ws-") + 16
    assert made.workspace_arn == f"acs:agentrun:cn-hangzhou:1760720386195983:workspaces/{made.workspace_id}"
    assert (made.name, made.description, made.resource_group_id, made.is_default) == (
        "team-a",
        "for team A",
        "rg-acfm2abc",
        False,
    )
    assert made.created_at.endswith("Z") and made.updated_at == made.created_at
    # Write-only: kept, never reported.
    assert "enablePresetModel" not in client.data

    got = client.get_workspace(made.workspace_id).body.data
    assert_workspace(client.data)
    assert got.to_map() == made.to_map()

    update = models.UpdateWorkspaceInput(description="for team A and B")
    updated = client.update_workspace(made.workspace_id, models.UpdateWorkspaceRequest(body=update)).body.data
    assert_workspace(client.data)
    assert (updated.description, updated.name, updated.workspace_id) == (
        "for team A and B",
        "team-a",
        made.workspace_id,
    )
    assert client.get_workspace(made.workspace_id).body.data.description == "for team A and B"

    deleted = client.delete_workspace(made.workspace_id).body
    assert deleted.code == "SUCCESS"
    assert_workspace(client.data)
    assert deleted.data.workspace_id == made.workspace_id
    for call in (client.get_workspace, client.delete_workspace):
        gone = refused(lambda call=call: call(made.workspace_id))
        assert gone.status_code == 404 and gone.code == "ERR_NOT_FOUND" and "does not exist" in gone.message


def test_a_create_without_the_optional_fields_gets_the_defaults(emulator: Emulator) -> None:
    client = official(emulator)
    made = create(client, "bare")
    assert made.description == ""  # schema.json's default
    assert made.is_default is False


def test_names_may_repeat(emulator: Emulator) -> None:
    client = official(emulator)
    first, second = create(client, "same"), create(client, "same")
    assert first.workspace_id != second.workspace_id
    listed = client.list_workspaces(models.ListWorkspacesRequest(name="same")).body.data
    assert listed.total == 2


def test_list_pages_and_filters(emulator: Emulator) -> None:
    client = official(emulator)
    made = [create(client, f"team-{i}", resource_group_id="rg-even" if i % 2 == 0 else "rg-odd") for i in range(7)]
    made.append(create(client, "other"))
    ids = [w.workspace_id for w in made]

    seen: list[str] = []
    for number in (1, 2, 3):
        request = models.ListWorkspacesRequest(page_number=str(number), page_size="3")
        page = client.list_workspaces(request).body.data
        raw = client.data
        assert (
            set(raw)
            == model_keys(models.ListWorkspacesOutput(), raw)
            == {
                "pageNumber",
                "pageSize",
                "total",
                "workspaces",
            }
        )
        for item in raw["workspaces"]:
            assert_workspace(item)
        assert (page.page_number, page.page_size, page.total) == (number, 3, 8)
        assert len(page.workspaces) == (3 if number < 3 else 2)
        seen += [w.workspace_id for w in page.workspaces]
    assert seen == ids  # creation order, each once

    past = client.list_workspaces(models.ListWorkspacesRequest(page_number="4", page_size="3")).body.data
    assert (past.total, past.workspaces) == (8, [])

    # The name matches as a substring; the provider keeps the exact matches itself.
    by_name = client.list_workspaces(models.ListWorkspacesRequest(name="team", page_size="100")).body.data
    assert [w.workspace_id for w in by_name.workspaces] == ids[:7] and by_name.total == 7
    one = client.list_workspaces(models.ListWorkspacesRequest(name="team-3")).body.data
    assert [w.name for w in one.workspaces] == ["team-3"]
    none = client.list_workspaces(models.ListWorkspacesRequest(name="nobody")).body.data
    assert (none.total, none.workspaces) == (0, [])

    group = client.list_workspaces(models.ListWorkspacesRequest(resource_group_id="rg-odd")).body.data
    assert [w.name for w in group.workspaces] == ["team-1", "team-3", "team-5"]

    bad = refused(lambda: client.list_workspaces(models.ListWorkspacesRequest(page_number="0")))
    assert bad.status_code == 400 and bad.code == "ERR_VALIDATION_FAILED"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 500}, "name"),
        ({"name": ""}, "name"),
        ({"description": "no name"}, "name"),
        ({"name": "ok", "description": 5}, "description"),
        ({"name": "ok", "description": "d" * 257}, "description"),
        ({"name": "ok", "enablePresetModel": "yes"}, "enablePresetModel"),
        ({"name": "ok", "resourceGroupId": ""}, "resourceGroupId"),
        ({"name": "ok", "colour": "blue"}, "colour"),
        ({"name": "ok", "workspaceId": "ws-mine"}, "workspaceId"),
        ({"name": "ok", "isDefault": True}, "isDefault"),
        ({"name": ["a"]}, "name"),
    ],
)
def test_a_bad_create_is_a_400_naming_the_field(emulator: Emulator, body: Answer, field: str) -> None:
    client = official(emulator)
    error = refused(lambda: client.create_workspace(models.CreateWorkspaceRequest(body=Raw(body))))
    assert (error.status_code, error.code) == (400, "ERR_VALIDATION_FAILED")
    assert field in error.message and error.request_id
    listed = client.list_workspaces(models.ListWorkspacesRequest()).body.data
    assert listed.total == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "renamed"}, "name"),
        ({"resourceGroupId": "rg-other"}, "resourceGroupId"),
        ({"enablePresetModel": True}, "enablePresetModel"),
        ({"isDefault": True}, "isDefault"),
        ({"description": 5}, "description"),
        ({"description": "d" * 257}, "description"),
    ],
)
def test_an_update_takes_only_the_description(emulator: Emulator, body: Answer, field: str) -> None:
    client = official(emulator)
    made = create(client, "fixed", description="before")
    request = models.UpdateWorkspaceRequest(body=Raw(body))
    error = refused(lambda: client.update_workspace(made.workspace_id, request))
    assert (error.status_code, error.code) == (400, "ERR_VALIDATION_FAILED")
    assert field in error.message
    assert client.get_workspace(made.workspace_id).body.data.to_map() == made.to_map()


def test_an_update_of_a_missing_workspace_is_a_404(emulator: Emulator) -> None:
    client = official(emulator)
    request = models.UpdateWorkspaceRequest(body=models.UpdateWorkspaceInput(description="x"))
    error = refused(lambda: client.update_workspace("ws-0000000000000000", request))
    assert error.status_code == 404 and "does not exist" in error.message


def test_workspaces_survive_a_restart(tmp_path: Path) -> None:
    port = free_port()
    first = start_emulator(tmp_path, port=port)
    try:
        made = create(official(first), "kept", description="across restarts")
    finally:
        first.process.terminate()
        first.process.wait(10)
    second = start_emulator(tmp_path, port=port)
    try:
        assert official(second).get_workspace(made.workspace_id).body.data.to_map() == made.to_map()
    finally:
        second.process.terminate()
        second.process.wait(10)


# -- the model's facts are schema.json's, and schema.json's are the SDK's -------------------------


def sdk_fields(model: type[DaraModel]) -> set[str]:
    """Every wire name ``model`` reads (its from_map keys)."""
    import inspect
    import re

    return set(re.findall(r"m\.get\('(\w+)'\)", inspect.getsource(model.from_map)))


def test_the_schema_entry_says_what_the_sdk_models_do() -> None:
    from pulumi_agents.agentrun.emulator.models.generic import Collection
    from pulumi_agents.agentrun.emulator.state import KINDS
    from pulumi_agents.emulator.store import Store

    assert KINDS[0].type_name == "Workspace"  # the other kinds: their own tests
    collection = Collection(KINDS[0], owner=_Owner(Store(None)))
    assert collection.inputs == sdk_fields(models.CreateWorkspaceInput)
    assert set(collection.updatable) == sdk_fields(models.UpdateWorkspaceInput) == {"description"}
    assert collection.shown == sdk_fields(models.Workspace)
    assert set(definition("Workspace")["properties"]) - collection.shown == {"enablePresetModel"}
    assert collection.api.listing["items"] in sdk_fields(models.ListWorkspacesOutput)
    assert collection.id_field == "workspaceId" and collection.arn_field == "workspaceArn"


class _Owner:
    """What a Collection asks of the state it belongs to, with a clock the test moves."""

    def __init__(self, store: Any) -> None:
        self.store, self.region, self.account_id, self.transition_seconds = store, "cn-hangzhou", "1", 2.0
        self.now = 1000.0

    def clock(self) -> float:
        return self.now


def test_a_kind_with_a_status_goes_through_its_transitions() -> None:
    """The generic model, serving an entry that has a status (the endpoint's, the only one at
    hand): pending states under transition_seconds, busy documents refused, unique names, parents."""
    from pulumi_agents.agentrun.emulator.models.common import InvalidRequest
    from pulumi_agents.agentrun.emulator.models.generic import Collection, Kind
    from pulumi_agents.emulator.store import Store

    owner = _Owner(Store(None))
    endpoints = Collection(Kind("AgentRuntimeEndpoint", id_prefix="are-"), owner=owner)
    runtime = {"agent_runtime_id": "ar-1"}
    made = endpoints.create(runtime, {"agentRuntimeEndpointName": "prod", "description": "d"})
    assert made["status"] == "CREATING" and made["agentRuntimeId"] == "ar-1"
    assert made["agentRuntimeEndpointArn"].endswith(f":endpoints/{made['agentRuntimeEndpointId']}")
    assert set(made) <= endpoints.shown and "waitTimeoutSeconds" not in endpoints.inputs
    this = {**runtime, "agent_runtime_endpoint_id": made["agentRuntimeEndpointId"]}

    with pytest.raises(InvalidRequest) as busy:
        endpoints.update(this, {"description": "e"})
    assert busy.value.status == 409
    with pytest.raises(InvalidRequest) as taken:
        endpoints.create(runtime, {"agentRuntimeEndpointName": "prod"})  # x-unique, under the same runtime
    assert taken.value.status == 409
    endpoints.create({"agent_runtime_id": "ar-2"}, {"agentRuntimeEndpointName": "prod"})
    with pytest.raises(InvalidRequest) as elsewhere:
        endpoints.read({"agent_runtime_id": "ar-2", "agent_runtime_endpoint_id": made["agentRuntimeEndpointId"]})
    assert elsewhere.value.status == 404

    owner.now += 2.0
    assert endpoints.read(this)["status"] == "READY"
    assert endpoints.update(this, {"description": "e"})["status"] == "UPDATING"
    owner.now += 2.0
    assert endpoints.read(this)["description"] == "e"
    assert endpoints.delete(this)["status"] == "DELETING"
    assert endpoints.delete(this)["status"] == "DELETING"  # again: still going
    assert endpoints.list(runtime, {}, 1, 20)["total"] == 1
    owner.now += 2.0
    assert endpoints.list(runtime, {}, 1, 20) == {"items": [], "pageNumber": 1, "pageSize": 20, "total": 0}
    with pytest.raises(InvalidRequest) as gone:
        endpoints.read(this)
    assert gone.value.status == 404 and "does not exist" in gone.value.message
