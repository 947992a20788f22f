"""schema.json: what it accepts and what it rejects, with the path and the reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from pulumi_agents import validate
from pulumi_agents._schema import UNKNOWN, schema
from tests.runtimes import code_runtime


def failures(doc: dict[str, Any]) -> list[str]:
    return [str(f) for f in validate("AgentRuntime", doc)]


def with_path(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with ``value`` set at dotted ``path`` (list indexes as numbers)."""
    doc = copy.deepcopy(doc)
    target: Any = doc
    parts = [int(p) if p.isdigit() else p for p in path.split(".")]
    for part in parts[:-1]:
        target = target[part]
    target[parts[-1]] = value
    return doc


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(schema())


def test_every_default_is_valid_where_it_stands() -> None:
    # A default applies without being validated (a setting left unset, a field reset on removal).
    def defaults(node: Any, where: str, names: bool = False) -> list[tuple[str, Any, dict[str, Any]]]:
        # ``names``: a map of property names to subschemas (a property may be called "default").
        if isinstance(node, list):
            return [d for i, item in enumerate(node) for d in defaults(item, f"{where}[{i}]")]
        if not isinstance(node, dict):
            return []
        keyword = not names and "default" in node and "$ref" not in node
        found = [(where, node["default"], node)] if keyword else []
        return found + [
            d for key, item in node.items() for d in defaults(item, f"{where}.{key}", key in ("properties", "$defs"))
        ]

    found = defaults(schema()["$defs"], "$defs", names=True)
    assert any(where == "$defs.AgentRunConfig.properties.httpTimeout" for where, _, _ in found)
    for where, default, subschema in found:
        assert Draft202012Validator(subschema).is_valid(default), (where, default)


def test_full_example_is_valid() -> None:
    assert failures(code_runtime()) == []


ACCEPTED = [
    ("zip code source", code_runtime(codeConfiguration={"language": "python3.10", "zipFile": "UEsDBAo="})),
    (
        "container",
        code_runtime(
            artifactType="Container",
            codeConfiguration=None,
            containerConfiguration={"image": "registry/ns/img:1", "imageRegistryType": "ACR"},
        ),
    ),
    (
        "private network",
        code_runtime(
            networkConfiguration={
                "networkMode": "PRIVATE",
                "vpcId": "vpc-1",
                "vswitchIds": ["vsw-1", "vsw-2"],
                "securityGroupId": "sg-1",
            }
        ),
    ),
    ("health check minimal", code_runtime(healthCheckConfiguration={"httpGetUrl": "/healthz"})),
    (
        "health check zero delay",
        code_runtime(healthCheckConfiguration={"initialDelaySeconds": 0, "periodSeconds": 2, "timeoutSeconds": 1}),
    ),
    ("nas root share", with_path(code_runtime(), "nasConfig.mountPoints.0.serverAddr", "x.nas.aliyuncs.com:/")),
    (
        "nas masked host as in the docs",
        with_path(code_runtime(), "nasConfig.mountPoints.0.serverAddr", "***-uni85.cn-hangzhou.nas.com:/"),
    ),
    ("nas tls", with_path(code_runtime(), "nasConfig.mountPoints.0.enableTLS", True)),
    (
        "two nas mounts",
        with_path(
            code_runtime(),
            "nasConfig.mountPoints",
            [
                {"serverAddr": "a.nas.com:/a", "mountDir": "/mnt/a"},
                {"serverAddr": "a.nas.com:/b", "mountDir": "/mnt/b"},
            ],
        ),
    ),
    (
        "oss https endpoint",
        with_path(code_runtime(), "ossMountConfig.mountPoints.0.endpoint", "https://oss-cn-shanghai.aliyuncs.com"),
    ),
    (
        "oss without optional fields",
        code_runtime(ossMountConfig={"mountPoints": [{"bucketName": "abc", "mountDir": "/data"}]}),
    ),
    ("empty mounts", code_runtime(nasConfig={"mountPoints": []}, ossMountConfig={"mountPoints": []})),
    ("env vars", code_runtime(environmentVariables={"A": "1", "_B2": ""})),
    ("cookie alias", code_runtime(sessionAffinityType="COOKIE")),
    ("header affinity", code_runtime(sessionAffinityType="HEADER_FIELD", headerFieldName="x-session")),
    (
        "limits at the edges",
        code_runtime(
            cpu=0.05, memory=128, port=1, sessionConcurrencyLimitPerInstance=200, sessionIdleTimeoutSeconds=60
        ),
    ),
    ("float cpu", code_runtime(cpu=0.5)),
    (
        "unknown values are skipped",
        code_runtime(memory=UNKNOWN, nasConfig={"mountPoints": [{"serverAddr": UNKNOWN, "mountDir": UNKNOWN}]}),
    ),
    ("wait timeout option", code_runtime(waitTimeoutSeconds=30)),
]


