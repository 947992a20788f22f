"""The emulator under abuse answers as strictly as the real services: deep JSON, bad query values,
oversized bodies, wrong content types, field limits, replayed signatures and bad test-control
requests each get a 4xx in the owning service's envelope, never a 500 or a FastAPI ``detail``.

Real HTTP over loopback to a real emulator process (tests/conftest.py).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_agents._http import RetryPolicy
from pulumi_agents.agentrun import signing
from pulumi_agents.agentrun.client import AgentRunClient, Credentials, Settings
from pulumi_agents.emulator.store import Store
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, QODER_TOKEN, Emulator, start_emulator

RUNTIMES = f"/{signing.API_VERSION}/agents/runtimes"
AGENTS = "/api/v1/cloud/agents"
EXECUTE = "/v1/routes/open/demo-agent/execute"
MIB = 1024 * 1024
AGENTRUN_LIMIT = 16 * MIB
QODER_LIMIT = AIAE_LIMIT = CONTROL_LIMIT = MIB

DEEP_ARRAY = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
NOT_PLAIN_JSON = [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1e400}', b'{"a": "\\ud800"}']


# -- helpers -------------------------------------------------------------------------------------


def agentrun_error(response: httpx.Response, status: int, code: str) -> str:
    """The message of an AgentRun error envelope with this status and code."""
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"code", "message", "requestId"}, body
    assert body["code"] == code, body
    return str(body["message"])


def qoder_error(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """The ``error`` object of a Qoder error envelope with this status and type."""
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"type", "error"} and body["type"] == "error", body
    assert body["error"]["type"] == kind, body
    return dict(body["error"])


def aiae_error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"error_code", "error_msg"} and body["error_code"] == code, body
    return str(body["error_msg"])


def control_error(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert set(body) == {"error"}, body
    return str(body["error"])


def signed(
    emulator: Emulator,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    query: dict[str, str] | None = None,
    content_type: str | None = "application/json",
    drop: tuple[str, ...] = (),
) -> httpx.Request:
    """A request signed as the official client signs it (``drop``: headers to leave out, signed
    without them)."""
    headers = {"host": emulator.host}
    if content_type is not None:
        headers["content-type"] = content_type
    query = query or {}
    headers = signing.sign(
        method=method,
        path=path,
        query=query,
        headers=headers,
        body=body,
        action="Test",
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=ACCESS_KEY_SECRET,
    )
    if drop:
        headers = {k: v for k, v in headers.items() if k not in drop}
        signed_names = sorted(k for k in headers if k in ("host", "content-type") or k.startswith("x-acs-"))
        canonical = signing.canonical_request(method, path, query, headers, signed_names, signing.sha256_hex(body))
        headers["authorization"] = (
            f"{signing.ALGORITHM} Credential={ACCESS_KEY_ID},SignedHeaders={';'.join(signed_names)},"
            f"Signature={signing.signature(ACCESS_KEY_SECRET, canonical)}"
        )
    return httpx.Request(method, emulator.url + path, params=query, content=body, headers=headers)


def send_signed(emulator: Emulator, method: str, path: str, **kwargs: Any) -> httpx.Response:
    with httpx.Client(timeout=30) as client:
        return client.send(signed(emulator, method, path, **kwargs))


def runtime_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "agentRuntimeName": "abuse-rt",
        "artifactType": "Container",
        "cpu": 1.0,
        "memory": 1024,
        "port": 8080,
        "networkConfiguration": {"networkMode": "PUBLIC"},
        "containerConfiguration": {"image": "registry.cn-hangzhou.aliyuncs.com/ns/agent:1"},
    }
    body.update(changes)
    return body


def create_runtime(emulator: Emulator, **changes: Any) -> httpx.Response:
    return send_signed(emulator, "POST", RUNTIMES, body=json.dumps(runtime_body(**changes)).encode())


def qoder(
    emulator: Emulator,
    method: str,
    path: str,
    *,
    body: Any = None,
    content: bytes | None = None,
    content_type: str | None = "application/json",
    params: dict[str, str] | None = None,
    key: str | None = None,
) -> httpx.Response:
    headers = {"authorization": f"Bearer {QODER_TOKEN}"}
    if content_type is not None:
        headers["content-type"] = content_type
    if key:
        headers["idempotency-key"] = key
    if body is not None:
        content = json.dumps(body).encode()
    return httpx.request(method, emulator.url + path, content=content, headers=headers, params=params, timeout=30)


def aiae(emulator: Emulator, content: bytes, content_type: str | None = "application/json") -> httpx.Response:
    headers = {"authorization": "Bearer test-api-key"}
    if content_type is not None:
        headers["content-type"] = content_type
    return httpx.post(emulator.url + EXECUTE, content=content, headers=headers, timeout=30)


def chunks(total: int, size: int = MIB) -> Iterator[bytes]:
    """``total`` bytes of a JSON-looking body, sent without a Content-Length (chunked)."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        yield b" " * piece
        sent += piece


