"""Interruptions under the real CLI: the CLI killed in the middle of `pulumi up`, then the next
`up` converges with no duplicate and no orphan, in both modes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import Emulator
from tests.e2e.conftest import PROGRAMS, Stack, make_stack, qoder_client
from tests.e2e.conftest import agents as remote_agents
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


def descendants(pid: int) -> set[int]:
    """The processes ``pid`` started, and theirs (from /proc; none where there is no /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``process`` and everything it started, as a machine that dies would. Its process
    group is not enough: the CLI starts the language host and the providers in groups of their
    own, which would live on (and keep working) after it. Stopped first, so that none starts
    another process meanwhile."""
    stopped: set[int] = set()
    while new := ({process.pid} | descendants(process.pid)) - stopped:
        for pid in new:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        stopped |= new
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in stopped:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


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
        kill_tree(process)
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


STORM = [
    {"kind": "status", "status": 500, "rate": 0.05},
    {"kind": "status", "status": 503, "retryAfter": 0.5, "rate": 0.05},
    {"kind": "status", "status": 429, "retryAfter": 0.5, "rate": 0.05},
    {"kind": "lost", "seconds": 3, "rate": 0.03},  # the work is done, the answer never comes
    {"kind": "stall", "seconds": 3, "rate": 0.02},  # past the client's 2 s timeout
]


def storm(emulator: Emulator) -> None:
    """About 20% of every AgentRun and Qoder request fails, as long as the storm lasts."""
    for path in ("/2025-09-10", "/api/v1/cloud"):
        for rule in STORM:
            emulator.fault(**rule, path=path, times=1000, seed=7)


def converge(stack: Stack, *args: str) -> int:
    """Run a pulumi command until it succeeds, at most twice; the runs it took."""
    for run in (1, 2):
        if stack.pulumi(*args, "--yes", "--skip-preview", check=False, timeout=600).returncode == 0:
            return run
    raise AssertionError(f"pulumi {' '.join(args)} did not converge in two runs")


def matches(stack: Stack, emulator: Emulator, memory: int) -> None:
    """0 duplicates, 0 orphans, and the state agrees with the service field by field."""
    resources = json.loads(stack.export())["deployment"].get("resources") or []
    state = {r["outputs"]["agentRuntimeName"]: r for r in resources if r["type"].endswith("AgentRuntime")}
    live = remote(emulator)
    assert sorted(r["agentRuntimeName"] for r in live) == sorted(f"fleet-{i}" for i in range(STORM_RUNTIMES))
    assert sorted(state) == sorted(r["agentRuntimeName"] for r in live)
    for runtime in live:
        outs = state[runtime["agentRuntimeName"]]["outputs"]
        assert outs["agentRuntimeId"] == state[runtime["agentRuntimeName"]]["id"] == runtime["agentRuntimeId"]
        assert outs["memory"] == runtime["memory"] == memory and outs["status"] == runtime["status"] == "READY"
        assert outs["agentRuntimeVersion"] == runtime["agentRuntimeVersion"]
    agents = [a for a in remote_agents(emulator) if not a.get("archived")]
    recorded_agents = {r["id"]: r["outputs"] for r in resources if r["type"].endswith("Agent")}
    assert sorted(a["name"] for a in agents) == sorted(f"fleet-agent-{i}" for i in range(STORM_AGENTS))
    assert sorted(recorded_agents) == sorted(a["id"] for a in agents)
    with qoder_client(emulator) as client:
        for agent in agents:
            assert recorded_agents[agent["id"]]["version"] == agent["version"]
            assert client.get_agent(agent["id"])["metadata"] == {"memory": str(memory)}


STORM_RUNTIMES, STORM_AGENTS = 6, 4


def test_a_fault_storm_converges_without_duplicates_or_orphans(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("fleet", tmp_path, emulator, source=PROGRAMS, mode=mode)
    stack.config("runtimes", str(STORM_RUNTIMES))
    stack.config("agents", str(STORM_AGENTS))
    stack.config("agentrun:httpTimeout", "2")
    stack.config("qoder:httpTimeout", "2")
    storm(emulator)

    runs = {"create": converge(stack, "up")}
    matches(stack, emulator, 2048)
    stack.config("memory", "4096")
    runs["update"] = converge(stack, "up")
    matches(stack, emulator, 4096)
    runs["destroy"] = converge(stack, "destroy")
    emulator.control("DELETE", "/_emulator/faults")
    assert remote(emulator) == [] and remote_agents(emulator) == []
    print(f"fault storm ({mode}): runs to converge {runs}")
