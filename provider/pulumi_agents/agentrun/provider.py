"""The agentrun resources as dynamic providers: thin adapters over ``agentrun.service`` (loaded on use)."""

from __future__ import annotations

from pulumi_agents._dynamic import DynamicProvider


class AgentRuntimeProvider(DynamicProvider):
    type_name = "AgentRuntime"


class AgentRuntimeEndpointProvider(DynamicProvider):
    type_name = "AgentRuntimeEndpoint"


class RuntimeVersionProvider(DynamicProvider):
    type_name = "RuntimeVersion"
