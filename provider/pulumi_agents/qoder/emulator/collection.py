"""A Qoder kind served from its schema.json entry alone (the ``x-api`` block and the properties),
in Qoder's own ways: its error envelope, bearer auth and workspaces, archive, cursor paging.

What the entry says, the collection does:

- a create takes the properties that are neither ``readOnly`` nor ``x-provider-option`` (nor a
  parent, which the path names); any other field is a 400 ``invalid_request_error`` whose
  ``param`` names it, and the document is checked against the definition (``_validate``: types,
  lengths, enums, ``required``, nested objects), the first failure a 400 naming its path. A JSON
  null is a field left out (the SDK sends ``None`` as null);
- an update (``x-api.update`` other than ``none``) takes only the inputs without
  ``x-replace-on-change``; maps (metadata) are patches, a key sent as null deleting it, and a
  null for any other field clears it; an archived document is locked (403 ``permission_error``);
- answers show the properties that are neither ``writeOnly`` (at any depth: a credential's
  secrets) nor ``x-provider-option``, and only those: the keys the SDK's models know;
- the id is the kind's prefix and 24 hex digits; ``type``, ``created_at``, ``updated_at`` and
  ``archived_at`` are filled in, and the kind's ``fixed`` outputs (a memory store's status);
- a document lives in the workspace it was made in (the ``qoder-workspace-id`` header) and under
  the parents its path names (a credential's vault), which must exist there: elsewhere it is 404;
- archive sets ``archived_at`` (again: no change); delete removes the document (and, for a
  parent, what lives under it) and answers ``{id, type: <type>_deleted}``;
- a list is in creation order, archived documents only with ``include_archived=true``, ``name``
  and a query parameter named after a string property (``status``) matching exactly, paged both ways:
  ``page`` (the SDK's, answered ``next_page``) and ``after_id``/``before_id`` (answered
  ``first_id``/``last_id``);
- the kind's other operations (``Kind.operations``) answer for one document, found as a read finds it.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pulumi_agents._api import api
from pulumi_agents._schema import definition
from pulumi_agents._tree import Node, tree
from pulumi_agents._validate import validate
from pulumi_agents.qoder.emulator.rules import QoderError, invalid

if TYPE_CHECKING:
    from pulumi_agents.qoder.emulator.state import QoderState

Doc = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """A kind served by ``Collection``: its schema.json definition, plus what the entry cannot say."""

    type_name: str
    id_prefix: str  # "env_": the id is this and 24 hex digits
    type: str  # the answers' ``type`` ("environment")
    fixed: Mapping[str, Any] = field(default_factory=dict)  # outputs the service sets (status)
    parent: str | None = None  # the kind whose id the create path names (VaultCredential: Vault)
    # Its other x-api operations on one document (a credential's mcp_oauth_validate): the state, the
    # document (which it may change) and the time now -> the answer (the document itself: as a read shows it).
    operations: Mapping[str, Callable[[QoderState, Doc, float], Doc]] = field(default_factory=dict)
    # The service's checks beyond the entry's, on a document a create or update would store (the
    # ids it names exist in its workspace): the state, the document, the workspace.
    check: Callable[[QoderState, Doc, str | None], None] | None = None
    # A body as the service keeps it (a deployment's agent "x" as {"type": "agent", "id": "x"}).
    kept: Callable[[Doc], Doc] = dict
    # A create sent as a multipart upload (a file, a skill): the state, the form (field -> values,
    # a file part as ``Part``) and the time now -> the document's fields (its content hidden, "_").
    upload: Callable[[QoderState, Form, float], Doc] | None = None
    # What follows an upload's create, in its transaction (a skill's first version): the state, the document.
    uploaded: Callable[[QoderState, Doc], None] | None = None
    # The service's refusal of a delete (a skill that still has versions): the state and the document.
    deletable: Callable[[QoderState, Doc], None] | None = None


@dataclass(frozen=True)
class Part:
    """An uploaded file of a multipart form: its name (a path, for a skill's files), content and type."""

    filename: str
    content: bytes
    content_type: str


Form = dict[str, list["str | Part"]]


def _timestamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _hidden(value: Any, node: Node) -> Any:
    """``value`` less what ``node`` marks write-only, at any depth."""
    node = node.at(value)
    if isinstance(value, Mapping):
        return {k: _hidden(v, node.child(k)) for k, v in value.items() if not node.child(k).write_only}
    if isinstance(value, list):
        return [_hidden(v, node.item) for v in value]
    return value


def _updated(node: Node, old: Any, new: Any, where: str) -> Any:
    """An object as an update leaves it: a patch of what was (a key not sent is kept, one sent as
    null removed), but another variant (``type``) replaces it whole; a nested field the update
    does not take (``x-replace-on-change``) sent with another value is a 400 naming it."""
    node = node.at(new)
    if node.kind != "object" or not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return copy.deepcopy(new)
    for key, value in new.items():
        reason, path = node.child(key).replace_reason, f"{where}.{key}"
        if reason and key in old and old[key] != value:
            raise invalid(f"{path} cannot be changed by an update ({reason})", path)
    if new.get("type", old.get("type")) != old.get("type"):
        return copy.deepcopy(new)
    out = copy.deepcopy(dict(old))
    for key, value in new.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _updated(node.child(key), old.get(key), value, f"{where}.{key}")
    return out


class Collection:
    """The documents of one kind on the state's store and clock."""

    def __init__(self, kind: Kind, state: QoderState) -> None:
        spec = api(kind.type_name)
        if spec is None:
            raise ValueError(f"schema.json's {kind.type_name} has no x-api block")
        self.kind, self.state, self.api = kind, state, spec
        self.properties: dict[str, Any] = definition(kind.type_name)["properties"]
        self.store_kind = f"qoder.{kind.type}"

    # -- what the entry says --------------------------------------------------------------

    @cached_property
    def parents(self) -> tuple[str, ...]:
        return self.api.parents

    @cached_property
    def inputs(self) -> frozenset[str]:
        return frozenset(
            k
            for k, v in self.properties.items()
            if not v.get("readOnly") and not v.get("x-provider-option") and k not in self.parents
        )

    @cached_property
    def updatable(self) -> frozenset[str]:
        if self.api.update == "none":
            return frozenset()
        return frozenset(k for k in self.inputs if "x-replace-on-change" not in self.properties[k])

    @cached_property
    def shown(self) -> tuple[str, ...]:
        hidden = ("writeOnly", "x-provider-option")
        return tuple(k for k, v in self.properties.items() if not any(v.get(h) for h in hidden))

    def _param(self, operation: str) -> str:
        """The path parameter of the document's own id (``{environment_id}``)."""
        return self.api.operation(operation).params[-1]

    # -- the documents --------------------------------------------------------------------

    def view(self, doc: Doc) -> Doc:
        root = tree(self.kind.type_name)
        return {k: _hidden(copy.deepcopy(doc.get(k)), root.child(k)) for k in self.shown if k in doc}

    def _check(self, doc: Doc, workspace: str | None) -> None:
        checked = {k: v for k, v in doc.items() if (k in self.inputs or k in self.parents) and v is not None}
        failures = validate(self.kind.type_name, checked)
        if failures:
            first = failures[0]
            raise invalid(str(first), first.path or "body")
        if self.kind.check is not None:
            self.kind.check(self.state, checked, workspace)

    def _refuse_unknown(self, body: Doc, allowed: frozenset[str], operation: str) -> None:
        unknown = sorted(set(body) - allowed)
        if unknown:
            known = ", ".join(sorted(allowed)) or "no field"
            raise invalid(
                f"{unknown[0]} is not a field of {self.api.operation(operation).action} (it takes {known})", unknown[0]
            )

    def _parent_ids(self, params: Mapping[str, str], workspace: str | None) -> dict[str, str]:
        """The parents' ids the path names, each an existing document of the parent kind."""
        found = {self.api.field_of(p): params[p] for p in self.api.operation("create").params}
        if self.kind.parent is not None:
            parent = self.state.collection(self.kind.parent)
            [value] = found.values()
            parent.load(value, workspace, {})
        return found

    def load(self, doc_id: str, workspace: str | None, parents: Mapping[str, str]) -> Doc:
        doc = self.state.store.get(self.store_kind, doc_id)
        if doc is None or doc.get("_workspace") != workspace or any(doc.get(k) != v for k, v in parents.items()):
            raise QoderError(404, "not_found_error", f"{self.api.noun} {doc_id} not found")
        return doc

    def _located(self, params: Mapping[str, str], workspace: str | None, operation: str) -> Doc:
        parents = self._parent_ids(params, workspace)
        return self.load(params[self._param(operation)], workspace, parents)

    # -- the operations -------------------------------------------------------------------

    def create(self, params: Mapping[str, str], body: Doc, workspace: str | None) -> Doc:
        body = {k: v for k, v in body.items() if v is not None}
        self._refuse_unknown(body, self.inputs, "create")
        body = self.kind.kept(body)
        self._check({**{self.api.field_of(p): v for p, v in params.items()}, **body}, workspace)
        return self.view(self._made(params, body, workspace))

    def upload(self, params: Mapping[str, str], form: Form, workspace: str | None) -> Doc:
        """A create sent as a multipart form (``Kind.upload`` reads it into the document's fields)."""
        if self.kind.upload is None:
            raise invalid("content-type must be application/json", "body")
        fields = self.kind.upload(self.state, form, self.state.clock())
        with self.state.store.transaction():
            doc = self._made(params, fields, workspace)
            if self.kind.uploaded is not None:
                self.kind.uploaded(self.state, doc)
        return self.view(self.state.store.get(self.store_kind, doc["id"]) or doc)

    def _made(self, params: Mapping[str, str], body: Doc, workspace: str | None) -> Doc:
        """A new document of ``body``'s fields, stored."""
        with self.state.store.transaction():
            parents = self._parent_ids(params, workspace)
            now = _timestamp(self.state.clock())
            doc = {
                "id": f"{self.kind.id_prefix}{secrets.token_hex(12)}",
                "type": self.kind.type,
                **parents,
                **copy.deepcopy(body),
                **copy.deepcopy(dict(self.kind.fixed)),
                "archived_at": None,
                "created_at": now,
                "updated_at": now,
                "_workspace": workspace,
            }
            if isinstance(doc.get("metadata"), dict):
                doc["metadata"] = {k: v for k, v in doc["metadata"].items() if v is not None}
            self.state.store.put(self.store_kind, doc["id"], doc)
        return doc

    def read(self, params: Mapping[str, str], workspace: str | None) -> Doc:
        return self.view(self._located(params, workspace, "read"))

    def update(self, params: Mapping[str, str], body: Doc, workspace: str | None) -> Doc:
        self._refuse_unknown(body, self.updatable, "update")
        body = self.kind.kept(body)
        with self.state.store.transaction():
            doc = self._located(params, workspace, "update")
            if doc.get("archived_at"):
                raise QoderError(403, "permission_error", f"{self.api.noun} {doc['id']} is archived and locked")
            after = copy.deepcopy(doc)
            for key, value in body.items():
                old = after.get(key)
                if isinstance(value, dict) and tree(self.kind.type_name).child(key).kind == "map":
                    merged = {**(old if isinstance(old, dict) else {}), **value}
                    after[key] = {k: v for k, v in merged.items() if v is not None}
                elif value is None:
                    after.pop(key, None)
                else:
                    after[key] = _updated(tree(self.kind.type_name).child(key), old, value, key)
            self._check(after, workspace)
            after["updated_at"] = _timestamp(self.state.clock())
            self.state.store.put(self.store_kind, after["id"], after)
        return self.view(after)

    def archive(self, params: Mapping[str, str], workspace: str | None) -> Doc:
        with self.state.store.transaction():
            doc = self._located(params, workspace, "archive")
            if not doc.get("archived_at"):
                doc["archived_at"] = doc["updated_at"] = _timestamp(self.state.clock())
                self.state.store.put(self.store_kind, doc["id"], doc)
        return self.view(doc)

    def other(self, operation: str, params: Mapping[str, str], workspace: str | None) -> Doc:
        """One of the kind's other operations (``Kind.operations``) on the document of ``params``,
        which it may change (a deployment's pause): the document is then stored, and answered."""
        with self.state.store.transaction():
            doc = self._located(params, workspace, operation)
            before = copy.deepcopy(doc)
            answer = self.kind.operations[operation](self.state, doc, self.state.clock())
            if doc != before:
                doc["updated_at"] = _timestamp(self.state.clock())
                self.state.store.put(self.store_kind, doc["id"], doc)
        return self.view(doc) if answer is doc else answer

    def delete(self, params: Mapping[str, str], workspace: str | None) -> Doc:
        with self.state.store.transaction():
            doc = self._located(params, workspace, "delete")
            if self.kind.deletable is not None:
                self.kind.deletable(self.state, doc)
            self.state.store.delete(self.store_kind, doc["id"])
            for child in self.state.children(self.kind.type_name):
                for held in list(self.state.store.all(child.store_kind)):
                    if held.get(child.parents[0]) == doc["id"]:
                        self.state.store.delete(child.store_kind, held["id"])
        return {"id": doc["id"], "type": f"{self.kind.type}_deleted"}

    def _filters(self, query: Mapping[str, str]) -> dict[str, str]:
        """What a list's query filters on: ``name`` (the kind's name field: a vault's display_name)
        and any string property named (a deployment's ``status``); other parameters are ignored."""
        found = {}
        for key, value in query.items():
            if key == "name" and self.api.name:
                found[self.api.name] = value
            elif self.properties.get(key, {}).get("type") == "string" and key not in self.parents:
                found[key] = value
        return found

    def list(
        self,
        params: Mapping[str, str],
        query: Mapping[str, str],
        workspace: str | None,
        *,
        limit: int,
        include_archived: bool,
        created: tuple[datetime | None, datetime | None] = (None, None),
    ) -> Doc:
        parents = self._parent_ids(params, workspace)
        found = [
            d
            for d in self.state.store.all(self.store_kind)
            if d.get("_workspace") == workspace
            and all(d.get(k) == v for k, v in parents.items())
            and (include_archived or not d.get("archived_at"))
            and (created[0] is None or _moment(d["created_at"]) >= created[0])
            and (created[1] is None or _moment(d["created_at"]) <= created[1])
            and all(d.get(k) == v for k, v in self._filters(query).items())
        ]
        found.sort(key=lambda d: (d["created_at"], d["id"]))
        ids = [d["id"] for d in found]
        after, before = query.get("after_id"), query.get("before_id")
        page = query.get("page")
        if page is not None:
            if not page.startswith("p") or page[1:] not in ids:
                raise invalid("page is not a page token of this list (take next_page from the page before)", "page")
            after = page[1:]
        if after in ids:
            found = found[ids.index(after) + 1 :]
        elif before in ids:
            found = found[: ids.index(before)][-limit:]
        shown = found[:limit]
        more = len(found) > len(shown)
        return {
            "data": [self.view(d) for d in shown],
            "first_id": shown[0]["id"] if shown else None,
            "last_id": shown[-1]["id"] if shown else None,
            "has_more": more,
            "next_page": f"p{shown[-1]['id']}" if more else None,
        }
