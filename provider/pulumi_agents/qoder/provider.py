"""``qoder.Agent`` as a dynamic provider: a thin adapter over ``qoder.service``."""

from __future__ import annotations

from pulumi_agents._dynamic import DynamicProvider


class AgentProvider(DynamicProvider):
    type_name = "Agent"
