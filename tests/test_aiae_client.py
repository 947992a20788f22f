"""The AIAE client against the emulator over loopback: streaming, recall, and every error path."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pulumi_agents._http import RetryPolicy
from pulumi_agents.aiae import (
    AiaeClient,
    AiaeError,
    InvalidRequestError,
    MalformedChunkError,
    ModelResponseChunk,
    StreamError,
    StreamTimeout,
    Timeouts,
    ToolHintChunk,
    ToolInvokeChunk,
)
from pulumi_agents.errors import TransportError
from tests.aiae_support import agent_url, client
from tests.conftest import Emulator, free_port

SECRET = "erp-token-7d41be0c"
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)


def kinds(chunks: list[Any]) -> list[str]:
    return [c.type for c in chunks]


# -- success --------------------------------------------------------------------------------------


def test_an_answer_streams_as_typed_chunks_and_assembles(emulator: Emulator) -> None:
    with client(emulator) as aiae, aiae.stream("How many words is this?", user_id="ana") as answer:
        chunks = list(answer)
        result = answer.result()
    assert kinds(chunks)[:4] == ["hint", "tool", "hint", "knowledge"]
    assert set(kinds(chunks)[4:]) == {"message"} and len(chunks) > 6  # the text comes in several pieces
    hint, tool = chunks[0], chunks[1]
    assert isinstance(hint, ToolHintChunk) and (hint.name, hint.tool_type) == ("word_count", "tool")
    assert isinstance(tool, ToolInvokeChunk) and tool.ok and tool.response == {"words": 5}
    assert all(c.agent_id == "demo-agent" and c.user_id == "ana" and c.request_id for c in chunks)

    pieces = [c.content for c in chunks if isinstance(c, ModelResponseChunk)]
    assert result.text == "".join(pieces)
    assert result.text.startswith("You asked: How many words is this?. Hello, ana.")
    assert [(t.type, t.name, t.status) for t in result.tool_calls] == [
        ("tool", "word_count", "SUCCESS"),
        ("knowledge", "faq", "SUCCESS"),
    ]
    assert [h.tool_type for h in result.hints] == ["tool", "knowledge"]
    assert result.chunk_count == len(chunks) and result.framing == "sse"
    assert result.request_id == chunks[0].request_id and result.agent_id == "demo-agent"
    assert result.failed_tools == ()


@pytest.mark.parametrize(
    ("agent", "accept"),
    [("ndjson-agent", "text/event-stream, application/x-ndjson"), ("demo-agent", "application/x-ndjson")],
)
def test_newline_delimited_json_reads_the_same(emulator: Emulator, agent: str, accept: str) -> None:
    with client(emulator, agent, accept=accept) as aiae:
        result = aiae.invoke("hello there")
    assert result.framing == "ndjson"
    assert result.text.startswith("You asked: hello there.") and len(result.tool_calls) == 2


def test_chunks_are_handed_out_before_the_answer_is_complete(emulator: Emulator) -> None:
    # The agent goes silent for 20 s after its tool chunks; a client that waited for the whole
    # body would hit its 10 s idle timeout before handing out anything.
    timeouts = Timeouts(connect=5, idle=10, total=60)
    with client(emulator, timeouts=timeouts) as aiae, aiae.stream("wait [[stall:20]]") as answer:
        first = next(answer)
    assert isinstance(first, ToolHintChunk)


def test_the_done_marker_ends_the_answer(emulator: Emulator) -> None:
    with client(emulator) as aiae:
        result = aiae.invoke("finish properly [[done]]")
    assert result.text.endswith("words.") and result.chunk_count > 4


def test_a_failed_tool_is_reported_not_raised(emulator: Emulator) -> None:
    with client(emulator, "ndjson-agent") as aiae:
        result = aiae.invoke("count me [[tool-fail]]")
    (failed,) = result.failed_tools
    assert (failed.name, failed.status, failed.ok) == ("word_count", "FAILED", False)
    assert "The word_count tool failed" in result.text


# -- memory, user and conversation ----------------------------------------------------------------


def test_a_conversation_is_recalled_on_the_next_call(emulator: Emulator) -> None:
    with client(emulator) as aiae:
        first = aiae.invoke("Where is order 42?", user_id="ana", conversation_id="c1")
        second = aiae.invoke("And order 43?", user_id="ana", conversation_id="c1")
        elsewhere = aiae.invoke("Anything?", user_id="ana", conversation_id="c2")
        other_user = aiae.invoke("Anything?", user_id="bob", conversation_id="c1")
    assert "recall" not in first.text
    assert "I recall 2 earlier messages in conversation c1; you last asked: Where is order 42?." in second.text
    assert "recall" not in elsewhere.text and "recall" not in other_user.text


def test_memory_wins_over_recall(emulator: Emulator) -> None:
    memory = [{"role": "user", "content": "Is it raining?"}, {"role": "assistant", "content": "No."}]
    with client(emulator) as aiae:
        aiae.invoke("Where is order 42?", user_id="ana", conversation_id="c1")
        given = aiae.invoke("And now?", user_id="ana", conversation_id="c1", memory=memory)
        empty = aiae.invoke("And now?", user_id="ana", conversation_id="c1", memory=[])
    assert "You sent 2 earlier messages; the last you asked was: Is it raining?." in given.text
    assert "recall" not in given.text
    # An empty memory is no memory (the documentation's template always sends "memory": []).
    assert "I recall 4 earlier messages in conversation c1" in empty.text


def test_a_broken_answer_is_not_remembered(emulator: Emulator) -> None:
    with client(emulator) as aiae:
        with pytest.raises(StreamError):
            aiae.invoke("lost [[cut]]", user_id="ana", conversation_id="c1")
        assert "recall" not in aiae.invoke("again", user_id="ana", conversation_id="c1").text


# -- sensitive variables and secrets --------------------------------------------------------------


def test_sensitive_variables_are_required_when_the_agent_declares_them(emulator: Emulator) -> None:
    with client(emulator, "secure-agent") as aiae:
        with pytest.raises(AiaeError) as info:
            aiae.invoke("my orders", sensitive_variables={"other": SECRET})
        result = aiae.invoke("my orders", common_variables={"region": "eu"}, sensitive_variables={"erp_token": SECRET})
    assert (info.value.status, info.value.code) == (200, "AIAE.22001002")
    assert "sensitive variable erp_token" in str(info.value) and SECRET not in str(info.value)
    assert "Variables: region=eu. 1 sensitive variables received." in result.text
    assert SECRET not in result.text


def test_secrets_never_reach_errors_reprs_logs_or_the_emulators_state(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with client(emulator, "secure-agent") as aiae:
        # The service echoes the variables in its error: the client masks them.
        with pytest.raises(AiaeError) as info:
            aiae.invoke("x [[error-echo]]", sensitive_variables={"erp_token": SECRET})
        aiae.invoke("remember me", user_id="ana", conversation_id="c1", sensitive_variables={"erp_token": SECRET})
        with aiae.stream("x [[cut]]", sensitive_variables={"erp_token": SECRET}) as answer:
            with pytest.raises(StreamError) as cut:
                list(answer)
            shown = [repr(aiae), repr(answer)]
    error = info.value
    assert '"erp_token": "***"' in error.message
    for text in [str(error), repr(error), error.message, str(cut.value), caplog.text, *shown]:
        assert SECRET not in text and "test-api-key" not in text
    assert "AIAE execute" in caplog.text  # the calls were logged, values left out
    stored = b"".join(p.read_bytes() for p in emulator.data.rglob("*") if p.is_file())
    assert b"remember me" in stored and SECRET.encode() not in stored


# -- errors ---------------------------------------------------------------------------------------


def test_an_error_body_with_http_200_is_an_error(emulator: Emulator) -> None:
    with client(emulator) as aiae, pytest.raises(AiaeError) as info:
        aiae.invoke("please [[error-in-200]]")
    error = info.value
    assert (error.status, error.code, error.chunks_before) == (200, "AIAE.22001002", 0)
    assert error.request_id and "HTTP 200 AIAE.22001002: bad parameter" in str(error)


def test_an_error_chunk_inside_the_stream_is_an_error_after_the_chunks_before_it(emulator: Emulator) -> None:
    seen: list[Any] = []
    with client(emulator) as aiae, aiae.stream("please [[error-chunk]]") as answer:
        with pytest.raises(AiaeError) as info:
            for chunk in answer:
                seen.append(chunk)
        with pytest.raises(AiaeError):  # it stays failed
            next(answer)
        with pytest.raises(AiaeError):
            answer.result()
    assert kinds(seen) == ["hint", "tool", "hint", "knowledge"]
    assert (info.value.code, info.value.chunks_before) == ("AIAE.50001001", 4)
    assert "in the stream, after 4 chunks" in str(info.value)


def test_a_bad_api_key_is_an_authentication_error(emulator: Emulator) -> None:
    with client(emulator, api_key="wrong-key-123") as aiae, pytest.raises(AiaeError) as info:
        aiae.invoke("hi")
    assert (info.value.status, info.value.code) == (200, "AIAE.22001001")
    assert "wrong-key-123" not in str(info.value)


def test_unknown_agents_and_foreign_keys_are_refused(emulator: Emulator) -> None:
    emulator.control("POST", "/_emulator/aiae/agents", {"agent_id": "private-bot", "api_keys": ["another-key"]})
    with client(emulator, "no-such-agent") as aiae, pytest.raises(AiaeError) as missing:
        aiae.invoke("hi")
    with client(emulator, "private-bot") as aiae, pytest.raises(AiaeError) as denied:
        aiae.invoke("hi")
    assert (missing.value.status, missing.value.code) == (404, "AIAE.22001004")
    assert (denied.value.status, denied.value.code) == (200, "AIAE.22001003")


def test_a_published_agent_requires_its_sensitive_variables_and_answers_in_its_framing(emulator: Emulator) -> None:
    emulator.control(
        "POST", "/_emulator/aiae/agents", {"agent_id": "erp-bot", "sensitive_variables": ["k"], "framing": "ndjson"}
    )
    with client(emulator, "erp-bot") as aiae:
        with pytest.raises(AiaeError, match="sensitive variable k"):
            aiae.invoke("hi")
        assert aiae.invoke("hi", sensitive_variables={"k": SECRET}).framing == "ndjson"


@pytest.mark.parametrize("agent", ["demo-agent", "ndjson-agent"])
def test_a_dropped_connection_is_a_stream_error(emulator: Emulator, agent: str) -> None:
    seen: list[Any] = []
    with (
        client(emulator, agent) as aiae,
        aiae.stream("drop it [[cut]]") as answer,
        pytest.raises(StreamError, match="cut off after 5 chunks") as info,
    ):
        seen.extend(answer)
    assert type(info.value) is StreamError and len(seen) == 5


@pytest.mark.parametrize("agent", ["demo-agent", "ndjson-agent"])
def test_a_body_ending_inside_a_chunk_is_a_stream_error(emulator: Emulator, agent: str) -> None:
    with client(emulator, agent) as aiae, pytest.raises(StreamError, match="cut off in the middle of chunk 6"):
        aiae.invoke("half [[truncate]]")


@pytest.mark.parametrize("agent", ["demo-agent", "ndjson-agent"])
def test_a_malformed_chunk_is_an_error(emulator: Emulator, agent: str) -> None:
    with client(emulator, agent) as aiae, pytest.raises(MalformedChunkError, match="chunk 2 is not valid JSON"):
        aiae.invoke("garble [[malformed]]")


def test_silence_beyond_the_idle_timeout_is_an_error(emulator: Emulator) -> None:
    timeouts = Timeouts(connect=5, idle=0.5, total=60)
    with client(emulator, timeouts=timeouts) as aiae, pytest.raises(StreamTimeout, match="idle timeout"):
        aiae.invoke("hold on [[stall:5]]")


def test_an_answer_longer_than_the_overall_limit_is_an_error(emulator: Emulator) -> None:
    # Every piece arrives well within the idle timeout; together they take longer than the total.
    timeouts = Timeouts(connect=5, idle=10, total=1)
    with client(emulator, timeouts=timeouts) as aiae, pytest.raises(StreamTimeout, match="overall limit of 1s"):
        aiae.invoke("trickle [[slow:0.4]]")


def test_a_bad_memory_item_fails_before_anything_is_sent(emulator: Emulator) -> None:
    # The next call to reach the agent gets a 503: the invalid call must not be the one.
    emulator.fault(kind="status", status=503, path="/v1/routes", times=1)
    with client(emulator) as aiae:
        with pytest.raises(InvalidRequestError, match=r"^memory\[1\]\.role: must be one of user, assistant, tool"):
            aiae.invoke("hi", memory=[{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}])
        with pytest.raises(AiaeError) as info:
            aiae.invoke("hi")
    assert info.value.status == 503


def test_throttling_is_retried_but_a_server_error_is_not(emulator: Emulator) -> None:
    emulator.fault(kind="status", status=429, path="/v1/routes", times=1)
    with client(emulator, retry=FAST_RETRY) as aiae:
        assert aiae.invoke("hi").chunk_count > 0
    emulator.fault(kind="status", status=503, path="/v1/routes", times=1)
    with client(emulator, retry=FAST_RETRY) as aiae:
        with pytest.raises(AiaeError) as info:
            aiae.invoke("hi")
        assert (info.value.status, info.value.code) == (503, "AIAE.50000000")
        assert aiae.invoke("hi").chunk_count > 0  # the rule was used up by exactly one attempt


def test_an_unreachable_service_is_a_transport_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1/routes/open/a/execute"
    with AiaeClient(url, "k", retry=FAST_RETRY) as aiae, pytest.raises(TransportError, match="cannot connect"):
        aiae.invoke("hi")


def test_a_200_answer_that_is_not_a_chunk_is_malformed(emulator: Emulator) -> None:
    # The emulator's reset control answers 200 {"reset": true}: JSON, but not a chunk.
    url = agent_url(emulator).replace("/v1/routes/open/demo-agent/execute", "/_emulator/reset")
    with AiaeClient(url, "k") as aiae, pytest.raises(MalformedChunkError, match="chunk 1: type must be"):
        aiae.invoke("hi")
