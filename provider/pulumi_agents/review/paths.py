"""Property paths as the engine writes them (``a.b[0]["odd key"]``), the values they lead to, and
values shown to a reader."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_agents.review.preview import is_secret, is_unknown

# What lookup() returns for a path that leads nowhere (None is a value a field can hold).
MISSING: Any = object()

_PATH_PART = re.compile(r'\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')
_NAME = re.compile(r"^[A-Za-z_]\w*$")


def show(value: Any, limit: int = 120) -> str:
    """A value as compact JSON for a reader; values not known yet say so."""
    if is_unknown(value):
        return "(known after apply)"
    text = json.dumps(_known(value), ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _known(value: Any) -> Any:
    if is_unknown(value):
        return "(known after apply)"
    if isinstance(value, Mapping):
        return {k: _known(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v) for v in value]
    return value


def parse_path(path: str) -> list[str | int]:
    """``a.b[0]["odd key"]`` as ``["a", "b", 0, "odd key"]`` (a Pulumi property path)."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        match = _PATH_PART.match(path, pos)
        if not match or match.end() == pos:
            return [path]  # not a path we know how to read: the whole of it is one key
        name, index, quoted = match.groups()
        if index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(json.loads(f'"{quoted}"'))
        else:
            parts.append(name)
        pos = match.end()
    return parts


def top_path(key: str) -> str:
    """The path of the top-level property ``key``: itself, or ``["odd key"]``."""
    return key if _NAME.match(key) else f"[{json.dumps(key)}]"


def lookup(value: Any, parts: Sequence[str | int]) -> Any:
    """The value at ``parts``, or MISSING; a secret or unknown met on the way is returned as it
    stands (the path is inside it)."""
    for part in parts:
        if is_secret(value) or is_unknown(value):
            return value
        found = isinstance(value, list) and isinstance(part, int) and part < len(value)
        if not (found or (isinstance(value, Mapping) and isinstance(part, str) and part in value)):
            return MISSING
        value = value[part]
    return value
