"""``aiae.AgentSmokeTest``: prove a deployed agent answers, as part of ``pulumi up``."""

from __future__ import annotations

from typing import Any, Unpack

import pulumi

from pulumi_agents._resource import SchemaResource
from pulumi_agents.aiae.provider import AgentSmokeTestProvider
from pulumi_agents.aiae.types import AgentSmokeTestArgs, AgentSmokeTestOutputs


class AgentSmokeTest(SchemaResource, AgentSmokeTestOutputs, module="aiae", name="AgentSmokeTest"):
    """Calls an agent published as an API and fails the deployment unless the answer meets the
    expectation. Runs on create and whenever an input or one of ``triggers`` changes.

    Example::

        check = aiae.AgentSmokeTest("bot-answers",
            url="https://aiae.appstage.myhuaweicloud.com/v1/routes/open/<agent id>/execute",
            api_key=config.require_secret("aiaeApiKey"),
            query="What is the status of order 42?",
            expect_contains=["order 42"], expect_tools=["order_lookup"], time_limit_seconds=30,
            triggers=[runtime.agent_runtime_version])
        pulumi.export("answer", check.answer)

    ``api_key`` and ``variables.sensitive_variables`` are stored as secrets, and masked in the
    answer and in error messages.
    """

    _type_name = "AgentSmokeTest"

    def __init__(
        self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **args: Unpack[AgentSmokeTestArgs]
    ) -> None:
        super().__init__(AgentSmokeTestProvider(), resource_name, dict[str, Any](args), opts)
