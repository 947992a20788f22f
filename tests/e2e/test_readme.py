"""The README's Pulumi examples under the real CLI, against the emulator, as written: the
resource snippets as one program (in both modes) with the review of a change, the "use it in
your own project" walk-through from an empty directory, and `./run demo`. tests/readme.py
lists which test runs each block."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx

import pulumi_agents
from tests.conftest import Emulator, unclaimed_port
from tests.e2e.conftest import agents, make_stack, runtimes
from tests.readme import ROOT, bash, block

PLUGINS = "Provider plugins: the same resources, served by `pulumi-resource-agentrun`, `-qoder`, `-aiae`"


def resource_program(mode: str) -> str:
    """The AgentRuntime, endpoint, agent and smoke-test snippets, in the page's order: one
    program (each snippet continues the one before). They import the plugins; in dynamic mode
    the imports are moved to ``pulumi_agents``, the one change the page describes."""
    parts = [
        block("AgentRuntime").code,
        block("Endpoints and versions: serve traffic, roll out safely").code,
        block("Agent (Qoder)").code,
        block("AgentSmokeTest: prove a deployed agent answers").code,
    ]
    program = "\n".join(parts)
    if mode == "plugin":
        program = block(PLUGINS).code + program  # the plugins page's import line, as a reader adds it
    else:
        program = re.sub(r"^from pulumi_agents\.plugin import ", "from pulumi_agents import ", program, flags=re.M)
    return program + 'pulumi.export("agent_version", bot.version)\n'


def test_the_resource_examples(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    source = tmp_path / "src" / "readme"
    source.mkdir(parents=True)
    (source / "Pulumi.yaml").write_text("name: readme\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    (source / "__main__.py").write_text(resource_program(mode))
    stack = make_stack("readme", tmp_path, emulator, source=tmp_path / "src")
    stack.config("openaiApiKey", "sk-readme-first", secret=True)
    stack.config("aiaeApiKey", "test-api-key", secret=True)

    stack.pulumi("up", "--yes", "--skip-preview")
    outputs = stack.outputs()
    [runtime] = runtimes(emulator)
    assert outputs["runtime_id"] == runtime["agentRuntimeId"]
    assert outputs["url"].startswith("http") and outputs["agent_id"] == agents(emulator)[0]["id"]
    assert "order 42" in outputs["answer"]
    stack.pulumi("preview", "--expect-no-changes")

    # The review section's commands, on a change of the secret environment variable.
    stack.config("openaiApiKey", "sk-readme-rotated", secret=True)
    env = {**stack.env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{stack.env['PATH']}"}
    review = bash(block("Review a preview in a pull request").code, cwd=stack.dir, env=env)
    comment = (stack.dir / "comment.md").read_text()
    assert comment.startswith("<!-- pulumi-agents review -->")
    # (The plugin's detailed diff names the key; a dynamic preview hides the whole secret map.)
    named = "`environmentVariables.OPENAI_API_KEY`" if mode == "plugin" else "`environmentVariables`"
    assert f"{named}: changed (secret)" in comment
    assert "restarts the runtime" in comment
    assert "sk-readme" not in comment + review.stdout
    assert json.loads(review.stdout)["counts"]

    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert runtimes(emulator) == []


def test_use_it_in_your_own_project(tmp_path: Path) -> None:
    """From an empty directory: build the wheel, install it (not editable) into a new venv, write
    the project, point a stack at the emulator, up and destroy with the provider plugins loaded
    from the venv by Pulumi.yaml (nothing on PATH), then the config for the real clouds (short of
    its preview)."""
    port = unclaimed_port()
    own = "Use it in your own project"
    steps = [block(own, i).with_port(port) for i in range(4)]
    real_clouds = block(own, 4).commands()
    assert real_clouds[-1] == "pulumi preview"  # these machines reach no cloud
    script = "\n".join([*steps, *real_clouds[:-1]]).replace("/path/to/pulumi-agents", str(ROOT))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "QODER_", "ALIBABA_", "AIAE_"))}
    # No provider plugin on PATH: the engine must find them where Pulumi.yaml says.
    env["PATH"] = os.pathsep.join(
        d for d in env["PATH"].split(os.pathsep) if not (Path(d) / "pulumi-resource-agentrun").exists()
    )
    env |= {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-readme-id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "readme-secret",
        "QODER_PAT": "pt-readme",
    }
    out = bash(script, cwd=tmp_path, env=env, timeout=900)
    assert "+ 3 created" in out.stdout or "3 created" in out.stdout
    assert "3 deleted" in out.stdout
    assert "from $PATH" not in out.stdout + out.stderr  # the plugins came from Pulumi.yaml's list
    project = tmp_path / "my-agents"
    config = (project / "Pulumi.dev.yaml").read_text()
    assert "agentrun:region: cn-hangzhou" in config and "agentrun:endpoint" not in config
    assert "readme-secret" not in config and "pt-readme" not in config  # set as secrets

    # What ran was the wheel, installed as a release is: not a link back to the clone.
    [wheel] = (ROOT / "dist").glob("pulumi_agents-*.whl")
    assert wheel.name.startswith(f"pulumi_agents-{pulumi_agents.__version__}-")
    assert list((ROOT / "dist").glob(f"pulumi_agents-{pulumi_agents.__version__}.tar.gz"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "pulumi_agents/py.typed" in names and "pulumi_agents/schema.json" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), names
    [installed] = (project / "venv").glob("lib/python*/site-packages/pulumi_agents/__init__.py")
    assert (installed.parent / "py.typed").is_file()
    assert not list((project / "venv").glob("lib/python*/site-packages/*pulumi_agents*.pth"))


def test_run_demo_destroy_stop(tmp_path: Path) -> None:
    """`./run demo` (the README's first command; the second, `./run test`, is this suite), then
    `./run destroy` and `./run stop`, in a copy of the clone that shares its .venv and CLI."""
    clone = tmp_path / "clone"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    for shared in (".venv", ".pulumi-cli"):
        if (ROOT / shared).exists():
            (clone / shared).symlink_to(ROOT / shared)
    port = unclaimed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "EMULATOR_", "DEMO_"))}
    env["EMULATOR_PORT"] = str(port)
    env["COLUMNS"] = "80"  # as in a narrow terminal: ps must not cut the command line ./run knows its emulator by
    [demo, test] = block("The two commands").commands()
    assert demo.startswith("./run demo") and test.startswith("./run test")
    try:
        shown = bash(demo.split("#")[0], cwd=clone, env=env, timeout=600)
        outputs = json.loads(shown.stdout[shown.stdout.rindex("\n{") :])  # `pulumi stack output --json`, last
        url = f"http://127.0.0.1:{port}"
        assert outputs and httpx.get(url + "/_emulator/health").status_code == 200
        bash("./run destroy", cwd=clone, env=env, timeout=600)
    finally:
        stopped = bash("./run stop", cwd=clone, env=env)
    assert f"stopped the emulator at http://127.0.0.1:{port}" in stopped.stderr, stopped.stderr
    assert not list((clone / ".emulator-data").glob("emulator-*.pid"))
