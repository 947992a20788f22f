"""``AgentRuntime``: an Alibaba Cloud AgentRun runtime as a Pulumi resource."""

from __future__ import annotations

from typing import Any, Unpack

import pulumi

from pulumi_agents._resource import SchemaResource
from pulumi_agents.agentrun.provider import AgentRuntimeProvider
from pulumi_agents.agentrun.types import AgentRuntimeArgs, AgentRuntimeOutputs


class AgentRuntime(SchemaResource, AgentRuntimeOutputs, module="agentrun", name="AgentRuntime"):
    """An AgentRun runtime. Arguments are the fields of CreateAgentRuntimeInput in snake_case.

    Example::

        rt = agentrun.AgentRuntime("support-bot",
            agent_runtime_name="support-bot", artifact_type="Code", cpu=2, memory=2048, port=8080,
            code_configuration={"language": "python3.12", "command": ["python", "main.py"],
                                "oss_bucket_name": "my-code", "oss_object_name": "bot-v1.zip"},
            network_configuration={"network_mode": "PUBLIC"},
            environment_variables={"OPENAI_API_KEY": pulumi.Output.secret("sk-...")})
        pulumi.export("runtime_id", rt.agent_runtime_id)

    Each argument's docstring (``AgentRuntimeArgs``) says what changing or removing it does, and
    which are secrets; the README's reference lists the same facts, all from schema.json. Nested
    outputs (e.g. ``nas_config``) use the API's field names.
    """

    _type_name = "AgentRuntime"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[AgentRuntimeArgs]
    ) -> None:
        super().__init__(AgentRuntimeProvider(), resource_name, dict[str, Any](args), opts)
