"""The field tree: schema.json's definitions resolved once into nodes that every walk shares.

``$ref``, ``anyOf``, array ``items`` and free-form maps (``additionalProperties``) are resolved
here and nowhere else. Naming, coercion, the diff, secrecy, unknown-detection, code generation
and the docs all navigate the same three steps: :meth:`Node.at` (the branch of a union that fits
a value), :meth:`Node.child` (a key of an object or map) and :attr:`Node.item` (an array item).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, Literal

from pulumi_agents._schema import UNKNOWN, definition

Kind = Literal["object", "map", "list", "union", "value"]
OnRemove = Literal["keep", "clear", "reset"]

# Deep enough for any real schema; a $ref cycle would otherwise recurse for ever.
_MAX_DEPTH = 32


@dataclass(eq=False)
class Node:
    """One position in a definition: its resolved schema and, for containers, its children."""

    schema: Mapping[str, Any]
    wire: str = ""
    ref: str = ""  # the $defs name this node was resolved from, if any
    required: bool = False
    props: dict[str, Node] = field(default_factory=dict)
    values: Node | None = None  # a map's values
    items: Node | None = None  # an array's items
    branches: tuple[Node, ...] = ()  # a union's alternatives

    @cached_property
    def kind(self) -> Kind:
        if self.branches:
            return "union"
        if self.props:
            return "object"
        if "object" in self.types:
            return "map"
        if "array" in self.types:
            return "list"
        return "value"

    # -- navigation ----------------------------------------------------------------------------

    def at(self, value: Any) -> Node:
        """The node that describes ``value``: a union's object or array branch for such a value,
        else this node (a scalar, or a value not known yet, needs no branch)."""
        if value.__class__ in SCALARS or not self.branches:
            return self
        if isinstance(value, Mapping):
            wanted: tuple[Kind, ...] = ("object", "map")
        elif isinstance(value, list):
            wanted = ("list",)
        else:
            return self
        return next((b for b in self.branches if b.kind in wanted), self)

    def child(self, key: str) -> Node:
        """The node of ``key`` (a wire name) in an object, or of any key in a map."""
        if self.kind == "object":
            return self.props.get(key, ANY)
        return self.values or ANY

    @property
    def item(self) -> Node:
        return self.items or ANY

    def wire_key(self, key: str) -> str:
        """The wire name for ``key``, written either way; keys of free-form maps stay as written."""
        if self.kind != "object" or key in self.props:
            return key
        return self.python_names.get(key, key)

    @cached_property
    def python_names(self) -> dict[str, str]:
        """Python name -> wire name of an object's properties; deprecated spellings get none."""
        return {p.python: w for w, p in self.props.items() if not p.deprecated}

    def path(self, parts: Sequence[str | int], *, python: bool) -> str:
        """``parts`` (wire names and indexes below this node) as ``a.b[0].c``, in Python or wire names."""
        names: list[str | int] = []
        node = self
        for part in parts:
            if isinstance(part, int):
                names.append(part)
                node = node.item
                continue
            node = node.at({})
            known = python and node.kind == "object" and part in node.props
            names.append(node.props[part].python if known else part)
            node = node.child(part)
        return format_path(names)

    # -- facts of this field, read from its schema entry ----------------------------------------

    @cached_property
    def types(self) -> frozenset[str]:
        declared = self.schema.get("type")
        if isinstance(declared, str):
            return frozenset({declared})
        if isinstance(declared, list):
            return frozenset(declared)
        if "enum" in self.schema:
            return frozenset(_json_type(v) for v in self.schema["enum"])
        if "properties" in self.schema or "additionalProperties" in self.schema:
            return frozenset({"object"})
        return frozenset()

    @property
    def python(self) -> str:
        """The Python name: ``x-python-name`` if the schema gives one, else the wire name in snake_case."""
        return str(self.schema.get("x-python-name") or to_snake(self.wire))

    @property
    def description(self) -> str:
        return str(self.schema.get("description", ""))

    @property
    def secret(self) -> bool:
        return bool(self.schema.get("x-secret"))

    @cached_property
    def has_secret(self) -> bool:
        """Whether this field or anything inside it is a secret."""
        return self.secret or any(child.has_secret for child in self.children)

    @cached_property
    def has_integer(self) -> bool:
        """Whether this field or anything inside it is an integer (which the engine sends as a float)."""
        return "integer" in self.types or any(child.has_integer for child in self.children)

    @cached_property
    def has_write_only(self) -> bool:
        """Whether this field or anything inside it is write-only (the service never reports it as sent)."""
        return self.write_only or any(child.has_write_only for child in self.children)

    @property
    def children(self) -> list[Node]:
        return [*self.props.values(), *(n for n in (self.values, self.items) if n), *self.branches]

    @property
    def read_only(self) -> bool:
        return bool(self.schema.get("readOnly"))

    @property
    def write_only(self) -> bool:
        return bool(self.schema.get("writeOnly"))

    @property
    def option(self) -> bool:
        return bool(self.schema.get("x-provider-option"))

    @property
    def internal(self) -> bool:
        return bool(self.schema.get("x-internal"))

    @property
    def resource_id(self) -> bool:
        return bool(self.schema.get("x-resource-id"))

    @property
    def stable(self) -> bool:
        """An output that an update never changes."""
        return bool(self.schema.get("x-stable"))

    @property
    def deprecated(self) -> bool:
        return bool(self.schema.get("deprecated"))

    @property
    def is_set(self) -> bool:
        """An array whose order carries no meaning."""
        return bool(self.schema.get("uniqueItems"))

    @property
    def unique(self) -> bool:
        return bool(self.schema.get("x-unique"))

    @property
    def replace_reason(self) -> str | None:
        """Why a new value replaces the resource, or None when it is updated in place."""
        reason = self.schema.get("x-replace-on-change")
        return str(reason) if reason else None

    @property
    def on_remove(self) -> OnRemove | None:
        value = self.schema.get("x-on-remove")
        return value if value in ("keep", "clear", "reset") else None

    @property
    def has_default(self) -> bool:
        return "default" in self.schema

    @property
    def default(self) -> Any:
        return self.schema.get("default")

    def canonical(self, value: Any) -> Any:
        """The spelling the API reports for ``value`` (``x-aliases``)."""
        aliases = self.schema.get("x-aliases")
        if isinstance(aliases, Mapping) and isinstance(value, str):
            return aliases.get(value, value)
        return value

    def empty(self, old: Any) -> Any:
        """What an update sends to clear this field: "", [], {} or each of the old map's keys as null."""
        if self.kind == "map":
            return dict.fromkeys(old, None) if isinstance(old, Mapping) else {}
        if self.kind == "list":
            return []
        return {} if self.kind == "object" else ""


