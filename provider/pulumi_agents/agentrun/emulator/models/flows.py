"""Flows: CreateFlow ... ListFlows, their published versions (PublishFlowVersion ... ListFlowVersions)
and their endpoints (CreateFlowEndpoint ... ListFlowEndpoints), served by the generic model from
schema.json's Flow, FlowVersion and FlowEndpoint entries (``generic.py``). What the entries cannot say:

- a flow's draft is the flow as it is (the emulator's reading; the vendor documents no more, and
  the provider uses neither operation): GetFlowDraft answers the flow, UpdateFlowDraft changes the
  fields UpdateFlowDraftInput has (definition, description, environment, role, storage);
- a version or an endpoint lives under a flow that exists (404 otherwise), and goes with it: deleting
  a flow deletes its versions and endpoints (the emulator's choice: the vendor does not say);
- a version's id is the flow's next version number ("1", "2", ...; never reused), and it freezes
  the flow's definition and configuration, which GetFlowVersion shows and ListFlowVersions' items
  leave out (the SDK's FlowVersion model: "full snapshot, only returned by GetFlowVersion");
- an endpoint's answers name its flow by ``flowId``, not by the ``flowName`` of its path (the
  FlowEndpoint model has no flowName), and
  the versions it names (targetVersion, routingConfiguration) must be published (400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_agents.agentrun.emulator.models.common import InvalidRequest, invalid, present
from pulumi_agents.agentrun.emulator.models.generic import Collection, Kind, Operation

FLOWS, VERSIONS, ENDPOINTS = "agentrun.flow", "agentrun.flow version", "agentrun.flow endpoint"
DRAFT = ("definition", "description", "environmentConfiguration", "executionRoleArn", "externalStorageLocation")
_ID = {VERSIONS: "flowVersion", ENDPOINTS: "flowEndpointName"}
SNAPSHOT = (
    "definition",
    "environmentConfiguration",
    "externalStorageLocation",
    "loggingConfiguration",
    "tracingConfiguration",
)


class Flows(Collection):
    def operations(self) -> dict[str, Operation]:
        return {"getDraft": lambda params, body: self.read(params), "updateDraft": self.update_draft}

    def update_draft(self, params: Mapping[str, str], body: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(present(body)) - set(DRAFT))
        if unknown:
            raise invalid(f"{unknown[0]} is not a field of UpdateFlowDraftInput (it takes {', '.join(DRAFT)})")
        return self.update(params, body)

    def delete(self, params: Mapping[str, str]) -> dict[str, Any]:
        with self.owner.store.lock:
            answer = super().delete(params)
            for kind in (VERSIONS, ENDPOINTS):
                for doc in self.owner.store.all(kind):
                    if doc.get("flowName") == answer["flowName"]:
                        self.owner.store.delete(kind, f"{doc['flowName']}/{doc[_ID[kind]]}")
        return answer


class _InFlow(Collection):
    def flow(self, name: str) -> dict[str, Any]:
        found = self.owner.store.get(FLOWS, name)
        if found is None:
            raise InvalidRequest(404, "ERR_NOT_FOUND", f"flow {name} does not exist")
        return found

    def _parents(self, params: Mapping[str, str]) -> dict[str, str]:
        parents = super()._parents(params)
        self.flow(parents["flowName"])
        return parents


class FlowVersions(_InFlow):
    def new_id(self, doc: dict[str, Any]) -> str:
        """The flow's next version number; the version freezes the flow as it is now."""
        flow = self.flow(doc["flowName"])
        flow["_published"] = number = int(flow.get("_published", 0)) + 1
        self.owner.store.put(FLOWS, flow["flowName"], flow)
        doc.update({k: flow[k] for k in (*SNAPSHOT, "flowId") if k in flow})
        return str(number)

    def item(self, doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in self.view(doc).items() if k not in SNAPSHOT}


class FlowEndpoints(_InFlow):
    def check(self, doc: dict[str, Any]) -> None:
        super().check(doc)
        published = {d["flowVersion"] for d in self.owner.store.all(VERSIONS) if d.get("flowName") == doc["flowName"]}
        named = [doc.get("targetVersion"), *(r.get("version") for r in doc.get("routingConfiguration") or [])]
        for version in named:
            if version is not None and version not in published:
                raise invalid(f"version {version} of flow {doc['flowName']} is not published")

    def view(self, doc: dict[str, Any]) -> dict[str, Any]:
        flow = self.owner.store.get(FLOWS, doc["flowName"]) or {}
        shown = {k: v for k, v in super().view(doc).items() if k != "flowName"}
        return {**shown, "flowId": flow.get("flowId", "")}


FLOW = Kind("Flow", id_prefix="flow-", collection=Flows)
FLOW_VERSION = Kind("FlowVersion", id_prefix="", collection=FlowVersions)
FLOW_ENDPOINT = Kind("FlowEndpoint", id_prefix="fe-", collection=FlowEndpoints)
