"""Alibaba Cloud AgentRun resources served by the ``agentrun`` provider plugin
(type tokens ``agentrun:index:AgentRuntime``, ``agentrun:index:AgentRuntimeEndpoint``,
``agentrun:index:RuntimeVersion``). Arguments and outputs are those of ``pulumi_agents.agentrun``."""

from __future__ import annotations

from typing import Any, Unpack

import pulumi

from pulumi_agents._resource import PluginResource
from pulumi_agents.agentrun.types import (
    AgentRuntimeArgs,
    AgentRuntimeEndpointArgs,
    AgentRuntimeEndpointOutputs,
    AgentRuntimeOutputs,
    RuntimeVersionArgs,
    RuntimeVersionOutputs,
)

__all__ = ["AgentRuntime", "AgentRuntimeEndpoint", "RuntimeVersion"]


class AgentRuntime(PluginResource, AgentRuntimeOutputs):
    """An AgentRun runtime (see ``pulumi_agents.agentrun.AgentRuntime``). Import: its runtime id."""

    _type_name = "AgentRuntime"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[AgentRuntimeArgs]
    ) -> None:
        super().__init__(resource_name, dict[str, Any](args), opts)


class RuntimeVersion(PluginResource, RuntimeVersionOutputs):
    """A published version (see ``pulumi_agents.agentrun.RuntimeVersion``). Import:
    ``<agent_runtime_id>/<version>``."""

    _type_name = "RuntimeVersion"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[RuntimeVersionArgs]
    ) -> None:
        super().__init__(resource_name, dict[str, Any](args), opts)


class AgentRuntimeEndpoint(PluginResource, AgentRuntimeEndpointOutputs):
    """An endpoint (see ``pulumi_agents.agentrun.AgentRuntimeEndpoint``). Import:
    ``<agent_runtime_id>/<agent_runtime_endpoint_id>``."""

    _type_name = "AgentRuntimeEndpoint"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[AgentRuntimeEndpointArgs]
    ) -> None:
        super().__init__(resource_name, dict[str, Any](args), opts)