ANY = Node({})  # a value the schema says nothing about: walks pass it through untouched

# The types of the values a walk passes through as they are: checked first, as most values are
# these, and isinstance against an ABC (Mapping) costs more than the rest of a step.
SCALARS = frozenset({str, int, float, bool, type(None)})


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}.get(
        type(value), "object"
    )


def build(schema: Mapping[str, Any], wire: str = "", *, required: bool = False, depth: int = 0) -> Node:
    """The node for ``schema``, following ``$ref`` (its sibling keywords win) into ``$defs``."""
    if depth > _MAX_DEPTH:
        raise RecursionError(f"schema.json nests deeper than {_MAX_DEPTH} levels at {wire!r} (a $ref cycle?)")
    ref = ""
    merged = dict(schema)
    while "$ref" in merged:
        ref = merged.pop("$ref").rsplit("/", 1)[-1]
        merged = {**definition(ref), **merged}
    node = Node(merged, wire=wire, ref=ref, required=required)
    needed = set(merged.get("required", []))
    node.props = {
        k: build(v, k, required=k in needed, depth=depth + 1) for k, v in merged.get("properties", {}).items()
    }
    extra = merged.get("additionalProperties")
    if isinstance(extra, Mapping):
        node.values = build(extra, depth=depth + 1)
    if isinstance(merged.get("items"), Mapping):
        node.items = build(merged["items"], depth=depth + 1)
    if "properties" not in merged and "type" not in merged:
        # A union of shapes (``model``: a name or an object). Constraint-only anyOf/oneOf
        # branches (CodeConfiguration's code sources) describe no shape and are not branches.
        options = [build(o, wire, depth=depth + 1) for o in merged.get("anyOf", merged.get("oneOf", []))]
        if any(o.types for o in options):
            node.branches = tuple(options)
    return node