def nested(levels: int) -> bytes:
    """A JSON object nesting ``levels`` deep in all (the object itself is the first level)."""
    return b'{"agentRuntimeName": "deep", "x": ' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


# -- 1. no 500 for bad input: deep JSON, non-JSON numbers, bad query values ----------------------


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_a_400_in_every_service(emulator: Emulator, body: bytes) -> None:
    for method, path in (("POST", RUNTIMES), ("PUT", RUNTIMES + "/ar-0000000000000000")):
        message = agentrun_error(send_signed(emulator, method, path, body=body), 400, "ERR_BAD_REQUEST")
        assert "10000 levels deep (at most 64)" in message
    error = qoder_error(qoder(emulator, "POST", AGENTS, content=body), 400, "invalid_request_error")
    assert "levels deep" in error["message"]
    assert "levels deep" in aiae_error(aiae(emulator, body), 200, "AIAE.22001002")
    for control in ("/_emulator/faults", "/_emulator/aiae/agents"):
        assert "levels deep" in control_error(httpx.post(emulator.url + control, content=body, timeout=30))
    response = httpx.post(emulator.url + "/_emulator/agentrun/failures", content=body, timeout=30)
    assert "levels deep" in agentrun_error(response, 400, "ERR_BAD_REQUEST")


def test_nesting_up_to_the_limit_is_parsed(emulator: Emulator) -> None:
    # 64 levels pass the parser and reach the field checks; 65 do not.
    at_limit = send_signed(emulator, "POST", RUNTIMES, body=nested(64))
    assert "is required" in agentrun_error(at_limit, 400, "ERR_VALIDATION_FAILED")
    over = send_signed(emulator, "POST", RUNTIMES, body=nested(65))
    assert "65 levels deep" in agentrun_error(over, 400, "ERR_BAD_REQUEST")


@pytest.mark.parametrize("body", NOT_PLAIN_JSON, ids=["nan", "infinity", "overflow", "lone-surrogate"])
def test_json_that_no_answer_could_carry_is_refused(emulator: Emulator, body: bytes) -> None:
    agentrun_error(send_signed(emulator, "POST", RUNTIMES, body=body), 400, "ERR_BAD_REQUEST")
    qoder_error(qoder(emulator, "POST", AGENTS, content=body), 400, "invalid_request_error")
    aiae_error(aiae(emulator, body), 200, "AIAE.22001002")
    control_error(httpx.post(emulator.url + "/_emulator/faults", content=body, timeout=30))


def test_a_description_with_a_lone_surrogate_never_reaches_the_store(emulator: Emulator) -> None:
    # Before: accepted, stored, then every answer that echoed it was a 500 (UTF-8 cannot carry it).
    body = json.dumps(runtime_body(description="\ud800")).encode()  # json.dumps escapes it: \ud800
    agentrun_error(send_signed(emulator, "POST", RUNTIMES, body=body), 400, "ERR_BAD_REQUEST")
    listed = send_signed(emulator, "GET", RUNTIMES)
    assert listed.status_code == 200 and listed.json()["data"]["total"] == 0


