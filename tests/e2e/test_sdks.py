"""The SDKs `scripts/gen-sdks.sh` makes from the plugins' schemas (issue 24): their names and
version, the Node ones under `tsc --strict`, the Go ones under `go vet`, the Python ones compiled,
docs/typescript.md's program deployed, previewed clean and destroyed under the real CLI against the
emulator, and docs/go.md's program vetted. ./run test makes and builds the SDKs (npm install,
tsc, go build) in its set-up and says where (PULUMI_AGENTS_SDKS); a run without it makes them
here, once."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest

import pulumi_agents
from pulumi_agents._package import go_module, package_schema
from tests.conftest import Emulator
from tests.e2e.conftest import agents, runtimes
from tests.readme import ROOT, bash, block

PACKAGES = ("agentrun", "qoder", "aiae")
VENV_BIN = str(Path(sys.executable).parent)
TS_PAGE, GO_PAGE = "docs/typescript.md", "docs/go.md"


@cache
def sdks() -> Path:
    """The folder of the built SDKs: ./run test's, else made now by scripts/gen-sdks.sh --build
    (a no-op when its stamps say nothing changed)."""
    if made := os.environ.get("PULUMI_AGENTS_SDKS"):
        return Path(made)
    if shutil.which("pulumi") is None or shutil.which("go") is None or shutil.which("npm") is None:
        message = "the SDK tests need pulumi, go and npm: run them with ./run test, which builds the CLI"
        if os.environ.get("PULUMI_AGENTS_E2E") == "1":
            pytest.fail(message)
        pytest.skip(message)
    made_now = subprocess.run(
        [str(ROOT / "scripts" / "gen-sdks.sh"), "--build"],
        env={**os.environ, "VENV": sys.prefix},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert made_now.returncode == 0, made_now.stderr
    return Path(made_now.stdout.splitlines()[-1])


@pytest.mark.parametrize("package", PACKAGES)
def test_each_sdk_is_named_and_versioned_from_the_schema(package: str) -> None:
    sdk, version = sdks() / package, pulumi_agents.__version__
    for manifest in (sdk / "nodejs" / "package.json", sdk / "nodejs" / "bin" / "package.json"):
        node = json.loads(manifest.read_text())
        assert (node["name"], node["version"]) == (f"@pulumi-agents/{package}", version)
        assert "${VERSION}" not in manifest.read_text()
    assert (sdk / "go" / "go.mod").read_text().splitlines()[0] == f"module {go_module(package)}"
    assert f'VERSION = "{version}"' in (sdk / "python" / "setup.py").read_text()
    assert (sdk / "python" / f"pulumi_{package}" / "__init__.py").is_file()
    # Every resource and lookup of the schema is in each SDK.
    schema = package_schema(package, version)
    go_init = (sdk / "go" / package / "init.go").read_text()
    node_index = (sdk / "nodejs" / "index.ts").read_text()
    for token in schema["resources"]:
        name = token.rsplit(":", 1)[1]
        assert f'case "{token}":' in go_init and f"export const {name}: typeof import(" in node_index
    for token in schema["functions"]:
        assert f"export const {token.rsplit(':', 1)[1]}: typeof import(" in node_index


def test_the_node_sdks_compile_under_tsc_strict() -> None:
    tsc = sdks() / "node_modules" / ".bin" / "tsc"
    for package in PACKAGES:
        project = sdks() / package / "nodejs"
        checked = subprocess.run(
            [str(tsc), "--strict", "--noEmit", "-p", str(project)], capture_output=True, text=True, timeout=300
        )
        assert checked.returncode == 0, f"{package}:\n{checked.stdout}{checked.stderr}"


def test_the_go_sdks_pass_go_vet() -> None:
    for package in PACKAGES:
        vetted = subprocess.run(
            ["go", "vet", "./..."], cwd=sdks() / package / "go", capture_output=True, text=True, timeout=600
        )
        assert vetted.returncode == 0, f"{package}:\n{vetted.stdout}{vetted.stderr}"


def test_the_python_sdks_compile() -> None:
    # Compiled, not imported: they import parver and semver (their setup.py's requirements), which
    # this environment does not install.
    for package in PACKAGES:
        compiled = subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(sdks() / package / "python")], capture_output=True, text=True
        )
        assert compiled.returncode == 0, compiled.stdout + compiled.stderr
        assert "install_requires" in (sdks() / package / "python" / "setup.py").read_text()


def page_env(tmp_path: Path) -> dict[str, str]:
    """A reader's shell: the CLI on PATH (./run's), not the venv's bin (the plugins come from
    `plugins:`), no vendor credentials from the environment, a Pulumi home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "QODER_", "AGENTRUN_"))}
    return env | {
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PATH": os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != VENV_BIN),
    }


def test_the_typescript_page(tmp_path: Path, emulator: Emulator) -> None:
    if shutil.which("pulumi") is None:
        pytest.fail("the Pulumi CLI is not on PATH: run the tests with ./run test, which builds it")
    (tmp_path / ".venv").symlink_to(sys.prefix)
    project = tmp_path / "agents-ts"
    project.mkdir()
    heading = "Deploy it against the emulator"
    for name, lang, index in (
        ("Pulumi.yaml", "yaml", 0),
        ("package.json", "json", 0),
        ("tsconfig.json", "json", 1),
        ("index.ts", "typescript", 0),
    ):
        (project / name).write_text(block(heading, index, page=TS_PAGE, langs=(lang,)).code)
    # What `npm install --install-links` gives, from the set-up's one npm install: @pulumi/pulumi,
    # typescript, ts-node and the SDKs (linked there by gen-sdks.sh --build).
    (project / "node_modules").symlink_to(sdks() / "node_modules")
    port = int(emulator.url.rsplit(":", 1)[1])
    out = bash(block(heading, 1, page=TS_PAGE).with_port(port), cwd=project, env=page_env(tmp_path), timeout=600)
    [runtime_id] = [line for line in out.stdout.splitlines() if line.startswith("ar-")]
    assert "Resources:\n    + 3 created" in out.stdout and "3 unchanged" in out.stdout
    assert "3 deleted" in out.stdout, out.stdout
    assert "using pulumi-resource" not in out.stderr  # found through plugins:, not $PATH
    assert runtimes(emulator) == [] and agents(emulator) == []  # destroyed (the agent: onDelete delete)
    assert re.fullmatch(r"ar-[0-9a-f]+", runtime_id)


def test_the_go_page_builds() -> None:
    # Where the page says, beside sdk/: the SDKs' packages are then the ones the set-up built
    # (Go's build cache knows a package by its folder), not compiled again (about 25 s of CPU).
    with tempfile.TemporaryDirectory(prefix=".docs-go-", dir=sdks().parent) as folder:
        project = Path(folder)
        (project / "go.mod").write_text(block("A program", 0, page=GO_PAGE, langs=("go",)).code)
        (project / "main.go").write_text(block("A program", 1, page=GO_PAGE, langs=("go",)).code)
        (project / "Pulumi.yaml").write_text(block("A program", 0, page=GO_PAGE, langs=("yaml",)).code)
        env = {**os.environ, "GOFLAGS": "-mod=mod"}
        bash(block("A program", 0, page=GO_PAGE).code, cwd=project, env=env, timeout=600)
