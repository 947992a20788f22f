"""From a preview's steps to the review model, with schema.json's semantics.

A replacement's steps (``create-replacement``, ``replace``, ``delete-replaced``) fold into one
resource, ``delete_first`` when the old one goes first. What changes in it is read by
:mod:`.changes` (property paths: :mod:`.paths`; what must not be shown: :mod:`.secrets`); what the
change means, the kind says (:mod:`.meaning`): nothing here names a kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pulumi_agents._schema import resource_types
from pulumi_agents._tree import contains_unknown
from pulumi_agents.review.changes import Diff
from pulumi_agents.review.meaning import Change, Other, meaning_of
from pulumi_agents.review.model import (
    OPERATIONS,
    DiagnosticReview,
    PolicyReview,
    PropertyChange,
    ReplaceReason,
    ResourceReview,
    Review,
)
from pulumi_agents.review.preview import Diagnostic, Preview, Step, Violation, parse_urn
from pulumi_agents.review.providers import PROVIDER_PREFIX, provider_meaning

DYNAMIC_PREFIX = "pulumi-python:dynamic/"
KNOWN_AFTER_APPLY = (
    "depends on values known only after apply: whether it changes at all is known then "
    "(dynamic resources cannot tell in a preview)"
)
_REPLACE_OPS = ("create-replacement", "replace", "delete-replaced")


# -- types ---------------------------------------------------------------------------------------


def our_type(token: str) -> str | None:
    """The schema.json definition behind ``token``, for our dynamic and plugin type tokens."""
    if token.startswith(DYNAMIC_PREFIX):
        module, _, name = token[len(DYNAMIC_PREFIX) :].partition(":")
    else:
        parts = token.split(":")
        if len(parts) != 3 or parts[1] != "index":
            return None
        module, name = parts[0], parts[2]
    return name if resource_types().get(name) == module else None


def display_type(token: str) -> str:
    """``<package>.<Type>`` for both of our tokens; ``stack``; other tokens as they are."""
    name = our_type(token)
    if name:
        return f"{resource_types()[name]}.{name}"
    if token == "pulumi:pulumi:Stack":
        return "stack"
    if token.startswith("pulumi:providers:"):
        return f"provider {token.rsplit(':', 1)[-1]}"
    return token


# -- one resource --------------------------------------------------------------------------------


class _Resource:
    """The folded steps of one URN, and what the review needs from them."""

    def __init__(self, urn: str, steps: list[Step]) -> None:
        self.urn, self.steps = urn, steps
        ops = [s.op for s in steps]
        self.delete_first = False
        if any(op in _REPLACE_OPS for op in ops):
            self.operation = "replace"
            if "delete-replaced" in ops and "create-replacement" in ops:
                self.delete_first = ops.index("delete-replaced") < ops.index("create-replacement")
        else:
            self.operation = ops[-1]
        main = next((s for s in steps if s.op in ("replace", "create-replacement")), steps[-1])
        olds = [s.old for s in steps if s.old]
        news = [s.new for s in (main, *steps) if s.new]
        parsed = parse_urn(urn)
        self.name = parsed.name if parsed else urn
        old, new = (olds[0] if olds else {}), (news[0] if news else {})
        self.token = str(new.get("type") or old.get("type") or (parsed.type if parsed else ""))
        self.type_name = our_type(self.token)
        self.old_id = old.get("id")
        self.provider = str(new.get("provider") or old.get("provider") or "")
        found = new.get("propertyDependencies", old.get("propertyDependencies"))
        self.dependencies: dict[str, list[str]] | None = (
            {str(k): [str(u) for u in v] for k, v in found.items() if isinstance(v, list)}
            if isinstance(found, Mapping)
            else None
        )
        self.diff = Diff(
            self.type_name,
            self.operation,
            old,
            new,
            detailed_diff=next((s.detailed_diff for s in steps if s.detailed_diff is not None), None),
            replace_reasons=list(dict.fromkeys(r for s in steps for r in s.replace_reasons)),
            owner=f"the {meaning_of(self.type_name).noun}" if self.type_name else "the service",
        )
        self.changes: list[PropertyChange] = []
        self.source = "none"
        self.reasons: list[ReplaceReason] = []
        self.unknowable = False

    def settle(self, before: Mapping[str, Other]) -> Other:
        """Its changes, why it is replaced, and whether any of it is known; ``before`` are the
        resources settled so far (the preview lists a resource after those it reads)."""
        self.changes, self.source = self.diff.property_changes()
        self.reasons = self.diff.reasons(self.changes)
        caused = self._caused(before)
        self.unknowable = not caused and self._unknowable(self.changes)
        if self.unknowable:
            for change in self.changes:
                change.replaces = False
            self.reasons = []
        reviewed = ResourceReview(
            urn=self.urn, name=self.name, type="", token=self.token, operation=self.operation,
            replace_reasons=self.reasons, known_after_apply=self.unknowable,
        )  # fmt: skip
        return Other(
            self.urn,
            self.name,
            self.type_name,
            self.operation,
            reviewed.certain,
            self.delete_first,
            self.old_id,
            self.diff.old_inputs,
            self.diff.new_inputs,
            self.provider,
            self.dependencies,
        )

    def _caused(self, before: Mapping[str, Other]) -> bool:
        """A replacement whose reason's new value is unknown is certain all the same when that
        value was the id of a resource this preview certainly replaces, making the new one first:
        a new id, so a new value (a credential in a replaced vault)."""
        caused = False
        for reason in self.reasons:
            if not reason.unknown or self.dependencies is None:
                continue
            old = self.diff.old_inputs.get(reason.property)
            for urn in self.dependencies.get(reason.property, ()):
                other = before.get(urn)
                if other is not None and other.new_id and old is not None and old == other.old_id:
                    noun = meaning_of(other.type_name).noun if other.type_name else "resource"
                    reason.unknown, reason.by, reason.by_noun = False, other.name, noun
                    caused = True
                    break
        return caused

    def change(self, type_name: str, others: list[Other], complete: bool) -> Change:
        diff = self.diff
        return Change(
            type_name,
            self.operation,
            diff.old_inputs,
            diff.new_inputs,
            diff.old_outputs,
            self.delete_first,
            urn=self.urn,
            old_id=self.old_id,
            others=[o for o in others if o.urn != self.urn],
            complete=complete,
            dependencies=self.dependencies,
        )

    def meaning(self, others: list[Other], complete: bool) -> list[str]:
        changed = [c for c in self.changes if c.kind not in ("unmanaged", "maybe")]
        if self.operation == "update" and changed and all(self.diff.option(c.path) for c in changed):
            return ["changes only how Pulumi handles it (not sent to the service)"]
        if self.type_name:
            return meaning_of(self.type_name).describe(self.change(self.type_name, others, complete))
        if self.token.startswith(PROVIDER_PREFIX):
            old = self.diff.old_inputs
            return provider_meaning(self.token, self.urn, self.operation, self.changes, old, others, complete)
        if self.token == "pulumi:pulumi:Stack" and self.operation == "create":
            return ["a new stack"]
        return []

    def revealed(self) -> set[str]:
        return self.diff.secrets.revealed(self.diff.old_inputs, self.diff.new_inputs, self.diff.old_outputs)

    def _unknowable(self, changes: list[PropertyChange]) -> bool:
        """A dynamic resource whose every change shown is a value known only after apply. Its
        host sends the engine no stable outputs, so during an update's preview everything that
        reads another resource's outputs is unknown, whether or not it will change: the engine
        then guesses a replacement, and a kind's meaning a version bump, neither known."""
        if not self.token.startswith(DYNAMIC_PREFIX) or self.operation not in ("update", "replace"):
            return False
        seen = [c for c in changes if c.kind not in ("unmanaged", "maybe")]
        return bool(seen) and all(not c.secret and contains_unknown(c.new) for c in seen)

    def review(self, others: list[Other], complete: bool) -> ResourceReview:
        if self.unknowable and self.type_name:
            # What holds whatever the values turn out to be (the kind says what) stays.
            regardless = meaning_of(self.type_name).regardless(self.change(self.type_name, others, complete))
            meaning = [KNOWN_AFTER_APPLY, *regardless]
        elif self.unknowable:
            meaning = [KNOWN_AFTER_APPLY]
        else:
            meaning = self.meaning(others, complete)
        return ResourceReview(
            urn=self.urn,
            name=self.name,
            type=display_type(self.token),
            token=self.token,
            operation=self.operation,
            delete_first=self.delete_first,
            replace_reasons=self.reasons,
            changes=self.changes,
            meaning=meaning,
            diff_source="engine" if self.source == "engine" else "inputs" if self.source == "inputs" else "none",
            known_after_apply=self.unknowable,
        )


