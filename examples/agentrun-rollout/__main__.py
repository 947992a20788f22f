"""Roll a runtime out version by version: publish each named release, move traffic to it in steps.

Stack config:
  agentrun:endpoint, agentrun:accessKeyId, agentrun:accessKeySecret (secrets)
  aiae:apiKey (secret), aiaeAgentUrl (the published agent that the gate asks)
  model          what the runtime runs
  release        the release to publish (default: the model's name); a new one publishes the next
                 immutable version (the candidate); a change of the runtime alone publishes nothing
  stableVersion  the version that serves the traffic the canary leaves (default: the newest)
  canaryWeight   the candidate's share of the traffic, a ratio from 0.0 to 1.0 (default 0)
`./run demo` with DEMO_EXAMPLE=agentrun-rollout sets the credentials against the local emulator;
docs/resources.md walks through a rollout and a rollback.
"""

import pulumi

from pulumi_agents import agentrun, aiae

config = pulumi.Config()
model = config.get("model") or "qwen-plus"
weight = config.get_float("canaryWeight") or 0.0

runtime = agentrun.AgentRuntime(
    "bot",
    agent_runtime_name="rollout-bot",
    artifact_type="Code",
    cpu=1,
    memory=2048,
    port=8080,
    code_configuration={
        "language": "python3.12",
        "command": ["python", "main.py"],
        "oss_bucket_name": "rollout-bot-code",
        "oss_object_name": "bot.zip",
    },
    network_configuration={"network_mode": "PUBLIC"},
    environment_variables={"MODEL": model},
)

# A release the program names publishes the next immutable version: the candidate. Not the
# runtime's own version output, which every runtime update moves (a cpu change too): each would
# publish a version that the canary weight then sends traffic to, unreviewed.
release = config.get("release") or f"model {model}"
candidate = agentrun.RuntimeVersion(
    "candidate",
    agent_runtime_id=runtime.agent_runtime_id,
    description=release,
    publisher="pulumi",
    triggers=[release],
)
stable = config.get("stableVersion") or candidate.version

# The gate: before traffic moves, the published agent must answer about the candidate.
gate = aiae.AgentSmokeTest(
    "gate",
    url=config.require("aiaeAgentUrl"),
    query=pulumi.Output.concat("Is version ", candidate.version, f" ready for {weight:.0%} of the traffic?"),
    expect_contains=[candidate.version],
    time_limit_seconds=30,
    triggers=[candidate.version, weight],
)

prod = agentrun.AgentRuntimeEndpoint(
    "prod",
    agent_runtime_id=runtime.agent_runtime_id,
    agent_runtime_endpoint_name="prod",
    description="production traffic",
    target_version=stable,
    routing_configuration=pulumi.Output.all(stable, candidate.version).apply(
        lambda versions: {
            "version_weights": [{"version": versions[1], "weight": weight}]
            if weight > 0 and versions[0] != versions[1]
            else []
        }
    ),
    opts=pulumi.ResourceOptions(depends_on=[gate]),
)

pulumi.export("runtime_id", runtime.agent_runtime_id)
pulumi.export("candidate_version", candidate.version)
pulumi.export("stable_version", prod.target_version)
pulumi.export("routing", prod.routing_configuration)
pulumi.export("url", prod.endpoint_public_url)
