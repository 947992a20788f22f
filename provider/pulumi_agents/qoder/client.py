"""A small, typed client for Qoder cloud agents (``/api/v1/cloud/agents``, bearer token).

Writes that carry an ``Idempotency-Key`` are retried on 408/429/5xx and lost answers (the
service replays the original answer for the same key and body); writes without one are not.
A 409 is never retried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from pulumi_agents import _config, _http
from pulumi_agents._api import Operation
from pulumi_agents.errors import ApiError, AuthenticationError, ConflictError, NotFoundError

EXTENDED = {"X-CAS-Include-Extended": "true"}  # skills and metadata only come back with it


@dataclass(frozen=True)
class Settings:
    """Where and how to reach Qoder; built per call, never pickled with a provider."""

    token: str = field(repr=False)
    base_url: str = field(default_factory=lambda: str(_config.default("qoder", "baseUrl")))
    timeout: float = field(default_factory=lambda: float(_config.default("qoder", "httpTimeout")))

    @classmethod
    def from_sources(cls, config: Mapping[str, Any] | None = None) -> Settings:
        """Pulumi config ``qoder:*`` first, then ``QODER_PAT`` / ``QODER_BASE_URL``."""
        found = _config.read("qoder", config or {})
        return cls(token=found["token"], base_url=found["baseUrl"].rstrip("/"), timeout=float(found["httpTimeout"]))


def idempotency_key(*parts: Any) -> str:
    """A stable key for the same parts (canonical JSON), e.g. a resource's seed and its inputs."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return "pulumi-agents-" + hashlib.sha256(canonical.encode()).hexdigest()[:48]


class QoderClient:
    def __init__(self, settings: Settings, *, retry: _http.RetryPolicy | None = None) -> None:
        self.settings = settings
        self._retry = retry or _http.RetryPolicy()
        self._http = _http.shared_client(settings.base_url, settings.timeout)
        self._origin = _config.origin("qoder", "baseUrl")

    def close(self) -> None:
        """Nothing to release: the HTTP client is the process's shared one (``_http.shared_client``)."""

    def __enter__(self) -> QoderClient:
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
        """Any operation of a kind's ``x-api`` (``_api.Operation``), on a path already filled in."""
        headers = EXTENDED if op.method == "GET" else None
        safe = op.safe_to_repeat if idempotent is None else idempotent
        return self._call(op.method, path, op.action, body=body, query=query, headers=headers, idempotent=safe)

    # -- agents ----------------------------------------------------------------------------

    def create_agent(self, body: Mapping[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/agents", "create agent", body=body, key=idempotency_key)

    def get_agent(self, agent_id: str) -> dict[str, Any]:
        return self._call("GET", f"/agents/{quote(agent_id, safe='')}", "get agent", headers=EXTENDED)

    def update_agent(
        self, agent_id: str, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self._call("PUT", f"/agents/{quote(agent_id, safe='')}", "update agent", body=body, key=idempotency_key)

    def archive_agent(self, agent_id: str) -> dict[str, Any]:
        # Archiving is idempotent by definition: safe to retry without a key.
        return self._call("POST", f"/agents/{quote(agent_id, safe='')}/archive", "archive agent", idempotent=True)

    def delete_agent(self, agent_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/agents/{quote(agent_id, safe='')}", "delete agent", idempotent=True)

    def list_agents(self, *, include_archived: bool = False, limit: int = 100) -> Iterator[dict[str, Any]]:
        """Every agent, following the cursor."""
        after: str | None = None
        while True:
            query = {"limit": str(limit)}
            if include_archived:
                query["include_archived"] = "true"
            if after:
                query["after_id"] = after
            page = self._call("GET", "/agents", "list agents", query=query)
            yield from page.get("data") or []
            if not page.get("has_more") or not page.get("last_id"):
                return
            after = str(page["last_id"])

    # -- plumbing ----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        key: str | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        sent = {"authorization": f"Bearer {self.settings.token}", "accept": "application/json", **(headers or {})}
        if key:
            sent["idempotency-key"] = key
        payload = json.dumps(body).encode() if body is not None else None
        if payload is not None:
            sent["content-type"] = "application/json"
        safe = idempotent if idempotent is not None else (method == "GET" or key is not None)

        def build() -> httpx.Request:
            return self._http.build_request(method, path, params=query, content=payload, headers=sent)

        response = _http.send(
            self._http, build, idempotent=safe, what=f"Qoder {what}", policy=self._retry, setting=self._origin
        )
        return self._unwrap(what, response)

    @staticmethod
    def _unwrap(what: str, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_success and isinstance(data, dict):
            return data
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        kind = str(error.get("type") or f"http_{response.status_code}")
        message = str(error.get("message") or response.text[:200] or response.reason_phrase)
        request_id = response.headers.get("request-id")
        cls = {401: AuthenticationError, 404: NotFoundError, 409: ConflictError}.get(response.status_code, ApiError)
        raise cls("Qoder", what, response.status_code, kind, message, request_id, error.get("param"))
