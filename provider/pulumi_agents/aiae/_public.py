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

# The package's public names besides its resources (which scripts/generate.py adds from
# schema.json), by the submodule that defines them: the one hand-kept list.
NAMES = {
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
    "request": ("AgentRequest",),
}
