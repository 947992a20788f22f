"""The code blocks of the README and of the pages in docs/, for the tests that run them.

Every ``python`` and ``sh`` block is listed in ``RUN_BY`` (the test that runs it) or in
``NOT_RUN`` (why it cannot run here), the docs pages' in ``PAGES``; tests/test_readme.py fails on
a block in neither, so an example added to the README or a docs page without a test fails the
suite. Blocks are named by the page, the heading they stand under and their index there (other
languages, such as a ``yaml`` Pulumi.yaml a test writes, are counted apart: ``langs``).

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
DOCS = ROOT / "docs"
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
    ("AgentSmokeTest: prove a deployed agent answers", 0): _RESOURCES,
    ("Review a preview in a pull request", 0): _RESOURCES,
    ("Provider plugins: the same resources, served by `pulumi-resource-agentrun`, `-qoder`, `-aiae`", 0): _RESOURCES,
    ("A rollout, step by step", 0): "tests/e2e/test_rollout_example.py::test_rollout_example",
    ("Move a stack from dynamic to plugin resources without recreating anything", 0): (
        "tests/e2e/test_plugins.py::test_move_a_stack_from_dynamic_to_plugin_resources_without_recreating"
    ),
    ("The two commands", 0): "tests/e2e/test_readme.py::test_run_demo_destroy_stop",
    ("Published agents (Huawei Cloud AIAE)", 0): "tests/test_readme.py::test_the_aiae_client_example",
    ("Published agents (Huawei Cloud AIAE)", 1): "tests/test_readme.py::test_the_invoke_example",
    ("Validate configuration files", 0): "tests/test_readme.py::test_the_validate_example",
    ("The emulator", 0): "tests/test_readme.py::test_the_emulator_command",
    ("The emulator", 1): "tests/test_readme.py::test_the_official_sdk_example",
    ("The emulator", 2): "tests/test_readme.py::test_the_test_controls",
}

NOT_RUN: dict[tuple[str, int], str] = {
    ("Install", 0): (
        "installs by name from PyPI, where the package is not published; ./run installs '.[dev]' from the clone "
        "on every run, and test_use_it_in_your_own_project installs '[emulator]' from a path into a new venv"
    ),
    ("Performance", 0): (
        "the benchmark runs for many minutes and means something only on a quiet machine; it is run by hand and "
        "its output is shown beside it (no test asserts a timing)"
    ),
    ("Development", 0): (
        "./run test is this suite itself; its other lines are lint (tests/test_readme.py::test_lint runs ruff "
        "and mypy) and scripts/generate.py, whose output tests/test_field_model.py keeps current"
    ),
}


_YAML_PAGE = "tests/e2e/test_docs.py::test_the_yaml_page"
_GUARDRAILS_PAGE = "tests/e2e/test_docs.py::test_the_guardrails_page"
_SDKS = "tests/e2e/test_sdks.py::"
_RUN_SDKS = (
    "./run sdks is the set-up ./run test shares, then scripts/gen-sdks.sh --build, which ./run test's set-up runs "
    "before the tests; tests/e2e/test_sdks.py checks what it made (names, version, tsc --strict, go vet)"
)

# docs/<page> -> (its RUN_BY, its NOT_RUN); the README's are the two above.
PAGES: dict[str, tuple[dict[tuple[str, int], str], dict[tuple[str, int], str]]] = {
    "README.md": (RUN_BY, NOT_RUN),
    "docs/yaml.md": ({("Try it against the emulator", 0): _YAML_PAGE}, {}),
    "docs/guardrails.md": (
        {("Turn it on", 1): _GUARDRAILS_PAGE},
        {
            ("Turn it on", 0): (
                "creates the pack's venv from PyPI; the test links the pack's venv to the suite's, which has "
                "pulumi-policy from the dev extra, and runs the next block as written"
            )
        },
    ),
    "docs/typescript.md": (
        {("Try it against the emulator", 1): _SDKS + "test_the_typescript_page"},
        {
            ("The SDKs", 0): _RUN_SDKS,
            ("Try it against the emulator", 0): (
                "installs from npm in every test; the test links the project's node_modules to sdk/node_modules, "
                "which ./run test's set-up fills once (the same packages, and links to the SDKs it built)"
            ),
        },
    ),
    "docs/go.md": (
        {("A program", 0): _SDKS + "test_the_go_page_builds"},
        {
            ("A program", 1): (
                "the suite deploys one program on the SDKs (the TypeScript page's) to keep within its time budget; "
                "this one builds in the test of the block before, and its stack's life cycle was run by hand with "
                "the SDK host as pulumi-language-go"
            )
        },
    ),
    "docs/sdks.md": (
        {},
        {
            ("Make them", 0): _RUN_SDKS,
            ("Publish them", 0): "publishes to the npm registry",
            ("Publish them", 1): "uploads to PyPI",
        },
    ),
}


def pages() -> list[str]:
    """The README and every docs page, as paths relative to the repository."""
    return ["README.md", *sorted(str(p.relative_to(ROOT)) for p in DOCS.glob("*.md"))]


@dataclass(frozen=True)
class Block:
    heading: str
    index: int
    lang: str
    code: str
    line: int

    def with_port(self, port: int) -> str:
        return self.code.replace(str(DEFAULT_PORT), str(port))

    def commands(self) -> list[str]:
        """The block's shell lines, without comments and blank lines (a line may hold `a && b`)."""
        lines = (re.sub(r"\s+#\s.*$", "", line).strip() for line in self.code.splitlines())
        return [line for line in lines if line and not line.startswith("#")]


@cache
def blocks(page: str = "README.md", langs: tuple[str, ...] = ("python", "sh")) -> tuple[Block, ...]:
    found: list[Block] = []
    heading, counts = "", dict[str, int]()
    lines = (ROOT / page).read_text().splitlines()
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
                found.append(Block(heading, index, lang, "\n".join(body) + "\n", start + 1))
        i += 1
    return tuple(found)


def block(heading: str, index: int = 0, page: str = "README.md", langs: tuple[str, ...] = ("python", "sh")) -> Block:
    """The block the calling test runs; a python or sh block must be listed in RUN_BY (or PAGES)."""
    if set(langs) & {"python", "sh"}:
        run_by = PAGES.get(page, ({}, {}))[0]
        assert (heading, index) in run_by, f"add ({heading!r}, {index}) to RUN_BY of {page} in tests/readme.py"
    [found] = [b for b in blocks(page, langs) if (b.heading, b.index) == (heading, index)]
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
