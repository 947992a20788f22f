"""AgentRuntimeProvider against the emulator over loopback: CRUD, drift, faults, failures."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from pulumi_agents._dynamic import ProviderError
from pulumi_agents._schema import UNKNOWN
from pulumi_agents.agentrun import AgentRunClient, AgentRuntimeProvider, Settings
from tests.conftest import ACCESS_KEY_SECRET, Emulator
from tests.provider_host import unmarked
from tests.runtimes import code_runtime

# The inputs' rules, offline: the credentials check before a first check has its own tests
# (tests/test_credentials.py).
pytestmark = pytest.mark.usefixtures("offline")

provider = AgentRuntimeProvider()


def client() -> AgentRunClient:
    return AgentRunClient(Settings.from_sources())


def create(props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The id and the outputs, as the engine hands them back to the provider (secrets unmarked)."""
    result = provider.create(props)
    return result.id, unmarked(result.outs)


def test_create_waits_for_ready_and_reports_outputs(agentrun_env: Emulator) -> None:
    runtime_id, outs = create(code_runtime())
    assert runtime_id.startswith("ar-")
    assert outs["status"] == "READY" and outs["agentRuntimeId"] == runtime_id
    assert outs["agentRuntimeArn"].startswith("acs:agentrun:") and outs["agentRuntimeVersion"] == "1"
    # The user's fields as the API reports them; API-filled defaults are not adopted.
    assert outs["nasConfig"] == code_runtime()["nasConfig"]
    assert "sessionConcurrencyLimitPerInstance" not in outs
    assert client().get_runtime(runtime_id)["sessionConcurrencyLimitPerInstance"] == 100


def test_no_diff_after_create(agentrun_env: Emulator) -> None:
    props = code_runtime(sessionAffinityType="COOKIE", cpu=2.0)
    _, outs = create(props)
    reordered = code_runtime(sessionAffinityType="COOKIE", cpu=2)
    reordered["codeConfiguration"] = dict(reversed(list(reordered["codeConfiguration"].items())))
    diff = provider.diff("x", outs, reordered)
    assert diff.changes is False and diff.replaces == []


def test_read_reports_drift_and_refresh_keeps_it(agentrun_env: Emulator) -> None:
    runtime_id, outs = create(code_runtime())
    client().update_runtime(runtime_id, {"memory": 4096, "description": "changed by hand"})
    read = provider.read(runtime_id, outs)
    assert read.id == runtime_id and read.outs["memory"] == 4096
    assert "description" not in read.outs  # not managed by the program
    diff = provider.diff(runtime_id, read.outs, code_runtime())
    assert diff.changes is True and diff.replaces == []


def test_update_sends_only_what_changed(agentrun_env: Emulator) -> None:
    runtime_id, outs = create(code_runtime())
    client().update_runtime(runtime_id, {"description": "kept"})
    time.sleep(1)
    news = code_runtime(memory=4096)
    news["healthCheckConfiguration"]["periodSeconds"] = 60
    result = provider.update(runtime_id, outs, news)
    remote = client().get_runtime(runtime_id)
    assert remote["memory"] == 4096 and remote["healthCheckConfiguration"]["periodSeconds"] == 60
    assert remote["description"] == "kept"  # not sent, so not overwritten
    assert result.outs["agentRuntimeVersion"] == "3" and result.outs["status"] == "READY"


def test_immutable_fields_replace(agentrun_env: Emulator) -> None:
    _, outs = create(code_runtime())
    renamed = provider.diff("x", outs, code_runtime(agentRuntimeName="renamed"))
    assert renamed.replaces == ["agentRuntimeName"] and renamed.delete_before_replace is False
    container = code_runtime(artifactType="Container", containerConfiguration={"image": "i"})
    retyped = provider.diff("x", outs, container)
    assert "artifactType" in retyped.replaces and retyped.delete_before_replace is True
    assert provider.diff("x", outs, code_runtime(workspaceId="ws-2")).replaces == ["workspaceId"]


