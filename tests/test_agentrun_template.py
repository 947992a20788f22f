"""agentrun.Template, the sandbox template: the vendor's own SDK (alibabacloud-agentrun20250910)
runs it against the emulator, every answer parsing into its SDK model with no key the model does
not know; the life cycle runs at the provider level, each update carrying a client token; its
secrets are marked; and its entry holds every field of CreateTemplateInput, with what
UpdateTemplateInput lacks replacing."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_agentrun20250910 import models
from pulumi.runtime.rpc import is_rpc_secret

from pulumi_agents._api import Operation, api
from pulumi_agents._schema import definition
from pulumi_agents.agentrun import TemplateProvider
from pulumi_agents.agentrun.client import AgentRunClient
from pulumi_agents.agentrun.service import TemplateService, ToolService
from tests.conftest import Emulator
from tests.provider_host import unmarked
from tests.test_agentrun_kinds_b import _nested, assert_known, settled, wire_fields
from tests.test_agentrun_workspaces import official

INPUTS: dict[str, Any] = {
    "templateName": "code-sandbox",
    "templateType": "CodeInterpreter",
    "cpu": 2,
    "memory": 4096,
    "diskSize": 10240,
    "networkConfiguration": {"networkMode": "PUBLIC"},
    "containerConfiguration": {
        "image": "registry.example/sandbox:1",
        "imageRegistryType": "CUSTOM",
        "registryConfig": {"authConfig": {"userName": "robot", "password": "registry-secret"}},
    },
    "armsConfiguration": {"enableArms": True, "armsLicenseKey": "arms-secret"},
    "credentialConfiguration": {"credentialName": "sandbox-credential"},
    "environmentVariables": {"API_TOKEN": "t-secret"},
    "ossConfiguration": [{"bucketName": "data", "mountPoint": "/mnt/data", "prefix": "in/", "permission": "READ_ONLY"}],
    "scalingConfig": {"minInstances": 1},
    "templateConfiguration": {"language": "python"},
    "sandboxIdleTimeoutInSeconds": 600,
    "enableAgent": True,
    "description": "sandboxes for code",
}
CHANGE: dict[str, Any] = {"description": "bigger sandboxes", "memory": 8192}


# -- the official SDK against the emulator --------------------------------------------------------


def test_the_official_sdk_runs_the_template(emulator: Emulator) -> None:
    client = official(emulator)
    answer = client.create_template(models.CreateTemplateRequest(body=models.CreateTemplateInput().from_map(INPUTS)))
    assert answer.body.code == "SUCCESS"
    made = client.data
    assert_known(models.Template, made)
    assert made["status"] == "CREATING"
    assert made["templateName"] == "code-sandbox" and made["templateId"].startswith("tpl-")
    assert made["templateArn"].endswith(":templates/code-sandbox")
    # The registry password is masked; what the Template model cannot show (ARMS, scalingConfig) is not shown.
    assert made["containerConfiguration"]["registryConfig"]["authConfig"]["password"] == "reg***"
    assert "armsConfiguration" not in made and "scalingConfig" not in made
    assert made["scalingStatus"]["minInstances"] == 1

    got = settled(lambda: client.get_template("code-sandbox"), client, "READY")
    assert_known(models.Template, got)
    assert got["status"] == "READY"
    assert {k: got[k] for k in ("cpu", "memory", "diskSize", "ossConfiguration", "environmentVariables")} == {
        k: INPUTS[k] for k in ("cpu", "memory", "diskSize", "ossConfiguration", "environmentVariables")
    }

    update = models.UpdateTemplateRequest(body=models.UpdateTemplateInput().from_map(CHANGE), client_token="tok-1")
    client.update_template("code-sandbox", update)
    assert_known(models.Template, client.data)
    assert client.data["status"] == "UPDATING"
    got = settled(lambda: client.get_template("code-sandbox"), client, "READY")
    assert {k: got[k] for k in CHANGE} == CHANGE

    listed = client.list_templates(models.ListTemplatesRequest(template_name="code")).body.data
    assert isinstance(listed, models.ListTemplatesOutput)
    assert [t.template_name for t in listed.items] == ["code-sandbox"]
    for item in client.data["items"]:
        assert_known(models.Template, item)

    client.delete_template("code-sandbox")
    assert_known(models.Template, client.data)
    assert client.data["status"] == "DELETING"


def test_a_client_token_applies_an_update_once(emulator: Emulator) -> None:
    """UpdateTemplate's clientToken: a resend (a lost answer) gets the first answer and changes
    nothing, even after another update; a new token is a new update."""
    client = official(emulator)
    client.create_template(models.CreateTemplateRequest(body=models.CreateTemplateInput().from_map(INPUTS)))
    settled(lambda: client.get_template("code-sandbox"), client, "READY")

    def update(memory: int, token: str) -> dict[str, Any]:
        body = models.UpdateTemplateInput().from_map({"memory": memory})
        client.update_template("code-sandbox", models.UpdateTemplateRequest(body=body, client_token=token))
        return dict(client.data)

    first = update(8192, "tok-1")
    settled(lambda: client.get_template("code-sandbox"), client, "READY")
    update(2048, "tok-2")
    settled(lambda: client.get_template("code-sandbox"), client, "READY")
    assert update(8192, "tok-1") == first  # the first answer, replayed
    assert client.get_template("code-sandbox").body.data.memory == 2048  # not applied again
    update(8192, "tok-3")
    assert settled(lambda: client.get_template("code-sandbox"), client, "READY")["memory"] == 8192


def test_create_only_fields_are_refused_by_an_update(emulator: Emulator) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    from tests.test_agentrun_workspaces import Raw

    client = official(emulator)
    client.create_template(models.CreateTemplateRequest(body=models.CreateTemplateInput().from_map(INPUTS)))
    settled(lambda: client.get_template("code-sandbox"), client, "READY")
    with pytest.raises(ClientException) as caught:
        client.update_template("code-sandbox", models.UpdateTemplateRequest(body=Raw({"diskSize": 1})))
    assert caught.value.status_code == 400 and "diskSize" in str(caught.value)


# -- the life cycle at the provider level ------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str] | None]]:
    """Each request the provider's client sends: its action and query."""
    calls: list[tuple[str, dict[str, str] | None]] = []
    request = AgentRunClient.request

    def recording(self: AgentRunClient, op: Operation, path: str, **kw: Any) -> dict[str, Any]:
        calls.append((op.action, dict(kw["query"]) if kw.get("query") else None))
        return request(self, op, path, **kw)

    monkeypatch.setattr(AgentRunClient, "request", recording)
    return calls


