"""Reading ``pulumi preview --json``: its steps, diagnostics and counts, policy violations, and its secrets.

The engine writes one JSON object: ``steps`` (each with ``op``, ``urn``, ``oldState`` and
``newState`` holding ``inputs`` and ``outputs``, ``detailedDiff`` from provider plugins,
``replaceReasons``), ``diagnostics`` (``severity``, ``message``, ``urn``) and ``changeSummary``.
A replacement is several steps of one URN (``create-replacement``, ``replace``,
``delete-replaced``); :func:`parse` keeps them apart and :mod:`.analyze` folds them.

That object leaves out the policy packs' violations (``--policy-pack``). With
``PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`` the same command writes the engine's events instead,
one JSON object a line: ``resourcePreEvent`` (a step: ``old``/``new``, ``keys``, ``detailedDiff``
with ``diffKind``), ``diagnosticEvent``, ``policyEvent`` and ``summaryEvent``. :func:`parse` reads
both; only the events carry the violations.

Secrets arrive as the string ``"[secret]"``, or as an object carrying Pulumi's signature key
(with its value when one was revealed). :func:`opaque` turns every such object into an opaque
token that compares equal only to the same value, so a change can be detected and no value read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_agents._schema import UNKNOWN

SIGNATURE = "4dabf18193072939515e22adb298388d"  # the key that marks a secret in Pulumi's JSON
SECRET = "[secret]"  # how the preview shows a secret it does not reveal
_TOKEN_PREFIX = "[secret:"


class PreviewError(ValueError):
    """The input is not the output of ``pulumi preview --json``."""


@dataclass
class Step:
    op: str
    urn: str
    old: dict[str, Any] | None  # oldState
    new: dict[str, Any] | None  # newState
    detailed_diff: dict[str, Any] | None
    replace_reasons: list[str]


@dataclass
class Diagnostic:
    severity: str
    message: str
    urn: str


@dataclass
class Violation:
    """A policy pack's verdict on a resource (or on the stack: no urn)."""

    policy: str
    pack: str
    level: str  # advisory, mandatory, remediate
    message: str
    urn: str


@dataclass
class Preview:
    steps: list[Step]
    diagnostics: list[Diagnostic]
    summary: dict[str, int] | None
    revealed: set[str] = field(default_factory=set)  # secret values seen in clear: never to be printed
    violations: list[Violation] = field(default_factory=list)


def is_secret(value: Any) -> bool:
    """Whether ``value`` is a secret as the preview shows it (or an opaque token made from one)."""
    return isinstance(value, str) and (value == SECRET or value.startswith(_TOKEN_PREFIX))


