"""A team's Qoder platform in one stack: an agent that writes release notes every night.

The skill is the folder skills/release-notes: a change of its files publishes a new version,
which the agent moves to. files/style-guide.md is uploaded and mounted in each run.

Stack config:
  qoder:token (secret), qoder:baseUrl (the China endpoint by default)
  ticketsToken  the tickets MCP server's bearer token, kept in the vault (secret)
  optional: schedule (a cron expression, default "0 2 * * *"), timezone (default Asia/Shanghai),
            paused (true pauses the nightly runs), agentOnDelete (archive, the default, or delete)
`./run demo` with DEMO_EXAMPLE=qoder-platform sets the credentials against the local emulator.
"""

import pulumi

from pulumi_agents import qoder

config = pulumi.Config()
TICKETS = "https://tickets.example.com/mcp"

# How to write release notes, as a skill: a change of the folder's files publishes a new version.
skill = qoder.Skill("release-notes", files="skills/release-notes", display_title="Release notes")

agent = qoder.Agent(
    "release-notes",
    name="release-notes-writer",
    model="ultimate",
    system="You write the release notes of the week's merged tickets.",
    description="Writes release notes every night",
    mcp_servers=[{"type": "url", "name": "tickets", "url": TICKETS}],
    tools=[
        {"type": "agent_toolset_20260401", "enabled_tools": ["Read", "Write", "Edit", "Glob", "Grep"]},
        {"type": "mcp_toolset", "mcp_server_name": "tickets"},
    ],
    # Naming the skill's latest version moves the agent to each new one (a new agent version);
    # without a version the agent loads the latest at each session.
    skills=[{"type": "custom", "skill_id": skill.skill_id, "version": skill.latest_version}],
    metadata={"team": "docs"},
    on_delete=config.get("agentOnDelete") or "archive",
)

# Where the nightly runs happen: a container that reaches the tickets server and the package
# registries, and nothing else.
sandbox = qoder.Environment(
    "sandbox",
    name="release-notes-env",
    description="The release notes writer's container",
    config={
        "type": "cloud",
        "networking": {
            "type": "limited",
            "allowed_hosts": ["tickets.example.com"],
            "allow_mcp_servers": True,
            "allow_package_managers": True,
        },
        "packages": {"pip": ["markdown"], "apt": ["git"]},
        "setup_script": "git config --global user.name release-notes",
    },
)

# The tickets server's token lives in a vault the runs use, never in the agent or the program.
vault = qoder.Vault("mcp", display_name="release-notes-credentials")
tickets_token = qoder.VaultCredential(
    "tickets",
    vault_id=vault.vault_id,
    display_name="tickets-mcp",
    auth={"type": "static_bearer", "mcp_server_url": TICKETS, "token": config.require_secret("ticketsToken")},
)

# The style guide each run reads, uploaded: a change of its content uploads a new file.
guide = qoder.File("style-guide", file="files/style-guide.md")

notes = qoder.MemoryStore("notes", name="release-notes-memory", description="What past release notes said")

nightly = qoder.Deployment(
    "nightly",
    name="nightly-release-notes",
    description="Tonight's release notes",
    agent=agent.agent_id,  # the agent's latest version at each run
    environment_id=sandbox.environment_id,
    initial_events=[
        {"type": "user.message", "content": [{"type": "text", "text": "Write the release notes of today's tickets."}]}
    ],
    schedule={
        "type": "cron",
        "expression": config.get("schedule") or "0 2 * * *",
        "timezone": config.get("timezone") or "Asia/Shanghai",
    },
    budget={"type": "limit", "max_credit_cost": "50"},
    vault_ids=[vault.vault_id],
    resources=[
        {
            "type": "memory_store",
            "memory_store_id": notes.memory_store_id,
            "access": "read_write",
            "instructions": "Read last week's notes first; keep a line per release.",
        },
        {"type": "file", "file_id": guide.file_id, "mount_path": "/mnt/files/style-guide.md"},
    ],
    paused=config.get_bool("paused") or False,
)

pulumi.export("skill_id", skill.skill_id)
pulumi.export("skill_version", skill.latest_version)
pulumi.export("agent_id", agent.agent_id)
pulumi.export("agent_version", agent.version)
pulumi.export("environment_id", sandbox.environment_id)
pulumi.export("vault_id", vault.vault_id)
pulumi.export("credential_id", tickets_token.credential_id)
pulumi.export("memory_store_id", notes.memory_store_id)
pulumi.export("file_id", guide.file_id)
pulumi.export("deployment_id", nightly.deployment_id)
pulumi.export("deployment_status", nightly.status)
pulumi.export("schedule", nightly.schedule)
