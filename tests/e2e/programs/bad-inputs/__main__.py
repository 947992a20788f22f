"""One runtime with one wrong input, chosen by config `case` (see CASES in
tests/e2e/test_bad_inputs.py): what a user sees when an argument is wrong."""

from typing import Any

import pulumi

from pulumi_agents import agentrun

case = pulumi.Config().require("case")
args: dict[str, Any] = {
    "agent_runtime_name": "bad-inputs",
    "artifact_type": "Code",
    "cpu": 1,
    "memory": 2048,
    "port": 8080,
    "code_configuration": {"language": "python3.12", "oss_bucket_name": "code", "oss_object_name": "bot.zip"},
    "network_configuration": {"network_mode": "PUBLIC"},
}
if case == "top-level-typo":
    args["memroy"] = args.pop("memory")
elif case == "nested-typo":
    args["code_configuration"] = {**args["code_configuration"], "oss_buket_name": "code"}
elif case == "too-small":
    args["memory"] = 10
elif case == "huge":
    args["description"] = "x" * 10_000_000
elif case == "none-value":
    args["environment_variables"] = {"LOG_LEVEL": None}
elif case == "deep":
    deep: Any = "leaf"
    for _ in range(2000):
        deep = {"d": deep}
    args["environment_variables"] = {"DEEP": deep}
opts = pulumi.ResourceOptions(import_="ar-made-elsewhere") if case == "import" else None
agentrun.AgentRuntime("bot", opts, **args)