@cache
def tree(type_name: str) -> Node:
    """The node of the ``$defs`` entry ``type_name``, built once."""
    return build({"$ref": f"#/$defs/{type_name}"})


_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def to_snake(wire_name: str) -> str:
    """``vSwitchId`` -> ``v_switch_id``, ``enableTLS`` -> ``enable_tls``; snake names pass through."""
    return _BOUNDARY.sub("_", wire_name).lower()


def format_path(parts: Sequence[str | int]) -> str:
    """``("a", "b", 0, "c")`` as ``a.b[0].c``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# -- walks over a value along the tree ----------------------------------------------------------


def rebuild(
    node: Node,
    value: Any,
    *,
    key: Callable[[Node, str], str] | None = None,
    leaf: Callable[[Node, Any], Any] | None = None,
) -> Any:
    """A copy of ``value`` with every object key passed through ``key`` and every scalar through ``leaf``."""
    node = node.at(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            name = key(node, k) if key else k
            out[name] = rebuild(node.child(name), v, key=key, leaf=leaf)
        return out
    if isinstance(value, list | tuple):
        return [rebuild(node.item, v, key=key, leaf=leaf) for v in value]
    return leaf(node, value) if leaf else value


def mark_secrets(value: Any, node: Node, mark: Callable[[Any], Any]) -> Any:
    """``value`` with every secret in it (``x-secret`` anywhere below ``node``) replaced by
    ``mark(secret)``, and nothing else touched: only the secret leaf (or secret map) is marked."""
    if value is None or not node.has_secret:
        return value
    node = node.at(value)
    if node.secret:
        return mark(value)
    if isinstance(value, Mapping):
        return {k: mark_secrets(v, node.child(k), mark) for k, v in value.items()}
    if isinstance(value, list):
        return [mark_secrets(v, node.item, mark) for v in value]
    return value


def secret_paths(value: Any, node: Node, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Where ``mark_secrets`` marks ``value``: the path of each secret in it."""
    if value is None or not node.has_secret:
        return
    node = node.at(value)
    if node.secret:
        yield path
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from secret_paths(v, node.child(k), (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from secret_paths(v, node.item, (*path, i))


def mask_secrets(value: Any, node: Node) -> Any:
    """``value`` with every secret in it shown as ``***``; the keys of a secret map stay, so
    what is set can still be seen."""
    return mark_secrets(value, node, lambda secret: rebuild(ANY, secret, leaf=lambda _node, _value: "***"))


def empty(value: Any) -> bool:
    """Nothing set at any depth: null, "", [], or an object of only such values (an endpoint with
    no routing reports ``{"versionWeights": []}``)."""
    if isinstance(value, Mapping):
        return all(empty(v) for v in value.values())
    return value is None or value in ("", [])


def alike(a: Any, b: Any) -> bool:
    """The same data: 2 and 2.0 are (the engine sends every number as a float), True and 1 are not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(alike(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(alike, a, b))
    return bool(a == b)


def contains_unknown(value: Any) -> bool:
    """Whether ``value`` holds, at any depth, a value not known yet (a preview's unknowns)."""
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return type(value).__name__ == "Unknown"


def to_wire(value: Any, node: Node) -> Any:
    """``value`` (plain data) with its keys renamed from Python to wire names; wire names pass."""
    return rebuild(node, value, key=Node.wire_key)


def coerce(value: Any, node: Node) -> Any:
    """Restore integers that travelled as floats (the engine's protobuf Struct has only doubles).
    A copy, as ``rebuild`` makes, walking the tree only where an integer may be below: every read
    and diff coerces each field, and the full walk was most of their time."""
    cls = value.__class__
    if cls is float:
        return int(value) if "integer" in node.types and value.is_integer() else value
    if cls in SCALARS:
        return value
    node = node.at(value)
    if not node.has_integer:
        return _copy(value)
    if isinstance(value, Mapping):
        return {k: coerce(v, node.child(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        item = node.item
        return [coerce(v, item) for v in value]
    return value


def _copy(value: Any) -> Any:
    """What ``rebuild(ANY, value)`` returns: objects as dicts, arrays as lists, scalars as they are."""
    if value.__class__ in SCALARS:
        return value
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value