def contains_secret(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return is_secret(value)


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, Mapping):
        return {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()


def opaque(value: Any, revealed: set[str]) -> Any:
    """``value`` with every signature-marked secret object replaced by ``"[secret]"``, or by a
    token derived from its value when the object carries one; revealed values go to ``revealed``."""
    if isinstance(value, Mapping):
        if SIGNATURE in value:
            inner = value.get("plaintext", value.get("value"))
            if inner is None:
                return SECRET
            if isinstance(inner, str) and "plaintext" in value:
                with contextlib.suppress(ValueError):
                    inner = json.loads(inner)
            revealed |= _strings(inner)
            digest = hashlib.sha256(json.dumps(inner, sort_keys=True, default=str).encode()).hexdigest()[:16]
            return f"{_TOKEN_PREFIX}{digest}]"
        return {k: opaque(v, revealed) for k, v in value.items()}
    if isinstance(value, list):
        return [opaque(v, revealed) for v in value]
    return value


def _state(raw: Any, revealed: set[str]) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        return None
    state = dict(raw)
    for key in ("inputs", "outputs"):
        if isinstance(state.get(key), Mapping):
            state[key] = opaque(state[key], revealed)
        else:
            state[key] = {}
    return state


def parse(text: str) -> Preview:
    """The preview in ``text``; PreviewError when it is not ``pulumi preview --json`` output."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise PreviewError("the input is empty (expected the output of pulumi preview --json)")
    if _is_event_stream(text):
        return _parse_events(text)
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PreviewError(f"the input is not JSON ({exc}); expected the output of pulumi preview --json") from None
    if not isinstance(document, Mapping) or not {"steps", "diagnostics", "changeSummary"} & document.keys():
        raise PreviewError(
            "the input is JSON but not the output of pulumi preview --json (no steps, diagnostics or changeSummary)"
        )
    revealed: set[str] = set()
    steps = [_step(raw, "oldState", "newState", "replaceReasons", revealed) for raw in document.get("steps") or []]
    steps = _planned(steps)
    diagnostics = [_diagnostic(d) for d in document.get("diagnostics") or [] if isinstance(d, Mapping)]
    return Preview(steps, diagnostics, _counts(document.get("changeSummary")), revealed)


def _step(raw: Any, old: str, new: str, reasons: str, revealed: set[str]) -> Step:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("urn"), str):
        raise PreviewError("a step of the preview has no urn: not the output of pulumi preview --json")
    detailed = raw.get("detailedDiff")
    if isinstance(detailed, Mapping):  # the events say diffKind where the digest says kind
        detailed = {
            k: {"kind": v.get("kind", v.get("diffKind")), "inputDiff": v.get("inputDiff")}
            if isinstance(v, Mapping)
            else v
            for k, v in detailed.items()
        }
    return Step(
        op=str(raw.get("op", "")),
        urn=raw["urn"],
        old=_state(raw.get(old), revealed),
        new=_state(raw.get(new), revealed),
        detailed_diff=dict(detailed) if isinstance(detailed, Mapping) else None,
        replace_reasons=[str(r) for r in raw.get(reasons) or []],
    )


def _diagnostic(d: Mapping[str, Any]) -> Diagnostic:
    return Diagnostic(str(d.get("severity", "")), str(d.get("message", "")), str(d.get("urn", "")))


def _is_event_stream(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    try:
        event = json.loads(first)
    except ValueError:
        return False
    return isinstance(event, Mapping) and "sequence" in event and "timestamp" in event


def _parse_events(text: str) -> Preview:
    """The streamed events of ``PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json``."""
    revealed: set[str] = set()
    preview = Preview([], [], None, revealed)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError as exc:
            raise PreviewError(f"line {number} of the event stream is not JSON ({exc})") from None
        if not isinstance(event, Mapping):
            raise PreviewError(f"line {number} of the event stream is not an event")
        if isinstance(pre := event.get("resourcePreEvent"), Mapping):
            preview.steps.append(_step(pre.get("metadata"), "old", "new", "keys", revealed))
        elif isinstance(diagnostic := event.get("diagnosticEvent"), Mapping):
            preview.diagnostics.append(_diagnostic(diagnostic))
        elif isinstance(policy := event.get("policyEvent"), Mapping):
            preview.violations.append(
                Violation(
                    policy=str(policy.get("policyName", "")),
                    pack=str(policy.get("policyPackName", "")),
                    level=str(policy.get("enforcementLevel", "")),
                    message=str(policy.get("message", "")).strip(),
                    urn=str(policy.get("resourceUrn", "")),
                )
            )
        elif isinstance(summary := event.get("summaryEvent"), Mapping):
            preview.summary = _counts(summary.get("resourceChanges"))
    preview.steps[:] = _planned(preview.steps)
    return preview


def _planned(steps: list[Step]) -> list[Step]:
    """The steps of the change, without those of a ``--refresh`` before it: each resource then
    has its own step too, starting from what the refresh read (a drifted agent's version), which
    the refresh step's old state is not."""
    return [step for step in steps if step.op != "refresh"]


def _counts(summary: Any) -> dict[str, int] | None:
    return (
        {str(k): int(v) for k, v in summary.items() if isinstance(v, int | float)}
        if isinstance(summary, Mapping)
        else None
    )


@dataclass(frozen=True)
class Urn:
    stack: str
    project: str
    type: str  # the resource's own type (the last of a parent chain ``parent$child``)
    name: str


def parse_urn(urn: str) -> Urn | None:
    """``urn:pulumi:<stack>::<project>::<type>::<name>``, or None for anything else."""
    if not urn.startswith("urn:pulumi:"):
        return None
    parts = urn[len("urn:pulumi:") :].split("::", 3)
    if len(parts) != 4:
        return None
    stack, project, qualified, name = parts
    return Urn(stack, project, qualified.rsplit("$", 1)[-1], name)


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value == UNKNOWN
