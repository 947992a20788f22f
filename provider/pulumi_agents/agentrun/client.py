"""A small, typed client for the AgentRun runtime API (ROA style, JSON, ACS3 signed).

Only the operations the provider needs; the official SDK ``alibabacloud-agentrun20250910``
covers everything else and is used in the tests as a peer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from pulumi_agents import _config, _http
from pulumi_agents._api import Operation
from pulumi_agents.agentrun import signing
from pulumi_agents.errors import ApiError, AuthenticationError, BusyError, ConflictError, NotFoundError

BASE = f"/{signing.API_VERSION}/agents/runtimes"


def _runtime(runtime_id: str) -> str:
    return f"{BASE}/{quote(runtime_id, safe='')}"


def _endpoint(runtime_id: str, endpoint_id: str) -> str:
    return f"{_runtime(runtime_id)}/endpoints/{quote(endpoint_id, safe='')}"


# Status codes Alibaba Cloud uses for bad credentials; a 404 with one of these is not
# "the resource is gone" (reading it so would make `pulumi refresh` drop every resource).
_AUTH_CODES = (
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthorization",
    "InvalidSecurityToken",
    "MissingSecurityToken",
)


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None
    # Where each was read (setting -> "stack config agentrun:accessKeyId"), for the message that
    # names the one the service refused.
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret=***)"


@dataclass(frozen=True)
class Settings:
    """Where and how to reach AgentRun; built per call, never pickled with a provider."""

    credentials: Credentials
    region: str = field(default_factory=lambda: str(_config.default("agentrun", "region")))
    endpoint: str | None = None
    timeout: float = field(default_factory=lambda: float(_config.default("agentrun", "httpTimeout")))

    @property
    def base_url(self) -> str:
        if self.endpoint:
            return self.endpoint if "://" in self.endpoint else f"https://{self.endpoint}"
        return f"https://agentrun.{self.region}.aliyuncs.com"

    @classmethod
    def from_sources(cls, config: Mapping[str, Any] | None = None) -> Settings:
        """Pulumi config ``agentrun:*`` first, then the ``ALIBABA_CLOUD_*`` environment variables;
        with no access key in either, Alibaba Cloud's default credential chain (``_credentials``)."""
        from pulumi_agents import _credentials

        found = _config.read("agentrun", config or {})
        return cls(
            credentials=_credentials.alibaba(found, config or {}),
            region=found["region"],
            endpoint=found.get("endpoint"),
            timeout=float(found["httpTimeout"]),
        )


