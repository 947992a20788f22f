"""An AgentRun runtime, a Qoder agent that knows it, and a smoke test that re-checks the
published agent whenever either of them changes.

Stack config:
  agentrun:endpoint, agentrun:accessKeyId, agentrun:accessKeySecret (secrets)
  qoder:baseUrl, qoder:token (secret)
  aiae:apiKey (secret), aiaeAgentUrl (the published agent's .../execute address)
  optional: memory (runtime MB), team (agent metadata)
`./run demo` sets all of it against the local emulator.
"""

import pulumi

from pulumi_agents import agentrun, aiae, qoder

config = pulumi.Config()

runtime = agentrun.AgentRuntime(
    "support-runtime",
    agent_runtime_name="support-runtime",
    artifact_type="Code",
    cpu=1,
    memory=config.get_int("memory") or 2048,
    port=8080,
    code_configuration={
        "language": "python3.12",
        "command": ["python", "main.py"],
        "oss_bucket_name": "support-bot-code",
        "oss_object_name": "bot-v1.zip",
    },
    network_configuration={"network_mode": "PUBLIC"},
    health_check_configuration={"http_get_url": "/ready", "period_seconds": 10, "timeout_seconds": 2},
    environment_variables={"LOG_LEVEL": "info"},
)

agent = qoder.Agent(
    "support-agent",
    name="support-agent",
    model={"id": "ultimate", "effort": "medium"},
    instructions=pulumi.Output.concat(
        "You triage support tickets. Escalate to runtime ", runtime.agent_runtime_id, " when needed."
    ),
    tools=[{"type": "agent_toolset_20260401", "enabled_tools": ["Read", "Grep", "WebFetch"]}],
    mcp_servers=[{"type": "url", "name": "tickets", "url": "https://tickets.example.com/mcp"}],
    metadata={"team": config.get("team") or "support", "runtime": runtime.agent_runtime_id},
    on_delete=config.get("agentOnDelete") or "archive",  # ./run demo sets "delete": nothing piles up
)

smoke = aiae.AgentSmokeTest(
    "published-agent-answers",
    url=config.require("aiaeAgentUrl"),
    query=pulumi.Output.concat("Is runtime ", runtime.agent_runtime_id, " answering?"),
    user_id="release-pipeline",
    conversation_id=pulumi.Output.concat("release-", runtime.agent_runtime_version),
    expect_contains=[runtime.agent_runtime_id],
    expect_tools=["word_count"],
    time_limit_seconds=30,
    # Re-check whenever the runtime or the agent changes.
    triggers=[runtime.agent_runtime_version, agent.version],
)

pulumi.export("runtime_id", runtime.agent_runtime_id)
pulumi.export("runtime_version", runtime.agent_runtime_version)
pulumi.export("agent_id", agent.agent_id)
pulumi.export("agent_version", agent.version)
pulumi.export("smoke_answer", smoke.answer)
pulumi.export("smoke_latency_seconds", smoke.latency_seconds)
