"""Provider-plugin resources for the end-to-end tests: adoption by id (config runtimeId/agentId),
detailed diffs, a dependent that must stay known through an update, a wait that can time out, and
a lookup by name (config lookup: a runtime's name)."""

import pulumi

from pulumi_agents.plugin import agentrun, qoder

config = pulumi.Config()
adopt_runtime, adopt_agent = config.get("runtimeId"), config.get("agentId")

runtime = agentrun.AgentRuntime(
    "rt",
    agent_runtime_name=config.get("name") or "adopted-bot",
    artifact_type="Code",
    cpu=1,
    memory=config.get_int("memory") or 2048,
    port=8080,
    code_configuration={"language": "python3.12", "oss_bucket_name": "bot-code", "oss_object_name": "bot.zip"},
    network_configuration={"network_mode": "PUBLIC"},
    environment_variables={"API_KEY": config.require_secret("apiKey")},
    wait_timeout_seconds=config.get_float("wait"),
    opts=pulumi.ResourceOptions(import_=adopt_runtime) if adopt_runtime else None,
)

# Depends on the runtime's id only: an update of the runtime must not make it [unknown].
endpoint = agentrun.AgentRuntimeEndpoint(
    "ep",
    agent_runtime_id=runtime.agent_runtime_id,
    agent_runtime_endpoint_name="prod",
    description=pulumi.Output.concat("serves ", runtime.agent_runtime_id),
)

agent = qoder.Agent(
    "agent",
    name="adopted-agent",
    model="ultimate",
    instructions="You answer support questions.",
    metadata={"team": "support"},
    opts=pulumi.ResourceOptions(import_=adopt_agent) if adopt_agent else None,
)

pulumi.export("runtime_id", runtime.agent_runtime_id)
pulumi.export("endpoint_id", endpoint.agent_runtime_endpoint_id)
pulumi.export("agent_id", agent.agent_id)

if config.get("lookup"):  # the plugin's function: a runtime found by its name
    found = agentrun.get_agent_runtime(agent_runtime_name=config.require("lookup"))
    pulumi.export("looked_up", found["agent_runtime_id"])
    pulumi.export("looked_up_status", found["status"])
