"""examples/agentrun-rollout under the real engine: publish a version per change, shift traffic
to it in steps behind a smoke-test gate, preview each step, roll back, promote, destroy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Emulator
from tests.e2e.conftest import Stack, agentrun_client, make_stack
from tests.e2e.conftest import runtimes as remote


def prod(emulator: Emulator) -> dict[str, Any]:
    [runtime] = remote(emulator)
    with agentrun_client(emulator) as client:
        [endpoint] = client.list_endpoints(runtime["agentRuntimeId"])
    return endpoint


def step(stack: Stack, **config: str) -> str:
    """Set config, preview (returned, as JSON), then up."""
    for key, value in config.items():
        stack.config(key, value)
    preview = stack.pulumi("preview", "--diff").stdout
    stack.pulumi("up", "--yes", "--skip-preview")
    return preview


def test_rollout_example(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("agentrun-rollout", tmp_path, emulator, mode=mode)

    # 1. The first version serves all the traffic.
    stack.pulumi("up", "--yes")
    endpoint = prod(emulator)
    assert endpoint["targetVersion"] == "1" and endpoint["routingConfiguration"]["versionWeights"] == []
    assert stack.outputs()["url"] == endpoint["endpointPublicUrl"]
    stack.pulumi("preview", "--expect-no-changes")

    # 2. Pin the stable version, change the runtime: version 2 is published, no traffic moves.
    step(stack, stableVersion="1", model="qwen-max")
    assert stack.outputs()["candidate_version"] == "2"
    assert prod(emulator)["routingConfiguration"]["versionWeights"] == []

    # 3. Canary: 10%, then 50%. The preview shows exactly that change of weight.
    step(stack, canaryWeight="0.1")
    assert prod(emulator)["routingConfiguration"]["versionWeights"] == [{"version": "2", "weight": 0.1}]
    preview = step(stack, canaryWeight="0.5")
    assert "0.1" in preview and "0.5" in preview and "weight" in preview
    assert prod(emulator)["routingConfiguration"]["versionWeights"] == [{"version": "2", "weight": 0.5}]

    # 4. Roll back: the weight goes back to 0 and the candidate gets no traffic.
    step(stack, canaryWeight="0")
    assert prod(emulator)["routingConfiguration"]["versionWeights"] == []

    # A percentage is refused at preview, with the conversion.
    stack.config("canaryWeight", "50")
    bad = stack.pulumi("preview", check=False)
    assert bad.returncode != 0 and "write 0.5 for 50%" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr

    # 5. Promote: version 2 becomes the stable one.
    stack.pulumi("config", "rm", "canaryWeight")
    step(stack, stableVersion="2")
    endpoint = prod(emulator)
    assert endpoint["targetVersion"] == "2" and endpoint["routingConfiguration"]["versionWeights"] == []
    assert stack.outputs()["routing"] == {"versionWeights": []}

    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote(emulator) == []
