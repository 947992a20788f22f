"""The rules of policies/agents as plain functions, on the properties both front doors carry
(tests/e2e/test_guardrails.py runs the pack itself under the CLI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies" / "agents"))
import guardrails
from guardrails import Subject

PROD = {"productionStacks": ["prod", "prod-*"]}


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("agentrun:index:AgentRuntime", "agentrun:AgentRuntime"),
        ("pulumi-python:dynamic/agentrun:AgentRuntime", "agentrun:AgentRuntime"),
        ("qoder:index:Environment", "qoder:Environment"),
        ("pulumi-python:dynamic/qoder:Environment", "qoder:Environment"),
        ("pulumi:pulumi:Stack", None),
        ("aws:s3/bucket:Bucket", None),
    ],
)
def test_both_front_doors_tokens(token: str, kind: str | None) -> None:
    assert guardrails.kind(token) == kind


def test_the_stack_of_a_urn() -> None:
    assert guardrails.stack_of("urn:pulumi:prod-eu::agents::agentrun:index:AgentRuntime::bot") == "prod-eu"


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("registry.example.com/bot:1.2", "1.2"),
        ("registry.example.com:5000/bot", None),
        ("registry.example.com:5000/bot:latest", "latest"),
        ("bot", None),
        ("bot@sha256:" + "a" * 64, "@digest"),
    ],
)
def test_image_tags(image: str, tag: str | None) -> None:
    assert guardrails.image_tag(image) == tag


def test_runtime_rules_count_only_in_production_stacks() -> None:
    public = {"networkConfiguration": {"networkMode": "PUBLIC"}, "containerConfiguration": {"image": "bot"}}
    for rule in (guardrails.runtime_not_public, guardrails.runtime_health_check, guardrails.runtime_pinned_image):
        assert rule(Subject(public, "bot", "dev", PROD)) == []
        assert rule(Subject(public, "bot", "prod-eu", PROD)) != []
    # The default production stacks, and a configured network mode.
    assert guardrails.runtime_not_public(Subject(public, "bot", "production")) != []
    both = Subject(public, "bot", "prod", {**PROD, "allowedNetworkModes": ["PRIVATE", "PUBLIC"]})
    assert guardrails.runtime_not_public(both) == []


def test_a_code_runtime_has_no_image_to_pin() -> None:
    assert guardrails.runtime_pinned_image(Subject({"codeConfiguration": {}}, "bot", "prod")) == []


def test_canary_share() -> None:
    weights = [{"version": "2", "weight": 0.1}, {"version": "3", "weight": 0.1}]
    routing = {"routingConfiguration": {"versionWeights": weights}}
    assert guardrails.canary_max_share(Subject(routing, "ep")) == []  # 20%: the default limit
    [message] = guardrails.canary_max_share(Subject(routing, "ep", config={"maxShare": 0.15}))
    assert "20% of its traffic" in message and "at most 15%" in message


def test_agent_tools_where_allowed() -> None:
    everything = {"name": "helper", "tools": [{"type": "agent_toolset_20260401"}]}  # no list: all tools
    assert len(guardrails.agent_tools(Subject(everything, "helper"))) == 2  # shell and web
    allowed = {"shellAllowed": ["help*"], "webAllowed": ["helper"]}
    assert guardrails.agent_tools(Subject(everything, "helper", config=allowed)) == []
    # The vendor SDK's lower-case names count too; an agent without toolsets has no tools.
    sdk = {"tools": [{"type": "agent_toolset_20260401", "enabled_tools": ["read", "web_search"]}]}
    assert "web_search" in guardrails.agent_tools(Subject(sdk, "x"))[0]
    assert guardrails.agent_tools(Subject({"name": "plain"}, "plain")) == []


def test_mcp_servers_use_https() -> None:
    servers = {"mcp_servers": [{"name": "a", "url": "https://a.example"}, {"name": "b", "url": "http://localhost:9/x"}]}
    assert len(guardrails.agent_mcp_https(Subject(servers, "x"))) == 1
    assert guardrails.agent_mcp_https(Subject(servers, "x", config={"httpAllowedHosts": ["localhost"]})) == []


@pytest.mark.parametrize(
    ("networking", "flagged"),
    [({"type": "unrestricted"}, True), ("unrestricted", True), ({"type": "limited", "allowed_hosts": []}, False)],
)
def test_environment_networking(networking: object, flagged: bool) -> None:
    props = {"name": "env", "config": {"type": "cloud", "networking": networking}}
    assert bool(guardrails.environment_networking(Subject(props, "env"))) is flagged


def test_every_policy_has_a_rule_and_a_unique_name() -> None:
    names = [p.name for p in guardrails.POLICIES]
    assert len(names) == len(set(names)) == 7


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "policies"], ["mypy", "--strict", "--ignore-missing-imports", "policies/agents/guardrails.py"]],
)
def test_the_pack_is_lint_clean(command: list[str]) -> None:
    """The pack is outside the package that the README's lint line checks: checked here."""
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [str(Path(sys.executable).parent / command[0]), *command[1:]], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
