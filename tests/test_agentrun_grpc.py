"""The provider driven through the gRPC protocol the Pulumi engine uses (python -m pulumi.dynamic).

This is what runs under `pulumi up`: the provider is unpickled from the `__provider` property,
configured from stack config, and called from the host's worker threads.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import dill
import grpc
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import is_rpc_secret

from pulumi_agents.agentrun import AgentRunClient, AgentRuntimeProvider, Credentials, Settings
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, Emulator
from tests.provider_host import as_engine_sends, plain, provider_host, struct
from tests.runtimes import code_runtime

URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/agentrun:AgentRuntime::bot"
PROVIDER = serialize_provider(AgentRuntimeProvider())


@pytest.fixture
def host(emulator: Emulator) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    config = {
        "agentrun:accessKeyId": ACCESS_KEY_ID,
        "agentrun:accessKeySecret": ACCESS_KEY_SECRET,
        "agentrun:endpoint": emulator.url,
        "agentrun:region": "cn-hangzhou",
    }
    with provider_host(config) as stub:
        yield stub


def test_provider_pickles_small_and_by_reference() -> None:
    raw = base64.b64decode(PROVIDER)
    assert len(raw) < 200, len(raw)
    assert b"pulumi_agents.agentrun.provider" in raw and b"AgentRuntimeProvider" in raw
    assert b"def " not in raw and b"secret" not in raw.lower()
    assert isinstance(dill.loads(raw), AgentRuntimeProvider)


def test_full_life_cycle_over_grpc(host: provider_pb2_grpc.ResourceProviderStub, emulator: Emulator) -> None:
    news = {**code_runtime(environmentVariables={"API_KEY": "sk-grpc"}), "__provider": PROVIDER}
    checked = host.Check(provider_pb2.CheckRequest(urn=URN, olds=struct({}), news=struct(news)))
    assert list(checked.failures) == []

    created = host.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs))
    outs = plain(created.properties)
    assert created.id.startswith("ar-") and outs["status"] == "READY"
    # The secret field is answered marked secret (the engine keeps the mark), the rest plain.
    assert is_rpc_secret(outs["environmentVariables"]) and not is_rpc_secret(outs["codeConfiguration"])
    olds = as_engine_sends(created.properties)

    same = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=olds, news=checked.inputs))
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    changed_inputs = struct({**news, "memory": 4096, "agentRuntimeName": "bot-2"})
    diff = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=olds, news=changed_inputs))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == ["agentRuntimeName"]

    updated = host.Update(
        provider_pb2.UpdateRequest(
            id=created.id, urn=URN, olds=olds, news=struct({**news, "memory": 4096})
        )
    )
    assert plain(updated.properties)["memory"] == 4096
    updated_olds = as_engine_sends(updated.properties)

    # What the state holds, found again: no inputs, and the engine keeps its own.
    read = host.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=updated_olds))
    assert read.id == created.id and plain(read.properties)["memory"] == 4096 and not read.HasField("inputs")
    # A state from before the update: the service's inputs, to diff the program against next.
    stale = as_engine_sends(created.properties)
    read = host.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=stale))
    assert read.id == created.id and plain(read.inputs)["memory"] == 4096

    host.Delete(provider_pb2.DeleteRequest(id=created.id, urn=URN, properties=updated_olds))
    gone = host.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=updated_olds))
    assert gone.id == ""
    settings = Settings(Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET), endpoint=emulator.url)
    with AgentRunClient(settings) as client:
        assert client.list_runtimes() == []


def test_check_failures_over_grpc(host: provider_pb2_grpc.ResourceProviderStub) -> None:
    bad = code_runtime()
    bad["healthCheckConfiguration"]["timeoutSeconds"] = 60
    checked = host.Check(
        provider_pb2.CheckRequest(urn=URN, olds=struct({}), news=struct({**bad, "__provider": PROVIDER}))
    )
    # One line, the property left empty: the engine's own form looks the path up at the top
    # level only (a nested one showed `value {<nil>}`).
    assert [(f.property, f.reason) for f in checked.failures] == [
        (
            "",
            "health_check_configuration.timeout_seconds [healthCheckConfiguration.timeoutSeconds]: "
            "must be less than periodSeconds (30)",
        )
    ]


def test_errors_end_with_one_clear_line(host: provider_pb2_grpc.ResourceProviderStub, emulator: Emulator) -> None:
    emulator.fail_next("support-bot", "create", "image pull failed")
    with pytest.raises(grpc.RpcError) as failed:
        host.Create(provider_pb2.CreateRequest(urn=URN, properties=struct({**code_runtime(), "__provider": PROVIDER})))
    details = failed.value.details()
    # The message alone: not the gRPC server's "Exception calling application: ", nor a traceback.
    assert details.startswith("runtime support-bot (ar-") and "Exception calling" not in details
    last = details.strip().splitlines()[-1]
    assert "runtime support-bot (ar-" in last
    assert "CREATE_FAILED (image pull failed)" in last and "was deleted" in last
    assert ACCESS_KEY_SECRET not in details and "sk-test-secret-value" not in details
