"""A plugin's first answers: serve as soon as gRPC is up, load the provider meanwhile.

The engine starts a package's plugin, waits for its port, asks GetPluginInfo and Configure, and
only then starts the next package's plugin; each pass of an operation does this again (a refresh
of a stack of two packages: four starts, one after another, before the first read). So what a
plugin imports before it answers Configure is paid in wall time, four times over. This servicer
needs only grpc and the engine's protobufs: it answers those two at once (and CheckConfig and
DiffConfig, which a preview asks first, with the settings' rules alone), loads the provider (our
services, httpx) in a thread from Configure on, while the engine starts the next plugin, and
hands every other call to it once it is there. The Configure it answered is applied first.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterable
from typing import Any, NoReturn

import grpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from pulumi_agents import __version__
from pulumi_agents._lazy import skip_httpx_cli

# What Configure answers: here at once, and by the provider (``_plugin``) when called itself.
CONFIGURED = {"accept_secrets": True, "supports_preview": True, "accept_resources": False, "accept_outputs": False}


class Front(provider_pb2_grpc.ResourceProviderServicer):
    """The engine's calls, answered at once (GetPluginInfo, Configure) or handed to the loaded
    provider's servicer."""

    def __init__(self, package: str, engine_address: str) -> None:
        self.package = package
        self._loaded: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._configure: Any = None  # the Configure request not yet given to the provider
        self._configuring = asyncio.Lock()
        self._loader = threading.Thread(
            target=self._load, args=(package, engine_address), name="pulumi-agents-load", daemon=True
        )

    def _start_loading(self) -> None:
        # At Configure, not at start: a thread loading while the engine's first calls arrive
        # holds the GIL they need, and GetPluginInfo waited 0.15 s for it.
        if self._loader.ident is None:
            self._loader.start()

    def _load(self, package: str, engine_address: str) -> None:
        try:
            from pulumi_agents._plugin import loaded

            self._loaded.set_result(loaded(package, engine_address))
        except BaseException as exc:  # every call then fails with it, as a plugin that did not start
            self._loaded.set_exception(exc)

    async def _provider(self, context: Any) -> Any:
        if self._configure is None and self._loaded.done() and not self._loaded.exception():
            return self._loaded.result()  # every call after the first: no future to wrap
        self._start_loading()
        servicer = await asyncio.wrap_future(self._loaded)
        if self._configure is not None:
            async with self._configuring:
                request, self._configure = self._configure, None
                if request is not None:
                    await servicer.Configure(request, context)
        return servicer

    async def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=__version__)

    async def CheckConfig(self, request: Any, context: Any) -> Any:
        # At preview the engine asks this of each plugin in turn, before Configure: answered
        # here, with the settings' rules alone loaded, not the provider.
        from pulumi_agents._config import provider_problems
        from pulumi_agents._wire import plain_struct

        failures = provider_problems(self.package, request.urn, plain_struct(request.news))
        return provider_pb2.CheckResponse(
            inputs=request.news, failures=[provider_pb2.CheckFailure(property="", reason=f) for f in failures]
        )

    async def DiffConfig(self, request: Any, context: Any) -> Any:
        """A changed setting updates the provider in place, never replaces it: the engine would
        replace every resource of a replaced explicit provider, and a new region or endpoint
        points at another place, where those resources are not (move them by import). Asked
        before Configure at preview, as CheckConfig is, and answered here too."""
        from pulumi_agents._config import engine_key
        from pulumi_agents._wire import Diffed, diff_answer, plain_struct

        olds, news = plain_struct(request.olds), plain_struct(request.news)
        changed = {
            name: ("add" if name not in olds else "delete" if name not in news else "update", False)
            for name in sorted(set(olds) | set(news))
            if not engine_key(name) and olds.get(name) != news.get(name)
        }
        return diff_answer(Diffed(bool(changed), [], False, changed))

    async def Configure(self, request: Any, context: Any) -> Any:
        self._configure = request
        self._start_loading()
        if self._loaded.done():
            await self._provider(context)
        return configure_answer()


def configure_answer() -> Any:
    """The engine's ConfigureResponse of CONFIGURED (the protobuf's field names are camelCase)."""
    return provider_pb2.ConfigureResponse(**{_camel(name): value for name, value in CONFIGURED.items()})


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


def _handed_on(method: str) -> Any:
    async def call(self: Front, request: Any, context: Any) -> Any:
        servicer = await self._provider(context)
        return await getattr(servicer, method)(request, context)

    call.__name__ = method
    return call


# The engine's first call, before GetPluginInfo; unimplemented (as the SDK's servicer leaves it),
# it falls back to Configure. Answered as the base class does, at once, not after the load.
_UNIMPLEMENTED = frozenset({"Handshake"})

for _method in provider_pb2.DESCRIPTOR.services_by_name["ResourceProvider"].methods_by_name:
    if _method not in vars(Front) and _method not in _UNIMPLEMENTED:
        setattr(Front, _method, _handed_on(_method))


def serve(package: str, argv: Iterable[str] | None = None) -> None:
    """Run the plugin: listen on a free loopback port and tell the engine which (the handshake)."""
    parser = argparse.ArgumentParser(prog=f"pulumi-resource-{package}")
    parser.add_argument("engine", nargs="?", help="the engine's address (given by the engine)")
    args, _ = parser.parse_known_args(list(argv) if argv is not None else sys.argv[1:])
    skip_httpx_cli()  # before the loading thread imports httpx

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(Front(package, args.engine or ""), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        # The engine stops a plugin with SIGINT: stop serving and return, rather than have
        # KeyboardInterrupt tear the loop down under the server (a traceback in the engine's log).
        if threading.current_thread() is threading.main_thread():  # (a test may serve from another)
            loop = asyncio.get_running_loop()
            for stop in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(stop, lambda: asyncio.ensure_future(server.stop(None)))
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):  # a signal before the handlers are in place
        asyncio.run(run())
    if threading.current_thread() is threading.main_thread():
        _leave()


def _leave() -> NoReturn:
    """Exit now that the server has stopped, without the interpreter's teardown: freeing every
    module and joining the idle call threads took 40-60 ms, and the engine waits for its plugins
    to exit before it goes on (after each pass: twice in a refresh). What is registered to run at
    exit (the log handlers' flush) runs first."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)
