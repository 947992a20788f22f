"""What the emulated Qoder service accepts in an agent's body: the SDK's types (``qca-sdk`` 0.11.0,
``qca/managed/types``), and more only where the docs' seed documents more (``instructions`` beside
``system``, a model id that is any name such as ``ultimate``, the capitalised tool names).

Each refusal is a 400 ``invalid_request_error`` in Qoder's envelope whose ``param`` names the field
(``tools[1].configs[0].name``), never a 500. Field limits: ``name`` 1-256 characters; ``model`` a
non-empty name or ``{id, context_window?, inference_geo?, effort?: name | {type}, speed?}``;
``system``/``instructions``/``description`` strings (``system`` and ``instructions`` name one
prompt: both given must agree); ``tools`` a list of ``agent_toolset_20260401``
``{enabled_tools?, disallowed_tools?, configs?, default_config?}``, ``mcp_toolset``
``{mcp_server_name, configs?, default_config?}`` or ``custom`` ``{name, description,
input_schema}``; ``mcp_servers`` ``{"type": "url", "name", "url": http(s)}``; ``skills`` at most
20 ``{"type": "custom"|"qoder", "skill_id", "version"?: string}``; ``multiagent``
``{"type": "coordinator", "agents": [id | {type: agent, id, version?} | {type: self} |
{type: advisor, model}]}``; ``metadata`` at most 16 keys (after an update's patch too), keys 1-64
characters, values strings of at most 512 (null deletes); ``version`` (update) a whole number.
"""

from __future__ import annotations

from typing import Any

KNOWN_TOOLSETS = ("agent_toolset_20260401",)
TOOL_TYPES = ("agent_toolset_20260401", "mcp_toolset", "custom")
KNOWN_TOOLS = ("Bash", "Read", "Write", "Edit", "Glob", "Grep", "WebFetch", "WebSearch", "DeliverArtifacts")
CONFIG_TOOLS = ("bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search")
TOOL_NAMES = KNOWN_TOOLS + CONFIG_TOOLS  # the docs capitalise them, the SDK's configs do not
EFFORTS = ("low", "medium", "high", "xhigh", "max")
SPEEDS = ("standard", "fast")
POLICIES = ("always_allow", "always_ask")
SKILL_TYPES = ("custom", "qoder")
MCP_TYPES = ("url",)  # the SDK's Literal["url"], as the seed's sample shows
MAX_NAME = 256
MAX_SKILLS = 20
MAX_METADATA_KEYS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512


class QoderError(Exception):
    """An answer in the documented error envelope."""

    def __init__(self, status: int, kind: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.param = status, kind, message, param

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.kind, "message": self.message}
        if self.param:
            error["param"] = self.param
        return {"type": "error", "error": error}