@pytest.mark.parametrize(
    "query",
    [{"pageSize": "abc"}, {"pageNumber": "-1"}, {"pageNumber": "0"}, {"pageSize": "0"}, {"pageSize": "1.5"}],
)
def test_agentrun_bad_page_values_are_a_400(emulator: Emulator, query: dict[str, str]) -> None:
    runtime = create_runtime(emulator).json()["data"]["agentRuntimeId"]
    for path in (RUNTIMES, f"{RUNTIMES}/{runtime}/endpoints", f"{RUNTIMES}/{runtime}/versions"):
        message = agentrun_error(send_signed(emulator, "GET", path, query=query), 400, "ERR_VALIDATION_FAILED")
        assert "pageNumber and pageSize" in message


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": ""}, "limit"),
        ({"include_archived": "maybe"}, "include_archived"),
        ({"include_archived": "1"}, "include_archived"),
    ],
)
def test_qoder_bad_list_values_are_a_400(emulator: Emulator, query: dict[str, str], param: str) -> None:
    error = qoder_error(qoder(emulator, "GET", AGENTS, params=query), 400, "invalid_request_error")
    assert error["param"] == param and param in error["message"]


def test_qoder_good_list_values_and_bad_versions(emulator: Emulator) -> None:
    for query in ({"limit": "1"}, {"limit": "100"}, {"include_archived": "true"}, {"include_archived": "False"}):
        assert qoder(emulator, "GET", AGENTS, params=query).status_code == 200
    agent = qoder(emulator, "POST", AGENTS, body={"name": "v", "model": "ultimate"}).json()["id"]
    for version in ("abc", "²", "-1", "1.0", "9" * 40):
        error = qoder_error(
            qoder(emulator, "GET", f"{AGENTS}/{agent}", params={"version": version}), 400, "invalid_request_error"
        )
        assert error["param"] == "version"
    missing = qoder(emulator, "GET", f"{AGENTS}/{agent}", params={"version": "7"})
    qoder_error(missing, 404, "not_found_error")


# -- 1. (control) bad test-control requests --------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ({"kind": "explode"}, "kind must be one of"),
        ({}, "kind must be one of"),
        ({"kind": "status", "times": "abc"}, "times"),
        ({"kind": "status", "times": 0}, "times"),
        ({"kind": "status", "times": True}, "times"),
        ({"kind": "status", "times": 2.5}, "times"),
        ({"kind": "status", "status": "503"}, "status"),
        ({"kind": "status", "status": 200}, "status"),
        ({"kind": "status", "status": 1000}, "status"),
        ({"kind": "status", "method": 5}, "method"),
        ({"kind": "status", "method": "FETCH"}, "method"),
        ({"kind": "status", "path": 5}, "path"),
        ({"kind": "status", "path": "no-slash"}, "path"),
        ({"kind": "stall", "seconds": -1}, "seconds"),
        ({"kind": "stall", "seconds": 10**9}, "seconds"),
        ({"kind": "stall", "seconds": "5"}, "seconds"),
        ({"kind": "status", "retryAfter": "soon"}, "retryAfter"),
        ({"kind": "status", "retry_after": 1}, "unknown field 'retry_after'"),
        ([{"kind": "status"}], "JSON object"),
    ],
)
def test_bad_fault_rules_are_a_400_and_install_nothing(emulator: Emulator, rule: Any, says: str) -> None:
    assert says in control_error(httpx.post(emulator.url + "/_emulator/faults", json=rule, timeout=30))
    # Nothing half-made was installed: ordinary requests still work.
    assert qoder(emulator, "GET", AGENTS).status_code == 200
    assert send_signed(emulator, "GET", RUNTIMES).status_code == 200


def test_a_good_fault_rule_still_works(emulator: Emulator) -> None:
    emulator.fault(kind="status", status=503, retryAfter=0.5, method="get", path=AGENTS, times=1)
    response = qoder(emulator, "GET", AGENTS)
    assert response.status_code == 503 and response.headers["retry-after"] == "0.5"
    assert qoder(emulator, "GET", AGENTS).status_code == 200


