"""Alibaba Cloud AgentRun: runtimes, their endpoints and versions as Pulumi resources; a client; the emulator.

Each name is imported from its submodule on first use, so the client and the emulator do not load the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_agents._lazy import exports

__all__ = [
    "AgentRunClient",
    "AgentRuntime",
    "AgentRuntimeArgs",
    "AgentRuntimeEndpoint",
    "AgentRuntimeEndpointArgs",
    "AgentRuntimeEndpointProvider",
    "AgentRuntimeProvider",
    "Credentials",
    "RuntimeVersion",
    "RuntimeVersionArgs",
    "RuntimeVersionProvider",
    "Settings",
]

if TYPE_CHECKING:  # what mypy and editors read; a misspelt name stays an error
    from pulumi_agents.agentrun.client import AgentRunClient, Credentials, Settings
    from pulumi_agents.agentrun.provider import (
        AgentRuntimeEndpointProvider,
        AgentRuntimeProvider,
        RuntimeVersionProvider,
    )
    from pulumi_agents.agentrun.resource import AgentRuntime, AgentRuntimeEndpoint, RuntimeVersion
    from pulumi_agents.agentrun.types import AgentRuntimeArgs, AgentRuntimeEndpointArgs, RuntimeVersionArgs
else:
    __getattr__, __dir__ = exports(
        __name__,
        {
            "client": ("AgentRunClient", "Credentials", "Settings"),
            "provider": ("AgentRuntimeProvider", "AgentRuntimeEndpointProvider", "RuntimeVersionProvider"),
            "resource": ("AgentRuntime", "AgentRuntimeEndpoint", "RuntimeVersion"),
            "types": ("AgentRuntimeArgs", "AgentRuntimeEndpointArgs", "RuntimeVersionArgs"),
        },
    )
