"""Semantic comparison of a resource's old and new properties, driven by the field tree.

What counts as "no change":
- key order, and int/float spelling of the same number;
- the order of arrays the schema marks ``uniqueItems`` (they are sets);
- values the schema lists in ``x-aliases`` (the API reports the canonical spelling);
- keys of schema objects that the new inputs do not set: the API fills in defaults and keeps
  omitted fields, so an unset key means "not managed here", never "remove".
Free-form maps (``additionalProperties``, e.g. environment variables) are compared whole.
What removing a top-level argument means is the field's ``x-on-remove``; what replaces the
resource, its ``x-replace-on-change`` (at any depth of an object: a changed nested field so
marked replaces the top-level argument that holds it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_agents._fields import fields
from pulumi_agents._schema import UNKNOWN
from pulumi_agents._tree import SCALARS, Node, alike, contains_unknown, empty


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def normalize(value: Any, node: Node, shape: Any = None) -> Any:
    """``value`` in canonical form; with ``shape``, schema-object keys absent from it are dropped."""
    if value.__class__ in SCALARS:
        return node.canonical(value)
    node = node.at(value)
    if isinstance(value, Mapping):
        within = isinstance(shape, Mapping) and node.kind == "object"
        keys = [k for k in value if not within or k in shape]
        return {k: normalize(value[k], node.child(k), shape.get(k) if within else None) for k in keys}
    if isinstance(value, list):
        item_shape = _union_shape(shape) if isinstance(shape, list) else None
        items = [normalize(v, node.item, item_shape) for v in value]
        return sorted(items, key=_sort_key) if node.is_set else items
    return node.canonical(value)


def _union_shape(items: Iterable[Any]) -> dict[str, Any] | None:
    """The keys used by any item of a list of objects (None if the items are not objects), down
    to nested ones: items of several shapes (Qoder's tool variants) each keep the keys they set."""
    shape: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, Mapping):
            return None
        for k, v in item.items():
            shape[k] = _merged(shape[k], v) if k in shape else v
    return shape


def _merged(a: Any, b: Any) -> Any:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return {**b, **{k: _merged(v, b[k]) if k in b else v for k, v in a.items()}}
    if isinstance(a, list) and isinstance(b, list):
        return [*a, *b]
    return a


def differs(node: Node, old: Any, new: Any) -> bool:
    """Whether ``new`` means something else than ``old``; a value not known yet (preview) always does."""
    cls = new.__class__
    if cls in SCALARS and old.__class__ is cls:  # most fields: no walk, no JSON, for two alike scalars
        if new == UNKNOWN:
            return True
        before, after = node.canonical(old), node.canonical(new)
        if before.__class__ is after.__class__ and before == after:
            return False
    elif alike(old, new):  # the same data means the same (what follows only makes more alike)
        return contains_unknown(new)
    if contains_unknown(new):
        return True
    before, after = normalize(old, node, shape=new), normalize(new, node)
    text = _text(before)
    if text is not None and text == _text(after):
        return False  # the same JSON is the same value: a no-change preview never loads deepdiff
    from deepdiff import DeepDiff  # ~0.2 s to import (it loads numpy when present): only when they may differ

    return bool(DeepDiff(before, after, ignore_numeric_type_changes=True))


def _text(value: Any) -> str | None:
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return None


def _differs_from(node: Node, old: Mapping[str, Any], key: str, new: Any) -> bool:
    """A field set now differs from before; an absent old value stands for the field's default."""
    if key in old:
        return differs(node, old[key], new)
    return not node.has_default or differs(node, node.default, new)


def removal_matters(node: Node, old: Any) -> bool:
    """Removing a field changes something unless it was already what removal leads to."""
    if node.on_remove == "reset":
        return not node.has_default or differs(node, node.default, old)
    if node.on_remove == "clear":
        return not empty(old)
    return False


@dataclass(frozen=True)
class Changes:
    """What a new set of arguments changes, in wire names."""

    changed: tuple[str, ...]  # set now, with a value that differs from before
    removed: tuple[str, ...]  # set before, gone now, and removing it means something (x-on-remove clear/reset)
    replaces: tuple[str, ...]  # of those, the ones whose change replaces the resource
    delete_before_replace: bool

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


def replaces_within(node: Node, old: Any, new: Any) -> bool:
    """Whether ``new`` changes a field nested in an object that ``x-replace-on-change`` marks
    (a credential's ``auth.mcp_server_url``, which the API's update does not take)."""
    node = node.at(new)
    if node.kind != "object" or not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return False
    for key, value in new.items():
        child = node.child(key)
        if key not in old:
            if child.replace_reason and not child.write_only:
                return True
        elif differs(child, old[key], value) and (child.replace_reason or replaces_within(child, old[key], value)):
            return True
    return False


