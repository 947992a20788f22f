"""Qoder cloud agents: agents as Pulumi resources, a client, and the emulator's service."""

from pulumi_agents.qoder.client import QoderClient, Settings
from pulumi_agents.qoder.provider import AgentProvider
from pulumi_agents.qoder.resource import Agent
from pulumi_agents.qoder.types import AgentArgs

__all__ = ["Agent", "AgentArgs", "AgentProvider", "QoderClient", "Settings"]
