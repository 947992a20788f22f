"""policies/agents under the real CLI, in both front doors: `pulumi up --policy-pack` is blocked
by a program that breaks the rules (nothing is created) and passes a compliant one; the pack's
config file chooses the production stacks and the agents allowed web tools."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from tests.conftest import Emulator
from tests.e2e.conftest import PROGRAMS, Stack, agents, make_stack, runtimes

PACK = Path(__file__).resolve().parents[2] / "policies" / "agents"
PRODUCTION = [
    "runtime-not-public-in-production",
    "runtime-health-check-in-production",
    "runtime-pinned-image-in-production",
]


def policy_pack(tmp_path: Path) -> Path:
    """The pack, copied, run with this interpreter's environment (which has pulumi-policy)."""
    pack = tmp_path / "policy-pack"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    text = (pack / "PulumiPolicy.yaml").read_text()
    (pack / "PulumiPolicy.yaml").write_text(re.sub(r"virtualenv: \S+", f"virtualenv: {sys.prefix}", text))
    return pack


def pack_config(tmp_path: Path) -> Path:
    """The test stack (e2e) counts as production; agents named guarded-* may use web tools."""
    config = {name: {"productionStacks": ["e2e"]} for name in PRODUCTION}
    config["qoder-agent-tools"] = {"webAllowed": ["guarded-*"]}
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    return path


def guarded(stack: Stack, pack: Path, config: Path, *args: str, check: bool = True) -> tuple[int, str]:
    result = stack.pulumi(*args, "--policy-pack", str(pack), "--policy-pack-config", str(config), check=check)
    return result.returncode, result.stdout + result.stderr


def test_the_pack_blocks_a_violating_up_and_passes_a_compliant_one(
    tmp_path: Path, emulator: Emulator, mode: str
) -> None:
    stack = make_stack("guardrails", tmp_path, emulator, source=PROGRAMS, mode=mode)
    pack, config = policy_pack(tmp_path), pack_config(tmp_path)

    stack.config("violate", "true")
    code, out = guarded(stack, pack, config, "up", "--yes", check=False)
    assert code != 0 and "agents-guardrails@v0.1.0" in out, out
    for name in (*PRODUCTION, "canary-max-share", "qoder-agent-tools", "qoder-mcp-https"):
        assert f"[mandatory]  {name}  " in out, (name, out)
    assert "[advisory]  qoder-environment-networking  " in out  # reported; does not block by itself
    assert "networkMode 'PUBLIC'" in out
    assert "tag 'latest' is not pinned" in out and "enables shell tools (Bash)" in out
    assert "sends 50% of its traffic to canary versions" in out
    assert "WebFetch" not in out  # allowed by the config for guarded-*
    assert runtimes(emulator) == [] and agents(emulator) == []  # blocked before anything was made

    stack.config("violate", "false")
    _, out = guarded(stack, pack, config, "up", "--yes")
    assert "[mandatory]" not in out and "[advisory]" not in out, out
    [runtime] = runtimes(emulator)
    assert runtime["networkConfiguration"]["networkMode"] == "PRIVATE"
    assert len(agents(emulator)) == 1
    guarded(stack, pack, config, "preview", "--expect-no-changes")
    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert runtimes(emulator) == []
