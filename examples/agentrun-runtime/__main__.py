"""An AgentRun Code runtime with NAS and OSS mounts, a health check and a secret environment variable.

Stack config: agentrun:endpoint, agentrun:accessKeyId and agentrun:accessKeySecret (secrets),
and optionally openaiApiKey (secret). Against the local emulator: see the README.
"""

import pulumi

from pulumi_agents import agentrun

config = pulumi.Config()

runtime = agentrun.AgentRuntime(
    "support-bot",
    agent_runtime_name=config.get("runtimeName") or "support-bot",
    artifact_type="Code",
    description="Answers support questions from the knowledge base",
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
    health_check_configuration={
        "http_get_url": "/ready",
        "initial_delay_seconds": 5,
        "period_seconds": 30,
        "timeout_seconds": 3,
    },
    nas_config={
        "user_id": 1000,
        "group_id": 1000,
        "mount_points": [
            {"server_addr": "0a1b2c-uni85.cn-hangzhou.nas.aliyuncs.com:/share",
             "mount_dir": config.get("nasMountDir") or "/mnt/nas"},
        ],
    },
    oss_mount_config={
        "mount_points": [
            {
                "bucket_name": "support-bot-kb",
                "bucket_path": "/articles",
                "endpoint": "https://oss-cn-hangzhou.aliyuncs.com",
                "mount_dir": "/mnt/kb",
                "read_only": True,
            }
        ]
    },
    environment_variables={
        "OPENAI_API_KEY": config.get_secret("openaiApiKey") or "sk-demo-not-a-real-key",
        "LOG_LEVEL": "info",
    },
)

pulumi.export("runtime_id", runtime.agent_runtime_id)
pulumi.export("runtime_arn", runtime.agent_runtime_arn)
pulumi.export("runtime_version", runtime.agent_runtime_version)
pulumi.export("status", runtime.status)
