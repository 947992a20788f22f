"""What a change of one of our providers (explicit, or the default one of stack config) means.

A changed setting updates a provider in place (see ``diff_config`` in :mod:`pulumi_agents._plugin`):
nothing moves. Its resources stay where they were made, while the next ``refresh`` looks for them
where the provider now points, and forgets those it does not find. Which settings say where
(``address``) or as whom (``credentials``) is their ``x-group`` in schema.json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_agents._config import settings
from pulumi_agents.review.meaning import Other, plain
from pulumi_agents.review.model import PropertyChange
from pulumi_agents.review.paths import parse_path, show

PROVIDER_PREFIX = "pulumi:providers:"
_NAMES = 5


def provider_meaning(
    token: str,
    urn: str,
    operation: str,
    changes: Sequence[PropertyChange],
    old_inputs: Mapping[str, Any],
    others: Sequence[Other],
    complete: bool,
) -> list[str]:
    """The lines for a provider's update that changes where it points or as whom it calls."""
    if operation != "update":
        return []
    try:
        known = settings(token.removeprefix(PROVIDER_PREFIX))
    except KeyError:
        return []  # another package's provider
    groups: dict[str, list[str]] = {}
    for change in changes:
        parts = parse_path(change.path)
        node = known.get(str(parts[0])) if parts else None
        group = node.schema.get("x-group") if node is not None else None
        if isinstance(group, str):
            groups.setdefault(group, []).append(str(parts[0]))
    if not groups.keys() & {"address", "credentials"}:
        return []
    # A resource made in this update is made where the provider now points: not concerned.
    theirs = [o.name for o in others if o.provider.rpartition("::")[0] == urn and o.operation != "create"]
    if not theirs and complete and any(o.provider for o in others):
        return []  # the preview lists every resource with its provider: none is this one's
    which = _which(theirs)
    lines = []
    if "address" in groups:
        # Where they were made: every address setting the provider had, changed or not.
        place = [k for k, node in known.items() if node.schema.get("x-group") == "address" and plain(old_inputs.get(k))]
        was = ", ".join(f"{key} `{_text(old_inputs[key])}`" for key in place)
        where = f" ({was})" if was else ""
        lines.append(
            f"**{which} {_stay(theirs)} where {_they(theirs)} made{where}: the next `refresh` looks for "
            f"{_them(theirs)} where this provider now points, and forgets what it does not find there** (adopt "
            f"{_them(theirs)} there by import, or set it back)"
        )
    if "credentials" in groups:
        lines.append(
            f"new credentials: if they are another account's, {which} {_stay(theirs)} in the old one, and the "
            f"next `refresh` forgets {_them(theirs)} (adopt {_them(theirs)} by import)"
        )
    return lines


def _text(value: Any) -> str:
    return value if isinstance(value, str) else show(value)


def _stay(names: list[str]) -> str:
    return "stays" if len(names) == 1 else "stay"


def _they(names: list[str]) -> str:
    return "it was" if len(names) == 1 else "they were"


def _them(names: list[str]) -> str:
    return "it" if len(names) == 1 else "them"


def _which(names: list[str]) -> str:
    if not names:
        return "its resources"
    shown = ", ".join(names[:_NAMES]) + (f" and {len(names) - _NAMES} more" if len(names) > _NAMES else "")
    return f"its {len(names)} resource{'s' if len(names) != 1 else ''} ({shown})"
