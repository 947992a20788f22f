"""The provider plugins under the real CLI: adopt what exists by id, detailed diffs in
`pulumi preview --json`, credentials read fresh by refresh, and a timed-out wait that converges."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_agents.agentrun import AgentRunClient, Credentials, Settings
from pulumi_agents.review import review_text
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, Emulator, start_emulator
from tests.e2e.conftest import PROGRAMS, Stack, agentrun_client, make_stack, qoder_client, use_plugins
from tests.e2e.conftest import agents as remote_agents
from tests.e2e.conftest import runtimes as remote_runtimes
from tests.readme import bash, block
from tests.runtimes import code_runtime

API_KEY = "sk-plugin-e2e-first-secret"
ROTATED_KEY = "sk-plugin-e2e-second-secret"


def steps(stack: Stack) -> dict[str, dict[str, Any]]:
    """`pulumi preview --json`, by resource name."""
    preview = json.loads(stack.pulumi("preview", "--json").stdout)
    return {step["urn"].rsplit("::", 1)[-1]: step for step in preview["steps"]}


def adopted_stack(tmp_path: Path, emulator: Emulator) -> Stack:
    stack = make_stack("plugin-adopt", tmp_path, emulator, source=PROGRAMS)
    stack.config("apiKey", API_KEY, secret=True)
    return stack


def test_adopt_by_id_then_preview_clean_and_review_an_update(tmp_path: Path, emulator: Emulator) -> None:
    # What a team already runs, made outside Pulumi.
    with agentrun_client(emulator) as client:
        runtime = client.create_runtime(
            code_runtime(
                agentRuntimeName="adopted-bot",
                cpu=1,
                codeConfiguration={"language": "python3.12", "ossBucketName": "bot-code", "ossObjectName": "bot.zip"},
                healthCheckConfiguration=None,
                nasConfig=None,
                ossMountConfig=None,
                environmentVariables={"API_KEY": API_KEY},
            )
        )
    with qoder_client(emulator) as client:
        agent = client.create_agent(
            {
                "name": "adopted-agent",
                "model": "ultimate",
                "instructions": "You answer support questions.",
                "metadata": {"team": "support"},
            }
        )
    stack = adopted_stack(tmp_path, emulator)

    # Creating a runtime of the same name is refused with the `pulumi import` command that adopts
    # it, which runs as printed; then `import_=` in the program.
    urn = "urn:pulumi:e2e::plugin-adopt::agentrun:index:AgentRuntime::rt"
    refused = stack.pulumi("up", "--yes", "--skip-preview", "--target", urn, check=False)
    assert refused.returncode != 0 and "this stack did not create it" in refused.stdout, refused.stdout
    [printed] = set(re.findall(r"`(pulumi import [^`]+)`", refused.stdout))  # (shown twice: the error, its summary)
    assert printed.startswith(f"pulumi import agentrun:index:AgentRuntime rt {runtime['agentRuntimeId']} ")
    bash(printed, cwd=stack.dir, env=stack.env)
    stack.config("agentId", agent["id"])
    stack.config("lookup", "adopted-bot")  # get_agent_runtime, the plugin's function, finds it by name
    up = stack.pulumi("up", "--yes", "--skip-preview")
    assert "1 imported" in up.stdout and "1 created" in up.stdout  # the agent adopted, the endpoint new
    looked_up = stack.outputs()
    assert looked_up["looked_up"] == runtime["agentRuntimeId"] and looked_up["looked_up_status"] == "READY"
    stack.pulumi("config", "rm", "agentId")
    stack.pulumi("preview", "--expect-no-changes")  # the program matches what was adopted
    assert [r["agentRuntimeId"] for r in remote_runtimes(emulator)] == [runtime["agentRuntimeId"]]
    assert [a["id"] for a in remote_agents(emulator)] == [agent["id"]]
    assert API_KEY not in stack.export()

    # An update, as a reviewer reads it: paths, a secret named but never shown, no [unknown]
    # on the endpoint, which depends only on the runtime's id.
    stack.config("memory", "4096")
    stack.config("apiKey", ROTATED_KEY, secret=True)
    preview = steps(stack)
    rt = preview["rt"]
    assert rt["op"] == "update" and sorted(rt["diffReasons"]) == ["environmentVariables", "memory"]
    assert rt["detailedDiff"] == {
        "environmentVariables.API_KEY": {"kind": "update", "inputDiff": True},
        "memory": {"kind": "update", "inputDiff": True},
    }
    assert preview.get("ep", {"op": "same"})["op"] == "same"  # unchanged: not even listed
    raw = stack.pulumi("preview", "--json").stdout
    assert ROTATED_KEY not in raw and API_KEY not in raw

    stack.config("name", "renamed-bot")
    replace = steps(stack)["rt"]
    assert replace["op"] == "replace" and replace["replaceReasons"] == ["agentRuntimeName"]
    assert replace["detailedDiff"]["agentRuntimeName"]["kind"] == "update-replace"
    stack.pulumi("config", "rm", "name")

    stack.pulumi("up", "--yes", "--skip-preview")
    [runtime] = remote_runtimes(emulator)
    env = {k: v for k, v in runtime["environmentVariables"].items() if k != "PULUMI_AGENTS_OWNER"}
    assert runtime["memory"] == 4096 and env == {"API_KEY": ROTATED_KEY}
    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote_runtimes(emulator) == [] and [a["archived"] for a in remote_agents(emulator)] == [True]


def test_refresh_reads_the_credentials_of_now(tmp_path: Path, emulator: Emulator) -> None:
    """Rotated in stack config, credentials apply to the next refresh at once, without
    --run-program (the engine itself would configure the plugin from the last deployment's)."""
    stack = adopted_stack(tmp_path, emulator)
    stack.pulumi("up", "--yes", "--skip-preview")
    stack.config("agentrun:accessKeySecret", "a-rotated-but-wrong-secret", secret=True)
    refused = stack.pulumi("refresh", "--yes", check=False)
    assert refused.returncode != 0 and "SignatureDoesNotMatch" in refused.stdout
    # It names the setting, and no --run-program: the plugin took the stack config of now.
    assert "check agentrun:accessKeySecret (read from stack config agentrun:accessKeySecret)" in refused.stdout
    assert "--run-program" not in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr and "a-rotated-but-wrong-secret" not in refused.stdout
    stack.config("agentrun:accessKeySecret", ACCESS_KEY_SECRET, secret=True)
    stack.pulumi("refresh", "--yes")
    stack.pulumi("destroy", "--yes", "--skip-preview")


@pytest.fixture
def slow_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """Its runtimes take 4 s to become READY."""
    emulator = start_emulator(tmp_path_factory.mktemp("slow-emulator"), transition=4)
    yield emulator
    emulator.process.terminate()
    emulator.process.wait(10)


def test_a_timed_out_wait_is_recorded_and_the_next_up_converges(tmp_path: Path, slow_emulator: Emulator) -> None:
    stack = adopted_stack(tmp_path, slow_emulator)
    stack.config("wait", "1")
    first = stack.pulumi("up", "--yes", "--skip-preview", check=False)
    assert first.returncode != 0 and "it exists as ar-" in first.stdout
    [runtime] = remote_runtimes(slow_emulator)
    state = json.loads(stack.pulumi("stack", "export").stdout)
    recorded = [r for r in state["deployment"]["resources"] if r["urn"].endswith("::rt")]
    assert recorded and recorded[0]["id"] == runtime["agentRuntimeId"]  # recorded with its id, not lost

    stack.pulumi("config", "rm", "wait")
    stack.pulumi("up", "--yes", "--skip-preview")
    assert [r["agentRuntimeId"] for r in remote_runtimes(slow_emulator)] == [runtime["agentRuntimeId"]]
    assert remote_runtimes(slow_emulator)[0]["status"] == "READY"
    stack.pulumi("preview", "--expect-no-changes")
    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote_runtimes(slow_emulator) == []


def test_move_a_stack_from_dynamic_to_plugin_resources_without_recreating(tmp_path: Path, emulator: Emulator) -> None:
    """The README's migration, line by line: forget the dynamic resource, change the import,
    adopt it by id. Its placeholders get the URN and id that its first line shows."""
    migration = block("Move a stack from dynamic to plugin resources without recreating anything")
    export, forget, adopt, check = migration.commands()
    assert "# change the program's import to: from pulumi_agents.plugin import agentrun" in migration.code
    stack = make_stack("agentrun-runtime", tmp_path, emulator)
    stack.pulumi("up", "--yes", "--skip-preview")
    [runtime] = remote_runtimes(emulator)

    shown = bash(export, cwd=stack.dir, env=stack.env).stdout
    [urn] = re.findall(r'"urn": "([^"]+dynamic/agentrun:AgentRuntime::[^"]+)"', shown)
    assert f'"id": "{runtime["agentRuntimeId"]}"' in shown
    bash(forget.replace("<urn of the dynamic runtime>", urn), cwd=stack.dir, env=stack.env)
    use_plugins(stack.dir / "__main__.py")  # the comment line: the one-import change
    bash(adopt.replace("<runtime id>", runtime["agentRuntimeId"]), cwd=stack.dir, env=stack.env)
    bash(check, cwd=stack.dir, env=stack.env)
    assert [r["agentRuntimeId"] for r in remote_runtimes(emulator)] == [runtime["agentRuntimeId"]]
    assert stack.outputs()["runtime_id"] == runtime["agentRuntimeId"]


def test_get_schema_prints_the_generated_package_schema(tmp_path: Path, emulator: Emulator) -> None:
    from pulumi_agents import __version__
    from pulumi_agents._package import package_schema

    stack = make_stack("agentrun-runtime", tmp_path, emulator)
    plugin = Path(sys.executable).parent / "pulumi-resource-agentrun"
    printed = json.loads(stack.pulumi("package", "get-schema", str(plugin)).stdout)
    assert printed == package_schema("agentrun", __version__)
    from pulumi_agents._schema import resource_types

    assert set(printed["resources"]) == {f"agentrun:index:{t}" for t, p in resource_types().items() if p == "agentrun"}
    assert "agentrun:index:AgentRuntime" in printed["resources"]


@pytest.fixture
def other_places(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Emulator]]:
    """Two more AgentRun places: cn-shanghai for the stack's keys, cn-beijing for a partner's."""
    shanghai = start_emulator(tmp_path_factory.mktemp("shanghai"), None, 0.5, "--region", "cn-shanghai")
    partner = start_emulator(
        tmp_path_factory.mktemp("partner"),
        None,
        0.5,
        *("--region", "cn-beijing", "--access-key-id", PARTNER_KEY_ID, "--access-key-secret", PARTNER_KEY_SECRET),
    )
    yield shanghai, partner
    for emulator in (shanghai, partner):
        emulator.process.terminate()
        emulator.process.wait(10)


