"""AgentRun runtimes as the service keeps them: ids, ARNs, defaults, and the asynchronous
CREATING/UPDATING/DELETING -> READY/gone life cycle.

Transitions are settled lazily on each access, at ``transition_seconds`` after the operation, so
no background thread is needed and a restart keeps every pending transition.
"""

from __future__ import annotations

import copy
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pulumi_agents.emulator.store import Store

KIND = "agentrun.runtime"
FAILURE_KIND = "agentrun.failure"

# What the service fills in when a create leaves these out (seen in the API's examples).
DEFAULTS: dict[str, Any] = {
    "description": "",
    "diskSize": 0,
    "sessionConcurrencyLimitPerInstance": 100,
    "sessionIdleTimeoutSeconds": 3600,
    "enableSessionIsolation": False,
    "systemTags": [],
    "resourceGroupId": "",
}
HEALTH_CHECK_DEFAULTS = {
    "initialDelaySeconds": 0,
    "periodSeconds": 30,
    "timeoutSeconds": 3,
    "failureThreshold": 3,
    "successThreshold": 1,
}
# Update cannot change these (observed: an update cannot turn Code into Container).
FIXED_ON_UPDATE = ("artifactType",)
UPDATABLE_EXTRA = ("forceEvictInstances",)
REQUIRED = ("agentRuntimeName", "artifactType", "cpu", "memory", "port", "networkConfiguration")


class InvalidRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _now_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _validate(body: dict[str, Any], *, creating: bool) -> None:
    """The service's own checks (coarser than schema.json, which runs before requests)."""
    if creating:
        for name in REQUIRED:
            if body.get(name) is None:
                raise InvalidRequest(400, "ERR_VALIDATION_FAILED", f"{name} is required")
    kinds = {"cpu": (int, float), "memory": (int,), "port": (int,), "agentRuntimeName": (str,)}
    for name, types in kinds.items():
        if name in body and (not isinstance(body[name], types) or isinstance(body[name], bool)):
            raise InvalidRequest(400, "ERR_VALIDATION_FAILED", f"{name} has an invalid type")
    artifact = body.get("artifactType")
    if artifact is not None and artifact not in ("Code", "Container"):
        raise InvalidRequest(400, "ERR_VALIDATION_FAILED", "artifactType must be Code or Container")
    if creating and artifact == "Code" and not body.get("codeConfiguration"):
        raise InvalidRequest(400, "ERR_VALIDATION_FAILED", "codeConfiguration is required for Code runtimes")
    if creating and artifact == "Container" and not body.get("containerConfiguration"):
        raise InvalidRequest(400, "ERR_VALIDATION_FAILED", "containerConfiguration is required for Container runtimes")


def _with_defaults(body: dict[str, Any]) -> dict[str, Any]:
    """A new runtime as the service stores it: top-level defaults, then nested ones."""
    return _normalized({**DEFAULTS, **body})


def _normalized(body: dict[str, Any]) -> dict[str, Any]:
    """Nested defaults and canonical spellings, as the service applies them to what it is sent."""
    out = dict(body)
    if isinstance(out.get("healthCheckConfiguration"), dict):
        out["healthCheckConfiguration"] = {**HEALTH_CHECK_DEFAULTS, **out["healthCheckConfiguration"]}
    for mount in (out.get("nasConfig") or {}).get("mountPoints") or []:
        mount.setdefault("enableTLS", False)
    for mount in (out.get("ossMountConfig") or {}).get("mountPoints") or []:
        mount.setdefault("readOnly", False)
    if out.get("sessionAffinityType") == "COOKIE":
        out["sessionAffinityType"] = "GENERATED_COOKIE"
    return out


def _masked(runtime: dict[str, Any]) -> dict[str, Any]:
    """The runtime as the API shows it: private fields dropped, the registry password masked."""
    shown = {k: copy.deepcopy(v) for k, v in runtime.items() if not k.startswith("_")}
    auth = (((shown.get("containerConfiguration") or {}).get("registryConfig") or {}).get("authConfig")) or {}
    if auth.get("password"):
        auth["password"] = auth["password"][:3] + "***"
    return shown


