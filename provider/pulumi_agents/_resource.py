"""The Pulumi-facing side shared by every resource: snake_case arguments in, wire names out.

Top-level properties are registered under their Python names (so outputs are attributes such
as ``rt.agent_runtime_id``) and translated to wire names for the engine; nested values are
converted to wire names before they leave the program. Secret fields are wrapped as secrets
whether or not the user marked them.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from pulumi_agents._fields import Fields, fields
from pulumi_agents._tree import Node, rebuild


class SchemaResource(pulumi.dynamic.Resource):
    _type_name: ClassVar[str]

    def __init__(
        self,
        provider: pulumi.dynamic.ResourceProvider,
        resource_name: str,
        args: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        spec = fields(self._type_name)
        props: dict[str, Any] = {}
        unknown = []
        for key, value in args.items():
            if value is None:
                continue
            wire = spec.python.get(key, key)
            if wire not in spec.inputs and wire not in spec.options:
                unknown.append(key)
                continue
            props[key] = self._convert(spec, wire, value)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown arguments: {', '.join(sorted(unknown))}")
        for python, wire in spec.python.items():
            if wire in spec.outputs:
                props[python] = None
        secret = [python for python, wire in spec.python.items() if wire in spec.secret and python in props]
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secret))
        super().__init__(provider, resource_name, props, opts)

    @staticmethod
    def _convert(spec: Fields, wire: str, value: Any) -> Any:
        converted = _to_wire(value, spec.node(wire))
        return pulumi.Output.secret(converted) if wire in spec.secret else converted

    def translate_input_property(self, prop: str) -> str:
        # Only top-level names: nested keys are already wire names, and free-form map keys
        # (environment variable names) must stay as written.
        return fields(self._type_name).python.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return fields(self._type_name).wire_to_python.get(prop, prop)


def _to_wire(value: Any, node: Node) -> Any:
    """``value`` with wire names at every depth, whatever part of it is an Output or awaitable:
    those are converted once they resolve (a whole ``vpc.id.apply(lambda v: {...})`` included)."""

    def later(node: Node, leaf: Any) -> Any:
        if isinstance(leaf, pulumi.Output) or inspect.isawaitable(leaf):
            return pulumi.Output.from_input(leaf).apply(lambda resolved: _to_wire(resolved, node))
        return leaf

    return rebuild(node, value, key=Node.wire_key, leaf=later)
