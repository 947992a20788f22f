"""The stream decoder and chunk parser on bytes split at every awkward boundary."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from pulumi_agents.aiae.chunks import ModelResponseChunk, OtherChunk, ToolHintChunk, ToolInvokeChunk, parse_chunk
from pulumi_agents.aiae.errors import MalformedChunkError, StreamError
from pulumi_agents.aiae.framing import Decoder, Payload


def envelope(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"request_id": "r1", "agent_id": "a1", "user_id": "u1", "conversation_id": "c1", "type": kind, "data": data}


CHUNKS = [
    envelope("hint", {"id": "t1", "name": "weather", "type": "tool"}),
    envelope("tool", {"id": "t1", "name": "weather", "status": "SUCCESS", "request": {"city": "深圳"}, "response": {}}),
    envelope("message", {"id": "m1", "content": "你好, "}),
    envelope("message", {"id": "m2", "content": "world\n"}),
]
SSE = "".join(
    f": keep-alive\r\nid: {i}\r\nevent: {c['type']}\r\ndata: {json.dumps(c, ensure_ascii=False)}\r\n\r\n"
    for i, c in enumerate(CHUNKS)
).encode()
NDJSON = ("\n".join(json.dumps(c, ensure_ascii=False) for c in CHUNKS) + "\n\n").encode()


def decode(pieces: Iterable[bytes]) -> tuple[list[Payload], Decoder]:
    decoder = Decoder()
    out: list[Payload] = []
    for piece in pieces:
        out += decoder.feed(piece)
    return out + decoder.finish(), decoder


def splits(body: bytes) -> Iterable[list[bytes]]:
    """The body in two pieces at every position, then one byte at a time."""
    for i in range(len(body) + 1):
        yield [body[:i], body[i:]]
    yield [body[i : i + 1] for i in range(len(body))]


@pytest.mark.parametrize(("body", "framing"), [(SSE, "sse"), (NDJSON, "ndjson")])
def test_every_split_gives_the_same_chunks(body: bytes, framing: str) -> None:
    for pieces in splits(body):
        payloads, decoder = decode(pieces)
        assert [p.value for p in payloads] == CHUNKS
        assert decoder.framing == framing
    if framing == "sse":
        assert [p.event for p in decode([body])[0]] == ["hint", "tool", "message", "message"]


def test_sse_chunks_are_handed_out_as_soon_as_complete_even_without_blank_lines() -> None:
    decoder = Decoder()
    first, second = (json.dumps(c) for c in CHUNKS[:2])
    assert decoder.feed(f"data: {first}\n".encode()) == [Payload(CHUNKS[0])]
    assert decoder.feed(f"data: {second}\n".encode()) == [Payload(CHUNKS[1])]
    assert decoder.finish() == []


def test_sse_data_over_several_lines_is_one_chunk() -> None:
    text = json.dumps(CHUNKS[0], indent=2)
    body = "event: hint\n" + "".join(f"data: {line}\n" for line in text.splitlines()) + "\n"
    assert decode([body.encode()])[0] == [Payload(CHUNKS[0], "hint")]


def test_lone_carriage_returns_end_lines_even_when_split_from_their_line_feed() -> None:
    body = f"data: {json.dumps(CHUNKS[2])}\r\rdata: {json.dumps(CHUNKS[3])}\r".encode()
    for pieces in splits(body):
        assert [p.value for p in decode(pieces)[0]] == CHUNKS[2:]


@pytest.mark.parametrize("end", [b"data: [DONE]\n\n", b"[DONE]\n"])
def test_done_ends_the_stream_and_what_follows_is_ignored(end: bytes) -> None:
    body = SSE if end.startswith(b"data") else NDJSON
    payloads, decoder = decode([body + end + b"data: not json at all\n\n"])
    assert decoder.done and len(payloads) == len(CHUNKS)


def test_a_last_line_without_newline_is_accepted_when_complete() -> None:
    assert len(decode([NDJSON.rstrip()])[0]) == len(CHUNKS)
    assert len(decode([SSE.rstrip()])[0]) == len(CHUNKS)


def test_a_pretty_printed_json_document_is_one_payload() -> None:
    body = json.dumps({"error_code": "AIAE.22001001", "error_msg": "authentication failed"}, indent=2).encode()
    for pieces in splits(body):
        payloads, decoder = decode(pieces)
        assert payloads == [Payload({"error_code": "AIAE.22001001", "error_msg": "authentication failed"})]
        assert decoder.framing == "document"


@pytest.mark.parametrize(
    "body",
    [
        NDJSON + b'{"type": "message", "data": {"cont',
        SSE + b'data: {"type": "message", "data": {"cont',
        SSE + b'data: {"type": "message",\ndata: "data": {"content": "x"}',
        b'{\n  "error_code": "AIAE.22001001",\n',
    ],
)
def test_a_body_ending_inside_a_chunk_was_cut_off(body: bytes) -> None:
    with pytest.raises(StreamError, match="cut off in the middle of") as info:
        decode([body])
    assert not isinstance(info.value, MalformedChunkError)


@pytest.mark.parametrize(
    "body",
    [
        SSE + b"data: {oops}\n\n",
        NDJSON + b"{oops}\n" + NDJSON,
        b'{"type": "hint"}\nnot json\n',
        b"data: \xff\xfe\n\n",
    ],
)
def test_a_broken_chunk_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedChunkError):
        decode([body])


def test_an_unknown_framing_is_an_error_that_shows_the_start() -> None:
    with pytest.raises(StreamError, match=r"neither Server-Sent Events nor JSON lines.*<html>"):
        decode([b"\n<html><body>502 Bad Gateway</body></html>\n"])


def test_an_empty_body_gives_nothing() -> None:
    payloads, decoder = decode([b"", b"\n\n"])
    assert payloads == [] and decoder.framing is None


def test_a_never_ending_line_is_bounded() -> None:
    decoder = Decoder(max_chunk_chars=100)
    with pytest.raises(MalformedChunkError, match="longer than 100"):
        for _ in range(10):
            decoder.feed(b'{"x": "' + b"a" * 50)


# -- chunk parsing ------------------------------------------------------------------------------


def test_chunks_are_typed_by_their_envelope_type() -> None:
    hint, tool, message, _ = (parse_chunk(c, i + 1) for i, c in enumerate(CHUNKS))
    assert isinstance(hint, ToolHintChunk) and (hint.id, hint.name, hint.tool_type) == ("t1", "weather", "tool")
    assert isinstance(tool, ToolInvokeChunk) and tool.ok and tool.request == {"city": "深圳"}
    assert isinstance(message, ModelResponseChunk) and message.content == "你好, "
    assert (message.request_id, message.agent_id, message.user_id, message.conversation_id, message.type) == (
        "r1",
        "a1",
        "u1",
        "c1",
        "message",
    )
    assert message.envelope == CHUNKS[2]
    knowledge = parse_chunk(envelope("knowledge", {"id": "k", "name": "kb", "status": "FAILED"}), 1)
    assert isinstance(knowledge, ToolInvokeChunk) and knowledge.type == "knowledge" and not knowledge.ok
    other = parse_chunk(envelope("reasoning", {"text": "hmm"}), 1)
    assert isinstance(other, OtherChunk) and other.data == {"text": "hmm"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1, 2], r"chunk 3: expected a JSON object, got list"),
        ({"data": {}}, r"chunk 3: type must be a non-empty string"),
        (envelope("message", {"content": 5.5}), r"chunk 3 \(message\): data: content must be a string, got float"),
        ({"type": "hint", "data": "tool"}, r"chunk 3 \(hint\): data must be an object"),
        ({**envelope("message", {}), "request_id": ["x"]}, r"chunk 3 \(message\): request_id must be a string"),
    ],
)
def test_a_chunk_of_the_wrong_shape_is_malformed(value: Any, message: str) -> None:
    with pytest.raises(MalformedChunkError, match=message):
        parse_chunk(value, 3)
