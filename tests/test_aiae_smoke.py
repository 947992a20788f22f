"""aiae.AgentSmokeTestProvider against the emulated published agents, and through gRPC."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from pulumi_agents._dynamic import ProviderError
from pulumi_agents._schema import UNKNOWN
from pulumi_agents.aiae import AgentSmokeTestProvider
from tests.aiae_support import API_KEY, agent_url
from tests.conftest import Emulator
from tests.provider_host import plain, provider_host, struct, unmarked

provider = AgentSmokeTestProvider()


def smoke(emulator: Emulator, **changes: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "url": agent_url(emulator),
        "api_key": API_KEY,
        "query": "What is the status of order 42?",
        "user_id": "u-1",
        "conversation_id": "c-1",
        "expect_contains": ["order 42", "Hello, u-1"],
        "expect_regex": r"has \d+ words",
        "expect_tools": ["word_count"],
        "time_limit_seconds": 30,
    }
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


def test_a_good_answer_passes_and_is_reported(emulator: Emulator) -> None:
    result = provider.create(smoke(emulator))
    outs = result.outs
    assert result.id.startswith("smoke-")
    assert outs["answer"] == "You asked: What is the status of order 42?. Hello, u-1. Your question has 7 words."
    assert outs["tool_calls"] == [
        {"type": "tool", "name": "word_count", "status": "SUCCESS"},
        {"type": "knowledge", "name": "faq", "status": "SUCCESS"},
    ]
    assert outs["latency_seconds"] >= 0 and outs["request_id"] and outs["checked_at"].endswith("Z")
    assert provider.read(result.id, outs).outs == outs


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"expect_contains": ["order 43"]}, "the answer does not contain 'order 43'"),
        ({"expect_regex": "^Goodbye"}, "the answer does not match /^Goodbye/"),
        ({"expect_tools": ["order_lookup"]}, "order_lookup was not called"),
        ({"query": "Check order 42 [[tool-fail]]"}, "word_count failed"),
        ({"query": "order 42 [[tool-fail]]", "expect_tools": None}, "tool word_count failed"),
    ],
)
def test_a_missed_expectation_fails_the_deployment(emulator: Emulator, changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(ProviderError) as failed:
        provider.create(smoke(emulator, **changes))
    message = str(failed.value)
    assert message.startswith(f"smoke test of {agent_url(emulator)} failed: ") and reason in message
    assert "answer: 'You asked:" in message and API_KEY not in message


def test_tool_failures_can_be_allowed(emulator: Emulator) -> None:
    outs = provider.create(
        smoke(
            emulator,
            query="order 42 [[tool-fail]]",
            expect_tools=None,
            allow_tool_failures=True,
            user_id=None,
            conversation_id=None,
            expect_contains=["order 42"],
            expect_regex="could not count",
        )
    ).outs
    assert {"type": "tool", "name": "word_count", "status": "FAILED"} in outs["tool_calls"]


def test_service_errors_fail_clearly_and_never_show_secrets(emulator: Emulator) -> None:
    with pytest.raises(ProviderError, match=r"AIAE\.22001001") as refused:
        provider.create(smoke(emulator, api_key="wrong-key-123456"))
    assert "wrong-key-123456" not in str(refused.value)
    secret = "erp-token-very-secret"
    with pytest.raises(ProviderError) as echoed:
        provider.create(
            smoke(emulator, query="order 42 [[error-echo]]", variables={"sensitive_variables": {"erp_token": secret}})
        )
    assert "failed" in str(echoed.value) and secret not in str(echoed.value)


def test_the_time_limit_is_enforced(emulator: Emulator) -> None:
    with pytest.raises(ProviderError, match=r"smoke test of .* failed"):
        provider.create(smoke(emulator, query="order 42 [[stall:5]]", time_limit_seconds=1))


def test_the_api_key_may_come_from_the_environment(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIAE_API_KEY", API_KEY)
    assert provider.create(smoke(emulator, api_key=None)).outs["answer"]
    monkeypatch.delenv("AIAE_API_KEY")
    with pytest.raises(ProviderError, match="aiae:apiKey"):
        provider.create(smoke(emulator, api_key=None))


def test_any_input_change_runs_the_check_again(emulator: Emulator) -> None:
    outs = unmarked(provider.create(smoke(emulator, triggers=["1"])).outs)  # as the engine sends them back
    assert provider.diff("x", outs, smoke(emulator, triggers=["1"])).changes is False
    assert provider.diff("x", outs, smoke(emulator, triggers=["2"])).changes is True
    assert provider.diff("x", outs, smoke(emulator, triggers=[UNKNOWN])).changes is True
    assert provider.diff("x", outs, smoke(emulator, triggers=["1"], expect_regex=None)).changes is True
    updated = provider.update("x", outs, smoke(emulator, triggers=["2"]))
    assert updated.outs["triggers"] == ["2"] and updated.outs["checked_at"]


def test_check_names_the_field() -> None:
    bad = {
        "url": "ftp://x",
        "query": "",
        "memory": [{"role": "bot", "content": ""}],
        "expect_regex": "(",
        "user_id": "u",
    }
    failures = provider.check({}, bad).failures
    assert {f.property for f in failures} == {""}  # the path leads the one-line reason
    found = {f.reason.split(" (the value: ")[0] for f in failures}
    assert found >= {
        "url: must be an http(s) URL",
        "query: must be at least 1 characters long",
        "memory[0].content: must not be empty",
        "expect_regex: must be a valid regular expression",
        "conversation_id: is required with user_id",
    }


def test_over_grpc_with_the_key_from_stack_config(emulator: Emulator) -> None:
    urn = "urn:pulumi:dev::proj::pulumi-python:dynamic/aiae:AgentSmokeTest::check"
    props = {**smoke(emulator, api_key=None), "__provider": serialize_provider(AgentSmokeTestProvider())}
    with provider_host({"aiae:apiKey": API_KEY}) as host:
        created = host.Create(provider_pb2.CreateRequest(urn=urn, properties=struct(props)))
        assert "order 42" in plain(created.properties)["answer"]
