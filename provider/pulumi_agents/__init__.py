"""Pulumi dynamic resources for cloud AI agents, with a local emulator of the vendors' APIs.

>>> from pulumi_agents import agentrun
>>> # agentrun.AgentRuntime("bot", agent_runtime_name="bot", ...) inside a Pulumi program
"""

from pulumi_agents._validate import Failure, validate
from pulumi_agents.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    PulumiAgentsError,
    ResourceFailed,
    TransportError,
    WaitTimeout,
)

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "ConflictError",
    "Failure",
    "NotFoundError",
    "PulumiAgentsError",
    "ResourceFailed",
    "TransportError",
    "WaitTimeout",
    "__version__",
    "validate",
]
