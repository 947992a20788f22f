"""`pulumi-agents review` of real previews: each scenario runs the real CLI against the emulator,
pipes `pulumi preview --json` to `pulumi-agents review`, and checks what the comment says.

The same runs make the golden files of tests/test_review.py. With REVIEW_UPDATE_GOLDEN=1 every
scenario writes what it captured to tests/golden/review/: <name>.json, the preview as the engine
wrote it less its stackTrace/sourcePosition entries (this machine's paths, unused by the review;
gzipped when it is large), and <name>.md, the comment rendered from that file:

    REVIEW_UPDATE_GOLDEN=1 ./run test tests/e2e/test_review_e2e.py
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from pulumi_agents.review import MARKER
from tests.conftest import Emulator
from tests.e2e.conftest import EXAMPLES, Stack, make_stack

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "review"
UPDATE = os.environ.get("REVIEW_UPDATE_GOLDEN") == "1"
OLD_KEY = "sk-review-first-secret-value"
NEW_KEY = "sk-review-rotated-secret-value"
BIG = 200_000  # characters: a captured preview longer than this is stored gzipped


def review(text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_agents", "review", *args],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
    )


def without_machine_paths(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_machine_paths(v) for k, v in value.items() if k not in ("stackTrace", "sourcePosition")}
    if isinstance(value, list):
        return [without_machine_paths(v) for v in value]
    return value


def preview(stack: Stack, *, fails: bool = False) -> str:
    """`pulumi preview --json --show-sames` (as the pipeline runs it: unchanged resources are listed,
    so that arguments removed from them are seen), whether it succeeded or (``fails``) not."""
    result = stack.pulumi("preview", "--json", "--show-sames", check=False)
    assert (result.returncode != 0) == fails, result.stdout + result.stderr
    json.loads(result.stdout)
    return result.stdout


def capture(name: str, text: str) -> str:
    """The comment on the preview ``text``; with REVIEW_UPDATE_GOLDEN=1, both become golden files."""
    result = review(text)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(MARKER + "\n") and "Traceback" not in result.stderr
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        kept = json.dumps(without_machine_paths(json.loads(text)), indent=4, ensure_ascii=False) + "\n"
        if len(kept) > BIG:  # the huge preview: compressed (mtime 0, so the bytes depend on the text only)
            (GOLDEN / f"{name}.json.gz").write_bytes(gzip.compress(kept.encode(), mtime=0))
            (GOLDEN / f"{name}.json").unlink(missing_ok=True)
        else:
            (GOLDEN / f"{name}.json").write_text(kept)
        rendered = review(kept)
        assert rendered.returncode == 0, rendered.stderr
        (GOLDEN / f"{name}.md").write_text(rendered.stdout)
    return result.stdout


def test_runtime_update_secret_replace_and_failure(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("agentrun-runtime", tmp_path, emulator, mode=mode)
    stack.config("openaiApiKey", OLD_KEY, secret=True)
    stack.pulumi("up", "--yes", "--skip-preview")

    # An update, piped as a pipeline would: pulumi preview --json | pulumi-agents review.
    stack.config("memory", "4096")
    piped = subprocess.run(
        ["sh", "-c", "pulumi preview --json --non-interactive | pulumi-agents review --stack review-e2e"],
        cwd=stack.dir,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith(MARKER + "\n")
    assert "stack `review-e2e`" in piped.stdout and "| 0 | 1 | 0 | 0 | 1 |" in piped.stdout
    assert "run `pulumi preview --json --show-sames` to also check them" not in piped.stdout
    comment = capture(f"update-{mode}", preview(stack))
    assert "| `support-bot` | agentrun.AgentRuntime | update |" in comment
    assert "**restarts the runtime**" in comment and "`memory`: `2048` → `4096`" in comment
    stack.pulumi("config", "rm", "memory")

    # A secret changes: named, never shown (the preview itself never holds it either).
    stack.config("openaiApiKey", NEW_KEY, secret=True)
    text = preview(stack)
    comment = capture(f"secret-{mode}", text)
    as_json = review(text, "--format", "json").stdout
    for secret in (OLD_KEY, NEW_KEY):
        assert secret not in text and secret not in comment and secret not in as_json
    path = "environmentVariables.OPENAI_API_KEY" if mode == "plugin" else "environmentVariables"
    assert f"`{path}`: changed (secret)" in comment
    [runtime] = json.loads(as_json)["resources"]
    [change] = runtime["changes"]
    assert change == {**change, "path": path, "secret": True, "old": None, "new": None}
    stack.config("openaiApiKey", OLD_KEY, secret=True)

    # The name is the runtime's identity: a new one replaces it, with the schema's reason.
    stack.config("runtimeName", "support-bot-2")
    comment = capture(f"replace-{mode}", preview(stack))
    assert "| `support-bot` | agentrun.AgentRuntime | **replace** |" in comment
    assert "**replaces**: `agentRuntimeName` changes (the name is the runtime's identity" in comment
    assert "> **Replaces** `support-bot` (agentrun.AgentRuntime)." in comment
    stack.pulumi("config", "rm", "runtimeName")

    # A validation failure: the preview fails; the review lists the error and still exits 0.
    stack.config("nasMountDir", "mnt/relative")
    comment = capture(f"validation-failure-{mode}", preview(stack, fails=True))
    assert "**The preview failed** with 1 error" in comment
    said = "nasConfig.mountPoints[0].mountDir]: must be an absolute path (the value: 'mnt/relative')"
    assert said in comment and "<nil>" not in comment


def test_rollout_publish_and_traffic_shift(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("agentrun-rollout", tmp_path, emulator, mode=mode)
    stack.pulumi("up", "--yes", "--skip-preview")

    stack.config("stableVersion", "1")
    stack.config("model", "qwen-max")
    comment = capture(f"publish-{mode}", preview(stack))
    assert "**restarts the runtime**" in comment
    assert "publishes a new version of the runtime; version 1 stays in its history" in comment
    stack.pulumi("up", "--yes", "--skip-preview")

    stack.config("canaryWeight", "0.1")
    stack.pulumi("up", "--yes", "--skip-preview")
    stack.config("canaryWeight", "0.5")
    comment = capture(f"endpoint-weight-{mode}", preview(stack))
    assert "**traffic: version 1 90% / version 2 10% → version 1 50% / version 2 50%**" in comment
    assert "runs the smoke test again" in comment


def test_removed_arguments_the_service_keeps(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("gitops", tmp_path, emulator, mode=mode)
    stack.config("openaiApiKey", OLD_KEY, secret=True)
    scratch = stack.dir / "agents" / "qoder" / "scratch.yaml"
    scratch.write_text("name: scratch\nmodel: ultimate\nonDelete: delete\n")
    stack.pulumi("up", "--yes", "--skip-preview")

    # The pull request drops two arguments the API keeps, and both agents.
    runtime = stack.dir / "agents" / "runtimes" / "support-bot.yaml"
    kept = [line for line in runtime.read_text().splitlines() if not line.startswith(("description:", "session"))]
    runtime.write_text("\n".join(kept) + "\n")
    for agent in (stack.dir / "agents" / "qoder").glob("*.yaml"):
        agent.unlink()
    comment = capture(f"kept-field-removed-{mode}", preview(stack))
    assert "| `support-bot` | agentrun.AgentRuntime | no change |" in comment
    assert (
        '`description`: no longer managed: the runtime keeps `"Answers support questions from the knowledge base"`'
        in comment
    )
    assert "`sessionIdleTimeoutSeconds`: no longer managed: the runtime keeps `600`" in comment
    assert "| `doc-helper` | qoder.Agent | **delete** | the agent is archived (not deleted) |" in comment
    assert "| `scratch` | qoder.Agent | **delete** | the agent is deleted permanently |" in comment


def test_full_stack_meanings(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    stack = make_stack("full-stack", tmp_path, emulator, mode=mode)
    stack.pulumi("up", "--yes", "--skip-preview")
    stack.config("memory", "4096")
    stack.config("team", "platform")
    comment = capture(f"full-stack-{mode}", preview(stack))
    assert "**restarts the runtime**" in comment
    assert "publishes a new version of the agent (version 1 → 2)" in comment
    assert '`metadata.team`: `"support"` → `"platform"`' in comment
    if mode == "plugin":
        assert "runs the smoke test again against http://127.0.0.1:" in comment
    else:  # its inputs are all other resources' outputs: a dynamic preview cannot know them
        assert "| `published-agent-answers` | aiae.AgentSmokeTest | known after apply |" in comment


HUGE = """\
import pulumi

