"""Interruptions under the real CLI: the CLI killed in the middle of `pulumi up`, then the next
`up` converges with no duplicate and no orphan, in both modes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import Emulator
from tests.e2e.conftest import PROGRAMS, Stack, make_stack
from tests.e2e.conftest import runtimes as remote

RUNTIMES = 10


def names(emulator: Emulator) -> list[str]:
    return sorted(r["agentRuntimeName"] for r in remote(emulator))


def recorded(stack: Stack) -> list[str]:
    """The runtimes the state holds, with an id (a pending create is not one)."""
    resources = json.loads(stack.export())["deployment"].get("resources") or []
    return sorted(
        r["outputs"]["agentRuntimeName"]
        for r in resources
        if r["type"].endswith("AgentRuntime") and r.get("id") and "agentRuntimeName" in r.get("outputs", {})
    )


def kill_during_up(stack: Stack, emulator: Emulator, after: int) -> None:
    """Start `pulumi up`, SIGKILL it (and everything it started) once ``after`` runtimes exist."""
    process = subprocess.Popen(
        ["pulumi", "up", "--yes", "--skip-preview", "--non-interactive"],
        cwd=stack.dir,
        env=stack.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the language host and providers die with it
    )
    deadline = time.monotonic() + 120
    try:
        while len(remote(emulator)) < after and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)


def test_the_cli_killed_during_up_converges(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("fleet", tmp_path, emulator, source=PROGRAMS, mode=mode)
    stack.config("runtimes", str(RUNTIMES))
    kill_during_up(stack, emulator, after=3)
    assert 0 < len(remote(emulator)) < RUNTIMES or len(recorded(stack)) < RUNTIMES  # really interrupted

    # The file backend's lock outlives the killed CLI: Pulumi's own remedy, then a plain up.
    stack.pulumi("cancel", "--yes")
    stack.pulumi("up", "--yes", "--skip-preview")
    assert names(emulator) == sorted(f"fleet-{i}" for i in range(RUNTIMES))  # no duplicate
    assert recorded(stack) == names(emulator)  # no orphan: every runtime is in the state
    stack.pulumi("preview", "--expect-no-changes")
    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert remote(emulator) == []
