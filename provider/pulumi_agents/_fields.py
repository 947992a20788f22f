"""Facts about a resource's top-level fields, read from its schema.json definition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pulumi_agents._naming import coerce, python_name
from pulumi_agents._schema import definition, resolve


def _has_secret(node: Mapping[str, Any], depth: int = 0) -> bool:
    node = resolve(node)
    if node.get("x-secret"):
        return True
    if depth > 8:
        return False
    children = list(node.get("properties", {}).values())
    if isinstance(node.get("items"), Mapping):
        children.append(node["items"])
    return any(_has_secret(child, depth + 1) for child in children)


@dataclass(frozen=True)
class Fields:
    type_name: str
    inputs: tuple[str, ...]  # wire names sent to the API
    outputs: tuple[str, ...]  # readOnly: reported by the API only
    options: tuple[str, ...]  # x-provider-option: steer the provider, never sent
    secret: tuple[str, ...]  # inputs holding a secret somewhere inside
    python: Mapping[str, str]  # python name -> wire name, for every top-level field

    def node(self, wire: str) -> Mapping[str, Any]:
        node: Mapping[str, Any] = definition(self.type_name)["properties"][wire]
        return node

    def wire_inputs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The fields sent to the API, with integers restored."""
        return {k: coerce(v, self.node(k)) for k, v in props.items() if k in self.inputs and v is not None}

    def coerced(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Every known field with integers restored; other keys (``__provider``) as they are."""
        known = set(self.inputs) | set(self.options) | set(self.outputs)
        return {k: coerce(v, self.node(k)) if k in known else v for k, v in props.items()}


@cache
def fields(type_name: str) -> Fields:
    props: dict[str, Any] = definition(type_name)["properties"]
    # The x-resource-id output is the Pulumi resource id itself, never a property.
    props = {k: v for k, v in props.items() if not v.get("x-resource-id")}
    outputs = tuple(k for k, v in props.items() if v.get("readOnly"))
    options = tuple(k for k, v in props.items() if v.get("x-provider-option"))
    inputs = tuple(k for k in props if k not in outputs and k not in options)
    return Fields(
        type_name=type_name,
        inputs=inputs,
        outputs=outputs,
        options=options,
        secret=tuple(k for k in inputs if _has_secret(props[k])),
        python={python_name(k, v): k for k, v in props.items() if not v.get("deprecated")},
    )
