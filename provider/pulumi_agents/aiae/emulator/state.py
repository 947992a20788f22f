"""Published AIAE agents as the emulator keeps them: a catalogue, conversations, and the
scripted answer to each call (as plain steps; ``routes.py`` frames and sends them).

Agents (by id, in the URL ``/v1/routes/open/{agent_id}/execute``); built in, always there:

- ``demo-agent``: no variables required; answers in Server-Sent Events.
- ``secure-agent``: declares the sensitive variable ``erp_token`` (required).
- ``ndjson-agent``: answers in newline-delimited JSON.

More are published with ``POST /_emulator/aiae/agents`` (``publish``), e.g.
``{"agent_id": "erp-bot", "sensitive_variables": ["erp_token"], "framing": "ndjson",
"api_keys": ["other-key"]}``; ``api_keys`` (optional) limits which of the emulator's keys may
call it (another valid key gets AIAE.22001003 no permission). ``/_emulator/reset`` forgets them.

The answer: a hint and a result for the tool ``word_count``, a hint and a result for the
knowledge base ``faq``, then the text in several message chunks. The text is deterministic:
``You asked: <query>.``, then ``Hello, <user_id>.`` when a user id is given, what context the
agent had (``You sent N earlier messages; ...`` for ``memory``, ``I recall N earlier messages
...`` for a recalled conversation), the common variables, and how many sensitive variables came
(never their values). A complete answer is remembered per (agent, user_id, conversation_id)
and recalled on the next call with both ids, unless a non-empty ``memory`` is given (memory
wins; an empty list counts as none).

Triggers in the query text:

=====================  ====================================================================
``[[error-in-200]]``   HTTP 200 whose whole body is ``{"error_code": "AIAE.22001002", ...}``
``[[error-echo]]``     the same, with ``error_msg`` echoing the variables, sensitive values
                       included (a careless service: clients must redact what they show)
``[[error-chunk]]``    after the tool chunks, ``{"error_code": "AIAE.50001001", ...}`` as a
                       chunk; the stream then ends
``[[cut]]``            after the first message chunk the connection is dropped mid-body
``[[truncate]]``       after the first message chunk, half a chunk, then a clean end of body
``[[malformed]]``      after the first hint, a chunk that is not valid JSON
``[[tool-fail]]``      ``word_count`` reports FAILED (the answer goes on and says so)
``[[stall:N]]``        silence for N seconds (at most 30) before the message chunks
``[[slow:N]]``         N seconds (at most 5) before each message chunk
``[[done]]``           end with ``data: [DONE]`` (``[DONE]`` line in NDJSON)
=====================  ====================================================================

Error codes (bodies ``{"error_code", "error_msg"}``): AIAE.22001001 authentication failed,
AIAE.22001002 bad parameter, AIAE.22001003 no permission (all three with HTTP 200, as the
service does), AIAE.22001004 agent not found or not published (HTTP 404), AIAE.50001001 model
service failed (a chunk). Sensitive variables are never stored.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pulumi_agents.aiae.request import ROLES
from pulumi_agents.emulator.store import Store

AGENT_KIND = "aiae.agent"
CONVERSATION_KIND = "aiae.conversation"

AUTH_FAILED = "AIAE.22001001"
BAD_PARAMETER = "AIAE.22001002"
NO_PERMISSION = "AIAE.22001003"
AGENT_NOT_FOUND = "AIAE.22001004"
MODEL_FAILED = "AIAE.50001001"

MAX_REMEMBERED_MESSAGES = 40  # a conversation keeps its last 20 turns
MAX_STALL_SECONDS = 30.0
MAX_SLOW_SECONDS = 5.0
MAX_MESSAGE_CHUNKS = 12
_AGENT_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_TRIGGER = re.compile(r"\[\[([a-z0-9-]+)(?::(\d+(?:\.\d+)?))?\]\]")

Framing = Literal["sse", "ndjson"]


class Refused(Exception):
    """The call is answered with an error body instead of a stream."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Agent:
    agent_id: str
    name: str = ""
    sensitive_variables: tuple[str, ...] = ()
    framing: Framing = "sse"
    api_keys: tuple[str, ...] = ()  # empty: every key the emulator accepts

    def to_json(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "sensitive_variables": list(self.sensitive_variables),
            "framing": self.framing,
            "api_keys": list(self.api_keys),
        }

    @classmethod
    def from_json(cls, data: Any) -> Agent:
        """An agent from the control endpoint's body; ValueError says what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        unknown = sorted(set(data) - {"agent_id", "name", "sensitive_variables", "framing", "api_keys"})
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}")
        agent_id = data.get("agent_id")
        if not isinstance(agent_id, str) or not _AGENT_ID.fullmatch(agent_id):
            raise ValueError("agent_id must be 1-64 letters, digits, '_', '.' or '-'")
        lists = {k: data.get(k) or [] for k in ("sensitive_variables", "api_keys")}
        for key, value in lists.items():
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ValueError(f"{key} must be a list of non-empty strings")
        framing = data.get("framing", "sse")
        if framing not in ("sse", "ndjson"):
            raise ValueError("framing must be sse or ndjson")
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise ValueError("name must be a string")
        return cls(
            agent_id,
            name or agent_id,
            tuple(lists["sensitive_variables"]),
            framing,
            tuple(lists["api_keys"]),
        )


BUILTIN_AGENTS = {
    a.agent_id: a
    for a in (
        Agent("demo-agent", "Demo assistant"),
        Agent("secure-agent", "ERP assistant", sensitive_variables=("erp_token",)),
        Agent("ndjson-agent", "NDJSON assistant", framing="ndjson"),
    )
}


# -- the answer, as steps -------------------------------------------------------------------


@dataclass(frozen=True)
class Emit:
    """Send this chunk (or error object)."""

    chunk: dict[str, Any]


@dataclass(frozen=True)
class Garbage:
    """Send this text as a chunk's payload, terminated as a chunk is (it is not valid JSON)."""

    text: str


