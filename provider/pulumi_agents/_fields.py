"""Facts about a resource's top-level fields, read from its node in the field tree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from pulumi_agents._tree import Node, coerce, empty, tree


@dataclass(frozen=True, eq=False)
class Fields:
    type_name: str
    root: Node

    @cached_property
    def _props(self) -> dict[str, Node]:
        # The x-resource-id output is the Pulumi resource id itself, never a property.
        return {k: n for k, n in self.root.props.items() if not n.resource_id}

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """Wire names sent to the API."""
        return tuple(k for k, n in self._props.items() if not n.read_only and not n.option)

    @cached_property
    def outputs(self) -> tuple[str, ...]:
        """readOnly: reported by the API only."""
        return tuple(k for k, n in self._props.items() if n.read_only)

    @cached_property
    def options(self) -> tuple[str, ...]:
        """x-provider-option: steer the provider, never sent."""
        return tuple(k for k, n in self._props.items() if n.option)

    @cached_property
    def secret(self) -> tuple[str, ...]:
        """Inputs holding a secret somewhere inside."""
        return tuple(k for k in self.inputs if self._props[k].has_secret)

    @cached_property
    def local(self) -> dict[str, tuple[str, str]]:
        """``x-local-files``: wire name -> (``file`` or ``folder``, the output that keeps their digest)."""
        return {
            k: (str(n.schema["x-local-files"]), str(n.schema["x-digest"]))
            for k, n in self._props.items()
            if n.schema.get("x-local-files")
        }

    @cached_property
    def python(self) -> dict[str, str]:
        """Python name -> wire name, for every top-level field."""
        return {n.python: k for k, n in self._props.items() if not n.deprecated}

    @cached_property
    def wire_to_python(self) -> dict[str, str]:
        return {wire: python for python, wire in self.python.items()}

    def node(self, wire: str) -> Node:
        return self._props[wire]

    @cached_property
    def _inputs(self) -> frozenset[str]:
        return frozenset(self.inputs)

    @cached_property
    def _managed(self) -> frozenset[str]:
        # Sets: every read and diff filters its properties by them (a tuple scan was 0.25 of a
        # plugin refresh's 8.3 profiled CPU seconds at 250 resources).
        return frozenset((*self.inputs, *self.options))

    def wire_inputs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The fields sent to the API, with integers restored."""
        wanted = self._inputs
        return {k: coerce(v, self._props[k]) for k, v in props.items() if k in wanted and v is not None}

    def managed(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs and provider options that are set, with integers restored."""
        wanted = self._managed
        return {k: coerce(v, self._props[k]) for k, v in props.items() if k in wanted and v is not None}

    def coerced(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Every known field with integers restored; other keys (``__provider``) as they are."""
        return {k: coerce(v, self._props[k]) if k in self._props else v for k, v in props.items()}

    def imported(self, remote: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs of a resource adopted by id: the fields the service reports, less those at
        their empty or default value (a program that leaves them out then previews clean), and
        the provider options at their defaults."""
        found = {}
        for wire in self.inputs:
            node, value = self._props[wire], remote.get(wire)
            if empty(value) or (node.has_default and value == node.default):
                continue
            found[wire] = coerce(value, node)
        options = {k: self._props[k].default for k in self.options if self._props[k].has_default}
        return {**found, **options}

    def value(self, props: Mapping[str, Any], wire: str) -> Any:
        """The value of ``wire`` in ``props``, or its schema default when it is not set."""
        value = props.get(wire)
        return self._props[wire].default if value is None else value

    def with_defaults(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """``props`` with the schema default of every unset field that has one."""
        defaults = {k: n.default for k, n in self._props.items() if n.has_default and props.get(k) is None}
        return {**props, **defaults}


@cache
def fields(type_name: str) -> Fields:
    return Fields(type_name, tree(type_name))
