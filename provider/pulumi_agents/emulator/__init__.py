"""A local emulator of the vendors' APIs, faithful enough for their own SDK clients.

Each service keeps its state in ``<service>/emulator/state.py`` and its HTTP layer in
``<service>/emulator/routes.py``; this package holds what they share: the SQLite store, fault
injection and the server.
"""

from pulumi_agents.emulator.app import EmulatorConfig, create_app

__all__ = ["EmulatorConfig", "create_app"]
