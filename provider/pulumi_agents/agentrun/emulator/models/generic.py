"""A kind served from its schema.json entry alone: the ``x-api`` block and the properties.

What the entry says, the model does:

- the fields a create takes are the properties that are neither ``readOnly`` nor
  ``x-provider-option`` (nor a parent, which the path names); a body with any other
  field is a 400 ``ERR_VALIDATION_FAILED`` naming it (``workspaceId`` is not in
  CreateWorkspaceInput), and the document the request would make is validated against the
  definition (``_validate.validate``: types, lengths, patterns, ``required``), each failure a 400
  naming the field;
- an update (``x-api.update`` other than ``none``) takes only the inputs without
  ``x-replace-on-change``: what the API cannot change is not in its update model (Workspace:
  ``description``, as UpdateWorkspaceInput); any other field is a 400 naming it;
- answers show the properties that are neither ``writeOnly`` nor ``x-provider-option``
  (``enablePresetModel`` is kept, never shown), with an input's ``default`` where a create left
  it out;
- the id is the last parameter of the ``read`` path (``workspaceId``), made of the kind's
  ``id_prefix`` and 16 hex digits; ``{id}Arn`` (``workspaceArn``), ``createdAt`` and
  ``updatedAt``/``lastUpdatedAt`` are filled in where the kind has them; the parameters of the
  ``create`` path (a parent's id) are stored with the document and must match on every access;
- a kind addressed by name (the ``read`` path names the ``x-api.name`` field: Credential's
  ``{credential_name}``) keeps the name as its id; its ``{stem}Id`` output (``credentialId``),
  where it has one, is the ``id_prefix`` and 16 hex digits;
- a name property marked ``x-unique``, or that is the id, is unique among the kind's documents
  under the same parents (409 ``ERR_CONFLICT``); otherwise names may repeat (Workspace);
- with an ``x-api.status``, a create, update or delete enters CREATING/UPDATING/DELETING
  and reaches the first ``ready`` status (or goes) ``transition_seconds`` later, settled lazily
  as the other families do; an update or delete of a busy document is 409 ``ERR_CONFLICT``.
  Without one, every operation takes effect at once;
- an update whose operation has a ``token`` (UpdateTemplate's ``clientToken``) is applied once
  per token and resource: a resend with the same token gets the first answer and changes nothing;
- a list pages as ``x-api.list.paging`` says (``pageNumber``: ``pageNumber``, ``pageSize``,
  ``total`` and the items under ``x-api.list.items``), in creation order. The query parameter of
  ``byName`` matches the name as a substring (``searchMode=exact``: the whole name); a query
  parameter named after a property (``resourceGroupId``) matches it exactly; others are ignored,
  as the service ignores what it does not know.

What the entry cannot say is a hook: ``Kind``'s fields, or a subclass of ``Collection`` (named by
``Kind.collection``) that overrides ``check``/``view``/``item``/``delete``, or answers the
kind's other x-api operations in ``operations`` (a template's MCP activate and stop).
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pulumi_agents._api import api
from pulumi_agents._schema import definition
from pulumi_agents._validate import validate
from pulumi_agents.agentrun.emulator.models.common import Docs, InvalidRequest, invalid, now_iso, present, public

if TYPE_CHECKING:
    from pulumi_agents.agentrun.emulator.models.base import Base

# One of a kind's other operations: the path's parameters and the body -> the answer's data.
Operation = Callable[[Mapping[str, str], dict[str, Any]], Any]

TOKENS = "agentrun.clientTokens"  # an update's token -> its first answer (x-api's update ``token``)

PENDING = {"create": "CREATING", "update": "UPDATING"}  # the delete's is x-api.status.deleting
GONE = "GONE"


@dataclass(frozen=True)
class Kind:
    """A kind served by ``Collection``: its schema.json definition, plus what the entry cannot say."""

    type_name: str
    id_prefix: str  # "ws-": the id is this and 16 hex digits
    fixed: Mapping[str, Any] = field(default_factory=dict)  # outputs the service sets on what users make
    collection: type[Collection] | None = None  # a subclass with the kind's hooks


class Collection:
    """The documents of one kind, on the state's store, clock, region and account."""

    def __init__(self, kind: Kind, owner: Base, package: str = "agentrun") -> None:
        spec = api(kind.type_name)
        if spec is None:
            raise ValueError(f"schema.json's {kind.type_name} has no x-api block")
        self.kind, self.owner, self.api = kind, owner, spec
        self.properties: dict[str, Any] = definition(kind.type_name)["properties"]
        self.store_kind = f"{package}.{spec.noun}"

    # -- what the entry says --------------------------------------------------------------

    @cached_property
    def inputs(self) -> frozenset[str]:
        """What a create's body may hold: not outputs, not the provider's own options, not the
        parents (the path names them)."""
        return frozenset(
            k
            for k, v in self.properties.items()
            if not v.get("readOnly") and not v.get("x-provider-option") and k not in self.parents
        )

    @cached_property
    def updatable(self) -> tuple[str, ...]:
        if self.api.update == "none":
            return ()
        return tuple(sorted(k for k in self.inputs if "x-replace-on-change" not in self.properties[k]))

    @cached_property
    def shown(self) -> frozenset[str]:
        hidden = ("writeOnly", "x-provider-option")
        return frozenset(k for k, v in self.properties.items() if not any(v.get(h) for h in hidden))

    @cached_property
    def defaults(self) -> dict[str, Any]:
        return {k: v["default"] for k, v in self.properties.items() if k in self.inputs and "default" in v}

    @cached_property
    def id_field(self) -> str:
        return self.api.field_of(self.api.operation("read").params[-1])

    @cached_property
    def parents(self) -> tuple[str, ...]:
        return self.api.parents

    @cached_property
    def by_name(self) -> bool:
        """Addressed by its name (Credential): the name is the id."""
        return self.id_field == self.api.name

    @cached_property
    def server_id_field(self) -> str | None:
        """The service's own id of a kind addressed by name (``credentialId``), if it has one."""
        name = self.api.name
        return self._has(name.removesuffix("Name") + "Id") if self.by_name and name else None

    def _has(self, name: str) -> str | None:
        return name if name in self.properties else None

    @cached_property
    def arn_field(self) -> str | None:
        return self._has((self.server_id_field or self.id_field).removesuffix("Id") + "Arn")

    @cached_property
    def updated_field(self) -> str | None:
        return self._has("updatedAt") or self._has("lastUpdatedAt")

    @cached_property
    def unique(self) -> bool:
        name = self.api.name
        return name is not None and (self.by_name or bool(self.properties.get(name, {}).get("x-unique")))

    def action(self, operation: str) -> str:
        return self.api.operation(operation).action

    # -- hooks ----------------------------------------------------------------------------

    def check(self, doc: dict[str, Any]) -> None:
        """The service's checks on the inputs a document would hold after the request."""
        checked = {k: v for k, v in doc.items() if k in self.inputs or k in self.parents}
        failures = validate(self.kind.type_name, checked)
        if failures:
            raise invalid("; ".join(str(f) for f in failures))

    def view(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The document as the API shows it: its shown properties only."""
        return {k: v for k, v in public(doc).items() if k in self.shown}

    def item(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A document as a list shows it: by default as a read does."""
        return self.view(doc)

    def operations(self) -> dict[str, Operation]:
        """The kind's x-api operations beyond create, read, update, delete and list: none."""
        return {}

    def arn(self, doc: dict[str, Any]) -> str:
        collection = self.api.operation("create").path.rstrip("/").rsplit("/", 1)[-1]
        return f"acs:agentrun:{self.owner.region}:{self.owner.account_id}:{collection}/{doc[self.id_field]}"

    # -- the documents --------------------------------------------------------------------

    def _refuse_unknown(self, body: dict[str, Any], allowed: frozenset[str] | tuple[str, ...], operation: str) -> None:
        unknown = sorted(set(body) - set(allowed))
        if unknown:
            known = ", ".join(sorted(allowed)) or "no field"
            raise invalid(f"{unknown[0]} is not a field of {self.action(operation)}Input (it takes {known})")

    def _settle(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        pending = doc.get("_pending")
        if not pending or self.owner.clock() < pending["at"]:
            return doc
        if pending["status"] == GONE:
            self.owner.store.delete(self.store_kind, self.key(doc))
            return None
        status = self.api.status
        assert status is not None
        doc.pop("_pending")
        doc[status.field], doc[status.reason] = pending["status"], ""
        if self.updated_field:
            doc[self.updated_field] = now_iso(pending["at"])
        self.owner.store.put(self.store_kind, self.key(doc), doc)
        return doc

    def _begin(self, doc: dict[str, Any], operation: str) -> None:
        """Store the document after ``operation``: with a status, in transition until it settles."""
        now = self.owner.clock()
        if self.updated_field:
            doc[self.updated_field] = now_iso(now)
        status = self.api.status
        if status is not None:
            ready = sorted(status.ready)[0] if status.ready else "READY"
            deleting = sorted(status.deleting)[0] if status.deleting else "DELETING"
            doc[status.field] = PENDING.get(operation, deleting)
            doc[status.reason] = ""
            outcome = GONE if operation == "delete" else ready
            doc["_pending"] = {"status": outcome, "at": now + self.owner.transition_seconds}
        elif operation == "delete":
            self.owner.store.delete(self.store_kind, self.key(doc))
            return
        self.owner.store.put(self.store_kind, self.key(doc), doc)

    def _busy(self, doc: dict[str, Any]) -> None:
        if "_pending" in doc and self.api.status is not None:
            state = doc[self.api.status.field]
            raise InvalidRequest(409, "ERR_CONFLICT", f"{self.api.noun} {doc[self.id_field]} is {state}")

    def _parents(self, params: Mapping[str, str]) -> dict[str, str]:
        """The parents' ids a path gives, by field: a list path may name a parameter otherwise
        (ListFlowEndpoints' ``{flow_id}`` is the flow's name, ``x-api.params``)."""
        given = {self.api.field_of(p): v for p, v in params.items()}
        return {field: given[field] for field in self.parents}

    def key(self, doc: Mapping[str, Any]) -> str:
        """Where a document is stored: its id, under its parents' (two flows may each have a "prod")."""
        return "/".join([*(str(doc[p]) for p in self.parents), str(doc[self.id_field])])

    def new_id(self, doc: dict[str, Any]) -> str:
        """The id the service gives a new document that its name does not address: the kind's
        prefix and 16 hex digits."""
        return f"{self.kind.id_prefix}{secrets.token_hex(8)}"

    def documents(self, parents: Mapping[str, str]) -> Docs:
        """The kind's documents under ``parents``, settled, in creation order."""
        mine = [d for d in self.owner.store.all(self.store_kind) if all(d.get(k) == v for k, v in parents.items())]
        settled = [s for s in (self._settle(d) for d in mine) if s is not None]
        return sorted(settled, key=lambda d: (d["_created"], d[self.id_field]))

    def _load(self, params: Mapping[str, str]) -> dict[str, Any]:
        doc_id = params[self.api.operation("read").params[-1]]
        parents = self._parents(params)
        found = self.owner.store.get(self.store_kind, self.key({**parents, self.id_field: doc_id}))
        mine = found is not None and all(found.get(k) == v for k, v in parents.items())
        doc = self._settle(found) if found is not None and mine else None
        if doc is None:
            raise InvalidRequest(404, "ERR_NOT_FOUND", f"{self.api.noun} {doc_id} does not exist")
        return doc

    def _unique(self, doc: dict[str, Any], parents: Mapping[str, str], doc_id: str | None) -> None:
        """``doc``'s name is no other document's (``doc_id``: its own id, None for a create)."""
        name_field = self.api.name
        if not self.unique or name_field is None:
            return
        name = doc[name_field]
        if any(d[name_field] == name and d[self.id_field] != doc_id for d in self.documents(parents)):
            raise InvalidRequest(409, "ERR_CONFLICT", f"{self.api.noun} {name} already exists")

    # -- the operations -------------------------------------------------------------------

    def create(self, params: Mapping[str, str], body: dict[str, Any]) -> dict[str, Any]:
        body = present(body)
        self._refuse_unknown(body, self.inputs, "create")
        parents = self._parents(params)
        doc = {**copy.deepcopy(self.defaults), **copy.deepcopy(body), **parents}
        self.check(doc)
        with self.owner.store.lock:
            self._unique(doc, parents, None)
            now = self.owner.clock()
            doc.update(copy.deepcopy(dict(self.kind.fixed)))
            if self.server_id_field:
                doc[self.server_id_field] = f"{self.kind.id_prefix}{secrets.token_hex(8)}"
            if not self.by_name:
                doc[self.id_field] = self.new_id(doc)
            if self.arn_field:
                doc[self.arn_field] = self.arn(doc)
            if "createdAt" in self.properties:
                doc["createdAt"] = now_iso(now)
            doc["_created"] = now
            self._begin(doc, "create")
        return self.view(doc)

    def read(self, params: Mapping[str, str]) -> dict[str, Any]:
        with self.owner.store.lock:
            return self.view(self._load(params))

    def update(
        self, params: Mapping[str, str], body: dict[str, Any], query: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        body = present(body)
        self._refuse_unknown(body, self.updatable, "update")
        token_param = self.api.operation("update").token
        token = (query or {}).get(token_param or "") or None
        with self.owner.store.lock:
            doc = self._load(params)
            record_id = f"{self.store_kind}/{doc[self.id_field]}/{token}"
            if token is not None:
                first = self.owner.store.get(TOKENS, record_id)
                if first is not None:  # a resend: the first answer, the update applied once
                    return dict(first["answer"])
            self._busy(doc)
            after = {**doc, **copy.deepcopy(body)}
            self.check(after)
            self._unique(after, self._parents(params), after[self.id_field])
            self._begin(after, "update")
            answer = self.view(after)
            if token is not None:
                self.owner.store.put(TOKENS, record_id, {"answer": answer})
        return answer

    def delete(self, params: Mapping[str, str]) -> dict[str, Any]:
        with self.owner.store.lock:
            doc = self._load(params)
            status = self.api.status
            if status is None or doc[status.field] not in status.deleting:
                self._busy(doc)
                self._begin(doc, "delete")
        return self.view(doc)

    def list(
        self, params: Mapping[str, str], query: Mapping[str, str], page_number: int, page_size: int
    ) -> dict[str, Any]:
        with self.owner.store.lock:
            found = self.documents(self._parents(params))
        by_name = self.api.listing.get("byName", {})
        name_param = next((k for k, v in by_name.items() if v == "{name}"), None)
        exact = (query.get("searchMode") or "").lower() == "exact"
        name_field = self.api.name
        for key, value in query.items():
            if not value:
                continue
            if key == name_param and name_field is not None:
                found = [d for d in found if (d[name_field] == value if exact else value in str(d[name_field]))]
            elif self.properties.get(key, {}).get("type") == "string" and key not in self.parents:
                found = [d for d in found if d.get(key) == value]
        start = (page_number - 1) * page_size
        items = self.api.listing.get("items", "items")
        return {
            items: [self.item(d) for d in found[start : start + page_size]],
            "pageNumber": page_number,
            "pageSize": page_size,
            "total": len(found),
        }