class AgentRunState:
    def __init__(
        self,
        store: Store,
        *,
        transition_seconds: float = 2.0,
        region: str = "cn-hangzhou",
        account_id: str = "1760720386195983",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.transition_seconds, self.region = store, transition_seconds, region
        self.account_id, self.clock = account_id, clock

    # -- life cycle ---------------------------------------------------------------------

    def _settle(self, runtime: dict[str, Any]) -> dict[str, Any] | None:
        pending = runtime.get("_pending")
        if not pending or self.clock() < pending["at"]:
            return runtime
        if pending["status"] == "GONE":
            self.store.delete(KIND, runtime["agentRuntimeId"])
            return None
        runtime.pop("_pending")
        runtime["status"], runtime["statusReason"] = pending["status"], pending["reason"]
        runtime["lastUpdatedAt"] = _now_iso(pending["at"])
        self.store.put(KIND, runtime["agentRuntimeId"], runtime)
        return runtime

    def _begin(self, runtime: dict[str, Any], operation: str, status: str) -> None:
        """Enter ``status`` now; reach the operation's outcome after the transition delay."""
        failure = self._take_failure(runtime, operation)
        if failure is not None:
            outcome = {"status": f"{operation.upper()}_FAILED", "reason": failure}
        elif operation == "delete":
            outcome = {"status": "GONE", "reason": ""}
        else:
            outcome = {"status": "READY", "reason": "Runtime is ready for use"}
        runtime["status"], runtime["statusReason"] = status, ""
        runtime["lastUpdatedAt"] = _now_iso(self.clock())
        runtime["_pending"] = {**outcome, "at": self.clock() + self.transition_seconds}
        self.store.put(KIND, runtime["agentRuntimeId"], runtime)

    def fail_next(self, name: str, operation: str, reason: str) -> None:
        """Make the next ``operation`` (create/update/delete) on runtime ``name`` fail."""
        if operation not in ("create", "update", "delete"):
            raise InvalidRequest(400, "ERR_BAD_REQUEST", "operation must be create, update or delete")
        self.store.put(FAILURE_KIND, f"{name}/{operation}", {"reason": reason})

    def _take_failure(self, runtime: dict[str, Any], operation: str) -> str | None:
        key = f"{runtime['agentRuntimeName']}/{operation}"
        found = self.store.get(FAILURE_KIND, key)
        if found is None:
            return None
        self.store.delete(FAILURE_KIND, key)
        return str(found["reason"])

    # -- operations ---------------------------------------------------------------------

    def _load(self, runtime_id: str) -> dict[str, Any]:
        runtime = self.store.get(KIND, runtime_id)
        runtime = self._settle(runtime) if runtime else None
        if runtime is None:
            raise InvalidRequest(404, "ERR_NOT_FOUND", f"agent runtime {runtime_id} does not exist")
        return runtime

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        _validate(body, creating=True)
        with self.store.lock:
            if any(r["agentRuntimeName"] == body["agentRuntimeName"] for r in self.runtimes()):
                raise InvalidRequest(409, "ERR_CONFLICT", f"agent runtime {body['agentRuntimeName']} already exists")
            now = _now_iso(self.clock())
            runtime = {
                **_with_defaults(copy.deepcopy(body)),
                "agentRuntimeId": f"ar-{secrets.token_hex(8)}",
                "agentRuntimeArn": f"acs:agentrun:{self.region}:{self.account_id}:runtimes/{uuid.uuid4()}",
                "agentRuntimeVersion": "1",
                "createdAt": now,
            }
            self._begin(runtime, "create", "CREATING")
        return _masked(runtime)

    def get(self, runtime_id: str) -> dict[str, Any]:
        return _masked(self._load(runtime_id))

    def update(self, runtime_id: str, body: dict[str, Any]) -> dict[str, Any]:
        _validate(body, creating=False)
        with self.store.lock:
            runtime = self._load(runtime_id)
            if runtime["status"] in ("CREATING", "UPDATING", "DELETING"):
                raise InvalidRequest(409, "ERR_CONFLICT", f"agent runtime {runtime_id} is {runtime['status']}")
            for name in FIXED_ON_UPDATE:
                if name in body and body[name] != runtime.get(name):
                    raise InvalidRequest(400, "ERR_VALIDATION_FAILED", f"{name} cannot be changed")
            new_name = body.get("agentRuntimeName")
            if (
                new_name
                and new_name != runtime["agentRuntimeName"]
                and any(r["agentRuntimeName"] == new_name for r in self.runtimes())
            ):
                raise InvalidRequest(409, "ERR_CONFLICT", f"agent runtime {new_name} already exists")
            changes = {k: v for k, v in body.items() if k not in UPDATABLE_EXTRA}
            runtime.update(_normalized(changes))
            runtime["agentRuntimeVersion"] = str(int(runtime.get("agentRuntimeVersion") or 0) + 1)
            self._begin(runtime, "update", "UPDATING")
        return _masked(runtime)

    def delete(self, runtime_id: str) -> dict[str, Any]:
        with self.store.lock:
            runtime = self._load(runtime_id)
            if runtime["status"] != "DELETING":
                self._begin(runtime, "delete", "DELETING")
        return _masked(runtime)

    def runtimes(self) -> list[dict[str, Any]]:
        settled = (self._settle(r) for r in list(self.store.all(KIND)))
        return [r for r in settled if r is not None]

    def list(
        self,
        *,
        name: str | None = None,
        search_mode: str | None = None,
        statuses: list[str] | None = None,
        workspace_id: str | None = None,
        page_number: int = 1,
        page_size: int = 20,
    ) -> dict[str, Any]:
        found = self.runtimes()
        if name:
            exact = (search_mode or "").lower() == "exact"
            found = [r for r in found if (r["agentRuntimeName"] == name if exact else name in r["agentRuntimeName"])]
        if statuses:
            found = [r for r in found if r["status"] in statuses]
        if workspace_id:
            found = [r for r in found if r.get("workspaceId") == workspace_id]
        start = (page_number - 1) * page_size
        return {
            "items": [_masked(r) for r in found[start : start + page_size]],
            "pageNumber": page_number,
            "pageSize": page_size,
            "total": len(found),
        }
