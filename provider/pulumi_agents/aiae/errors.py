"""What can go wrong when calling a published AIAE agent, one class per way it fails.

- ``AiaeError``: the service said no with ``{"error_code", "error_msg"}``, as the whole body
  (even with HTTP 200, as it does for AIAE.22001xxx) or as a chunk in the middle of the stream;
- ``StreamError``: the answer broke: cut off, empty, or not in a framing this client reads;
  ``MalformedChunkError`` when one chunk is not a JSON object of the documented shape,
  ``StreamTimeout`` when the stream went silent (idle timeout) or ran over the overall limit;
- ``InvalidRequestError``: the request is wrong before anything is sent; names the field.

Connection failures, and silence longer than the idle timeout before the answer's headers,
are ``pulumi_agents.errors.TransportError`` (raised by the shared retry loop). No message
ever holds the API key or a sensitive variable's value: see ``redact``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pulumi_agents.errors import ApiError, PulumiAgentsError

SERVICE = "AIAE"
OPERATION = "execute"


class AiaeError(ApiError):
    """The service answered with an error object; ``in_stream`` when it came after chunks."""

    def __init__(
        self, status: int, code: str, message: str, request_id: str | None = None, *, chunks_before: int = 0
    ) -> None:
        super().__init__(SERVICE, OPERATION, status, code, message, request_id)
        self.chunks_before = chunks_before
        if chunks_before:
            self.args = (f"{self.args[0]} (in the stream, after {chunks_before} chunks)",)


class StreamError(PulumiAgentsError):
    """The streamed answer broke before its end, or cannot be read."""


class MalformedChunkError(StreamError):
    """A chunk is not valid JSON, or not an object of the documented shape."""


class StreamTimeout(StreamError):
    """No data within the idle timeout, or the whole answer took longer than the overall limit."""


class InvalidRequestError(PulumiAgentsError, ValueError):
    """The request was refused before sending; the message starts with the field's path."""


SHORT_SECRET = 8


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***`` (longest first, so overlaps go too).

    A short secret (under 8 characters, e.g. a sensitive variable set to ``eu``) is masked where it
    stands alone, not inside longer words: masking every ``k`` would garble ``chunk``.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(secret) >= SHORT_SECRET:
            text = text.replace(secret, "***")
        else:
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(secret)}(?![A-Za-z0-9_])", "***", text)
    return text


def redacted(exc: PulumiAgentsError, secrets: Iterable[str]) -> PulumiAgentsError:
    """The same error with secrets masked in its message (a new object only when needed)."""
    secrets = list(secrets)
    if redact(str(exc), secrets) == str(exc):
        return exc
    if isinstance(exc, AiaeError):
        return AiaeError(
            exc.status, exc.code, redact(exc.message, secrets), exc.request_id, chunks_before=exc.chunks_before
        )
    return type(exc)(redact(str(exc), secrets))
