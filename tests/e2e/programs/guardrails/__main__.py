"""Resources for policies/agents: compliant, or with config `violate` true breaking each rule.

A Qoder environment is not a resource of pulumi-agents yet: a small dynamic resource typed
``pulumi-python:dynamic/qoder:Environment`` stands in, carrying the vendor SDK's wire fields, so
that the pack's environment rule meets a resource of the type it is written for."""

import pulumi
import pulumi.dynamic

from pulumi_agents import agentrun, qoder

config = pulumi.Config()
violate = config.get_bool("violate") or False


class _EnvironmentProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: dict) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(id_=f"env-{props['name']}", outs=props)


class Environment(pulumi.dynamic.Resource, module="qoder", name="Environment"):
    def __init__(self, name: str, props: dict) -> None:
        super().__init__(_EnvironmentProvider(), name, props)


network = (
    {"network_mode": "PUBLIC"}
    if violate
    else {"network_mode": "PRIVATE", "vpc_id": "vpc-1", "vswitch_ids": ["vsw-1"], "security_group_id": "sg-1"}
)
runtime = agentrun.AgentRuntime(
    "guarded-bot",
    agent_runtime_name="guarded-bot",
    artifact_type="Container",
    cpu=1,
    memory=2048,
    port=8080,
    container_configuration={"image": "registry.example.com/bots/guarded:" + ("latest" if violate else "1.4.2")},
    network_configuration=network,
    health_check_configuration=None if violate else {"http_get_url": "/ready", "period_seconds": 30},
)
pulumi.export("runtime_id", runtime.agent_runtime_id)

if violate:  # an endpoint needs a published version: only the violating (blocked) program has one
    agentrun.AgentRuntimeEndpoint(
        "guarded-canary",
        agent_runtime_id=runtime.agent_runtime_id,
        agent_runtime_endpoint_name="guarded-canary",
        target_version="1",
        routing_configuration={"version_weights": [{"version": "2", "weight": 0.5}]},
    )

agent = qoder.Agent(
    "guarded-helper",
    name="guarded-helper",
    model="ultimate",
    instructions="You help with documentation.",
    tools=[{"type": "agent_toolset_20260401", "enabled_tools": ["Read", "WebFetch", *(["Bash"] if violate else [])]}],
    mcp_servers=[{"type": "url", "name": "docs", "url": ("http" if violate else "https") + "://mcp.example.com/sse"}],
    on_delete="delete",
)
pulumi.export("agent_id", agent.agent_id)

Environment(
    "guarded-env",
    {
        "name": "guarded-env",
        "config": {
            "type": "cloud",
            "networking": {"type": "unrestricted"}
            if violate
            else {"type": "limited", "allowed_hosts": ["mcp.example.com"]},
        },
    },
)
