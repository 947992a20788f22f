"""Runtimes: CreateAgentRuntime, GetAgentRuntime, UpdateAgentRuntime, DeleteAgentRuntime,
ListAgentRuntimes.

Wire decisions where the vendor publishes nothing (the official SDK's models give the names):

- Runtime ids are ``ar-`` + 16 hex digits, ARNs ``acs:agentrun:{region}:{uid}:runtimes/{uuid}``.
- A runtime's own ``agentRuntimeVersion`` counts configuration revisions (``"1"`` at create, +1
  per update); published versions are another sequence (``versions.py``). ``GetAgentRuntime``
  with ``agentRuntimeVersion=N`` answers published version N as it froze the runtime, else the
  runtime itself when N is the ``agentRuntimeVersion`` it reports (so the version a runtime
  reports always answers, before anything is published too), else 404.
- Answers carry the fields of the official SDK's ``AgentRuntime`` model only (``SHOWN``).
- Deleting a runtime that still has endpoints (in any status, DELETING ones included until they
  are gone) is 400 ``ERR_BAD_REQUEST`` naming them: the reason Alibaba's high-level SDK deletes
  the endpoints, and waits for them, before the runtime. Its versions go with it.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from typing import Any

from pulumi_agents.agentrun.emulator.models.base import Base
from pulumi_agents.agentrun.emulator.models.checks import (
    MAX_DESCRIPTION,
    Check,
    check_any_list,
    check_boolean,
    check_fields,
    check_integer,
    check_name,
    check_number,
    check_object,
    check_objects,
    check_one_of,
    check_string,
    check_string_map,
    check_strings,
)
from pulumi_agents.agentrun.emulator.models.common import (
    BUSY,
    ENDPOINT_KIND,
    FAILURE_KIND,
    KIND,
    LATEST,
    OPERATIONS,
    VERSION_KIND,
    Docs,
    InvalidRequest,
    invalid,
    now_iso,
    page,
    present,
    public,
)
from pulumi_agents.agentrun.emulator.models.versions import version_key

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

# What an answer shows: the fields of the official SDK's AgentRuntime model. What a create or an
# update takes beyond them (armsConfiguration, credentialId) is kept, never answered: the SDK's
# model has no place for it (tests/test_agentrun_sdk_answers.py holds the two together).
SHOWN = frozenset(
    (
        "agentRuntimeArn",
        "agentRuntimeId",
        "agentRuntimeName",
        "agentRuntimeVersion",
        "artifactType",
        "codeConfiguration",
        "containerConfiguration",
        "cpu",
        "createdAt",
        "credentialName",
        "description",
        "disableOndemand",
        "disableSessionAffinity",
        "diskSize",
        "edition",
        "enableSessionIsolation",
        "environmentVariables",
        "executionRoleArn",
        "externalAgentEndpointUrl",
        "headerFieldName",
        "healthCheckConfiguration",
        "lastUpdatedAt",
        "logConfiguration",
        "memory",
        "nasConfig",
        "networkConfiguration",
        "ossMountConfig",
        "port",
        "protocolConfiguration",
        "resourceGroupId",
        "sessionAffinityType",
        "sessionConcurrencyLimitPerInstance",
        "sessionIdleTimeoutSeconds",
        "status",
        "statusReason",
        "systemTags",
        "workspaceId",
    )
)

_TEXT = check_string()
_PORT = check_integer(1, 65535)
# The limits the service enforces, as schema.json mirrors them (the Serverless Devs component's
# published limits): 400 ERR_VALIDATION_FAILED naming the field.
RUNTIME_FIELDS: dict[str, Check] = {
    "agentRuntimeName": check_name,
    "artifactType": check_one_of("Code", "Container"),
    "description": check_string(MAX_DESCRIPTION),
    "cpu": check_number(0.05, 16),
    "memory": check_integer(128, 32768),
    "port": _PORT,
    "diskSize": check_integer(0),
    "sessionConcurrencyLimitPerInstance": check_integer(1, 200),
    "sessionIdleTimeoutSeconds": check_integer(60, 86400),
    "enableSessionIsolation": check_boolean,
    "disableSessionAffinity": check_boolean,
    "disableOndemand": check_boolean,
    "forceEvictInstances": check_boolean,
    "sessionAffinityType": check_one_of("NONE", "HEADER_FIELD", "GENERATED_COOKIE", "COOKIE"),
    "headerFieldName": _TEXT,
    "executionRoleArn": _TEXT,
    "credentialName": _TEXT,
    "externalAgentEndpointUrl": _TEXT,
    "workspaceId": _TEXT,
    "edition": _TEXT,
    "resourceGroupId": _TEXT,
    "environmentVariables": check_string_map,
    "systemTags": check_any_list,
    "networkConfiguration": check_object(
        {
            "networkMode": check_one_of("PUBLIC", "PRIVATE", "PUBLIC_AND_PRIVATE"),
            "vpcId": _TEXT,
            "vswitchIds": check_strings,
            "securityGroupId": _TEXT,
        }
    ),
    "codeConfiguration": check_object(
        {
            "language": _TEXT,
            "command": check_strings,
            "zipFile": _TEXT,
            "ossBucketName": _TEXT,
            "ossObjectName": _TEXT,
            "checksum": _TEXT,
        }
    ),
    "containerConfiguration": check_object(
        {
            "image": _TEXT,
            "imageRegistryType": check_one_of("ACR", "ACREE", "CUSTOM"),
            "acrInstanceId": _TEXT,
            "command": check_strings,
            "port": _PORT,
            "registryConfig": check_object(
                {
                    "authConfig": check_object({"userName": _TEXT, "password": _TEXT}),
                    "certConfig": check_object({"insecure": check_boolean, "rootCaCertBase64": _TEXT}),
                    "networkConfig": check_object({"vpcId": _TEXT, "vSwitchId": _TEXT, "securityGroupId": _TEXT}),
                }
            ),
        }
    ),
    "healthCheckConfiguration": check_object(
        {
            "httpGetUrl": _TEXT,
            "initialDelaySeconds": check_integer(0),
            "periodSeconds": check_integer(1),
            "timeoutSeconds": check_integer(1),
            "failureThreshold": check_integer(1),
            "successThreshold": check_integer(1),
        }
    ),
    "logConfiguration": check_object({"project": _TEXT, "logstore": _TEXT}),
    "nasConfig": check_object(
        {
            "userId": check_integer(0),
            "groupId": check_integer(0),
            "mountPoints": check_objects({"serverAddr": _TEXT, "mountDir": _TEXT, "enableTLS": check_boolean}),
        }
    ),
    "ossMountConfig": check_object(
        {
            "mountPoints": check_objects(
                {
                    "bucketName": _TEXT,
                    "bucketPath": _TEXT,
                    "endpoint": _TEXT,
                    "mountDir": _TEXT,
                    "readOnly": check_boolean,
                }
            )
        }
    ),
    "protocolConfiguration": check_object({"type": _TEXT, "protocolSettings": check_any_list}),
    "armsConfiguration": check_object({}),
}


def _validate(body: dict[str, Any], *, creating: bool) -> None:
    """The service's own checks, field by field (schema.json runs the same before requests)."""
    if creating:
        for name in REQUIRED:
            if body.get(name) is None:
                raise invalid(f"{name} is required")
    check_fields(body, RUNTIME_FIELDS)
    artifact = body.get("artifactType")
    if creating and artifact == "Code" and not body.get("codeConfiguration"):
        raise invalid("codeConfiguration is required for Code runtimes")
    if creating and artifact == "Container" and not body.get("containerConfiguration"):
        raise invalid("containerConfiguration is required for Container runtimes")


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
    """The runtime as the API shows it: only the fields of the SDK's model (private ones dropped),
    the registry password masked."""
    shown = {k: v for k, v in public(runtime).items() if k in SHOWN}
    auth = (((shown.get("containerConfiguration") or {}).get("registryConfig") or {}).get("authConfig")) or {}
    if auth.get("password"):
        auth["password"] = auth["password"][:3] + "***"
    return shown


