"""Validation against schema.json: every rule a document breaks, with the path and the reason.

A failure names its path both ways: in wire names (``nasConfig.mountPoints[1].mountDir``, what a
config file or the API uses) and in Python names (``nas_config.mount_points[1].mount_dir``, what a
Pulumi program writes). Values still unknown during a preview are never rejected.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import ValidationError

from pulumi_agents._schema import UNKNOWN, definition, schema
from pulumi_agents._tree import contains_unknown, format_path, tree

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Failure:
    """One rule an input breaks: where (wire and Python paths) and why."""

    path: str
    reason: str
    python_path: str = ""
    value: str = ""  # the value that breaks the rule, as shown(): cut to a readable length

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason

    @property
    def property(self) -> str:
        """The path as a Pulumi program wrote it, with the wire name in brackets where it differs."""
        python = self.python_path or self.path
        return python if python == self.path else f"{python} [{self.path}]"


# --- the two cross-field keywords plain JSON Schema cannot express -------------------------


def _less_than(validator: Any, pairs: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    from jsonschema import ValidationError

    if not isinstance(instance, dict):
        return
    for small, big in pairs:
        a, b = instance.get(small), instance.get(big)
        if not (isinstance(a, int | float) and isinstance(b, int | float)):
            continue
        if math.isfinite(a) and math.isfinite(b) and not a < b:
            yield ValidationError(f"must be less than {big} ({b:g})", path=[small], validator="x-less-than")


def _unique_across(validator: Any, rule: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    from jsonschema import ValidationError

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


def _ratio(validator: Any, enabled: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    from jsonschema import ValidationError

    if enabled and isinstance(instance, int | float) and math.isfinite(instance) and instance > 1:
        if instance <= 100:
            yield ValidationError(
                f"is a percentage: weights are ratios from 0.0 to 1.0, so write {instance / 100:g} for {instance:g}%"
            )
        else:
            yield ValidationError("must be a ratio from 0.0 to 1.0")


def _sum_at_most(validator: Any, rule: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    from jsonschema import ValidationError

    if not isinstance(instance, list):
        return
    values = [item.get(rule["key"]) for item in instance if isinstance(item, dict)]
    numbers = [v for v in values if isinstance(v, int | float) and math.isfinite(v)]
    total = sum(numbers)
    # One value over the bound is reported on its own (a percentage, say): the sum adds nothing.
    if total > rule["max"] + 1e-9 and all(v <= rule["max"] for v in numbers):
        yield ValidationError(f"the {rule['key']}s sum to {total:g}, more than {rule['max']:g}")


def _routing(validator: Any, rule: Any, instance: Any, schema_: Any) -> Iterator[ValidationError]:
    """A weighted item must name another value than ``rule["target"]`` (which gets the rest):
    ``{"target": field, "items": [path to the array], "key": the item's field}``; an unset target
    is its default."""
    from jsonschema import ValidationError

    if not isinstance(rule, dict) or not isinstance(instance, dict):
        return
    default = schema_.get("properties", {}).get(rule["target"], {}).get("default")
    target = instance.get(rule["target"], default)
    items: Any = instance
    for step in rule["items"]:
        items = items.get(step) if isinstance(items, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get(rule["key"]) == target and target != UNKNOWN:
            yield ValidationError(
                f"is the {rule['target']} ({target}): a weighted {rule['key']} must be another one",
                path=[*rule["items"], index, rule["key"]],
                validator="x-routing",
            )


def _synonyms(validator: Any, groups: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    """Fields that are two names of one value (Qoder's ``system`` and ``instructions``): either
    may be set, both only to the same value."""
    from jsonschema import ValidationError

    if not isinstance(instance, dict):
        return
    for group in groups:
        given = [(name, instance[name]) for name in group if name in instance]
        if any(contains_unknown(value) for _, value in given):
            continue  # not known yet (a preview): the update's check sees it
        if len({json.dumps(value, sort_keys=True, default=repr) for _, value in given}) > 1:
            names = " and ".join(name for name, _ in given)
            yield ValidationError(
                f"{names} are two names of the same field, set here to different values: set only one",
                path=[given[-1][0]],
                validator="x-synonyms",
            )


@cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: object) -> bool:
    """``format: time-zone``: an IANA time zone name (Asia/Shanghai, UTC), as the services take
    it. Not checked on a machine that has no time zone database (no zone is known there)."""
    zones = _time_zones()
    return not isinstance(value, str) or not zones or value in zones


@cache
def _validator(type_name: str) -> Any:
    # jsonschema (and referencing) load only when something is validated, not with every import.
    from jsonschema import Draft202012Validator, FormatChecker, validators
    from referencing import Registry, Resource

    definition(type_name)  # a clear KeyError for an unknown type
    keywords = {
        "x-less-than": _less_than,
        "x-unique-across": _unique_across,
        "x-ratio": _ratio,
        "x-sum-at-most": _sum_at_most,
        "x-routing": _routing,
        "x-synonyms": _synonyms,
    }
    registry: Registry[Any] = Registry().with_resource("urn:pulumi-agents", Resource.from_contents(schema()))
    return validators.extend(Draft202012Validator, keywords)(
        {"$ref": f"urn:pulumi-agents#/$defs/{type_name}"},
        registry=registry,
        format_checker=_format_checker(Draft202012Validator, FormatChecker),
    )


# RFC 3339's date-time: a date, a time and an offset (Z or +hh:mm); the emulators' filters take it too.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def _date_time(value: object) -> bool:
    """``format: date-time`` (RFC 3339: a date, a time and an offset), where jsonschema would
    check it only with rfc3339-validator installed, and else let anything through."""
    from datetime import datetime

    if not isinstance(value, str):
        return True
    if not RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:  # 2026-02-30T...
        return False
    return True


@cache
def _format_checker(validator: Any, checker: Any) -> Any:
    """The draft's formats, with date-time always checked, and the time-zone one schema.json adds."""
    found = checker(validator.FORMAT_CHECKER.checkers)
    found.checks("date-time")(_date_time)
    found.checks("time-zone")(_time_zone)
    return found


# --- turning jsonschema's errors into one clear reason each --------------------------------

SHOWN = 80  # characters of a value an error message shows at most


def shown(value: Any, limit: int = SHOWN) -> str:
    """``value`` as an error message shows it: ``10``, ``'mnt/relative'``, ``None``; one longer
    than ``limit`` is cut, with its full length (a 10 MB description is never printed whole)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters as text"
    return f"{text[: limit - 20]}... ({size})"


# The rules about a value itself: their failures show the value (those about a key or an item
# count name what is wrong already).
_VALUE_RULES = frozenset(
    {"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern", "format",
     "minLength", "maxLength"}
)


def spelled_like(name: str, known: Mapping[str, str]) -> str | None:
    """The known property (``known``: wire name -> Python name) closest to ``name``, spelled the
    way ``name`` is: a snake_case name (a Python program's) gets the Python name, a camelCase
    one the wire name."""
    import difflib

    styles = [list(known.values()), list(known)]  # a snake_case name: the Python names first
    for names in styles if "_" in name else reversed(styles):
        close = difflib.get_close_matches(name, names, n=1)
        if close:
            break
    return close[0] if close else None


_FORMATS = {
    "regex": "regular expression",
    "uri": "URI",
    "date-time": "date-time (RFC 3339)",
    "time-zone": "IANA time zone (such as Asia/Shanghai or UTC)",
}


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
        from pulumi_agents._tree import to_snake

        props = error.schema.get("properties", {})
        known = {k: str(v.get("x-python-name") or to_snake(k)) for k, v in props.items()}
        for name in inst:
            if name not in known:
                close = spelled_like(name, known)
                hint = f" (did you mean {close!r}?)" if close else ""
                yield [*path, name], f"is not a known property{hint}"
        return
    if "propertyNames" in error.absolute_schema_path and isinstance(inst, str):
        path = [*path, inst]  # name the offending key, not just its map
    if custom:
        yield path, str(custom)
        return
    reasons: dict[str, Callable[[], str]] = {
        "type": lambda: f"must be of type {value}, not {'None' if inst is None else type(inst).__name__}",
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


def _non_finite(value: Any, path: Path = ()) -> Iterator[Path]:
    """Where ``value`` holds NaN or an infinity: JSON has no such numbers, and the services break on them."""
    if isinstance(value, float) and not math.isfinite(value):
        yield path
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _non_finite(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _non_finite(v, (*path, i))


def validate(type_name: str, document: Any) -> list[Failure]:
    """Every rule ``document`` (wire names) breaks for ``type_name``, in path order."""
    non_finite = set(_non_finite(document))
    found: dict[tuple[Path, str], str] = {(path, "must be a finite number"): "" for path in non_finite}
    for error in _validator(type_name).iter_errors(document):
        if contains_unknown(error.instance):
            continue
        value = shown(error.instance) if error.validator in _VALUE_RULES else ""
        for path, reason in _reason(error):
            if tuple(path) not in non_finite:
                found[(tuple(path), reason)] = value
    # An object with a misspelt key breaks the rules that key would meet (a source missing, a
    # name required with another): those follow from the typo, so only the typo is reported.
    misspelt = {path[:-1] for path, reason in found if reason.startswith("is not a known property")}
    root = tree(type_name)
    failures = [
        Failure(format_path(path), reason, root.path(path, python=True), value)
        for (path, reason), value in found.items()
        if reason.startswith("is not a known property")
        or not (path in misspelt or (path[:-1] in misspelt and reason.startswith("is required")))
    ]
    return sorted(failures, key=lambda f: (f.path, f.reason))