@pytest.mark.parametrize(
    "rule",
    [
        {"agentRuntimeName": 5, "operation": "create"},
        {"agentRuntimeName": "rt", "operation": 5},
        {"agentRuntimeName": "rt", "operation": "explode"},
        {"agentRuntimeName": "rt", "operation": "create", "statusReason": ["x"]},
        {"agentRuntimeName": "rt", "operation": "create", "reason": "typo"},
        {"agentRuntimeEndpointName": "prod", "operation": "create", "agentRuntimeId": 7},
        {"agentRuntimeEndpointName": {"a": 1}, "operation": "create"},
    ],
)
def test_bad_failure_rules_are_a_400(emulator: Emulator, rule: dict[str, Any]) -> None:
    response = httpx.post(emulator.url + "/_emulator/agentrun/failures", json=rule, timeout=30)
    assert "bad failure rule" in agentrun_error(response, 400, "ERR_BAD_REQUEST")


@pytest.mark.parametrize(
    "agent",
    [
        {"agent_id": 5},
        {"agent_id": "ok", "name": ["x"]},
        {"agent_id": "ok", "framing": "xml"},
        {"agent_id": "ok", "api_keys": "k"},
        {"agent_id": "ok", "sensitive_variables": [1]},
        {"agent_id": "ok", "colour": "blue"},
        {"agent_id": "demo-agent"},
    ],
)
def test_bad_aiae_agents_are_a_400(emulator: Emulator, agent: dict[str, Any]) -> None:
    control_error(httpx.post(emulator.url + "/_emulator/aiae/agents", json=agent, timeout=30))


# -- 2. request size limits ------------------------------------------------------------------------


def test_agentrun_bodies_over_16_mib_are_a_413(emulator: Emulator) -> None:
    over = b" " * (AGENTRUN_LIMIT + 1)
    message = agentrun_error(send_signed(emulator, "POST", RUNTIMES, body=over), 413, "ERR_BAD_REQUEST")
    assert "16 MiB" in message
    # Without a Content-Length (chunked), counted while it streams.
    response = httpx.post(
        emulator.url + RUNTIMES, content=chunks(AGENTRUN_LIMIT + 1), headers={"content-type": "application/json"}
    )
    agentrun_error(response, 413, "ERR_BAD_REQUEST")
    # A code package well over the other services' 1 MiB fits.
    package = "UEsDBA" * (3 * MIB // 6)
    created = create_runtime(
        emulator,
        artifactType="Code",
        containerConfiguration=None,
        codeConfiguration={"language": "python3.12", "zipFile": package, "command": ["python", "main.py"]},
    )
    assert created.status_code == 200, created.text[:300]


def test_qoder_aiae_and_control_bodies_over_1_mib_are_a_413(emulator: Emulator) -> None:
    over = b" " * (MIB + 1)
    error = qoder_error(qoder(emulator, "POST", AGENTS, content=over), 413, "request_too_large")
    assert "1 MiB" in error["message"]
    chunked = httpx.post(
        emulator.url + AGENTS,
        content=chunks(QODER_LIMIT + 1, 64 * 1024),
        headers={"authorization": f"Bearer {QODER_TOKEN}", "content-type": "application/json"},
        timeout=30,
    )
    qoder_error(chunked, 413, "request_too_large")
    aiae_error(aiae(emulator, over), 413, "AIAE.41300000")
    for control in ("/_emulator/faults", "/_emulator/aiae/agents", "/_emulator/reset"):
        control_error(httpx.post(emulator.url + control, content=over, timeout=30), 413)
    # Just at the limit is read (and then judged on its content).
    at_limit = b'{"name": "big", "model": "ultimate", "instructions": "' + b"x" * (MIB - 100)
    at_limit += b" " * (MIB - len(at_limit) - 2) + b'"}'
    assert len(at_limit) == QODER_LIMIT
    assert qoder(emulator, "POST", AGENTS, content=at_limit).status_code == 201


@pytest.mark.parametrize(
    ("path", "answer"),
    [(RUNTIMES, b'"code":"ERR_BAD_REQUEST"'), (AGENTS, b'"request_too_large"'), (EXECUTE, b'"AIAE.41300000"')],
)
def test_a_declared_oversized_body_is_refused_before_it_is_read(emulator: Emulator, path: str, answer: bytes) -> None:
    """Content-Length says 10 GB and no byte of it is sent: the 413 comes at once."""
    with socket.create_connection(("127.0.0.1", int(emulator.host.rsplit(":", 1)[1])), timeout=10) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {emulator.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: 10000000000\r\n\r\n".encode()
        )
        received = b""
        started = time.monotonic()
        while b"\r\n\r\n" not in received or answer not in received:
            piece = conn.recv(65536)
            if not piece:
                break
            received += piece
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert answer in received and time.monotonic() - started < 5


# -- 3. content types ------------------------------------------------------------------------------

NOT_JSON_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
    None,
]