PARTNER_KEY_ID, PARTNER_KEY_SECRET = "partner-key-id", "partner-key-secret-never-plain"


def test_several_regions_or_accounts_in_one_stack(
    tmp_path: Path, emulator: Emulator, other_places: tuple[Emulator, Emulator]
) -> None:
    """The page's program as written: a runtime of the same name through the default provider and
    two explicit ones, each made where its provider says; an explicit provider's changed endpoint
    updates it in place and replaces nothing."""
    shanghai, partner = other_places
    stack = make_stack("several-regions", tmp_path, emulator, source=PROGRAMS)
    (stack.dir / "__main__.py").write_text(block("Several regions or accounts", page="docs/plugins.md").code)
    stack.config_all(
        {"shanghaiEndpoint": shanghai.url, "partnerEndpoint": partner.url},
        {"partnerKeyId": PARTNER_KEY_ID, "partnerKeySecret": PARTNER_KEY_SECRET},
    )
    up = stack.pulumi("up", "--yes", "--skip-preview")
    assert "Traceback" not in up.stdout + up.stderr
    arns = stack.outputs()
    places = {
        "hangzhou": (emulator, ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        "shanghai": (shanghai, ACCESS_KEY_ID, ACCESS_KEY_SECRET),
    }
    places["partner"] = (partner, PARTNER_KEY_ID, PARTNER_KEY_SECRET)
    regions = {"hangzhou": "cn-hangzhou", "shanghai": "cn-shanghai", "partner": "cn-beijing"}
    for place, (where, key_id, key_secret) in places.items():
        with AgentRunClient(Settings(Credentials(key_id, key_secret), endpoint=where.url)) as client:
            [runtime] = client.list_runtimes()  # read over HTTP from the place itself
        assert runtime["agentRuntimeName"] == "support-bot" and runtime["status"] == "READY"
        assert runtime["agentRuntimeArn"] == arns[f"{place}_arn"]
        assert runtime["agentRuntimeArn"].startswith(f"acs:agentrun:{regions[place]}:")
    stack.pulumi("preview", "--expect-no-changes")
    exported = stack.export()
    assert PARTNER_KEY_SECRET not in exported and PARTNER_KEY_ID not in exported and ACCESS_KEY_SECRET not in exported

    # Another address for the shanghai provider: a provider update, nothing replaced.
    stack.config("shanghaiEndpoint", shanghai.url.replace("127.0.0.1", "localhost"))
    text = stack.pulumi("preview", "--json", "--show-sames").stdout
    preview = json.loads(text)
    changed = {step["urn"].rsplit("::", 1)[-1]: step for step in preview["steps"]}
    assert changed["shanghai"]["op"] == "update" and changed["shanghai"]["diffReasons"] == ["endpoint"]
    assert changed["shanghai"]["detailedDiff"] == {"endpoint": {"kind": "update", "inputDiff": True}}
    assert {k: v for k, v in preview["changeSummary"].items() if k != "same"} == {"update": 1}  # no bot replaced
    # The review says where the runtime stays (issue 22's trial, finding 4), naming it alone.
    row = next(line for line in review_text(text).splitlines() if line.startswith("| `shanghai` |"))
    assert "**its 1 resource (bot-shanghai) stays where it was made (region `cn-shanghai`, endpoint `" in row
    stack.config("shanghaiEndpoint", shanghai.url)
    # A misspelt setting fails the preview, as a provider's check says it.
    stack.config("agentrun:regoin", "cn-shanghai")
    refused = stack.pulumi("preview", check=False)
    assert refused.returncode != 0 and "Traceback" not in refused.stdout + refused.stderr
    assert "agentrun:regoin is not a setting of agentrun (did you mean agentrun:region?)" in refused.stdout
    stack.pulumi("config", "rm", "agentrun:regoin")

    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote_runtimes(emulator) == []
    for where, key_id, key_secret in (places["shanghai"], places["partner"]):
        with AgentRunClient(Settings(Credentials(key_id, key_secret), endpoint=where.url)) as client:
            assert client.list_runtimes() == []
