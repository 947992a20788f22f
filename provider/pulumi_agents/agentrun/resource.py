"""The agentrun resources: a runtime, its published versions and its endpoints."""

from __future__ import annotations

from typing import Any, Unpack

import pulumi

from pulumi_agents._resource import SchemaResource
from pulumi_agents.agentrun.provider import AgentRuntimeEndpointProvider, AgentRuntimeProvider, RuntimeVersionProvider
from pulumi_agents.agentrun.types import (
    AgentRuntimeArgs,
    AgentRuntimeEndpointArgs,
    AgentRuntimeEndpointOutputs,
    AgentRuntimeOutputs,
    RuntimeVersionArgs,
    RuntimeVersionOutputs,
)


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


class RuntimeVersion(SchemaResource, RuntimeVersionOutputs, module="agentrun", name="RuntimeVersion"):
    """A published, immutable version of a runtime: what an endpoint's ``target_version`` and
    weights name.

    Example::

        v2 = agentrun.RuntimeVersion("v2", agent_runtime_id=rt.agent_runtime_id, description="tools fix",
                                     triggers=[rt.agent_runtime_version])
        pulumi.export("v2", v2.version)

    Publishing waits for the runtime to be READY. Any change (a ``triggers`` value included)
    publishes a new version. The API has no delete for versions: destroying the resource forgets
    it, and the version stays in the runtime's history.
    """

    _type_name = "RuntimeVersion"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[RuntimeVersionArgs]
    ) -> None:
        super().__init__(RuntimeVersionProvider(), resource_name, dict[str, Any](args), opts)


class AgentRuntimeEndpoint(SchemaResource, AgentRuntimeEndpointOutputs, module="agentrun", name="AgentRuntimeEndpoint"):
    """A named endpoint of a runtime: one version serves its traffic, or several by weight.

    Example, a canary that sends 10% of the traffic to v2::

        prod = agentrun.AgentRuntimeEndpoint("prod", agent_runtime_id=rt.agent_runtime_id,
            agent_runtime_endpoint_name="prod", target_version=v1.version,
            routing_configuration={"version_weights": [{"version": v2.version, "weight": 0.1}]})
        pulumi.export("url", prod.endpoint_public_url)

    Weights are ratios from 0.0 to 1.0; ``target_version`` gets the rest. The resource id is
    ``<agent_runtime_id>/<agent_runtime_endpoint_id>``.
    """

    _type_name = "AgentRuntimeEndpoint"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[AgentRuntimeEndpointArgs]
    ) -> None:
        super().__init__(AgentRuntimeEndpointProvider(), resource_name, dict[str, Any](args), opts)
