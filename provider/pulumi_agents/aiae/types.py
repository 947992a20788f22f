"""Typed arguments of aiae.AgentSmokeTest; they mirror the ``AgentSmokeTest`` definition of
schema.json (tests/test_types_match_schema.py keeps them in step)."""

from typing import Any, Literal, Required, TypedDict

import pulumi


class AiaeMessageArgs(TypedDict, total=False):
    role: Required[pulumi.Input[Literal["user", "assistant", "tool"]]]
    content: Required[pulumi.Input[str]]


class AiaeVariablesArgs(TypedDict, total=False):
    common_variables: pulumi.Input[dict[str, pulumi.Input[str]]]
    sensitive_variables: pulumi.Input[dict[str, pulumi.Input[str]]]


class AgentSmokeTestArgs(TypedDict, total=False):
    url: Required[pulumi.Input[str]]
    query: Required[pulumi.Input[str]]
    api_key: pulumi.Input[str]
    memory: list[AiaeMessageArgs]
    user_id: pulumi.Input[str]
    conversation_id: pulumi.Input[str]
    variables: AiaeVariablesArgs
    expect_contains: pulumi.Input[list[pulumi.Input[str]]]
    expect_regex: pulumi.Input[str]
    expect_tools: pulumi.Input[list[pulumi.Input[str]]]
    allow_tool_failures: pulumi.Input[bool]
    time_limit_seconds: pulumi.Input[float]
    triggers: pulumi.Input[list[Any]]
