"""Several runtimes and agents at once: config `runtimes`, `agents` (counts), `memory` and `cpu`
(what an update changes) and `wait` (waitTimeoutSeconds)."""

import pulumi

from pulumi_agents import agentrun, qoder

config = pulumi.Config()
memory = config.get_int("memory") or 2048
cpu = config.get_float("cpu") or 1

for i in range(config.get_int("runtimes") or 10):
    agentrun.AgentRuntime(
        f"rt-{i}",
        agent_runtime_name=f"fleet-{i}",
        artifact_type="Code",
        cpu=cpu,
        memory=memory,
        port=8080,
        code_configuration={"language": "python3.12", "oss_bucket_name": "fleet-code", "oss_object_name": "bot.zip"},
        network_configuration={"network_mode": "PUBLIC"},
        environment_variables={"SLOT": str(i)},
        wait_timeout_seconds=config.get_float("wait"),
    )

for i in range(config.get_int("agents") or 0):
    qoder.Agent(
        f"agent-{i}",
        name=f"fleet-agent-{i}",
        model="ultimate",
        instructions=f"You are agent {i}.",
        metadata={"memory": str(memory)},
        on_delete="delete",
    )
