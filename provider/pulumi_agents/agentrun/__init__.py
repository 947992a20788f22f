"""Alibaba Cloud AgentRun: runtimes as Pulumi resources, a client, and the emulator's service."""

from pulumi_agents.agentrun.client import AgentRunClient, Credentials, Settings
from pulumi_agents.agentrun.provider import AgentRuntimeProvider
from pulumi_agents.agentrun.resource import AgentRuntime
from pulumi_agents.agentrun.types import AgentRuntimeArgs

__all__ = ["AgentRunClient", "AgentRuntime", "AgentRuntimeArgs", "AgentRuntimeProvider", "Credentials", "Settings"]
