"""The service logic of ``qoder.Agent``: versioned, idempotent, archive-aware.

- create sends an Idempotency-Key derived from the resource (project/stack/name) and its
  inputs, so a create retried after a lost answer returns the same agent;
- update sends the ``version`` from the state: a change made behind Pulumi's back makes the
  service answer 409, reported as drift (refresh first), never overwritten;
- an agent archived behind Pulumi's back shows as drift and is replaced (it cannot be updated);
- delete archives or deletes, per resource (``onDelete``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi_agents._diff import Changes
from pulumi_agents._fields import fields
from pulumi_agents._lifecycle import ApiService
from pulumi_agents._service import Created
from pulumi_agents.errors import ApiError, ConflictError, NotFoundError

if TYPE_CHECKING:  # the client (and httpx) load on the first call that talks to the API, not for check or diff
    from pulumi_agents.qoder.client import QoderClient

TYPE = "Agent"


def _canonical(props: Mapping[str, Any]) -> dict[str, Any]:
    """One spelling per meaning: model "x" is {"id": "x"}; `system` is the older `instructions`."""
    out = dict(props)
    if isinstance(out.get("model"), str):
        out["model"] = {"id": out["model"]}
    if "instructions" not in out and "system" in out:
        out["instructions"] = out["system"]
    return out


class AgentService(ApiService):
    type_name = TYPE
    service_name = "Qoder"

    def _client(self) -> QoderClient:
        from pulumi_agents.qoder.client import QoderClient, Settings

        return QoderClient(Settings.from_sources(self.config))

    def changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
        return super().changes(_canonical(olds), _canonical(news))

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
        if olds.get("archived"):
            # Archived behind our back: it cannot be updated any more, so replace it.
            return Changes(("archived",), (), ("archived",), False)
        return super().diff(id_, olds, news)

    def create(self, props: dict[str, Any]) -> Created:
        from pulumi_agents.qoder.client import idempotency_key

        body = self.create_body(props)
        seed = self.seed(props)
        with self._client() as client:
            agent = client.create_agent(body, idempotency_key=idempotency_key(seed, body))
            current = self._current(client, agent["id"])
            if current is None or current.get("archived"):
                # The key replayed an agent made earlier from the same inputs (within the
                # service's 24 h) that has since been archived or deleted: make a new one.
                agent = client.create_agent(body, idempotency_key=idempotency_key(seed, body, agent["id"]))
                current = self._current(client, agent["id"]) or agent
        return Created(agent["id"], self.outputs(props, current))

    def update_body(self, olds: Mapping[str, Any], news: Mapping[str, Any], changes: Changes) -> dict[str, Any]:
        spec = fields(TYPE)
        olds = spec.coerced(olds)
        body = super().update_body(olds, news, changes)
        for k in body:
            if spec.node(k).kind == "map" and isinstance(olds.get(k), Mapping):
                # Maps (metadata) are patches: a key no longer set is sent as null, which deletes it.
                body[k] = {**spec.node(k).empty(olds[k]), **(body[k] or {})}
        if body:  # the version guard: a change made behind Pulumi's back is answered 409
            body["version"] = olds.get("version")
        return body

    def send_update(
        self,
        client: Any,
        ids: Mapping[str, Any],
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        body: Mapping[str, Any],
        query: Mapping[str, str] | None,
    ) -> None:
        """With the Idempotency-Key the service replays a lost answer for; a 409 of the version
        guard is a change made outside Pulumi."""
        from pulumi_agents.qoder.client import idempotency_key

        agent_id = str(ids["id"])
        try:
            client.update_agent(agent_id, body, idempotency_key=idempotency_key(self.seed(news), agent_id, body))
        except ConflictError as exc:
            raise self._drifted(client, agent_id, olds, exc) from None

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _current(client: QoderClient, agent_id: str) -> dict[str, Any] | None:
        try:
            return client.get_agent(agent_id)
        except NotFoundError:
            return None

    @staticmethod
    def _drifted(client: QoderClient, agent_id: str, olds: Mapping[str, Any], exc: ApiError) -> ApiError:
        current = AgentService._current(client, agent_id) or {}
        return ConflictError(
            exc.service,
            exc.operation,
            exc.status,
            exc.code,
            f"agent {agent_id} was changed outside Pulumi (the state has version {olds.get('version')}, "
            f"the service has version {current.get('version', '?')}): run `pulumi refresh` to take in that "
            f"change, then `pulumi up` to apply yours ({exc.message})",
            exc.request_id,
        )