@pytest.mark.parametrize("content_type", NOT_JSON_TYPES)
def test_agentrun_takes_json_only(emulator: Emulator, content_type: str | None) -> None:
    body = json.dumps(runtime_body()).encode()
    response = send_signed(emulator, "POST", RUNTIMES, body=body, content_type=content_type)
    assert agentrun_error(response, 400, "ERR_BAD_REQUEST") == "content-type must be application/json"


@pytest.mark.parametrize("content_type", NOT_JSON_TYPES)
def test_qoder_takes_json_only(emulator: Emulator, content_type: str | None) -> None:
    response = qoder(emulator, "POST", AGENTS, body={"name": "n", "model": "m"}, content_type=content_type)
    assert qoder_error(response, 400, "invalid_request_error")["message"] == "content-type must be application/json"


def test_json_content_types_the_clients_send_are_accepted(emulator: Emulator) -> None:
    for i, content_type in enumerate(("application/json; charset=utf-8", "application/json", "Application/JSON")):
        response = send_signed(
            emulator,
            "POST",
            RUNTIMES,
            body=json.dumps(runtime_body(agentRuntimeName=f"typed-{i}")).encode(),
            content_type=content_type,
        )
        assert response.status_code == 200, response.text
        created = qoder(emulator, "POST", AGENTS, body={"name": f"n{i}", "model": "m"}, content_type=content_type)
        assert created.status_code == 201, created.text
    # Bodiless calls need no content type.
    assert send_signed(emulator, "GET", RUNTIMES, content_type=None).status_code == 200
    agent = created.json()["id"]
    assert qoder(emulator, "POST", f"{AGENTS}/{agent}/archive", content_type=None).status_code == 200


def test_aiae_is_lenient_about_the_content_type_but_not_the_body(emulator: Emulator) -> None:
    answer = aiae(emulator, json.dumps({"query": "hi"}).encode(), content_type="text/plain")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
    form = aiae(emulator, b"query=hi", content_type="application/x-www-form-urlencoded")
    assert "not valid JSON" in aiae_error(form, 200, "AIAE.22001002")