# -- the whole preview ---------------------------------------------------------------------------

_IMPORTANCE = {"replace": 0, "delete": 1, "update": 2, "create": 3}

# Engine warnings about the machine the preview ran on, not about the change: a plugin found on
# PATH ("using pulumi-resource-<package> from $PATH"). A reviewer can do nothing with them.
_NOT_ABOUT_THE_CHANGE = re.compile(r"^using pulumi-resource-[\w-]+ from \$PATH")


def _diagnostics(found: list[Diagnostic]) -> list[DiagnosticReview]:
    out: dict[tuple[str, str, str], DiagnosticReview] = {}
    for diagnostic in found:
        severity = diagnostic.severity.split("#", 1)[0]
        if severity not in ("error", "warning"):
            continue  # info and debug lines: the program's own output, not the preview's verdict
        message = diagnostic.message.strip()
        for prefix in ("error: ", "warning: "):
            message = message.removeprefix(prefix)
        if severity == "warning" and _NOT_ABOUT_THE_CHANGE.match(message):
            continue
        key = (severity, message, diagnostic.urn)
        if key in out:
            out[key].count += 1
            continue
        urn = parse_urn(diagnostic.urn)
        out[key] = DiagnosticReview(
            severity, message, urn.name if urn else "", display_type(urn.type) if urn else "", diagnostic.urn
        )
    return sorted(out.values(), key=lambda d: d.severity != "error")


