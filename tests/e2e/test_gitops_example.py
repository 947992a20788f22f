"""examples/gitops under the real CLI: the pipeline's commands in its order, against the emulator
with a file backend. A first pull request (validate, preview --json, review, the comment written
to a file), its merge (up), then a second pull request whose comment shows its change, and one
that validate stops before anything is previewed."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import yaml

from pulumi_agents.review import MARKER
from tests.conftest import Emulator
from tests.e2e.conftest import EXAMPLES, Stack, agents, make_stack, qoder_client, runtimes

SECRET = "sk-gitops-e2e-secret-value"


def command(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """A pulumi-agents command, run in the project as the workflow runs it."""
    return subprocess.run(
        [sys.executable, "-m", "pulumi_agents", *args],
        cwd=stack.dir,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def validate(stack: Stack) -> subprocess.CompletedProcess[str]:
    """The workflow's validate step: both kinds of file, stopping at the first failure."""
    folders = (("AgentRuntime", "runtimes"), ("Agent", "qoder"))
    result = subprocess.CompletedProcess[str]([], 0, "", "")
    for type_name, folder in folders:
        files = sorted(str(p.relative_to(stack.dir)) for p in (stack.dir / "agents" / folder).glob("*.yaml"))
        result = command(stack, "validate", "--type", type_name, *files)
        if result.returncode:
            break
    return result


def pull_request(stack: Stack) -> str:
    """validate, preview --refresh --json --show-sames > preview.json, review > comment.md: the comment."""
    checked = validate(stack)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    preview = stack.pulumi("preview", "--stack", "e2e", "--refresh", "--json", "--show-sames")
    # The plugins come from Pulumi.yaml's list, not PATH: the engine warns about nothing.
    assert "from $PATH" not in preview.stdout + preview.stderr
    (stack.dir / "preview.json").write_text(preview.stdout)
    reviewed = command(stack, "review", "preview.json", "--stack", "e2e")
    assert reviewed.returncode == 0, reviewed.stderr
    (stack.dir / "comment.md").write_text(reviewed.stdout)
    comment = (stack.dir / "comment.md").read_text()
    assert comment.splitlines()[0] == MARKER
    assert SECRET not in comment
    return comment


