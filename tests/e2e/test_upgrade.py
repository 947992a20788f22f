"""Upgrades stay quiet: stacks deployed with the code of d7f8ea1 preview and refresh with no change.

tests/fixtures/upgrade holds, for each front door, a stack that the code of d7f8ea1 deployed
(`make.py` there remakes them from an older checkout): its program, its config, its exported state
and the emulator's database it was deployed to, every kind of that time in it. Here the emulator
of today starts on that database, the state is imported into a fresh backend, and today's code
must find nothing to change: not in a preview (the program's inputs against the recorded ones),
nor in a refresh (what it reads back against what the old code recorded).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Emulator, start_emulator
from tests.e2e.conftest import Stack

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade"
PASSPHRASE = "upgrade-fixture-passphrase"  # make.py's: the fixtures' secrets are test values
# The emulator's address when the fixtures were made. Each test starts one on a free port, and the
# address moves with it: in the stack config, in the state where the config reached it (the
# smoke test's url, the plugins' provider settings). Nothing else of the state changes. (With
# the config alone moved, the old code itself previews an update: the smoke test's url is an input.)
OLD_URL = "http://127.0.0.1:47613"
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how the state marks a secret value


def emulator_on_fixture_data(tmp_path: Path) -> Emulator:
    """Today's emulator on the database the old one left (emulator.sql: its SQLite file as SQL)."""
    data = tmp_path / "emulator-data"
    data.mkdir()
    with contextlib.closing(sqlite3.connect(data / "emulator.sqlite3")) as db:
        db.executescript((FIXTURES / "emulator.sql").read_text())
    return start_emulator(data)


def imported_stack(tmp_path: Path, emulator: Emulator, door: str) -> Stack:
    """The fixture's stack ``door`` in a fresh file backend, its state and config as the old code
    left them, its address moved to ``emulator``."""
    if shutil.which("pulumi") is None:  # as make_stack: a failure where ./run test built the CLI
        message = "the Pulumi CLI is not on PATH: run the tests with ./run test, which builds it"
        if os.environ.get("PULUMI_AGENTS_E2E") == "1":
            pytest.fail(message)
        pytest.skip(message)
    workdir = tmp_path / "upgrade"
    workdir.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", f"Pulumi.{door}.yaml"):
        shutil.copy(FIXTURES / name, workdir / name)
    project = (workdir / "Pulumi.yaml").read_text()
    (workdir / "Pulumi.yaml").write_text(re.sub(r"virtualenv: \S+", f"virtualenv: {sys.prefix}", project))
    stack = Stack(workdir, emulator)
    stack.env["PULUMI_CONFIG_PASSPHRASE"] = PASSPHRASE
    stack.pulumi("stack", "init", door)
    state = tmp_path / f"{door}.state.json"
    state.write_text((FIXTURES / f"{door}.state.json").read_text().replace(OLD_URL, emulator.url))
    stack.pulumi("stack", "import", "--file", str(state))
    stack.config_all(
        {
            "agentrun:endpoint": emulator.url,
            "qoder:baseUrl": emulator.url + "/api/v1/cloud",
            "aiaeAgentUrl": emulator.url + "/v1/routes/open/demo-agent/execute",
        },
        {},
    )
    return stack


def assert_no_change(stack: Stack, door: str, *command: str) -> None:
    """``pulumi <command> --expect-no-changes``; on a change, the failure shows its --diff."""
    result = stack.pulumi(*command, "--expect-no-changes", "--diff", check=False)
    if result.returncode:
        pytest.fail(
            f"`pulumi {command[0]}` of the {door} stack of d7f8ea1 finds changes:\n{result.stdout}{result.stderr}"
        )


def recorded(stack: Stack) -> dict[str, dict[str, Any]]:
    """Each resource's inputs and outputs in the state, secrets decrypted (and still marked)."""
    state = json.loads(stack.pulumi("stack", "export", "--show-secrets").stdout)
    return {
        r["urn"].split("::", 2)[2]: {"inputs": r.get("inputs", {}), "outputs": r.get("outputs", {})}
        for r in state["deployment"]["resources"]
    }


# Differences a refresh makes on purpose, by the end of their path, each with why: the provider's
# own owner mark left a version's frozen runtime (a preview --diff listed it), so a refresh drops
# the masked copy the old code recorded; no program set or could read a value there ("***").
INTENDED = {".outputs.runtime.environmentVariables.PULUMI_AGENTS_OWNER": ('"***"', "null")}


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where ``new`` differs from ``old``, one line per path (a secret's value is not shown). An
    output the old code did not record at all (a new output field, such as a qoder agent's
    ``type``) is no difference: no program of that time can read it, and none reads it otherwise."""
    if isinstance(old, dict) and isinstance(new, dict) and SECRET_SIG not in old and SECRET_SIG not in new:
        keys = old.keys() | (new.keys() if not path.endswith(".outputs") else old.keys())
        return [line for k in sorted(keys) for line in differences(old.get(k), new.get(k), f"{path}.{k}")]
    if old == new:
        return []
    shown = ["[secret]" if isinstance(v, dict) and SECRET_SIG in v else json.dumps(v) for v in (old, new)]
    return [f"{path.lstrip('.')}: {shown[0]} => {shown[1]}"]


def intended(line: str) -> bool:
    where, _, change = line.partition(": ")
    return any(where.endswith(end) and change == f"{was} => {now}" for end, (was, now) in INTENDED.items())


def test_a_stack_deployed_at_d7f8ea1_has_nothing_to_change(tmp_path: Path, mode: str) -> None:
    emulator = emulator_on_fixture_data(tmp_path)
    try:
        stack = imported_stack(tmp_path, emulator, mode)
        assert_no_change(stack, mode, "preview")
        # A refresh reports only what the providers' diff sees (the inputs): what the code of
        # today records as outputs must be the same too, or a program's output would change.
        before = recorded(stack)
        assert_no_change(stack, mode, "refresh", "--yes")
        changed = [line for line in differences(before, recorded(stack)) if not intended(line)]
        if changed:
            pytest.fail(f"a refresh of the {mode} stack of d7f8ea1 records otherwise:\n" + "\n".join(changed))
    finally:
        emulator.process.terminate()
        emulator.process.wait(10)