# -- 4. field limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"cpu": 0}, "cpu 0 must be a number from 0.05 to 16"),
        ({"cpu": -1}, "cpu -1"),
        ({"cpu": 16.5}, "cpu 16.5"),
        ({"cpu": "1"}, "cpu '1'"),
        ({"cpu": True}, "cpu True"),
        ({"memory": 127}, "memory 127 must be a whole number from 128 to 32768"),
        ({"memory": 32769}, "memory 32769"),
        ({"memory": 1024.5}, "memory 1024.5"),
        ({"port": 0}, "port 0 must be a whole number from 1 to 65535"),
        ({"port": 65536}, "port 65536"),
        ({"agentRuntimeName": ""}, "agentRuntimeName is required"),
        ({"agentRuntimeName": "a" * 129}, "agentRuntimeName 'aaaa"),
        ({"agentRuntimeName": "1abc"}, "must start with a letter"),
        ({"agentRuntimeName": "a b"}, "agentRuntimeName 'a b'"),
        ({"agentRuntimeName": "abc\n"}, "agentRuntimeName 'abc\\n'"),
        ({"agentRuntimeName": 5}, "agentRuntimeName is required"),
        ({"description": "d" * 257}, "description must be at most 256 characters (it has 257)"),
        ({"sessionConcurrencyLimitPerInstance": 0}, "sessionConcurrencyLimitPerInstance 0"),
        ({"sessionConcurrencyLimitPerInstance": 201}, "sessionConcurrencyLimitPerInstance 201"),
        ({"sessionIdleTimeoutSeconds": 59}, "sessionIdleTimeoutSeconds 59 must be a whole number from 60 to 86400"),
        ({"sessionIdleTimeoutSeconds": 86401}, "sessionIdleTimeoutSeconds 86401"),
        ({"diskSize": -1}, "diskSize -1"),
        ({"artifactType": "Zip"}, "artifactType 'Zip' must be one of Code, Container"),
        ({"networkConfiguration": "PUBLIC"}, "networkConfiguration must be an object"),
        ({"networkConfiguration": {"networkMode": "OPEN"}}, "networkConfiguration.networkMode 'OPEN'"),
        ({"containerConfiguration": {"image": "i", "port": 0}}, "containerConfiguration.port 0"),
        (
            {"containerConfiguration": {"image": "i", "registryConfig": {"authConfig": {"password": 5}}}},
            "containerConfiguration.registryConfig.authConfig.password must be a string",
        ),
        ({"nasConfig": "x"}, "nasConfig must be an object"),
        ({"nasConfig": {"mountPoints": ["x"]}}, "nasConfig.mountPoints[0] must be an object"),
        ({"ossMountConfig": {"mountPoints": [{"readOnly": "yes"}]}}, "ossMountConfig.mountPoints[0].readOnly"),
        ({"environmentVariables": {"KEY": 5}}, "environmentVariables.KEY must be a string"),
        ({"healthCheckConfiguration": {"periodSeconds": 0}}, "healthCheckConfiguration.periodSeconds 0"),
    ],
)
def test_agentrun_field_limits(emulator: Emulator, changes: dict[str, Any], says: str) -> None:
    assert says in agentrun_error(create_runtime(emulator, **changes), 400, "ERR_VALIDATION_FAILED")


def test_agentrun_limits_hold_at_their_edges_and_on_update(emulator: Emulator) -> None:
    low = create_runtime(
        emulator,
        agentRuntimeName="a",
        cpu=0.05,
        memory=128,
        port=1,
        sessionConcurrencyLimitPerInstance=1,
        sessionIdleTimeoutSeconds=60,
    )
    assert low.status_code == 200, low.text
    high = create_runtime(
        emulator,
        agentRuntimeName="b" + "x_-9" * 31 + "xyz",
        cpu=16,
        memory=32768,
        port=65535,
        description="d" * 256,
        sessionConcurrencyLimitPerInstance=200,
        sessionIdleTimeoutSeconds=86400,
    )
    assert high.status_code == 200, high.text
    assert len(high.json()["data"]["agentRuntimeName"]) == 128
    runtime = low.json()["data"]["agentRuntimeId"]

    def update(**changes: Any) -> httpx.Response:
        return send_signed(emulator, "PUT", f"{RUNTIMES}/{runtime}", body=json.dumps(changes).encode())

    assert "memory 0" in agentrun_error(update(memory=0), 400, "ERR_VALIDATION_FAILED")
    assert "cpu 17" in agentrun_error(update(cpu=17), 400, "ERR_VALIDATION_FAILED")
    assert "agentRuntimeName" in agentrun_error(update(agentRuntimeName="-x"), 400, "ERR_VALIDATION_FAILED")
    # A null is a field left out: it never clears a required field.
    time.sleep(0.6)  # past CREATING (the emulator's transition is 0.5 s)
    kept = update(agentRuntimeName=None, memory=None, description="now")
    assert kept.status_code == 200, kept.text
    assert kept.json()["data"]["agentRuntimeName"] == "a" and kept.json()["data"]["memory"] == 128
    listed = send_signed(emulator, "GET", RUNTIMES, query={"agentRuntimeName": "a"})
    assert listed.status_code == 200


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"agentRuntimeEndpointName": ""}, "agentRuntimeEndpointName is required"),
        ({"agentRuntimeEndpointName": "9prod"}, "agentRuntimeEndpointName '9prod' must start with a letter"),
        ({"agentRuntimeEndpointName": "p" * 129}, "at most 128 characters"),
        ({"agentRuntimeEndpointName": "prod", "description": "d" * 257}, "description must be a string of at most 256"),
    ],
)
def test_agentrun_endpoint_limits(emulator: Emulator, fields: dict[str, Any], says: str) -> None:
    runtime = create_runtime(emulator).json()["data"]["agentRuntimeId"]
    path = f"{RUNTIMES}/{runtime}/endpoints"
    response = send_signed(emulator, "POST", path, body=json.dumps(fields).encode())
    assert says in agentrun_error(response, 400, "ERR_VALIDATION_FAILED")
    fine = send_signed(emulator, "POST", path, body=json.dumps({"agentRuntimeEndpointName": "p" * 128}).encode())
    assert fine.status_code == 200, fine.text
    versions = f"{RUNTIMES}/{runtime}/versions"
    publisher = send_signed(emulator, "POST", versions, body=json.dumps({"publisher": "p" * 257}).encode())
    assert "publisher" in agentrun_error(publisher, 400, "ERR_VALIDATION_FAILED")


