"""What every AgentRun family shares: the store's kinds, the service's error, paging, helpers."""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime
from typing import Any, TypeGuard

KIND = "agentrun.runtime"
ENDPOINT_KIND = "agentrun.endpoint"
VERSION_KIND = "agentrun.version"  # id "{agentRuntimeId}/{number}"
FAILURE_KIND = "agentrun.failure"  # id "{agentRuntimeName}/{operation}"
ENDPOINT_FAILURE_KIND = "agentrun.endpoint-failure"  # id "{agentRuntimeId or *}/{endpointName}/{operation}"
BUSY = ("CREATING", "UPDATING", "DELETING")
# What an endpoint serves by default: the runtime's current configuration, not a published version
# (the emulator keeps it apart from schema.json on purpose; tests/test_agentrun_emulator_limits.py ties them).
LATEST = "LATEST"
OPERATIONS = ("create", "update", "delete")
Docs = list[dict[str, Any]]  # AgentRunState has a method named list


class InvalidRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> InvalidRequest:
    return InvalidRequest(400, "ERR_VALIDATION_FAILED", message)


def now_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def quoted(value: Any) -> str:
    """A value as a message quotes it: repr, cut short (a message must not echo a huge body)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def present(body: dict[str, Any]) -> dict[str, Any]:
    """The body's fields that carry a value: a JSON null is a field left out, as the service's
    typed request model reads it (so an update can never clear a required field with null)."""
    return {k: v for k, v in body.items() if v is not None}


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document without its private (``_``) fields."""
    return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}


def page(items: Docs, page_number: int, page_size: int) -> dict[str, Any]:
    start = (page_number - 1) * page_size
    return {
        "items": items[start : start + page_size],
        "pageNumber": page_number,
        "pageSize": page_size,
        "total": len(items),
    }
