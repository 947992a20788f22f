"""AgentRun as the service keeps it: runtimes, their endpoints and their published versions, with
ids, ARNs, defaults, and the asynchronous CREATING/UPDATING/DELETING -> READY/gone life cycle.

Transitions are settled lazily on each access, at ``transition_seconds`` after the operation, so
no background thread is needed and a restart keeps every pending transition.

Wire decisions where the vendor publishes nothing (the official SDK's models give the names):

- Runtime ids are ``ar-`` + 16 hex digits, ARNs ``acs:agentrun:{region}:{uid}:runtimes/{uuid}``.
- Endpoint ids are ``are-`` + 16 hex digits, ARNs
  ``acs:agentrun:{region}:{uid}:runtimes/{agentRuntimeId}/endpoints/{agentRuntimeEndpointId}``
  (same uid as the runtimes). ``endpointPublicUrl`` has the shape of the data plane the
  high-level SDK calls, ``https://{uid}.agentrun-data.{region}.aliyuncs.com/agent-runtimes/
  {runtimeName}/endpoints/{endpointName}/invocations``: a placeholder, the emulator serves no
  invocations. Endpoint names are unique per runtime; endpoints list in creation order.
- ``scalingStatus`` is shown only while the endpoint has a scaling config: the last
  ``scalingConfig`` sent (``minInstances`` defaulting to 0, ``scheduledPolicies`` to []), with
  ``targetInstances`` = ``currentInstances`` = ``minInstances``.
- Two version counters, on purpose. A runtime's own ``agentRuntimeVersion`` counts configuration
  revisions (``"1"`` at create, +1 per update) and is left as it was. Published versions
  (PublishRuntimeVersion) are a separate sequence per runtime, ``"1"``, ``"2"``, ... : each one
  freezes the runtime's configuration at that moment, and is what endpoints name in
  ``targetVersion`` and ``versionWeights`` and what ``GET ...?agentRuntimeVersion=N`` returns.
  Versions are never deleted (there is no API for it) except with their runtime, and list
  newest first, like Function Compute's version lists (``direction`` BACKWARD by default).
- Publishing needs a READY runtime (409 ``ERR_CONFLICT`` naming the status otherwise, the answer
  an update of a busy runtime gets). Deleting a runtime that still has endpoints (in any status,
  DELETING ones included until they are gone) is 400 ``ERR_BAD_REQUEST`` naming them: the reason
  Alibaba's high-level SDK deletes the endpoints, and waits for them, before the runtime.
- Weights are ratios 0.0-1.0 (the SDK's ``VersionWeight``), summing to at most 1.0: the target
  version takes the rest. Percentages (10, 50) are refused rather than read as ratios.

Every change of more than one row runs in one ``Store.transaction()`` (``_atomic``): a crash
never leaves half of it.
"""

from __future__ import annotations

import copy
import math
import re
import secrets
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, TypeGuard

from pulumi_agents.emulator.store import Store

KIND = "agentrun.runtime"
ENDPOINT_KIND = "agentrun.endpoint"
VERSION_KIND = "agentrun.version"  # id "{agentRuntimeId}/{number}"
FAILURE_KIND = "agentrun.failure"  # id "{agentRuntimeName}/{operation}"
ENDPOINT_FAILURE_KIND = "agentrun.endpoint-failure"  # id "{agentRuntimeId or *}/{endpointName}/{operation}"

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
BUSY = ("CREATING", "UPDATING", "DELETING")
OPERATIONS = ("create", "update", "delete")

ENDPOINT_DEFAULTS: dict[str, Any] = {
    "description": "",
    "disablePublicNetworkAccess": False,
    "targetVersion": "LATEST",
}
# Names as the Serverless Devs component's schema (and schema.json) allow them.
MAX_NAME = 128
NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]{0,127}")  # fullmatch: "$" would let a final newline in
MAX_DESCRIPTION = 256
MAX_PUBLISHER = 256
WEIGHT_SLACK = 1e-9  # 0.1 + 0.2 + 0.7 is 1.0000000000000002 in floating point
Docs = list[dict[str, Any]]  # AgentRunState has a method named list


class InvalidRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _invalid(message: str) -> InvalidRequest:
    return InvalidRequest(400, "ERR_VALIDATION_FAILED", message)


def _now_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _shown(value: Any) -> str:
    """A value as a message quotes it: repr, cut short (a message must not echo a huge body)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


Check = Callable[[str, Any], None]  # (field path, value): raises _invalid naming the path


def _name(where: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise _invalid(f"{where} is required (a non-empty string)")
    if not NAME.fullmatch(value):
        raise _invalid(
            f"{where} {_shown(value)} must start with a letter and contain only letters, digits, '_' and '-' "
            f"(at most {MAX_NAME} characters)"
        )


def _string(max_length: int | None = None) -> Check:
    def check(where: str, value: Any) -> None:
        if not isinstance(value, str):
            raise _invalid(f"{where} must be a string, not {_shown(value)}")
        if max_length is not None and len(value) > max_length:
            raise _invalid(f"{where} must be at most {max_length} characters (it has {len(value)})")

    return check


def _integer(low: int, high: int | None = None) -> Check:
    span = f"from {low} to {high}" if high is not None else f"of at least {low}"

    def check(where: str, value: Any) -> None:
        if not _is_int(value) or value < low or (high is not None and value > high):
            raise _invalid(f"{where} {_shown(value)} must be a whole number {span}")

    return check


def _number(low: float, high: float) -> Check:
    def check(where: str, value: Any) -> None:
        if not _is_number(value) or not low <= value <= high:
            raise _invalid(f"{where} {_shown(value)} must be a number from {low:g} to {high:g}")

    return check


def _boolean(where: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise _invalid(f"{where} must be true or false, not {_shown(value)}")


def _one_of(*choices: str) -> Check:
    def check(where: str, value: Any) -> None:
        if value not in choices:
            raise _invalid(f"{where} {_shown(value)} must be one of {', '.join(choices)}")

    return check


def _strings(where: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(f"{where} must be a list of strings")


def _any_list(where: str, value: Any) -> None:
    if not isinstance(value, list):
        raise _invalid(f"{where} must be a list")


def _string_map(where: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be an object of strings")
    for key, item in value.items():
        if not key:
            raise _invalid(f"{where} has an empty name")
        if not isinstance(item, str):
            raise _invalid(f"{where}.{key} must be a string, not {_shown(item)}")


def _object(fields: dict[str, Check]) -> Check:
    """An object whose known fields are checked (unknown ones pass: the service is lenient)."""

    def check(where: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise _invalid(f"{where} must be an object, not {_shown(value)}")
        _check_fields(value, fields, prefix=f"{where}.")

    return check


def _objects(fields: dict[str, Check]) -> Check:
    each = _object(fields)

    def check(where: str, value: Any) -> None:
        if not isinstance(value, list):
            raise _invalid(f"{where} must be a list of objects")
        for i, item in enumerate(value):
            each(f"{where}[{i}]", item)

    return check


def _check_fields(body: dict[str, Any], fields: dict[str, Check], *, prefix: str = "") -> None:
    for name, check in fields.items():
        if body.get(name) is not None:
            check(prefix + name, body[name])


_TEXT = _string()
_PORT = _integer(1, 65535)
# The limits the service enforces, as schema.json mirrors them (the Serverless Devs component's
# published limits): 400 ERR_VALIDATION_FAILED naming the field.
RUNTIME_FIELDS: dict[str, Check] = {
    "agentRuntimeName": _name,
    "artifactType": _one_of("Code", "Container"),
    "description": _string(MAX_DESCRIPTION),
    "cpu": _number(0.05, 16),
    "memory": _integer(128, 32768),
    "port": _PORT,
    "diskSize": _integer(0),
    "sessionConcurrencyLimitPerInstance": _integer(1, 200),
    "sessionIdleTimeoutSeconds": _integer(60, 86400),
    "enableSessionIsolation": _boolean,
    "disableSessionAffinity": _boolean,
    "disableOndemand": _boolean,
    "forceEvictInstances": _boolean,
    "sessionAffinityType": _one_of("NONE", "HEADER_FIELD", "GENERATED_COOKIE", "COOKIE"),
    "headerFieldName": _TEXT,
    "executionRoleArn": _TEXT,
    "credentialName": _TEXT,
    "externalAgentEndpointUrl": _TEXT,
    "workspaceId": _TEXT,
    "edition": _TEXT,
    "resourceGroupId": _TEXT,
    "environmentVariables": _string_map,
    "systemTags": _any_list,
    "networkConfiguration": _object(
        {
            "networkMode": _one_of("PUBLIC", "PRIVATE", "PUBLIC_AND_PRIVATE"),
            "vpcId": _TEXT,
            "vswitchIds": _strings,
            "securityGroupId": _TEXT,
        }
    ),
    "codeConfiguration": _object(
        {
            "language": _TEXT,
            "command": _strings,
            "zipFile": _TEXT,
            "ossBucketName": _TEXT,
            "ossObjectName": _TEXT,
            "checksum": _TEXT,
        }
    ),
    "containerConfiguration": _object(
        {
            "image": _TEXT,
            "imageRegistryType": _one_of("ACR", "ACREE", "CUSTOM"),
            "acrInstanceId": _TEXT,
            "command": _strings,
            "port": _PORT,
            "registryConfig": _object(
                {
                    "authConfig": _object({"userName": _TEXT, "password": _TEXT}),
                    "certConfig": _object({"insecure": _boolean, "rootCaCertBase64": _TEXT}),
                    "networkConfig": _object({"vpcId": _TEXT, "vSwitchId": _TEXT, "securityGroupId": _TEXT}),
                }
            ),
        }
    ),
    "healthCheckConfiguration": _object(
        {
            "httpGetUrl": _TEXT,
            "initialDelaySeconds": _integer(0),
            "periodSeconds": _integer(1),
            "timeoutSeconds": _integer(1),
            "failureThreshold": _integer(1),
            "successThreshold": _integer(1),
        }
    ),
    "logConfiguration": _object({"project": _TEXT, "logstore": _TEXT}),
    "nasConfig": _object(
        {
            "userId": _integer(0),
            "groupId": _integer(0),
            "mountPoints": _objects({"serverAddr": _TEXT, "mountDir": _TEXT, "enableTLS": _boolean}),
        }
    ),
    "ossMountConfig": _object(
        {
            "mountPoints": _objects(
                {
                    "bucketName": _TEXT,
                    "bucketPath": _TEXT,
                    "endpoint": _TEXT,
                    "mountDir": _TEXT,
                    "readOnly": _boolean,
                }
            )
        }
    ),
    "protocolConfiguration": _object({"type": _TEXT, "protocolSettings": _any_list}),
    "armsConfiguration": _object({}),
}


def _present(body: dict[str, Any]) -> dict[str, Any]:
    """The body's fields that carry a value: a JSON null is a field left out, as the service's
    typed request model reads it (so an update can never clear a required field with null)."""
    return {k: v for k, v in body.items() if v is not None}


def _validate(body: dict[str, Any], *, creating: bool) -> None:
    """The service's own checks, field by field (schema.json runs the same before requests)."""
    if creating:
        for name in REQUIRED:
            if body.get(name) is None:
                raise _invalid(f"{name} is required")
    _check_fields(body, RUNTIME_FIELDS)
    artifact = body.get("artifactType")
    if creating and artifact == "Code" and not body.get("codeConfiguration"):
        raise _invalid("codeConfiguration is required for Code runtimes")
    if creating and artifact == "Container" and not body.get("containerConfiguration"):
        raise _invalid("containerConfiguration is required for Container runtimes")


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


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document without its private (``_``) fields."""
    return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}


def _masked(runtime: dict[str, Any]) -> dict[str, Any]:
    """The runtime as the API shows it: private fields dropped, the registry password masked."""
    shown = _public(runtime)
    auth = (((shown.get("containerConfiguration") or {}).get("registryConfig") or {}).get("authConfig")) or {}
    if auth.get("password"):
        auth["password"] = auth["password"][:3] + "***"
    return shown


def _endpoint_view(endpoint: dict[str, Any]) -> dict[str, Any]:
    """The endpoint as the API shows it: the kept scaling config reported as ``scalingStatus``."""
    shown = _public(endpoint)
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


def _version_key(runtime_id: str, number: int | str) -> str:
    return f"{runtime_id}/{number}"


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

    def claim_nonce(self, nonce: str, *, until: float, now: float) -> bool:
        """Record a request's signature nonce as used until ``until``; False if it was used
        already (and is still remembered)."""
        return self.store.claim_nonce("agentrun", nonce, expires=until, now=now)

    def _atomic(self) -> AbstractContextManager[None]:
        """One transaction for a change of several rows: all of it is stored, or none."""
        return self.store.transaction()

    # -- life cycle ---------------------------------------------------------------------

    def _settle(self, runtime: dict[str, Any]) -> dict[str, Any] | None:
        pending = runtime.get("_pending")
        if not pending or self.clock() < pending["at"]:
            return runtime
        runtime_id = runtime["agentRuntimeId"]
        if pending["status"] == "GONE":
            with self._atomic():
                # Its versions go with it; endpoints cannot be left (delete refuses then), but
                # none may outlive their runtime either way. The runtime row goes last.
                for version in list(self.store.all(VERSION_KIND)):
                    if version["agentRuntimeId"] == runtime_id:
                        self.store.delete(VERSION_KIND, _version_key(runtime_id, version["agentRuntimeVersion"]))
                for endpoint in list(self.store.all(ENDPOINT_KIND)):
                    if endpoint["agentRuntimeId"] == runtime_id:
                        self.store.delete(ENDPOINT_KIND, endpoint["agentRuntimeEndpointId"])
                self.store.delete(KIND, runtime_id)
            return None
        self._arrive(runtime, pending)
        self.store.put(KIND, runtime_id, runtime)
        return runtime

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

    @staticmethod
    def _arrive(doc: dict[str, Any], pending: dict[str, Any]) -> None:
        doc.pop("_pending")
        doc["status"], doc["statusReason"] = pending["status"], pending["reason"]
        doc["lastUpdatedAt"] = _now_iso(pending["at"])

    def _begin(self, doc: dict[str, Any], operation: str, status: str, failure: str | None, ready: str) -> None:
        """Enter ``status`` now; reach the operation's outcome after the transition delay."""
        if failure is not None:
            outcome = {"status": f"{operation.upper()}_FAILED", "reason": failure}
        elif operation == "delete":
            outcome = {"status": "GONE", "reason": ""}
        else:
            outcome = {"status": "READY", "reason": ready}
        doc["status"], doc["statusReason"] = status, ""
        doc["lastUpdatedAt"] = _now_iso(self.clock())
        doc["_pending"] = {**outcome, "at": self.clock() + self.transition_seconds}

    def _begin_runtime(self, runtime: dict[str, Any], operation: str, status: str) -> None:
        key = f"{runtime['agentRuntimeName']}/{operation}"
        rule = self.store.get(FAILURE_KIND, key)
        failure = None if rule is None else str(rule["reason"])
        with self._atomic():
            self._begin(runtime, operation, status, failure, "Runtime is ready for use")
            self.store.put(KIND, runtime["agentRuntimeId"], runtime)
            if rule is not None:
                self.store.delete(FAILURE_KIND, key)

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

    def fail_next(self, name: str, operation: str, reason: str) -> None:
        """Make the next ``operation`` (create/update/delete) on runtime ``name`` fail."""
        if operation not in OPERATIONS:
            raise InvalidRequest(400, "ERR_BAD_REQUEST", "operation must be create, update or delete")
        self.store.put(FAILURE_KIND, f"{name}/{operation}", {"reason": reason})

    def fail_next_endpoint(self, name: str, operation: str, reason: str, runtime_id: str | None = None) -> None:
        """Make the next ``operation`` on endpoint ``name`` fail (of runtime ``runtime_id``, or of any)."""
        if operation not in OPERATIONS:
            raise InvalidRequest(400, "ERR_BAD_REQUEST", "operation must be create, update or delete")
        self.store.put(ENDPOINT_FAILURE_KIND, f"{runtime_id or '*'}/{name}/{operation}", {"reason": reason})

    # -- runtimes -----------------------------------------------------------------------

    def _load(self, runtime_id: str) -> dict[str, Any]:
        runtime = self.store.get(KIND, runtime_id)
        runtime = self._settle(runtime) if runtime else None
        if runtime is None:
            raise InvalidRequest(404, "ERR_NOT_FOUND", f"agent runtime {runtime_id} does not exist")
        return runtime

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        body = _present(body)
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
            self._begin_runtime(runtime, "create", "CREATING")
        return _masked(runtime)

    def get(self, runtime_id: str, version: str | None = None) -> dict[str, Any]:
        """The runtime; with ``version`` (a published number) the runtime as that version froze it."""
        with self.store.lock:
            runtime = self._load(runtime_id)
            if not version or version == "LATEST":
                return _masked(runtime)
            found = self.store.get(VERSION_KIND, _version_key(runtime_id, version))
        if found is None:
            raise InvalidRequest(
                404, "ERR_NOT_FOUND", f"version {version} of agent runtime {runtime_id} does not exist"
            )
        return {**_masked(found["_snapshot"]), "agentRuntimeVersion": found["agentRuntimeVersion"]}

    def update(self, runtime_id: str, body: dict[str, Any]) -> dict[str, Any]:
        body = _present(body)
        _validate(body, creating=False)
        with self.store.lock:
            runtime = self._load(runtime_id)
            if runtime["status"] in BUSY:
                raise InvalidRequest(409, "ERR_CONFLICT", f"agent runtime {runtime_id} is {runtime['status']}")
            for name in FIXED_ON_UPDATE:
                if name in body and body[name] != runtime.get(name):
                    raise _invalid(f"{name} cannot be changed")
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
            self._begin_runtime(runtime, "update", "UPDATING")
        return _masked(runtime)

    def delete(self, runtime_id: str) -> dict[str, Any]:
        with self.store.lock:
            runtime = self._load(runtime_id)
            if runtime["status"] != "DELETING":
                names = [e["agentRuntimeEndpointName"] for e in self.endpoints(runtime_id)]
                if names:
                    raise InvalidRequest(
                        400,
                        "ERR_BAD_REQUEST",
                        f"agent runtime {runtime_id} still has endpoints {', '.join(names)}: delete them first",
                    )
                self._begin_runtime(runtime, "delete", "DELETING")
        return _masked(runtime)

    def runtimes(self) -> Docs:
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
        return _page([_masked(r) for r in found], page_number, page_size)

    # -- versions -----------------------------------------------------------------------

    def _versions(self, runtime_id: str) -> Docs:
        """The runtime's published versions, newest first."""
        found = [v for v in self.store.all(VERSION_KIND) if v["agentRuntimeId"] == runtime_id]
        return sorted(found, key=lambda v: int(v["agentRuntimeVersion"]), reverse=True)

    def publish_version(self, runtime_id: str, body: dict[str, Any]) -> dict[str, Any]:
        description, publisher = body.get("description", ""), body.get("publisher", "")
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise _invalid(f"description must be a string of at most {MAX_DESCRIPTION} characters")
        if not isinstance(publisher, str) or len(publisher) > MAX_PUBLISHER:
            raise _invalid(f"publisher must be a string of at most {MAX_PUBLISHER} characters")
        with self.store.lock:
            runtime = self._load(runtime_id)
            if runtime["status"] != "READY":
                raise InvalidRequest(
                    409,
                    "ERR_CONFLICT",
                    f"agent runtime {runtime_id} is {runtime['status']}: "
                    "a version can be published only when it is READY",
                )
            newest = self._versions(runtime_id)
            number = str(int(newest[0]["agentRuntimeVersion"]) + 1 if newest else 1)
            version = {
                "agentRuntimeArn": runtime["agentRuntimeArn"],
                "agentRuntimeId": runtime_id,
                "agentRuntimeName": runtime["agentRuntimeName"],
                "agentRuntimeVersion": number,
                "description": description,
                "publisher": publisher,
                "lastUpdatedAt": _now_iso(self.clock()),
                "_snapshot": _public(runtime),
            }
            self.store.put(VERSION_KIND, _version_key(runtime_id, number), version)
        return _public(version)

    def list_versions(self, runtime_id: str, *, page_number: int = 1, page_size: int = 20) -> dict[str, Any]:
        with self.store.lock:
            self._load(runtime_id)
            found = [_public(v) for v in self._versions(runtime_id)]
        return _page(found, page_number, page_size)

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
        _name("agentRuntimeEndpointName", endpoint.get("agentRuntimeEndpointName"))
        description = endpoint.get("description")
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise _invalid(f"description must be a string of at most {MAX_DESCRIPTION} characters")
        if not isinstance(endpoint.get("disablePublicNetworkAccess"), bool):
            raise _invalid("disablePublicNetworkAccess must be true or false")
        published = {v["agentRuntimeVersion"] for v in self._versions(runtime_id)}
        known = ", ".join(sorted(published, key=int)) or "none"
        target = endpoint.get("targetVersion")
        if not isinstance(target, str) or (target != "LATEST" and target not in published):
            raise _invalid(
                f"targetVersion {target!r} must be LATEST or a published version of agent runtime {runtime_id} "
                f"(published: {known})"
            )
        routing = endpoint.get("routingConfiguration")
        weights = routing.get("versionWeights") if isinstance(routing, dict) else None
        if not isinstance(weights, list):
            raise _invalid("routingConfiguration.versionWeights must be a list of {version, weight}")
        seen: set[str] = set()
        total = 0.0
        for i, entry in enumerate(weights):
            where = f"routingConfiguration.versionWeights[{i}]"
            if not isinstance(entry, dict):
                raise _invalid(f"{where} must be an object {{version, weight}}")
            version, weight = entry.get("version"), entry.get("weight")
            if not isinstance(version, str) or version not in published:
                raise _invalid(
                    f"{where}.version {version!r} is not a published version of agent runtime {runtime_id} "
                    f"(published: {known})"
                )
            if version in seen:
                raise _invalid(f"{where}.version {version} appears more than once")
            if version == target:
                raise _invalid(
                    f"{where}.version {version} is the targetVersion: the target version takes the remaining weight"
                )
            seen.add(version)
            if not _is_number(weight) or not 0.0 <= weight <= 1.0:
                raise _invalid(
                    f"{where}.weight {weight!r} must be a ratio between 0.0 and 1.0 (0.1 for 10%; percentages "
                    "are not accepted)"
                )
            total += weight
        if total > 1.0 + WEIGHT_SLACK:
            raise _invalid(
                f"routingConfiguration.versionWeights add up to {total:g}: "
                "at most 1.0, the target version takes the rest"
            )

    @staticmethod
    def _scaling(config: Any) -> dict[str, Any]:
        """A ``scalingConfig`` as kept: checked, with its defaults."""
        if not isinstance(config, dict):
            raise _invalid("scalingConfig must be an object {minInstances, scheduledPolicies}")
        minimum = config.get("minInstances", 0)
        if not _is_int(minimum) or minimum < 0:
            raise _invalid(f"scalingConfig.minInstances {minimum!r} must be a whole number >= 0")
        policies = config.get("scheduledPolicies", [])
        if not isinstance(policies, list) or not all(isinstance(p, dict) for p in policies):
            raise _invalid("scalingConfig.scheduledPolicies must be a list of objects")
        for i, policy in enumerate(policies):
            target = policy.get("target")
            if target is not None and (not _is_int(target) or target < 0):
                raise _invalid(f"scalingConfig.scheduledPolicies[{i}].target {target!r} must be a whole number >= 0")
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
                    "createdAt": _now_iso(self.clock()),
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
                raise _invalid("deleteScalingConfig must be true or false")
            if drop and body.get("scalingConfig") is not None:
                raise _invalid("scalingConfig and deleteScalingConfig: true cannot be sent together")
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
        return _page([_endpoint_view(e) for e in found], page_number, page_size)


def _page(items: Docs, page_number: int, page_size: int) -> dict[str, Any]:
    start = (page_number - 1) * page_size
    return {
        "items": items[start : start + page_size],
        "pageNumber": page_number,
        "pageSize": page_size,
        "total": len(items),
    }
