"""Under the real CLI: a nested argument given as a whole Output (unknown at the first preview)
and an Output deep inside a list reach the API with wire names, and check passes."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Emulator
from tests.e2e.conftest import PROGRAMS, make_stack
from tests.e2e.conftest import runtimes as remote


def test_outputs_at_any_depth_under_the_engine(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("nested-outputs", tmp_path, emulator, source=PROGRAMS, mode=mode)
    preview = stack.pulumi("preview")
    assert "+ 3 to create" in preview.stdout  # the stack and two runtimes; no check failure
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
    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote(emulator) == []
