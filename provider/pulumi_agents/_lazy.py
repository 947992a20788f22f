"""Imports deferred until used: a package's public names (PEP 562), and the optional extras.

A Pulumi program that uses ``pulumi_agents.agentrun.AgentRuntime`` needs the Pulumi SDK; the
``validate`` command and the emulator, which only need a client or a state module of the same
package, should not pay for loading the SDK and gRPC. So the service packages name what they
export and where it lives, and load a submodule on the first access of one of its names::

    __getattr__, __dir__ = exports(__name__, {"client": ("AgentRunClient",), "resource": ("AgentRuntime",)})

with the same names imported under ``if TYPE_CHECKING:`` for mypy and editors.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn


def exports(
    package: str, submodules: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package``, each name in ``submodules[sub]``
    loaded from ``package.sub`` when first read, then kept in the package like a plain import."""
    where = {name: submodule for submodule, names in submodules.items() for name in names}

    def __getattr__(name: str) -> Any:
        submodule = where.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        setattr(sys.modules[package], name, value)  # the next access does not come back here
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__


def need_extra(extra: str, needs: str, modules: tuple[str, ...]) -> None:
    """Import ``modules`` or, when one of them cannot be, say in one line on stderr which extra
    installs them and exit 2; ``needs`` starts the line: ``"the emulator needs"``."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            missing_extra(extra, needs)


def missing_extra(extra: str, needs: str) -> NoReturn:
    print(f"pulumi-agents: {needs} an extra: pip install 'pulumi-agents[{extra}]'", file=sys.stderr)
    raise SystemExit(2)


class _SkipHttpxCli:  # a meta path finder (importlib.abc would cost every process ~15 ms to import)
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "httpx._main":
            sys.meta_path.remove(self)  # once: a later explicit import of it works
            raise ModuleNotFoundError("skipped: a provider process never runs the httpx command", name=name)
        return None


def skip_httpx_cli() -> None:
    """Have httpx, when this process first imports it, skip its command-line client.

    ``import httpx`` loads ``httpx._main``, and with it click, rich and pygments, whenever they are
    installed (our cli extra installs them): 50-80 ms of every provider process, which never runs
    that command. Where they are missing httpx defines a stub instead; this makes it do so here.
    """
    if "httpx" not in sys.modules and not any(isinstance(f, _SkipHttpxCli) for f in sys.meta_path):
        sys.meta_path.insert(0, _SkipHttpxCli())
