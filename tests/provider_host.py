"""Run `python -m pulumi.dynamic` (the host `pulumi up` starts for dynamic providers) and talk
to it over gRPC, configured from stack config the way the engine does."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_agents._dynamic import revealed


def struct(props: dict[str, Any]) -> struct_pb2.Struct:
    return asyncio.run(rpc.serialize_properties(props, {}))


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(message))


def unmarked(value: Any) -> Any:
    """``value`` without its secret marks: what the engine sends back to a dynamic provider,
    which declares that it does not accept secrets."""
    return revealed(value)


def as_engine_sends(message: struct_pb2.Struct) -> struct_pb2.Struct:
    return struct(unmarked(plain(message)))


@contextmanager
def provider_host(config: dict[str, Any]) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    # A clean environment: credentials come only from stack config, as in a real stack.
    env = {"PATH": "/usr/bin:/bin", "PULUMI_PROJECT": "proj"}
    process = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.dynamic"], stdout=subprocess.PIPE, env=env)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stub.Configure(provider_pb2.ConfigureRequest(args=struct(config)))
        yield stub
    finally:
        channel.close()
        process.terminate()
        process.wait(10)
