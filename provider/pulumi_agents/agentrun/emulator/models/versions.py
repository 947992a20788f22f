"""Published versions: PublishRuntimeVersion, ListAgentRuntimeVersions.

Two version counters, on purpose. A runtime's own ``agentRuntimeVersion`` counts configuration
revisions and is left as it was. Published versions are a separate sequence per runtime, ``"1"``,
``"2"``, ... : each one freezes the runtime's configuration at that moment, and is what endpoints
name in ``targetVersion`` and ``versionWeights`` and what ``GET ...?agentRuntimeVersion=N``
returns. Versions are never deleted (there is no API for it) except with their runtime, and list
newest first, like Function Compute's version lists (``direction`` BACKWARD by default). A
version is answered with the fields of the SDK's ``AgentRuntimeVersion`` model only: the
``publisher`` it was published with is kept, never answered.

Publishing needs a READY runtime (409 ``ERR_CONFLICT`` naming the status otherwise, the answer an
update of a busy runtime gets).
"""

from __future__ import annotations

from typing import Any

from pulumi_agents.agentrun.emulator.models.base import Base
from pulumi_agents.agentrun.emulator.models.checks import MAX_DESCRIPTION, MAX_PUBLISHER
from pulumi_agents.agentrun.emulator.models.common import (
    VERSION_KIND,
    Docs,
    InvalidRequest,
    invalid,
    now_iso,
    page,
    public,
)

# What an answer shows: the fields of the official SDK's AgentRuntimeVersion model (a store
# written before the publisher was kept apart holds it as a field: it is not answered either).
SHOWN = frozenset(
    ("agentRuntimeArn", "agentRuntimeId", "agentRuntimeName", "agentRuntimeVersion", "description", "lastUpdatedAt")
)


def _shown(version: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in public(version).items() if k in SHOWN}


def version_key(runtime_id: str, number: int | str) -> str:
    return f"{runtime_id}/{number}"


class Versions(Base):
    # -- versions -----------------------------------------------------------------------

    def _versions(self, runtime_id: str) -> Docs:
        """The runtime's published versions, newest first."""
        found = [v for v in self.store.all(VERSION_KIND) if v["agentRuntimeId"] == runtime_id]
        return sorted(found, key=lambda v: int(v["agentRuntimeVersion"]), reverse=True)

    def publish_version(self, runtime_id: str, body: dict[str, Any]) -> dict[str, Any]:
        description, publisher = body.get("description", ""), body.get("publisher", "")
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise invalid(f"description must be a string of at most {MAX_DESCRIPTION} characters")
        if not isinstance(publisher, str) or len(publisher) > MAX_PUBLISHER:
            raise invalid(f"publisher must be a string of at most {MAX_PUBLISHER} characters")
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
                "_publisher": publisher,  # taken, never answered: the SDK's AgentRuntimeVersion has no publisher
                "lastUpdatedAt": now_iso(self.clock()),
                "_snapshot": public(runtime),
            }
            self.store.put(VERSION_KIND, version_key(runtime_id, number), version)
        return _shown(version)

    def list_versions(self, runtime_id: str, *, page_number: int = 1, page_size: int = 20) -> dict[str, Any]:
        with self.store.lock:
            self._load(runtime_id)
            found = [_shown(v) for v in self._versions(runtime_id)]
        return page(found, page_number, page_size)
