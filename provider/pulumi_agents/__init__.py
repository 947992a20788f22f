"""Pulumi resources for cloud AI agents (dynamic, or served by provider plugins), with a local
emulator of the vendors' APIs.

>>> from pulumi_agents import agentrun
>>> # agentrun.AgentRuntime("bot", agent_runtime_name="bot", ...) inside a Pulumi program
"""

from typing import TYPE_CHECKING

from pulumi_agents._lazy import exports
from pulumi_agents.errors import (
    ApiError,
    AuthenticationError,
    BusyError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PartialFailure,
    PulumiAgentsError,
    ResourceFailed,
    TransportError,
    WaitTimeout,
)

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BusyError",
    "ConfigurationError",
    "ConflictError",
    "Failure",
    "NotFoundError",
    "PartialFailure",
    "PulumiAgentsError",
    "ResourceFailed",
    "TransportError",
    "WaitTimeout",
    "__version__",
    "validate",
]

if TYPE_CHECKING:
    from pulumi_agents._validate import Failure, validate
else:  # validation (jsonschema) loads when first used, not with every resource
    __getattr__, __dir__ = exports(__name__, {"_validate": ("Failure", "validate")})
