"""The code blocks of the README and of the pages under docs/, for the tests that run them.

Every ``python`` and ``sh`` block is listed in ``RUN_BY`` (the test that runs it) or in
``NOT_RUN`` (why it cannot run here); tests/test_readme.py fails on a block in neither, so an
example added to the README without a test fails the suite. Blocks are named by the heading
they stand under and their index there; a heading is unique across the pages, so a section
moves between the README and docs/ without renaming its blocks.

The port ``8765`` in a block is the emulator's default; tests run it with the port of their own
emulator (``with_port``), and nothing else in a block is changed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DEFAULT_PORT = 8765

_OWN = "tests/e2e/test_readme.py::test_use_it_in_your_own_project"
_RESOURCES = "tests/e2e/test_readme.py::test_the_resource_examples"

# (heading, index under it) -> the test that runs the block.
RUN_BY: dict[tuple[str, int], str] = {
    ("Use it in your own project", 0): _OWN,
    ("Use it in your own project", 1): _OWN,
    ("Use it in your own project", 2): _OWN,
    ("Use it in your own project", 3): _OWN,
    ("Use it in your own project", 4): _OWN,
    ("AgentRuntime", 0): _RESOURCES,
    ("Endpoints and versions: serve traffic, roll out safely", 0): _RESOURCES,
    ("Agent (Qoder)", 0): _RESOURCES,
    ("Skills and files (Qoder)", 0): "tests/e2e/test_uploads.py::test_the_skills_and_files_example",
    ("AgentSmokeTest: prove a deployed agent answers", 0): _RESOURCES,
    ("Review a preview in a pull request", 0): _RESOURCES,
    ("Provider plugins: the same resources, served by `pulumi-resource-agentrun`, `-qoder`, `-aiae`", 0): _RESOURCES,
    ("A rollout, step by step", 0): "tests/e2e/test_rollout_example.py::test_rollout_example",
    ("Move a stack from dynamic to plugin resources without recreating anything", 0): (
        "tests/e2e/test_plugins.py::test_move_a_stack_from_dynamic_to_plugin_resources_without_recreating"
    ),
    ("Several regions or accounts", 0): "tests/e2e/test_plugins.py::test_several_regions_or_accounts_in_one_stack",
    ("The two commands", 0): "tests/e2e/test_readme.py::test_run_demo_destroy_stop",
    ("Published agents (Huawei Cloud AIAE)", 0): "tests/test_readme.py::test_the_aiae_client_example",
    ("Published agents (Huawei Cloud AIAE)", 1): "tests/test_readme.py::test_the_invoke_example",
    ("Validate configuration files", 0): "tests/test_readme.py::test_the_validate_example",
    ("The emulator", 0): "tests/test_readme.py::test_the_emulator_command",
    ("The emulator", 1): "tests/test_readme.py::test_the_official_sdk_example",
    ("The emulator", 2): "tests/test_readme.py::test_the_test_controls",
    ("Try it against the emulator", 0): "tests/e2e/test_docs.py::test_the_yaml_page",
    ("Turn it on", 1): "tests/e2e/test_docs.py::test_the_guardrails_page",
    ("Deploy it against the emulator", 1): "tests/e2e/test_sdks.py::test_the_typescript_page",
    ("A program", 0): "tests/e2e/test_sdks.py::test_the_go_page_builds",
}

_RUN_SDKS = (
    "./run sdks is the set-up ./run test shares, then scripts/gen-sdks.sh --build, which ./run test's set-up runs "
    "before the tests; tests/e2e/test_sdks.py checks what it made (names, version, tsc --strict, go vet)"
)

NOT_RUN: dict[tuple[str, int], str] = {
    ("Install", 0): (
        "its ./run build and the wheel install are what test_use_it_in_your_own_project runs (into a new venv, not "
        "editable); the other lines install extras of the same wheel, and the git URL is the team's to fill in"
    ),
    ("Performance", 0): (
        "the benchmark runs for many minutes and means something only on a quiet machine; it is run by hand and "
        "its output is shown beside it (no test asserts a timing)"
    ),
    ("Development", 0): (
        "./run test is this suite itself; its other lines are lint (tests/test_readme.py::test_lint runs ruff "
        "and mypy) and scripts/generate.py, whose output tests/test_field_model.py keeps current"
    ),
    ("Turn it on", 0): (
        "creates the pack's venv from PyPI; the test links the pack's venv to the suite's, which has "
        "pulumi-policy from the dev extra, and runs the next block as written"
    ),
    ("The SDKs", 0): _RUN_SDKS,
    ("Deploy it against the emulator", 0): (
        "installs from npm in every test; the test links the project's node_modules to sdk/node_modules, "
        "which ./run test's set-up fills once (the same packages, and links to the SDKs it built)"
    ),
    ("A program", 1): (
        "the suite deploys one program on the SDKs (the TypeScript page's) to keep within its time budget; "
        "this one builds in the test of the block before, and its stack's life cycle was run by hand with "
        "the SDK host as pulumi-language-go"
    ),
    ("Make them", 0): _RUN_SDKS,
    ("Publish them", 0): "publishes to the npm registry",
    ("Publish them", 1): "uploads to PyPI",
}


@dataclass(frozen=True)
class Block:
    heading: str
    index: int
    lang: str
    code: str
    line: int
    page: str = "README.md"  # README.md, or the page's name under docs/

    def with_port(self, port: int) -> str:
        return self.code.replace(str(DEFAULT_PORT), str(port))

    def commands(self) -> list[str]:
        """The block's shell lines, without comments and blank lines (a line may hold `a && b`)."""
        lines = (re.sub(r"\s+#\s.*$", "", line).strip() for line in self.code.splitlines())
        return [line for line in lines if line and not line.startswith("#")]


