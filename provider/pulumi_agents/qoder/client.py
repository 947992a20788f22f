"""A small, typed client for Qoder cloud agents (``/api/v1/cloud/agents``, bearer token).

It speaks both generations of Qoder's API: updates go out as POST (what the SDK ``qca-sdk`` sends
and one doc allows), lists follow whichever cursor an answer carries (``next_page``, sent back as
``page``, else ``last_id`` as ``after_id``), and every call carries the workspace
(``qoder-workspace-id``) and the beta features (``x-qoder-beta``) when they are set.

Writes that carry an ``Idempotency-Key`` are retried on 408/429/5xx and lost answers (the
service replays the original answer for the same key and body); writes without one are not.
A 409 is never retried.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
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
    workspace_id: str | None = None  # the qoder-workspace-id header
    betas: str | None = None  # the x-qoder-beta header (comma-separated)
    token_from: str = field(default="", compare=False)  # where the token was read, for a refusal's message

    @classmethod
    def from_sources(cls, config: Mapping[str, Any] | None = None, *, workspace_id: str | None = None) -> Settings:
        """Pulumi config ``qoder:*`` first, then the SDK's ``QODER_ACCESS_TOKEN`` (``QODER_PAT``) and
        ``QODER_MANAGED_BASE_URL`` (``QODER_BASE_URL``); a resource's own ``workspace_id`` wins
        over ``qoder:workspaceId``."""
        from pulumi_agents import _credentials

        found = _config.read("qoder", config or {})
        return cls(
            token=found["token"],
            base_url=found["baseUrl"].rstrip("/"),
            timeout=float(found["httpTimeout"]),
            workspace_id=workspace_id or found.get("workspaceId") or None,
            betas=found.get("betas") or None,
            token_from=_credentials.read_from("qoder", "token", config or {}),
        )

    def headers(self) -> dict[str, str]:
        """What every call sends besides the token: the workspace and the beta features."""
        sent = {"qoder-workspace-id": self.workspace_id, "x-qoder-beta": self.betas}
        return {k: v for k, v in sent.items() if v}


def next_cursor(page: Mapping[str, Any]) -> dict[str, str] | None:
    """The query of the page after ``page``, or None after the last: the SDK's generation answers
    ``next_page`` (sent back as ``page``), the docs' ``last_id`` while ``has_more`` (sent back
    as ``after_id``). Either generation of the service pages right."""
    if page.get("has_more") is False:
        return None
    if page.get("next_page"):
        return {"page": str(page["next_page"])}
    if page.get("has_more") and page.get("last_id"):
        return {"after_id": str(page["last_id"])}
    return None


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

    def upload(
        self,
        op: Operation,
        path: str,
        *,
        fields: Mapping[str, Any],
        files: Sequence[tuple[str, str, bytes, str]],
        key: str,
    ) -> dict[str, Any]:
        """A multipart upload, as ``qca-sdk`` sends one: text fields (JSON for what is not a string)
        and file parts ``(field, name, content, media type)``. With an Idempotency-Key and a
        boundary derived from it, a resend after a lost answer is byte for byte the same request,
        which the service replays."""
        form = {k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in fields.items()}
        parts = [(field, (name, content, media)) for field, name, content, media in files]
        boundary = key.rsplit("-", 1)[-1][:40]
        return self._call(
            op.method,
            path,
            op.action,
            form=form,
            files=parts,
            key=key,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def download(self, op: Operation, path: str) -> bytes:
        """The content a GET answers (a skill version's archive), as bytes."""
        response = self._send(op.method, path, op.action, headers={"accept": "*/*"}, idempotent=True)
        if not response.is_success:
            self._answer(op.action, response)  # raises the service's error
        return response.content

    # -- agents ----------------------------------------------------------------------------

    def create_agent(self, body: Mapping[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/agents", "create agent", body=body, key=idempotency_key)

    def get_agent(self, agent_id: str) -> dict[str, Any]:
        return self._call("GET", f"/agents/{quote(agent_id, safe='')}", "get agent", headers=EXTENDED)

    def update_agent(
        self, agent_id: str, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        # POST: the SDK's method, which the docs allow too (most of them show PUT).
        return self._call("POST", f"/agents/{quote(agent_id, safe='')}", "update agent", body=body, key=idempotency_key)

    def archive_agent(self, agent_id: str) -> dict[str, Any]:
        # Archiving is idempotent by definition: safe to retry without a key.
        return self._call("POST", f"/agents/{quote(agent_id, safe='')}/archive", "archive agent", idempotent=True)

    def delete_agent(self, agent_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/agents/{quote(agent_id, safe='')}", "delete agent", idempotent=True)

    def list_agents(self, *, include_archived: bool = False, limit: int = 100) -> Iterator[dict[str, Any]]:
        """Every agent, following whichever cursor the answers carry (``next_cursor``)."""
        query = {"limit": str(limit)}
        if include_archived:
            query["include_archived"] = "true"
        cursor: dict[str, str] = {}
        while True:
            page = self._call("GET", "/agents", "list agents", query={**query, **cursor})
            yield from page.get("data") or []
            found = next_cursor(page)
            if found is None or found == cursor:
                return
            cursor = found

    def check_credentials(self) -> None:
        """The cheapest authenticated read: one agent of the first page (``_credentials.verify``)."""
        self._call("GET", "/agents", "list agents", query={"limit": "1"})

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
        form: Mapping[str, str] | None = None,
        files: Sequence[tuple[str, tuple[str, bytes, str]]] | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        response = self._send(
            method, path, what, body=body, query=query, headers=headers, key=key, idempotent=idempotent,
            form=form, files=files, content_type=content_type,
        )  # fmt: skip
        return self._answer(what, response)

    def _send(
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
        form: Mapping[str, str] | None = None,
        files: Sequence[tuple[str, tuple[str, bytes, str]]] | None = None,
        content_type: str | None = None,
    ) -> httpx.Response:
        """One request, with the token and the headers every call carries, retried as it may be."""
        sent = {
            "authorization": f"Bearer {self.settings.token}",
            "accept": "application/json",
            **self.settings.headers(),
            **(headers or {}),
        }
        if key:
            sent["idempotency-key"] = key
        payload = json.dumps(body).encode() if body is not None else None
        if payload is not None:
            sent["content-type"] = "application/json"
        if content_type:
            sent["content-type"] = content_type
        safe = idempotent if idempotent is not None else (method == "GET" or key is not None)

        def build() -> httpx.Request:
            if files is not None:  # multipart: httpx encodes it with the boundary content_type names
                return self._http.build_request(method, path, params=query, data=form, files=files, headers=sent)
            return self._http.build_request(method, path, params=query, content=payload, headers=sent)

        return _http.send(
            self._http, build, idempotent=safe, what=f"Qoder {what}", policy=self._retry, setting=self._origin
        )

    def _answer(self, what: str, response: httpx.Response) -> dict[str, Any]:
        """The JSON answer, or the service's error; a refused token names where it was read."""
        try:
            return self._unwrap(what, response)
        except AuthenticationError as exc:
            from pulumi_agents import _credentials

            exc.blame = _credentials.blame("qoder", exc.code, {"token": self.settings.token_from})
            raise

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
        request_id = response.headers.get("request-id") or response.headers.get("x-request-id")
        cls = {401: AuthenticationError, 404: NotFoundError, 409: ConflictError}.get(response.status_code, ApiError)
        raise cls("Qoder", what, response.status_code, kind, message, request_id, error.get("param"))
