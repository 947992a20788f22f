"""Model services and model proxies: Create/Get/Update/Delete/List, served by the generic model
from schema.json's ModelService and ModelProxy entries (``generic.py``). What the entries cannot
say: the ids' prefixes, and that the paths address them by name, so the made id is an output."""

from __future__ import annotations

from pulumi_agents.agentrun.emulator.models.generic import Kind

MODEL_SERVICE = Kind("ModelService", id_prefix="ms-", server_id="modelServiceId")
MODEL_PROXY = Kind("ModelProxy", id_prefix="mp-", server_id="modelProxyId")
