"""Semantic comparison of a resource's old and new properties, driven by schema.json.

What counts as "no change":
- key order, and int/float spelling of the same number;
- the order of arrays the schema marks ``uniqueItems`` (they are sets);
- values the schema lists in ``x-aliases`` (the API reports the canonical spelling);
- keys of schema objects that the new inputs do not set: the API fills in defaults and keeps
  omitted fields, so an unset key means "not managed here", never "remove".
Free-form maps (``additionalProperties``, e.g. environment variables) are compared whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from deepdiff import DeepDiff

from pulumi_agents._schema import _contains_unknown, branch, definition, resolve


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def normalize(value: Any, node: Mapping[str, Any], shape: Any = None) -> Any:
    """``value`` in canonical form; with ``shape``, schema-object keys absent from it are dropped."""
    node = branch(node, value)
    if isinstance(value, Mapping):
        props = node.get("properties")
        if props is None:  # a free-form map: every key matters
            extra = node.get("additionalProperties")
            child = extra if isinstance(extra, Mapping) else {}
            return {k: normalize(v, child) for k, v in value.items()}
        keys = [k for k in value if not isinstance(shape, Mapping) or k in shape]
        return {
            k: normalize(value[k], props.get(k, {}), shape.get(k) if isinstance(shape, Mapping) else None) for k in keys
        }
    if isinstance(value, list):
        item_node = node.get("items", {})
        item_shape = _union_shape(shape) if isinstance(shape, list) else None
        items = [normalize(v, item_node, item_shape) for v in value]
        return sorted(items, key=_sort_key) if node.get("uniqueItems") else items
    aliases = node.get("x-aliases")
    if isinstance(aliases, Mapping) and isinstance(value, str):
        return aliases.get(value, value)
    return value


def _union_shape(items: Iterable[Any]) -> dict[str, Any] | None:
    """The keys used by any item of a list of objects (None if the items are not objects)."""
    shape: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, Mapping):
            return None
        for k, v in item.items():
            shape.setdefault(k, v)
    return shape


def changed_properties(type_name: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Top-level schema properties set in ``news`` whose value differs from ``olds``.

    A property whose new value is not known yet (preview) counts as changed.
    """
    props = definition(type_name)["properties"]
    changed = []
    for key, new in news.items():
        if key not in props:
            continue
        if _contains_unknown(new):
            changed.append(key)
            continue
        old = normalize(olds.get(key), props[key], shape=new) if key in olds else None
        if key not in olds or DeepDiff(old, normalize(new, props[key]), ignore_numeric_type_changes=True):
            changed.append(key)
    return changed


def _view(api: Any, given: Any, node: Mapping[str, Any]) -> Any:
    node = branch(node, given)
    if node.get("writeOnly"):
        return given  # the API masks it (e.g. "abc***"): what was sent is the truth we have
    if isinstance(api, Mapping) and isinstance(given, Mapping) and "properties" in node:
        props = node["properties"]
        return {k: _view(api[k], v, props.get(k, {})) if k in api else v for k, v in given.items()}
    if isinstance(api, list) and isinstance(given, list):
        shape = _union_shape(given)
        if shape is None:
            return api
        item_node = resolve(node.get("items", {}))
        props = item_node.get("properties", {})
        return [
            {k: v for k, v in item.items() if k in shape} if isinstance(item, Mapping) and props else item
            for item in api
        ]
    return api


def managed_view(type_name: str, api: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the user set, with the values the API reports for them.

    Fields the API does not report (write-only ones, or ones absent from its answer) keep
    the value that was sent; schema-object keys the user did not set are left out, so the
    API's defaults never show up as a difference.
    """
    props = definition(type_name)["properties"]
    return {k: _view(api[k], v, props.get(k, {})) if k in api else v for k, v in inputs.items()}
