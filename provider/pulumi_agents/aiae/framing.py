"""Reading the streamed answer from bytes as they arrive, in whichever framing the service uses.

The framing is not published, so the decoder is lenient and decides from the first non-blank
line (not the Content-Type, which services get wrong):

- ``data:``, ``event:``, ``id:``, ``retry:`` or a ``:`` comment: **Server-Sent Events**. ``data``
  lines of one event are joined with newlines; an event is handed out as soon as its data is
  complete JSON, so servers that leave out the blank separator line still stream chunk by chunk.
  ``data: [DONE]`` ends the stream. ``event:`` names travel with the payload; ``id:``/``retry:``
  and unknown fields are ignored, as the SSE specification says.
- ``{`` or ``[``: **newline-delimited JSON**, one value per line, blank lines skipped, a
  ``[DONE]`` line ends the stream. When the *first* line is not complete JSON the body is read
  as one JSON document instead (a pretty-printed ``{"error_code": ...}`` body, for instance).
- anything else: StreamError (an HTML error page from a proxy, say).

End of stream: ``[DONE]`` if the service sends it, else the end of the HTTP body. What is
left unterminated at the end is accepted when it is complete JSON (a missing final newline);
otherwise the stream was cut off (StreamError) or the chunk is broken (MalformedChunkError),
told apart by whether the JSON error is at the very end of the text. Lines end with ``\\n``,
``\\r\\n`` or ``\\r``, also when split across reads; UTF-8 characters may be split too.

>>> d = Decoder()
>>> d.feed(b'event: message\\ndata: {"type": "mes')
[]
>>> d.feed(b'sage"}\\n\\n')
[Payload(value={'type': 'message'}, event='message')]
>>> d.framing
'sse'
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_agents.aiae.errors import MalformedChunkError, StreamError

Framing = Literal["sse", "ndjson", "document"]
DONE = "[DONE]"
MAX_CHUNK_CHARS = 4_000_000  # bounds memory when a service never ends a line or an event
_EOL = re.compile(r"\r\n|\r|\n")
_SSE_FIELD = re.compile(r"(data|event|id|retry)(:|$)")


@dataclass(frozen=True)
class Payload:
    value: Any
    event: str | None = None


def _preview(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _parse_at_end(text: str, what: str) -> Any:
    """Parse what was left when the body ended: a JSON error at the very end means "cut off"."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # Unterminated strings run to the end of the text by definition.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise StreamError(f"the stream was cut off in the middle of {what}: {_preview(text)}") from None
        raise MalformedChunkError(f"{what} is not valid JSON ({exc.msg}): {_preview(text)}") from None


class Decoder:
    """Feed bytes with ``feed``, then call ``finish`` at the end of the body; both return payloads."""

    def __init__(self, *, max_chunk_chars: int = MAX_CHUNK_CHARS) -> None:
        self.framing: Framing | None = None
        self.done = False  # [DONE] seen: the caller stops reading
        self.count = 0  # payloads handed out so far
        self._max = max_chunk_chars
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._buffer = ""
        self._data: list[str] = []  # SSE: data lines of the event being read
        self._event: str | None = None
        self._document: list[str] = []

    def feed(self, data: bytes) -> list[Payload]:
        if self.done:
            return []
        return self._split(self._decode(data, final=False), final=False)

    def finish(self) -> list[Payload]:
        """The end of the body: hand out what is left, or say why it cannot be complete."""
        if self.done:
            return []
        out = self._split(self._decode(b"", final=True), final=True)
        if self.done:
            return out
        if self.framing == "sse" and self._data:
            out.append(self._payload(_parse_at_end("\n".join(self._data), f"chunk {self.count + 1}"), self._event))
            self._data = []
        elif self.framing == "document":
            value = _parse_at_end("\n".join(self._document), "the answer (a JSON document)")
            out.append(self._payload(value, None))
        return out

    # -- lines ------------------------------------------------------------------------------

    def _decode(self, data: bytes, *, final: bool) -> str:
        try:
            return self._utf8.decode(data, final)
        except UnicodeDecodeError as exc:
            raise MalformedChunkError(f"the answer is not UTF-8 text ({exc.reason})") from None

    def _split(self, text: str, *, final: bool) -> list[Payload]:
        buffer = self._buffer + text
        out: list[Payload] = []
        pos = 0
        while not self.done:
            match = _EOL.search(buffer, pos)
            if match is None:
                break
            # A "\r" at the end may be the first half of "\r\n": wait for the next read.
            if match.group() == "\r" and match.end() == len(buffer) and not final:
                break
            out += self._line(buffer[pos : match.start()], terminated=True)
            pos = match.end()
        rest = "" if self.done else buffer[pos:]
        if final and rest:
            out += self._line(rest, terminated=False)
            rest = ""
        if len(rest) > self._max:
            raise MalformedChunkError(f"a line of the answer is longer than {self._max} characters")
        self._buffer = rest
        return out

    def _line(self, line: str, *, terminated: bool) -> list[Payload]:
        if self.framing is None:
            line = line.removeprefix("\ufeff")
            if not line.strip():
                return []
            self.framing = self._sniff(line)
        if self.framing == "sse":
            return self._sse_line(line)
        if self.framing == "ndjson":
            return self._ndjson_line(line, terminated=terminated)
        self._document.append(line)
        if sum(map(len, self._document)) > self._max:
            raise MalformedChunkError(f"the answer is longer than {self._max} characters")
        return []

    @staticmethod
    def _sniff(line: str) -> Framing:
        if line.startswith(":") or _SSE_FIELD.match(line):
            return "sse"
        if line.lstrip().startswith(("{", "[")):
            return "ndjson"
        raise StreamError(
            f"the answer is neither Server-Sent Events nor JSON lines; it starts with {_preview(line.strip())}"
        )

    def _payload(self, value: Any, event: str | None) -> Payload:
        self.count += 1
        return Payload(value, event)

    # -- newline-delimited JSON -------------------------------------------------------------

    def _ndjson_line(self, line: str, *, terminated: bool) -> list[Payload]:
        text = line.strip()
        if not text:
            return []
        if text == DONE:
            self.done = True
            return []
        what = f"chunk {self.count + 1}"
        if not terminated:
            return [self._payload(_parse_at_end(text, what), None)]
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if self.count == 0 and not self._document:
                # Not one value per line: read the whole body as one (pretty-printed) document.
                self.framing = "document"
                self._document.append(line)
                return []
            raise MalformedChunkError(f"{what} is not valid JSON ({exc.msg}): {_preview(text)}") from None
        return [self._payload(value, None)]

    # -- Server-Sent Events -----------------------------------------------------------------

    def _sse_line(self, line: str) -> list[Payload]:
        if not line:
            return self._sse_dispatch()
        if line.startswith(":"):
            return []  # a comment: keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            if not self._data and value.strip() == DONE:
                self.done = True
                return []
            self._data.append(value)
            text = "\n".join(self._data)
            if len(text) > self._max:
                raise MalformedChunkError(f"chunk {self.count + 1} is longer than {self._max} characters")
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                return []  # more data lines may follow; the blank line decides
            event, self._data, self._event = self._event, [], None
            return [self._payload(parsed, event)]
        return []  # id, retry and unknown fields carry nothing for us

    def _sse_dispatch(self) -> list[Payload]:
        """A blank line ends the event: data still pending here is data that never parsed."""
        data, event, self._data, self._event = self._data, self._event, [], None
        if not data:
            return []
        text = "\n".join(data)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedChunkError(
                f"chunk {self.count + 1} is not valid JSON ({exc.msg}): {_preview(text)}"
            ) from None
        return [self._payload(value, event)]