def metadata(count: int) -> dict[str, str]:
    return {f"k{i}": "v" for i in range(count)}


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 257}, "name"),
        ({"name": 5}, "name"),
        ({"model": {}}, "model"),
        ({"model": {"id": 5}}, "model"),
        ({"model": {"id": "m", "context_window": 0}}, "model.context_window"),
        ({"metadata": metadata(17)}, "metadata"),
        ({"metadata": {"k" * 65: "v"}}, "metadata." + "k" * 64),
        ({"metadata": {"k": "v" * 513}}, "metadata.k"),
        ({"metadata": {"k": 5}}, "metadata.k"),
        ({"metadata": ["k"]}, "metadata"),
        ({"skills": [{"type": "custom", "skill_id": f"s{i}"} for i in range(21)]}, "skills"),
        ({"skills": "s"}, "skills"),
        ({"skills": [{"type": "mine", "skill_id": "s"}]}, "skills[0].type"),
        ({"skills": [{"type": "custom"}]}, "skills[0].skill_id"),
        ({"tools": [{"type": "agent_toolset_19990101"}]}, "tools[0].type"),
        (
            {"tools": [{"type": "agent_toolset_20260401", "enabled_tools": ["Bash", "Teleport"]}]},
            "tools[0].enabled_tools[1]",
        ),
        ({"tools": [{"type": "agent_toolset_20260401", "enabled_tools": "Bash"}]}, "tools[0].enabled_tools"),
        ({"tools": 5}, "tools"),
        ({"tools": ["agent_toolset_20260401"]}, "tools[0]"),
        ({"mcp_servers": [{"type": "ftp", "name": "x", "url": "https://x"}]}, "mcp_servers[0].type"),
        ({"mcp_servers": [{"type": "url", "name": "x", "url": "x.example"}]}, "mcp_servers[0].url"),
        ({"instructions": ["be nice"]}, "instructions"),
    ],
)
def test_qoder_field_limits(emulator: Emulator, changes: dict[str, Any], param: str) -> None:
    body = {"name": "limits", "model": "ultimate", **changes}
    error = qoder_error(qoder(emulator, "POST", AGENTS, body=body), 400, "invalid_request_error")
    assert error["param"] == param, error
    listed = qoder(emulator, "GET", AGENTS, params={"include_archived": "true"}).json()
    assert listed["data"] == []


def test_qoder_limits_hold_at_their_edges_and_on_update(emulator: Emulator) -> None:
    body = {
        "name": "n" * 256,
        "model": {"id": "ultimate", "effort": "high", "context_window": 200000},
        "metadata": {**metadata(15), "k" * 64: "v" * 512},
        # A skill's version is a string and an MCP server's type url: the SDK's types.
        "skills": [{"type": "qoder", "skill_id": f"s{i}", "version": str(i)} for i in range(20)],
        "tools": [{"type": "agent_toolset_20260401", "enabled_tools": ["Bash", "DeliverArtifacts"]}],
        "mcp_servers": [{"type": "url", "name": "docs", "url": "https://mcp.example.com/sse"}],
    }
    created = qoder(emulator, "POST", AGENTS, body=body)
    assert created.status_code == 201, created.text
    agent = created.json()
    path = f"{AGENTS}/{agent['id']}"
    # A patch that would leave 17 keys is refused; one that swaps a key is fine.
    grown = qoder(emulator, "PUT", path, body={"metadata": {"extra": "v"}})
    assert qoder_error(grown, 400, "invalid_request_error")["param"] == "metadata"
    swapped = qoder(emulator, "PUT", path, body={"metadata": {"k0": None, "extra": "v"}, "version": 1})
    assert swapped.status_code == 200 and len(swapped.json()["metadata"]) == 16
    wrong_version = qoder(emulator, "PUT", path, body={"description": "x", "version": "2"})
    assert qoder_error(wrong_version, 400, "invalid_request_error")["param"] == "version"
    cleared = qoder(emulator, "PUT", path, body={"name": None})
    assert qoder_error(cleared, 400, "invalid_request_error")["param"] == "name"
    emptied = qoder(emulator, "PUT", path, body={"tools": None, "description": None})
    assert emptied.status_code == 200 and emptied.json()["tools"] == [] and emptied.json()["description"] == ""


