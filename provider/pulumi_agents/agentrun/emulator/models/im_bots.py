"""IM bots: CreateIMBot ... ListIMBots, served by the generic model from schema.json's IMBot entry
(``generic.py``). What the entry cannot say: the id's prefix; that ``metadata.role`` (an
account-wide RAM role, "not written to the bot's own JSON") is never shown, as ``botBizSecret`` and
``minInstances`` are not (those the entry marks write-only); and what IMBotInfo reports beside the
inputs: the bound runtime (``agentRuntimeId``, from the metadata), the account (``tenantId``), the
instances running (``currentInstances``, the minimum asked for, 1 by default) and the resource
that receives the platform's messages (``imChannelServerResourceName``). UpdateIMBotInput's
``status``, whose values the SDK does not document, is refused as not served (400)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_agents.agentrun.emulator.models.common import invalid
from pulumi_agents.agentrun.emulator.models.generic import Collection, Kind


class IMBots(Collection):
    def update(
        self, params: Mapping[str, str], body: dict[str, Any], query: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        if "status" in body:  # in UpdateIMBotInput, with values the SDK does not document
            raise invalid("the emulator does not serve UpdateIMBotInput's status: its values are not documented")
        return super().update(params, body, query)

    def view(self, doc: dict[str, Any]) -> dict[str, Any]:
        shown = super().view(doc)
        if isinstance(shown.get("metadata"), dict):
            shown["metadata"] = {k: v for k, v in shown["metadata"].items() if k != "role"}
            if shown["metadata"].get("agentRuntimeId"):
                shown["agentRuntimeId"] = shown["metadata"]["agentRuntimeId"]
        return {
            **shown,
            "tenantId": self.owner.account_id,
            "currentInstances": doc.get("minInstances", 1),
            "imChannelServerResourceName": f"im-channel-{doc[self.id_field]}",
        }


IM_BOT = Kind("IMBot", id_prefix="imbot-", collection=IMBots)
