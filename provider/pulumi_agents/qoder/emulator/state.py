"""Qoder agents as the service keeps them: versions, archive, delete, and idempotency records.

Idempotency follows the documented rules: per token and key, kept 24 h; the same key with the
same body replays the original answer (status and body); the same key with another body is a
409 conflict_error.

Every change of more than one row (an agent and its version snapshot, an agent and every
version it had, and the idempotency record of the request that made the change) runs in one
``Store.transaction()``: a crash between the writes leaves none of them, so a retry with the same
Idempotency-Key runs the operation again and makes exactly one agent.

Field limits are ``rules.py``'s. A JSON null is a field left out on create; on update it clears a
clearable field ("" or [] or null) and is refused for ``name`` and ``model``.

Answers carry the keys the SDK's ``Agent`` model knows, plus those the docs' sample answer shows
(``instructions``, ``default_environment``, ``archived``), nothing else. An agent lives in the
workspace it was made in (the ``qoder-workspace-id`` header; none for the default one): another
workspace does not see it. Lists page both ways: ``page`` (the SDK's, answered ``next_page``) and
``after_id``/``before_id`` (the docs', answered ``first_id``/``last_id``), in order of creation.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from pulumi_agents.emulator.store import Store
from pulumi_agents.qoder.emulator.collection import Collection
from pulumi_agents.qoder.emulator.rules import QoderError, invalid, metadata_count, references, validate

__all__ = ["QoderError", "QoderState", "canonical_body"]

KIND = "qoder.agent"
VERSIONS = "qoder.version"
IDEMPOTENCY = "qoder.idempotency"
IDEMPOTENCY_TTL = 24 * 3600
FIELDS = ("name", "description", "model", "instructions", "tools", "mcp_servers", "skills", "metadata", "multiagent")
EXTENDED_ONLY = ("skills", "metadata")
# What an answer shows, in this order: the SDK's Agent model, and the docs' three more keys.
SHOWN = (
    "type", "id", "name", "description", "model", "system", "instructions", "tools", "mcp_servers", "skills",
    "metadata", "multiagent", "default_environment", "version", "archived", "archived_at", "created_at", "updated_at",
)  # fmt: skip
CLEARED: dict[str, Any] = {
    "instructions": "",
    "description": "",
    "tools": [],
    "mcp_servers": [],
    "skills": [],
    "multiagent": None,
}


def _timestamp(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}".rstrip("0").ljust(1, "0") + "Z"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _prompt(body: dict[str, Any]) -> dict[str, Any]:
    """The body as kept: the prompt as ``instructions`` (``system`` is the SDK's name of it), and a
    coordinator's agents as objects (an id is ``{"type": "agent", "id": ...}``, as the SDK's answer
    model reads them)."""
    out = {k: v for k, v in body.items() if k != "system"}
    if "system" in body and "instructions" not in body:
        out["instructions"] = body["system"]
    team = out.get("multiagent")
    if isinstance(team, dict) and isinstance(team.get("agents"), list):
        agents = [{"type": "agent", "id": a} if isinstance(a, str) else a for a in team["agents"]]
        out["multiagent"] = {**team, "agents": agents}
    return out


class QoderState:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock
        self.signing_key = secrets.token_bytes(32)  # signs a file's download links (uploads.py)

    # -- the platform's other kinds (platform.py), each served from its schema.json entry ----

    @cached_property
    def collections(self) -> dict[str, Collection]:
        from pulumi_agents.qoder.emulator.platform import KINDS

        return {kind.type_name: Collection(kind, self) for kind in KINDS}

    def collection(self, type_name: str) -> Collection:
        return self.collections[type_name]

    def children(self, type_name: str) -> list[Collection]:
        """The kinds whose documents live under one of ``type_name`` (a vault's credentials)."""
        return [c for c in self.collections.values() if c.kind.parent == type_name]

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

    def _load(self, agent_id: str, workspace: str | None = None) -> dict[str, Any]:
        agent = self.store.get(KIND, agent_id)
        if agent is None or agent.get("workspace") != workspace:
            raise QoderError(404, "not_found_error", f"agent {agent_id} not found")
        return agent

    @staticmethod
    def view(agent: dict[str, Any], *, extended: bool) -> dict[str, Any]:
        shown = {k: copy.deepcopy(agent.get(k)) for k in SHOWN if k not in ("system", "instructions")}
        shown["system"] = shown["instructions"] = agent.get("instructions", "")
        if not extended:
            for name in EXTENDED_ONLY:
                shown.pop(name, None)
        return {k: shown[k] for k in SHOWN if k in shown}

    def _snapshot(self, agent: dict[str, Any]) -> None:
        self.store.put(VERSIONS, f"{agent['id']}@{agent['version']:08d}", agent)

    def create(self, body: dict[str, Any], workspace: str | None = None) -> dict[str, Any]:
        validate(body, creating=True)
        body = _prompt(body)
        now = _timestamp(self.clock())
        agent = {
            "type": "agent",
            "id": "agent_" + secrets.token_hex(16),
            "name": body["name"],
            "description": body.get("description") or "",
            "model": body["model"],
            "instructions": body.get("instructions") or "",
            "tools": body.get("tools") or [],
            "mcp_servers": body.get("mcp_servers") or [],
            "skills": body.get("skills") or [],
            "metadata": {k: v for k, v in (body.get("metadata") or {}).items() if v is not None},
            "multiagent": body.get("multiagent"),
            "default_environment": "",
            "version": 1,
            "archived": False,
            "archived_at": None,
            "created_at": now,
            "updated_at": now,
            "workspace": workspace,
        }
        metadata_count(agent["metadata"])
        references(agent)
        with self.store.transaction():
            self.store.put(KIND, agent["id"], agent)
            self._snapshot(agent)
        return agent

    def get(self, agent_id: str, version: int | None = None, workspace: str | None = None) -> dict[str, Any]:
        agent = self._load(agent_id, workspace)
        if version is None or version == agent["version"]:
            return agent
        old = self.store.get(VERSIONS, f"{agent_id}@{version:08d}")
        if old is None:
            raise QoderError(404, "not_found_error", f"agent {agent_id} has no version {version}")
        return old

    def update(self, agent_id: str, body: dict[str, Any], workspace: str | None = None) -> dict[str, Any]:
        validate(body, creating=False)
        with self.store.transaction():
            agent = self._load(agent_id, workspace)
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
            changes = {k: v for k, v in _prompt(body).items() if k in FIELDS}
            if "metadata" in changes:  # a patch: null deletes a key
                merged = {**agent["metadata"], **(changes.pop("metadata") or {})}
                agent["metadata"] = {k: v for k, v in merged.items() if v is not None}
                metadata_count(agent["metadata"])
            for name, empty in CLEARED.items():  # null clears what can be cleared
                if name in changes and changes[name] is None:
                    changes[name] = copy.deepcopy(empty)
            agent.update(changes)
            references(agent)
            agent["version"] += 1
            agent["updated_at"] = _timestamp(self.clock())
            self.store.put(KIND, agent_id, agent)
            self._snapshot(agent)
        return agent

    def archive(self, agent_id: str, workspace: str | None = None) -> dict[str, Any]:
        with self.store.transaction():
            agent = self._load(agent_id, workspace)
            if not agent["archived"]:  # idempotent, and no version bump
                agent["archived"], agent["archived_at"] = True, _timestamp(self.clock())
                self.store.put(KIND, agent_id, agent)
        return agent

    def delete(self, agent_id: str, workspace: str | None = None) -> dict[str, Any]:
        with self.store.transaction():  # the agent and every version, or none of them
            self._load(agent_id, workspace)
            self.store.delete(KIND, agent_id)
            for old in list(self.store.all(VERSIONS)):
                if old["id"] == agent_id:
                    self.store.delete(VERSIONS, f"{agent_id}@{old['version']:08d}")
        return {"type": "agent", "id": agent_id, "deleted": True}

    def versions(
        self, agent_id: str, *, limit: int = 20, page: str | None = None, workspace: str | None = None
    ) -> dict[str, Any]:
        """Newest first, ``limit`` a page; ``page`` is the ``next_page`` of the page before."""
        self._load(agent_id, workspace)
        found = sorted(
            (v for v in self.store.all(VERSIONS) if v["id"] == agent_id), key=lambda v: v["version"], reverse=True
        )
        if page is not None:
            below = _page_token(page, "v")
            found = [v for v in found if v["version"] < int(below)]
        shown = found[:limit]
        more = len(found) > len(shown)
        return {
            "data": shown,
            "first_id": None,
            "last_id": None,
            "has_more": more,
            "next_page": f"v{shown[-1]['version']}" if more else None,
        }

    def list(
        self,
        *,
        include_archived: bool,
        limit: int,
        after_id: str | None = None,
        before_id: str | None = None,
        page: str | None = None,
        created: tuple[datetime | None, datetime | None] = (None, None),
        workspace: str | None = None,
    ) -> dict[str, Any]:
        agents = [
            a
            for a in self.store.all(KIND)
            if (include_archived or not a["archived"])
            and a.get("workspace") == workspace
            and (created[0] is None or _moment(a["created_at"]) >= created[0])
            and (created[1] is None or _moment(a["created_at"]) <= created[1])
        ]
        agents.sort(key=lambda a: (a["created_at"], a["id"]))  # creation order, whatever the storage's
        ids = [a["id"] for a in agents]
        if page is not None:
            after_id = _page_token(page, "a")
            if after_id not in ids:  # an agent archived or deleted since: a cursor cannot point nowhere
                raise invalid("page is not a page token of this list (take next_page from the page before)", "page")
        if after_id in ids:
            agents = agents[ids.index(after_id) + 1 :]
        elif before_id in ids:
            agents = agents[: ids.index(before_id)][-limit:]
        shown = agents[:limit]
        more = len(agents) > len(shown)
        return {
            "data": shown,
            "first_id": shown[0]["id"] if shown else None,
            "last_id": shown[-1]["id"] if shown else None,
            "has_more": more,
            "next_page": f"a{shown[-1]['id']}" if more else None,
        }


def _page_token(page: str, kind: str) -> str:
    """What a ``next_page`` this service gave stands for (an agent id, a version number)."""
    value = page[1:]
    if not page.startswith(kind) or not value or (kind == "v" and not value.isdigit()):
        raise invalid("page is not a page token of this list (take next_page from the page before)", "page")
    return value


def canonical_body(raw: bytes) -> bytes:
    """The body as the idempotency fingerprint sees it: parsed and re-serialised, so key order
    and whitespace do not make the same request look different."""
    try:
        return json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        return raw
