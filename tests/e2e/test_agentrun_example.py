"""examples/agentrun-runtime under the real engine: preview, up, no perpetual diff, update in
place, replace, drift found by refresh, config errors at preview, secrets, destroy."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, Emulator
from tests.e2e.conftest import agentrun_client, make_stack
from tests.e2e.conftest import runtimes as remote

OPENAI_KEY = "sk-e2e-very-secret-openai-key"


def test_agentrun_runtime_example(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("agentrun-runtime", tmp_path, emulator, mode=mode)
    stack.config("openaiApiKey", OPENAI_KEY, secret=True)

    preview = stack.pulumi("preview", "--diff")
    assert "+ 2 to create" in preview.stdout
    # The resource's identity in its stack (an internal option) is never shown (issue 22, finding 6).
    assert "ownerSeed" not in preview.stdout and "idempotencySeed" not in preview.stdout

    stack.pulumi("up", "--yes", "--skip-preview")
    [runtime] = remote(emulator)
    outputs = stack.outputs()
    assert outputs["runtime_id"] == runtime["agentRuntimeId"] and outputs["status"] == "READY"
    assert runtime["agentRuntimeName"] == "support-bot"
    env = dict(runtime["environmentVariables"])
    assert env.pop("PULUMI_AGENTS_OWNER")  # the provider's mark of what it created (README)
    assert env == {"OPENAI_API_KEY": OPENAI_KEY, "LOG_LEVEL": "info"}

    stack.pulumi("preview", "--expect-no-changes")  # no perpetual diff

    state = stack.export()
    for secret in (OPENAI_KEY, ACCESS_KEY_SECRET, ACCESS_KEY_ID):
        assert secret not in state

    stack.config("memory", "4096")
    update = stack.pulumi("up", "--yes", "--skip-preview", "--diff")
    assert "memory" in update.stdout and "1 updated" in update.stdout and "Seed" not in update.stdout
    [runtime] = remote(emulator)
    assert runtime["memory"] == 4096 and runtime["agentRuntimeId"] == outputs["runtime_id"]

    # Drift made behind Pulumi's back is found by refresh and undone by the next up.
    with agentrun_client(emulator) as client:
        client.update_runtime(outputs["runtime_id"], {"cpu": 4})
    refresh = stack.pulumi("refresh", "--yes", "--diff")
    assert "cpu" in refresh.stdout
    drift = stack.pulumi("preview", "--diff")
    assert "1 to update" in drift.stdout and "cpu" in drift.stdout

    # A config error fails the preview with the property path and the rule.
    stack.config("nasMountDir", "mnt/relative")
    bad = stack.pulumi("preview", check=False)
    assert bad.returncode != 0
    assert "nasConfig.mountPoints[0].mountDir" in bad.stdout and "must be an absolute path" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    stack.pulumi("config", "rm", "nasMountDir")

    # An immutable field replaces the runtime (create-before-delete: the name changes).
    stack.config("runtimeName", "support-bot-2")
    replace = stack.pulumi("up", "--yes", "--skip-preview")
    assert "1 replaced" in replace.stdout
    assert [r["agentRuntimeName"] for r in remote(emulator)] == ["support-bot-2"]
    assert OPENAI_KEY not in stack.export()

    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote(emulator) == []
