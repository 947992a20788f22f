"""examples/agentrun-rollout under the real engine: publish a version per change, shift traffic
to it in steps behind a smoke-test gate, preview each step, roll back, promote, destroy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Emulator
from tests.e2e.conftest import Stack, agentrun_client, make_stack
from tests.e2e.conftest import runtimes as remote
from tests.readme import bash, block


def prod(emulator: Emulator) -> dict[str, Any]:
    [runtime] = remote(emulator)
    with agentrun_client(emulator) as client:
        [endpoint] = client.list_endpoints(runtime["agentRuntimeId"])
    return endpoint


def run(stack: Stack, line: str) -> str:
    """One line of the README's rollout block, as written, in the stack's directory."""
    return bash(line, cwd=stack.dir, env=stack.env).stdout


def test_rollout_example(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    """The README's "A rollout, step by step", line by line, with what each line must do."""
    lines = block("A rollout, step by step").commands()
    assert lines[:2] == ["DEMO_EXAMPLE=agentrun-rollout ./run demo", "cd examples/agentrun-rollout"]
    pin, publish, canary, wider, apply, rollback, promote = lines[2:]
    stack = make_stack("agentrun-rollout", tmp_path, emulator, mode=mode)  # what ./run demo sets up

    # 1. The first version serves all the traffic.
    stack.pulumi("up", "--yes")
    endpoint = prod(emulator)
    assert endpoint["targetVersion"] == "1" and endpoint["routingConfiguration"]["versionWeights"] == []
    assert stack.outputs()["url"] == endpoint["endpointPublicUrl"]
    stack.pulumi("preview", "--expect-no-changes")

    # 2. Pin the stable version, change the runtime: version 2 is published, no traffic moves.
    run(stack, pin)
    run(stack, publish)
    assert stack.outputs()["candidate_version"] == "2"
    assert prod(emulator)["routingConfiguration"]["versionWeights"] == []

    # 3. Canary: 10%, then 50%. The preview shows exactly that change of weight.
    run(stack, canary)
    assert prod(emulator)["routingConfiguration"]["versionWeights"] == [{"version": "2", "weight": 0.1}]
    preview = run(stack, wider)
    assert "0.1" in preview and "0.5" in preview and "weight" in preview
    run(stack, apply)
    assert prod(emulator)["routingConfiguration"]["versionWeights"] == [{"version": "2", "weight": 0.5}]

    # 4. Roll back: the weight goes back to 0 and the candidate gets no traffic.
    run(stack, rollback)
    assert prod(emulator)["routingConfiguration"]["versionWeights"] == []

    # A percentage is refused at preview, with the conversion.
    stack.config("canaryWeight", "50")
    bad = stack.pulumi("preview", check=False)
    assert bad.returncode != 0 and "write 0.5 for 50%" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr

    # 5. Promote: version 2 becomes the stable one.
    run(stack, promote)
    endpoint = prod(emulator)
    assert endpoint["targetVersion"] == "2" and endpoint["routingConfiguration"]["versionWeights"] == []
    assert stack.outputs()["routing"] == {"versionWeights": []}

    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote(emulator) == []