class Runtimes(Base):
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
                        self.store.delete(VERSION_KIND, version_key(runtime_id, version["agentRuntimeVersion"]))
                for endpoint in list(self.store.all(ENDPOINT_KIND)):
                    if endpoint["agentRuntimeId"] == runtime_id:
                        self.store.delete(ENDPOINT_KIND, endpoint["agentRuntimeEndpointId"])
                self.store.delete(KIND, runtime_id)
            return None
        self._arrive(runtime, pending)
        self.store.put(KIND, runtime_id, runtime)
        return runtime

    def _begin_runtime(self, runtime: dict[str, Any], operation: str, status: str) -> None:
        key = f"{runtime['agentRuntimeName']}/{operation}"
        rule = self.store.get(FAILURE_KIND, key)
        failure = None if rule is None else str(rule["reason"])
        with self._atomic():
            self._begin(runtime, operation, status, failure, "Runtime is ready for use")
            self.store.put(KIND, runtime["agentRuntimeId"], runtime)
            if rule is not None:
                self.store.delete(FAILURE_KIND, key)

    def fail_next(self, name: str, operation: str, reason: str) -> None:
        """Make the next ``operation`` (create/update/delete) on runtime ``name`` fail."""
        if operation not in OPERATIONS:
            raise InvalidRequest(400, "ERR_BAD_REQUEST", "operation must be create, update or delete")
        self.store.put(FAILURE_KIND, f"{name}/{operation}", {"reason": reason})

    # -- runtimes -----------------------------------------------------------------------

    def _load(self, runtime_id: str) -> dict[str, Any]:
        runtime = self.store.get(KIND, runtime_id)
        runtime = self._settle(runtime) if runtime else None
        if runtime is None:
            raise InvalidRequest(404, "ERR_NOT_FOUND", f"agent runtime {runtime_id} does not exist")
        return runtime

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        body = present(body)
        _validate(body, creating=True)
        with self.store.lock:
            if any(r["agentRuntimeName"] == body["agentRuntimeName"] for r in self.runtimes()):
                raise InvalidRequest(409, "ERR_CONFLICT", f"agent runtime {body['agentRuntimeName']} already exists")
            now = now_iso(self.clock())
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
        """The runtime; with ``version``, the runtime as that version froze it: a published
        version's snapshot, else the runtime itself when ``version`` is the ``agentRuntimeVersion``
        it reports (so a get at the version a runtime reports answers before anything is
        published). Any other version is 404."""
        with self.store.lock:
            runtime = self._load(runtime_id)
            if not version or version == LATEST:
                return _masked(runtime)
            found = self.store.get(VERSION_KIND, version_key(runtime_id, version))
        if found is not None:
            return {**_masked(found["_snapshot"]), "agentRuntimeVersion": found["agentRuntimeVersion"]}
        if version == runtime.get("agentRuntimeVersion"):
            return _masked(runtime)
        raise InvalidRequest(404, "ERR_NOT_FOUND", f"version {version} of agent runtime {runtime_id} does not exist")

    def update(self, runtime_id: str, body: dict[str, Any]) -> dict[str, Any]:
        body = present(body)
        _validate(body, creating=False)
        with self.store.lock:
            runtime = self._load(runtime_id)
            if runtime["status"] in BUSY:
                raise InvalidRequest(409, "ERR_CONFLICT", f"agent runtime {runtime_id} is {runtime['status']}")
            for name in FIXED_ON_UPDATE:
                if name in body and body[name] != runtime.get(name):
                    raise invalid(f"{name} cannot be changed")
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
        return page([_masked(r) for r in found], page_number, page_size)
