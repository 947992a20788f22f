"""The platform's kinds beside agents, each served from its schema.json entry by ``Collection``:
what the entry cannot say is here (the id's prefix, the answers' ``type``, the outputs the service
sets itself, the parent a path names)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pulumi_agents.qoder.emulator.collection import Kind
from pulumi_agents.qoder.emulator.rules import invalid


def validate_mcp_oauth(credential: dict[str, Any], now: float) -> dict[str, Any]:
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
        "validated_at": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }


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
)
