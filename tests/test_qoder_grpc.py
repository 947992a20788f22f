"""qoder.AgentProvider through the engine's gRPC protocol (python -m pulumi.dynamic)."""

from __future__ import annotations

import base64

from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from pulumi_agents.qoder import AgentProvider
from tests.agents import doc_helper
from tests.conftest import QODER_TOKEN, Emulator
from tests.provider_host import plain, provider_host, struct

URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/qoder:Agent::doc-helper"
PROVIDER = serialize_provider(AgentProvider())


def test_provider_pickles_small_and_by_reference() -> None:
    raw = base64.b64decode(PROVIDER)
    assert len(raw) < 200 and b"pulumi_agents.qoder.provider" in raw and QODER_TOKEN.encode() not in raw


def test_full_life_cycle_over_grpc(emulator: Emulator) -> None:
    config = {"qoder:token": QODER_TOKEN, "qoder:baseUrl": emulator.url + "/api/v1/cloud"}
    with provider_host(config) as host:
        news = {**doc_helper(model={"id": "ultimate", "context_window": 200000}), "__provider": PROVIDER}
        checked = host.Check(provider_pb2.CheckRequest(urn=URN, olds=struct({}), news=struct(news)))
        assert list(checked.failures) == []
        created = host.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs))
        outs = plain(created.properties)
        assert created.id.startswith("agent_") and outs["version"] == 1
        assert isinstance(outs["model"]["context_window"], float)  # a double on the wire...

        same = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=checked.inputs))
        assert same.changes == provider_pb2.DiffResponse.DIFF_NONE  # ...yet the same number

        changed = struct({**news, "metadata": {"team": "platform"}})
        updated = host.Update(provider_pb2.UpdateRequest(id=created.id, urn=URN, olds=created.properties, news=changed))
        assert plain(updated.properties)["version"] == 2
        host.Delete(provider_pb2.DeleteRequest(id=created.id, urn=URN, properties=updated.properties))
        read = host.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=updated.properties))
        assert read.id == created.id and plain(read.properties)["archived"] is True
