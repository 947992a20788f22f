"""`pulumi-agents invoke` as a user runs it: streamed output, --json lines, exit statuses 0/1/2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.aiae_support import API_KEY, agent_url
from tests.conftest import Emulator

SECRET = "erp-token-93ab51f0"


def env(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "AIAE_API_KEY"}
    return {**environment, "AIAE_API_KEY": API_KEY, **extra}


def run(*args: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_agents", "invoke", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment or env(),
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], status: int, start: str) -> None:
    assert result.returncode == status, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {start}"), result.stderr


def test_the_answer_is_shown_with_its_tool_calls(emulator: Emulator) -> None:
    result = run(agent_url(emulator), "--query", "hello world", "--user-id", "ana", "--var", "region=eu")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "[hint] calling tool word_count (tool-word-count)",
        '[tool] word_count: SUCCESS {"words": 2}',
        "[hint] calling knowledge faq (kb-faq)",
        '[knowledge] faq: SUCCESS {"matches": 0}',
    ]
    assert lines[4] == "You asked: hello world. Hello, ana. Variables: region=eu. Your question has 2 words."
    assert "chunks in" in result.stderr


def test_json_prints_one_object_per_chunk(emulator: Emulator) -> None:
    result = run(agent_url(emulator, "ndjson-agent"), "-q", "hello [[tool-fail]]", "--json")
    assert result.returncode == 0, result.stderr
    chunks = [json.loads(line) for line in result.stdout.splitlines()]
    assert [c["type"] for c in chunks[:4]] == ["hint", "tool", "hint", "knowledge"]
    assert chunks[1]["data"]["status"] == "FAILED"
    assert "".join(c["data"]["content"] for c in chunks if c["type"] == "message").startswith("You asked: hello")
    assert result.stderr == ""


def test_memory_file_and_conversation(emulator: Emulator, tmp_path: Path) -> None:
    memory = tmp_path / "memory.json"
    memory.write_text(
        json.dumps([{"role": "user", "content": "Is it raining?"}, {"role": "assistant", "content": "No"}])
    )
    url = agent_url(emulator)
    assert run(url, "-q", "first", "--user-id", "ana", "--conversation-id", "c1").returncode == 0
    recalled = run(url, "-q", "second", "--user-id", "ana", "--conversation-id", "c1")
    given = run(url, "-q", "third", "--user-id", "ana", "--conversation-id", "c1", "--memory", str(memory))
    assert "you last asked: first." in recalled.stdout
    assert "the last you asked was: Is it raining?." in given.stdout and "recall" not in given.stdout


def test_output_streams_while_the_agent_is_still_answering(emulator: Emulator) -> None:
    # The agent goes silent for 20 s after its tool chunks: those lines must show before that.
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_agents", "invoke", agent_url(emulator), "-q", "wait [[stall:20]]"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        assert process.stdout is not None
        seen = [process.stdout.readline() for _ in range(4)]
        assert seen[3].startswith("[knowledge] faq: SUCCESS")
        assert process.poll() is None  # still waiting for the rest of the answer
    finally:
        process.terminate()
        process.wait(10)


def test_service_and_stream_errors_exit_1(emulator: Emulator) -> None:
    url = agent_url(emulator)
    assert_one_line_error(run(url, "-q", "x [[error-in-200]]"), 1, "AIAE execute failed: HTTP 200 AIAE.22001002")
    assert_one_line_error(
        run(url, "-q", "x [[error-chunk]]", "--json"), 1, "AIAE execute failed: HTTP 200 AIAE.50001001"
    )
    cut = run(url, "-q", "x [[cut]]")
    assert_one_line_error(cut, 1, "AIAE execute: the stream was cut off after 5 chunks")
    assert "You asked" in cut.stdout  # what arrived before the cut was shown
    assert_one_line_error(run(url, "-q", "x [[stall:10]]", "--timeout", "1"), 1, "AIAE execute: no data for 1s")
    assert_one_line_error(run(url, "-q", "x [[malformed]]"), 1, "AIAE execute: chunk 2 is not valid JSON")
    bad_key = run(url, "-q", "x", environment=env(AIAE_API_KEY="wrong-key-b7c2e9"))
    assert_one_line_error(bad_key, 1, "AIAE execute failed: HTTP 200 AIAE.22001001")
    assert "wrong-key-b7c2e9" not in bad_key.stderr + bad_key.stdout


def test_secret_variables_never_show(emulator: Emulator) -> None:
    url = agent_url(emulator, "secure-agent")
    echoed = run(url, "-q", "x [[error-echo]]", "--secret-var", f"erp_token={SECRET}")
    assert_one_line_error(echoed, 1, "AIAE execute failed: HTTP 200 AIAE.22001002")
    assert '"erp_token": "***"' in echoed.stderr
    ok = run(url, "-q", "x", "--secret-var", f"erp_token={SECRET}")
    assert ok.returncode == 0 and "1 sensitive variables received" in ok.stdout
    for result in (echoed, ok):
        assert SECRET not in result.stdout + result.stderr
    missing = run(url, "-q", "x")
    assert_one_line_error(missing, 1, "AIAE execute failed: HTTP 200 AIAE.22001002: bad parameter: the agent requires")


def test_usage_errors_exit_2(emulator: Emulator, tmp_path: Path) -> None:
    url = agent_url(emulator)
    no_key = run(url, "-q", "x", environment={k: v for k, v in env().items() if k != "AIAE_API_KEY"})
    assert_one_line_error(no_key, 2, "set AIAE_API_KEY to the agent's API key")
    assert_one_line_error(run(url, "-q", "x", "--api-key-env", "NOPE_KEY"), 2, "set NOPE_KEY")
    assert_one_line_error(run(url, "-q", "x", "--var", "region"), 2, "--var 'region': expected NAME=VALUE")
    bad_secret = run(url, "-q", "x", "--secret-var", "a=1", "--secret-var", SECRET)
    assert_one_line_error(bad_secret, 2, "--secret-var #2: expected NAME=VALUE")
    assert SECRET not in bad_secret.stderr
    memory = tmp_path / "memory.json"
    memory.write_text(json.dumps([{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}]))
    assert_one_line_error(
        run(url, "-q", "x", "--memory", str(memory)),
        2,
        f"--memory {memory}: memory[1].role: must be one of user, assistant, tool (got 'robot')",
    )
    memory.write_text("[{")
    assert_one_line_error(run(url, "-q", "x", "--memory", str(memory)), 2, f"--memory {memory}: not valid JSON")
    assert_one_line_error(run(url, "-q", "x", "--memory", str(tmp_path / "none.json")), 2, "--memory")
    assert_one_line_error(run("not-a-url", "-q", "x"), 2, "url: must be an http(s) address")
    assert run(url).returncode == 2  # --query is required
