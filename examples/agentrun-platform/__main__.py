"""A team's AgentRun platform in one stack: what a runtime needs around it.

Stack config:
  agentrun:endpoint, agentrun:accessKeyId, agentrun:accessKeySecret (secrets)
  llmKey        the key the runtime's credential holds (secret)
  dashscopeKey  the model service's provider key (secret)
  tlsKey        the custom domain certificate's private key (secret)
  optional: team (the workspace description), models (the model names the service offers,
            comma-separated; default qwen-max)
`./run demo` with DEMO_EXAMPLE=agentrun-platform sets the credentials against the local emulator.
"""

import json

import pulumi

from pulumi_agents import agentrun

config = pulumi.Config()

workspace = agentrun.Workspace(
    "team",
    name="support-team",
    description=config.get("team") or "The support team's agents",
)

# A key the runtime reads through AgentRun instead of an environment variable.
llm_key = agentrun.Credential(
    "llm-key",
    credential_name="support-llm-key",
    credential_auth_type="api_key",
    credential_source_type="external_llm",
    credential_secret=config.require_secret("llmKey"),
    description="The support bot's LLM key",
)

# The models the agents call: a service for the provider, a proxy in front of it.
qwen = agentrun.ModelService(
    "qwen",
    model_service_name="support-qwen",
    model_type="system",
    provider="tongyi",
    provider_settings={
        "api_key": config.require_secret("dashscopeKey"),
        "model_names": (config.get("models") or "qwen-max").split(","),
        "base_url": "https://dashscope.aliyuncs.com/compatible-mode/v1",
    },
)
gateway = agentrun.ModelProxy(
    "gateway",
    model_proxy_name="support-gateway",
    proxy_mode="single",
    cpu=2,
    memory=4,
    proxy_config={"endpoints": [{"model_service_name": qwen.model_service_name, "weight": 100}]},
)

# An MCP tool and a code-interpreter sandbox template for the agent.
search = agentrun.Tool(
    "search",
    tool_name="support-search",
    tool_type="MCP",
    create_method="MCP_REMOTE",
    protocol_spec=json.dumps({"url": "https://mcp.example.com/sse"}),
    workspace_id=workspace.workspace_id,
)
sandboxes = agentrun.Template(
    "sandboxes",
    template_name="support-sandbox",
    template_type="CodeInterpreter",
    cpu=2,
    memory=4096,
    network_configuration={"network_mode": "PUBLIC"},
    activate_mcp={"enabled_tools": ["run_code"], "transport": "sse"},  # its MCP server runs
)

runtime = agentrun.AgentRuntime(
    "bot",
    agent_runtime_name="support-platform-bot",
    artifact_type="Code",
    cpu=1,
    memory=2048,
    port=8080,
    code_configuration={
        "language": "python3.12",
        "command": ["python", "main.py"],
        "oss_bucket_name": "support-bot-code",
        "oss_object_name": "bot-v1.zip",
    },
    network_configuration={"network_mode": "PUBLIC"},
    credential_name=llm_key.credential_name,
    workspace_id=workspace.workspace_id,
    environment_variables={
        "MODEL_PROXY": gateway.model_proxy_name,
        "SEARCH_TOOL": search.tool_name,
        "SANDBOX_TEMPLATE": sandboxes.template_name,
    },
)

prod = agentrun.AgentRuntimeEndpoint(
    "prod",
    agent_runtime_id=runtime.agent_runtime_id,
    agent_runtime_endpoint_name="prod",
    description="Production traffic",
)

# Production traffic arrives at the team's own domain.
domain = agentrun.CustomDomain(
    "api",
    domain_name="agents.example.com",
    protocol="HTTPS",
    cert_config={
        "cert_name": "agents",
        "certificate": "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----",
        "private_key": config.require_secret("tlsKey"),
    },
    route_config={
        "routes": [
            {
                "path": "/support/*",
                "resource_type": "runtime",
                "resource_name": runtime.agent_runtime_name,
                "agent_runtime_endpoint_name": prod.agent_runtime_endpoint_name,
            }
        ]
    },
)

pulumi.export("workspace_id", workspace.workspace_id)
pulumi.export("runtime_id", runtime.agent_runtime_id)
pulumi.export("endpoint_url", prod.endpoint_public_url)
pulumi.export("proxy_status", gateway.status)
pulumi.export("tool_status", search.status)
pulumi.export("template_status", sandboxes.status)
pulumi.export("sandbox_mcp", sandboxes.mcp_state)
pulumi.export("domain", domain.domain_name)
