"""``qoder.Agent``: a Qoder cloud agent as a Pulumi resource."""

from __future__ import annotations

from typing import Any, Unpack

import pulumi

from pulumi_agents._resource import SchemaResource
from pulumi_agents.qoder.provider import AgentProvider
from pulumi_agents.qoder.types import AgentArgs, AgentOutputs


class Agent(SchemaResource, AgentOutputs, module="qoder", name="Agent"):
    """A Qoder cloud agent.

    Example::

        bot = qoder.Agent("doc-helper",
            name="doc-test-agent",
            model="ultimate",                      # or {"id": "ultimate", "effort": "high"}
            instructions="You help with documentation.",
            tools=[{"type": "agent_toolset_20260401", "enabled_tools": ["Bash", "Read", "Grep"]}],
            mcp_servers=[{"type": "url", "name": "weather", "url": "https://mcp.example.com/sse"}],
            metadata={"team": "docs"})
        pulumi.export("agent_id", bot.agent_id)

    Every change is an in-place update that bumps ``version``; each argument's docstring
    (``AgentArgs``) says what removing it does. An agent archived outside Pulumi is replaced.
    """

    _type_name = "Agent"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[AgentArgs]
    ) -> None:
        super().__init__(AgentProvider(), resource_name, dict[str, Any](args), opts)

    @property
    def agent_id(self) -> pulumi.Output[str]:
        """The agent's id (``agent_...``), which is also this resource's id."""
        return self.id
