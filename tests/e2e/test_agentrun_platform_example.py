"""examples/agentrun-platform under the real engine, in both front doors: a team's AgentRun
platform deploys, previews clean, updates in place, finds drift by refresh and destroys, its
secrets never in the state; in the plugin door a domain made outside the stack is imported.
Each kind's other operations are tested in process (tests/test_agentrun_kinds_*.py,
tests/test_plugin_kinds.py), not by more real-CLI stacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pulumi_agents._api import api
from pulumi_agents._requests import pages
from tests.conftest import ACCESS_KEY_SECRET, Emulator
from tests.e2e.conftest import agentrun_client, make_stack, runtimes

SECRETS = {"llmKey": "sk-platform-llm-key", "dashscopeKey": "sk-platform-dashscope", "tlsKey": "tls-private-key-pem"}
KINDS = ("Workspace", "Credential", "ModelService", "ModelProxy", "Tool", "Template", "CustomDomain")


def remote(emulator: Emulator, type_name: str) -> list[dict[str, Any]]:
    """Every resource of a kind the emulator holds, listed as the provider lists them."""
    spec = api(type_name)
    assert spec is not None
    with agentrun_client(emulator) as client:
        return pages(client, spec.operation("list"), spec.path("list", {}), spec.listing, {})


def send(emulator: Emulator, type_name: str, operation: str, ids: dict[str, str], body: dict[str, Any]) -> None:
    spec = api(type_name)
    assert spec is not None
    with agentrun_client(emulator) as client:
        client.request(spec.operation(operation), spec.path(operation, ids), body=body)


def test_agentrun_platform_example(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("agentrun-platform", tmp_path, emulator, mode=mode)
    stack.config_all({}, SECRETS)

    stack.pulumi("up", "--yes", "--skip-preview")
    for kind in KINDS:
        assert len(remote(emulator, kind)) == 1, kind
    outputs = stack.outputs()
    [workspace] = remote(emulator, "Workspace")
    assert outputs["workspace_id"] == workspace["workspaceId"]
    [runtime] = [r for r in runtimes(emulator) if r["agentRuntimeId"] == outputs["runtime_id"]]
    assert runtime["credentialName"] == "support-llm-key" and runtime["workspaceId"] == workspace["workspaceId"]
    assert outputs["proxy_status"] == "READY" and outputs["template_status"] == "READY"
    assert outputs["sandbox_mcp"]["status"] == "RUNNING"  # activate_mcp ran the template's MCP server
    [domain] = remote(emulator, "CustomDomain")
    assert domain["routeConfig"]["routes"][0]["resourceName"] == "support-platform-bot"

    stack.pulumi("preview", "--expect-no-changes")  # no perpetual diff, write-only secrets included
    state = stack.export()
    for secret in (*SECRETS.values(), ACCESS_KEY_SECRET):
        assert secret not in state

    # An update in place of two kinds; nothing is replaced.
    stack.config_all({"team": "Support, EMEA", "models": "qwen-max,qwen-plus"}, {})
    update = stack.pulumi("up", "--yes", "--skip-preview")
    assert "2 updated" in update.stdout and "replaced" not in update.stdout, update.stdout
    assert remote(emulator, "Workspace")[0]["description"] == "Support, EMEA"
    assert remote(emulator, "ModelService")[0]["providerSettings"]["modelNames"] == ["qwen-max", "qwen-plus"]
    stack.pulumi("preview", "--expect-no-changes")

    # Drift behind Pulumi's back is found by refresh and undone by the next up.
    send(emulator, "Workspace", "update", {"workspaceId": workspace["workspaceId"]}, {"description": "by hand"})
    refresh = stack.pulumi("refresh", "--yes", "--diff")
    assert "by hand" in refresh.stdout
    stack.pulumi("up", "--yes", "--skip-preview")
    assert remote(emulator, "Workspace")[0]["description"] == "Support, EMEA"

    if mode == "plugin":
        _import_a_domain(stack, emulator)

    stack.pulumi("destroy", "--yes", "--skip-preview")
    for kind in KINDS:
        assert remote(emulator, kind) == [], kind
    assert [r for r in runtimes(emulator) if r["agentRuntimeName"] == "support-platform-bot"] == []


def _import_a_domain(stack: Any, emulator: Emulator) -> None:
    """A domain made outside the stack (here: forgotten by it) is adopted with `pulumi import`
    as the plugin prints it; the state then lacks the private key the service never returns, so
    the next up sends the program's once, and the stack previews clean after it."""
    urn = next(line for line in stack.pulumi("stack", "--show-urns").stdout.split() if "CustomDomain::api" in line)
    stack.pulumi("state", "delete", urn, "--yes")
    imported = stack.pulumi(
        "import",
        "agentrun:index:CustomDomain",
        "api",
        "agents.example.com",
        "--yes",
        "--generate-code=false",
        "--protect=false",
    )
    assert "1 imported" in imported.stdout, imported.stdout
    assert SECRETS["tlsKey"] not in stack.export()
    stack.pulumi("up", "--yes", "--skip-preview")
    stack.pulumi("preview", "--expect-no-changes")
    assert SECRETS["tlsKey"] not in stack.export()
