"""Smoke tests of published agents served by the ``aiae`` provider plugin
(``aiae:index:AgentSmokeTest``). Arguments and outputs are those of ``pulumi_agents.aiae``."""

from __future__ import annotations

from typing import Any, Unpack

import pulumi

from pulumi_agents._resource import PluginResource
from pulumi_agents.aiae.types import AgentSmokeTestArgs, AgentSmokeTestOutputs

__all__ = ["AgentSmokeTest"]


class AgentSmokeTest(PluginResource, AgentSmokeTestOutputs):
    """A post-deploy check (see ``pulumi_agents.aiae.AgentSmokeTest``)."""

    _type_name = "AgentSmokeTest"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[AgentSmokeTestArgs]
    ) -> None:
        super().__init__(resource_name, dict[str, Any](args), opts)