# -- 5. signature nonces ---------------------------------------------------------------------------


def test_a_missing_nonce_is_refused(emulator: Emulator) -> None:
    request = signed(emulator, "GET", RUNTIMES, drop=("x-acs-signature-nonce",))
    with httpx.Client(timeout=30) as client:
        response = client.send(request)
    assert "x-acs-signature-nonce" in agentrun_error(response, 400, "MissingSignatureNonce")


def test_a_replayed_request_is_refused_and_a_retried_one_passes(emulator: Emulator) -> None:
    body = json.dumps(runtime_body(agentRuntimeName="replayed")).encode()
    request = signed(emulator, "POST", RUNTIMES, body=body)
    with httpx.Client(timeout=30) as client:
        first = client.send(request)
        assert first.status_code == 200, first.text
        replay = client.send(request)  # byte for byte
    assert agentrun_error(replay, 400, "SignatureNonceUsed") == "Specified signature nonce was used already."

    # The provider's client signs each attempt again: a lost answer (the service did the work,
    # so it saw the nonce, then a 504) is retried with a fresh nonce and goes through.
    emulator.fault(kind="lost", method="GET", path=RUNTIMES, seconds=0.1, times=2)
    settings = Settings(
        credentials=Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        endpoint=emulator.url,
        region="cn-hangzhou",
        timeout=10,
    )
    with AgentRunClient(settings, retry=RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.1)) as client:
        assert [r["agentRuntimeName"] for r in client.list_runtimes()] == ["replayed"]


def test_a_replay_is_refused_across_a_restart(tmp_path: Path) -> None:
    emulator = start_emulator(tmp_path / "data")
    request = signed(emulator, "GET", RUNTIMES)
    try:
        with httpx.Client(timeout=30) as client:
            assert client.send(request).status_code == 200
        emulator.process.terminate()
        emulator.process.wait(10)
        emulator = start_emulator(tmp_path / "data", port=int(emulator.host.rsplit(":", 1)[1]))
        with httpx.Client(timeout=30) as client:
            agentrun_error(client.send(request), 400, "SignatureNonceUsed")
            assert client.send(signed(emulator, "GET", RUNTIMES)).status_code == 200
    finally:
        emulator.process.terminate()
        emulator.process.wait(10)


def test_nonces_are_forgotten_once_out_of_the_window(tmp_path: Path) -> None:
    store = Store(tmp_path / "nonces.sqlite3")
    assert store.claim_nonce("agentrun", "n1", expires=100.0, now=0.0)
    assert not store.claim_nonce("agentrun", "n1", expires=100.0, now=50.0)
    assert store.claim_nonce("other", "n1", expires=100.0, now=50.0)  # per service
    reopened = Store(tmp_path / "nonces.sqlite3")  # a restart remembers them
    assert not reopened.claim_nonce("agentrun", "n1", expires=200.0, now=99.0)
    assert reopened.claim_nonce("agentrun", "n1", expires=300.0, now=101.0)  # pruned, usable again
    assert not reopened.claim_nonce("agentrun", "n1", expires=300.0, now=102.0)
    reopened.clear()  # /_emulator/reset forgets them with everything else
    assert reopened.claim_nonce("agentrun", "n1", expires=300.0, now=102.0)