def test_diff_semantics_without_api() -> None:
    olds = code_runtime(
        networkConfiguration={"networkMode": "PRIVATE", "vpcId": "v", "securityGroupId": "s", "vswitchIds": ["a", "b"]}
    )
    news = code_runtime(
        networkConfiguration={"networkMode": "PRIVATE", "vpcId": "v", "securityGroupId": "s", "vswitchIds": ["b", "a"]}
    )
    assert provider.diff("x", olds, news).changes is False  # vswitchIds is a set
    news["codeConfiguration"]["command"] = ["main.py", "python"]
    assert provider.diff("x", olds, news).changes is True  # a command's order matters
    env = code_runtime(environmentVariables={})
    assert provider.diff("x", olds, env).changes is True  # removing an env var is a change
    assert provider.diff("x", olds, code_runtime(memory=UNKNOWN)).changes is True
    # A provider option is never sent, but a new value must reach the state (delete reads it there).
    waited = provider.diff("x", olds, {**olds, "waitTimeoutSeconds": 5})
    assert waited.changes is True and waited.replaces == []


def test_check_reports_paths_and_skips_unknowns() -> None:
    bad = code_runtime(status="READY")
    bad["nasConfig"]["mountPoints"][0]["mountDir"] = "relative"
    result = provider.check({}, bad)
    # One line each, property left empty: the engine's own form looks up only top-level keys (a
    # nested path showed `value {<nil>}`) and prints a top-level value whole, however long.
    assert {f.property for f in result.failures} == {""}
    found = {f.reason for f in result.failures}
    # The path as a Python program writes it, the wire name after it, and the value.
    path = "nas_config.mount_points[0].mount_dir [nasConfig.mountPoints[0].mountDir]"
    assert f"{path}: must be an absolute path (the value: 'relative')" in found
    assert "status: is an output and cannot be set" in found
    assert provider.check({}, code_runtime(port=UNKNOWN, nasConfig=UNKNOWN)).failures == []


def test_inputs_unchanged_since_the_last_check_are_not_checked_again() -> None:
    # Inputs in the state passed the check that put them there; say the rules have since become
    # stricter (or the service took a value the schema does not allow): an unchanged resource
    # still previews clean, and a change of any field checks them all again.
    kept = code_runtime(port=0)
    assert [f.reason for f in provider.check({}, kept).failures] == ["port: must be at least 1 (the value: 0)"]
    unchanged = provider.check(kept, {**kept, "cpu": float(kept["cpu"])})  # as the engine sends numbers
    assert unchanged.failures == [] and unchanged.inputs == kept
    changed = provider.check(kept, {**kept, "memory": 4096})
    assert [f.reason.split(":")[0] for f in changed.failures] == ["port"]
    # The same means the same type too (but for int and float): True is not 1, at any depth.
    flags = code_runtime(enableSessionIsolation=True)
    assert provider.check({}, flags).failures == []
    nested = copy.deepcopy(flags)
    nested["ossMountConfig"]["mountPoints"][0]["readOnly"] = 1
    for news in ({**flags, "enableSessionIsolation": 1}, nested):
        assert len(provider.check(flags, news).failures) == 1


def test_lost_create_answer_adopts_instead_of_duplicating(
    agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "1")
    agentrun_env.fault(kind="lost", method="POST", path="/2025-09-10/agents/runtimes", seconds=2)
    runtime_id, outs = create(code_runtime())
    assert outs["status"] == "READY"
    assert [r["agentRuntimeId"] for r in client().list_runtimes()] == [runtime_id]


def test_create_answered_with_5xx_after_it_took_effect(agentrun_env: Emulator) -> None:
    agentrun_env.fault(kind="lost", method="POST", path="/2025-09-10/agents/runtimes", seconds=0)
    runtime_id, _ = create(code_runtime())
    assert [r["agentRuntimeId"] for r in client().list_runtimes()] == [runtime_id]


def test_throttling_and_5xx_are_retried(agentrun_env: Emulator) -> None:
    agentrun_env.fault(
        kind="status", status=429, retryAfter=0.2, method="POST", times=2, path="/2025-09-10/agents/runtimes"
    )
    agentrun_env.fault(kind="status", status=503, method="GET", times=3, path="/2025-09-10/agents/runtimes/")
    _, outs = create(code_runtime())
    assert outs["status"] == "READY"
    assert len(client().list_runtimes()) == 1


