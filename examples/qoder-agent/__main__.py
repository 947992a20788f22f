"""A Qoder cloud agent with tools, MCP servers, a skill and metadata.

Stack config: qoder:token (secret) and qoder:baseUrl (the China endpoint by default);
optional: team, instructions (the prompt, sent as system), agentName. Against the local
emulator: see the README.
"""

import pulumi

from pulumi_agents import qoder

config = pulumi.Config()

agent = qoder.Agent(
    "doc-helper",
    name=config.get("agentName") or "doc-test-agent",
    model={"id": "ultimate", "effort": "high"},
    system=config.get("instructions") or "You help with documentation.",  # instructions= means the same
    description="Answers questions about our docs",
    tools=[
        {
            "type": "agent_toolset_20260401",
            "enabled_tools": ["Bash", "Read", "Write", "Edit", "Glob", "Grep", "WebFetch"],
            # Per-tool settings name the tools in lower case.
            "configs": [
                {"name": "bash", "permission_policy": {"type": "always_ask"}},
                {"name": "web_fetch", "allowed_domains": ["docs.example.com"]},
            ],
            "default_config": {"permission_policy": {"type": "always_allow"}},
        },
        # The tools of one of the MCP servers below, asking before each use.
        {
            "type": "mcp_toolset",
            "mcp_server_name": "tickets",
            "default_config": {"permission_policy": {"type": "always_ask"}},
        },
    ],
    mcp_servers=[
        {"type": "url", "name": "weather", "url": "https://mcp.example.com/sse"},
        {"type": "url", "name": "tickets", "url": "https://tickets.example.com/mcp"},
    ],
    skills=[{"type": "custom", "skill_id": "skill_docs_style"}],
    metadata={"team": config.get("team") or "docs", "owner": "platform"},
    on_delete=config.get("agentOnDelete") or "archive",  # ./run demo sets "delete": nothing piles up
)

pulumi.export("agent_id", agent.agent_id)
pulumi.export("version", agent.version)
pulumi.export("archived", agent.archived)
