"""Shared fixtures: a real emulator process on loopback, reset before each test."""

from __future__ import annotations

import contextlib
import os
import random
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


def unclaimed_port() -> int:
    """A free port below the kernel's ephemeral range, for a script that binds it seconds later
    (after a pip install): no outgoing connection and no bind of port 0 elsewhere can take it
    meanwhile, as one can take a port from free_port()."""
    low = 32768
    with contextlib.suppress(OSError, ValueError, IndexError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        port = random.randrange(10000, low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


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


def _spawn(data: Path, port: int, transition: float, *extra: str) -> subprocess.Popen[bytes]:
    args = ["--port", str(port), "--data", str(data), "--transition-seconds", str(transition), *extra]
    return subprocess.Popen([sys.executable, "-m", "pulumi_agents", "emulator", *args])


def _listening_sockets(port: int) -> set[str] | None:
    """The inodes of the sockets listening on ``port`` (Linux's /proc/net/tcp*), or None where
    the system does not say."""
    found: set[str] | None = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        found = found or set()
        for row in rows:
            fields = row.split()  # sl local_address rem_address st ... inode
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(fields[9])
    return found


def _listens(process: subprocess.Popen[bytes], port: int) -> bool:
    """Whether ``process`` itself listens on ``port``: not some other emulator that took the port
    between free_port() and this one's bind (tests run in parallel, each worker with its own
    emulators). True where the system cannot tell."""
    sockets = _listening_sockets(port)
    if sockets is None:
        return True
    try:
        fds = list(Path(f"/proc/{process.pid}/fd").iterdir())
    except OSError:
        return process.poll() is None  # no /proc/PID: cannot tell, unless it is gone
    held = set()
    for fd in fds:
        with contextlib.suppress(OSError):  # closed meanwhile
            held.add(os.readlink(fd))
    return any(f"socket:[{inode}]" in held for inode in sockets)


class PortTaken(RuntimeError):
    """The emulator could not have its port: it exited, or another process answers there."""


def _wait_healthy(
    process: subprocess.Popen[bytes], url: str, port: int, verify: Callable[[], Any] = lambda: True
) -> None:
    """Until the emulator answers its health check on ``port`` (``verify()`` gives httpx's
    ``verify``, or None while it cannot yet: the TLS emulator's CA is written as it starts).
    An answer counts only from this process: another one may hold the port (PortTaken)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            trust = verify()
            answered = trust is not None and httpx.get(url + "/_emulator/health", timeout=1, verify=trust).is_success
            if answered and _listens(process, port):
                return
        except (httpx.TransportError, ssl.SSLError):
            pass
        if process.poll() is not None:
            raise PortTaken(f"emulator on port {port} exited with {process.returncode}")
        time.sleep(0.1)
    process.kill()
    process.wait(10)
    raise RuntimeError("emulator did not start within 30s")


def _start(
    data: Path, port: int | None, transition: float, scheme: str, verify: Callable[[], Any], *extra: str
) -> tuple[subprocess.Popen[bytes], str]:
    """Start an emulator and wait until it answers. On a port of its own choosing (``port`` None),
    a port taken meanwhile by another process is retried on a new one; on a given port (a
    restart on the port the last one had), retried after a moment, in case it was still held."""
    attempts = 3
    while True:
        chosen = port or free_port()
        process = _spawn(data, chosen, transition, *extra)
        url = f"{scheme}://127.0.0.1:{chosen}"
        try:
            _wait_healthy(process, url, chosen, verify)
            return process, url
        except PortTaken:
            if process.poll() is None:
                process.kill()
            process.wait(10)
            attempts -= 1
            if not attempts:
                raise
            time.sleep(0.5)


def start_emulator(
    data: Path, port: int | None = None, transition: float = TRANSITION_SECONDS, *options: str
) -> Emulator:
    """An emulator on loopback; ``options`` are more of its command's (``--region cn-shanghai``)."""
    process, url = _start(data, port, transition, "http", lambda: True, *options)
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
    ca = data / "tls" / "ca.pem"

    def trust() -> ssl.SSLContext | None:
        return ssl.create_default_context(cafile=str(ca)) if ca.is_file() else None

    process, url = _start(data, port, transition, "https", trust, "--tls")
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
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials check before the first check of a resource (tests of the inputs' rules,
    which need no service): the switch an offline preview sets. tests/test_credentials.py tests it."""
    monkeypatch.setenv("AGENTRUN_SKIP_CREDENTIALS_VALIDATION", "true")
    monkeypatch.setenv("QODER_SKIP_CREDENTIALS_VALIDATION", "true")


@pytest.fixture
def qoder_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Point the Qoder provider at the emulator through QODER_PAT and QODER_BASE_URL."""
    monkeypatch.setenv("QODER_PAT", QODER_TOKEN)
    monkeypatch.setenv("QODER_BASE_URL", emulator.url + "/api/v1/cloud")
    return emulator


os.environ.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")


# The longest tests (end-to-end runs of the real CLI, 15 to 60 s each), longest first: they start
# first, and the short tests fill in around them. Run in parallel (./run test: pytest-xdist), a long
# test started last would keep one worker busy long after the others ran out of work. Ordering
# only: a stale or missing name here costs time, never correctness.
LONGEST_FIRST = (
    "test_half_the_writes_failing_converges_in_two_runs",
    "test_rollout_example",
    "test_use_it_in_your_own_project",
    "test_huge_preview_is_trimmed",
    "test_a_timed_out_wait_is_recorded_and_the_next_up_converges",
    "test_a_fault_storm_converges_without_duplicates_or_orphans",
    "test_an_update_killed_mid_way_is_not_sent_again",
    "test_agentrun_runtime_example",
    "test_qoder_agent_example",
    "test_the_pipeline_against_the_emulator",
    "test_adopt_by_id_then_preview_clean_and_review_an_update",
    "test_runtime_update_secret_replace_and_failure",
    "test_run_demo_destroy_stop",
    "test_full_stack_example",
    "test_rollout_publish_and_traffic_shift",
    "test_the_resource_examples",
    "test_the_cli_killed_during_up_converges",
    "test_outputs_at_any_depth_under_the_engine",
    "test_refresh_reads_the_credentials_of_now",
)


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, hand the tests out one at a time, in the order below (unless the
    command line says otherwise). Its default sends each worker a first batch of consecutive
    tests, a quarter of its share, and with the longest tests first one worker would get them all."""
    if config.pluginmanager.hasplugin("xdist") and getattr(config.option, "maxschedchunk", 0) is None:
        config.option.maxschedchunk = 1


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected: the order of what runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """LONGEST_FIRST, then the other end-to-end tests, then the rest, each in collection order.

    Each of N xdist workers starts with two tests (the next one is always sent ahead), the first
    2N in order: worker k gets the k-th longest and the (2N-1-k)-th, so that the two longest (the
    rollout example in both modes) do not run one after the other on the same worker."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    e2e = Path(__file__).parent / "e2e"

    def order(item: pytest.Item) -> int:
        name = getattr(item, "originalname", item.name)
        if name in rank:
            return rank[name]
        return len(rank) + (0 if e2e in item.path.parents else 1)

    items.sort(key=order)
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if workers > 1 and 2 * workers <= len(items):
        head = items[: 2 * workers]
        items[: 2 * workers] = [item for k in range(workers) for item in (head[k], head[2 * workers - 1 - k])]
