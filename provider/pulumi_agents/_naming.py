"""snake_case (Python) <-> wire names, derived from schema.json so no name is written twice.

The Pulumi-facing API takes snake_case keys; the wire, the state and schema.json use the
vendors' names. Conversion walks the schema, so keys of free-form maps (environment variable
names, metadata keys) are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from pulumi_agents._schema import branch, definition, resolve, schema

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def to_snake(wire_name: str) -> str:
    """``vSwitchId`` -> ``v_switch_id``, ``enableTLS`` -> ``enable_tls``; snake names pass through."""
    return _BOUNDARY.sub("_", wire_name).lower()


def python_name(wire_name: str, node: Mapping[str, Any]) -> str:
    """The Python name of a property: ``x-python-name`` if the schema gives one, else derived."""
    override = node.get("x-python-name")
    return str(override) if override else to_snake(wire_name)


def _python_names(node: Mapping[str, Any]) -> dict[str, str]:
    """Python name -> wire name for one object node. Deprecated spellings get no Python name."""
    props: Mapping[str, Any] = resolve(node).get("properties", {})
    return {python_name(k, v): k for k, v in props.items() if not v.get("deprecated")}


def to_wire(value: Any, node: Mapping[str, Any]) -> Any:
    """Rename the keys of ``value`` (plain data) from snake_case to the wire names of ``node``.

    Wire names are accepted as they are; unknown keys are kept so that `check` can name them.
    """
    node = branch(node, value)
    if isinstance(value, Mapping) and "properties" in node:
        names = _python_names(node)
        props = node["properties"]
        out = {}
        for key, item in value.items():
            wire = key if key in props else names.get(key, key)
            out[wire] = to_wire(item, props.get(wire, {}))
        return out
    if isinstance(value, list) and isinstance(node.get("items"), Mapping):
        return [to_wire(item, node["items"]) for item in value]
    return value


def resource_to_wire(type_name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level resource arguments (snake_case) to wire names; ``None`` values are dropped."""
    converted: dict[str, Any] = to_wire({k: v for k, v in args.items() if v is not None}, definition(type_name))
    return converted


@cache
def _all_python_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for node in schema()["$defs"].values():
        for python, wire in _python_names(node).items():
            names[wire] = python
    return names


def output_name(wire_name: str) -> str:
    """The Python attribute for a wire property name; names not in the schema are kept."""
    return _all_python_names().get(wire_name, wire_name)


def coerce(value: Any, node: Mapping[str, Any]) -> Any:
    """Restore integers that travelled as floats (the engine's protobuf Struct has only doubles)."""
    node = branch(node, value)
    if isinstance(value, float) and node.get("type") == "integer" and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        props = node.get("properties")
        extra = node.get("additionalProperties")
        return {
            k: coerce(v, props.get(k, {}) if props is not None else extra if isinstance(extra, Mapping) else {})
            for k, v in value.items()
        }
    if isinstance(value, list) and isinstance(node.get("items"), Mapping):
        return [coerce(v, node["items"]) for v in value]
    return value
