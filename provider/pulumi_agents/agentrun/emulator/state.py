"""AgentRun as the service keeps it: runtimes, their endpoints and their published versions, with
ids, ARNs, defaults, and the asynchronous CREATING/UPDATING/DELETING -> READY/gone life cycle.

Transitions are settled lazily on each access, at ``transition_seconds`` after the operation, so
no background thread is needed and a restart keeps every pending transition.

Each resource family has its module under ``models/``, as moto splits ``ec2/models/*.py``:
``runtimes.py``, ``endpoints.py``, ``versions.py`` (each with the wire decisions where the vendor
publishes nothing), the field checks in ``checks.py``, what they share in ``common.py`` and
``base.py``. ``AgentRunState`` combines them. Kinds with no behaviour beyond their schema.json
entry are served by the generic model (``models/generic.py``), one ``Kind`` each in ``KINDS``
(``models/workspaces.py``, ``models/named.py``).

Every change of more than one row runs in one ``Store.transaction()`` (``_atomic``): a crash
never leaves half of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from pulumi_agents.agentrun.emulator.models.common import (
    ENDPOINT_FAILURE_KIND,
    ENDPOINT_KIND,
    FAILURE_KIND,
    KIND,
    VERSION_KIND,
    InvalidRequest,
)
from pulumi_agents.agentrun.emulator.models.endpoints import Endpoints
from pulumi_agents.agentrun.emulator.models.flows import FLOW, FLOW_ENDPOINT, FLOW_VERSION
from pulumi_agents.agentrun.emulator.models.generic import Collection, Kind
from pulumi_agents.agentrun.emulator.models.im_bots import IM_BOT
from pulumi_agents.agentrun.emulator.models.model_services import MODEL_PROXY, MODEL_SERVICE
from pulumi_agents.agentrun.emulator.models.named import CREDENTIAL, CUSTOM_DOMAIN, KNOWLEDGE_BASE, MEMORY_COLLECTION
from pulumi_agents.agentrun.emulator.models.runtimes import Runtimes
from pulumi_agents.agentrun.emulator.models.templates import TEMPLATE
from pulumi_agents.agentrun.emulator.models.tools import BROWSER, CODE_INTERPRETER, TOOL
from pulumi_agents.agentrun.emulator.models.versions import Versions
from pulumi_agents.agentrun.emulator.models.workspaces import WORKSPACE
from pulumi_agents.emulator.store import Store

__all__ = [
    "ENDPOINT_FAILURE_KIND",
    "ENDPOINT_KIND",
    "FAILURE_KIND",
    "KIND",
    "KINDS",
    "VERSION_KIND",
    "AgentRunState",
    "InvalidRequest",
]


# The kinds the generic model serves: one line each.
KINDS: tuple[Kind, ...] = (
    WORKSPACE,
    CREDENTIAL,
    CUSTOM_DOMAIN,
    KNOWLEDGE_BASE,
    MEMORY_COLLECTION,
    MODEL_SERVICE,
    MODEL_PROXY,
    TOOL,
    BROWSER,
    CODE_INTERPRETER,
    TEMPLATE,
    FLOW,
    FLOW_VERSION,
    FLOW_ENDPOINT,
    IM_BOT,
)


class AgentRunState(Runtimes, Endpoints, Versions):
    """Every family of AgentRun, on one store."""

    def __init__(
        self,
        store: Store,
        *,
        transition_seconds: float = 2.0,
        region: str = "cn-hangzhou",
        account_id: str = "1760720386195983",
        clock: Callable[[], float] = time.time,
        security_tokens: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            store, transition_seconds=transition_seconds, region=region, account_id=account_id, clock=clock
        )
        # Temporary (STS) access key id -> the security token every request signed with it must carry.
        self.security_tokens = dict(security_tokens or {})
        # schema.json type name -> its documents
        self.collections = {kind.type_name: (kind.collection or Collection)(kind, self) for kind in KINDS}
