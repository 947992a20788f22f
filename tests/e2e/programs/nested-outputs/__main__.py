"""Arguments given as Outputs at every depth: a whole nested argument built by apply() from
another resource's output (unknown at the first preview), and an Output deep inside a list.
And a secret leaf inside a readable field: the registry password of a Container runtime."""

import pulumi

from pulumi_agents import agentrun

CODE = {"language": "python3.12", "oss_bucket_name": "bot-code", "oss_object_name": "bot-v1.zip"}

first = agentrun.AgentRuntime(
    "first",
    agent_runtime_name="first-bot",
    artifact_type="Code",
    cpu=1,
    memory=2048,
    port=8080,
    code_configuration=CODE,
    network_configuration={"network_mode": "PUBLIC"},
)

second = agentrun.AgentRuntime(
    "second",
    agent_runtime_name="second-bot",
    artifact_type="Code",
    cpu=1,
    memory=2048,
    port=8080,
    code_configuration=CODE,
    # Stands for a VPC id from another resource: not known until `first` exists.
    network_configuration=first.agent_runtime_id.apply(
        lambda rid: {
            "network_mode": "PRIVATE",
            "vpc_id": f"vpc-{rid}",
            "vswitch_ids": ["vsw-1"],
            "security_group_id": "sg-1",
        }
    ),
    nas_config={
        "mount_points": [
            {
                "server_addr": "0a1b2c.cn-hangzhou.nas.aliyuncs.com:/share",
                "mount_dir": pulumi.Output.from_input("/mnt/nas"),
            }
        ]
    },
)

container = agentrun.AgentRuntime(
    "container",
    agent_runtime_name="container-bot",
    artifact_type="Container",
    cpu=1,
    memory=2048,
    port=8080,
    container_configuration={
        "image": pulumi.Config().get("image") or "registry.example.com/bot:v1",
        "image_registry_type": "CUSTOM",
        # Not marked secret here: schema.json marks it, and only it.
        "registry_config": {"auth_config": {"user_name": "deploy", "password": "registry-password-e2e"}},
    },
    network_configuration={"network_mode": "PUBLIC"},
)

pulumi.export("first_id", first.agent_runtime_id)
pulumi.export("second_id", second.agent_runtime_id)