def invalid(message: str, param: str) -> QoderError:
    return QoderError(400, "invalid_request_error", message, param)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _object(value: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{where} must be an object", where)
    for key in value:
        if key not in allowed:
            raise invalid(
                f"{where}.{str(key)[:60]} is not a known field (known: {', '.join(allowed)})", f"{where}.{key}"
            )
    return value


def _string(value: Any, where: str, *, required: bool = False, nullable: bool = True) -> None:
    if value is None and not required and nullable:
        return
    if not isinstance(value, str) or (required and not value):
        raise invalid(f"{where} must be a non-empty string" if required else f"{where} must be a string", where)


def _one_of(value: Any, where: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise invalid(f"{where} must be one of {', '.join(choices)}", where)


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(f"{where} must be a list", where)
    return value


def model(value: Any) -> None:
    if isinstance(value, str):
        if not value:
            raise invalid("model must be a non-empty model name or an object with an id", "model")
        return
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not value["id"]:
        raise invalid("model must be a non-empty model name or an object with an id", "model")
    _object(value, "model", ("id", "context_window", "inference_geo", "effort", "speed"))
    effort = value.get("effort")
    if isinstance(effort, dict):
        _object(effort, "model.effort", ("type",))
        _one_of(effort.get("type"), "model.effort.type", EFFORTS)
    elif effort is not None and (not isinstance(effort, str) or not effort):
        raise invalid("model.effort must be a non-empty string or {type: low|medium|high|xhigh|max}", "model.effort")
    window = value.get("context_window")
    if window is not None and (not is_int(window) or window <= 0):
        raise invalid("model.context_window must be a whole number above 0", "model.context_window")
    _string(value.get("inference_geo"), "model.inference_geo")
    if value.get("speed") is not None:
        _one_of(value["speed"], "model.speed", SPEEDS)


def _policy(config: dict[str, Any], where: str) -> None:
    if config.get("enabled") is not None and not isinstance(config["enabled"], bool):
        raise invalid(f"{where}.enabled must be true or false", f"{where}.enabled")
    if "permission_policy" in config:
        policy = _object(config["permission_policy"], f"{where}.permission_policy", ("type",))
        _one_of(policy.get("type"), f"{where}.permission_policy.type", POLICIES)


def _domains(config: dict[str, Any], where: str) -> None:
    for key in ("allowed_domains", "blocked_domains"):
        for index, domain in enumerate(_list(config.get(key), f"{where}.{key}")):
            _string(domain, f"{where}.{key}[{index}]", required=True)


def _toolset_config(config: Any, where: str) -> None:
    fields = ("name", "type", "enabled", "permission_policy", "allowed_domains", "blocked_domains")
    extra = {"web_fetch": ("max_content_tokens",), "web_search": ("user_location",)}
    named = config.get("name", config.get("type")) if isinstance(config, dict) else None
    _object(config, where, fields + extra.get(str(named), ()))
    if named is None:
        raise invalid(f"{where}.name is required", f"{where}.name")
    for key in ("name", "type"):
        if key in config:
            _one_of(config[key], f"{where}.{key}", CONFIG_TOOLS)
    if config.get("name", named) != config.get("type", named):
        raise invalid(f"{where}.type must be the same as its name", f"{where}.type")
    if named not in ("web_fetch", "web_search"):
        for key in ("allowed_domains", "blocked_domains"):
            if key in config:
                raise invalid(f"{where}.{key} is only for web_fetch and web_search", f"{where}.{key}")
    _policy(config, where)
    _domains(config, where)
    tokens = config.get("max_content_tokens")
    if tokens is not None and (not is_int(tokens) or tokens <= 0):
        raise invalid(f"{where}.max_content_tokens must be a whole number above 0", f"{where}.max_content_tokens")
    if config.get("user_location") is not None:
        place = _object(
            config["user_location"], f"{where}.user_location", ("type", "city", "country", "region", "timezone")
        )
        if "type" in place:
            _one_of(place["type"], f"{where}.user_location.type", ("approximate",))
        for key in ("city", "country", "region", "timezone"):
            _string(place.get(key), f"{where}.user_location.{key}")


def _tool_names(tool: dict[str, Any], where: str) -> None:
    for key in ("enabled_tools", "disallowed_tools"):
        if tool.get(key) is None:
            continue
        if not isinstance(tool[key], list):
            raise invalid(f"{where}.{key} must be a list of tool names", f"{where}.{key}")
        for position, name in enumerate(tool[key]):
            if name not in TOOL_NAMES:
                known = ", ".join(TOOL_NAMES)
                raise invalid(
                    f"{where}.{key}[{position}] {str(name)[:60]!r} is not a known tool (known: {known})",
                    f"{where}.{key}[{position}]",
                )


def _tool(tool: dict[str, Any], where: str) -> None:
    kind = tool.get("type")
    if kind not in TOOL_TYPES:  # the wording clients already match on
        raise invalid("unknown toolset type", f"{where}.type")
    if kind == "agent_toolset_20260401":
        _object(tool, where, ("type", "enabled_tools", "disallowed_tools", "configs", "default_config"))
        _tool_names(tool, where)
        for index, config in enumerate(_list(tool.get("configs"), f"{where}.configs")):
            _toolset_config(config, f"{where}.configs[{index}]")
    elif kind == "mcp_toolset":
        _object(tool, where, ("type", "mcp_server_name", "configs", "default_config"))
        _string(tool.get("mcp_server_name"), f"{where}.mcp_server_name", required=True)
        for index, config in enumerate(_list(tool.get("configs"), f"{where}.configs")):
            here = f"{where}.configs[{index}]"
            _object(config, here, ("name", "enabled", "permission_policy"))
            _string(config.get("name"), f"{here}.name", required=True)
            _policy(config, here)
    else:
        _object(tool, where, ("type", "name", "description", "input_schema"))
        _string(tool.get("name"), f"{where}.name", required=True)
        _string(tool.get("description"), f"{where}.description", required=True)
        schema = _object(tool.get("input_schema"), f"{where}.input_schema", ("type", "properties", "required"))
        if "type" in schema:
            _one_of(schema["type"], f"{where}.input_schema.type", ("object",))
        if schema.get("properties") is not None and not isinstance(schema["properties"], dict):
            raise invalid(f"{where}.input_schema.properties must be an object", f"{where}.input_schema.properties")
        for index, name in enumerate(_list(schema.get("required"), f"{where}.input_schema.required")):
            _string(name, f"{where}.input_schema.required[{index}]", required=True)
    if kind != "custom" and tool.get("default_config") is not None:
        here = f"{where}.default_config"
        _policy(_object(tool["default_config"], here, ("enabled", "permission_policy")), here)


def _objects(body: dict[str, Any], field: str) -> list[dict[str, Any]]:
    items = _list(body.get(field), field)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid(f"{field}[{index}] must be an object", f"{field}[{index}]")
    return items


def _mcp_servers(body: dict[str, Any]) -> None:
    for index, server in enumerate(_objects(body, "mcp_servers")):
        where = f"mcp_servers[{index}]"
        _object(server, where, ("type", "name", "url"))
        _one_of(server.get("type"), f"{where}.type", MCP_TYPES)
        if not isinstance(server.get("name"), str) or not server["name"]:
            raise invalid(f"{where}.name is required (a non-empty string)", f"{where}.name")
        url = server.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid(f"{where}.url must be an http(s) URL", f"{where}.url")


def _skills(body: dict[str, Any]) -> None:
    skills = _objects(body, "skills")
    if len(skills) > MAX_SKILLS:
        raise invalid(f"skills has {len(skills)} entries: at most {MAX_SKILLS}", "skills")
    for index, skill in enumerate(skills):
        where = f"skills[{index}]"
        _object(skill, where, ("type", "skill_id", "version"))
        _one_of(skill.get("type"), f"{where}.type", SKILL_TYPES)
        if not isinstance(skill.get("skill_id"), str) or not skill["skill_id"]:
            raise invalid(f"{where}.skill_id is required (a non-empty string)", f"{where}.skill_id")
        _string(skill.get("version"), f"{where}.version")


def _multiagent(value: Any) -> None:
    if value is None:
        return
    _object(value, "multiagent", ("type", "agents"))
    _one_of(value.get("type"), "multiagent.type", ("coordinator",))
    agents = value.get("agents")
    if not isinstance(agents, list) or not agents:
        raise invalid("multiagent.agents must be a non-empty list", "multiagent.agents")
    for index, entry in enumerate(agents):
        where = f"multiagent.agents[{index}]"
        if isinstance(entry, str):
            _string(entry, where, required=True)
            continue
        kind = entry.get("type") if isinstance(entry, dict) else None
        allowed = {"agent": ("type", "id", "version"), "self": ("type",), "advisor": ("type", "model")}
        _object(entry, where, allowed.get(str(kind), ("type",)))
        _one_of(kind, f"{where}.type", tuple(allowed))
        if kind == "agent":
            _string(entry.get("id"), f"{where}.id", required=True)
            if entry.get("version") is not None and (not is_int(entry["version"]) or entry["version"] < 1):
                raise invalid(f"{where}.version must be a whole number from 1", f"{where}.version")
        if kind == "advisor":
            _string(entry.get("model"), f"{where}.model", required=True)


def _metadata(body: dict[str, Any]) -> None:
    metadata = body.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise invalid("metadata must be an object of strings", "metadata")
    for key, value in metadata.items():
        if not key or len(key) > MAX_METADATA_KEY:
            raise invalid(
                f"metadata key {key[:60]!r} must be 1 to {MAX_METADATA_KEY} characters (it has {len(key)})",
                f"metadata.{key[:MAX_METADATA_KEY]}",
            )
        if value is not None and not isinstance(value, str):
            raise invalid(f"metadata.{key} must be a string (or null to delete it)", f"metadata.{key}")
        if value is not None and len(value) > MAX_METADATA_VALUE:
            raise invalid(
                f"metadata.{key} must be at most {MAX_METADATA_VALUE} characters (it has {len(value)})",
                f"metadata.{key}",
            )


def metadata_count(metadata: dict[str, Any]) -> None:
    if len(metadata) > MAX_METADATA_KEYS:
        raise invalid(f"metadata has {len(metadata)} keys: at most {MAX_METADATA_KEYS}", "metadata")


def references(agent: dict[str, Any]) -> None:
    """An agent as it would be after the change: each mcp_toolset names one of its mcp_servers."""
    servers = {s.get("name") for s in agent.get("mcp_servers") or [] if isinstance(s, dict)}
    for index, tool in enumerate(agent.get("tools") or []):
        if isinstance(tool, dict) and tool.get("type") == "mcp_toolset" and tool.get("mcp_server_name") not in servers:
            raise invalid(
                f"tools[{index}].mcp_server_name {str(tool.get('mcp_server_name'))[:60]!r} is not one of the "
                "agent's mcp_servers",
                f"tools[{index}].mcp_server_name",
            )


def validate(body: dict[str, Any], *, creating: bool) -> None:
    for field in ("name", "model"):
        if creating and body.get(field) in (None, ""):
            raise invalid(f"{field} is required", field)
        if not creating and field in body and body[field] in (None, ""):
            raise invalid(f"{field} cannot be cleared", field)
    name = body.get("name")
    if name is not None and not (isinstance(name, str) and 1 <= len(name) <= MAX_NAME):
        length = f" (it has {len(name)})" if isinstance(name, str) else ""
        raise invalid(f"name must be a string of 1 to {MAX_NAME} characters{length}", "name")
    if body.get("model") is not None:
        model(body["model"])
    for text in ("instructions", "system", "description"):
        if body.get(text) is not None and not isinstance(body[text], str):
            raise invalid(f"{text} must be a string", text)
    if (
        body.get("system") is not None
        and body.get("instructions") is not None
        and body["system"] != body["instructions"]
    ):
        raise invalid("system and instructions name the same prompt: they must not differ", "system")
    for index, tool in enumerate(_objects(body, "tools")):
        _tool(tool, f"tools[{index}]")
    _mcp_servers(body)
    _skills(body)
    _multiagent(body.get("multiagent"))
    _metadata(body)
    version = None if creating else body.get("version")
    if version is not None and (not is_int(version) or version < 1):
        raise invalid("version must be a whole number (the agent's current version)", "version")
