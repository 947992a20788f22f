"""Under the real CLI: a nested argument given as a whole Output (unknown at the first preview)
and an Output deep inside a list reach the API with wire names, and check passes. Only a secret
leaf is hidden: an image change stays readable next to a registry password."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc

from tests.conftest import Emulator
from tests.e2e.conftest import PROGRAMS, make_stack
from tests.e2e.conftest import runtimes as remote


def test_outputs_at_any_depth_under_the_engine(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("nested-outputs", tmp_path, emulator, source=PROGRAMS, mode=mode)
    preview = stack.pulumi("preview")
    assert "+ 4 to create" in preview.stdout  # the stack and two runtimes; no check failure
    stack.pulumi("up", "--yes", "--skip-preview")
    by_name = {r["agentRuntimeName"]: r for r in remote(emulator)}
    outputs = stack.outputs()
    assert by_name["second-bot"]["networkConfiguration"] == {
        "networkMode": "PRIVATE",
        "vpcId": f"vpc-{outputs['first_id']}",
        "vswitchIds": ["vsw-1"],
        "securityGroupId": "sg-1",
    }
    assert by_name["second-bot"]["nasConfig"]["mountPoints"][0]["mountDir"] == "/mnt/nas"
    stack.pulumi("preview", "--expect-no-changes")

    # The password is a secret in the state, the image next to it is not.
    [container] = [r for r in json.loads(stack.export())["deployment"]["resources"] if r["urn"].endswith("::container")]
    for props in (container["inputs"], container["outputs"]):
        config = props["containerConfiguration"]
        assert config["image"] == "registry.example.com/bot:v1"
        assert is_secret(config["registryConfig"]["authConfig"]["password"])
        assert config["registryConfig"]["authConfig"]["userName"] == "deploy"
    assert "registry-password-e2e" not in stack.export()
    if mode == "dynamic":  # the pickled provider names a class and holds nothing secret: not encrypted
        assert all(isinstance(container[p]["__provider"], str) for p in ("inputs", "outputs"))
    # So a reviewer sees an image change, and nothing of the password.
    stack.config("image", "registry.example.com/bot:v2")
    diff = stack.pulumi("preview", "--diff").stdout
    assert "registry.example.com/bot:v1" in diff and "registry.example.com/bot:v2" in diff
    assert "registry-password-e2e" not in diff
    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote(emulator) == []


def is_secret(value: Any) -> bool:
    """A value as `pulumi stack export` writes a secret: ciphertext under Pulumi's secret signature."""
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig
