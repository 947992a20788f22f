"""Alibaba Cloud AgentRun: runtimes as Pulumi resources, a client, and the emulator's service.

Each name is imported from its submodule on first use, so the client and the emulator do not load the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_agents._lazy import exports

__all__ = ["AgentRunClient", "AgentRuntime", "AgentRuntimeArgs", "AgentRuntimeProvider", "Credentials", "Settings"]

if TYPE_CHECKING:  # what mypy and editors read; a misspelt name stays an error
    from pulumi_agents.agentrun.client import AgentRunClient, Credentials, Settings
    from pulumi_agents.agentrun.provider import AgentRuntimeProvider
    from pulumi_agents.agentrun.resource import AgentRuntime
    from pulumi_agents.agentrun.types import AgentRuntimeArgs
else:
    __getattr__, __dir__ = exports(
        __name__,
        {
            "client": ("AgentRunClient", "Credentials", "Settings"),
            "provider": ("AgentRuntimeProvider",),
            "resource": ("AgentRuntime",),
            "types": ("AgentRuntimeArgs",),
        },
    )