@dataclass(frozen=True)
class Partial:
    """Send this text unterminated, as the last thing in the body."""

    text: str


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Cut:
    """Drop the connection in the middle of the body."""


@dataclass(frozen=True)
class Done:
    """The ``[DONE]`` end marker."""


Step = Emit | Garbage | Partial | Pause | Cut | Done


@dataclass(frozen=True)
class Turn:
    agent_id: str
    user_id: str
    conversation_id: str
    query: str
    answer: str


@dataclass(frozen=True)
class Answer:
    steps: tuple[Step, ...]
    remember: Turn | None = None  # stored once every step was sent


@dataclass
class _Call:
    """A validated request body."""

    query: str
    memory: list[dict[str, Any]]
    user_id: str | None
    conversation_id: str | None
    common: dict[str, Any] = field(default_factory=dict)
    sensitive: dict[str, Any] = field(default_factory=dict)


def _bad(message: str) -> Refused:
    return Refused(200, BAD_PARAMETER, f"bad parameter: {message}")


def _check_variables(name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(f"variables.{name} must be an object")
    for key, item in value.items():
        if not key or isinstance(item, dict | list) or item is None:
            raise _bad(f"variables.{name}.{key} must be a string, number or boolean")
    return dict(value)


def _validate(body: Any, agent: Agent) -> _Call:
    """The documented rules; every message names the field (and never a sensitive value)."""
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise _bad("query is required and must be a non-empty string")
    memory = body.get("memory")
    if memory is None:
        memory = []
    if not isinstance(memory, list):
        raise _bad("memory must be a list of {role, content}")
    for i, item in enumerate(memory):
        if not isinstance(item, dict):
            raise _bad(f"memory[{i}] must be an object with role and content")
        if item.get("role") not in ROLES:
            raise _bad(f"memory[{i}].role must be one of {', '.join(ROLES)}")
        content = item.get("content")
        if not isinstance(content, str) or not content.strip():
            raise _bad(f"memory[{i}].content must not be empty")
    ids = {k: body.get(k) for k in ("user_id", "conversation_id")}
    for key, value in ids.items():
        if value is not None and not isinstance(value, str):
            raise _bad(f"{key} must be a string")
    variables = body.get("variables")
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        raise _bad("variables must be an object")
    unknown = sorted(set(variables) - {"common_variables", "sensitive_variables"})
    if unknown:
        raise _bad(f"variables.{unknown[0]} is not a known key (common_variables, sensitive_variables)")
    common = _check_variables("common_variables", variables.get("common_variables"))
    sensitive = _check_variables("sensitive_variables", variables.get("sensitive_variables"))
    missing = [name for name in agent.sensitive_variables if sensitive.get(name) in (None, "")]
    if missing:
        raise _bad(f"the agent requires the sensitive variable {missing[0]} in variables.sensitive_variables")
    return _Call(query, memory, ids["user_id"] or None, ids["conversation_id"] or None, common, sensitive)


def _triggers(query: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2) or 0) for m in _TRIGGER.finditer(query)}