def _violations(found: list[Violation]) -> list[PolicyReview]:
    out = []
    for v in found:
        urn = parse_urn(v.urn)
        # The engine's message is the policy's description, then the violation's own words.
        description, _, detail = v.message.partition("\n")
        message = detail.strip() or description
        name, kind = (urn.name, display_type(urn.type)) if urn and urn.type != "pulumi:pulumi:Stack" else ("", "")
        out.append(PolicyReview(v.policy, v.pack, v.level, message, name, kind, v.urn))
    return sorted(out, key=lambda r: r.level != "mandatory")


def build(preview: Preview, stack: str | None = None) -> Review:
    """The review of ``preview``; ``stack`` overrides the stack name the URNs carry."""
    grouped: dict[str, list[Step]] = {}
    for step in preview.steps:
        grouped.setdefault(step.urn, []).append(step)
    resources = [_Resource(urn, steps) for urn, steps in grouped.items()]
    settled: dict[str, Other] = {}
    for resource in resources:
        settled[resource.urn] = resource.settle(settled)
    others = list(settled.values())
    # Without --show-sames the unchanged resources are not in the preview: what reads them is unseen.
    sames = preview.summary.get("same", 0) if preview.summary is not None else 0
    complete = sames <= sum(1 for r in resources if r.operation == "same")
    reviews = []
    revealed = set(preview.revealed)
    for resource in resources:
        revealed |= resource.revealed()
        reviewed = resource.review(others, complete)
        if reviewed.operation in ("same", "read") and not reviewed.changes:
            continue  # nothing changes: counted, not listed
        reviews.append(reviewed)
    reviews.sort(key=lambda r: _IMPORTANCE.get(r.operation, 4 if r.operation != "same" else 5))

    urns = [parse_urn(s.urn) for s in preview.steps] + [parse_urn(d.urn) for d in preview.diagnostics]
    first = next((u for u in urns if u), None)
    counts = dict.fromkeys(OPERATIONS, 0)
    if preview.summary is not None:
        counts.update(preview.summary)
    else:
        for resource in resources:
            counts[resource.operation] = counts.get(resource.operation, 0) + 1
    diagnostics = _diagnostics(preview.diagnostics)
    violations = _violations(preview.violations)
    seen_sames = sum(1 for r in resources if r.operation == "same")
    return Review(
        stack=stack or (first.stack if first else ""),
        project=first.project if first else "",
        failed=any(d.severity == "error" for d in diagnostics) or any(v.level == "mandatory" for v in violations),
        counts=counts,
        resources=reviews,
        diagnostics=diagnostics,
        unseen_sames=max(0, counts.get("same", 0) - seen_sames),
        violations=violations,
        revealed=frozenset(s for s in revealed if len(s) >= 6),
    )
