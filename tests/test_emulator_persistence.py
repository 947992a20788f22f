"""The emulator keeps its state in SQLite under --data: a restart loses nothing."""

from __future__ import annotations

import time
from pathlib import Path

from pulumi_agents.agentrun import AgentRunClient, Credentials, Settings
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, free_port, start_emulator
from tests.runtimes import code_runtime


def test_state_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET), endpoint=f"http://127.0.0.1:{port}")
    first = start_emulator(tmp_path, port=port, transition=0.3)
    try:
        with AgentRunClient(settings) as client:
            created = client.create_runtime(code_runtime())
    finally:
        first.process.terminate()
        first.process.wait(10)
    # A transition pending at shutdown completes after the restart too.
    time.sleep(0.5)
    second = start_emulator(tmp_path, port=port, transition=0.3)
    try:
        with AgentRunClient(settings) as client:
            runtime = client.get_runtime(created["agentRuntimeId"])
            assert runtime["status"] == "READY"
            assert runtime["agentRuntimeArn"] == created["agentRuntimeArn"]
            assert runtime["nasConfig"]["mountPoints"][0]["mountDir"] == "/mnt/nas"
    finally:
        second.process.terminate()
        second.process.wait(10)