def test_dynamic_life_cycle(agentrun_env: Emulator, sent: list[tuple[str, dict[str, str] | None]]) -> None:
    provider = TemplateProvider()
    props = dict(INPUTS)
    assert provider.check({}, props).failures == []

    created = provider.create(props)
    outs = unmarked(created.outs)
    assert outs["status"] == "READY"  # create waited
    assert created.id == "code-sandbox" and outs["templateId"].startswith("tpl-")
    assert is_rpc_secret(created.outs["environmentVariables"])
    auth = created.outs["containerConfiguration"]["registryConfig"]["authConfig"]
    assert is_rpc_secret(auth) or is_rpc_secret(auth["password"])
    arms = created.outs["armsConfiguration"]
    assert is_rpc_secret(arms) or is_rpc_secret(arms["armsLicenseKey"])
    assert outs["armsConfiguration"] == INPUTS["armsConfiguration"]  # never reported: kept as sent
    assert provider.diff(created.id, outs, props).changes is False

    read = provider.read(created.id, outs)  # a refresh right after the create finds nothing to change
    assert read.id == created.id
    refreshed = unmarked(read.outs)
    assert refreshed["scalingStatus"]["minInstances"] == 1
    assert provider.diff(created.id, refreshed, props).changes is False

    news = {**props, **CHANGE}
    diff = provider.diff(created.id, refreshed, news)
    assert diff.changes and diff.replaces == []
    sent.clear()
    updated = unmarked(provider.update(created.id, refreshed, news).outs)
    assert updated["status"] == "READY"
    assert {k: updated[k] for k in CHANGE} == CHANGE
    assert provider.diff(created.id, updated, news).changes is False
    updates = [query for action, query in sent if action == "UpdateTemplate"]
    assert len(updates) == 1 and updates[0] is not None
    assert updates[0]["clientToken"].startswith("pulumi-agents-")
    assert [query for action, query in sent if action == "GetTemplate"] == [None] * (len(sent) - 1)

    for create_only in ("templateName", "templateType", "diskSize"):
        changed = {**news, create_only: news[create_only] + (1 if create_only == "diskSize" else "-2")}
        assert provider.diff(created.id, updated, changed).replaces == [create_only]

    provider.delete(created.id, updated)  # waits until gone
    assert provider.read(created.id, updated).id == ""
    provider.delete(created.id, updated)  # already gone: done


