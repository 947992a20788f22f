"""The examples of the README and docs/ that need only the emulator, run as written (with the test emulator's
port); the Pulumi ones are in tests/e2e/test_readme.py. tests/readme.py lists which test runs
each block."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Emulator, free_port
from tests.readme import NOT_RUN, ROOT, RUN_BY, bash, block, blocks, python


def shell_env(**extra: str) -> dict[str, str]:
    """The environment a reader has after installing: this venv's commands on PATH."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", **extra}


def test_every_example_is_run_or_says_why_not() -> None:
    assert {b.page for b in blocks()} >= {
        "README.md",
        "resources.md",
        "plugins.md",
        "review.md",
        "emulator.md",
        "yaml.md",
        "guardrails.md",
    }
    headings = [(b.page, b.heading) for b in blocks()]
    clashes = {h for _, h in headings if len({p for p, h2 in headings if h2 == h}) > 1}
    assert not clashes, f"a heading with blocks must be unique across README.md and docs/: {clashes}"
    found = {(b.heading, b.index) for b in blocks()}
    missing = found - set(RUN_BY) - set(NOT_RUN)
    assert not missing, f"README/docs blocks no test runs (add them to tests/readme.py): {sorted(missing)}"
    stale = (set(RUN_BY) | set(NOT_RUN)) - found
    assert not stale, f"tests/readme.py names blocks README/docs no longer have: {sorted(stale)}"
    assert not set(RUN_BY) & set(NOT_RUN)


def test_the_validate_example() -> None:
    # Exit status 0 (bash() checks it): both example config files are valid, and nothing is printed.
    out = bash(block("Validate configuration files").code, cwd=ROOT, env=shell_env())
    assert out.stdout == ""


def test_the_emulator_command(tmp_path: Path) -> None:
    port = free_port()
    command = block("The emulator", 0).with_port(port).strip()
    process = subprocess.Popen(["bash", "-c", "exec " + command], cwd=tmp_path, env=shell_env())
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.1)
        assert (tmp_path / ".emulator-data").is_dir()  # --data, relative to where it runs
    finally:
        process.terminate()
        process.wait(10)


def test_the_official_sdk_example(emulator: Emulator, tmp_path: Path) -> None:
    port = int(emulator.url.rsplit(":", 1)[1])
    out = python(block("The emulator", 1).with_port(port), cwd=tmp_path, env=shell_env())
    assert out.stdout.strip() == "[]"  # a fresh emulator holds no runtime


def test_the_test_controls(emulator: Emulator, tmp_path: Path) -> None:
    port = int(emulator.url.rsplit(":", 1)[1])
    # curl -f: an HTTP error fails the block, as a reader would notice it.
    script = 'curl() { command curl -fsS "$@"; echo; }\n' + block("The emulator", 2).with_port(port)
    out = bash(script, cwd=tmp_path, env=shell_env())
    replies = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(replies) == 6 and all("error" not in reply for reply in replies)


def test_the_aiae_client_example(emulator: Emulator, tmp_path: Path) -> None:
    env = shell_env(AIAE_AGENT_URL=emulator.url + "/v1/routes/open/demo-agent/execute", AIAE_API_KEY="test-api-key")
    out = python(block("Published agents (Huawei Cloud AIAE)", 0).code, cwd=tmp_path, env=env)
    assert "order 42" in out.stdout and "And order 43?" in out.stdout and "word_count" in out.stdout


def test_the_invoke_example(emulator: Emulator, tmp_path: Path) -> None:
    port = int(emulator.url.rsplit(":", 1)[1])
    out = bash(block("Published agents (Huawei Cloud AIAE)", 1).with_port(port), cwd=tmp_path, env=shell_env())
    assert "order 42" in out.stdout and "order 43" in out.stdout
    chunks = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert chunks, "--json prints one JSON object per chunk"
    assert "erp-secret" not in out.stdout + out.stderr


@pytest.mark.parametrize("command", [["ruff", "check", "provider", "tests", "scripts"], ["mypy"]])
def test_lint(command: list[str]) -> None:
    """The Development section's lint line: the code stays ruff- and mypy-clean."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_versions_are_published_from_a_release_name_never_the_runtimes_version_output() -> None:
    """Issue 22, finding 2: `triggers=[rt.agent_runtime_version]` on a RuntimeVersion republished
    it on a cpu change, and the canary weight sent traffic to it unreviewed. What the README and
    the examples show publishes from a release name the program chooses."""
    import re

    texts = {p.name: p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]}
    texts |= {str(p.relative_to(ROOT)): p.read_text() for p in (ROOT / "examples").glob("*/__main__.py")}
    for name, text in texts.items():
        for call in re.findall(r"RuntimeVersion\((?:[^()]|\([^()]*\))*\)", text):
            assert "agent_runtime_version" not in call, f"{name}: {call}"
