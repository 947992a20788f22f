"""examples/full-stack under the real engine: a runtime, an agent and a smoke test wired through
outputs; a runtime change re-runs the smoke test through its triggers."""

from __future__ import annotations

from pathlib import Path

from tests.aiae_support import API_KEY
from tests.conftest import ACCESS_KEY_SECRET, QODER_TOKEN, Emulator
from tests.e2e.conftest import agents, make_stack, qoder_client, runtimes


def test_full_stack_example(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("full-stack", tmp_path, emulator, mode=mode)
    assert "+ 4 to create" in stack.pulumi("preview").stdout

    stack.pulumi("up", "--yes", "--skip-preview")
    [runtime], [agent] = runtimes(emulator), agents(emulator)
    outputs = stack.outputs()
    assert outputs["runtime_id"] == runtime["agentRuntimeId"] and outputs["agent_id"] == agent["id"]
    with qoder_client(emulator) as client:
        metadata = client.get_agent(str(agent["id"]))["metadata"]
    assert metadata == {"team": "support", "runtime": runtime["agentRuntimeId"]}
    assert str(runtime["agentRuntimeId"]) in outputs["smoke_answer"]

    stack.pulumi("preview", "--expect-no-changes")
    state = stack.export()
    for secret in (ACCESS_KEY_SECRET, QODER_TOKEN, API_KEY):
        assert secret not in state

    # A runtime update bumps its version, which re-runs the smoke test through its triggers.
    stack.config("memory", "4096")
    update = stack.pulumi("up", "--yes", "--skip-preview", "--diff")
    assert "2 updated" in update.stdout
    outputs_after = stack.outputs()
    assert outputs_after["runtime_version"] == "2" and outputs_after["agent_version"] == 1

    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert runtimes(emulator) == []
    assert all(a["archived"] for a in agents(emulator))
