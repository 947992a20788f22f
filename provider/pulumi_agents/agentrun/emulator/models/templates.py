"""Sandbox templates: CreateTemplate ... ListTemplates, served by the generic model from
schema.json's Template entry (``generic.py``). What the entry cannot say: the made id's prefix (a
template is addressed by name: its made id is the templateId output), its ARN (the name is the
id, so there is no ``templateNameArn`` to fill), that the registry password is shown masked (as a
runtime's), and that the service reports the scaling it was sent as ``scalingStatus`` (the
Template model has no scalingConfig)."""

from __future__ import annotations

from typing import Any

from pulumi_agents.agentrun.emulator.models.generic import Collection, Kind


class Templates(Collection):
    def view(self, doc: dict[str, Any]) -> dict[str, Any]:
        shown = {**super().view(doc), "templateArn": self.arn(doc)}
        auth = ((shown.get("containerConfiguration") or {}).get("registryConfig") or {}).get("authConfig") or {}
        if auth.get("password"):
            auth["password"] = auth["password"][:3] + "***"
        scaling = doc.get("scalingConfig")
        if isinstance(scaling, dict):
            instances = scaling.get("minInstances", 0)
            shown["scalingStatus"] = {
                "currentInstances": instances,
                "minInstances": instances,
                "scheduledPolicies": scaling.get("scheduledPolicies", []),
                "targetInstances": instances,
            }
        return shown


TEMPLATE = Kind("Template", id_prefix="tpl-", collection=Templates)
