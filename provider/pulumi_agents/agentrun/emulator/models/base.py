"""What the families of AgentRunState share: the store, the clock, the life cycle.

Each family (``runtimes.py``, ``endpoints.py``, ``versions.py``) is a subclass of ``Base``, and
``state.AgentRunState`` combines them, as moto's EC2 backend combines its models: what one family
asks of another is declared here and defined by its own family.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from pulumi_agents.agentrun.emulator.models.common import Docs, now_iso
from pulumi_agents.emulator.store import Store


class Base:
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

    # -- asked across families (defined in runtimes.py, endpoints.py, versions.py) --------

    def _load(self, runtime_id: str) -> dict[str, Any]:
        """The runtime, settled (404 ``ERR_NOT_FOUND`` if it does not exist)."""
        raise NotImplementedError

    def endpoints(self, runtime_id: str) -> Docs:
        """The runtime's endpoints, settled, in creation order."""
        raise NotImplementedError

    def _versions(self, runtime_id: str) -> Docs:
        """The runtime's published versions, newest first."""
        raise NotImplementedError

    # -- life cycle ---------------------------------------------------------------------
    @staticmethod
    def _arrive(doc: dict[str, Any], pending: dict[str, Any]) -> None:
        doc.pop("_pending")
        doc["status"], doc["statusReason"] = pending["status"], pending["reason"]
        doc["lastUpdatedAt"] = now_iso(pending["at"])

    def _begin(self, doc: dict[str, Any], operation: str, status: str, failure: str | None, ready: str) -> None:
        """Enter ``status`` now; reach the operation's outcome after the transition delay."""
        if failure is not None:
            outcome = {"status": f"{operation.upper()}_FAILED", "reason": failure}
        elif operation == "delete":
            outcome = {"status": "GONE", "reason": ""}
        else:
            outcome = {"status": "READY", "reason": ready}
        doc["status"], doc["statusReason"] = status, ""
        doc["lastUpdatedAt"] = now_iso(self.clock())
        doc["_pending"] = {**outcome, "at": self.clock() + self.transition_seconds}
