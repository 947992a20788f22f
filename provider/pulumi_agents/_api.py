"""The API facts of a resource: its schema.json entry's ``x-api`` block, read once.

``x-api`` says how the vendor's API manages the kind, as the vendor's SDK writes it:

- ``operations``: ``create``, ``read``, ``update``, ``delete``, ``list`` (and any other, such as
  Qoder's ``archive``), each ``{method, path, action}``, with ``idempotent`` where a write is safe
  to resend and ``token`` where the API takes a query parameter that makes a resend the same
  request (UpdateTemplate's ``clientToken``). Paths name their parameters as the SDK
  does (``/agents/runtimes/{agent_runtime_id}``); a parameter is the field of the same name in
  camelCase (``agentRuntimeId``) unless ``params`` maps it to another (``{"agent_id": "id"}``).
- ``id``: the parameters whose values, joined by ``/``, are the Pulumi resource id; by default
  those of the ``read`` path (a runtime: ``ar-...``; an endpoint: ``ar-.../are-...``).
- ``name``: the field the user knows the resource by.
- ``status``: ``{field, reason, ready, failed, deleting}``, or absent when the kind has none.
- ``update``: ``changed`` (only the changed fields are sent), ``whole`` or ``none`` (every
  input replaces); ``versionGuard``: the output an update sends back to guard against drift.
- ``destroy``: ``delete``, another operation where the API has no delete (Qoder deployments:
  ``archive``), ``forget`` (the API has neither), or ``{"option": "onDelete"}``: the resource's
  own option names the operation (``archive`` or ``delete``).
- ``list``: ``paging`` (``pageNumber``: pageNumber/pageSize/total; ``cursor``: after_id/last_id/
  has_more), the key of the ``items`` and the query that finds one ``byName``.
- ``adopt``: how a create whose answer was lost finds what it made instead of making another:
  ``owner-mark`` (the runtime carries this resource's mark), ``parent-owner-mark`` (its parent
  does), ``idempotency-key`` (the API replays the first answer), ``same-inputs`` (the one of that
  name that holds exactly what was sent) or ``published-since`` (a version published since).
- ``holds``: what the resource stores that goes with it when it is deleted (``the memories it
  holds``), for the review to say in bold; absent when it stores nothing of the team's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote

from pulumi_agents._schema import definition, resource_types, schema

_PARAM = re.compile(r"\{(\w+)\}")


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    action: str
    idempotent: bool | None = None  # None: GET and DELETE are, writes are not
    token: str | None = None  # the query parameter that makes a resend the same request (clientToken)

    @property
    def safe_to_repeat(self) -> bool:
        return self.method in ("GET", "DELETE") if self.idempotent is None else self.idempotent

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(_PARAM.findall(self.path))


@dataclass(frozen=True)
class Status:
    field: str = "status"
    reason: str = "statusReason"
    ready: frozenset[str] = frozenset()
    failed: frozenset[str] = frozenset()
    deleting: frozenset[str] = frozenset()

    def describe(self, thing: Mapping[str, Any]) -> str:
        reason = thing.get(self.reason)
        return f"{thing.get(self.field)}" + (f" ({reason})" if reason else "")


@dataclass(frozen=True)
class Api:
    type_name: str
    noun: str
    operations: Mapping[str, Operation]
    params: Mapping[str, str]
    id_params: tuple[str, ...]
    name: str | None
    status: Status | None
    update: str
    version_guard: str | None
    destroy: str | Mapping[str, Any]
    listing: Mapping[str, Any] = field(default_factory=dict)
    adopt: str | None = None
    holds: str | None = None

    def operation(self, name: str) -> Operation:
        return self.operations[name]

    @property
    def a_noun(self) -> str:
        """The noun with its article: "an agent", "an IM bot", "a runtime"."""
        return ("an " if self.noun[0].lower() in "aeiou" or self.noun.startswith("IM") else "a ") + self.noun

    def field_of(self, param: str) -> str:
        """The wire field a path parameter names."""
        return self.params.get(param, camel(param))

    def path(self, operation: str, values: Mapping[str, Any]) -> str:
        """The path of ``operation`` with each parameter filled in (quoted) from ``values``,
        which are keyed by parameter or by field name."""
        op = self.operations[operation]

        def fill(match: re.Match[str]) -> str:
            param = match.group(1)
            value = values.get(param, values.get(self.field_of(param)))
            if value is None:
                raise KeyError(f"{self.type_name} {operation}: no value for {{{param}}}")
            return quote(str(value), safe="")

        return _PARAM.sub(fill, op.path)

    def resource_id(self, values: Mapping[str, Any]) -> str:
        """The Pulumi id of a resource, from its parameters' fields (in ``values``)."""
        return "/".join(str(values[self.field_of(p)]) for p in self.id_params)

    def parse_id(self, resource_id: str) -> dict[str, str]:
        """Field name -> value, for each part of a resource id; a malformed id says what it expects."""
        parts = resource_id.split("/", len(self.id_params) - 1)
        if len(parts) != len(self.id_params) or not all(parts):
            expected = "/".join(f"<{self.field_of(p)}>" for p in self.id_params)
            raise ValueError(f"{resource_id!r} is not {self.a_noun} id: expected {expected}")
        return {self.field_of(p): v for p, v in zip(self.id_params, parts, strict=True)}

    @property
    def parents(self) -> tuple[str, ...]:
        """The fields a create's path needs (a runtime's id, for an endpoint)."""
        return tuple(self.field_of(p) for p in self.operations["create"].params)

    @property
    def lookup(self) -> tuple[str, ...]:
        """The fields a lookup by name takes (the parents' ids, then the name): a kind with a name
        and a list has one, the plugin's ``get<Kind>`` function; else none."""
        if not self.name or "list" not in self.operations:
            return ()
        return (*self.parents, self.name)


