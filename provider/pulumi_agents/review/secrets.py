"""Which values of a resource are secret, and the clear-text secrets a preview let through.

A secret is named, never shown: the preview's ``[secret]`` values, Pulumi's signature objects,
every path schema.json marks ``x-secret`` and every top-level ``additionalSecretOutputs``. A
preview made with ``--show-secrets`` (or a provider that forgot a mark) can hold a secret in clear
text; :meth:`Secrets.revealed` finds each one where schema.json says a secret is, so that the
comment can scrub it wherever else it shows up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_agents._tree import Node
from pulumi_agents.review.preview import contains_secret, is_secret, is_unknown


class Secrets:
    """The secrets of one resource: ``root`` is its schema.json tree (None: not one of ours),
    ``tops`` its top-level ``additionalSecretOutputs``."""

    def __init__(self, root: Node | None, tops: Iterable[str] = ()) -> None:
        self.root = root
        self.tops = frozenset(tops)

    def secret(self, parts: Sequence[str | int], *values: Any) -> bool:
        """Whether the field at ``parts``, holding ``values`` (old, new), must not be shown."""
        top = parts[0] if parts else ""
        return (
            (isinstance(top, str) and top in self.tops)
            or any(contains_secret(v) for v in values)
            or _schema_secret(self.root, parts)
        )

    def revealed(self, *states: Mapping[str, Any]) -> set[str]:
        """The clear-text strings found in ``states`` (inputs or outputs) where a secret is."""
        found: set[str] = set()
        if self.root is not None:
            for state in states:
                _plain_secrets(self.root, state, found)
        return found


def _schema_secret(root: Node | None, parts: Sequence[str | int]) -> bool:
    """Whether schema.json marks the field at ``parts``, one above it, or one inside it, secret."""
    if root is None:
        return False
    node = root
    for part in parts:
        if node.secret:
            return True
        node = node.item if isinstance(part, int) else node.at({}).child(part)
    return node.has_secret


def _plain_secrets(node: Node, value: Any, out: set[str]) -> None:
    """Collect the clear-text strings found where schema.json says a secret is."""
    node = node.at(value)
    if node.secret:
        out.update(s for s in _strings(value) if not is_secret(s) and not is_unknown(s))
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _plain_secrets(node.child(k), v, out)
    elif isinstance(value, list):
        for v in value:
            _plain_secrets(node.item, v, out)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
