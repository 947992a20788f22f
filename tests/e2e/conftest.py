"""Real Pulumi CLI runs of the examples, against the emulator, in temporary directories.

`./run test` builds the CLI and sets PULUMI_AGENTS_E2E=1, which makes a missing CLI a failure
rather than a skip, so CI can never pass without running these.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_agents.agentrun import AgentRunClient, Credentials, Settings
from pulumi_agents.qoder import QoderClient
from pulumi_agents.qoder import Settings as QoderSettings
from tests.aiae_support import API_KEY as AIAE_API_KEY
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, QODER_TOKEN, Emulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROGRAMS = Path(__file__).resolve().parent / "programs"  # test-only projects
PASSPHRASE = "e2e-passphrase"


class Stack:
    """One example copied into a temp dir, with its own file backend and stack."""

    def __init__(self, workdir: Path, emulator: Emulator) -> None:
        self.dir, self.emulator = workdir, emulator
        (workdir.parent / "state").mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "PULUMI_HOME": str(workdir.parent / "pulumi-home"),
            "PULUMI_BACKEND_URL": f"file://{workdir.parent / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The provider plugins are console scripts beside this interpreter.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        for name in (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "AGENTRUN_ENDPOINT",
            "QODER_PAT",
            "QODER_BASE_URL",
            "AIAE_API_KEY",
        ):
            self.env.pop(name, None)  # credentials come from stack config only

    def pulumi(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def config(self, key: str, value: str, *, secret: bool = False) -> None:
        self.pulumi("config", "set", *(["--secret"] if secret else []), key, value)

    def config_all(self, plain: dict[str, str], secret: dict[str, str]) -> None:
        """Several values in one `pulumi config set-all`: one CLI start and one passphrase key
        derivation (about 0.3 s of CPU each time) for them all."""
        pairs = [("--plaintext", f"{k}={v}") for k, v in plain.items()]
        pairs += [("--secret", f"{k}={v}") for k, v in secret.items()]
        self.pulumi("config", "set-all", *(arg for pair in pairs for arg in pair))

    def export(self) -> str:
        return self.pulumi("stack", "export", "--show-secrets=false").stdout

    def outputs(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.pulumi("stack", "output", "--json").stdout)
        return loaded


MODES = ("dynamic", "plugin")


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Each example runs twice: with the dynamic resources, and with the provider plugins."""
    return str(request.param)


def use_plugins(program: Path) -> None:
    """Move a program to the provider plugins: the one-import change the README describes."""
    text = program.read_text()
    moved = re.sub(r"^from pulumi_agents import ", "from pulumi_agents.plugin import ", text, flags=re.M)
    assert moved != text or "from pulumi_agents.plugin import " in text, f"{program} imports no pulumi_agents resources"
    program.write_text(moved)


def use_dynamic(program: Path) -> None:
    """Move a program written for the provider plugins (examples/gitops) to the dynamic resources."""
    text = program.read_text()
    program.write_text(re.sub(r"^from pulumi_agents\.plugin import ", "from pulumi_agents import ", text, flags=re.M))


def make_stack(
    name: str, tmp_path: Path, emulator: Emulator, source: Path = EXAMPLES, mode: str | None = None
) -> Stack:
    """A stack of the project ``source/name`` (an example, or a test program under programs/),
    with the dynamic resources (``dynamic`` mode), the provider plugins (``plugin`` mode), or the
    front door the program imports (no mode)."""
    if shutil.which("pulumi") is None:
        message = "the Pulumi CLI is not on PATH: run the tests with ./run test, which builds it"
        if os.environ.get("PULUMI_AGENTS_E2E") == "1":
            pytest.fail(message)
        pytest.skip(message)
    workdir = tmp_path / name
    shutil.copytree(source / name, workdir)
    # Use this interpreter's environment, where pulumi-agents is installed.
    project = (workdir / "Pulumi.yaml").read_text()
    project = re.sub(r"virtualenv: \S+", f"virtualenv: {sys.prefix}", project)
    # ... and its bin, for a project that lists the plugins' folder (`plugins: providers:`).
    project = re.sub(r"^(\s+path: )\S+", rf"\g<1>{Path(sys.executable).parent}", project, flags=re.M)
    (workdir / "Pulumi.yaml").write_text(project)
    if mode == "plugin":
        use_plugins(workdir / "__main__.py")
    elif mode == "dynamic":
        use_dynamic(workdir / "__main__.py")
    stack = Stack(workdir, emulator)
    stack.pulumi("stack", "init", "e2e")
    stack.config_all(
        {
            "agentrun:endpoint": emulator.url,
            "qoder:baseUrl": emulator.url + "/api/v1/cloud",
            "aiaeAgentUrl": emulator.url + "/v1/routes/open/demo-agent/execute",
        },
        {
            "agentrun:accessKeyId": ACCESS_KEY_ID,
            "agentrun:accessKeySecret": ACCESS_KEY_SECRET,
            "qoder:token": QODER_TOKEN,
            "aiae:apiKey": AIAE_API_KEY,
        },
    )
    return stack


def agentrun_client(emulator: Emulator) -> AgentRunClient:
    return AgentRunClient(Settings(Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET), endpoint=emulator.url))


def qoder_client(emulator: Emulator) -> QoderClient:
    return QoderClient(QoderSettings(token=QODER_TOKEN, base_url=emulator.url + "/api/v1/cloud"))


def runtimes(emulator: Emulator) -> list[dict[str, Any]]:
    """Every runtime the emulator holds."""
    with agentrun_client(emulator) as client:
        return client.list_runtimes()


def agents(emulator: Emulator) -> list[dict[str, Any]]:
    """Every Qoder agent the emulator holds, archived ones included."""
    with qoder_client(emulator) as client:
        return list(client.list_agents(include_archived=True))
