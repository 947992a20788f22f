"""``aiae.AgentSmokeTest`` as a dynamic provider: a thin adapter over ``aiae.service``."""

from __future__ import annotations

from pulumi_agents._dynamic import DynamicProvider


class AgentSmokeTestProvider(DynamicProvider):
    type_name = "AgentSmokeTest"
