"""Qoder cloud agents served by the ``qoder`` provider plugin (``qoder:index:Agent``).
Arguments and outputs are those of ``pulumi_agents.qoder``."""

from __future__ import annotations

from typing import Any, Unpack

import pulumi

from pulumi_agents._resource import PluginResource
from pulumi_agents.qoder.types import AgentArgs, AgentOutputs

__all__ = ["Agent"]


class Agent(PluginResource, AgentOutputs):
    """A Qoder cloud agent (see ``pulumi_agents.qoder.Agent``). Import: its agent id."""

    _type_name = "Agent"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[AgentArgs]
    ) -> None:
        super().__init__(resource_name, dict[str, Any](args), opts)

    @property
    def agent_id(self) -> pulumi.Output[str]:
        """The agent's id (``agent_...``), which is also this resource's id."""
        return self.id
