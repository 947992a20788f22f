"""Calling a published AIAE agent and reading its streamed answer as it arrives.

>>> import os
>>> from pulumi_agents.aiae import AiaeClient, ModelResponseChunk
>>> url = "https://aiae.appstage.myhuaweicloud.com/v1/routes/open/<agent id>/execute"
>>> with AiaeClient(url, os.environ["AIAE_API_KEY"]) as client:                # doctest: +SKIP
...     with client.stream("Where is my order?", user_id="u-1", conversation_id="c-9") as answer:
...         for chunk in answer:                                                # as each arrives
...             if isinstance(chunk, ModelResponseChunk):
...                 print(chunk.content, end="", flush=True)
...         result = answer.result()           # text, tool calls, ids, chunk count, latency
...     result = client.invoke("Hello", sensitive_variables={"erp_token": "..."})  # all at once

Errors (see ``aiae.errors``): an ``{"error_code", "error_msg"}`` body or chunk is an AiaeError
whatever the HTTP status; a stream cut off, malformed or empty is a StreamError; silence longer
than ``Timeouts.idle`` or a call longer than ``Timeouts.total`` is a StreamTimeout. The total
limit is checked as each piece of the body arrives and bounds the connection retries; a silent
connection is caught by the idle timeout, so a call never lasts much beyond ``total``.

Retries: an agent call is not idempotent, so only what surely did not reach the service is
retried (connection refused or timed out while connecting, and 429), never a call that may have
started, and never once the answer has begun.

The API key and sensitive values are sent and never kept anywhere else: not in reprs, log
lines (names and sizes only) or error messages (masked as ``***`` even if the service echoes
them).
"""

from __future__ import annotations

import collections
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from pulumi_agents import _http
from pulumi_agents.aiae.chunks import AnyChunk, InvokeResult, Transcript, parse_chunk
from pulumi_agents.aiae.errors import (
    AiaeError,
    InvalidRequestError,
    StreamError,
    StreamTimeout,
    redact,
    redacted,
)
from pulumi_agents.aiae.framing import Decoder, Payload
from pulumi_agents.aiae.request import AgentRequest, Scalar
from pulumi_agents.errors import PulumiAgentsError, TransportError

log = logging.getLogger("pulumi_agents.aiae")

WHAT = "AIAE execute"
# Both framings are welcome; a service that cares picks one (the emulator keeps its default).
DEFAULT_ACCEPT = "text/event-stream, application/x-ndjson, application/json"
MAX_ERROR_BODY = 64 * 1024
_API_KEY = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class Timeouts:
    """Seconds: ``connect`` per attempt, ``idle`` between two pieces of the answer (and before
    the first), ``total`` for the whole call."""

    connect: float = 10.0
    idle: float = 60.0
    total: float = 300.0

    def __post_init__(self) -> None:
        for name in ("connect", "idle", "total"):
            if not getattr(self, name) > 0:
                raise InvalidRequestError(f"timeouts.{name}: must be a positive number of seconds")

    def for_httpx(self) -> httpx.Timeout:
        read = min(self.idle, self.total)
        return httpx.Timeout(connect=min(self.connect, self.total), read=read, write=read, pool=self.connect)