def _pieces(text: str) -> list[str]:
    """The text in a few message chunks, split between words."""
    words = re.findall(r"\S+\s*", text)
    size = max(3, math.ceil(len(words) / MAX_MESSAGE_CHUNKS))
    return ["".join(words[i : i + size]) for i in range(0, len(words), size)]


def _text(call: _Call, recalled: list[dict[str, Any]], *, tool_failed: bool) -> str:
    parts = [f"You asked: {call.query}."]
    if call.user_id:
        parts.append(f"Hello, {call.user_id}.")
    context, source = (call.memory, "memory") if call.memory else (recalled, "recall")
    if context:
        last = next((m["content"] for m in reversed(context) if m["role"] == "user"), context[-1]["content"])
        if source == "memory":
            parts.append(f"You sent {len(context)} earlier messages; the last you asked was: {last}.")
        else:
            parts.append(
                f"I recall {len(context)} earlier messages in conversation {call.conversation_id}; "
                f"you last asked: {last}."
            )
    if call.common:
        parts.append("Variables: " + ", ".join(f"{k}={v}" for k, v in sorted(call.common.items())) + ".")
    if call.sensitive:
        parts.append(f"{len(call.sensitive)} sensitive variables received.")
    if tool_failed:
        parts.append("The word_count tool failed, so I could not count your words.")
    else:
        parts.append(f"Your question has {len(call.query.split())} words.")
    return " ".join(parts)


