"""What every emulated API refuses before any service logic runs: bodies over a size limit, JSON
nested too deeply (or otherwise not plain JSON), and bodies that are not sent as JSON.

Size: ``BodyLimitMiddleware`` answers 413, in the envelope of the service owning the path, as soon
as ``Content-Length`` says the body is too large (without reading it) or, for a body sent without
a length (chunked), as soon as the bytes received pass the limit: it never holds more than the
limit in memory. Each service's ``routes`` module names its limit in ``MAX_BODY_BYTES``; other
paths (the ``/_emulator`` test controls) take ``DEFAULT_MAX_BODY_BYTES``.

JSON: ``parse_json`` reads UTF-8 JSON as a strict parser does. It refuses, with ``BadJson``
(a ValueError) and never a RecursionError:

- nesting deeper than ``MAX_JSON_DEPTH`` (counted on the bytes before parsing, so 10,000 levels
  of ``[[[...`` cost one pass over the body and no recursion). 64 is far more than any body of
  these APIs needs (the deepest, an AgentRun runtime's registry credentials, is 4 levels) and
  far from Python's recursion limit, which the services' copies and serialisations also use;
- ``NaN``, ``Infinity`` and numbers too large for a double (``1e400``): not JSON (RFC 8259), and
  no JSON answer could carry them back;
- strings with an unpaired UTF-16 surrogate (``"\\ud800"``): they cannot be encoded as UTF-8, so
  no answer could echo them;
- anything that is not UTF-8.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable
from itertools import accumulate, repeat
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the JSON helpers need no extra; only the middleware runs inside the server
    from fastapi.responses import JSONResponse
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    ErrorAnswer = Callable[[int, str], JSONResponse]

MAX_JSON_DEPTH = 64
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class BadJson(ValueError):
    """The body is not JSON this emulator accepts; the message says why, starting with "body"."""


# -- JSON ------------------------------------------------------------------------------------

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
# Keep only brackets, mapped to 2 (opening) and 0 (closing): depth is the running sum of (x - 1).
_BRACKETS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[{]}"))
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]", re.ASCII)


def json_depth(raw: bytes) -> int:
    """How deeply the brackets of a JSON text nest, strings ignored (exact for valid JSON; for
    invalid JSON no more than a parser would descend before it gives up)."""
    bare = _STRING.sub(b"", _ESCAPE.sub(b"", raw))
    marks = bare.translate(_BRACKETS, _NOT_BRACKETS)
    return max(accumulate(map(operator.sub, marks, repeat(1))), default=0)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJson(f"body has the number {text[:40]}, too large for a JSON number")
    return value


def _no_constant(name: str) -> Any:
    raise BadJson(f"body has {name}, which is not a JSON value")


def parse_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of ``raw``, or BadJson saying why it is refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson("body is not UTF-8") from None
    depth = json_depth(raw)
    if depth > max_depth:
        raise BadJson(f"body nests {depth} levels deep (at most {max_depth})")
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except BadJson:
        raise
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise BadJson(f"body nests too deeply (at most {max_depth} levels)") from None
    except ValueError as exc:
        raise BadJson(f"body is not valid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadJson("body has a string with an unpaired UTF-16 surrogate (\\ud800-\\udfff)") from None
    return value


# -- content types ---------------------------------------------------------------------------


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` (any case), with no charset or a UTF-8 one: what the official SDKs
    send (``application/json; charset=utf-8``) and what a JSON API accepts."""
    if not content_type:
        return False
    media, *params = (part.strip() for part in content_type.split(";"))
    if media.lower() != "application/json":
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


# -- body size -------------------------------------------------------------------------------


class BodyLimitMiddleware:
    """413 for a body over the limit of the path's service, without reading more than the limit.

    ``limits`` holds (path prefix, limit in bytes, answer) with the longest prefix first; a path
    under none of them gets ``default``. The body is read here, up to the limit, and handed on as
    one message: the routes read bodies whole anyway.
    """

    def __init__(
        self, app: ASGIApp, limits: list[tuple[str, int, ErrorAnswer]], default: tuple[int, ErrorAnswer]
    ) -> None:
        self.app, self.limits, self.default = app, limits, default

    def _limit_for(self, path: str) -> tuple[int, ErrorAnswer]:
        for prefix, limit, answer in self.limits:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit, answer
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, answer = self._limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                await answer(400, "Content-Length must be a whole number of bytes")(scope, receive, send)
                return
            if length > limit:
                await self._too_large(answer, limit, scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(answer, limit, scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _too_large(answer: ErrorAnswer, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        await answer(413, f"the request body is larger than {_size(limit)} ({limit} bytes)")(scope, receive, send)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"