class AgentRunClient:
    """Runtime operations; every error envelope becomes an ApiError with the request id."""

    def __init__(self, settings: Settings, *, retry: _http.RetryPolicy | None = None) -> None:
        self.settings = settings
        self._retry = retry or _http.RetryPolicy()
        self._http = _http.shared_client(settings.base_url, settings.timeout)
        self._host = urlsplit(settings.base_url).netloc
        # Where the address comes from: the endpoint setting when it is set, the region's otherwise.
        self._origin = _config.origin("agentrun", "endpoint" if settings.endpoint else "region")

    def close(self) -> None:
        """Nothing to release: the HTTP client is the process's shared one (``_http.shared_client``)."""

    def __enter__(self) -> AgentRunClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        op: Operation,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Any operation of a kind's ``x-api`` (``_api.Operation``), on a path already filled in.
        Writes are not repeated after a lost answer: the life cycle looks before it sends again."""
        safe = op.safe_to_repeat if idempotent is None else idempotent
        return self._call(op.method, path, op.action, body=body, query=query, idempotent=safe)

    # -- runtimes ------------------------------------------------------------------------

    def create_runtime(self, body: Mapping[str, Any]) -> dict[str, Any]:
        # Not idempotent: a lost answer is resolved by the caller (look the name up), not here.
        return self._call("POST", BASE, "CreateAgentRuntime", body=body, idempotent=False)

    def get_runtime(self, runtime_id: str, *, version: str | None = None) -> dict[str, Any]:
        """The runtime, or with ``version`` its configuration as that published version froze it."""
        query = {"agentRuntimeVersion": version} if version else None
        return self._call("GET", _runtime(runtime_id), "GetAgentRuntime", query=query)

    def update_runtime(self, runtime_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        # Every update restarts the runtime, so even the same PUT is never repeated blindly: after
        # a lost answer the caller looks at the runtime and sends again only if it did not apply.
        return self._call("PUT", _runtime(runtime_id), "UpdateAgentRuntime", body=body, idempotent=False)

    def delete_runtime(self, runtime_id: str) -> dict[str, Any]:
        return self._call("DELETE", _runtime(runtime_id), "DeleteAgentRuntime")

    def list_runtimes(self, *, name: str | None = None) -> list[dict[str, Any]]:
        """Every runtime (all pages); ``name`` filters by exact name."""
        query = {"agentRuntimeName": name, "searchMode": "exact"} if name else {}
        items = self._pages(BASE, "ListAgentRuntimes", query)
        return [i for i in items if not name or i.get("agentRuntimeName") == name]

    def check_credentials(self) -> None:
        """The cheapest authenticated read: one runtime of the first page (``_credentials.verify``)."""
        self._call("GET", BASE, "ListAgentRuntimes", query={"pageNumber": "1", "pageSize": "1"})

    # -- endpoints -----------------------------------------------------------------------

    def create_endpoint(self, runtime_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        # Not idempotent either: a lost answer is resolved by looking the name up.
        path = f"{_runtime(runtime_id)}/endpoints"
        return self._call("POST", path, "CreateAgentRuntimeEndpoint", body=body, idempotent=False)

    def get_endpoint(self, runtime_id: str, endpoint_id: str) -> dict[str, Any]:
        return self._call("GET", _endpoint(runtime_id, endpoint_id), "GetAgentRuntimeEndpoint")

    def update_endpoint(self, runtime_id: str, endpoint_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        # Like a runtime's: the caller resolves a lost answer by looking, never by repeating.
        action = "UpdateAgentRuntimeEndpoint"
        return self._call("PUT", _endpoint(runtime_id, endpoint_id), action, body=body, idempotent=False)

    def delete_endpoint(self, runtime_id: str, endpoint_id: str) -> dict[str, Any]:
        return self._call("DELETE", _endpoint(runtime_id, endpoint_id), "DeleteAgentRuntimeEndpoint")

    def list_endpoints(self, runtime_id: str, *, name: str | None = None) -> list[dict[str, Any]]:
        """Every endpoint of a runtime (all pages); ``name`` filters by exact name."""
        query = {"endpointName": name, "searchMode": "exact"} if name else {}
        items = self._pages(f"{_runtime(runtime_id)}/endpoints", "ListAgentRuntimeEndpoints", query)
        return [i for i in items if not name or i.get("agentRuntimeEndpointName") == name]

    # -- versions ------------------------------------------------------------------------

    def publish_version(self, runtime_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        # Each publish makes a new version: never repeated blindly (the caller lists after a lost answer).
        path = f"{_runtime(runtime_id)}/versions"
        return self._call("POST", path, "PublishRuntimeVersion", body=body, idempotent=False)

    def list_versions(self, runtime_id: str) -> list[dict[str, Any]]:
        """Every published version of a runtime (all pages)."""
        return self._pages(f"{_runtime(runtime_id)}/versions", "ListAgentRuntimeVersions", {})

    # -- plumbing ------------------------------------------------------------------------

    def _pages(self, path: str, action: str, query: Mapping[str, str], page_size: int = 50) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self._call("GET", path, action, query={**query, "pageNumber": str(page), "pageSize": str(page_size)})
            batch = data.get("items") or []
            items += batch
            if not batch or page * page_size >= int(data.get("total") or 0):
                return items
            page += 1

    def _call(
        self,
        method: str,
        path: str,
        action: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        payload = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        query = dict(query or {})
        creds = self.settings.credentials

        def build() -> httpx.Request:
            headers = {"host": self._host, "accept": "application/json"}
            if body is not None:
                headers["content-type"] = "application/json; charset=utf-8"
            signed = signing.sign(
                method=method,
                path=path,
                query=query,
                headers=headers,
                body=payload,
                action=action,
                access_key_id=creds.access_key_id,
                access_key_secret=creds.access_key_secret,
                security_token=creds.security_token,
            )
            return self._http.build_request(method, path, params=query, content=payload, headers=signed)

        response = _http.send(
            self._http, build, idempotent=idempotent, what=f"AgentRun {action}", policy=self._retry,
            setting=self._origin,
        )
        try:
            return self._unwrap(action, response)
        except AuthenticationError as exc:
            from pulumi_agents import _credentials

            exc.blame = _credentials.blame("agentrun", exc.code, creds.origins)
            raise

    @staticmethod
    def _unwrap(action: str, response: httpx.Response) -> dict[str, Any]:
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            raise ApiError(
                "AgentRun",
                action,
                response.status_code,
                "InvalidResponse",
                f"answer is not a JSON object: {response.text[:200]!r}",
            )
        if response.is_success and envelope.get("code") in (None, "SUCCESS"):
            data = envelope.get("data")
            return data if isinstance(data, dict) else {}
        code = str(envelope.get("code") or envelope.get("Code") or "Unknown")
        message = str(envelope.get("message") or envelope.get("Message") or response.reason_phrase)
        request_id = envelope.get("requestId") or envelope.get("RequestId")
        status = response.status_code
        lowered = message.lower()
        cls = ApiError
        if status == 404 and not code.startswith(_AUTH_CODES) and ("not exist" in lowered or "not found" in lowered):
            cls = NotFoundError
        elif status in (400, 409) and "already exists" in lowered:
            cls = ConflictError
        elif status == 409:  # "is UPDATING": another operation is in flight
            cls = BusyError
        elif code.startswith(_AUTH_CODES) or status == 401:
            cls = AuthenticationError
        raise cls("AgentRun", action, status, code, message, request_id)