def test_failed_create_is_reported_and_cleaned_up(agentrun_env: Emulator) -> None:
    agentrun_env.fail_next("support-bot", "create", "image pull failed: unauthorized")
    with pytest.raises(ProviderError) as failed:
        provider.create(code_runtime())
    message = str(failed.value)
    assert "CREATE_FAILED (image pull failed: unauthorized)" in message
    assert "was deleted" in message
    assert client().list_runtimes() == []


def test_failed_update_is_reported(agentrun_env: Emulator) -> None:
    runtime_id, outs = create(code_runtime())
    agentrun_env.fail_next("support-bot", "update", "out of capacity")
    with pytest.raises(ProviderError, match="UPDATE_FAILED \\(out of capacity\\)"):
        provider.update(runtime_id, outs, code_runtime(memory=4096))


MINE = "org/proj/dev/support-bot"


def test_a_runtime_someone_else_owns_is_never_taken_over(agentrun_env: Emulator) -> None:
    with client() as c:
        theirs = c.create_runtime(code_runtime())  # made by hand: no owner mark
    other_stack, _ = create(code_runtime(agentRuntimeName="other-bot", ownerSeed="org/proj/prod/support-bot"))
    for name, runtime_id in (("support-bot", theirs["agentRuntimeId"]), ("other-bot", other_stack)):
        with pytest.raises(ProviderError, match="this stack did not create it") as refused:
            provider.create(code_runtime(agentRuntimeName=name, ownerSeed=MINE))
        # The command as it runs when copied (tests/e2e/test_plugins.py runs it so).
        command = f"pulumi import agentrun:index:AgentRuntime support-bot {runtime_id} --yes --generate-code=false"
        assert f"`{command} --protect=false`" in str(refused.value)
    assert len(client().list_runtimes()) == 2


def test_a_runtime_this_resource_left_behind_is_adopted_and_converged(agentrun_env: Emulator) -> None:
    """Case 1 of the issue: created, then lost (a failed look-up, a timed-out wait, a killed CLI)."""
    first, _ = create(code_runtime(ownerSeed=MINE))
    assert client().get_runtime(first)["environmentVariables"]["PULUMI_AGENTS_OWNER"]
    again, outs = create(code_runtime(ownerSeed=MINE, memory=4096))  # the program moved on meanwhile
    assert again == first and outs["memory"] == 4096
    assert "PULUMI_AGENTS_OWNER" not in outs["environmentVariables"]  # the program never sees the mark
    [runtime] = client().list_runtimes()
    assert client().get_runtime(runtime["agentRuntimeId"])["memory"] == 4096


def test_recreating_while_an_out_of_band_delete_is_in_progress(agentrun_env: Emulator) -> None:
    """Case 3 of the issue: the name is still taken by a DELETING runtime; wait it out, then create."""
    first, _ = create(code_runtime(ownerSeed="org/proj/prod/support-bot"))
    client().delete_runtime(first)  # someone deletes it by hand; it is DELETING for a while
    second, outs = create(code_runtime(ownerSeed=MINE))
    assert second != first and outs["status"] == "READY"
    assert [r["agentRuntimeId"] for r in client().list_runtimes()] == [second]


