"""The engine's property structs straight to plain data and back, for the plugin's hot calls.

What ``PropertyValue.unmarshal_map`` and then ``_plugin.plain_map`` give (and ``value_map`` and then
``PropertyValue.marshal_map`` take back), without the PropertyValue in between: a refresh of 250
resources reads and diffs each twice, and building and checking a PropertyValue for every value
was a fifth of the plugin's CPU (see docs/performance.md). Plain values (null, bool, number,
string, list, struct) and secrets are converted here; anything else (an asset, a resource
reference, an output value) goes through the SDK's PropertyValue as before, loaded only then.
A diff's answer (a resource's, a provider's settings') is built here too, for the same calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2

from pulumi_agents._tree import SCALARS, Node, tree

Path = tuple[str | int, ...]
T = TypeVar("T")
# The engine's marks of a special value (pulumi.runtime.rpc's _special_sig_key and
# _special_secret_sig), here so that a plugin's first answers need not load the SDK's runtime.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_SECRET = {SIG_KEY: SECRET_SIG}


def plain_struct(struct: struct_pb2.Struct, secrets: set[Path] | None = None) -> dict[str, Any]:
    """``plain_map(PropertyValue.unmarshal_map(struct), secrets)``."""
    return {k: _plain(v, (k,), secrets) for k, v in struct.fields.items()}


def _plain(value: struct_pb2.Value, path: Path, secrets: set[Path] | None) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        sig = fields.get(SIG_KEY)
        if sig is None:
            return {k: _plain(v, (*path, k), secrets) for k, v in fields.items()}
        if sig.string_value == SECRET_SIG and "value" in fields:
            if secrets is not None:
                secrets.add(path)
            return _plain(fields["value"], path, secrets)
        from pulumi.provider.experimental.property_value import PropertyValue

        from pulumi_agents._plugin_sdk import to_plain  # the rare kinds: as the SDK reads them

        return to_plain(PropertyValue.unmarshal(value), path, secrets)
    if kind == "list_value":
        return [_plain(v, (*path, i), secrets) for i, v in enumerate(value.list_value.values)]
    return None  # null_value (or nothing set, which the SDK refuses and the engine never sends)


def struct_of(type_name: str, values: Mapping[str, Any], secrets: set[Path]) -> struct_pb2.Struct:
    """``PropertyValue.marshal_map(value_map(type_name, values, secrets))``: secret where
    schema.json or the program says so. Values that are not plain data (an asset the program
    gave a File) are marshalled by the SDK, as they always were."""
    root = tree(type_name)
    struct = struct_pb2.Struct()
    try:
        plain = {k: walk(v, root.child(k), (k,), secrets, _wrapped, _plain_only) for k, v in values.items()}
    except _NotPlain:
        from pulumi.provider.experimental.property_value import PropertyValue

        from pulumi_agents._plugin_sdk import value_map

        return PropertyValue.marshal_map(value_map(type_name, values, secrets))
    struct.update(plain)
    return struct


class _NotPlain(Exception):
    pass


def _plain_only(value: Any) -> Any:
    raise _NotPlain(type(value).__name__)


def _wrapped(value: Any, secret: bool) -> Any:
    """A value as ``Struct.update`` takes it, a secret wrapped as the engine reads one."""
    return {**_SECRET, "value": value} if secret else value


def walk(
    value: Any,
    node: Node,
    path: Path,
    secrets: set[Path],
    wrap: Callable[[Any, bool], T],
    other: Callable[[Any], Any] = lambda value: value,
) -> T:
    """Plain data for the engine, each value given to ``wrap`` with whether it is secret (where
    schema.json or the program, by ``secrets``, says so); integers as floats, as the engine's
    numbers are. ``wrap`` makes a Struct's value here, a PropertyValue for the SDK's calls;
    ``other`` takes what is not plain data (an asset: a PropertyValue holds one, a Struct cannot)."""
    cls = value.__class__
    if cls in SCALARS and cls is not int:  # most values: straight through
        return wrap(value, node.secret or path in secrets)
    node = node.at(value)
    if isinstance(value, Mapping):
        inner: Any = {k: walk(v, node.child(k), (*path, k), secrets, wrap, other) for k, v in value.items()}
    elif isinstance(value, list | tuple):
        inner = [walk(v, node.item, (*path, i), secrets, wrap, other) for i, v in enumerate(value)]
    elif isinstance(value, int) and not isinstance(value, bool):
        inner = float(value)
    elif value is None or isinstance(value, bool | float | str):
        inner = value
    else:
        inner = other(value)
    return wrap(inner, node.secret or path in secrets)


# -- a diff's answer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Diffed:
    """A diff (a resource's, or a provider's settings'), as the plugin answers it."""

    changes: bool
    replaces: list[str]
    delete_before_replace: bool
    paths: dict[str, tuple[str, bool]]  # property path -> (add, delete or update; whether it replaces)

    @property
    def diffs(self) -> list[str]:
        return sorted({path.split(".")[0].split("[")[0] for path in self.paths})


def diff_answer(found: Diffed) -> Any:
    """The engine's DiffResponse of ``found``."""
    return provider_pb2.DiffResponse(
        replaces=found.replaces,
        stables=[],
        deleteBeforeReplace=found.delete_before_replace,
        changes=provider_pb2.DiffResponse.DIFF_SOME if found.changes else provider_pb2.DiffResponse.DIFF_NONE,
        diffs=found.diffs,
        detailedDiff={
            path: provider_pb2.PropertyDiff(
                kind=provider_pb2.PropertyDiff.Kind.Value(kind.upper() + ("_REPLACE" if replaces else "")),
                inputDiff=True,
            )
            for path, (kind, replaces) in found.paths.items()
        },
        hasDetailedDiff=True,
    )
