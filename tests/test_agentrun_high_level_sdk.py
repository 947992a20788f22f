"""Alibaba's high-level SDK (agentrun-sdk, ``agentrun.agent_runtime``) against the emulator over TLS.

How it is pointed at the emulator, as a user would (its ``Config`` reads the environment on every
call, and objects it returns forget any ``Config`` passed in, so the environment is the way):

- ``AGENTRUN_CONTROL_ENDPOINT=https://127.0.0.1:<port>``: its control client keeps only the host
  and port and always speaks HTTPS (the official SDK's operations say ``protocol = 'HTTPS'``),
  hence ``pulumi-agents emulator --tls``;
- ``AGENTRUN_ACCESS_KEY_ID``/``AGENTRUN_ACCESS_KEY_SECRET`` (``ALIBABA_CLOUD_*`` work too),
  ``AGENTRUN_REGION``, ``AGENTRUN_ACCOUNT_ID``;
- ``SSL_CERT_FILE=<data>/tls/ca.pem``: the official SDK's HTTP layer (darabonba) builds its TLS
  context with ``ssl.create_default_context()``, which reads OpenSSL's default paths, then adds
  certifi's bundle; it takes no CA option through the high-level SDK (``RuntimeOptions()`` is
  made bare) and ignores ``REQUESTS_CA_BUNDLE`` (it calls ``Session.send``, not ``request``).

The high-level SDK has no publish: versions are published with the official client it builds
itself (``AgentRuntimeControlAPI._get_client``), so that call takes the same endpoint, keys and TLS.
"""

from __future__ import annotations

import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_agents.emulator.tls import loopback_tls
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, TlsEmulator, free_port

POLL = 0.1  # seconds between the SDK's own status polls (it waits 5 s by default)