def pages() -> list[Path]:
    """The README and every page under docs/: their blocks are all run (or say why not)."""
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


@cache
def blocks() -> tuple[Block, ...]:
    """Every block of every page, named by its heading (unique across the pages) and index."""
    found: list[Block] = []
    for page in pages():
        found += _blocks(page)
    return tuple(found)


def _blocks(page: Path, langs: tuple[str, ...] = ("python", "sh")) -> list[Block]:
    found: list[Block] = []
    heading, counts = "", dict[str, int]()
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if match := re.match(r"#{2,3} (.+)", line):
            heading = match.group(1).strip()
        elif match := re.match(r"```(\w*)\s*$", line):
            start, lang = i, match.group(1)
            i += 1
            body = []
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if lang in langs:
                index = counts.get(heading, 0)
                counts[heading] = index + 1
                found.append(Block(heading, index, lang, "\n".join(body) + "\n", start + 1, page.name))
        i += 1
    return found


def block(heading: str, index: int = 0, page: str = "", langs: tuple[str, ...] = ("python", "sh")) -> Block:
    """The block the calling test runs: a python or sh block must be listed in RUN_BY. Another
    language (a ``yaml`` Pulumi.yaml a test writes) is counted apart, on its ``page`` (under docs/,
    or README.md)."""
    if langs == ("python", "sh"):
        assert (heading, index) in RUN_BY, f"add ({heading!r}, {index}) to RUN_BY in tests/readme.py"
        candidates = list(blocks())
    else:
        candidates = _blocks(ROOT / page if page == "README.md" else ROOT / "docs" / page.removeprefix("docs/"), langs)
    [found] = [b for b in candidates if (b.heading, b.index) == (heading, index)]
    assert not page or found.page == page.removeprefix("docs/"), f"{heading!r} is on {found.page}, not {page}"
    return found


def bash(script: str, *, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``script`` as a bash script that stops at the first failing command."""
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"README block failed:\n{script}\n{result.stdout}\n{result.stderr}"
    return result


def python(script: str, *, cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"README block failed:\n{script}\n{result.stdout}\n{result.stderr}"
    return result