class ChunkStream:
    """The answer as an iterator of typed chunks, each handed out as soon as it is complete.

    Use it in a ``with`` block (or exhaust it, or call ``result``) so the connection is released.
    After an error every further ``next`` raises the same error.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        started: float,
        timeouts: Timeouts,
        secrets: Sequence[str],
    ) -> None:
        self._response, self._started, self._timeouts = response, started, timeouts
        self._secrets = list(secrets)
        self._deadline = started + timeouts.total
        self._pieces: Iterator[bytes] = response.iter_bytes()
        self._decoder = Decoder()
        self._queue: collections.deque[Payload] = collections.deque()
        self._transcript = Transcript()
        self._header_request_id = response.headers.get("x-request-id")
        self._ended = False  # the body is fully read (or [DONE] seen)
        self._error: PulumiAgentsError | None = None
        self._first_chunk: float | None = None
        self._finished_at: float | None = None

    @property
    def framing(self) -> str | None:
        return self._decoder.framing

    def __iter__(self) -> ChunkStream:
        return self

    def __next__(self) -> AnyChunk:
        if self._error is not None:
            raise self._error
        try:
            while not self._queue:
                if self._ended:
                    self._finish()
                    raise StopIteration
                self._pump()
            chunk = self._convert(self._queue.popleft())
        except PulumiAgentsError as exc:
            self._error = redacted(exc, self._secrets)
            self.close()
            raise self._error from None
        if self._first_chunk is None:
            self._first_chunk = time.monotonic() - self._started
        self._transcript.add(chunk)
        return chunk

    def result(self) -> InvokeResult:
        """Read the rest of the answer (chunks not yet taken are assembled too) and sum it up."""
        for _ in self:
            pass
        finished = self._finished_at or time.monotonic()
        return self._transcript.result(
            latency=finished - self._started, first_chunk=self._first_chunk, framing=self.framing
        )

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> ChunkStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ChunkStream(framing={self.framing!r}, chunks={self._transcript.count}, ended={self._ended})"

    # -- reading ----------------------------------------------------------------------------

    def _pump(self) -> None:
        """Read the next piece of the body into the queue, or notice the end."""
        count = self._transcript.count + len(self._queue)
        self._check_deadline(count)
        try:
            piece = next(self._pieces, None)
        except httpx.TimeoutException:
            raise StreamTimeout(
                f"{WHAT}: no data for {self._timeouts.for_httpx().read:g}s after {count} chunks (idle timeout)"
            ) from None
        except httpx.StreamError:
            raise StreamError(f"{WHAT}: the stream was closed before its end") from None
        except httpx.RequestError as exc:
            raise StreamError(
                f"{WHAT}: the stream was cut off after {count} chunks ({type(exc).__name__}: {exc})"
            ) from None
        self._check_deadline(count)
        try:
            payloads = self._decoder.finish() if piece is None else self._decoder.feed(piece)
        except StreamError as exc:
            raise type(exc)(f"{WHAT}: {exc}") from None
        for payload in payloads:
            # A JSON array of chunks is read as its chunks.
            items = payload.value if isinstance(payload.value, list) else [payload.value]
            self._queue.extend(Payload(item, payload.event) for item in items)
        if piece is None or self._decoder.done:
            self._ended = True
            self.close()

    def _check_deadline(self, count: int) -> None:
        if time.monotonic() > self._deadline:
            raise StreamTimeout(
                f"{WHAT}: the answer took longer than the overall limit of {self._timeouts.total:g}s "
                f"({count} chunks so far)"
            )

    def _convert(self, payload: Payload) -> AnyChunk:
        value, before = payload.value, self._transcript.count
        if isinstance(value, dict) and value.get("error_code"):
            raise AiaeError(
                self._response.status_code,
                str(value["error_code"]),
                redact(str(value.get("error_msg") or ""), self._secrets),
                str(value.get("request_id") or self._header_request_id or "") or None,
                chunks_before=before,
            )
        if payload.event == "error":
            text = redact(json.dumps(value, ensure_ascii=False)[:200], self._secrets)
            raise AiaeError(
                self._response.status_code, "StreamError", text, self._header_request_id, chunks_before=before
            )
        try:
            return parse_chunk(value, before + 1)
        except StreamError as exc:
            raise type(exc)(f"{WHAT}: {exc}") from None

    def _finish(self) -> None:
        if self._finished_at is not None:
            return
        if self._transcript.count == 0:
            raise StreamError(f"{WHAT}: the answer ended before its first chunk (empty stream)")
        self._finished_at = time.monotonic()
        log.info(
            "%s: %d chunks in %.2fs (request id %s)",
            WHAT,
            self._transcript.count,
            self._finished_at - self._started,
            self._transcript.ids["request_id"] or self._header_request_id,
        )


class AiaeClient:
    """Calls one published agent (its full ``.../v1/routes/open/{agent id}/execute`` address)."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeouts: Timeouts | None = None,
        retry: _http.RetryPolicy | None = None,
        accept: str = DEFAULT_ACCEPT,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidRequestError(f"url: must be an http(s) address, got {url!r}")
        if not isinstance(api_key, str) or not _API_KEY.fullmatch(api_key):
            # Never shown: it is the secret.
            raise InvalidRequestError("api key: must be a non-empty string of printable characters without spaces")
        self.url, self.accept = url, accept
        self.timeouts = timeouts or Timeouts()
        self._api_key = api_key
        self._retry = retry or _http.RetryPolicy(attempts=4)
        self._http = httpx.Client(timeout=self.timeouts.for_httpx(), follow_redirects=False)

    def __repr__(self) -> str:
        return f"AiaeClient(url={self.url!r}, api_key='***', timeouts={self.timeouts!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AiaeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stream(
        self,
        query: str,
        *,
        memory: Sequence[Mapping[str, Any]] | None = None,
        user_id: str | None = None,
        conversation_id: str | None = None,
        common_variables: Mapping[str, Scalar] | None = None,
        sensitive_variables: Mapping[str, Scalar] | None = None,
    ) -> ChunkStream:
        """Send the question (checked first: InvalidRequestError) and return the answer's stream."""
        request = AgentRequest(
            query,
            memory=memory,
            user_id=user_id,
            conversation_id=conversation_id,
            common_variables=common_variables or {},
            sensitive_variables=sensitive_variables or {},
        )
        return self.send(request)

    def invoke(
        self,
        query: str,
        *,
        memory: Sequence[Mapping[str, Any]] | None = None,
        user_id: str | None = None,
        conversation_id: str | None = None,
        common_variables: Mapping[str, Scalar] | None = None,
        sensitive_variables: Mapping[str, Scalar] | None = None,
    ) -> InvokeResult:
        """Send the question and read the whole answer."""
        with self.stream(
            query,
            memory=memory,
            user_id=user_id,
            conversation_id=conversation_id,
            common_variables=common_variables,
            sensitive_variables=sensitive_variables,
        ) as answer:
            return answer.result()

    def send(self, request: AgentRequest) -> ChunkStream:
        """Send a prepared request; the answer's headers have arrived when this returns."""
        secrets = [self._api_key, *request.secrets()]
        payload = json.dumps(request.body(), ensure_ascii=False).encode()
        headers = {
            "authorization": f"Bearer {self._api_key}",
            "content-type": "application/json; charset=utf-8",
            "accept": self.accept,
        }
        started = time.monotonic()
        log.debug("%s %s: %s", WHAT, self.url, request.describe())
        try:
            response = _http.send(
                self._http,
                lambda: self._http.build_request("POST", self.url, content=payload, headers=headers),
                idempotent=False,
                stream=True,
                what=WHAT,
                policy=self._retry,
                sleep=self._sleep_until(started + self.timeouts.total),
            )
        except PulumiAgentsError as exc:
            raise redacted(exc, secrets) from None
        if not response.is_success:
            raise redacted(_status_error(response), secrets) from None
        return ChunkStream(response, started=started, timeouts=self.timeouts, secrets=secrets)

    def _sleep_until(self, deadline: float) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            if time.monotonic() + seconds > deadline:
                raise TransportError(f"{WHAT}: cannot connect within the overall limit of {self.timeouts.total:g}s")
            time.sleep(seconds)

        return sleep


def _status_error(response: httpx.Response) -> AiaeError:
    """The error for a non-2xx answer: the service's error object if there is one."""
    body = b""
    try:
        for piece in response.iter_bytes():
            body += piece
            if len(body) >= MAX_ERROR_BODY:
                break
    except httpx.RequestError:
        pass  # what arrived is enough to describe the error
    finally:
        response.close()
    status, request_id = response.status_code, response.headers.get("x-request-id")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("error_code"):
        rid = str(parsed.get("request_id") or request_id or "") or None
        return AiaeError(status, str(parsed["error_code"]), str(parsed.get("error_msg") or ""), rid)
    text = body.decode("utf-8", "replace").strip()
    text = text if len(text) <= 200 else text[:197] + "..."
    return AiaeError(status, response.reason_phrase or "Error", text or "(empty body)", request_id)
