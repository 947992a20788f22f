"""The platform's kinds beside agents, each served from its schema.json entry by ``Collection``:
what the entry cannot say is here (the id's prefix, the answers' ``type``, the outputs the service
sets itself, the parent a path names)."""

from __future__ import annotations

from pulumi_agents.qoder.emulator.collection import Kind

KINDS = (
    Kind("Environment", "env_", "environment"),
    Kind("MemoryStore", "memstore_", "memory_store", fixed={"status": "active", "entry_count": 0, "total_size": 0}),
    Kind("Vault", "vlt_", "vault"),
    Kind("VaultCredential", "vcrd_", "vault_credential", parent="Vault"),
)
