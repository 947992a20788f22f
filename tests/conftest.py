"""Shared fixtures: a real emulator process on loopback, reset before each test."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ACCESS_KEY_ID = "test-access-key-id"
ACCESS_KEY_SECRET = "test-access-key-secret"
QODER_TOKEN = "test-qoder-token"
TRANSITION_SECONDS = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Emulator:
    def __init__(self, url: str, process: subprocess.Popen[bytes], data: Path) -> None:
        self.url, self.process, self.data = url, process, data
        self.host = url.removeprefix("http://")

    def control(self, method: str, path: str, json: object = None) -> httpx.Response:
        response = httpx.request(method, self.url + path, json=json, timeout=10)
        response.raise_for_status()
        return response

    def fault(self, **rule: object) -> None:
        self.control("POST", "/_emulator/faults", rule)

    def fail_next(self, name: str, operation: str, reason: str = "injected failure") -> None:
        self.control(
            "POST",
            "/_emulator/agentrun/failures",
            {"agentRuntimeName": name, "operation": operation, "statusReason": reason},
        )


def _spawn(data: Path, port: int | None, transition: float, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    port = port or free_port()
    args = ["--port", str(port), "--data", str(data), "--transition-seconds", str(transition), *extra]
    return subprocess.Popen([sys.executable, "-m", "pulumi_agents", "emulator", *args]), port


def _wait_healthy(process: subprocess.Popen[bytes], url: str, verify: Callable[[], Any] = lambda: True) -> None:
    """Until the emulator answers its health check (``verify()`` gives httpx's ``verify``, or None
    while it cannot yet: the TLS emulator's CA is written as it starts)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            trust = verify()
            if trust is not None and httpx.get(url + "/_emulator/health", timeout=1, verify=trust).status_code == 200:
                return
        except (httpx.TransportError, ssl.SSLError):
            pass
        if process.poll() is not None:
            raise RuntimeError(f"emulator exited with {process.returncode}")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("emulator did not start within 30s")


def start_emulator(data: Path, port: int | None = None, transition: float = TRANSITION_SECONDS) -> Emulator:
    process, port = _spawn(data, port, transition)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(process, url)
    return Emulator(url, process, data)


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emulator
    emulator.process.terminate()
    emulator.process.wait(10)


@pytest.fixture
def emulator(emulator_process: Emulator) -> Emulator:
    emulator_process.control("POST", "/_emulator/reset")
    return emulator_process


class TlsEmulator(Emulator):
    """An emulator speaking HTTPS (``--tls``); clients trust ``ca``, the CA it made in its data folder."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], data: Path, ca: Path) -> None:
        super().__init__(url, process, data)
        self.host, self.ca = url.removeprefix("https://"), ca

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def control(self, method: str, path: str, json: object = None) -> httpx.Response:
        response = httpx.request(method, self.url + path, json=json, timeout=10, verify=self.ssl_context())
        response.raise_for_status()
        return response


def start_tls_emulator(data: Path, port: int | None = None, transition: float = TRANSITION_SECONDS) -> TlsEmulator:
    """``pulumi-agents emulator --tls``: HTTPS on loopback with a CA made in ``data/tls``."""
    process, port = _spawn(data, port, transition, "--tls")
    url, ca = f"https://127.0.0.1:{port}", data / "tls" / "ca.pem"
    _wait_healthy(process, url, lambda: ssl.create_default_context(cafile=str(ca)) if ca.is_file() else None)
    return TlsEmulator(url, process, data, ca)


@pytest.fixture(scope="session")
def tls_emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsEmulator]:
    emulator = start_tls_emulator(tmp_path_factory.mktemp("tls-emulator"))
    yield emulator
    emulator.process.terminate()
    emulator.process.wait(10)


@pytest.fixture
def tls_emulator(tls_emulator_process: TlsEmulator) -> TlsEmulator:
    tls_emulator_process.control("POST", "/_emulator/reset")
    return tls_emulator_process


@pytest.fixture
def agentrun_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Point the provider at the emulator through the standard environment variables."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
    monkeypatch.setenv("AGENTRUN_ENDPOINT", emulator.url)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    return emulator


@pytest.fixture
def qoder_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Point the Qoder provider at the emulator through QODER_PAT and QODER_BASE_URL."""
    monkeypatch.setenv("QODER_PAT", QODER_TOKEN)
    monkeypatch.setenv("QODER_BASE_URL", emulator.url + "/api/v1/cloud")
    return emulator


os.environ.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
