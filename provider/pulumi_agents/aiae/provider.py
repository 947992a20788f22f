"""``aiae.AgentSmokeTest`` as a dynamic provider: a thin adapter over ``aiae.service``."""

from __future__ import annotations

from pulumi_agents._dynamic import DynamicProvider
from pulumi_agents.aiae.service import AgentSmokeTestService


class AgentSmokeTestProvider(DynamicProvider):
    service = AgentSmokeTestService
