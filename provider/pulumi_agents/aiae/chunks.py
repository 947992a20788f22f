"""The typed chunks of an agent's answer, and the answer assembled from them.

Every chunk carries the envelope's ``request_id``, ``agent_id``, ``user_id``,
``conversation_id`` and ``type``, plus what its ``data`` holds:

=========================== ================================= ==================================
envelope ``type``           class                             fields
=========================== ================================= ==================================
``hint``                    ToolHintChunk                     ``id``, ``name``, ``tool_type``
``tool``/``knowledge``/     ToolInvokeChunk                   ``id``, ``name``, ``status``,
``workflow``                                                  ``request``, ``response``
``message``                 ModelResponseChunk                ``id``, ``content``, ``url``, ``raw``
anything else               OtherChunk                        ``data`` (kept: the service may add
                                                              types; not an error)
=========================== ================================= ==================================

The hint's own ``type`` (tool, workflow or knowledge) is ``tool_type`` here, because ``type`` is
the envelope's. ``envelope`` is the chunk exactly as received (what ``invoke --json`` prints).
Missing fields read as empty (the format is lenient); a field of the wrong JSON type, a missing
or non-object ``data`` for a known type, or a chunk that is not an object is a
MalformedChunkError naming the chunk and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi_agents.aiae.errors import MalformedChunkError

HINT = "hint"
INVOKE_TYPES = frozenset({"tool", "knowledge", "workflow"})
MESSAGE = "message"


@dataclass(frozen=True, kw_only=True)
class Chunk:
    type: str
    request_id: str | None = None
    agent_id: str | None = None
    user_id: str | None = None
    conversation_id: str | None = None
    envelope: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, kw_only=True)
class ToolHintChunk(Chunk):
    """A tool, workflow or knowledge base is about to be called."""

    id: str = ""
    name: str = ""
    tool_type: str = ""


@dataclass(frozen=True, kw_only=True)
class ToolInvokeChunk(Chunk):
    """The result of a tool, workflow or knowledge call; ``type`` says which."""

    id: str = ""
    name: str = ""
    status: str = ""
    request: Any = None
    response: Any = None

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


@dataclass(frozen=True, kw_only=True)
class ModelResponseChunk(Chunk):
    """A piece of the model's answer (the text arrives as many of these)."""

    id: str = ""
    content: str = ""
    url: Any = None
    raw: Any = field(default=None, repr=False)


@dataclass(frozen=True, kw_only=True)
class OtherChunk(Chunk):
    data: Any = None


AnyChunk = ToolHintChunk | ToolInvokeChunk | ModelResponseChunk | OtherChunk


def _text(source: dict[str, Any], key: str, where: str) -> str:
    value = source.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedChunkError(f"{where}: {key} must be a string, got {type(value).__name__}")
    return str(value)


def _optional_text(source: dict[str, Any], key: str, where: str) -> str | None:
    return _text(source, key, where) if source.get(key) is not None else None


def parse_chunk(value: Any, index: int) -> AnyChunk:
    """The typed chunk for one envelope; ``index`` (1-based) names it in errors."""
    where = f"chunk {index}"
    if not isinstance(value, dict):
        raise MalformedChunkError(f"{where}: expected a JSON object, got {type(value).__name__}")
    kind = value.get("type")
    if not isinstance(kind, str) or not kind:
        raise MalformedChunkError(f"{where}: type must be a non-empty string")
    where = f"chunk {index} ({kind})"
    meta: dict[str, Any] = {
        "type": kind,
        "envelope": value,
        **{k: _optional_text(value, k, where) for k in ("request_id", "agent_id", "user_id", "conversation_id")},
    }
    data = value.get("data")
    if kind not in INVOKE_TYPES | {HINT, MESSAGE}:
        return OtherChunk(**meta, data=data)
    if not isinstance(data, dict):
        raise MalformedChunkError(f"{where}: data must be an object")
    where += ": data"
    if kind == HINT:
        return ToolHintChunk(
            **meta, id=_text(data, "id", where), name=_text(data, "name", where), tool_type=_text(data, "type", where)
        )
    if kind == MESSAGE:
        return ModelResponseChunk(
            **meta,
            id=_text(data, "id", where),
            content=_text(data, "content", where),
            url=data.get("url"),
            raw=data.get("raw"),
        )
    return ToolInvokeChunk(
        **meta,
        id=_text(data, "id", where),
        name=_text(data, "name", where),
        status=_text(data, "status", where),
        request=data.get("request"),
        response=data.get("response"),
    )


@dataclass(frozen=True)
class ToolCall:
    """One tool, knowledge or workflow call as the answer reported it."""

    type: str
    id: str
    name: str
    status: str
    request: Any = None
    response: Any = None

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


@dataclass(frozen=True)
class InvokeResult:
    """The whole answer: ``text`` is every message chunk's content, in order."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    hints: tuple[ToolHintChunk, ...]
    urls: tuple[Any, ...]
    request_id: str | None
    agent_id: str | None
    user_id: str | None
    conversation_id: str | None
    chunk_count: int
    latency_seconds: float
    first_chunk_seconds: float | None
    framing: str | None

    @property
    def failed_tools(self) -> tuple[ToolCall, ...]:
        return tuple(c for c in self.tool_calls if not c.ok)


class Transcript:
    """Collects chunks as they pass; ``result`` assembles them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.tool_calls: list[ToolCall] = []
        self.hints: list[ToolHintChunk] = []
        self.urls: list[Any] = []
        self.count = 0
        self.ids: dict[str, str | None] = dict.fromkeys(("request_id", "agent_id", "user_id", "conversation_id"))

    def add(self, chunk: AnyChunk) -> None:
        self.count += 1
        for key in self.ids:
            self.ids[key] = self.ids[key] or getattr(chunk, key)
        if isinstance(chunk, ModelResponseChunk):
            self.parts.append(chunk.content)
            if chunk.url:
                self.urls.append(chunk.url)
        elif isinstance(chunk, ToolHintChunk):
            self.hints.append(chunk)
        elif isinstance(chunk, ToolInvokeChunk):
            self.tool_calls.append(
                ToolCall(chunk.type, chunk.id, chunk.name, chunk.status, chunk.request, chunk.response)
            )

    def result(self, *, latency: float, first_chunk: float | None, framing: str | None) -> InvokeResult:
        return InvokeResult(
            text="".join(self.parts),
            tool_calls=tuple(self.tool_calls),
            hints=tuple(self.hints),
            urls=tuple(self.urls),
            request_id=self.ids["request_id"],
            agent_id=self.ids["agent_id"],
            user_id=self.ids["user_id"],
            conversation_id=self.ids["conversation_id"],
            chunk_count=self.count,
            latency_seconds=latency,
            first_chunk_seconds=first_chunk,
            framing=framing,
        )