@pytest.fixture
def high_level(tls_emulator: TlsEmulator, monkeypatch: pytest.MonkeyPatch) -> TlsEmulator:
    monkeypatch.setenv("AGENTRUN_CONTROL_ENDPOINT", tls_emulator.url)
    monkeypatch.setenv("AGENTRUN_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AGENTRUN_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
    monkeypatch.setenv("AGENTRUN_REGION", "cn-hangzhou")
    monkeypatch.setenv("AGENTRUN_ACCOUNT_ID", "1760720386195983")
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_emulator.ca))
    monkeypatch.setenv("DISABLE_BREAKING_CHANGES_WARNING", "1")
    for name in ("AGENTRUN_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tls_emulator


def until(check: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(POLL)
    raise AssertionError(f"{what} did not happen within {seconds}s")


def test_runtime_endpoint_version_then_delete_everything(high_level: TlsEmulator) -> None:
    from agentrun.agent_runtime import AgentRuntime, AgentRuntimeClient
    from agentrun.agent_runtime.api.control import AgentRuntimeControlAPI
    from agentrun.agent_runtime.model import (
        AgentRuntimeCode,
        AgentRuntimeCreateInput,
        AgentRuntimeEndpointCreateInput,
        AgentRuntimeEndpointRoutingConfig,
        AgentRuntimeEndpointRoutingWeight,
        AgentRuntimeLanguage,
        ScalingConfig,
    )
    from agentrun.utils.exception import ClientError, ResourceAlreadyExistError, ResourceNotExistError
    from agentrun.utils.model import Status
    from alibabacloud_agentrun20250910 import models

    runtime = AgentRuntime.create(
        AgentRuntimeCreateInput(
            agent_runtime_name="hl-runtime",
            code_configuration=AgentRuntimeCode(
                language=AgentRuntimeLanguage.PYTHON312, command=["python", "app.py"], zip_file="UEsDBA=="
            ),
            port=9000,
            cpu=1,
            memory=1024,
        )
    )
    assert runtime.status == Status.CREATING and runtime.agent_runtime_id
    runtime_id = runtime.agent_runtime_id
    runtime.wait_until_ready_or_failed(interval_seconds=POLL, timeout_seconds=20)  # type: ignore[arg-type]
    assert runtime.status == Status.READY

    # Its own error mapping reads the emulator's answers: "already exists" on a duplicate name.
    with pytest.raises(ResourceAlreadyExistError):
        AgentRuntime.create(
            AgentRuntimeCreateInput(
                agent_runtime_name="hl-runtime",
                code_configuration=AgentRuntimeCode(language=AgentRuntimeLanguage.PYTHON312, zip_file="UEsDBA=="),
            )
        )

    # Publish version 1 with the official client the high-level SDK builds.
    control = AgentRuntimeControlAPI()._get_client()
    published = control.publish_runtime_version(
        runtime_id,
        models.PublishRuntimeVersionRequest(
            body=models.PublishRuntimeVersionInput(description="first", publisher="hl-sdk")
        ),
    ).body.data
    assert published.agent_runtime_version == "1"
    versions = runtime.list_versions()
    assert [(v.agent_runtime_version, v.description) for v in versions] == [("1", "first")]

    endpoint = runtime.create_endpoint(
        AgentRuntimeEndpointCreateInput(
            agent_runtime_endpoint_name="prod",
            target_version="LATEST",
            routing_configuration=AgentRuntimeEndpointRoutingConfig(
                version_weights=[AgentRuntimeEndpointRoutingWeight(version="1", weight=0.2)]
            ),
            scaling_config=ScalingConfig(min_instances=1),
        )
    )
    assert endpoint.status == Status.CREATING
    assert endpoint.agent_runtime_endpoint_id and endpoint.agent_runtime_endpoint_id.startswith("are-")
    endpoint.wait_until_ready_or_failed(interval_seconds=POLL, timeout_seconds=20)  # type: ignore[arg-type]
    assert endpoint.status == Status.READY
    listed = runtime.list_endpoints()
    assert [(e.agent_runtime_endpoint_name, e.target_version) for e in listed] == [("prod", "LATEST")]
    weights: Any = listed[0].routing_configuration
    assert [(w.version, w.weight) for w in weights.version_weights] == [("1", 0.2)]

    # The runtime alone cannot be deleted while it has an endpoint...
    with pytest.raises(ClientError) as refused:
        AgentRuntimeClient().delete(runtime_id)
    assert refused.value.status_code == 400 and "still has endpoints prod" in refused.value.message

    # ...which is why delete_by_id deletes the endpoints, waits for them, then the runtime.
    started = time.monotonic()
    AgentRuntime.delete_by_id(runtime_id)
    assert time.monotonic() - started < 30

    def runtime_gone() -> bool:
        try:
            AgentRuntime.get_by_id(runtime_id)
        except ResourceNotExistError:
            return True
        return False

    until(runtime_gone, f"runtime {runtime_id} going away")
    assert AgentRuntime.list_all() == []


def test_tls_options(tls_emulator: TlsEmulator, tmp_path: Path) -> None:
    """--tls-cert/--tls-key serve a given pair; half a pair is refused; --tls keeps its CA."""
    kept = tls_emulator.data / "tls"
    command = [sys.executable, "-m", "pulumi_agents", "emulator", "--data", str(tmp_path)]

    half = subprocess.run([*command, "--tls-cert", str(kept / "cert.pem")], capture_output=True, timeout=60)
    assert half.returncode == 2 and b"--tls-cert and --tls-key go together" in half.stderr

    port = free_port()
    pair = ["--tls-cert", str(kept / "cert.pem"), "--tls-key", str(kept / "key.pem")]
    process = subprocess.Popen([*command, "--port", str(port), *pair], stderr=subprocess.PIPE)
    try:
        verify = ssl.create_default_context(cafile=str(tls_emulator.ca))

        def healthy() -> bool:
            try:
                return httpx.get(f"https://localhost:{port}/_emulator/health", verify=verify, timeout=1).is_success
            except httpx.TransportError:
                assert process.poll() is None, "the emulator exited"
                return False

        until(healthy, "the emulator answering over HTTPS", seconds=30)
        with pytest.raises(httpx.TransportError):  # not trusted without the CA
            httpx.get(f"https://127.0.0.1:{port}/_emulator/health", verify=ssl.create_default_context(), timeout=5)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert f"https://127.0.0.1:{port}".encode() in stderr and b"cert.pem" in stderr

    # A restart finds the CA and certificate --tls made and keeps them: clients keep trusting it.
    before = {name: (kept / name).read_bytes() for name in ("ca.pem", "cert.pem", "key.pem")}
    again = loopback_tls(kept)
    assert {name: (kept / name).read_bytes() for name in before} == before and again.ca == kept / "ca.pem"
    assert (kept / "key.pem").stat().st_mode & 0o077 == 0
