"""examples/gitops-yaml under the real CLI and its YAML host: the plugins found through the
`plugins:` section (a relative path, nothing on PATH), the pipeline's streamed preview with
policies/agents reviewed by `pulumi-agents review`, a pull request the guardrails stop, the
merge (up), a change, a clean preview after it, and destroy."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from pulumi_agents.review import MARKER
from tests.conftest import Emulator
from tests.e2e.conftest import EXAMPLES, Stack, agents, make_stack, qoder_client, runtimes

SECRET = "sk-gitops-yaml-e2e-secret"
PACK = Path(__file__).resolve().parents[2] / "policies" / "agents"
VENV_BIN = str(Path(sys.executable).parent)


def workflow_env() -> str:
    """The workflow's POLICY: the flags that turn the guardrails on in every preview and up."""
    workflow = yaml.safe_load((EXAMPLES / "gitops-yaml" / ".github" / "workflows" / "agents.yml").read_text())
    return str(workflow["env"]["POLICY"])


def yaml_stack(tmp_path: Path, emulator: Emulator) -> Stack:
    """The example as a repository of its own: the venv as ./venv (the `plugins:` path made
    relative to it), the policy pack as ./policies/agents, the e2e stack counted as production."""
    stack = make_stack("gitops-yaml", tmp_path, emulator)
    (stack.dir / "venv").symlink_to(sys.prefix)
    project = (stack.dir / "Pulumi.yaml").read_text()
    absolute = f"path: {Path(sys.executable).parent}"  # make_stack points `plugins:` at this venv
    assert project.count(absolute) == 2
    (stack.dir / "Pulumi.yaml").write_text(project.replace(absolute, "path: venv/bin"))
    pack = stack.dir / "policies" / "agents"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    text = (pack / "PulumiPolicy.yaml").read_text()
    (pack / "PulumiPolicy.yaml").write_text(re.sub(r"virtualenv: \S+", f"virtualenv: {sys.prefix}", text))
    config = json.loads((stack.dir / "policy-config.json").read_text())
    for policy in config.values():
        if "productionStacks" in policy:
            policy["productionStacks"].append("e2e")
    (stack.dir / "policy-config.json").write_text(json.dumps(config))
    # Nothing of the venv on PATH: the engine must find the plugins through Pulumi.yaml.
    stack.env["PATH"] = os.pathsep.join(p for p in stack.env["PATH"].split(os.pathsep) if p != VENV_BIN)
    stack.config("openaiApiKey", SECRET, secret=True)
    return stack


def pull_request(stack: Stack, *, fails: bool = False) -> str:
    """The review job: the streamed preview with the guardrails, then review > comment.md."""
    policy = workflow_env().split()
    env = {**stack.env, "PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "true"}
    preview = subprocess.run(
        ["pulumi", "preview", "--stack", "e2e", "--json", "--show-sames", "--non-interactive", *policy],
        cwd=stack.dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (preview.returncode != 0) == fails, preview.stdout[-3000:] + preview.stderr
    (stack.dir / "preview.json").write_text(preview.stdout)
    reviewed = subprocess.run(
        [sys.executable, "-m", "pulumi_agents", "review", "preview.json", "--stack", "e2e"],
        cwd=stack.dir,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert reviewed.returncode == 0, reviewed.stderr
    comment = reviewed.stdout
    assert comment.splitlines()[0] == MARKER and SECRET not in comment
    assert "using pulumi-resource" not in preview.stderr  # not from $PATH
    return comment


def test_the_yaml_pipeline_against_the_emulator(tmp_path: Path, emulator: Emulator) -> None:
    stack = yaml_stack(tmp_path, emulator)
    policy = workflow_env().split()

    comment = pull_request(stack)
    assert "**3 to create**." in comment, comment
    assert "| `support-bot` | agentrun.AgentRuntime | create | creates the runtime |" in comment
    assert "| `doc-helper` | qoder.Agent | create | creates the agent (version 1) |" in comment
    assert "Policy violations" not in comment

    # Merged: the deploy job.
    stack.pulumi("up", "--stack", "e2e", "--yes", "--diff", *policy)
    [runtime], [agent] = runtimes(emulator), agents(emulator)
    assert runtime["agentRuntimeName"] == "gitops-yaml-support-bot"
    assert runtime["networkConfiguration"]["networkMode"] == "PRIVATE"
    assert runtime["environmentVariables"]["OPENAI_API_KEY"] == SECRET
    assert agent["name"] == "gitops-yaml-doc-helper"
    assert SECRET not in stack.export()
    outputs = stack.outputs()
    assert outputs["runtimeId"] == runtime["agentRuntimeId"] and outputs["agentId"] == agent["id"]

    # A pull request the guardrails stop: the runtime made public, the agent given a shell.
    project = stack.dir / "Pulumi.yaml"
    good = project.read_text()
    project.write_text(good.replace("networkMode: PRIVATE", "networkMode: PUBLIC").replace("[Read,", "[Bash, Read,"))
    comment = pull_request(stack, fails=True)
    assert "**The preview failed** with 1 error and 2 mandatory policy violations" in comment, comment
    assert "| **mandatory** | `runtime-not-public-in-production` (agents-guardrails) | `support-bot`" in comment
    assert "enables shell tools (Bash)" in comment and "WebFetch" not in comment.split("Policy violations")[1]

    # The pull request that passes: more memory, another team.
    project.write_text(good.replace("memory: 2048", "memory: 4096").replace("team: docs", "team: platform"))
    comment = pull_request(stack)
    assert "**2 to update**, 1 unchanged." in comment, comment
    assert "`memory`: `2048` → `4096`" in comment and "**restarts the runtime**" in comment
    assert '`metadata.team`: `"docs"` → `"platform"`' in comment

    stack.pulumi("up", "--stack", "e2e", "--yes", *policy)
    [runtime] = runtimes(emulator)
    assert runtime["memory"] == 4096
    with qoder_client(emulator) as client:
        assert client.get_agent(str(agent["id"]))["metadata"] == {"team": "platform"}
    stack.pulumi("preview", "--stack", "e2e", "--expect-no-changes", *policy)

    stack.pulumi("destroy", "--stack", "e2e", "--yes", "--skip-preview")
    assert runtimes(emulator) == []
    assert [a.get("archived") or bool(a.get("archived_at")) for a in agents(emulator)] == [True]  # onDelete: archive


def test_the_workflow_runs_these_commands() -> None:
    text = (EXAMPLES / "gitops-yaml" / ".github" / "workflows" / "agents.yml").read_text()
    jobs = yaml.safe_load(text)["jobs"]
    review = "\n".join(step.get("run", "") for step in jobs["review"]["steps"])
    assert (
        'PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --stack "$PULUMI_STACK" --json --show-sames '
        "--non-interactive $POLICY > preview.json"
    ) in review
    assert 'pulumi-agents review preview.json --stack "$PULUMI_STACK" > comment.md' in review
    deploy = "\n".join(step.get("run", "") for step in jobs["deploy"]["steps"])
    assert 'pulumi up --stack "$PULUMI_STACK" --yes --non-interactive --diff $POLICY' in deploy
    assert workflow_env() == "--policy-pack policies/agents --policy-pack-config policy-config.json"
