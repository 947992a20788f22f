"""GitOps: every agent is a YAML file under agents/, written in the API's own field names.

  agents/runtimes/<name>.yaml   one agentrun.AgentRuntime   (pulumi-agents validate --type AgentRuntime)
  agents/qoder/<name>.yaml      one qoder.Agent             (pulumi-agents validate --type Agent)

The file name is the Pulumi resource name. A string "${secret:KEY}" stands for the stack's secret
config KEY (pulumi config set --secret KEY ...): secrets never live in the files. Removing a file
deletes its resource (a Qoder agent is archived unless the file said onDelete: delete).

Credentials come from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
QODER_PAT) or from stack config (agentrun:accessKeyId, qoder:token, ...).
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import yaml

from pulumi_agents.plugin import agentrun, qoder  # the plugin front door: exact previews, import by id

AGENTS = Path(__file__).parent / "agents"
SECRET = re.compile(r"^\$\{secret:([A-Za-z0-9_.-]+)\}$")
config = pulumi.Config()


def resolve(value: Any) -> Any:
    """The value with every "${secret:KEY}" replaced by the stack's secret config KEY."""
    if isinstance(value, str) and (match := SECRET.match(value)):
        return config.require_secret(match.group(1))
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


def snake(name: str) -> str:
    """A top-level field's Python argument name: agentRuntimeName -> agent_runtime_name."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def files(folder: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((AGENTS / folder).glob("*.yaml")):
        yield path.stem, yaml.safe_load(path.read_text("utf-8")) or {}


def arguments(spec: dict[str, Any]) -> dict[str, Any]:
    # Nested keys stay in the API's names: the resources accept them as they are.
    return {snake(key): resolve(value) for key, value in spec.items()}


for name, spec in files("runtimes"):
    runtime = agentrun.AgentRuntime(name, **arguments(spec))
    pulumi.export(f"{name}.runtime_id", runtime.agent_runtime_id)
    pulumi.export(f"{name}.version", runtime.agent_runtime_version)

for name, spec in files("qoder"):
    agent = qoder.Agent(name, **arguments(spec))
    pulumi.export(f"{name}.agent_id", agent.agent_id)
    pulumi.export(f"{name}.version", agent.version)
