"""The model of a reviewed preview: what changes, how, why, and what it means.

The Markdown comment and ``--format json`` both render this model; a secret's value is never in
it (``old``/``new`` are None and ``secret`` is True).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# add / update / delete: what the engine or the comparison of inputs found;
# unmanaged: an argument removed from the program that the service keeps (x-on-remove keep);
# maybe: a secret the preview hides on both sides, so whether it changed cannot be seen;
# drift: the program's value equals the last one, but the service reports another.
Kind = Literal["add", "update", "delete", "unmanaged", "maybe", "drift"]

OPERATIONS = ("create", "update", "replace", "delete", "same")


@dataclass
class PropertyChange:
    path: str
    kind: Kind
    secret: bool = False
    old: Any = None
    new: Any = None
    replaces: bool = False
    note: str = ""


@dataclass
class ReplaceReason:
    property: str
    reason: str = ""  # schema.json's x-replace-on-change, for our resources
    unknown: bool = False  # the new value is only known after apply: replaces only if it changes
    # Why it changes although its new value is unknown: it was the id of a resource this same
    # preview certainly replaces, named here (``by``, how a sentence names its kind: ``by_noun``).
    by: str = ""
    by_noun: str = ""


@dataclass
class ResourceReview:
    urn: str
    name: str
    type: str  # readable: <package>.<Type> for both of our type tokens
    token: str  # the Pulumi type token
    operation: str  # create, update, replace, delete, same, or another engine op (read, import, ...)
    delete_first: bool = False  # a replacement that deletes the old resource before creating the new
    replace_reasons: list[ReplaceReason] = field(default_factory=list)
    changes: list[PropertyChange] = field(default_factory=list)
    meaning: list[str] = field(default_factory=list)
    diff_source: Literal["engine", "inputs", "none"] = "none"
    # A dynamic resource whose every change shown is a value known only after apply: its preview
    # cannot tell whether it changes at all (a dynamic provider keeps no output known through an
    # update), so the review claims no replacement and no consequence for it.
    known_after_apply: bool = False

    @property
    def maybe_replaced(self) -> bool:
        """A replacement that happens only if values known after apply turn out to differ."""
        reasons = self.replace_reasons
        return self.operation == "replace" and bool(reasons) and all(r.unknown for r in reasons)

    @property
    def certain(self) -> bool:
        """Whether its operation is known, not the engine's guess in a preview that cannot tell."""
        return not self.known_after_apply and not self.maybe_replaced


@dataclass
class DiagnosticReview:
    severity: str
    message: str
    resource: str = ""  # the name of the resource it is about, if any
    type: str = ""
    urn: str = ""
    count: int = 1


@dataclass
class PolicyReview:
    """A policy pack's violation (``pulumi preview --policy-pack``): mandatory ones fail the preview."""

    policy: str
    pack: str
    level: str  # advisory, mandatory, remediate
    message: str
    resource: str = ""  # the name of the resource it is about; empty for the stack as a whole
    type: str = ""
    urn: str = ""


@dataclass
class Review:
    stack: str
    project: str
    failed: bool
    counts: dict[str, int]
    resources: list[ResourceReview]
    diagnostics: list[DiagnosticReview]
    # Unchanged resources the preview did not list (it ran without --show-sames): an argument
    # removed from them that the service keeps could not be checked.
    unseen_sames: int = 0
    # Policy packs' violations: only the streamed events carry them (see preview.py).
    violations: list[PolicyReview] = field(default_factory=list)
    # Secret values the input revealed (signature objects with their value): scrubbed from any
    # text rendered, as a last line of defence. Never serialized.
    revealed: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("revealed")
        return data