def test_the_client_token_names_the_resource_and_the_change() -> None:
    service = TemplateService({})
    ids, olds = {"templateName": "t"}, {**INPUTS, "templateName": "t"}
    news = {**olds, **CHANGE}
    token = service.update_query(ids, olds, news, CHANGE)["clientToken"]
    assert token == service.update_query(ids, olds, news, CHANGE)["clientToken"]  # a resend is the same request
    assert len(token) <= 64
    others = [
        service.update_query({"templateName": "u"}, olds, news, CHANGE),  # another template
        service.update_query(ids, olds, news, {"memory": 8192}),  # another body
        service.update_query(ids, {**olds, "memory": 2048}, news, CHANGE),  # from other inputs (A -> B -> A)
    ]
    assert token not in [q["clientToken"] for q in others]
    assert ToolService({}).update_query({"toolName": "t"}, {}, {}, {"timeout": 1}) == {}  # no idempotency parameter


# -- the entry holds the SDK's fields ----------------------------------------------------------------


def test_every_create_field_is_an_argument_and_what_update_lacks_replaces() -> None:
    entry = definition("Template")
    props = entry["properties"]
    arguments = {k for k, v in props.items() if not v.get("readOnly") and not v.get("x-provider-option")}
    assert arguments == wire_fields(models.CreateTemplateInput)
    assert len(arguments) == 24
    updatable = wire_fields(models.UpdateTemplateInput)
    assert arguments - updatable == {"diskSize", "templateName", "templateType"}
    for field in arguments - updatable:
        assert props[field].get("x-replace-on-change"), field
    for field in arguments & updatable:
        assert "x-replace-on-change" not in props[field], field
    outputs = {k for k, v in props.items() if v.get("readOnly")}
    assert outputs == wire_fields(models.Template) - arguments
    for field in arguments - wire_fields(models.Template):
        assert props[field].get("writeOnly"), field
    assert {"status", "statusReason", "mcpState", "scalingStatus"} <= outputs
    for field, prop in props.items():
        assert prop.get("description"), field
        if field in arguments and field not in entry["required"]:
            assert prop.get("x-on-remove"), field
    spec = api("Template")
    assert spec is not None and spec.status is not None and spec.status.ready == {"READY"}
    assert spec.operation("update").path == "/2025-09-10/templates/{template_name}"


def test_nested_definitions_hold_the_sdks_fields() -> None:
    _nested(models.CredentialConfiguration, "TemplateCredentialConfiguration")
    _nested(models.OssConfiguration, "TemplateOssConfiguration")
    _nested(models.ScalingConfig, "ScalingConfig")
    assert set(definition("TemplateOssConfiguration")["required"]) == {"bucketName", "mountPoint", "prefix"}


def test_the_secrets_are_marked() -> None:
    props = definition("Template")["properties"]
    assert props["environmentVariables"].get("x-secret") is True
    assert props["containerConfiguration"]["$ref"] == "#/$defs/ContainerConfiguration"
    registry = definition("ContainerConfiguration")["properties"]["registryConfig"]["$ref"].rsplit("/", 1)[-1]
    auth = definition(registry)["properties"]["authConfig"]["$ref"].rsplit("/", 1)[-1]
    assert definition(auth)["properties"]["password"].get("x-secret") is True
    assert props["armsConfiguration"]["$ref"] == "#/$defs/ArmsConfiguration"
    assert definition("ArmsConfiguration")["properties"]["armsLicenseKey"].get("x-secret") is True