@pytest.mark.parametrize(("doc"), [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepts(doc: dict[str, Any]) -> None:
    doc = {k: v for k, v in doc.items() if v is not None}
    assert failures(doc) == []


REJECTED = [
    (
        "relative nas mountDir",
        "nasConfig.mountPoints.0.mountDir",
        "mnt/nas",
        "nasConfig.mountPoints[0].mountDir: must be an absolute path",
    ),
    (
        "root nas mountDir",
        "nasConfig.mountPoints.0.mountDir",
        "/",
        "nasConfig.mountPoints[0].mountDir: must not be the root directory",
    ),
    (
        "nas serverAddr without path",
        "nasConfig.mountPoints.0.serverAddr",
        "abc.nas.aliyuncs.com",
        "nasConfig.mountPoints[0].serverAddr: must have the form host:/path",
    ),
    (
        "nas serverAddr relative path",
        "nasConfig.mountPoints.0.serverAddr",
        "abc.nas.aliyuncs.com:share",
        "nasConfig.mountPoints[0].serverAddr: must have the form host:/path",
    ),
    ("nas negative uid", "nasConfig.userId", -1, "nasConfig.userId: must be at least 0"),
    (
        "nas enableTLS string",
        "nasConfig.mountPoints.0.enableTLS",
        "yes",
        "nasConfig.mountPoints[0].enableTLS: must be of type boolean",
    ),
    (
        "nas unknown key",
        "nasConfig.mountPoints.0.mountdir",
        "/x",
        "nasConfig.mountPoints[0].mountdir: is not a known property (did you mean 'mountDir'?)",
    ),
    (
        "oss bucketPath relative",
        "ossMountConfig.mountPoints.0.bucketPath",
        "data",
        "ossMountConfig.mountPoints[0].bucketPath: must start with '/'",
    ),
    (
        "oss endpoint not a url",
        "ossMountConfig.mountPoints.0.endpoint",
        "oss-cn-hangzhou.aliyuncs.com",
        "ossMountConfig.mountPoints[0].endpoint: must be an http(s) URL",
    ),
    (
        "oss relative mountDir",
        "ossMountConfig.mountPoints.0.mountDir",
        "data",
        "ossMountConfig.mountPoints[0].mountDir: must be an absolute path",
    ),
    (
        "oss bucket uppercase",
        "ossMountConfig.mountPoints.0.bucketName",
        "My_Bucket",
        "ossMountConfig.mountPoints[0].bucketName: must be an OSS bucket name",
    ),
    (
        "oss readOnly string",
        "ossMountConfig.mountPoints.0.readOnly",
        "true",
        "ossMountConfig.mountPoints[0].readOnly: must be of type boolean",
    ),
    (
        "mountDir shared by nas and oss",
        "ossMountConfig.mountPoints.0.mountDir",
        "/mnt/nas",
        "ossMountConfig.mountPoints[0].mountDir: '/mnt/nas' is already used by nasConfig.mountPoints[0]",
    ),
    (
        "health timeout equals period",
        "healthCheckConfiguration.timeoutSeconds",
        30,
        "healthCheckConfiguration.timeoutSeconds: must be less than periodSeconds (30)",
    ),
    (
        "health timeout above period",
        "healthCheckConfiguration.timeoutSeconds",
        45,
        "healthCheckConfiguration.timeoutSeconds: must be less than periodSeconds (30)",
    ),
    (
        "health zero period",
        "healthCheckConfiguration.periodSeconds",
        0,
        "healthCheckConfiguration.periodSeconds: must be greater than 0",
    ),
    (
        "health negative delay",
        "healthCheckConfiguration.initialDelaySeconds",
        -5,
        "healthCheckConfiguration.initialDelaySeconds: must be at least 0",
    ),
    (
        "health zero failure threshold",
        "healthCheckConfiguration.failureThreshold",
        0,
        "healthCheckConfiguration.failureThreshold: must be greater than 0",
    ),
    (
        "health zero success threshold",
        "healthCheckConfiguration.successThreshold",
        0,
        "healthCheckConfiguration.successThreshold: must be greater than 0",
    ),
    (
        "health url without slash",
        "healthCheckConfiguration.httpGetUrl",
        "ready",
        "healthCheckConfiguration.httpGetUrl: must be a path starting with '/'",
    ),
    (
        "health float period",
        "healthCheckConfiguration.periodSeconds",
        2.5,
        "healthCheckConfiguration.periodSeconds: must be of type integer",
    ),
    ("name starts with digit", "agentRuntimeName", "1bot", "agentRuntimeName: must start with a letter"),
    ("name too long", "agentRuntimeName", "a" * 129, "agentRuntimeName: must start with a letter"),
    ("bad artifact type", "artifactType", "Binary", "artifactType: must be one of 'Code', 'Container'"),
    ("cpu too small", "cpu", 0.01, "cpu: must be at least 0.05"),
    ("cpu too large", "cpu", 32, "cpu: must be at most 16"),
    ("memory float", "memory", 1024.5, "memory: must be of type integer"),
    ("memory too small", "memory", 64, "memory: must be at least 128"),
    ("port zero", "port", 0, "port: must be at least 1"),
    ("port too large", "port", 70000, "port: must be at most 65535"),
    ("description too long", "description", "x" * 257, "description: must be at most 256 characters long"),
    (
        "session limit",
        "sessionConcurrencyLimitPerInstance",
        500,
        "sessionConcurrencyLimitPerInstance: must be at most 200",
    ),
    ("idle timeout", "sessionIdleTimeoutSeconds", 10, "sessionIdleTimeoutSeconds: must be at least 60"),
    ("env var value not a string", "environmentVariables", {"A": 1}, "environmentVariables.A: must be of type string"),
    (
        "env var bad name",
        "environmentVariables",
        {"BAD-NAME": "x"},
        "environmentVariables.BAD-NAME: environment variable names must match",
    ),
    ("unknown language", "codeConfiguration.language", "ruby3", "codeConfiguration.language: must be one of"),
    (
        "code with two sources",
        "codeConfiguration.zipFile",
        "UEsDBA==",
        "codeConfiguration: must set exactly one code source",
    ),
    ("network mode", "networkConfiguration.networkMode", "VPC", "networkConfiguration.networkMode: must be one of"),
    (
        "duplicate vswitch",
        "networkConfiguration",
        {"networkMode": "PRIVATE", "vpcId": "v", "securityGroupId": "s", "vswitchIds": ["a", "a"]},
        "networkConfiguration.vswitchIds: must not contain duplicates",
    ),
    (
        "private without vpc",
        "networkConfiguration",
        {"networkMode": "PRIVATE"},
        "networkConfiguration.vpcId: is required (private network modes require vpcId, vswitchIds and securityGroupId)",
    ),
    (
        "public and private without sg",
        "networkConfiguration",
        {"networkMode": "PUBLIC_AND_PRIVATE", "vpcId": "v", "vswitchIds": ["a"]},
        "networkConfiguration.securityGroupId: is required",
    ),
    ("unknown top-level field", "agentRuntimeNmae", "x", "agentRuntimeNmae: is not a known property (did you mean"),
    (
        "header affinity without header",
        "sessionAffinityType",
        "HEADER_FIELD",
        "headerFieldName: is required (sessionAffinityType HEADER_FIELD requires headerFieldName)",
    ),
    ("external url", "externalAgentEndpointUrl", "ftp://x", "externalAgentEndpointUrl: must be an http(s) URL"),
    ("negative wait timeout", "waitTimeoutSeconds", -1, "waitTimeoutSeconds: must be greater than 0"),
]


@pytest.mark.parametrize(("path", "value", "expected"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_rejects(path: str, value: Any, expected: str) -> None:
    found = failures(with_path(code_runtime(), path, value))
    assert any(f.startswith(expected) for f in found), found


def test_code_requires_code_configuration() -> None:
    doc = code_runtime()
    del doc["codeConfiguration"]
    assert failures(doc) == ["codeConfiguration: is required (artifactType Code requires codeConfiguration)"]


def test_code_configuration_needs_a_source() -> None:
    doc = code_runtime(codeConfiguration={"language": "python3.12"})
    assert failures(doc) == [
        "codeConfiguration: must set exactly one code source: zipFile, or ossBucketName with ossObjectName"
    ]


def test_oss_source_needs_both_names() -> None:
    doc = code_runtime(codeConfiguration={"language": "python3.12", "ossBucketName": "b"})
    assert failures(doc) == [
        "codeConfiguration: must set exactly one code source: zipFile, or ossBucketName with ossObjectName"
    ]


def test_container_requires_container_configuration() -> None:
    doc = code_runtime(artifactType="Container")
    del doc["codeConfiguration"]
    assert failures(doc) == [
        "containerConfiguration: is required (artifactType Container requires containerConfiguration)"
    ]


def test_missing_required_fields_are_each_named() -> None:
    assert failures(
        {"agentRuntimeName": "x", "artifactType": "Container", "containerConfiguration": {"image": "i"}}
    ) == ["cpu: is required", "memory: is required", "networkConfiguration: is required", "port: is required"]


def test_every_failure_is_reported_at_once() -> None:
    doc = with_path(code_runtime(), "nasConfig.mountPoints.0.mountDir", "rel")
    doc = with_path(doc, "healthCheckConfiguration.timeoutSeconds", 99)
    doc["port"] = 0
    assert len(failures(doc)) == 3


def test_same_mount_dir_twice_in_nas() -> None:
    doc = with_path(
        code_runtime(),
        "nasConfig.mountPoints",
        [{"serverAddr": "a.nas.com:/a", "mountDir": "/mnt/x"}, {"serverAddr": "a.nas.com:/b", "mountDir": "/mnt/x"}],
    )
    assert failures(doc) == ["nasConfig.mountPoints[1].mountDir: '/mnt/x' is already used by nasConfig.mountPoints[0]"]


def test_unknown_type_name_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no definition 'Nope'"):
        validate("Nope", {})


# --- Agent (Qoder) -------------------------------------------------------------------------

AGENT: dict[str, Any] = {
    "name": "doc-test-agent",
    "model": "ultimate",
    "instructions": "You help.",
    "tools": [{"type": "agent_toolset_20260401", "enabled_tools": ["Bash", "Read"]}],
    "mcp_servers": [{"type": "url", "name": "weather", "url": "https://mcp.example.com/sse"}],
    "skills": [{"type": "custom", "skill_id": "skill_123"}, {"type": "qoder", "skill_id": "s2", "version": 3}],
    "metadata": {"team": "docs"},
    "onDelete": "delete",
}


def agent_failures(**changes: Any) -> list[str]:
    doc = {**copy.deepcopy(AGENT), **changes}
    return [str(f) for f in validate("Agent", {k: v for k, v in doc.items() if v is not None})]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"model": {"id": "ultimate", "effort": "high", "context_window": 200000}},
        {"tools": [{"type": "agent_toolset_20260401"}], "mcp_servers": [], "skills": None, "metadata": None},
        {"tools": [{"type": "agent_toolset_20260401", "enabled_tools": []}]},
        {
            "mcp_servers": [
                {"type": "http", "name": "a", "url": "http://a"},
                {"type": "url", "name": "b", "url": "https://b"},
            ]
        },
        {"metadata": {f"k{i}": "v" * 512 for i in range(16)}},
        {"skills": [{"type": "custom", "skill_id": f"s{i}"} for i in range(20)]},
        {"name": "n" * 256, "instructions": UNKNOWN, "model": UNKNOWN},
    ],
)
def test_agent_accepts(changes: dict[str, Any]) -> None:
    assert agent_failures(**changes) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, "name: must be at least 1 characters long"),
        ({"name": "n" * 257}, "name: must be at most 256 characters long"),
        ({"model": ""}, "model: must be a non-empty model name or an object with an id"),
        ({"model": {"effort": "high"}}, "model: must be a non-empty model name or an object with an id"),
        ({"model": None}, "model: is required"),
        ({"tools": [{"type": "agent_toolset_2099"}]}, "tools[0].type: must be a known toolset type"),
        (
            {"tools": [{"type": "agent_toolset_20260401", "enabled_tools": ["Bash", "Telnet"]}]},
            "tools[0].enabled_tools[1]: must be one of",
        ),
        (
            {"tools": [{"type": "agent_toolset_20260401", "enabled_tools": ["Bash", "Bash"]}]},
            "tools[0].enabled_tools: must not contain duplicates",
        ),
        (
            {"mcp_servers": [{"type": "url", "name": "w", "url": "wss://x"}]},
            "mcp_servers[0].url: must be an http(s) URL",
        ),
        (
            {
                "mcp_servers": [
                    {"type": "url", "name": "w", "url": "https://x"},
                    {"type": "url", "name": "w", "url": "https://y"},
                ]
            },
            "mcp_servers[1].name: 'w' is already used by mcp_servers[0]",
        ),
        ({"mcp_servers": [{"type": "sse", "name": "w", "url": "https://x"}]}, "mcp_servers[0].type: must be one of"),
        (
            {"skills": [{"type": "custom", "skill_id": f"s{i}"} for i in range(21)]},
            "skills: must have at most 20 items",
        ),
        ({"skills": [{"type": "builtin", "skill_id": "s"}]}, "skills[0].type: must be one of 'custom', 'qoder'"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata: must have at most 16 entries"),
        ({"metadata": {"k" * 65: "v"}}, "metadata." + "k" * 65 + ": metadata keys must be at most 64 characters"),
        ({"metadata": {"k": "v" * 513}}, "metadata.k: must be at most 512 characters long"),
        ({"metadata": {"k": 1}}, "metadata.k: must be of type string"),
        ({"onDelete": "purge"}, "onDelete: must be one of 'archive', 'delete'"),
    ],
)
def test_agent_rejects(changes: dict[str, Any], expected: str) -> None:
    found = agent_failures(**changes)
    assert any(f.startswith(expected) for f in found), found


def test_a_misspelt_key_is_reported_alone() -> None:
    """The source rule codeConfiguration breaks only because ossObjectName is misspelt: the typo
    is the one failure shown, not a "must set exactly one code source" printed before it."""
    doc = code_runtime()
    code = dict(doc["codeConfiguration"])
    code["oss_objekt_name"] = code.pop("ossObjectName")
    failures = validate("AgentRuntime", {**doc, "codeConfiguration": code})
    assert [(f.path, f.reason) for f in failures] == [
        ("codeConfiguration.oss_objekt_name", "is not a known property (did you mean 'oss_object_name'?)")
    ]
