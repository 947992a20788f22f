"""The agentrun resources as dynamic providers: thin adapters over ``agentrun.service``."""

from __future__ import annotations

from pulumi_agents._dynamic import DynamicProvider
from pulumi_agents.agentrun.service import AgentRuntimeEndpointService, AgentRuntimeService, RuntimeVersionService


class AgentRuntimeProvider(DynamicProvider):
    service = AgentRuntimeService


class AgentRuntimeEndpointProvider(DynamicProvider):
    service = AgentRuntimeEndpointService


class RuntimeVersionProvider(DynamicProvider):
    service = RuntimeVersionService
