"""The service logic of ``aiae.AgentSmokeTest``.

Nothing exists remotely: create and update call the published agent and fail the deployment
unless the answer meets the expectations; read keeps the last result; delete does nothing.
Any change of input (``triggers`` included) runs the check again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pulumi_agents import _config
from pulumi_agents._fields import fields
from pulumi_agents._service import Created, Found, Service
from pulumi_agents.aiae import smoke
from pulumi_agents.aiae.client import AiaeClient, Timeouts
from pulumi_agents.aiae.errors import redact, redacted
from pulumi_agents.errors import ConfigurationError, PulumiAgentsError, ResourceFailed

TYPE = "AgentSmokeTest"
ANSWER_EXCERPT = 300


class AgentSmokeTestService(Service):
    type_name = TYPE

    def create(self, props: dict[str, Any]) -> Created:
        return Created(f"smoke-{uuid.uuid4().hex}", self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        return self._run(news)

    def read(self, id_: str, props: dict[str, Any]) -> Found:
        # Nothing exists remotely: the last result is what there is.
        spec = fields(TYPE)
        return Found(id_, dict(props), {k: v for k, v in props.items() if k not in spec.outputs})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        spec = fields(TYPE)
        inputs = spec.with_defaults(spec.wire_inputs(props))
        api_key = inputs.get("api_key") or _config.read("aiae", self.config).get("apiKey")
        if not api_key:
            raise ConfigurationError(f"no API key: set the smoke test's api_key, or {_config.where('aiae', 'apiKey')}")
        variables = inputs.get("variables") or {}
        sensitive = variables.get("sensitive_variables") or {}
        secrets = [str(api_key), *(str(v) for v in sensitive.values())]
        limit = float(inputs["time_limit_seconds"])
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
        outs = self.outputs(props, {})  # nothing remote: the inputs as given
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
