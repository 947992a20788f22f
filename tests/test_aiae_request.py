"""The request is checked before it is sent, and its secrets never show."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_agents.aiae import AgentRequest, AiaeClient, InvalidRequestError
from pulumi_agents.aiae.errors import AiaeError, StreamError, redact, redacted

SECRET = "erp-token-5f2a9c"


@pytest.mark.parametrize(
    ("memory", "message"),
    [
        ("hello", r"^memory: must be a list of \{role, content\} objects$"),
        ([{"role": "user", "content": "hi"}, "hi"], r"^memory\[1\]: must be an object with role and content$"),
        (
            [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": "b"},
                {"role": "system", "content": "c"},
            ],
            r"^memory\[2\]\.role: must be one of user, assistant, tool \(got 'system'\)$",
        ),
        ([{"content": "c"}], r"^memory\[0\]\.role: must be one of user, assistant, tool \(got None\)$"),
        ([{"role": "tool", "content": "  "}], r"^memory\[0\]\.content: must be a non-empty string$"),
        ([{"role": "user", "content": 7}], r"^memory\[0\]\.content: must be a non-empty string$"),
    ],
)
def test_memory_items_are_checked_and_named(memory: Any, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        AgentRequest("hi", memory=memory)


def test_the_other_fields_are_checked() -> None:
    with pytest.raises(InvalidRequestError, match=r"^query: must be a non-empty string$"):
        AgentRequest(" ")
    with pytest.raises(InvalidRequestError, match=r"^user_id: must be a non-empty string$"):
        AgentRequest("hi", user_id="")
    with pytest.raises(InvalidRequestError, match=r"^common_variables\.n: must be a string, number or boolean"):
        AgentRequest("hi", common_variables={"n": [1]})  # type: ignore[dict-item]


def test_a_bad_sensitive_value_is_not_shown() -> None:
    with pytest.raises(InvalidRequestError) as info:
        AgentRequest("hi", sensitive_variables={"token": [SECRET]})  # type: ignore[dict-item]
    assert str(info.value).startswith("sensitive_variables.token: must be a string, number or boolean")
    assert SECRET not in str(info.value)


def test_the_body_is_the_documented_one() -> None:
    request = AgentRequest(
        "hi",
        memory=[{"role": "user", "content": "earlier"}],
        user_id="u1",
        conversation_id="c1",
        common_variables={"region": "eu", "n": 3},
        sensitive_variables={"token": SECRET},
    )
    assert request.body() == {
        "query": "hi",
        "memory": [{"role": "user", "content": "earlier"}],
        "user_id": "u1",
        "conversation_id": "c1",
        "variables": {"common_variables": {"region": "eu", "n": 3}, "sensitive_variables": {"token": SECRET}},
    }
    # Nothing but the query when nothing else is given; an empty memory is still sent as given.
    assert AgentRequest("hi").body() == {"query": "hi"}
    assert AgentRequest("hi", memory=[]).body() == {"query": "hi", "memory": []}


def test_secrets_stay_out_of_reprs_and_log_summaries() -> None:
    request = AgentRequest("hi", user_id="u1", sensitive_variables={"token": SECRET})
    assert SECRET not in repr(request) and "'token': '***'" in repr(request)
    assert SECRET not in request.describe() and "token" in request.describe()
    client = AiaeClient("https://aiae.example/v1/routes/open/a/execute", SECRET)
    try:
        assert SECRET not in repr(client) and "api_key='***'" in repr(client)
    finally:
        client.close()


def test_a_bad_api_key_or_url_is_refused_without_showing_the_key() -> None:
    with pytest.raises(InvalidRequestError) as info:
        AiaeClient("https://aiae.example/x", f"{SECRET} with spaces")
    assert SECRET not in str(info.value)
    with pytest.raises(InvalidRequestError, match="url: must be an http"):
        AiaeClient("aiae.example/x", SECRET)


def test_redaction_masks_every_secret_even_overlapping_ones() -> None:
    assert redact(f"token {SECRET} and {SECRET[:8]}", [SECRET[:8], SECRET, ""]) == "token *** and ***"
    # A short secret is masked where it stands alone, not inside every word that contains it.
    assert redact('chunk 1: {"k": "eu"}, Europe', ["k", "eu"]) == 'chunk 1: {"***": "***"}, Europe'
    error = redacted(AiaeError(200, "AIAE.22001002", f"bad {SECRET}", "r1", chunks_before=2), [SECRET])
    assert isinstance(error, AiaeError) and SECRET not in str(error) and error.code == "AIAE.22001002"
    assert error.chunks_before == 2 and "after 2 chunks" in str(error)
    stream = redacted(StreamError(f"cut {SECRET}"), [SECRET])
    assert type(stream) is StreamError and str(stream) == "cut ***"
