"""Qoder cloud agents: agents as Pulumi resources, a client, and the emulator's service.

Each name is imported from its submodule on first use, so the client and the emulator do not load the Pulumi SDK.
"""

# The package's public names besides its resources (which scripts/generate.py adds from
# schema.json), by the submodule that defines them: the one hand-kept list.
NAMES = {"client": ("QoderClient", "Settings")}