def changes(type_name: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
    """Compare old properties (inputs or outputs) with new inputs, both in wire names."""
    spec = fields(type_name)
    old, new = spec.managed(olds), spec.managed(news)
    changed = tuple(k for k, v in new.items() if _differs_from(spec.node(k), old, k, v))
    # Local files (x-local-files) change with their digest, which the state keeps (never the
    # content); one never recorded (an import) is adopted as the program gives it.
    changed += tuple(
        k
        for k, (_, digest) in spec.local.items()
        if k in new and k not in changed and olds.get(digest) and news.get(digest) != olds.get(digest)
    )
    removed = tuple(k for k in old if k not in new and removal_matters(spec.node(k), old[k]))
    # A write-only field never recorded (an import: the service never says it) is adopted as the
    # program gives it, recorded by an update that sends nothing: it is no reason to replace.
    replaces = tuple(
        sorted(
            k
            for k in (*changed, *removed)
            if (spec.node(k).replace_reason and not (k not in old and spec.node(k).write_only))
            or (k in old and k in new and replaces_within(spec.node(k), old[k], new[k]))
        )
    )
    # A unique name kept by a replacement is still taken by the old resource: delete that first.
    kept_unique = any(spec.node(k).unique and k in new and k not in replaces for k in spec.inputs)
    return Changes(changed, removed, replaces, bool(replaces) and kept_unique)


def update_body(type_name: str, olds: Mapping[str, Any], news: Mapping[str, Any], found: Changes) -> dict[str, Any]:
    """What an update sends for ``found``: the changed inputs, and for each removed one what its
    ``x-on-remove`` says: the empty value (or ``x-clear-with``) to clear it, or its default."""
    spec = fields(type_name)
    new = spec.wire_inputs(news)
    # What replaces is never sent, nor an adopted write-only field (recorded, not sent).
    body = {k: new[k] for k in found.changed if k in new and not spec.node(k).replace_reason}
    for wire in found.removed:
        node = spec.node(wire)
        if wire not in spec.inputs:
            continue
        if node.on_remove == "clear":
            body |= node.schema.get("x-clear-with") or {wire: node.empty(olds.get(wire))}
        elif node.on_remove == "reset" and node.has_default:
            body[wire] = node.default
    return body


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _join(path: str, key: str) -> str:
    """A Pulumi property path: ``a.b``, or ``a["odd-key"]`` for a key that is no identifier."""
    if _IDENTIFIER.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def property_paths(node: Node, old: Any, new: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, add|delete|update) for every difference under ``path``, down to object and map
    keys; arrays are named whole (a set's order, or an item's index, would say nothing)."""
    node = node.at(new)
    if not (isinstance(old, Mapping) and isinstance(new, Mapping)) or node.kind not in ("object", "map"):
        yield path, "update"
        return
    for key, value in new.items():
        if key not in old:
            yield _join(path, key), "add"
        elif differs(node.child(key), old[key], value):
            yield from property_paths(node.child(key), old[key], value, _join(path, key))
    if node.kind == "map":  # a free-form map's keys all matter; an object's unset keys are not managed
        yield from ((_join(path, key), "delete") for key in old if key not in new)


def detailed_diff(
    type_name: str, olds: Mapping[str, Any], news: Mapping[str, Any], found: Changes
) -> dict[str, tuple[str, bool]]:
    """Property path -> (add|delete|update, whether it replaces), for a provider plugin's diff.
    Paths only: a secret's path is named, its value never travels here."""
    spec = fields(type_name)
    old, new = spec.managed(olds), spec.managed(news)
    out: dict[str, tuple[str, bool]] = {}
    for key in found.changed:
        replaces = key in found.replaces
        if key not in (*spec.inputs, *spec.options):  # e.g. a qoder agent archived outside Pulumi
            out[key] = ("update", replaces)
        elif key not in old or contains_unknown(new.get(key)):
            out[key] = ("add" if key not in old else "update", replaces)
        else:
            out.update({p: (kind, replaces) for p, kind in property_paths(spec.node(key), old[key], new[key], key)})
    out.update({key: ("delete", key in found.replaces) for key in found.removed})
    return out


def _view(api: Any, given: Any, node: Node) -> Any:
    node = node.at(given)
    if node.write_only:
        return given  # the API masks it (e.g. "abc***"): what was sent is the truth we have
    if isinstance(api, Mapping) and isinstance(given, Mapping) and node.kind == "object":
        return {k: _view(api[k], v, node.child(k)) if k in api else v for k, v in given.items()}
    if isinstance(api, list) and isinstance(given, list):
        shape = _union_shape(given)
        if shape is None or node.item.at(shape).kind != "object":
            return api
        if len(api) == len(given) and not node.is_set and node.item.has_write_only:
            # An ordered list of objects with write-only fields (a repository's password): each
            # item as the API reports it, with what it never reports kept from the one sent there.
            return [_view(a, g, node.item) for a, g in zip(api, given, strict=True)]
        return [{k: v for k, v in item.items() if k in shape} if isinstance(item, Mapping) else item for item in api]
    return api


def managed_view(type_name: str, api: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the user set, with the values the API reports for them.

    Fields the API does not report (write-only ones, or ones absent from its answer) keep
    the value that was sent; schema-object keys the user did not set are left out, so the
    API's defaults never show up as a difference.
    """
    spec = fields(type_name)
    return {k: _view(api[k], v, spec.node(k)) if k in api else v for k, v in inputs.items()}
