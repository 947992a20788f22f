"""Our ACS3-HMAC-SHA256 signer and verifier agree with the official SDK's signer."""

from __future__ import annotations

import pytest
from alibabacloud_tea_openapi.utils import Utils
from darabonba.request import DaraRequest

from pulumi_agents.agentrun import signing

CASES = [
    ("GET", "/2025-09-10/agents/runtimes", {"pageNumber": "1", "pageSize": "20", "agentRuntimeName": "a b/c~d"}, b""),
    ("POST", "/2025-09-10/agents/runtimes", {}, b'{"agentRuntimeName":"x","cpu":1.5}'),
    ("DELETE", "/2025-09-10/agents/runtimes/ar-123", {}, b""),
    ("PUT", "/2025-09-10/agents/runtimes/ar-%E4%B8%AD", {"x": "\u4e2d\u6587"}, '{"d":"\u4e2d"}'.encode()),
]


@pytest.mark.parametrize(("method", "path", "query", "body"), CASES)
def test_matches_official_signer(method: str, path: str, query: dict[str, str], body: bytes) -> None:
    headers = {"host": "agentrun.cn-hangzhou.aliyuncs.com"}
    if body:
        headers["content-type"] = "application/json; charset=utf-8"
    ours = signing.sign(
        method=method,
        path=path,
        query=query,
        headers=headers,
        body=body,
        action="Act",
        access_key_id="AKID",
        access_key_secret="SECRET",
    )
    # Feed the official signer exactly the headers we signed, and compare Authorization.
    request = DaraRequest()
    request.method, request.pathname, request.query = method, path, dict(query)
    request.headers = {k: v for k, v in ours.items() if k != "authorization"}
    official = Utils.get_authorization(request, "ACS3-HMAC-SHA256", ours["x-acs-content-sha256"], "AKID", "SECRET")
    assert ours["authorization"] == official


def _signed(body: bytes = b"{}") -> dict[str, str]:
    return signing.sign(
        method="POST",
        path="/p",
        query={"a": "1"},
        headers={"host": "h", "content-type": "a/j"},
        body=body,
        action="A",
        access_key_id="AKID",
        access_key_secret="SECRET",
    )


def test_verify_accepts_a_good_signature() -> None:
    headers = _signed()
    assert (
        signing.verify(
            method="POST", raw_path="/p", query={"a": "1"}, headers=headers, body=b"{}", secrets={"AKID": "SECRET"}
        )
        == "AKID"
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"query": {"a": "2"}}, "SignatureDoesNotMatch"),
        ({"raw_path": "/q"}, "SignatureDoesNotMatch"),
        ({"secrets": {"AKID": "OTHER"}}, "SignatureDoesNotMatch"),
        ({"secrets": {"OTHER": "SECRET"}}, "InvalidAccessKeyId.NotFound"),
        ({"body": b'{"x":1}'}, "IncompleteSignature"),
        ({"headers": {}}, "MissingAuthorization"),
    ],
)
def test_verify_rejects_tampering(change: dict[str, object], code: str) -> None:
    request: dict[str, object] = {
        "method": "POST",
        "raw_path": "/p",
        "query": {"a": "1"},
        "headers": _signed(),
        "body": b"{}",
        "secrets": {"AKID": "SECRET"},
    }
    request.update(change)
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify(**request)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_an_unsigned_acs_header_is_refused() -> None:
    headers = _signed() | {"x-acs-extra": "1"}
    with pytest.raises(signing.SignatureError, match="x-acs-extra must be signed"):
        signing.verify(
            method="POST", raw_path="/p", query={"a": "1"}, headers=headers, body=b"{}", secrets={"AKID": "SECRET"}
        )
