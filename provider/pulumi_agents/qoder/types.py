"""Typed arguments of qoder.Agent; they mirror the ``Agent`` definition of schema.json
(tests/test_types_match_schema.py keeps them in step). The API's names are already snake_case."""

from typing import Literal, Required, TypedDict

import pulumi


class AgentModelArgs(TypedDict, total=False):
    id: Required[pulumi.Input[str]]
    effort: pulumi.Input[str]
    context_window: pulumi.Input[int]


class AgentToolsetArgs(TypedDict, total=False):
    type: Required[pulumi.Input[Literal["agent_toolset_20260401"]]]
    enabled_tools: pulumi.Input[list[pulumi.Input[str]]]


class AgentMcpServerArgs(TypedDict, total=False):
    type: Required[pulumi.Input[Literal["url", "http"]]]
    name: Required[pulumi.Input[str]]
    url: Required[pulumi.Input[str]]


class AgentSkillArgs(TypedDict, total=False):
    type: Required[pulumi.Input[Literal["custom", "qoder"]]]
    skill_id: Required[pulumi.Input[str]]
    version: pulumi.Input[str | int]


class AgentArgs(TypedDict, total=False):
    name: Required[pulumi.Input[str]]
    model: Required[pulumi.Input[str] | AgentModelArgs]
    instructions: pulumi.Input[str]
    description: pulumi.Input[str]
    tools: list[AgentToolsetArgs]
    mcp_servers: list[AgentMcpServerArgs]
    skills: list[AgentSkillArgs]
    metadata: pulumi.Input[dict[str, pulumi.Input[str]]]
    on_delete: pulumi.Input[Literal["archive", "delete"]]
