"""The docs pages' examples under the real CLI, against the emulator, as written (with the test
emulator's port): docs/yaml.md's Pulumi YAML program deployed, previewed clean and destroyed, and
docs/guardrails.md's policy pack stopping it in a production stack. tests/readme.py lists which
test runs each block."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from tests.conftest import Emulator
from tests.e2e.conftest import agents, runtimes
from tests.readme import ROOT, bash, block

VENV_BIN = str(Path(sys.executable).parent)


def yaml_project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """docs/yaml.md's folder `agents-yaml`, beside a `.venv` (this interpreter's), with its
    Pulumi.yaml; an environment without the venv on PATH (the plugins come from `plugins:`)."""
    (tmp_path / ".venv").symlink_to(sys.prefix)
    project = tmp_path / "agents-yaml"
    project.mkdir()
    program = block("Try it against the emulator", 0, page="docs/yaml.md", langs=("yaml",)).code
    (project / "Pulumi.yaml").write_text(program)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "QODER_", "AGENTRUN_"))}
    env |= {
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PATH": os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != VENV_BIN),
    }
    return project, env


def test_the_yaml_page(tmp_path: Path, emulator: Emulator) -> None:
    project, env = yaml_project(tmp_path)
    port = int(emulator.url.rsplit(":", 1)[1])
    out = bash(block("Try it against the emulator", page="docs/yaml.md").with_port(port), cwd=project, env=env)
    [runtime_id] = [line for line in out.stdout.splitlines() if line.startswith("ar-")]
    assert "Resources:\n    + 3 created" in out.stdout and "3 deleted" in out.stdout
    assert "using pulumi-resource" not in out.stderr  # found through plugins:, not $PATH
    assert runtimes(emulator) == [] and agents(emulator) == []  # destroyed (the agent: onDelete delete)
    assert runtime_id


def test_the_guardrails_page(tmp_path: Path, emulator: Emulator) -> None:
    project, env = yaml_project(tmp_path)
    pack = tmp_path / "policies" / "agents"
    shutil.copytree(ROOT / "policies" / "agents", pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    (pack / "venv").symlink_to(sys.prefix)  # what the page's first block makes: it has pulumi-policy
    port = int(emulator.url.rsplit(":", 1)[1])
    out = bash(block("Turn it on", 1, page="docs/guardrails.md").with_port(port), cwd=project, env=env)
    stopped = (project / "stopped.txt").read_text()
    for policy in ("runtime-not-public-in-production", "runtime-health-check-in-production", "qoder-agent-tools"):
        assert f"[mandatory]  {policy}  " in stopped and f"[advisory]  {policy}  " in out.stdout
    assert out.stdout.splitlines()[0] == "3"  # grep -c: three mandatory violations stopped the first
    assert runtimes(emulator) == [] and agents(emulator) == []  # previews only


def test_the_yaml_pages_explicit_provider(tmp_path: Path, emulator: Emulator) -> None:
    """A `pulumi:providers:agentrun` resource in YAML: the YAML host checks it against the
    package schema's provider section, and its runtime is made through it, with the stack's keys."""
    _, env = yaml_project(tmp_path)
    project = tmp_path / "agents-regions"
    project.mkdir()
    program = block("Several regions or accounts in YAML", 0, page="docs/yaml.md", langs=("yaml",))
    (project / "Pulumi.yaml").write_text(program.with_port(int(emulator.url.rsplit(":", 1)[1])))
    env |= {"PULUMI_BACKEND_URL": f"file://{tmp_path}/.state", "PULUMI_CONFIG_PASSPHRASE": "local"}
    (tmp_path / ".state").mkdir()
    out = bash(
        "pulumi stack init dev --non-interactive\n"
        "pulumi config set --secret agentrun:accessKeyId test-access-key-id\n"
        "pulumi config set --secret agentrun:accessKeySecret test-access-key-secret\n"
        "pulumi up --yes --non-interactive\n"
        "pulumi stack output arn\n"
        "pulumi preview --expect-no-changes --non-interactive\n",
        cwd=project,
        env=env,
    )
    [runtime] = runtimes(emulator)
    assert runtime["agentRuntimeName"] == "support-bot" and runtime["agentRuntimeArn"] in out.stdout
    bash("pulumi destroy --yes --non-interactive\n", cwd=project, env=env)
    assert runtimes(emulator) == []
