"""Endpoints: CreateAgentRuntimeEndpoint, GetAgentRuntimeEndpoint, UpdateAgentRuntimeEndpoint,
DeleteAgentRuntimeEndpoint, ListAgentRuntimeEndpoints.

Wire decisions where the vendor publishes nothing (the official SDK's models give the names):

- Endpoint ids are ``are-`` + 16 hex digits, ARNs
  ``acs:agentrun:{region}:{uid}:runtimes/{agentRuntimeId}/endpoints/{agentRuntimeEndpointId}``
  (same uid as the runtimes). ``endpointPublicUrl`` has the shape of the data plane the
  high-level SDK calls, ``https://{uid}.agentrun-data.{region}.aliyuncs.com/agent-runtimes/
  {runtimeName}/endpoints/{endpointName}/invocations``: a placeholder, the emulator serves no
  invocations. Endpoint names are unique per runtime; endpoints list in creation order.
- ``scalingStatus`` is shown only while the endpoint has a scaling config: the last
  ``scalingConfig`` sent (``minInstances`` defaulting to 0, ``scheduledPolicies`` to []), with
  ``targetInstances`` = ``currentInstances`` = ``minInstances``.
- Weights are ratios 0.0-1.0 (the SDK's ``VersionWeight``), summing to at most 1.0: the target
  version takes the rest. Percentages (10, 50) are refused rather than read as ratios.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from pulumi_agents.agentrun.emulator.models.base import Base
from pulumi_agents.agentrun.emulator.models.checks import MAX_DESCRIPTION, check_name
from pulumi_agents.agentrun.emulator.models.common import (
    BUSY,
    ENDPOINT_FAILURE_KIND,
    ENDPOINT_KIND,
    LATEST,
    OPERATIONS,
    Docs,
    InvalidRequest,
    invalid,
    is_int,
    is_number,
    now_iso,
    page,
    public,
)

ENDPOINT_DEFAULTS: dict[str, Any] = {
    "description": "",
    "disablePublicNetworkAccess": False,
    "targetVersion": LATEST,
}
# What an answer shows: the fields of the official SDK's AgentRuntimeEndpoint model. The times the
# life cycle keeps (createdAt, lastUpdatedAt) are the emulator's own, never answered: the model has
# no place for them (tests/test_agentrun_sdk_answers.py holds the two together).
SHOWN = frozenset(
    (
        "agentRuntimeEndpointArn",
        "agentRuntimeEndpointId",
        "agentRuntimeEndpointName",
        "agentRuntimeId",
        "description",
        "disablePublicNetworkAccess",
        "endpointPublicUrl",
        "routingConfiguration",
        "scalingStatus",
        "status",
        "statusReason",
        "targetVersion",
    )
)
WEIGHT_SLACK = 1e-9  # 0.1 + 0.2 + 0.7 is 1.0000000000000002 in floating point


def _endpoint_view(endpoint: dict[str, Any]) -> dict[str, Any]:
    """The endpoint as the API shows it: the fields of the SDK's model, the kept scaling config
    reported as ``scalingStatus``."""
    shown = {k: v for k, v in public(endpoint).items() if k in SHOWN}
    scaling = endpoint.get("_scalingConfig")
    if scaling is not None:
        instances = scaling["minInstances"]
        shown["scalingStatus"] = {
            "minInstances": instances,
            "scheduledPolicies": copy.deepcopy(scaling["scheduledPolicies"]),
            "targetInstances": instances,
            "currentInstances": instances,
        }
    return shown


class Endpoints(Base):
    def _settle_endpoint(self, endpoint: dict[str, Any]) -> dict[str, Any] | None:
        pending = endpoint.get("_pending")
        if not pending or self.clock() < pending["at"]:
            return endpoint
        if pending["status"] == "GONE":
            self.store.delete(ENDPOINT_KIND, endpoint["agentRuntimeEndpointId"])
            return None
        self._arrive(endpoint, pending)
        self.store.put(ENDPOINT_KIND, endpoint["agentRuntimeEndpointId"], endpoint)
        return endpoint

    def _begin_endpoint(self, endpoint: dict[str, Any], operation: str, status: str) -> None:
        name, runtime_id = endpoint["agentRuntimeEndpointName"], endpoint["agentRuntimeId"]
        keys = (f"{runtime_id}/{name}/{operation}", f"*/{name}/{operation}")
        found = [(k, r) for k in keys if (r := self.store.get(ENDPOINT_FAILURE_KIND, k)) is not None]
        key, rule = found[0] if found else ("", None)
        failure = None if rule is None else str(rule["reason"])
        with self._atomic():
            self._begin(endpoint, operation, status, failure, "Endpoint is ready for use")
            self.store.put(ENDPOINT_KIND, endpoint["agentRuntimeEndpointId"], endpoint)
            if rule is not None:
                self.store.delete(ENDPOINT_FAILURE_KIND, key)

    def fail_next_endpoint(self, name: str, operation: str, reason: str, runtime_id: str | None = None) -> None:
        """Make the next ``operation`` on endpoint ``name`` fail (of runtime ``runtime_id``, or of any)."""
        if operation not in OPERATIONS:
            raise InvalidRequest(400, "ERR_BAD_REQUEST", "operation must be create, update or delete")
        self.store.put(ENDPOINT_FAILURE_KIND, f"{runtime_id or '*'}/{name}/{operation}", {"reason": reason})

    # -- endpoints ----------------------------------------------------------------------

    def endpoints(self, runtime_id: str) -> Docs:
        """The runtime's endpoints, settled, in creation order."""
        mine = [e for e in self.store.all(ENDPOINT_KIND) if e["agentRuntimeId"] == runtime_id]
        settled = [s for s in (self._settle_endpoint(e) for e in mine) if s is not None]
        return sorted(settled, key=lambda e: (e["_created"], e["agentRuntimeEndpointId"]))

    def _load_endpoint(self, runtime_id: str, endpoint_id: str) -> dict[str, Any]:
        endpoint = self.store.get(ENDPOINT_KIND, endpoint_id)
        if endpoint is not None and endpoint["agentRuntimeId"] == runtime_id:
            endpoint = self._settle_endpoint(endpoint)
        else:
            endpoint = None
        if endpoint is None:
            raise InvalidRequest(
                404, "ERR_NOT_FOUND", f"agent runtime endpoint {endpoint_id} of runtime {runtime_id} does not exist"
            )
        return endpoint

    def _public_url(self, runtime: dict[str, Any], endpoint_name: str) -> str:
        host = f"{self.account_id}.agentrun-data.{self.region}.aliyuncs.com"
        return f"https://{host}/agent-runtimes/{runtime['agentRuntimeName']}/endpoints/{endpoint_name}/invocations"

    def _check_endpoint(self, runtime_id: str, endpoint: dict[str, Any]) -> None:
        """The service's checks on an endpoint as it would be after the request."""
        check_name("agentRuntimeEndpointName", endpoint.get("agentRuntimeEndpointName"))
        description = endpoint.get("description")
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise invalid(f"description must be a string of at most {MAX_DESCRIPTION} characters")
        if not isinstance(endpoint.get("disablePublicNetworkAccess"), bool):
            raise invalid("disablePublicNetworkAccess must be true or false")
        published = {v["agentRuntimeVersion"] for v in self._versions(runtime_id)}
        known = ", ".join(sorted(published, key=int)) or "none"
        target = endpoint.get("targetVersion")
        if not isinstance(target, str) or (target != LATEST and target not in published):
            raise invalid(
                f"targetVersion {target!r} must be LATEST or a published version of agent runtime {runtime_id} "
                f"(published: {known})"
            )
        routing = endpoint.get("routingConfiguration")
        weights = routing.get("versionWeights") if isinstance(routing, dict) else None
        if not isinstance(weights, list):
            raise invalid("routingConfiguration.versionWeights must be a list of {version, weight}")
        seen: set[str] = set()
        total = 0.0
        for i, entry in enumerate(weights):
            where = f"routingConfiguration.versionWeights[{i}]"
            if not isinstance(entry, dict):
                raise invalid(f"{where} must be an object {{version, weight}}")
            version, weight = entry.get("version"), entry.get("weight")
            if not isinstance(version, str) or version not in published:
                raise invalid(
                    f"{where}.version {version!r} is not a published version of agent runtime {runtime_id} "
                    f"(published: {known})"
                )
            if version in seen:
                raise invalid(f"{where}.version {version} appears more than once")
            if version == target:
                raise invalid(
                    f"{where}.version {version} is the targetVersion: the target version takes the remaining weight"
                )
            seen.add(version)
            if not is_number(weight) or not 0.0 <= weight <= 1.0:
                raise invalid(
                    f"{where}.weight {weight!r} must be a ratio between 0.0 and 1.0 (0.1 for 10%; percentages "
                    "are not accepted)"
                )
            total += weight
        if total > 1.0 + WEIGHT_SLACK:
            raise invalid(
                f"routingConfiguration.versionWeights add up to {total:g}: "
                "at most 1.0, the target version takes the rest"
            )

    @staticmethod
    def _scaling(config: Any) -> dict[str, Any]:
        """A ``scalingConfig`` as kept: checked, with its defaults."""
        if not isinstance(config, dict):
            raise invalid("scalingConfig must be an object {minInstances, scheduledPolicies}")
        minimum = config.get("minInstances", 0)
        if not is_int(minimum) or minimum < 0:
            raise invalid(f"scalingConfig.minInstances {minimum!r} must be a whole number >= 0")
        policies = config.get("scheduledPolicies", [])
        if not isinstance(policies, list) or not all(isinstance(p, dict) for p in policies):
            raise invalid("scalingConfig.scheduledPolicies must be a list of objects")
        for i, policy in enumerate(policies):
            target = policy.get("target")
            if target is not None and (not is_int(target) or target < 0):
                raise invalid(f"scalingConfig.scheduledPolicies[{i}].target {target!r} must be a whole number >= 0")
        return {"minInstances": minimum, "scheduledPolicies": copy.deepcopy(policies)}

    def create_endpoint(self, runtime_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.lock:
            runtime = self._load(runtime_id)
            if runtime["status"] == "DELETING":
                raise InvalidRequest(409, "ERR_CONFLICT", f"agent runtime {runtime_id} is DELETING")
            fields = {
                k: copy.deepcopy(body[k])
                for k in ("agentRuntimeEndpointName", *ENDPOINT_DEFAULTS)
                if body.get(k) is not None
            }
            routing = copy.deepcopy(body.get("routingConfiguration")) or {}
            endpoint: dict[str, Any] = {
                **ENDPOINT_DEFAULTS,
                **fields,
                "routingConfiguration": {"versionWeights": [], **routing} if isinstance(routing, dict) else routing,
            }
            self._check_endpoint(runtime_id, endpoint)
            name = endpoint["agentRuntimeEndpointName"]
            if any(e["agentRuntimeEndpointName"] == name for e in self.endpoints(runtime_id)):
                raise InvalidRequest(
                    409, "ERR_CONFLICT", f"agent runtime endpoint {name} already exists in runtime {runtime_id}"
                )
            scaling = body.get("scalingConfig")
            endpoint_id = f"are-{secrets.token_hex(8)}"
            endpoint.update(
                {
                    "agentRuntimeEndpointId": endpoint_id,
                    "agentRuntimeEndpointArn": (
                        f"acs:agentrun:{self.region}:{self.account_id}:runtimes/{runtime_id}/endpoints/{endpoint_id}"
                    ),
                    "agentRuntimeId": runtime_id,
                    "endpointPublicUrl": self._public_url(runtime, name),
                    "createdAt": now_iso(self.clock()),
                    "_created": self.clock(),
                    "_scalingConfig": None if scaling is None else self._scaling(scaling),
                }
            )
            self._begin_endpoint(endpoint, "create", "CREATING")
        return _endpoint_view(endpoint)

    def get_endpoint(self, runtime_id: str, endpoint_id: str) -> dict[str, Any]:
        with self.store.lock:
            self._load(runtime_id)
            return _endpoint_view(self._load_endpoint(runtime_id, endpoint_id))

    def update_endpoint(self, runtime_id: str, endpoint_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.lock:
            runtime = self._load(runtime_id)
            endpoint = self._load_endpoint(runtime_id, endpoint_id)
            if runtime["status"] == "DELETING":
                raise InvalidRequest(409, "ERR_CONFLICT", f"agent runtime {runtime_id} is DELETING")
            if endpoint["status"] in BUSY:
                raise InvalidRequest(
                    409, "ERR_CONFLICT", f"agent runtime endpoint {endpoint_id} is {endpoint['status']}"
                )
            drop = body.get("deleteScalingConfig")
            if drop is not None and not isinstance(drop, bool):
                raise invalid("deleteScalingConfig must be true or false")
            if drop and body.get("scalingConfig") is not None:
                raise invalid("scalingConfig and deleteScalingConfig: true cannot be sent together")
            changed = {
                k: copy.deepcopy(body[k])
                for k in ("agentRuntimeEndpointName", "routingConfiguration", *ENDPOINT_DEFAULTS)
                if body.get(k) is not None
            }
            if isinstance(changed.get("routingConfiguration"), dict):
                changed["routingConfiguration"] = {"versionWeights": [], **changed["routingConfiguration"]}
            after = {**endpoint, **changed}
            self._check_endpoint(runtime_id, after)
            name = after["agentRuntimeEndpointName"]
            if name != endpoint["agentRuntimeEndpointName"]:
                if any(e["agentRuntimeEndpointName"] == name for e in self.endpoints(runtime_id)):
                    raise InvalidRequest(
                        409, "ERR_CONFLICT", f"agent runtime endpoint {name} already exists in runtime {runtime_id}"
                    )
                after["endpointPublicUrl"] = self._public_url(runtime, name)
            if drop:
                after["_scalingConfig"] = None
            elif body.get("scalingConfig") is not None:
                after["_scalingConfig"] = self._scaling(body["scalingConfig"])
            self._begin_endpoint(after, "update", "UPDATING")
        return _endpoint_view(after)

    def delete_endpoint(self, runtime_id: str, endpoint_id: str) -> dict[str, Any]:
        with self.store.lock:
            self._load(runtime_id)
            endpoint = self._load_endpoint(runtime_id, endpoint_id)
            if endpoint["status"] != "DELETING":
                self._begin_endpoint(endpoint, "delete", "DELETING")
        return _endpoint_view(endpoint)

    def list_endpoints(
        self,
        runtime_id: str,
        *,
        name: str | None = None,
        search_mode: str | None = None,
        page_number: int = 1,
        page_size: int = 20,
    ) -> dict[str, Any]:
        with self.store.lock:
            self._load(runtime_id)
            found = self.endpoints(runtime_id)
        if name:
            exact = (search_mode or "").lower() == "exact"
            found = [
                e
                for e in found
                if (e["agentRuntimeEndpointName"] == name if exact else name in e["agentRuntimeEndpointName"])
            ]
        return page([_endpoint_view(e) for e in found], page_number, page_size)