def test_the_emulator_serves_the_entry_as_the_sdk_models_do() -> None:
    from pulumi_agents.agentrun.emulator.state import KINDS as SERVED
    from pulumi_agents.emulator.store import Store
    from tests.test_agentrun_workspaces import _Owner

    kind = next(k for k in SERVED if k.type_name == "Template")
    assert kind.collection is not None
    collection = kind.collection(kind, owner=_Owner(Store(None)))
    assert collection.inputs == wire_fields(models.CreateTemplateInput)
    assert set(collection.updatable) == wire_fields(models.UpdateTemplateInput)
    assert collection.shown <= wire_fields(models.Template)
    assert collection.api.listing["items"] in wire_fields(models.ListTemplatesOutput)


# -- the MCP server: activate_mcp ----------------------------------------------------------------------


def test_the_official_sdk_activates_and_stops_the_mcp_server(emulator: Emulator) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    from pulumi_agents.errors import ApiError
    from tests.e2e.conftest import agentrun_client

    client = official(emulator)
    client.create_template(models.CreateTemplateRequest(body=models.CreateTemplateInput().from_map(INPUTS)))
    with pytest.raises(ClientException) as busy:  # not before the template has settled
        client.activate_template_mcp("code-sandbox", models.ActivateTemplateMCPRequest(transport="sse"))
    assert busy.value.status_code == 409
    settled(lambda: client.get_template("code-sandbox"), client, "READY")

    request = models.ActivateTemplateMCPRequest(enabled_tools=["run_code"], transport="sse")
    client.activate_template_mcp("code-sandbox", request)
    assert_known(models.Template, client.data)
    assert client.data["mcpState"]["status"] == "RUNNING" and client.data["mcpState"]["accessEndpoint"]
    assert client.data["mcpOptions"] == {"enabledTools": ["run_code"], "transport": "sse"}
    client.get_template("code-sandbox")
    assert client.data["mcpState"]["status"] == "RUNNING"

    client.stop_template_mcp("code-sandbox")
    assert_known(models.Template, client.data)
    assert client.data["mcpState"] == {"status": "STOPPED", "statusReason": ""}

    spec = api("Template")
    assert spec is not None
    with agentrun_client(emulator) as ours, pytest.raises(ApiError) as bad:
        path = spec.path("activateMcp", {"templateName": "code-sandbox"})
        ours.request(spec.operation("activateMcp"), path, body={"tools": ["run_code"]})
    assert bad.value.status == 400 and "tools is not a field of ActivateTemplateMCPRequest" in str(bad.value)
    with pytest.raises(ClientException) as missing:
        client.stop_template_mcp("no-such-template")
    assert missing.value.status_code == 404


def test_activate_mcp_runs_and_stops_the_server(
    agentrun_env: Emulator, sent: list[tuple[str, dict[str, str] | None]]
) -> None:
    provider = TemplateProvider()
    mcp = {"enabledTools": ["run_code"], "transport": "sse"}
    props = {**INPUTS, "activateMcp": mcp}
    assert provider.check({}, props).failures == []
    bad = provider.check({}, {**INPUTS, "activateMcp": {"enabledTools": "run_code"}}).failures
    assert [f.reason.split(": ")[0] for f in bad] == ["activate_mcp.enabled_tools [activateMcp.enabledTools]"]

    created = provider.create(props)
    outs = unmarked(created.outs)
    assert outs["mcpState"]["status"] == "RUNNING" and outs["mcpOptions"] == mcp
    assert provider.diff(created.id, outs, props).changes is False
    assert [a for a, _ in sent].count("ActivateTemplateMCP") == 1

    more = {**props, "activateMcp": {**mcp, "enabledTools": ["run_code", "read_file"]}}
    diff = provider.diff(created.id, outs, more)
    assert diff.changes and diff.replaces == []
    sent.clear()
    outs = unmarked(provider.update(created.id, outs, more).outs)
    assert outs["mcpOptions"]["enabledTools"] == ["run_code", "read_file"]
    assert [a for a, _ in sent if a != "GetTemplate"] == ["ActivateTemplateMCP"]  # the template itself unchanged

    sent.clear()
    outs = unmarked(provider.update(created.id, outs, {**more, "description": "only this"}).outs)
    assert "ActivateTemplateMCP" not in [a for a, _ in sent]  # the server's options did not change

    stopped = dict(INPUTS, description="only this")
    outs = unmarked(provider.update(created.id, outs, stopped).outs)
    assert outs["mcpState"]["status"] == "STOPPED" and "activateMcp" not in outs
    provider.delete(created.id, outs)
