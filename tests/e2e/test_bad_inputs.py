"""What a user sees when an argument is wrong, under the real CLI, in both front doors (issue 22,
findings 6 and 7, and 3: a wrong key): one clear line with "did you mean" in the name as written, the value shown
and cut to a readable length, no `{<nil>}`, no Python traceback, and the same words from both."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Emulator
from tests.e2e.conftest import PROGRAMS, make_stack

# case -> what the preview's output must say
CASES = {
    "top-level-typo": "AgentRuntime got unknown arguments: memroy (did you mean memory?)",
    "nested-typo": "code_configuration.oss_buket_name [codeConfiguration.oss_buket_name]: is not a known property "
    "(did you mean 'oss_bucket_name'?)",
    "too-small": "memory: must be at least 128 (the value: 10)",
    "huge": "description: must be at most 256 characters long (the value: 'xxxxxxxx",
    "none-value": "environment_variables['LOG_LEVEL'] is None, where a string is needed",
    "deep": "nests deeper than 64 levels",
}


@pytest.fixture
def stack(tmp_path: Path, emulator: Emulator, mode: str):  # type: ignore[no-untyped-def]
    return make_stack("bad-inputs", tmp_path, emulator, source=PROGRAMS, mode=mode)


def test_each_wrong_input_is_one_clear_line_the_same_in_both_front_doors(stack) -> None:  # type: ignore[no-untyped-def]
    for case, said in CASES.items():
        stack.config("case", case)
        result = stack.pulumi("preview", check=False)
        out = result.stdout + result.stderr
        assert result.returncode != 0, f"{case}: the preview passed:\n{out}"
        assert said in out, f"{case}:\n{out}"
        assert "Traceback" not in out and "RecursionError" not in out, f"{case}:\n{out}"
        assert "<nil>" not in out, f"{case}:\n{out}"
        assert len(out) < 20_000, f"{case}: {len(out)} characters of output"
    # Finding 3: a wrong key fails the preview (one list of one runtime), naming the setting.
    stack.config("case", "valid")
    stack.config("agentrun:accessKeySecret", "a-wrong-secret", secret=True)
    result = stack.pulumi("preview", check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    said = "the agentrun credentials were refused: AgentRun ListAgentRuntimes failed: HTTP 400 SignatureDoesNotMatch"
    assert out.split("Diagnostics:")[-1].count(said) == 1, out  # (the progress display shows it too)
    assert "check agentrun:accessKeySecret (read from stack config agentrun:accessKeySecret)" in out, out
    assert "Traceback" not in out and "a-wrong-secret" not in out and "--run-program" not in out, out


def test_a_dynamic_import_says_in_one_line_it_needs_the_plugin_class(tmp_path: Path, emulator: Emulator) -> None:
    stack = make_stack("bad-inputs", tmp_path, emulator, source=PROGRAMS)
    stack.config("case", "import")
    result = stack.pulumi("preview", check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    said = "AgentRuntime('bot'): import_= needs the plugin class: from pulumi_agents.plugin import agentrun"
    assert said in out and "Traceback" not in out and "__provider" not in out, out
