"""examples/qoder-platform under the real engine, in both front doors: an agent with a skill from
a folder, run nightly as a deployment with a memory store and a file, deploys, previews clean,
updates in place (the skill's files publish a new version the agent moves to; the schedule; the
token; pause, then unpause), finds a change made
behind Pulumi's back by refresh and destroys (the agent and the deployment archived, as the API
has no delete for them); the MCP server's token never in the state or the CLI's output; in the
plugin door the vault's credential is imported as the plugin prints the command.
Each kind's other operations are tested in process (tests/test_qoder_platform*.py,
tests/test_qoder_deployment.py), not by more real-CLI stacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import qca

from pulumi_agents._lifecycle import import_command
from pulumi_agents.qoder.client import EXTENDED  # an agent's skills come back only with it
from tests.conftest import QODER_TOKEN, Emulator
from tests.e2e.conftest import Stack, make_stack
from tests.readme import bash

TOKEN, ROTATED = "tickets-bearer-token-not-for-the-state", "rotated-tickets-token-not-for-the-state"


@contextmanager
def managed(emulator: Emulator) -> Iterator[qca.Managed]:
    """Qoder's own SDK against the emulator: what the service holds, and changes behind Pulumi's back."""
    with qca.Managed(access_token=QODER_TOKEN, base_url=emulator.url + "/api/v1/cloud/", max_retries=0) as client:
        yield client


def test_qoder_platform_example(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("qoder-platform", tmp_path, emulator, mode=mode)
    stack.config_all({}, {"ticketsToken": TOKEN})
    said: list[str] = []  # every CLI output, checked for the token at the end

    def pulumi(*args: str) -> str:
        result = stack.pulumi(*args)
        said.append(result.stdout + result.stderr)
        return result.stdout

    pulumi("up", "--yes", "--skip-preview")
    out = stack.outputs()
    with managed(emulator) as qoder:
        deployment = qoder.deployments.retrieve(out["deployment_id"])
        environment = qoder.environments.retrieve(out["environment_id"])
        [credential] = qoder.vaults.credentials.list(out["vault_id"]).data
        agent = qoder.agents.retrieve(out["agent_id"], extra_headers=EXTENDED)
        skill = qoder.skills.retrieve(out["skill_id"])
        guide = qoder.files.download(out["file_id"]).read()
    assert deployment.agent.id == out["agent_id"] and deployment.environment_id == out["environment_id"]
    assert deployment.vault_ids == [out["vault_id"]] and deployment.status == "active"
    assert deployment.schedule and (deployment.schedule.expression, deployment.schedule.timezone) == (
        "0 2 * * *",
        "Asia/Shanghai",
    )
    mounted = {r.type: r for r in deployment.resources or []}
    assert mounted["memory_store"].memory_store_id == out["memory_store_id"]
    assert mounted["file"].file_id == out["file_id"] and guide == (stack.dir / "files/style-guide.md").read_bytes()
    assert skill.latest_version == out["skill_version"]
    assert [(s.skill_id, s.version) for s in agent.skills or []] == [(out["skill_id"], out["skill_version"])]
    networking = environment.config.networking  # type: ignore[union-attr]
    assert networking.type == "limited" and networking.allowed_hosts == ["tickets.example.com"]  # type: ignore[union-attr]
    assert credential.id == out["credential_id"] and credential.auth.type == "static_bearer"
    assert out["deployment_status"] == "active" and out["schedule"]["timezone"] == "Asia/Shanghai"
    pulumi("preview", "--expect-no-changes")  # no perpetual diff, the write-only token included

    # The skill's files change (a new version of the same skill, which the agent moves to), the
    # schedule moves, the nightly runs pause and the token rotates: the skill, the agent, the
    # deployment and the credential updated in place, the token masked in the diff.
    with (stack.dir / "skills/release-notes/SKILL.md").open("a") as skill_md:
        skill_md.write("5. End with a line thanking the contributors.\n")
    stack.config_all({"schedule": "30 3 * * 1-5", "paused": "true"}, {"ticketsToken": ROTATED})
    update = pulumi("up", "--yes", "--skip-preview", "--diff")
    assert "4 updated" in update and "replaced" not in update, update
    assert "30 3 * * 1-5" in update and "[secret]" in update
    now = stack.outputs()
    assert now["skill_id"] == out["skill_id"] and now["skill_version"] != out["skill_version"]
    assert now["agent_version"] == out["agent_version"] + 1 and now["deployment_status"] == "paused"
    with managed(emulator) as qoder:
        paused = qoder.deployments.retrieve(out["deployment_id"])
        versions = [v.version for v in qoder.skills.versions.list(out["skill_id"])]
        agent = qoder.agents.retrieve(out["agent_id"], extra_headers=EXTENDED)
    assert paused.status == "paused" and paused.schedule and paused.schedule.expression == "30 3 * * 1-5"
    assert sorted(versions) == sorted([out["skill_version"], now["skill_version"]])
    assert [(s.skill_id, s.version) for s in agent.skills or []] == [(out["skill_id"], now["skill_version"])]
    pulumi("preview", "--expect-no-changes")

    # Someone opens the environment's networking by hand: refresh finds it; the next up puts the
    # program's back, and unpauses the runs, each in place.
    with managed(emulator) as qoder:
        qoder.environments.update(
            out["environment_id"], config={"type": "cloud", "networking": {"type": "unrestricted"}}
        )
    assert "unrestricted" in pulumi("refresh", "--yes", "--diff")
    stack.config_all({"paused": "false"}, {})
    update = pulumi("up", "--yes", "--skip-preview")
    assert "2 updated" in update and "replaced" not in update, update
    with managed(emulator) as qoder:
        assert qoder.deployments.retrieve(out["deployment_id"]).status == "active"
        assert qoder.environments.retrieve(out["environment_id"]).config.networking.type == "limited"  # type: ignore[union-attr]
    pulumi("preview", "--expect-no-changes")

    if mode == "plugin":
        said.append(_import_the_credential(stack, out["vault_id"], out["credential_id"]))

    pulumi("destroy", "--yes", "--skip-preview")
    with managed(emulator) as qoder:
        assert qoder.agents.retrieve(out["agent_id"]).archived_at  # the API has no delete for either
        assert qoder.deployments.retrieve(out["deployment_id"]).archived_at
        assert qoder.environments.retrieve(out["environment_id"]).archived_at
        assert qoder.vaults.retrieve(out["vault_id"]).archived_at
        assert qoder.skills.list().data == [] and qoder.files.list().data == []  # deleted: they have no archive
    state = stack.export()
    assert [token for token in (TOKEN, ROTATED) if token in state or any(token in text for text in said)] == []


def _import_the_credential(stack: Stack, vault_id: str, credential_id: str) -> str:
    """The credential, forgotten by the stack, adopted with the `pulumi import` command as the
    plugin prints it (import_command, which its "exists and this stack did not create it" errors
    use; the id is <vault_id>/<credential_id>): the state then holds no token (the API never
    returns it), so the next up sends the program's once and the stack previews clean after it."""
    urn = next(
        line for line in stack.pulumi("stack", "--show-urns").stdout.split() if "VaultCredential::tickets" in line
    )
    stack.pulumi("state", "delete", urn, "--yes")
    command = import_command("qoder:index:VaultCredential", "tickets", f"{vault_id}/{credential_id}")
    imported = bash(command + " --non-interactive", cwd=stack.dir, env=stack.env).stdout
    assert "1 imported" in imported, imported
    assert ROTATED not in stack.export()
    update = stack.pulumi("up", "--yes", "--skip-preview").stdout
    assert "1 updated" in update, update
    stack.pulumi("preview", "--expect-no-changes")
    return imported + update
