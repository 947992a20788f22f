"""The kinds addressed by name (the name is the id; renaming replaces): Credential, CustomDomain,
KnowledgeBase and MemoryCollection, served by the generic model from their schema.json entries
(``generic.py``). What the entries cannot say: the prefix of their service ids, and for a
credential the resources that use it (``relatedResources``), the shorter items of its list
(ListCredentialsOutput's CredentialListItem: no configuration or secret, a ``relatedResourceCount``)
and that a credential a runtime still names cannot be deleted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_agents.agentrun.emulator.models.common import InvalidRequest
from pulumi_agents.agentrun.emulator.models.generic import Collection, Kind

# Fields of Credential that CredentialListItem lacks.
_NOT_LISTED = ("credentialPublicConfig", "credentialSecret", "relatedResources")


class Credentials(Collection):
    def users(self, name: str) -> list[dict[str, str]]:
        """The runtimes that name the credential in their credentialName, as relatedResources."""
        runtimes: list[dict[str, Any]] = self.owner.runtimes()  # type: ignore[attr-defined]  # AgentRunState
        return [
            {"resourceId": r["agentRuntimeId"], "resourceName": r["agentRuntimeName"], "resourceType": "runtime"}
            for r in runtimes
            if r.get("credentialName") == name
        ]

    def view(self, doc: dict[str, Any]) -> dict[str, Any]:
        return {**super().view(doc), "relatedResources": self.users(doc["credentialName"])}

    def item(self, doc: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in super().item(doc).items() if k not in _NOT_LISTED}
        return {**shown, "relatedResourceCount": len(self.users(doc["credentialName"]))}

    def delete(self, params: Mapping[str, str]) -> dict[str, Any]:
        with self.owner.store.lock:
            name = self._load(params)["credentialName"]
            users = self.users(name)
            if users:
                named = ", ".join(f"{u['resourceType']} {u['resourceName']} ({u['resourceId']})" for u in users)
                raise InvalidRequest(
                    400, "ERR_BAD_REQUEST", f"credential {name} is still used by {named}: remove it from them first"
                )
            return super().delete(params)


CREDENTIAL = Kind("Credential", id_prefix="cred-", collection=Credentials)
CUSTOM_DOMAIN = Kind("CustomDomain", id_prefix="")  # no id of its own: the domain name is all
KNOWLEDGE_BASE = Kind("KnowledgeBase", id_prefix="kb-")
MEMORY_COLLECTION = Kind("MemoryCollection", id_prefix="mc-")