def test_an_update_whose_answer_was_lost_is_a_success(agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Case 2 of the issue: the retried PUT meets 409 "is UPDATING"; wait, compare, do not resend."""
    runtime_id, outs = create(code_runtime(ownerSeed=MINE))
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "1")
    agentrun_env.fault(kind="lost", method="PUT", path=f"/2025-09-10/agents/runtimes/{runtime_id}", seconds=2)
    updated = provider.update(runtime_id, outs, code_runtime(ownerSeed=MINE, memory=4096)).outs
    assert updated["memory"] == 4096 and updated["status"] == "READY"
    assert updated["agentRuntimeVersion"] == "2"  # applied once: version 1 -> 2, not 3 or 4


def test_deleted_behind_our_back(agentrun_env: Emulator) -> None:
    runtime_id, outs = create(code_runtime())
    client().delete_runtime(runtime_id)
    assert provider.read(runtime_id, outs).id == ""  # DELETING counts as gone
    time.sleep(1)
    assert provider.read(runtime_id, outs).id == ""
    provider.delete(runtime_id, outs)  # a 404 on delete is success


def test_delete_waits_until_gone(agentrun_env: Emulator) -> None:
    runtime_id, outs = create(code_runtime())
    provider.delete(runtime_id, outs)
    assert client().list_runtimes() == []


def test_bad_credentials_are_not_mistaken_for_a_deleted_resource(
    agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime_id, outs = create(code_runtime())
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "unknown-key")
    with pytest.raises(ProviderError, match=r"InvalidAccessKeyId\.NotFound") as refused:
        provider.read(runtime_id, outs)
    assert "test-access-key-secret" not in str(refused.value)


def test_missing_credentials_say_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ProviderError, match="agentrun:accessKeyId"):
        provider.create(code_runtime())


def test_wait_timeout_is_clear(agentrun_env: Emulator) -> None:
    with pytest.raises(ProviderError, match=r"timed out after .* waiting for runtime support-bot"):
        provider.create(code_runtime(waitTimeoutSeconds=0.1))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_fail_the_check(bad: float) -> None:
    failures = {(f.property, f.reason) for f in provider.check({}, code_runtime(cpu=bad)).failures}
    assert failures == {("", "cpu: must be a finite number")}
    nested = code_runtime()
    nested["healthCheckConfiguration"]["periodSeconds"] = bad
    found = {f.reason for f in provider.check({}, nested).failures}
    path = "health_check_configuration.period_seconds [healthCheckConfiguration.periodSeconds]"
    assert found == {f"{path}: must be a finite number"}


def test_missing_credentials_say_what_is_missing_and_where_it_is_read(
    agentrun_env: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    with pytest.raises(ProviderError) as missing:
        provider.create(code_runtime())
    message = str(missing.value)
    assert "agentrun:accessKeySecret is not set" in message and "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in message
    assert "HTTP 0" not in message and "accessKeyId" not in message  # only what is missing
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
    assert client().list_runtimes() == []
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "soon")
    with pytest.raises(ProviderError, match="AGENTRUN_HTTP_TIMEOUT must be a number, not 'soon'"):
        provider.create(code_runtime())
    # The settings are validated once per process for the same values; any change is read again.
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "0")
    for _ in range(2):
        with pytest.raises(ProviderError, match="AGENTRUN_HTTP_TIMEOUT must be greater than 0"):
            provider.create(code_runtime())
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "5")
    assert client().settings.timeout == 5.0


def test_the_settings_are_validated_once_for_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi_agents import _config

    validated: list[str] = []
    real = _config.validate
    monkeypatch.setattr(_config, "validate", lambda name, doc: validated.append(name) or real(name, doc))
    monkeypatch.setenv("AGENTRUN_HTTP_TIMEOUT", "7.5")  # a number: it needs the validator
    keys = {"agentrun:accessKeyId": "id", "agentrun:accessKeySecret": "secret"}
    for _ in range(3):
        assert Settings.from_sources({**keys, "agentrun:region": "cn-shanghai"}).timeout == 7.5
    Settings.from_sources({**keys, "agentrun:region": "cn-beijing"})
    assert validated == ["AgentRunConfig", "AgentRunConfig"]


def test_a_delete_that_finds_the_runtime_already_deleting_waits_for_it(agentrun_env: Emulator) -> None:
    runtime_id, outs = create(code_runtime(ownerSeed=MINE))
    client().delete_runtime(runtime_id)  # someone else started deleting it
    provider.delete(runtime_id, outs)
    assert client().list_runtimes() == []


def test_a_delete_of_a_runtime_still_updating_waits_then_deletes(agentrun_env: Emulator) -> None:
    runtime_id, outs = create(code_runtime(ownerSeed=MINE))
    client().update_runtime(runtime_id, {"memory": 4096})  # UPDATING for a while
    provider.delete(runtime_id, outs)
    assert client().list_runtimes() == []
