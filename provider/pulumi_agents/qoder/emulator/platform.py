"""The platform's kinds beside agents, each served from its schema.json entry by ``Collection``:
what the entry cannot say is here (the id's prefix, the answers' ``type``, the outputs the service
sets itself, the parent a path names)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pulumi_agents.qoder.emulator.collection import Kind
from pulumi_agents.qoder.emulator.rules import QoderError, invalid
from pulumi_agents.qoder.emulator.runs import run
from pulumi_agents.qoder.emulator.uploads import file_upload, first_version, skill_deletable, skill_upload

if TYPE_CHECKING:
    from pulumi_agents.qoder.emulator.state import QoderState


def validate_mcp_oauth(_state: QoderState, credential: dict[str, Any], now: float) -> dict[str, Any]:
    """POST .../credentials/{credential_id}/mcp_oauth_validate: an MCP OAuth credential checked
    (the emulator reaches no token endpoint: a credential with a refresh token refreshes)."""
    auth = credential.get("auth") or {}
    if auth.get("type") != "mcp_oauth":
        raise invalid(f"only mcp_oauth credentials can be validated, not {auth.get('type')}", "auth.type")
    refreshable = bool((auth.get("refresh") or {}).get("refresh_token"))
    return {
        "type": "credential_validation",
        "credential_id": credential["id"],
        "vault_id": credential["vault_id"],
        "status": "valid",
        "has_refresh_token": refreshable,
        "refresh": {"status": "succeeded"} if refreshable else None,
        "validated_at": _now(now),
    }


def _now(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def deployment_references(state: QoderState, deployment: dict[str, Any], workspace: str | None) -> None:
    """What a deployment names exists in its workspace: its agent (and that version), environment,
    vaults, memory stores and files; else a 400 naming the field."""
    agent: Any = deployment.get("agent") or ""
    agent_id, version = (agent, None) if isinstance(agent, str) else (agent.get("id"), agent.get("version"))
    try:
        state.get(str(agent_id), version, workspace)
    except QoderError:
        raise invalid(f"agent {agent_id}{f' version {version}' if version else ''} does not exist", "agent") from None
    named = [("environment_id", "Environment", deployment.get("environment_id"))]
    named += [(f"vault_ids[{i}]", "Vault", v) for i, v in enumerate(deployment.get("vault_ids") or [])]
    named += [
        (f"resources[{i}].memory_store_id", "MemoryStore", r.get("memory_store_id"))
        for i, r in enumerate(deployment.get("resources") or [])
        if r.get("type") == "memory_store"
    ]
    named += [
        (f"resources[{i}].file_id", "File", r.get("file_id"))
        for i, r in enumerate(deployment.get("resources") or [])
        if r.get("type") == "file"
    ]
    for where, kind, value in named:
        try:
            state.collection(kind).load(str(value), workspace, {})
        except QoderError:
            raise invalid(f"{where}: {state.collection(kind).api.noun} {value} does not exist", where) from None


def agent_object(body: dict[str, Any]) -> dict[str, Any]:
    """A deployment's agent as the service keeps and answers it (the SDK's AgentReference): an id
    is that agent, unpinned."""
    agent = body.get("agent")
    return {**body, "agent": {"type": "agent", "id": agent}} if isinstance(agent, str) else body


def pause(_state: QoderState, deployment: dict[str, Any], now: float) -> dict[str, Any]:
    """POST /deployments/{id}/pause: paused by its owner (again: no change)."""
    if deployment.get("status") != "paused":
        deployment["status"], deployment["paused_reason"] = "paused", {"type": "manual"}
    return deployment


def unpause(_state: QoderState, deployment: dict[str, Any], now: float) -> dict[str, Any]:
    """POST /deployments/{id}/unpause: active again, whoever paused it."""
    deployment["status"], deployment["paused_reason"] = "active", None
    return deployment


KINDS = (
    Kind("Environment", "env_", "environment"),
    Kind("MemoryStore", "memstore_", "memory_store", fixed={"status": "active", "entry_count": 0, "total_size": 0}),
    Kind("Vault", "vlt_", "vault"),
    Kind(
        "VaultCredential",
        "vcrd_",
        "vault_credential",
        parent="Vault",
        operations={"mcp_oauth_validate": validate_mcp_oauth},
    ),
    Kind(
        "Deployment",
        "depl_",
        "deployment",
        fixed={"status": "active", "paused_reason": None},
        operations={"pause": pause, "unpause": unpause, "run": run},
        check=deployment_references,
        kept=agent_object,
    ),
    Kind("File", "file_", "file", upload=file_upload),
    Kind(
        "Skill",
        "skill_",
        "skill",
        upload=skill_upload,
        uploaded=first_version,
        deletable=skill_deletable,
    ),
)
