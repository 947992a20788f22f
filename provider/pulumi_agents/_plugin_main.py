"""The provider plugins' console scripts (``pulumi-resource-agentrun``, ``-qoder``, ``-aiae``).

The engine starts a plugin process per package for each pass of an operation (a refresh starts
four), one after another, and each pays for its imports before it answers. So the plugin starts
in ``_front``, which needs only gRPC and the engine's protobufs, and before anything imports the
SDK some of its packages are put in ``sys.modules`` as modules that load when one of their names
is first read: the SDK's automation API, dynamic providers (dill) and policy packs, which a
plugin never uses (a third of the SDK's import time), and the ``pulumi`` and ``pulumi.runtime``
package inits, which the provider's calls never need either (``_plugin``) and the SDK-typed ones
load (``_plugin_sdk``). Whatever uses one gets it whole. This module imports nothing heavy itself.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
import types
from typing import Any

# Imported by pulumi/__init__.py alone (no module of the SDK's runtime or provider imports them).
UNUSED_BY_PLUGINS = ("pulumi.automation", "pulumi.dynamic", "pulumi.policy")
# Packages whose __init__ imports the SDK's runtime when the plugin's first answers need only
# the engine's protobufs below them: deferred too, they run when the provider, loading meanwhile
# (``_front``), first reads a name of theirs. (Not pulumi.runtime.proto: ``from . import x`` in
# its modules reads a name of the package.)
UNTIL_THE_PROVIDER = ("pulumi", "pulumi.runtime")

_LOADING = threading.RLock()  # re-entrant: one deferred module may use another as it loads


class _Deferred(types.ModuleType):
    """A module whose code runs when a name it defines is first read. Not LazyLoader: its module
    loads on any attribute, and the import statement itself reads ``__spec__``; here the
    attributes an import sets (``__spec__``, ``__path__``, ``__file__``...) are there already, so
    only a missing name (``__getattr__``) or ``dir()`` loads it."""

    def __getattr__(self, name: str) -> Any:
        self._load()
        return getattr(self, name)

    def __dir__(self) -> list[str]:
        self._load()
        return dir(self)

    def _load(self) -> None:
        with _LOADING:
            if type(self) is not _Deferred:
                return  # another thread loaded it while this one waited
            # A plain module from here on, while its code runs too.
            self.__class__ = types.ModuleType  # type: ignore[assignment]
            spec = self.__spec__
            assert spec is not None and spec.loader is not None
            try:
                spec.loader.exec_module(self)
            except BaseException:
                self.__class__ = _Deferred  # the next use fails the same way, not with a missing name
                raise


def defer(names: tuple[str, ...] = UNUSED_BY_PLUGINS) -> None:
    """Have the modules ``names`` (each after its package, if one of them) load when first used."""
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = sys.modules.get(parent_name)
        if name in sys.modules or (parent is not None and type(parent) is not _Deferred):
            continue  # too late (or done): the package imported them already
        if parent_name:
            # find_spec of a submodule would import its package, and with it the submodules:
            # look in the package's directory instead.
            found = parent.__spec__ if parent is not None else importlib.util.find_spec(parent_name)
            locations = found.submodule_search_locations if found else None
            spec = importlib.machinery.PathFinder.find_spec(name, locations) if locations else None
        else:
            spec = importlib.machinery.PathFinder.find_spec(name)
        if spec is None or spec.loader is None:
            continue  # not there: its import fails as it always would
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _Deferred
        sys.modules[name] = module
        if parent is not None:
            setattr(parent, child, module)  # as an import binds it: reading it loads nothing


def main(package: str) -> None:
    defer(UNTIL_THE_PROVIDER + UNUSED_BY_PLUGINS)
    from pulumi_agents._front import serve

    serve(package)


def agentrun() -> None:
    main("agentrun")


def qoder() -> None:
    main("qoder")


def aiae() -> None:
    main("aiae")
