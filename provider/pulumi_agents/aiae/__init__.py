"""Huawei Cloud AI-native application engine (AIAE): call a published agent, read its stream.

>>> from pulumi_agents import aiae
>>> client = aiae.AiaeClient("https://aiae.appstage.myhuaweicloud.com/v1/routes/open/<id>/execute",
...                          api_key="...")                                      # doctest: +SKIP
>>> result = client.invoke("What is the status of order 42?", user_id="u-1",
...                        conversation_id="c-9")                               # doctest: +SKIP
>>> result.text, [(c.name, c.status) for c in result.tool_calls]                # doctest: +SKIP

In a stack: ``aiae.AgentSmokeTest(...)`` fails ``pulumi up`` unless the agent answers as expected.
From a shell: ``pulumi-agents invoke URL --query "..."`` (``aiae/cli.py``). The emulator serves
agents at ``/v1/routes/open/{agent_id}/execute`` (``aiae/emulator``).

Each name is imported from its submodule on first use, so the client, ``invoke`` and the emulator
do not load the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_agents._lazy import exports

__all__ = [
    "AgentRequest",
    "AgentSmokeTest",
    "AgentSmokeTestArgs",
    "AgentSmokeTestProvider",
    "AiaeClient",
    "AiaeError",
    "AnyChunk",
    "Chunk",
    "ChunkStream",
    "InvalidRequestError",
    "InvokeResult",
    "MalformedChunkError",
    "ModelResponseChunk",
    "OtherChunk",
    "StreamError",
    "StreamTimeout",
    "Timeouts",
    "ToolCall",
    "ToolHintChunk",
    "ToolInvokeChunk",
]

if TYPE_CHECKING:  # what mypy and editors read; a misspelt name stays an error
    from pulumi_agents.aiae.chunks import (
        AnyChunk,
        Chunk,
        InvokeResult,
        ModelResponseChunk,
        OtherChunk,
        ToolCall,
        ToolHintChunk,
        ToolInvokeChunk,
    )
    from pulumi_agents.aiae.client import AiaeClient, ChunkStream, Timeouts
    from pulumi_agents.aiae.errors import (
        AiaeError,
        InvalidRequestError,
        MalformedChunkError,
        StreamError,
        StreamTimeout,
    )
    from pulumi_agents.aiae.provider import AgentSmokeTestProvider
    from pulumi_agents.aiae.request import AgentRequest
    from pulumi_agents.aiae.resource import AgentSmokeTest
    from pulumi_agents.aiae.types import AgentSmokeTestArgs
else:
    __getattr__, __dir__ = exports(
        __name__,
        {
            "chunks": (
                "AnyChunk",
                "Chunk",
                "InvokeResult",
                "ModelResponseChunk",
                "OtherChunk",
                "ToolCall",
                "ToolHintChunk",
                "ToolInvokeChunk",
            ),
            "client": ("AiaeClient", "ChunkStream", "Timeouts"),
            "errors": ("AiaeError", "InvalidRequestError", "MalformedChunkError", "StreamError", "StreamTimeout"),
            "provider": ("AgentSmokeTestProvider",),
            "request": ("AgentRequest",),
            "resource": ("AgentSmokeTest",),
            "types": ("AgentSmokeTestArgs",),
        },
    )
