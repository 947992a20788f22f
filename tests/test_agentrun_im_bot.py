"""agentrun.IMBot: the vendor's own SDK (alibabacloud-agentrun20250910) runs every operation against
the emulator, every answer parsing into its SDK model with no key the model does not know; the life
cycle runs at the provider level, keeping what the service never reports (the bot's secret, its
minimum instances, the metadata's role) from what was sent; and the entry holds every field of
CreateIMBotInput, with UpdateIMBotInput's status left out."""

from __future__ import annotations

import time
from typing import Any

import pytest
from alibabacloud_agentrun20250910 import models
from alibabacloud_tea_openapi.exceptions import ClientException
from pulumi.runtime.rpc import is_rpc_secret

from pulumi_agents._schema import definition
from pulumi_agents.agentrun import IMBotProvider
from tests.conftest import Emulator
from tests.provider_host import unmarked
from tests.test_agentrun_kinds_b import _nested, assert_known, settled, wire_fields
from tests.test_agentrun_workspaces import official

INPUTS: dict[str, Any] = {
    "botName": "helpdesk",
    "botBizType": "dingtalk",
    "botBizId": "ding-app-key",
    "botBizSecret": "ding-secret",
    "botMode": "standard",
    "description": "answers the helpdesk group",
    "metadata": {
        "agentRuntimeId": "ar-1",
        "agentRuntimeEndpointUrl": "https://ar-1.example/prod",
        "protocolType": "HTTP",
        "role": "acs:ram::1:role/bots",
    },
    "minInstances": 2,
}
CHANGE: dict[str, Any] = {"description": "answers everyone", "botName": "helpdesk-2"}
NEVER_SHOWN = ("botBizSecret", "minInstances")


def test_the_official_sdk_runs_the_im_bot(emulator: Emulator) -> None:
    client = official(emulator)
    client.create_imbot(models.CreateIMBotRequest(body=models.CreateIMBotInput().from_map(INPUTS)))
    made = client.data
    assert_known(models.IMBotInfo, made)
    assert made["status"] == "CREATING" and made["id"].startswith("imbot-")
    assert not any(k in made for k in NEVER_SHOWN) and "role" not in made["metadata"]
    assert made["agentRuntimeId"] == "ar-1" and made["currentInstances"] == 2
    got = settled(lambda: client.get_imbot(made["id"], models.GetIMBotRequest()), client, "READY")
    assert_known(models.IMBotInfo, got)
    shown = {k: v for k, v in INPUTS.items() if k not in NEVER_SHOWN and k != "metadata"}
    assert {k: got[k] for k in shown} == shown

    body = models.UpdateIMBotInput().from_map(CHANGE)
    client.update_imbot(made["id"], models.UpdateIMBotRequest(body=body))
    assert_known(models.IMBotInfo, client.data)
    assert client.data["status"] == "UPDATING"
    got = settled(lambda: client.get_imbot(made["id"], models.GetIMBotRequest()), client, "READY")
    assert {k: got[k] for k in CHANGE} == CHANGE

    with pytest.raises(ClientException) as caught:
        client.update_imbot(made["id"], models.UpdateIMBotRequest(body=models.UpdateIMBotInput(status="STOPPED")))
    assert caught.value.status_code == 400 and "status" in str(caught.value)

    listed = client.list_imbots(models.ListIMBotsRequest(bot_name="helpdesk")).body.data
    assert isinstance(listed, models.ListIMBotsOutput) and [b.id for b in listed.items] == [made["id"]]
    for item in client.data["items"]:
        assert_known(models.IMBotInfo, item)

    client.delete_imbot(made["id"], models.DeleteIMBotRequest())
    assert client.data["status"] == "DELETING"
    deadline = time.monotonic() + 10
    with pytest.raises(ClientException) as caught:
        while time.monotonic() < deadline:
            client.get_imbot(made["id"], models.GetIMBotRequest())
            time.sleep(0.1)
    assert caught.value.status_code == 404


def test_dynamic_life_cycle(agentrun_env: Emulator) -> None:
    provider = IMBotProvider()
    props = dict(INPUTS)
    assert provider.check({}, props).failures == []
    created = provider.create(props)
    assert is_rpc_secret(created.outs["botBizSecret"])
    outs = unmarked(created.outs)
    assert outs["status"] == "READY" and created.id.startswith("imbot-") and "id" not in outs  # the id is no property
    # Never reported, kept as sent: no diff, before or after a refresh.
    assert (outs["minInstances"], outs["metadata"]["role"]) == (2, "acs:ram::1:role/bots")
    assert provider.diff(created.id, outs, props).changes is False
    read = provider.read(created.id, outs)
    assert is_rpc_secret(read.outs["botBizSecret"])
    refreshed = unmarked(read.outs)
    assert refreshed["botBizSecret"] == "ding-secret" and refreshed["metadata"]["role"] == "acs:ram::1:role/bots"
    assert provider.diff(created.id, refreshed, props).changes is False

    news = {**props, **CHANGE}  # a new name is updated in place: the bot is addressed by its id
    diff = provider.diff(created.id, refreshed, news)
    assert diff.changes and diff.replaces == []
    updated = unmarked(provider.update(created.id, refreshed, news).outs)
    assert {k: updated[k] for k in CHANGE} == CHANGE
    assert provider.diff(created.id, updated, news).changes is False
    secret = provider.diff(created.id, updated, {**news, "botBizSecret": "rotated"})
    assert secret.changes and secret.replaces == []
    provider.delete(created.id, updated)
    assert provider.read(created.id, updated).id == ""


def test_the_entry_holds_every_create_field_and_leaves_the_update_status_out() -> None:
    entry = definition("IMBot")
    props = entry["properties"]
    arguments = {k for k, v in props.items() if not v.get("readOnly") and not v.get("x-provider-option")}
    assert arguments == wire_fields(models.CreateIMBotInput)
    assert wire_fields(models.UpdateIMBotInput) - arguments == {"status"}  # the service's; values undocumented
    assert not any(props[k].get("x-replace-on-change") for k in arguments)  # the update takes every field
    assert {k for k, v in props.items() if v.get("readOnly")} <= wire_fields(models.IMBotInfo)
    assert {k for k in arguments if props[k].get("writeOnly")} == arguments - wire_fields(models.IMBotInfo)
    assert props["botBizSecret"].get("x-secret") is True
    for field in arguments - set(entry["required"]):
        assert props[field].get("x-on-remove"), field
    _nested(models.IMBotMetadata, "IMBotMetadata")
    assert definition("IMBotMetadata")["properties"]["role"].get("writeOnly") is True