@cache
def api(type_name: str) -> Api | None:
    """The API facts of ``type_name``, or None for a kind served without an API (a smoke test)."""
    spec = definition(type_name).get("x-api")
    if spec is None:
        return None
    operations = {name: Operation(**op) for name, op in spec["operations"].items()}
    status = spec.get("status")
    read = operations.get("read")
    return Api(
        type_name=type_name,
        noun=spec["noun"],
        operations=operations,
        params=spec.get("params", {}),
        id_params=tuple(spec.get("id") or (read.params if read else ())),
        name=spec.get("name"),
        status=Status(
            field=status.get("field", "status"),
            reason=status.get("reason", "statusReason"),
            ready=frozenset(status.get("ready", ())),
            failed=frozenset(status.get("failed", ())),
            deleting=frozenset(status.get("deleting", ())),
        )
        if status
        else None,
        update=spec.get("update", "changed"),
        version_guard=spec.get("versionGuard"),
        destroy=spec.get("destroy", "delete"),
        listing=spec.get("list", {}),
        adopt=spec.get("adopt"),
        holds=spec.get("holds"),
    )


def lookups(package: str) -> dict[str, str]:
    """The plugin functions of ``package`` (``agentrun:index:getCredential``) -> the kind each
    looks up by name."""
    found = {}
    for type_name, pkg in resource_types().items():
        spec = api(type_name) if pkg == package else None
        if spec is not None and spec.lookup:
            found[f"{package}:index:get{type_name}"] = type_name
    return found


@dataclass(frozen=True)
class Catalogue:
    """A list the package's plugin serves as a function with no arguments (``x-catalogue``: Qoder's
    models, ``getModels``): every item, each a ``type_name`` object, under ``returns``."""

    type_name: str
    operation: Operation
    returns: str
    listing: Mapping[str, Any]


@cache
def catalogues(package: str) -> dict[str, Catalogue]:
    """The catalogue functions of ``package`` (``qoder:index:getModels``) -> what each lists."""
    found = {}
    for name, node in schema()["$defs"].items():
        spec = node.get("x-catalogue")
        if spec is not None and spec["package"] == package:
            operation = Operation(**spec["operation"])
            found[f"{package}:index:{spec['function']}"] = Catalogue(name, operation, spec["returns"], spec["list"])
    return found
