"""`pulumi-agents review` of the streamed events (PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true
pulumi preview --json): the same review as from the digest, plus the policy packs' violations,
which only the events carry. The shapes are those the 3.259 CLI wrote for examples/gitops-yaml
with policies/agents (tests/e2e/test_gitops_yaml_example.py runs it for real)."""

from __future__ import annotations

import json
from typing import Any

from pulumi_agents.review import build, markdown, parse, to_json
from pulumi_agents.review.preview import SIGNATURE

URN = "urn:pulumi:prod::agents::agentrun:index:AgentRuntime::support-bot"
STACK = "urn:pulumi:prod::agents::pulumi:pulumi:Stack::agents-prod"


def state(memory: int, mode: str) -> dict[str, Any]:
    inputs = {
        "agentRuntimeName": "support-bot",
        "memory": memory,
        "networkConfiguration": {"networkMode": mode},
        "environmentVariables": {SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]"},
    }
    return {"type": "agentrun:index:AgentRuntime", "urn": URN, "custom": True, "inputs": inputs, "outputs": {}}


def stream(*events: dict[str, Any]) -> str:
    return "\n".join(json.dumps({"sequence": i, "timestamp": 1796571259, **e}) for i, e in enumerate(events)) + "\n"


EVENTS = stream(
    {"policyLoadEvent": {}},
    {
        "resourcePreEvent": {
            "metadata": {
                "op": "update",
                "urn": URN,
                "type": "agentrun:index:AgentRuntime",
                "old": state(2048, "PRIVATE"),
                "new": state(4096, "PUBLIC"),
                "diffs": ["memory", "networkConfiguration"],
                "detailedDiff": {
                    "memory": {"diffKind": "update", "inputDiff": True},
                    "networkConfiguration.networkMode": {"diffKind": "update", "inputDiff": True},
                },
            }
        }
    },
    {
        "policyEvent": {
            "resourceUrn": URN,
            "message": "An AgentRun runtime in a production stack is not reachable from the internet.\n"
            "runtime 'support-bot' in production stack 'prod' has networkConfiguration.networkMode 'PUBLIC'\n",
            "color": "never",
            "policyName": "runtime-not-public-in-production",
            "policyPackName": "agents-guardrails",
            "policyPackVersion": "0.1.0",
            "enforcementLevel": "mandatory",
        }
    },
    {
        "policyEvent": {
            "resourceUrn": STACK,
            "message": "Stacks are reviewed.\nthe stack has no owner tag\n",
            "policyName": "stack-owner",
            "policyPackName": "agents-guardrails",
            "enforcementLevel": "advisory",
        }
    },
    {"diagnosticEvent": {"prefix": "debug: ", "message": "Registering resource\n", "severity": "debug"}},
    {"diagnosticEvent": {"prefix": "error: ", "message": "preview failed\n", "severity": "error"}},
    {"summaryEvent": {"resourceChanges": {"update": 1, "same": 1}, "isPreview": True, "result": "failed"}},
)


def test_the_events_give_the_steps_the_counts_and_the_violations() -> None:
    review = build(parse(EVENTS))
    assert (review.stack, review.project, review.failed) == ("prod", "agents", True)
    assert review.counts["update"] == 1 and review.counts["same"] == 1
    [resource] = review.resources
    assert {c.path: (c.old, c.new) for c in resource.changes if not c.secret} == {
        "memory": (2048, 4096),
        "networkConfiguration.networkMode": ("PRIVATE", "PUBLIC"),
    }
    mandatory, advisory = review.violations
    assert (mandatory.policy, mandatory.level, mandatory.resource, mandatory.type) == (
        "runtime-not-public-in-production",
        "mandatory",
        "support-bot",
        "agentrun.AgentRuntime",
    )
    assert mandatory.message.startswith("runtime 'support-bot'")  # the description line is dropped
    assert (advisory.resource, advisory.message) == ("", "the stack has no owner tag")


def test_the_comment_shows_the_violations() -> None:
    comment = markdown(build(parse(EVENTS)))
    assert "**The preview failed** with 1 error and 1 mandatory policy violation (below)" in comment
    assert "#### Policy violations" in comment
    assert (
        "| **mandatory** | `runtime-not-public-in-production` (agents-guardrails) | `support-bot` "
        "(agentrun.AgentRuntime) | runtime 'support-bot' in production stack 'prod' has "
        "networkConfiguration.networkMode 'PUBLIC' |"
    ) in comment
    assert "| advisory | `stack-owner` (agents-guardrails) | the stack | the stack has no owner tag |" in comment
    assert json.loads(to_json(build(parse(EVENTS))))["violations"][0]["level"] == "mandatory"


def test_an_advisory_violation_alone_does_not_fail_the_preview() -> None:
    events = "".join(line + "\n" for line in EVENTS.splitlines() if "mandatory" not in line and "error" not in line)
    review = build(parse(events))
    assert not review.failed and [v.level for v in review.violations] == ["advisory"]
    assert "The preview failed" not in markdown(review)


def test_a_digest_has_no_violations() -> None:
    digest = json.dumps({"steps": [], "diagnostics": [], "changeSummary": {"same": 1}}, indent=4)
    assert build(parse(digest)).violations == []
