"""Sandbox templates: CreateTemplate ... ListTemplates, served by the generic model from
schema.json's Template entry (``generic.py``). What the entry cannot say: the made id's prefix (a
template is addressed by name: its made id is the templateId output), its ARN (the name is the
id, so there is no ``templateNameArn`` to fill), that the registry password is shown masked (as a
runtime's), that the service reports the scaling it was sent as ``scalingStatus`` (the
Template model has no scalingConfig), and the MCP server's activate and stop: ActivateTemplateMCP
takes the ActivateTemplateMCPRequest fields (enabledTools, transport), keeps them as mcpOptions
and reports the server RUNNING in mcpState with its address; StopTemplateMCP reports it STOPPED.
Both answer the template (TemplateResult) and refuse a template that is not settled (409).
The real service's mcpState status values are not documented; these two are the emulator's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_agents.agentrun.emulator.models.common import invalid, present
from pulumi_agents.agentrun.emulator.models.generic import Collection, Kind, Operation

MCP_OPTIONS = frozenset({"enabledTools", "transport"})


class Templates(Collection):
    def operations(self) -> dict[str, Operation]:
        return {"activateMcp": self.activate_mcp, "stopMcp": self.stop_mcp}

    def activate_mcp(self, params: Mapping[str, str], body: dict[str, Any]) -> dict[str, Any]:
        body = present(body)
        unknown = sorted(set(body) - MCP_OPTIONS)
        if unknown:
            takes = ", ".join(sorted(MCP_OPTIONS))
            raise invalid(f"{unknown[0]} is not a field of ActivateTemplateMCPRequest (it takes {takes})")
        tools = body.get("enabledTools", [])
        if not isinstance(tools, list) or not all(isinstance(t, str) and t for t in tools):
            raise invalid("enabledTools must be a list of tool names")
        if not isinstance(body.get("transport", ""), str):
            raise invalid("transport must be a string")
        endpoint = f"https://{params['template_name']}.mcp.agentrun.{self.owner.region}.aliyuncs.com"
        return self._mcp(params, {"status": "RUNNING", "statusReason": "", "accessEndpoint": endpoint}, body)

    def stop_mcp(self, params: Mapping[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if present(body):
            raise invalid("StopTemplateMCP takes no body")
        return self._mcp(params, {"status": "STOPPED", "statusReason": ""}, None)

    def _mcp(self, params: Mapping[str, str], state: dict[str, Any], options: dict[str, Any] | None) -> dict[str, Any]:
        with self.owner.store.lock:
            doc = self._load(params)
            self._busy(doc)
            doc["mcpState"] = state
            if options is not None:
                doc["mcpOptions"] = options
            self.owner.store.put(self.store_kind, doc[self.id_field], doc)
        return self.view(doc)

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
