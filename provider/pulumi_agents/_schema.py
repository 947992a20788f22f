"""Validation against schema.json, the single source of every field's name, type and limits.

Failures are reported as ``path: reason`` with wire names (``nasConfig.mountPoints[1].mountDir:
must be an absolute path``). Values still unknown during a preview are never rejected.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource

# What pulumi.runtime.rpc.deserialize_properties(..., keep_unknowns=True) yields for a value not
# known yet during a preview. Duplicated (not imported) so this module does not load the SDK.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Failure:
    """One rule an input breaks: where (wire path) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


@cache
def schema() -> dict[str, Any]:
    """The parsed schema.json shipped with the package."""
    text = resources.files("pulumi_agents").joinpath("schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def definition(name: str) -> dict[str, Any]:
    """The $defs entry called ``name``."""
    try:
        node: dict[str, Any] = schema()["$defs"][name]
    except KeyError:
        known = ", ".join(sorted(schema()["$defs"]))
        raise KeyError(f"schema.json has no definition {name!r} (known: {known})") from None
    return node


def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/$defs/X``) to its definition."""
    while "$ref" in node:
        node = definition(node["$ref"].rsplit("/", 1)[-1])
    return node


def branch(node: Mapping[str, Any], value: Any) -> Mapping[str, Any]:
    """The schema that describes ``value``: ``node`` itself, or the object branch of an anyOf/oneOf
    when ``value`` is an object (``model`` may be a string or an object)."""
    node = resolve(node)
    if isinstance(value, Mapping):
        for option in node.get("anyOf", node.get("oneOf", [])):
            if "properties" in resolve(option):
                return resolve(option)
    return node


def format_path(parts: Sequence[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- the two cross-field keywords plain JSON Schema cannot express -------------------------


def _less_than(validator: Any, pairs: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    for small, big in pairs:
        a, b = instance.get(small), instance.get(big)
        if isinstance(a, int | float) and isinstance(b, int | float) and not a < b:
            yield ValidationError(f"must be less than {big} ({b:g})", path=[small], validator="x-less-than")


def _unique_across(validator: Any, rule: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    key = rule["key"]
    seen: dict[str, list[str | int]] = {}
    for array_path in rule["arrays"]:
        items: Any = instance
        for part in array_path:
            items = items.get(part) if isinstance(items, dict) else None
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            value = item.get(key) if isinstance(item, dict) else None
            if not isinstance(value, str) or value == UNKNOWN:
                continue
            here = [*array_path, index, key]
            if value in seen:
                other = format_path(seen[value][:-1])
                yield ValidationError(f"{value!r} is already used by {other}", path=here, validator="x-unique-across")
            else:
                seen[value] = here


_Validator = validators.extend(Draft202012Validator, {"x-less-than": _less_than, "x-unique-across": _unique_across})


@cache
def _validator(type_name: str) -> Any:
    definition(type_name)  # a clear KeyError for an unknown type
    registry: Registry[Any] = Registry().with_resource("urn:pulumi-agents", Resource.from_contents(schema()))
    return _Validator(
        {"$ref": f"urn:pulumi-agents#/$defs/{type_name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


# --- turning jsonschema's errors into one clear reason each --------------------------------


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return type(value).__name__ == "Unknown"


_FORMATS = {"regex": "regular expression", "uri": "URI", "date-time": "date-time (RFC 3339)"}


def _reason(error: ValidationError) -> Iterator[tuple[list[str | int], str]]:
    """(path, reason) pairs for one error; ``required`` names each missing property."""
    path: list[str | int] = list(error.absolute_path)
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    custom = custom.get(error.validator) if isinstance(custom, dict) else custom
    kind, value, inst = error.validator, error.validator_value, error.instance
    if kind == "required":
        for name in value:
            if isinstance(inst, dict) and name not in inst:
                yield [*path, name], f"is required ({custom})" if custom else "is required"
        return
    if kind == "dependentRequired" and isinstance(inst, dict):
        for name, needed in value.items():
            for other in needed:
                if name in inst and other not in inst:
                    yield [*path, other], f"is required with {name}"
        return
    if kind == "additionalProperties" and isinstance(inst, dict):
        known = list(error.schema.get("properties", {}))
        for name in inst:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                yield [*path, name], f"is not a known property{hint}"
        return
    if "propertyNames" in error.absolute_schema_path and isinstance(inst, str):
        path = [*path, inst]  # name the offending key, not just its map
    if custom:
        yield path, str(custom)
        return
    reasons: dict[str, Callable[[], str]] = {
        "type": lambda: f"must be of type {value}, not {type(inst).__name__}",
        "enum": lambda: "must be one of " + ", ".join(repr(v) for v in value),
        "const": lambda: f"must be {value!r}",
        "minimum": lambda: f"must be at least {value}",
        "maximum": lambda: f"must be at most {value}",
        "exclusiveMinimum": lambda: f"must be greater than {value}",
        "exclusiveMaximum": lambda: f"must be less than {value}",
        "minLength": lambda: f"must be at least {value} characters long",
        "maxLength": lambda: f"must be at most {value} characters long",
        "pattern": lambda: f"must match the pattern {value}",
        "minItems": lambda: f"must have at least {value} items",
        "maxItems": lambda: f"must have at most {value} items",
        "maxProperties": lambda: f"must have at most {value} entries",
        "uniqueItems": lambda: "must not contain duplicates",
        "format": lambda: f"must be a valid {_FORMATS.get(value, value)}",
    }
    yield path, reasons[kind]() if kind in reasons else error.message


def validate(type_name: str, document: Any) -> list[Failure]:
    """Every rule ``document`` (wire names) breaks for ``type_name``, in path order."""
    failures: set[Failure] = set()
    for error in _validator(type_name).iter_errors(document):
        if _contains_unknown(error.instance):
            continue
        for path, reason in _reason(error):
            failures.add(Failure(format_path(path), reason))
    return sorted(failures, key=lambda f: (f.path, f.reason))
