"""Tools, browsers and code interpreters: what agents call or drive, served by the generic model
from their schema.json entries (``generic.py``). What the entries cannot say: the ids' prefixes,
(a tool is addressed by name: its made id is the toolId output). Browsers and code
interpreters have no update (their entries' ``x-api.update`` is ``none``)."""

from __future__ import annotations

from pulumi_agents.agentrun.emulator.models.generic import Kind

TOOL = Kind("Tool", id_prefix="tool-")
BROWSER = Kind("Browser", id_prefix="br-")
CODE_INTERPRETER = Kind("CodeInterpreter", id_prefix="ci-")