def test_the_pipeline_against_the_emulator(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("gitops", tmp_path, emulator, mode=mode)
    stack.config("openaiApiKey", SECRET, secret=True)

    # The first pull request: everything is new.
    comment = pull_request(stack)
    assert "**3 to create**." in comment
    assert "| `support-bot` | agentrun.AgentRuntime | create | creates the runtime |" in comment
    assert "| `doc-helper` | qoder.Agent | create | creates the agent (version 1) |" in comment

    # Merged: pulumi up.
    stack.pulumi("up", "--stack", "e2e", "--yes", "--non-interactive")
    [runtime], [agent] = runtimes(emulator), agents(emulator)
    assert runtime["agentRuntimeName"] == "gitops-support-bot" and runtime["memory"] == 2048
    environment = runtime["environmentVariables"]
    assert (environment["LOG_LEVEL"], environment["OPENAI_API_KEY"]) == ("info", SECRET)
    assert agent["name"] == "gitops-doc-helper"
    assert SECRET not in stack.export()

    # The second pull request: more memory, another team, one argument no longer set.
    runtime_file = stack.dir / "agents" / "runtimes" / "support-bot.yaml"
    text = runtime_file.read_text().replace("memory: 2048", "memory: 4096")
    runtime_file.write_text(re.sub(r"^sessionIdleTimeoutSeconds: .*\n", "", text, flags=re.M))
    agent_file = stack.dir / "agents" / "qoder" / "doc-helper.yaml"
    agent_file.write_text(agent_file.read_text().replace("metadata: {team: docs}", "metadata: {team: platform}"))
    # Meanwhile someone edits the agent in the console (version 2): the preview refreshes first,
    # so the review starts from version 2 and the merge's up does not meet a conflict.
    with qoder_client(emulator) as client:
        client.update_agent(str(agent["id"]), {"description": "edited by hand", "version": 1})
    comment = pull_request(stack)
    assert "**2 to update**, 1 unchanged." in comment
    assert "`memory`: `2048` → `4096`" in comment and "**restarts the runtime**" in comment
    assert "`sessionIdleTimeoutSeconds`: no longer managed: the runtime keeps `600`" in comment
    assert "publishes a new version of the agent (version 2 → 3)" in comment
    assert '`metadata.team`: `"docs"` → `"platform"`' in comment

    stack.pulumi("up", "--stack", "e2e", "--refresh", "--yes", "--non-interactive")
    [runtime], [agent] = runtimes(emulator), agents(emulator)
    assert runtime["memory"] == 4096 and runtime["sessionIdleTimeoutSeconds"] == 600  # kept, unmanaged
    with qoder_client(emulator) as client:
        assert client.get_agent(str(agent["id"]))["metadata"] == {"team": "platform"}
    assert agent["version"] == 3
    stack.pulumi("preview", "--stack", "e2e", "--expect-no-changes")

    # A third pull request breaks a rule: validate fails and names it; nothing is previewed.
    runtime_file.write_text(runtime_file.read_text().replace("memory: 4096", "memory: lots"))
    failed = validate(stack)
    assert failed.returncode == 1
    assert "agents/runtimes/support-bot.yaml: memory: " in failed.stdout

    stack.pulumi("destroy", "--stack", "e2e", "--yes", "--skip-preview")
    assert runtimes(emulator) == []


def test_the_workflow_runs_these_commands() -> None:
    """The workflow's steps are the commands the test above runs, and it finds its comment by the marker."""
    workflow = EXAMPLES / "gitops" / ".github" / "workflows" / "agents.yml"
    text = workflow.read_text()
    jobs = yaml.safe_load(text)["jobs"]
    review = "\n".join(step.get("run", "") for step in jobs["review"]["steps"])
    for line in (
        "pulumi-agents validate --type AgentRuntime agents/runtimes/*.yaml",
        "pulumi-agents validate --type Agent agents/qoder/*.yaml",
        'pulumi preview --stack "$PULUMI_STACK" --refresh --json --show-sames --non-interactive > preview.json',
        'pulumi-agents review preview.json --stack "$PULUMI_STACK" > comment.md',
        "marker=$(head -n 1 comment.md)",
    ):
        assert line in review, line
    deploy = "\n".join(step.get("run", "") for step in jobs["deploy"]["steps"])
    assert 'pulumi up --stack "$PULUMI_STACK" --refresh --yes --non-interactive' in deploy
    assert jobs["review"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["deploy"]["if"] == "github.event_name == 'push'"
    assert (EXAMPLES / "gitops" / "README.md").read_text().count("--show-sames") >= 1


def test_the_workflow_gets_agentrun_credentials_through_oidc_with_no_key(tmp_path: Path) -> None:
    """No long-lived AgentRun key in the pipeline: both jobs may ask GitHub for an OIDC token, set
    the role's ARNs, and their token step writes the token where Alibaba Cloud's default credential
    chain reads it. The step runs here as written, against a loopback server standing in for
    GitHub's token endpoint (what STS then does with the token is not run here: tests/
    test_credentials.py shows the chain takes the OIDC role and asks STS)."""
    workflow = yaml.safe_load((EXAMPLES / "gitops" / ".github" / "workflows" / "agents.yml").read_text())
    env = workflow["env"]
    assert env["ALIBABA_CLOUD_ROLE_ARN"] == "${{ vars.ALIBABA_CLOUD_ROLE_ARN }}"
    assert env["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"] == "${{ vars.ALIBABA_CLOUD_OIDC_PROVIDER_ARN }}"
    assert not {"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"} & set(env)
    steps = {}
    for name, job in workflow["jobs"].items():
        assert job["permissions"]["id-token"] == "write", name
        [step] = [s for s in job["steps"] if s.get("name", "").startswith("An OIDC token")]
        steps[name] = step["run"]
    assert steps["review"] == steps["deploy"]

    asked: list[tuple[str, str]] = []

    class TokenEndpoint(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append((self.path, self.headers.get("authorization", "")))
            body = json.dumps({"count": 1, "value": "eyJ.github-oidc-token.sig"}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), TokenEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        github_env = tmp_path / "github-env"
        ran = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", steps["review"]],
            env={
                "PATH": os.environ["PATH"],
                "ACTIONS_ID_TOKEN_REQUEST_URL": f"http://127.0.0.1:{server.server_port}/token?api-version=2.0",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
                "OIDC_AUDIENCE": env["OIDC_AUDIENCE"],
                "RUNNER_TEMP": str(tmp_path),
                "GITHUB_ENV": str(github_env),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
    assert ran.returncode == 0, ran.stderr
    assert asked == [("/token?api-version=2.0&audience=sts.aliyuncs.com", "bearer request-token")]
    assert github_env.read_text() == f"ALIBABA_CLOUD_OIDC_TOKEN_FILE={tmp_path / 'oidc-token'}\n"
    assert (tmp_path / "oidc-token").read_text() == "eyJ.github-oidc-token.sig\n"
    assert "github-oidc-token" not in ran.stdout + ran.stderr


def test_the_local_commands_are_found_as_written() -> None:
    """The README's "Try it locally" block, from a shell where nothing of the project is on PATH:
    its PATH line finds the CLI and pulumi-agents that ./run built (the block failed on `pulumi:
    command not found` without it). The rest of the block is what the pipeline test runs."""
    text = (EXAMPLES / "gitops" / "README.md").read_text()
    [block] = re.findall(r"## Try it locally.*?```sh\n(.*?)```", text, flags=re.S)
    lines = block.splitlines()
    assert lines[0] == "cd examples/gitops" and lines[1].startswith("export PATH=")
    script = "\n".join([*lines[:2], "command -v pulumi pulumi-agents"])
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if ".venv" not in p and "pulumi" not in p)
    found = subprocess.run(
        ["bash", "-c", script], cwd=EXAMPLES.parent, env={**os.environ, "PATH": path}, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert [Path(line).name for line in found.stdout.split()] == ["pulumi", "pulumi-agents"]
