"""Field checks as the service makes them: each raises a 400 ``ERR_VALIDATION_FAILED`` naming
the field's path (``networkConfiguration.vpcId``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pulumi_agents.agentrun.emulator.models.common import invalid, is_int, is_number, quoted

# Names as the Serverless Devs component's schema (and schema.json) allow them.
MAX_NAME = 128
NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]{0,127}")  # fullmatch: "$" would let a final newline in
MAX_DESCRIPTION = 256
MAX_PUBLISHER = 256

Check = Callable[[str, Any], None]  # (field path, value): raises invalid naming the path


def check_name(where: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise invalid(f"{where} is required (a non-empty string)")
    if not NAME.fullmatch(value):
        raise invalid(
            f"{where} {quoted(value)} must start with a letter and contain only letters, digits, '_' and '-' "
            f"(at most {MAX_NAME} characters)"
        )


def check_string(max_length: int | None = None) -> Check:
    def check(where: str, value: Any) -> None:
        if not isinstance(value, str):
            raise invalid(f"{where} must be a string, not {quoted(value)}")
        if max_length is not None and len(value) > max_length:
            raise invalid(f"{where} must be at most {max_length} characters (it has {len(value)})")

    return check


def check_integer(low: int, high: int | None = None) -> Check:
    span = f"from {low} to {high}" if high is not None else f"of at least {low}"

    def check(where: str, value: Any) -> None:
        if not is_int(value) or value < low or (high is not None and value > high):
            raise invalid(f"{where} {quoted(value)} must be a whole number {span}")

    return check


def check_number(low: float, high: float) -> Check:
    def check(where: str, value: Any) -> None:
        if not is_number(value) or not low <= value <= high:
            raise invalid(f"{where} {quoted(value)} must be a number from {low:g} to {high:g}")

    return check


def check_boolean(where: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise invalid(f"{where} must be true or false, not {quoted(value)}")


def check_one_of(*choices: str) -> Check:
    def check(where: str, value: Any) -> None:
        if value not in choices:
            raise invalid(f"{where} {quoted(value)} must be one of {', '.join(choices)}")

    return check


def check_strings(where: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(f"{where} must be a list of strings")


def check_any_list(where: str, value: Any) -> None:
    if not isinstance(value, list):
        raise invalid(f"{where} must be a list")


def check_string_map(where: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise invalid(f"{where} must be an object of strings")
    for key, item in value.items():
        if not key:
            raise invalid(f"{where} has an empty name")
        if not isinstance(item, str):
            raise invalid(f"{where}.{key} must be a string, not {quoted(item)}")


def check_object(fields: dict[str, Check]) -> Check:
    """An object whose known fields are checked (unknown ones pass: the service is lenient)."""

    def check(where: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise invalid(f"{where} must be an object, not {quoted(value)}")
        check_fields(value, fields, prefix=f"{where}.")

    return check


def check_objects(fields: dict[str, Check]) -> Check:
    each = check_object(fields)

    def check(where: str, value: Any) -> None:
        if not isinstance(value, list):
            raise invalid(f"{where} must be a list of objects")
        for i, item in enumerate(value):
            each(f"{where}[{i}]", item)

    return check


def check_fields(body: dict[str, Any], fields: dict[str, Check], *, prefix: str = "") -> None:
    for name, check in fields.items():
        if body.get(name) is not None:
            check(prefix + name, body[name])
