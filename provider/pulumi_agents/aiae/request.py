"""The body of a call to a published agent, checked before it is sent.

>>> req = AgentRequest("Where is my order?", user_id="u-1", conversation_id="c-9",
...                    sensitive_variables={"erp_token": "s3cret"})
>>> req.body()["variables"]["sensitive_variables"]["erp_token"]
's3cret'
>>> "s3cret" in repr(req), repr(req).endswith("sensitive_variables={'erp_token': '***'})")
(False, True)

Rules (from the service's documentation):
- ``memory`` is a list of ``{"role", "content"}``; role is user, assistant or tool and content
  is a non-empty string. A bad item fails here, e.g. ``memory[2].role: must be one of user,
  assistant, tool (got 'system')``.
- ``user_id`` + ``conversation_id`` make the service recall earlier turns; a non-empty
  ``memory`` wins over them. An empty ``memory`` counts as none (the documentation's own
  template sends ``"memory": []``), so it does not switch recall off.
- ``variables`` is ``{"common_variables": {...}, "sensitive_variables": {...}}``, values being
  strings, numbers or booleans; sent only when there is at least one variable. Sensitive values
  never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_agents.aiae.errors import InvalidRequestError

ROLES = ("user", "assistant", "tool")
Scalar = str | int | float | bool


def _preview(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_memory(memory: Any) -> list[dict[str, Any]]:
    """The memory as a list of plain dicts, or InvalidRequestError naming the first bad item."""
    if isinstance(memory, str | bytes) or not isinstance(memory, Sequence):
        raise InvalidRequestError("memory: must be a list of {role, content} objects")
    items: list[dict[str, Any]] = []
    for i, item in enumerate(memory):
        if not isinstance(item, Mapping):
            raise InvalidRequestError(f"memory[{i}]: must be an object with role and content")
        role, content = item.get("role"), item.get("content")
        if role not in ROLES:
            raise InvalidRequestError(f"memory[{i}].role: must be one of {', '.join(ROLES)} (got {_preview(role)})")
        if not isinstance(content, str) or not content.strip():
            raise InvalidRequestError(f"memory[{i}].content: must be a non-empty string")
        items.append(dict(item))
    return items


def _check_variables(name: str, variables: Any, *, secret: bool) -> dict[str, Scalar]:
    if not isinstance(variables, Mapping):
        raise InvalidRequestError(f"{name}: must be an object of name -> string, number or boolean")
    out: dict[str, Scalar] = {}
    for key, value in variables.items():
        if not isinstance(key, str) or not key:
            raise InvalidRequestError(f"{name}: every name must be a non-empty string")
        if not isinstance(value, str | int | float | bool):
            # The value itself is never shown: it may be a secret.
            kind = "a secret's value" if secret else f"got {type(value).__name__}"
            raise InvalidRequestError(f"{name}.{key}: must be a string, number or boolean ({kind})")
        out[key] = value
    return out


@dataclass(frozen=True)
class AgentRequest:
    query: str
    memory: Sequence[Mapping[str, Any]] | None = None
    user_id: str | None = None
    conversation_id: str | None = None
    common_variables: Mapping[str, Scalar] = field(default_factory=dict)
    sensitive_variables: Mapping[str, Scalar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.query, str) or not self.query.strip():
            raise InvalidRequestError("query: must be a non-empty string")
        if self.memory is not None:
            object.__setattr__(self, "memory", check_memory(self.memory))
        for name in ("user_id", "conversation_id"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise InvalidRequestError(f"{name}: must be a non-empty string")
        object.__setattr__(
            self, "common_variables", _check_variables("common_variables", self.common_variables, secret=False)
        )
        object.__setattr__(
            self, "sensitive_variables", _check_variables("sensitive_variables", self.sensitive_variables, secret=True)
        )

    def __repr__(self) -> str:
        masked = {k: "***" for k in self.sensitive_variables}
        return (
            f"AgentRequest(query={self.query!r}, memory={self.memory!r}, user_id={self.user_id!r}, "
            f"conversation_id={self.conversation_id!r}, common_variables={dict(self.common_variables)!r}, "
            f"sensitive_variables={masked!r})"
        )

    def secrets(self) -> list[str]:
        """Every sensitive value as text, for redaction."""
        return [str(v) for v in self.sensitive_variables.values()]

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"query": self.query}
        if self.memory is not None:
            body["memory"] = [dict(m) for m in self.memory]
        if self.user_id is not None:
            body["user_id"] = self.user_id
        if self.conversation_id is not None:
            body["conversation_id"] = self.conversation_id
        if self.common_variables or self.sensitive_variables:
            body["variables"] = {
                "common_variables": dict(self.common_variables),
                "sensitive_variables": dict(self.sensitive_variables),
            }
        return body

    def describe(self) -> str:
        """A log-safe summary: sizes and variable names, never a value."""
        parts = [f"query of {len(self.query)} characters"]
        if self.memory is not None:
            parts.append(f"{len(self.memory)} memory items")
        parts += [name for name in ("user_id", "conversation_id") if getattr(self, name) is not None]
        if self.common_variables:
            parts.append(f"common variables {sorted(self.common_variables)}")
        if self.sensitive_variables:
            parts.append(f"sensitive variables {sorted(self.sensitive_variables)}")
        return ", ".join(parts)