from pulumi_agents import agentrun

config = pulumi.Config()
release = config.get("release") or "1"
for i in range(config.get_int("count") or 200):
    agentrun.AgentRuntime(
        f"runtime-{i:03d}",
        agent_runtime_name=f"huge-{i:03d}",
        artifact_type="Code",
        description=f"Runtime {i} of the huge preview, release {release}: answers about order {i} and its shipping",
        cpu=1,
        memory=2048 if release == "1" else 4096,
        port=8080,
        code_configuration={"language": "python3.12", "command": ["python", "main.py"],
                            "oss_bucket_name": "huge-code", "oss_object_name": f"bot-{release}.zip"},
        network_configuration={"network_mode": "PUBLIC"},
    )
"""


def test_huge_preview_is_trimmed(tmp_path: Path, emulator: Emulator) -> None:
    programs = tmp_path / "programs" / "huge"
    programs.mkdir(parents=True)
    (programs / "Pulumi.yaml").write_text(
        (EXAMPLES / "agentrun-runtime" / "Pulumi.yaml").read_text().replace("agentrun-runtime", "huge")
    )
    (programs / "__main__.py").write_text(textwrap.dedent(HUGE))
    stack = make_stack("huge", tmp_path, emulator, source=programs.parent, mode="plugin")
    stack.pulumi("up", "--yes", "--skip-preview", timeout=900)
    stack.config("release", "2")
    comment = capture("huge", preview(stack))
    assert len(comment) <= 60000
    assert comment.startswith(MARKER) and "**200 to update**" in comment and "| 0 | 200 | 0 | 0 | 1 |" in comment
    assert "_Trimmed to fit 60000 characters: " in comment
