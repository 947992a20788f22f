"""``qoder.Agent`` as a dynamic provider: a thin adapter over ``qoder.service``."""

from __future__ import annotations

from pulumi_agents._dynamic import DynamicProvider
from pulumi_agents.qoder.service import AgentService


class AgentProvider(DynamicProvider):
    service = AgentService
