"""Workspaces: CreateWorkspace ... ListWorkspaces, served by the generic model from schema.json's
Workspace entry alone (``generic.py``). What the entry cannot say: the id's prefix, and that what
a user makes is not the account's default workspace."""

from __future__ import annotations

from pulumi_agents.agentrun.emulator.models.generic import Kind

WORKSPACE = Kind("Workspace", id_prefix="ws-", fixed={"isDefault": False})