class AiaeState:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- catalogue --------------------------------------------------------------------------

    def publish(self, data: Any) -> Agent:
        agent = Agent.from_json(data)
        if agent.agent_id in BUILTIN_AGENTS:
            raise ValueError(f"agent {agent.agent_id} is built in")
        self.store.put(AGENT_KIND, agent.agent_id, agent.to_json())
        return agent

    def agent(self, agent_id: str) -> Agent:
        if agent_id in BUILTIN_AGENTS:
            return BUILTIN_AGENTS[agent_id]
        found = self.store.get(AGENT_KIND, agent_id)
        if found is None:
            raise Refused(404, AGENT_NOT_FOUND, f"agent {agent_id} does not exist or is not published as an API")
        return Agent.from_json(found)

    @staticmethod
    def authorize(agent: Agent, api_key: str) -> None:
        if agent.api_keys and api_key not in agent.api_keys:
            raise Refused(200, NO_PERMISSION, f"no permission: this API key may not call agent {agent.agent_id}")

    # -- conversations ----------------------------------------------------------------------

    @staticmethod
    def _conversation_key(agent_id: str, user_id: str, conversation_id: str) -> str:
        return json.dumps([agent_id, user_id, conversation_id])

    def history(self, agent_id: str, user_id: str, conversation_id: str) -> list[dict[str, Any]]:
        found = self.store.get(CONVERSATION_KIND, self._conversation_key(agent_id, user_id, conversation_id))
        return list(found["messages"]) if found else []

    def remember(self, turn: Turn) -> None:
        key = self._conversation_key(turn.agent_id, turn.user_id, turn.conversation_id)
        with self.store.lock:
            messages = self.history(turn.agent_id, turn.user_id, turn.conversation_id)
            messages += [{"role": "user", "content": turn.query}, {"role": "assistant", "content": turn.answer}]
            self.store.put(CONVERSATION_KIND, key, {"messages": messages[-MAX_REMEMBERED_MESSAGES:]})

    # -- the answer -------------------------------------------------------------------------

    def answer(self, agent: Agent, body: Any, request_id: str) -> Answer:
        """The steps of the streamed answer, or Refused when the call gets an error body."""
        call = _validate(body, agent)
        triggers = _triggers(call.query)
        if "error-in-200" in triggers:
            raise Refused(200, BAD_PARAMETER, "bad parameter: the query was refused (emulated [[error-in-200]])")
        if "error-echo" in triggers:
            echoed = json.dumps({"common_variables": call.common, "sensitive_variables": call.sensitive})
            raise Refused(200, BAD_PARAMETER, f"bad parameter: cannot use variables {echoed}")
        both_ids = call.user_id is not None and call.conversation_id is not None
        recalled = (
            self.history(agent.agent_id, call.user_id or "", call.conversation_id or "")
            if both_ids and not call.memory
            else []
        )

        def chunk(kind: str, data: dict[str, Any]) -> Emit:
            return Emit(
                {
                    "request_id": request_id,
                    "agent_id": agent.agent_id,
                    "user_id": call.user_id,
                    "conversation_id": call.conversation_id,
                    "type": kind,
                    "data": data,
                }
            )

        tool_failed = "tool-fail" in triggers
        tool_result: dict[str, Any] = (
            {"status": "FAILED", "response": {"error": "word_count backend unavailable (emulated)"}}
            if tool_failed
            else {"status": "SUCCESS", "response": {"words": len(call.query.split())}}
        )
        steps: list[Step] = [chunk("hint", {"id": "tool-word-count", "name": "word_count", "type": "tool"})]
        if "malformed" in triggers:
            steps.append(Garbage(f'{{"request_id": "{request_id}", "type": "message", "data": {{"content": "oops'))
        steps += [
            chunk(
                "tool", {"id": "tool-word-count", "name": "word_count", "request": {"text": call.query}, **tool_result}
            ),
            chunk("hint", {"id": "kb-faq", "name": "faq", "type": "knowledge"}),
            chunk(
                "knowledge",
                {
                    "id": "kb-faq",
                    "name": "faq",
                    "status": "SUCCESS",
                    "request": {"query": call.query},
                    "response": {"matches": 0},
                },
            ),
        ]
        if "error-chunk" in triggers:
            steps.append(Emit({"error_code": MODEL_FAILED, "error_msg": "the model service failed (emulated)"}))
            return Answer(tuple(steps))
        if "stall" in triggers:
            steps.append(Pause(min(triggers["stall"], MAX_STALL_SECONDS)))
        text = _text(call, recalled, tool_failed=tool_failed)
        slow = min(triggers.get("slow", 0.0), MAX_SLOW_SECONDS)
        for i, piece in enumerate(_pieces(text)):
            if slow:
                steps.append(Pause(slow))
            steps.append(chunk("message", {"id": f"msg-{i + 1}", "content": piece, "url": None, "raw": None}))
            if i == 0 and "cut" in triggers:
                steps.append(Cut())
                return Answer(tuple(steps))
            if i == 0 and "truncate" in triggers:
                steps.append(Partial(f'{{"request_id": "{request_id}", "type": "message", "data": {{"conte'))
                return Answer(tuple(steps))
        if "done" in triggers:
            steps.append(Done())
        remember = (
            Turn(agent.agent_id, call.user_id or "", call.conversation_id or "", call.query, text) if both_ids else None
        )
        return Answer(tuple(steps), remember)
