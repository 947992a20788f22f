"""The benchmark's parts that need no stack: the no-I/O baseline answers each resource the
outputs its twin of ours has in the state (the ratio at scale depends on it), and the table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench.report import Row, table
from bench.stacks import same_properties, write_lib

SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": '"hunter2"'}


def test_the_no_io_twin_answers_the_outputs_of_ours_for_the_inputs_the_engine_sends(tmp_path: Path) -> None:
    inputs = {"__provider": "pickled", "cpu": 1, "memory": 2048, "name": "rt-0", "env": {"A": "b"}, "gone": None}
    outputs = {**inputs, "agentRuntimeId": "ar-1", "password": SECRET, "tags": [1, "x"]}
    exported = {
        "deployment": {
            "resources": [
                {"urn": "urn:pulumi:bench::p::pulumi:pulumi:Stack::p-bench", "inputs": {}},
                {
                    "urn": "urn:pulumi:bench::p::pulumi-python:dynamic:Resource::rt-0",
                    "inputs": inputs,
                    "outputs": outputs,
                },
            ]
        }
    }
    write_lib(tmp_path)
    assert same_properties(tmp_path, exported) == 1
    spec = importlib.util.spec_from_file_location("benchsame", tmp_path / "benchsame.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    # As the dynamic provider host hands them to create: numbers as floats, with its own __provider.
    sent = {"__provider": "another", "cpu": 1.0, "memory": 2048.0, "name": "rt-0", "env": {"A": "b"}}
    answered = module.outputs(sent)
    assert answered["agentRuntimeId"] == "ar-1"
    assert answered["password"] == "hunter2"  # the secret's value, as its twin holds it
    assert "__provider" not in answered


def test_the_table_says_met_not_met_or_nothing_for_a_row_without_a_goal() -> None:
    shown = table([Row("a", "1.0x", "<= 1.2x", True), Row("b", "2.0x", "<= 1.5x", False), Row("  c", "1 s", "", None)])
    lines = shown.splitlines()
    assert lines[2].endswith("met") and not lines[2].endswith("NOT met")
    assert lines[3].endswith("NOT met")
    assert lines[4].rstrip().endswith("1 s")
