"""Qoder agents as the service keeps them: versions, archive, delete, and idempotency records.

Idempotency follows the documented rules: per token and key, kept 24 h; the same key with the
same body replays the original answer (status and body); the same key with another body is a
409 conflict_error.

Every change of more than one row (an agent and its version snapshot, an agent and every
version it had, and the idempotency record of the request that made the change) runs in one
``Store.transaction()``: a crash between the writes leaves none of them, so a retry with the same
Idempotency-Key runs the operation again and makes exactly one agent.

Field limits (the documented ones, mirrored in schema.json), each a 400 invalid_request_error
whose ``param`` names the field: ``name`` 1-256 characters; ``model`` a non-empty string or an
object with a non-empty ``id``; ``instructions``/``system``/``description`` strings; ``tools`` a
list of ``{"type": "agent_toolset_20260401", "enabled_tools": [known tool names]}``;
``mcp_servers`` a list of ``{"type": "url"|"http", "name", "url": http(s)}``; ``skills`` at most 20
``{"type": "custom"|"qoder", "skill_id", "version"?}``; ``metadata`` at most 16 keys (after an
update's patch too), keys 1-64 characters, values strings of at most 512 (null deletes);
``version`` (update) a whole number. A JSON null is a field left out on create; on update it
clears a clearable field ("" or []) and is refused for ``name`` and ``model``.
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
KNOWN_TOOLS = ("Bash", "Read", "Write", "Edit", "Glob", "Grep", "WebFetch", "WebSearch", "DeliverArtifacts")
SKILL_TYPES = ("custom", "qoder")
MCP_TYPES = ("url", "http")  # one generation of the docs says http
MAX_NAME = 256
MAX_SKILLS = 20
MAX_METADATA_KEYS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
CLEARED: dict[str, Any] = {"instructions": "", "description": "", "tools": [], "mcp_servers": [], "skills": []}


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _model(model: Any) -> None:
    if isinstance(model, str):
        if not model:
            raise _invalid("model must be a non-empty model name or an object with an id", "model")
        return
    if not isinstance(model, dict) or not isinstance(model.get("id"), str) or not model["id"]:
        raise _invalid("model must be a non-empty model name or an object with an id", "model")
    effort = model.get("effort")
    if effort is not None and (not isinstance(effort, str) or not effort):
        raise _invalid("model.effort must be a non-empty string", "model.effort")
    window = model.get("context_window")
    if window is not None and (not _is_int(window) or window <= 0):
        raise _invalid("model.context_window must be a whole number above 0", "model.context_window")


def _objects(body: dict[str, Any], field: str) -> list[dict[str, Any]]:
    items = body.get(field)
    if items is None:
        return []
    if not isinstance(items, list):
        raise _invalid(f"{field} must be a list", field)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _invalid(f"{field}[{index}] must be an object", f"{field}[{index}]")
    return items


def _tools(body: dict[str, Any]) -> None:
    for index, tool in enumerate(_objects(body, "tools")):
        where = f"tools[{index}]"
        if tool.get("type") not in KNOWN_TOOLSETS:  # the wording clients already match on
            raise _invalid("unknown toolset type", f"{where}.type")
        enabled = tool.get("enabled_tools")
        if enabled is None:
            continue
        if not isinstance(enabled, list):
            raise _invalid(f"{where}.enabled_tools must be a list of tool names", f"{where}.enabled_tools")
        for position, name in enumerate(enabled):
            if name not in KNOWN_TOOLS:
                raise _invalid(
                    f"{where}.enabled_tools[{position}] {str(name)[:60]!r} is not a known tool "
                    f"(known: {', '.join(KNOWN_TOOLS)})",
                    f"{where}.enabled_tools[{position}]",
                )


def _mcp_servers(body: dict[str, Any]) -> None:
    for index, server in enumerate(_objects(body, "mcp_servers")):
        where = f"mcp_servers[{index}]"
        if server.get("type") not in MCP_TYPES:
            raise _invalid(f"{where}.type must be one of {', '.join(MCP_TYPES)}", f"{where}.type")
        if not isinstance(server.get("name"), str) or not server["name"]:
            raise _invalid(f"{where}.name is required (a non-empty string)", f"{where}.name")
        url = server.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _invalid(f"{where}.url must be an http(s) URL", f"{where}.url")


def _skills(body: dict[str, Any]) -> None:
    skills = _objects(body, "skills")
    if len(skills) > MAX_SKILLS:
        raise _invalid(f"skills has {len(skills)} entries: at most {MAX_SKILLS}", "skills")
    for index, skill in enumerate(skills):
        where = f"skills[{index}]"
        if skill.get("type") not in SKILL_TYPES:
            raise _invalid(f"{where}.type must be one of {', '.join(SKILL_TYPES)}", f"{where}.type")
        if not isinstance(skill.get("skill_id"), str) or not skill["skill_id"]:
            raise _invalid(f"{where}.skill_id is required (a non-empty string)", f"{where}.skill_id")
        version = skill.get("version")
        if version is not None and not (isinstance(version, str) or _is_int(version)):
            raise _invalid(f"{where}.version must be a string or a whole number", f"{where}.version")


def _metadata(body: dict[str, Any]) -> None:
    metadata = body.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise _invalid("metadata must be an object of strings", "metadata")
    for key, value in metadata.items():
        if not key or len(key) > MAX_METADATA_KEY:
            raise _invalid(
                f"metadata key {key[:60]!r} must be 1 to {MAX_METADATA_KEY} characters (it has {len(key)})",
                f"metadata.{key[:MAX_METADATA_KEY]}",
            )
        if value is not None and not isinstance(value, str):
            raise _invalid(f"metadata.{key} must be a string (or null to delete it)", f"metadata.{key}")
        if value is not None and len(value) > MAX_METADATA_VALUE:
            raise _invalid(
                f"metadata.{key} must be at most {MAX_METADATA_VALUE} characters (it has {len(value)})",
                f"metadata.{key}",
            )


def _metadata_count(metadata: dict[str, Any]) -> None:
    if len(metadata) > MAX_METADATA_KEYS:
        raise _invalid(f"metadata has {len(metadata)} keys: at most {MAX_METADATA_KEYS}", "metadata")


def _validate(body: dict[str, Any], *, creating: bool) -> None:
    for field in ("name", "model"):
        if creating and body.get(field) in (None, ""):
            raise _invalid(f"{field} is required", field)
        if not creating and field in body and body[field] in (None, ""):
            raise _invalid(f"{field} cannot be cleared", field)
    name = body.get("name")
    if name is not None and not (isinstance(name, str) and 1 <= len(name) <= MAX_NAME):
        length = f" (it has {len(name)})" if isinstance(name, str) else ""
        raise _invalid(f"name must be a string of 1 to {MAX_NAME} characters{length}", "name")
    if body.get("model") is not None:
        _model(body["model"])
    for text in ("instructions", "system", "description"):
        if body.get(text) is not None and not isinstance(body[text], str):
            raise _invalid(f"{text} must be a string", text)
    _tools(body)
    _mcp_servers(body)
    _skills(body)
    _metadata(body)
    version = None if creating else body.get("version")
    if version is not None and (not _is_int(version) or version < 1):
        raise _invalid("version must be a whole number (the agent's current version)", "version")


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
        with self.store.transaction():  # the operation's writes and the record: all or none
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
            "description": body.get("description") or "",
            "model": body["model"],
            "instructions": body.get("instructions") or body.get("system") or "",
            "tools": body.get("tools") or [],
            "mcp_servers": body.get("mcp_servers") or [],
            "skills": body.get("skills") or [],
            "metadata": {k: v for k, v in (body.get("metadata") or {}).items() if v is not None},
            "default_environment": "",
            "version": 1,
            "archived": False,
            "archived_at": None,
            "created_at": now,
            "updated_at": now,
        }
        _metadata_count(agent["metadata"])
        with self.store.transaction():
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
        with self.store.transaction():
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
                _metadata_count(agent["metadata"])
            for name, empty in CLEARED.items():  # null clears what can be cleared
                if name in changes and changes[name] is None:
                    changes[name] = copy.deepcopy(empty)
            agent.update(changes)
            agent["version"] += 1
            agent["updated_at"] = _timestamp(self.clock())
            self.store.put(KIND, agent_id, agent)
            self._snapshot(agent)
        return agent

    def archive(self, agent_id: str) -> dict[str, Any]:
        with self.store.transaction():
            agent = self._load(agent_id)
            if not agent["archived"]:  # idempotent, and no version bump
                agent["archived"], agent["archived_at"] = True, _timestamp(self.clock())
                self.store.put(KIND, agent_id, agent)
        return agent

    def delete(self, agent_id: str) -> dict[str, Any]:
        with self.store.transaction():  # the agent and every version, or none of them
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
