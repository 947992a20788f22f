"""Typed arguments of AgentRuntime, in snake_case.

These mirror the ``AgentRuntime`` definition of schema.json (names derived by
``pulumi_agents._naming.to_snake``); tests/test_types_match_schema.py keeps them in step.
Nested values may also be written with the wire names.
"""

from typing import Literal, Required, TypedDict

import pulumi


class CodeConfigurationArgs(TypedDict, total=False):
    language: Required[pulumi.Input[str]]
    command: pulumi.Input[list[pulumi.Input[str]]]
    zip_file: pulumi.Input[str]
    oss_bucket_name: pulumi.Input[str]
    oss_object_name: pulumi.Input[str]
    checksum: pulumi.Input[str]


class RegistryAuthConfigArgs(TypedDict, total=False):
    user_name: pulumi.Input[str]
    password: pulumi.Input[str]


class RegistryCertConfigArgs(TypedDict, total=False):
    insecure: pulumi.Input[bool]
    root_ca_cert_base64: pulumi.Input[str]


class RegistryNetworkConfigArgs(TypedDict, total=False):
    vpc_id: pulumi.Input[str]
    v_switch_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]


class RegistryConfigArgs(TypedDict, total=False):
    auth_config: RegistryAuthConfigArgs
    cert_config: RegistryCertConfigArgs
    network_config: RegistryNetworkConfigArgs


class ContainerConfigurationArgs(TypedDict, total=False):
    image: Required[pulumi.Input[str]]
    image_registry_type: pulumi.Input[Literal["ACR", "ACREE", "CUSTOM"]]
    acr_instance_id: pulumi.Input[str]
    command: pulumi.Input[list[pulumi.Input[str]]]
    port: pulumi.Input[int]
    registry_config: RegistryConfigArgs


class NetworkConfigurationArgs(TypedDict, total=False):
    network_mode: Required[pulumi.Input[Literal["PUBLIC", "PRIVATE", "PUBLIC_AND_PRIVATE"]]]
    vpc_id: pulumi.Input[str]
    vswitch_ids: pulumi.Input[list[pulumi.Input[str]]]
    security_group_id: pulumi.Input[str]


class ProtocolSettingsArgs(TypedDict, total=False):
    type: pulumi.Input[str]
    name: pulumi.Input[str]
    config: pulumi.Input[str]
    path: pulumi.Input[str]
    path_prefix: pulumi.Input[str]
    headers: pulumi.Input[str]
    method: pulumi.Input[str]
    input_body_json_schema: pulumi.Input[str]
    output_body_json_schema: pulumi.Input[str]
    request_content_type: pulumi.Input[str]
    response_content_type: pulumi.Input[str]
    a2a_agent_card: pulumi.Input[str]
    a2a_agent_card_url: pulumi.Input[str]


class ProtocolConfigurationArgs(TypedDict, total=False):
    type: pulumi.Input[str]
    protocol_settings: list[ProtocolSettingsArgs]


class HealthCheckConfigurationArgs(TypedDict, total=False):
    http_get_url: pulumi.Input[str]
    initial_delay_seconds: pulumi.Input[int]
    period_seconds: pulumi.Input[int]
    timeout_seconds: pulumi.Input[int]
    failure_threshold: pulumi.Input[int]
    success_threshold: pulumi.Input[int]


class LogConfigurationArgs(TypedDict, total=False):
    project: Required[pulumi.Input[str]]
    logstore: Required[pulumi.Input[str]]


class NASMountConfigArgs(TypedDict, total=False):
    server_addr: Required[pulumi.Input[str]]
    mount_dir: Required[pulumi.Input[str]]
    enable_tls: pulumi.Input[bool]


class NASConfigArgs(TypedDict, total=False):
    user_id: pulumi.Input[int]
    group_id: pulumi.Input[int]
    mount_points: list[NASMountConfigArgs]


class OSSMountPointArgs(TypedDict, total=False):
    bucket_name: Required[pulumi.Input[str]]
    bucket_path: pulumi.Input[str]
    endpoint: pulumi.Input[str]
    mount_dir: Required[pulumi.Input[str]]
    read_only: pulumi.Input[bool]


class OSSMountConfigArgs(TypedDict, total=False):
    mount_points: list[OSSMountPointArgs]


class ArmsConfigurationArgs(TypedDict, total=False):
    enable_arms: pulumi.Input[bool]
    arms_license_key: pulumi.Input[str]
    cms_workspace: pulumi.Input[str]


class AgentRuntimeArgs(TypedDict, total=False):
    agent_runtime_name: Required[pulumi.Input[str]]
    artifact_type: Required[pulumi.Input[Literal["Code", "Container"]]]
    cpu: Required[pulumi.Input[float]]
    memory: Required[pulumi.Input[int]]
    port: Required[pulumi.Input[int]]
    network_configuration: Required[NetworkConfigurationArgs]
    description: pulumi.Input[str]
    disk_size: pulumi.Input[int]
    code_configuration: CodeConfigurationArgs
    container_configuration: ContainerConfigurationArgs
    protocol_configuration: ProtocolConfigurationArgs
    health_check_configuration: HealthCheckConfigurationArgs
    log_configuration: LogConfigurationArgs
    nas_config: NASConfigArgs
    oss_mount_config: OSSMountConfigArgs
    arms_configuration: ArmsConfigurationArgs
    execution_role_arn: pulumi.Input[str]
    credential_id: pulumi.Input[str]
    credential_name: pulumi.Input[str]
    external_agent_endpoint_url: pulumi.Input[str]
    environment_variables: pulumi.Input[dict[str, pulumi.Input[str]]]
    session_concurrency_limit_per_instance: pulumi.Input[int]
    session_idle_timeout_seconds: pulumi.Input[int]
    enable_session_isolation: pulumi.Input[bool]
    session_affinity_type: pulumi.Input[Literal["NONE", "HEADER_FIELD", "GENERATED_COOKIE", "COOKIE"]]
    header_field_name: pulumi.Input[str]
    disable_session_affinity: pulumi.Input[bool]
    disable_ondemand: pulumi.Input[bool]
    workspace_id: pulumi.Input[str]
    resource_group_id: pulumi.Input[str]
    system_tags: pulumi.Input[list[pulumi.Input[str]]]
    edition: pulumi.Input[str]
    wait_timeout_seconds: pulumi.Input[float]
