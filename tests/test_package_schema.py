"""The provider plugins' Pulumi package schemas: generated from schema.json, and valid against
Pulumi's own metaschema (pkg/codegen/schema/pulumi.json of the CLI the tests build)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from pulumi_agents._package import package_schema

PACKAGES = ("agentrun", "qoder", "aiae")


def metaschema() -> dict[str, Any]:
    go = shutil.which("go")
    assert go, "Go builds the Pulumi CLI for the tests, so it is here"
    cache = subprocess.run([go, "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
    [path] = Path(cache, "github.com/pulumi/pulumi/pkg").glob("v3@v3.259.0/codegen/schema/pulumi.json")
    # Its semver pattern uses JavaScript's named groups (?<name>...); Python's re spells them (?P<name>...).
    loaded: dict[str, Any] = json.loads(path.read_text().replace("(?<", "(?P<"))
    return loaded


@pytest.mark.parametrize("package", PACKAGES)
def test_valid_against_pulumis_metaschema(package: str) -> None:
    errors = list(Draft202012Validator(metaschema()).iter_errors(package_schema(package, "0.1.0")))
    assert errors == []


def test_facts_reach_the_package_schema() -> None:
    agentrun = package_schema("agentrun", "0.1.0")
    runtime = agentrun["resources"]["agentrun:index:AgentRuntime"]
    assert runtime["inputProperties"]["agentRuntimeName"]["replaceOnChanges"] is True
    assert "replaceOnChanges" not in runtime["inputProperties"]["memory"]
    assert runtime["inputProperties"]["environmentVariables"]["secret"] is True
    assert runtime["inputProperties"]["waitTimeoutSeconds"]["default"] == 900
    assert "agentRuntimeId" in runtime["properties"] and "agentRuntimeId" not in runtime["inputProperties"]
    password = agentrun["types"]["agentrun:index:RegistryAuthConfig"]["properties"]["password"]
    assert password["secret"] is True  # only the leaf: the rest of a container configuration is readable
    assert "secret" not in runtime["inputProperties"]["containerConfiguration"]
    assert agentrun["config"]["variables"]["accessKeySecret"] == {
        "type": "string",
        "description": "Alibaba Cloud AccessKey secret.",
        "secret": True,
        "defaultInfo": {"environment": ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]},
    }
    qoder = package_schema("qoder", "0.1.0")["resources"]["qoder:index:Agent"]
    assert "id" not in qoder["properties"] and "idempotencySeed" not in qoder["inputProperties"]
    assert qoder["inputProperties"]["model"]["oneOf"][1] == {"$ref": "#/types/qoder:index:AgentModel"}


def test_no_resource_has_a_property_named_as_every_resources_own() -> None:
    """A vault credential's wire ``id`` would clash with the resource's own in every generated SDK
    (TypeScript refused to compile it): it is left out, the Pulumi id standing for it."""
    for package in ("agentrun", "qoder", "aiae"):
        for token, spec in package_schema(package, "0.1.0")["resources"].items():
            assert not {"id", "urn"} & set(spec["properties"]), token
