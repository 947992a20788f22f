"""Qoder cloud agents: agents as Pulumi resources, a client, and the emulator's service.

Each name is imported from its submodule on first use, so the client and the emulator do not load the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_agents._lazy import exports

__all__ = ["Agent", "AgentArgs", "AgentProvider", "QoderClient", "Settings"]

if TYPE_CHECKING:  # what mypy and editors read; a misspelt name stays an error
    from pulumi_agents.qoder.client import QoderClient, Settings
    from pulumi_agents.qoder.provider import AgentProvider
    from pulumi_agents.qoder.resource import Agent
    from pulumi_agents.qoder.types import AgentArgs
else:
    __getattr__, __dir__ = exports(
        __name__,
        {
            "client": ("QoderClient", "Settings"),
            "provider": ("AgentProvider",),
            "resource": ("Agent",),
            "types": ("AgentArgs",),
        },
    )
