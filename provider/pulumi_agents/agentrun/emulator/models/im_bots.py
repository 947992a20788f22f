"""IM bots: CreateIMBot ... ListIMBots, served by the generic model from schema.json's IMBot entry
(``generic.py``). What the entry cannot say: the id's prefix; that ``metadata.role`` (an
account-wide RAM role, "not written to the bot's own JSON") is never shown, as ``botBizSecret`` and
``minInstances`` are not (those the entry marks write-only); and what IMBotInfo reports beside the
inputs: the bound runtime (``agentRuntimeId``, from the metadata), the account (``tenantId``), the
instances running (``currentInstances``, the minimum asked for, 1 by default) and the resource
that receives the platform's messages (``imChannelServerResourceName``)."""

from __future__ import annotations

from typing import Any

from pulumi_agents.agentrun.emulator.models.generic import Collection, Kind


class IMBots(Collection):
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
