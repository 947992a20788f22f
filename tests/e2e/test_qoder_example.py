"""examples/qoder-agent under the real engine: preview, up, no perpetual diff, update with
version bump, drift found by refresh, an out-of-band archive replaced, a config error at
preview, no token in the state, destroy archives."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import QODER_TOKEN, Emulator
from tests.e2e.conftest import agents as remote
from tests.e2e.conftest import make_stack
from tests.e2e.conftest import qoder_client as client


def test_qoder_agent_example(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("qoder-agent", tmp_path, emulator, mode=mode)
    assert "+ 2 to create" in stack.pulumi("preview").stdout

    stack.pulumi("up", "--yes", "--skip-preview")
    [agent] = remote(emulator)
    outputs = stack.outputs()
    assert outputs == {"agent_id": agent["id"], "version": 1, "archived": False}
    assert agent["model"] == {"id": "ultimate", "effort": "high"} and len(agent["mcp_servers"]) == 2

    stack.pulumi("preview", "--expect-no-changes")
    assert QODER_TOKEN not in stack.export()

    stack.config("team", "platform")
    update = stack.pulumi("up", "--yes", "--skip-preview", "--diff")
    assert "1 updated" in update.stdout
    assert stack.outputs()["version"] == 2
    with client(emulator) as c:
        assert c.get_agent(agent["id"])["metadata"] == {"team": "platform", "owner": "platform"}

    # A change behind Pulumi's back: refresh takes it in, the next up puts the program's value back.
    with client(emulator) as c:
        c.update_agent(agent["id"], {"version": 2, "instructions": "changed by hand"})
    assert "system" in stack.pulumi("refresh", "--yes", "--diff").stdout  # the program's name of the prompt
    stack.pulumi("up", "--yes", "--skip-preview")
    with client(emulator) as c:
        restored = c.get_agent(agent["id"])
    assert restored["instructions"] == "You help with documentation." and restored["version"] == 4

    # Archived behind Pulumi's back: refresh sees it, up replaces it with a new agent.
    with client(emulator) as c:
        c.archive_agent(agent["id"])
    stack.pulumi("refresh", "--yes")
    replaced = stack.pulumi("up", "--yes", "--skip-preview")
    assert "1 replaced" in replaced.stdout
    new_id = stack.outputs()["agent_id"]
    assert new_id != agent["id"]
    assert sorted((a["id"] == new_id, a["archived"]) for a in remote(emulator)) == [(False, True), (True, False)]

    stack.config("team", "x" * 600)
    bad = stack.pulumi("preview", check=False)
    assert bad.returncode != 0
    assert "metadata.team" in bad.stdout and "must be at most 512 characters long" in bad.stdout
    stack.config("team", "platform")

    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert all(a["archived"] for a in remote(emulator))  # on_delete="archive": kept for audit
