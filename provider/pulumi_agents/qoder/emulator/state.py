"""Qoder agents as the service keeps them: versions, archive, delete, and idempotency records.

Idempotency follows the documented rules: per token and key, kept 24 h; the same key with the
same body replays the original answer (status and body); the same key with another body is a
409 conflict_error.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pulumi_agents.emulator.store import Store

KIND = "qoder.agent"
VERSIONS = "qoder.version"
IDEMPOTENCY = "qoder.idempotency"
IDEMPOTENCY_TTL = 24 * 3600
FIELDS = ("name", "description", "model", "instructions", "tools", "mcp_servers", "skills", "metadata")
EXTENDED_ONLY = ("skills", "metadata")
KNOWN_TOOLSETS = ("agent_toolset_20260401",)


class QoderError(Exception):
    """An answer in the documented error envelope."""

    def __init__(self, status: int, kind: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.param = status, kind, message, param

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.kind, "message": self.message}
        if self.param:
            error["param"] = self.param
        return {"type": "error", "error": error}


def _invalid(message: str, param: str) -> QoderError:
    return QoderError(400, "invalid_request_error", message, param)


def _timestamp(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}".rstrip("0").ljust(1, "0") + "Z"


def _validate(body: dict[str, Any], *, creating: bool) -> None:
    if creating:
        for name in ("name", "model"):
            if body.get(name) in (None, ""):
                raise _invalid(f"{name} is required", name)
    elif "name" in body and not body["name"]:
        raise _invalid("name cannot be cleared", "name")
    elif "model" in body and not body["model"]:
        raise _invalid("model cannot be cleared", "model")
    if "name" in body and not (isinstance(body["name"], str) and 1 <= len(body["name"]) <= 256):
        raise _invalid("name must be between 1 and 256 characters", "name")
    model = body.get("model")
    if model is not None and not (isinstance(model, str) or (isinstance(model, dict) and model.get("id"))):
        raise _invalid("model must be a string or an object with an id", "model")
    for index, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or tool.get("type") not in KNOWN_TOOLSETS:
            raise _invalid("unknown toolset type", f"tools[{index}].type")
    skills = body.get("skills") or []
    if len(skills) > 20:
        raise _invalid("at most 20 skills", "skills")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise _invalid("metadata must be an object", "metadata")
    for key, value in metadata.items():
        if len(key) > 64 or (value is not None and (not isinstance(value, str) or len(value) > 512)):
            raise _invalid("metadata keys must be at most 64 characters and values at most 512", f"metadata.{key}")


class QoderState:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock

    # -- idempotency -------------------------------------------------------------------------

    def idempotent(
        self,
        token: str,
        key: str | None,
        method: str,
        path: str,
        body: bytes,
        operation: Callable[[], tuple[int, dict[str, Any]]],
    ) -> tuple[int, dict[str, Any]]:
        """Run ``operation`` once per (token, key): replay its answer, refuse another body."""
        if not key:
            return operation()
        record_id = hashlib.sha256(f"{token}\n{key}".encode()).hexdigest()
        fingerprint = hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()
        with self.store.lock:
            record = self.store.get(IDEMPOTENCY, record_id)
            if record and record["expires"] > self.clock():
                if record["fingerprint"] != fingerprint:
                    raise QoderError(409, "conflict_error", "Idempotency key reused with a different request body")
                return record["status"], record["answer"]
            try:
                status, answer = operation()
            except QoderError as exc:
                status, answer = exc.status, exc.body()
            if status < 500:  # a server error is not a final answer: let the client retry
                self.store.put(
                    IDEMPOTENCY,
                    record_id,
                    {
                        "fingerprint": fingerprint,
                        "status": status,
                        "answer": answer,
                        "expires": self.clock() + IDEMPOTENCY_TTL,
                    },
                )
            return status, answer

    # -- agents ------------------------------------------------------------------------------

    def _load(self, agent_id: str) -> dict[str, Any]:
        agent = self.store.get(KIND, agent_id)
        if agent is None:
            raise QoderError(404, "not_found_error", f"agent {agent_id} not found")
        return agent

    @staticmethod
    def view(agent: dict[str, Any], *, extended: bool) -> dict[str, Any]:
        shown = copy.deepcopy(agent)
        shown["system"] = shown.get("instructions", "")
        if not extended:
            for name in EXTENDED_ONLY:
                shown.pop(name, None)
        return shown

    def _snapshot(self, agent: dict[str, Any]) -> None:
        self.store.put(VERSIONS, f"{agent['id']}@{agent['version']:08d}", agent)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        _validate(body, creating=True)
        now = _timestamp(self.clock())
        agent = {
            "type": "agent",
            "id": "agent_" + secrets.token_hex(16),
            "name": body["name"],
            "description": body.get("description", ""),
            "model": body["model"],
            "instructions": body.get("instructions", body.get("system", "")),
            "tools": body.get("tools", []),
            "mcp_servers": body.get("mcp_servers", []),
            "skills": body.get("skills", []),
            "metadata": {k: v for k, v in (body.get("metadata") or {}).items() if v is not None},
            "default_environment": "",
            "version": 1,
            "archived": False,
            "archived_at": None,
            "created_at": now,
            "updated_at": now,
        }
        with self.store.lock:
            self.store.put(KIND, agent["id"], agent)
            self._snapshot(agent)
        return agent

    def get(self, agent_id: str, version: int | None = None) -> dict[str, Any]:
        agent = self._load(agent_id)
        if version is None or version == agent["version"]:
            return agent
        old = self.store.get(VERSIONS, f"{agent_id}@{version:08d}")
        if old is None:
            raise QoderError(404, "not_found_error", f"agent {agent_id} has no version {version}")
        return old

    def update(self, agent_id: str, body: dict[str, Any]) -> dict[str, Any]:
        _validate(body, creating=False)
        with self.store.lock:
            agent = self._load(agent_id)
            if agent["archived"]:
                raise QoderError(403, "permission_error", f"agent {agent_id} is archived and locked")
            expected = body.get("version")
            if expected is not None and expected != agent["version"]:
                raise QoderError(
                    409,
                    "conflict_error",
                    f"version {expected} does not match the current version {agent['version']}",
                    "version",
                )
            changes = {k: v for k, v in body.items() if k in FIELDS or k == "system"}
            if "system" in changes and "instructions" not in changes:
                changes["instructions"] = changes["system"]
            changes.pop("system", None)
            if "metadata" in changes:  # a patch: null deletes a key
                merged = {**agent["metadata"], **(changes.pop("metadata") or {})}
                agent["metadata"] = {k: v for k, v in merged.items() if v is not None}
            agent.update(changes)
            agent["version"] += 1
            agent["updated_at"] = _timestamp(self.clock())
            self.store.put(KIND, agent_id, agent)
            self._snapshot(agent)
        return agent

    def archive(self, agent_id: str) -> dict[str, Any]:
        with self.store.lock:
            agent = self._load(agent_id)
            if not agent["archived"]:  # idempotent, and no version bump
                agent["archived"], agent["archived_at"] = True, _timestamp(self.clock())
                self.store.put(KIND, agent_id, agent)
        return agent

    def delete(self, agent_id: str) -> dict[str, Any]:
        with self.store.lock:
            self._load(agent_id)
            self.store.delete(KIND, agent_id)
            for old in list(self.store.all(VERSIONS)):
                if old["id"] == agent_id:
                    self.store.delete(VERSIONS, f"{agent_id}@{old['version']:08d}")
        return {"type": "agent", "id": agent_id, "deleted": True}

    def versions(self, agent_id: str) -> list[dict[str, Any]]:
        self._load(agent_id)
        found = [v for v in self.store.all(VERSIONS) if v["id"] == agent_id]
        return sorted(found, key=lambda v: v["version"], reverse=True)

    def list(
        self, *, include_archived: bool, limit: int, after_id: str | None, before_id: str | None
    ) -> dict[str, Any]:
        agents = [a for a in self.store.all(KIND) if include_archived or not a["archived"]]
        ids = [a["id"] for a in agents]
        if after_id in ids:
            agents = agents[ids.index(after_id) + 1 :]
        elif before_id in ids:
            agents = agents[: ids.index(before_id)][-limit:]
        page = agents[:limit]
        return {
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(agents) > len(page),
        }


def canonical_body(raw: bytes) -> bytes:
    """The body as the idempotency fingerprint sees it: parsed and re-serialised, so key order
    and whitespace do not make the same request look different."""
    try:
        return json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        return raw
