"""Model services and model proxies: Create/Get/Update/Delete/List, served by the generic model
from schema.json's ModelService and ModelProxy entries (``generic.py``). What the entries cannot
say: the ids' prefixes (addressed by name, their made ids are the modelServiceId and modelProxyId outputs)."""

from __future__ import annotations

from pulumi_agents.agentrun.emulator.models.generic import Kind

MODEL_SERVICE = Kind("ModelService", id_prefix="ms-")
MODEL_PROXY = Kind("ModelProxy", id_prefix="mp-")
