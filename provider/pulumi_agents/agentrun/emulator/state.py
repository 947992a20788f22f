"""AgentRun as the service keeps it: runtimes, their endpoints and their published versions, with
ids, ARNs, defaults, and the asynchronous CREATING/UPDATING/DELETING -> READY/gone life cycle.

Transitions are settled lazily on each access, at ``transition_seconds`` after the operation, so
no background thread is needed and a restart keeps every pending transition.

Each resource family has its module under ``models/``, as moto splits ``ec2/models/*.py``:
``runtimes.py``, ``endpoints.py``, ``versions.py`` (each with the wire decisions where the vendor
publishes nothing), the field checks in ``checks.py``, what they share in ``common.py`` and
``base.py``. ``AgentRunState`` combines them.

Every change of more than one row runs in one ``Store.transaction()`` (``_atomic``): a crash
never leaves half of it.
"""

from __future__ import annotations

from pulumi_agents.agentrun.emulator.models.common import (
    ENDPOINT_FAILURE_KIND,
    ENDPOINT_KIND,
    FAILURE_KIND,
    KIND,
    VERSION_KIND,
    InvalidRequest,
)
from pulumi_agents.agentrun.emulator.models.endpoints import Endpoints
from pulumi_agents.agentrun.emulator.models.runtimes import Runtimes
from pulumi_agents.agentrun.emulator.models.versions import Versions

__all__ = [
    "ENDPOINT_FAILURE_KIND",
    "ENDPOINT_KIND",
    "FAILURE_KIND",
    "KIND",
    "VERSION_KIND",
    "AgentRunState",
    "InvalidRequest",
]


class AgentRunState(Runtimes, Endpoints, Versions):
    """Every family of AgentRun, on one store."""
