"""Sending requests with retries that never duplicate a write.

Idempotent requests (reads, deletes, writes carrying an idempotency key) are retried on
connection errors, timeouts, 429 and 5xx. Other writes are retried only when the request
surely did not reach the service (connection refused) or was refused before any work (429);
after a timeout or a 5xx the caller has to find out what happened (e.g. look the resource up).
"""

from __future__ import annotations

import email.utils
import functools
import logging
import random
import ssl
import threading
import time
import urllib.request
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from pulumi_agents.errors import TransportError

log = logging.getLogger("pulumi_agents.http")

_pool: dict[tuple[str, float], httpx.Client] = {}
_pool_lock = threading.Lock()
# A shared client -> the transport its requests that are read whole go to directly (see send).
_direct: weakref.WeakKeyDictionary[httpx.Client, httpx.HTTPTransport] = weakref.WeakKeyDictionary()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Building one costs ~20-45 ms of CPU (loading the CA bundle): once per process.
    return httpx.create_ssl_context()


@functools.cache
def _trusts_nothing() -> ssl.SSLContext:
    # For a plain-HTTP address (the emulator) no CA bundle is loaded; should TLS ever be spoken
    # through such a client, it verifies against no CA and fails closed.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def shared_client(base_url: str, timeout: float) -> httpx.Client:
    """One client per service address and timeout for this whole process, reused by every call and
    thread (httpx clients are thread-safe): its connections stay open between provider calls, and
    nothing pays for a new SSL context per call. Never close it: it lives as long as the process."""
    key = (base_url, timeout)
    with _pool_lock:
        client = _pool.get(key)
        if client is None or client.is_closed:
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
            verify = _trusts_nothing() if base_url.startswith("http://") else _ssl_context()
            client = httpx.Client(base_url=base_url, timeout=timeout, verify=verify, limits=limits)
            _pool[key] = client
            if not urllib.request.getproxies():
                # With a proxy in the environment httpx picks a transport per URL: the client
                # sends everything then. Else one of the same settings takes them directly.
                _direct[client] = httpx.HTTPTransport(verify=verify, limits=limits)
        return client


RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter backoff; never sooner than the server's Retry-After."""
        backoff = random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
        if retry_after is None:
            return backoff
        return max(min(retry_after, self.max_retry_after), backoff)


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def send(
    client: httpx.Client,
    build: Callable[[], httpx.Request],
    *,
    idempotent: bool,
    what: str,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stream: bool = False,
    setting: str = "",
) -> httpx.Response:
    """Send ``build()`` (rebuilt each attempt, so signatures stay fresh) until a final answer.

    With ``stream`` the body is left unread: the caller reads it and closes the response.
    ``setting`` says where the service's address comes from (a config key, an environment
    variable): a connection error names it beside the address, so the reader knows what to fix.
    Each retry logs one warning line (what failed, the address, the attempt, the wait).
    """
    policy = policy or RetryPolicy()
    started = time.monotonic()
    for attempt in range(policy.attempts):
        last = attempt == policy.attempts - 1
        request = build()
        try:
            response = _sent(client, request, stream)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            problem = f"cannot connect to {address(request)} ({exc or type(exc).__name__})"
            if last:
                took = time.monotonic() - started
                tried = f" after {policy.attempts} attempts in {took:.1f} s" if policy.attempts > 1 else ""
                where = f"; the address comes from {setting}" if setting else ""
                raise TransportError(f"{what}: {problem}{tried}{where}") from None
            wait = policy.delay(attempt, None)
        except httpx.TransportError as exc:
            kind = type(exc).__name__
            problem = f"no answer from {address(request)} ({kind}: {exc})"
            if not idempotent or last:
                raise TransportError(f"{what}: {problem}") from None
            wait = policy.delay(attempt, None)
        else:
            status = response.status_code
            retry = status in RETRYABLE_STATUS and (idempotent or status == 429)
            if not retry or last:
                return response
            problem = f"{address(request)} answered {status}"
            wait = policy.delay(attempt, retry_after_seconds(response))
            response.close()
        log.warning("%s: %s; attempt %d of %d, retrying in %.1f s", what, problem, attempt + 1, policy.attempts, wait)
        sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _sent(client: httpx.Client, request: httpx.Request, stream: bool) -> httpx.Response:
    """The answer to ``request``, read whole unless ``stream``. A shared client's requests that
    are read whole skip the client's send, which adds what these calls never use (cookies, auth,
    redirects, event hooks): 0.1-0.2 ms of CPU a request, a sixth of a refresh's read."""
    transport = None if stream else _direct.get(client)
    if transport is None:
        return client.send(request, stream=stream)
    response = transport.handle_request(request)
    response.request = request
    try:
        response.read()  # which gives the connection back to the pool
    except BaseException:
        response.close()
        raise
    return response


def address(request: httpx.Request) -> str:
    """The service's address of a request: scheme, host and port, without path or query (which
    may carry signatures or ids the reader does not need to fix a connection)."""
    url = request.url
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"
