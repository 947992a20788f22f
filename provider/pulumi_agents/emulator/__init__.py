"""A local emulator of the vendors' APIs, faithful enough for their own SDK clients.

Each service keeps its state in ``<service>/emulator/state.py`` and its HTTP layer in
``<service>/emulator/routes.py``; this package holds what they share: the SQLite store, fault
injection and the server. The server (``app.py``) is imported on first use of ``create_app`` or
``EmulatorConfig``, and it imports the services only when it builds the app: a service's state
imports ``emulator.store`` from this package, which must not import them back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_agents._lazy import exports

__all__ = ["EmulatorConfig", "create_app"]

if TYPE_CHECKING:
    from pulumi_agents.emulator.app import EmulatorConfig, create_app
else:
    __getattr__, __dir__ = exports(__name__, {"app": ("EmulatorConfig", "create_app")})
