"""The dynamic provider behind ``aiae.AgentSmokeTest``.

Nothing exists remotely: create and update call the published agent and fail the deployment
unless the answer meets the expectations; read keeps the last result; delete does nothing.
Any change of input (``triggers`` included) runs the check again.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import pulumi.dynamic

from pulumi_agents import _provider
from pulumi_agents._diff import changed_properties
from pulumi_agents._fields import fields
from pulumi_agents.aiae import smoke
from pulumi_agents.aiae.client import AiaeClient, Timeouts
from pulumi_agents.aiae.errors import redact, redacted
from pulumi_agents.errors import PulumiAgentsError, ResourceFailed

TYPE = "AgentSmokeTest"
CONFIG_KEYS = ["aiae:apiKey"]
ANSWER_EXCERPT = 300


class AgentSmokeTestProvider(pulumi.dynamic.ResourceProvider):
    def configure(self, req: pulumi.dynamic.ConfigureRequest) -> None:
        _provider.remember_config(req.config, CONFIG_KEYS)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        return _provider.check(TYPE, news)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        new = fields(TYPE).wire_inputs(news)
        # Every input shapes the check, so dropping one is a change as much as editing it.
        removed = [k for k in fields(TYPE).inputs if k in olds and k not in new]
        changed = changed_properties(TYPE, olds, new) + removed
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    @_provider.clean_errors
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(f"smoke-{uuid.uuid4().hex}", self._run(props))

    @_provider.clean_errors
    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(self._run(news))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        return pulumi.dynamic.ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None

    @staticmethod
    def _run(props: dict[str, Any]) -> dict[str, Any]:
        spec = fields(TYPE)
        inputs = spec.wire_inputs(props)
        api_key = inputs.get("api_key") or _provider.stack_config().get("aiae:apiKey") or os.environ.get("AIAE_API_KEY")
        if not api_key:
            raise ResourceFailed("no API key: set api_key, the aiae:apiKey config (as a secret) or AIAE_API_KEY")
        variables = inputs.get("variables") or {}
        sensitive = variables.get("sensitive_variables") or {}
        secrets = [str(api_key), *(str(v) for v in sensitive.values())]
        limit = float(inputs.get("time_limit_seconds") or smoke.DEFAULT_TIME_LIMIT)
        url = inputs["url"]
        try:
            with AiaeClient(
                url, str(api_key), timeouts=Timeouts(connect=min(10.0, limit), idle=limit, total=limit)
            ) as c:
                result = c.invoke(
                    inputs["query"],
                    memory=inputs.get("memory"),
                    user_id=inputs.get("user_id"),
                    conversation_id=inputs.get("conversation_id"),
                    common_variables=variables.get("common_variables"),
                    sensitive_variables=sensitive,
                )
        except PulumiAgentsError as exc:
            raise ResourceFailed(f"smoke test of {url} failed: {redacted(exc, secrets)}") from None
        answer = redact(result.text, secrets)  # an agent may echo a secret: keep it out of the state
        missed = smoke.failures(result, inputs)
        if missed:
            excerpt = answer if len(answer) <= ANSWER_EXCERPT else answer[:ANSWER_EXCERPT] + "..."
            raise ResourceFailed(
                f"smoke test of {url} failed: {'; '.join(missed)} (answer: {excerpt!r}; request id {result.request_id})"
            )
        outs = _provider.outputs(TYPE, props, {})  # nothing remote: the inputs as given
        outs.update(
            {
                "answer": answer,
                "latency_seconds": round(result.latency_seconds, 3),
                "tool_calls": [{"type": c.type, "name": c.name, "status": c.status} for c in result.tool_calls],
                "request_id": result.request_id or "",
                "checked_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
        return outs
