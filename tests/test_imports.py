"""What each entry point imports: no cycles, no Pulumi SDK for the tools, extras only where needed.

Every check runs in a fresh interpreter, so that what this test session already imported does not hide
a cycle or an import.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.runtimes import code_runtime

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("agentrun", "qoder", "aiae")
HEAVY = ("pulumi", "grpc")
# What the extras install, by import name.
CLI_MODULES = ("typer", "rich", "yaml")
EMULATOR_MODULES = ("fastapi", "uvicorn")
CLI_MESSAGE = "pulumi-agents: the command-line tools need an extra: pip install 'pulumi-agents[cli]'"
EMULATOR_MESSAGE = "pulumi-agents: the emulator needs an extra: pip install 'pulumi-agents[emulator]'"


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def ok(code: str, *args: str) -> str:
    result = python(code, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def loaded_after(code: str, *args: str) -> set[str]:
    """Which of HEAVY are in sys.modules after running ``code``."""
    out = ok(
        textwrap.dedent(code) + f"\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n", *args
    )
    return set(out.split())


# -- 1. no import cycle between the emulator package and the services ---------------------------


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("module", ["state", "routes"])
def test_a_service_emulator_module_imports_on_its_own(service: str, module: str) -> None:
    ok(f"import pulumi_agents.{service}.emulator.{module}")


def test_the_emulator_package_does_not_import_its_app() -> None:
    out = ok(
        """
        import sys
        import pulumi_agents.emulator
        print([m for m in sys.modules if m == "fastapi" or m.endswith((".app", ".routes", ".state"))])
        """
    )
    assert out.strip() == "[]"


def test_the_emulator_package_still_exports_the_app() -> None:
    out = ok(
        """
        import warnings
        warnings.simplefilter("ignore")
        import pulumi_agents.emulator as emulator
        from fastapi.testclient import TestClient
        from pulumi_agents.emulator import EmulatorConfig, create_app
        from pulumi_agents.emulator.app import SERVICES
        assert emulator.__all__ == ["EmulatorConfig", "create_app"]
        assert {"EmulatorConfig", "create_app"} <= set(dir(emulator))
        client = TestClient(create_app(EmulatorConfig(transition_seconds=0.5)))
        print(" ".join(sorted(service.name for service in SERVICES)))
        for method, path in [
            ("GET", "/2025-09-10/agents/runtimes"),
            ("GET", "/api/v1/cloud/agents"),
            ("POST", "/v1/routes/open/demo/execute"),
            ("GET", "/no/such/path"),
        ]:
            print(client.request(method, path).status_code, end=" ")
        """
    )
    services, statuses = out.splitlines()
    assert services.split() == sorted(SERVICES)
    # Each service answers, without credentials, in its own way; only the last path is unknown.
    assert statuses.split() == ["400", "401", "200", "404"]


# -- 2. the command line and the emulator do not load the Pulumi SDK -----------------------------


def test_validate_loads_neither_pulumi_nor_grpc(tmp_path: Path) -> None:
    document = tmp_path / "runtime.yaml"
    document.write_text(yaml.safe_dump(code_runtime()))
    code = """
        import sys
        from typer.testing import CliRunner
        from pulumi_agents.cli import app
        result = CliRunner().invoke(app, ["validate", "--type", "AgentRuntime", sys.argv[1]])
        assert result.exit_code == 0, (result.exit_code, result.output)
        """
    assert loaded_after(code, str(document)) == set()


def test_invoke_help_loads_neither_pulumi_nor_grpc() -> None:
    code = """
        from typer.testing import CliRunner
        from pulumi_agents.cli import app
        result = CliRunner().invoke(app, ["invoke", "--help"])
        assert result.exit_code == 0, result.output
        """
    assert loaded_after(code) == set()


def test_the_emulator_app_loads_neither_pulumi_nor_grpc() -> None:
    assert loaded_after("from pulumi_agents.emulator import create_app\ncreate_app()") == set()


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_package_and_its_client_load_neither_pulumi_nor_grpc(service: str) -> None:
    assert loaded_after(f"import pulumi_agents.{service}\nimport pulumi_agents.{service}.client") == set()


def test_the_resources_still_import_from_their_packages() -> None:
    out = ok(
        """
        from pulumi_agents.agentrun import AgentRuntime
        from pulumi_agents import agentrun, aiae, qoder
        assert agentrun.AgentRuntime is AgentRuntime
        assert AgentRuntime.__module__ == "pulumi_agents.agentrun.resource"
        assert qoder.Agent.__module__ == "pulumi_agents.qoder.resource"
        assert aiae.AgentSmokeTest.__module__ == "pulumi_agents.aiae.resource"
        import pulumi
        assert issubclass(AgentRuntime, pulumi.CustomResource)
        print("ok")
        """
    )
    assert out.strip() == "ok"


# Every public name exported before the packages became lazy, and where it is defined: they stay
# exported (new kinds add theirs, generated from schema.json with the rest of __init__.py).
EXPORTS = {
    "agentrun": {
        "client": ["AgentRunClient", "Credentials", "Settings"],
        "provider": ["AgentRuntimeProvider", "AgentRuntimeEndpointProvider", "RuntimeVersionProvider"],
        "resource": ["AgentRuntime", "AgentRuntimeEndpoint", "RuntimeVersion"],
        "types": ["AgentRuntimeArgs", "AgentRuntimeEndpointArgs", "RuntimeVersionArgs"],
    },
    "qoder": {
        "client": ["QoderClient", "Settings"],
        "provider": ["AgentProvider"],
        "resource": ["Agent"],
        "types": ["AgentArgs"],
    },
    "aiae": {
        "chunks": [
            "AnyChunk",
            "Chunk",
            "InvokeResult",
            "ModelResponseChunk",
            "OtherChunk",
            "ToolCall",
            "ToolHintChunk",
            "ToolInvokeChunk",
        ],
        "client": ["AiaeClient", "ChunkStream", "Timeouts"],
        "errors": ["AiaeError", "InvalidRequestError", "MalformedChunkError", "StreamError", "StreamTimeout"],
        "provider": ["AgentSmokeTestProvider"],
        "request": ["AgentRequest"],
        "resource": ["AgentSmokeTest"],
        "types": ["AgentSmokeTestArgs"],
    },
}


@pytest.mark.parametrize("service", SERVICES)
def test_every_public_name_is_still_exported(service: str) -> None:
    where = {name: submodule for submodule, names in EXPORTS[service].items() for name in names}
    out = ok(
        f"""
        import importlib
        package = importlib.import_module("pulumi_agents.{service}")
        where = {where!r}
        assert sorted(package.__all__) == package.__all__ and set(where) <= set(package.__all__), package.__all__
        assert set(package.__all__) <= set(dir(package))
        for name, submodule in where.items():
            value = getattr(package, name)
            assert value is getattr(importlib.import_module(f"pulumi_agents.{service}.{{submodule}}"), name), name
        namespace = {{}}
        exec("from pulumi_agents.{service} import *", namespace)
        assert set(namespace) - {{"__builtins__"}} == set(package.__all__)
        try:
            package.NoSuchName
        except AttributeError as exc:
            assert "NoSuchName" in str(exc)
        else:
            raise AssertionError("NoSuchName was found")
        print("ok")
        """
    )
    assert out.strip() == "ok"


# -- 3. the command line and the emulator are extras ------------------------------------------------


def names(requirements: list[str]) -> set[str]:
    return {r.split(";")[0].split(">")[0].split("<")[0].split("~")[0].split("=")[0].strip() for r in requirements}


def test_a_pulumi_program_installs_only_the_core() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    # alibabacloud-credentials: Alibaba Cloud's default credential chain, which the provider itself
    # runs when no access key is configured (in a program's venv), imported only then (below).
    core = {"pulumi", "httpx", "deepdiff", "jsonschema", "referencing", "alibabacloud-credentials"}
    assert names(project["dependencies"]) == core
    extras = {extra: names(requirements) for extra, requirements in project["optional-dependencies"].items()}
    assert extras["cli"] == {"typer", "rich", "pyyaml"}
    assert extras["emulator"] == {
        "pulumi-agents[cli]",
        "fastapi",
        "uvicorn",
        "httptools",
        "cryptography",
        "python-multipart",
    }
    assert "pulumi-agents[emulator]" in extras["dev"]
    assert project["scripts"] == {
        "pulumi-agents": "pulumi_agents.__main__:main",
        **{f"pulumi-resource-{p}": f"pulumi_agents._plugin_main:{p}" for p in ("agentrun", "qoder", "aiae")},
    }


def test_the_credential_chain_loads_only_without_an_access_key() -> None:
    """Its import pulls aiohttp and requests (~0.3 s): a configured key never pays for it."""
    out = ok(
        """
        import sys
        from pulumi_agents.agentrun.client import Settings

        Settings.from_sources({"agentrun:accessKeyId": "a", "agentrun:accessKeySecret": "b"})
        print("alibabacloud_credentials" in sys.modules)
        """
    )
    assert out.strip() == "False"


# The modules that need an extra; everything else is the core.
NEED_AN_EXTRA = {
    "pulumi_agents.__main__",  # it runs the command line when run
    "pulumi_agents.cli",
    "pulumi_agents.aiae.cli",
    "pulumi_agents.emulator.app",
    "pulumi_agents.emulator.faults",
    "pulumi_agents.emulator.routing",
    *(f"pulumi_agents.{service}.emulator.routes" for service in SERVICES),
    "pulumi_agents.qoder.emulator.upload_routes",  # the routes of Qoder's uploads
    "pulumi_agents.qoder.emulator.run_routes",  # ... and of deployments' runs
}


def test_the_core_needs_no_extra() -> None:
    """Every module outside the command line and the emulator's server imports with no extra installed."""
    # Not yaml: the Pulumi SDK depends on pyyaml itself.
    blocked = ("typer", "rich", "click", *EMULATOR_MODULES, "starlette")
    out = ok(
        f"""
        import sys
        for blocked in {blocked!r}:
            sys.modules[blocked] = None
        import pkgutil
        import pulumi_agents
        imported = []
        for module in pkgutil.walk_packages(pulumi_agents.__path__, "pulumi_agents."):
            if module.name not in {sorted(NEED_AN_EXTRA)!r}:
                __import__(module.name)
                imported.append(module.name)
        print(" ".join(imported))
        """
    )
    imported = set(out.split())
    assert {
        "pulumi_agents.agentrun.resource",
        "pulumi_agents.qoder.emulator.state",
        "pulumi_agents.emulator.store",
    } <= (imported)


MAIN = """
import sys
for blocked in sys.argv[2:]:
    sys.modules[blocked] = None
sys.argv = ["pulumi-agents", *sys.argv[1].split()]
from pulumi_agents.__main__ import main
main()
"""


def assert_one_line(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [message]


@pytest.mark.parametrize("missing", CLI_MODULES)
def test_without_the_cli_extra_the_command_says_which_to_install(missing: str) -> None:
    assert_one_line(python(MAIN, "validate --type AgentRuntime x.yaml", missing), CLI_MESSAGE)


@pytest.mark.parametrize("missing", EMULATOR_MODULES)
def test_without_the_emulator_extra_the_emulator_says_which_to_install(missing: str) -> None:
    assert_one_line(python(MAIN, "emulator --port 1", missing), EMULATOR_MESSAGE)


def test_a_meta_path_finder_that_refuses_typer_gives_the_same_line() -> None:
    code = """
        import sys
        from importlib.abc import MetaPathFinder

        class NoTyper(MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "typer":
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, NoTyper())
        sys.argv = ["pulumi-agents", "--help"]
        from pulumi_agents.__main__ import main
        main()
        """
    assert_one_line(python(code), CLI_MESSAGE)


def test_with_the_extras_the_command_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_agents", "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    for command in ("emulator", "validate", "invoke"):
        assert command in result.stdout


def test_check_and_diff_load_no_http_client() -> None:
    """A no-change preview offline (the credentials check off) only checks and diffs: its provider
    host never needs httpx. (With the check on, its one read loads httpx: tests/test_credentials.py.)"""
    out = ok(
        """
        import os, sys
        os.environ["AGENTRUN_SKIP_CREDENTIALS_VALIDATION"] = os.environ["QODER_SKIP_CREDENTIALS_VALIDATION"] = "true"
        from pulumi_agents.agentrun import AgentRuntimeProvider
        from pulumi_agents.qoder import AgentProvider
        from tests.runtimes import code_runtime

        runtime = AgentRuntimeProvider().check({}, code_runtime())
        assert runtime.failures == [], runtime.failures
        assert not AgentRuntimeProvider().diff("ar-1", runtime.inputs, runtime.inputs).changes
        agent = AgentProvider().check({}, {"name": "a", "model": "ultimate", "instructions": "hi"})
        assert agent.failures == [], agent.failures
        assert not AgentProvider().diff("agent-1", agent.inputs, agent.inputs).changes
        print("httpx" in sys.modules)
        """
    )
    assert out.strip() == "False"


def test_an_unchanged_check_loads_no_validator() -> None:
    """A no-change preview checks inputs equal to those of the last check: nothing to validate
    (the credentials check off: the settings it reads are validated without jsonschema, but with no
    credentials it would stop at the missing token)."""
    out = ok(
        """
        import os, sys
        os.environ["AGENTRUN_SKIP_CREDENTIALS_VALIDATION"] = os.environ["QODER_SKIP_CREDENTIALS_VALIDATION"] = "true"
        from pulumi_agents.agentrun import AgentRuntimeProvider
        from pulumi_agents.qoder import AgentProvider
        from tests.runtimes import code_runtime

        runtime = code_runtime()
        assert AgentRuntimeProvider().check(runtime, dict(runtime)).failures == []
        agent = {"name": "a", "model": "ultimate", "instructions": "hi"}
        assert AgentProvider().check(agent, dict(agent)).failures == []
        print("jsonschema" in sys.modules)
        """
    )
    assert out.strip() == "False"


def test_a_provider_process_does_not_load_the_httpx_command_line() -> None:
    """httpx loads its command line (click, rich, pygments) when they are installed, as the cli
    extra installs them; the provider host skips it, and nothing else changes."""
    out = ok(
        """
        import sys
        import pulumi.dynamic
        from pulumi_agents.agentrun import AgentRuntimeProvider

        AgentRuntimeProvider().configure(pulumi.dynamic.ConfigureRequest(pulumi.Config("agentrun")))
        import pulumi_agents.agentrun.client
        import httpx
        print(*(m in sys.modules for m in ("httpx", "httpx._main", "click", "rich")))
        import httpx._main  # still there for whoever asks for it
        print("rich" in sys.modules)
        """
    )
    assert out.split() == ["True", "False", "False", "False", "True"]


def test_settings_that_are_strings_load_no_validator() -> None:
    """Credentials and addresses are strings that need no validator; a timeout given does."""
    out = ok(
        """
        import os, sys
        from pulumi_agents.agentrun import Settings
        for name in [n for n in os.environ if n.startswith(("ALIBABA_CLOUD_", "AGENTRUN_"))]:
            del os.environ[name]
        os.environ.update(ALIBABA_CLOUD_ACCESS_KEY_ID="id", ALIBABA_CLOUD_ACCESS_KEY_SECRET="secret")
        Settings.from_sources({"agentrun:endpoint": "http://127.0.0.1:1", "agentrun:region": "cn-shanghai"})
        print("jsonschema" in sys.modules)
        Settings.from_sources({"agentrun:httpTimeout": "5"})
        print("jsonschema" in sys.modules)
        """
    )
    assert out.split() == ["False", "True"]


# The start of a test program: the agentrun plugin served from a thread, its port read from its
# handshake on stdout.
SERVING = """
import io, queue, sys, threading
from pulumi_agents._plugin_main import main

lines = queue.Queue()

class Handshake(io.StringIO):
    def write(self, text):
        lines.put(text)
        return len(text)

real_stdout, sys.stdout = sys.stdout, Handshake()
threading.Thread(target=main, args=("agentrun",), daemon=True).start()
port = int(lines.get(timeout=60))
sys.stdout = real_stdout
"""


def test_a_plugin_serves_without_the_sdk_parts_it_never_uses() -> None:
    """The console script's module makes pulumi.automation, .dynamic and .policy load on first use:
    a plugin serves GetSchema, CheckConfig and Configure over gRPC without them, and a name read
    from one afterwards is there as ever."""
    out = ok(
        SERVING
        + textwrap.dedent(
            """
        import json, sys
        from pulumi_agents._plugin_main import UNUSED_BY_PLUGINS

        import grpc
        from google.protobuf import struct_pb2
        from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

        stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        schema = json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest()).schema)
        news = struct_pb2.Struct()
        news.update({"region": "cn-hangzhou"})
        urn = "urn:pulumi:dev::p::pulumi:providers:agentrun::default"
        checked = stub.CheckConfig(provider_pb2.CheckRequest(urn=urn, olds=struct_pb2.Struct(), news=news))
        stub.Configure(provider_pb2.ConfigureRequest(urn=urn, args=checked.inputs, acceptSecrets=True))
        print(schema["name"], len(checked.failures), *(type(sys.modules[n]).__name__ for n in UNUSED_BY_PLUGINS))
        print(any(m.startswith(tuple(n + "." for n in UNUSED_BY_PLUGINS)) for m in sys.modules), "dill" in sys.modules)

        import pulumi
        from pulumi.dynamic import ResourceProvider
        print(pulumi.automation.LocalWorkspace.__name__, ResourceProvider.__name__, "dill" in sys.modules)
        """
        )
    )
    assert out.splitlines() == [
        "agentrun 0 _Deferred _Deferred _Deferred",
        "False False",
        "LocalWorkspace ResourceProvider True",
    ]


def test_a_plugin_answers_the_engine_before_its_provider_has_loaded() -> None:
    """The engine starts the next plugin only once this one has answered Configure (and, at
    preview, CheckConfig and DiffConfig): the front answers them with the SDK's runtime and the
    provider still unloaded, and the settings of that Configure apply to the first call it hands
    on (here a Check whose credentials check they turn off; with no settings it would fail).
    The calls every resource makes are served without the SDK; the first Create loads it."""
    out = ok(
        SERVING
        + textwrap.dedent(
            """
        import sys

        import grpc
        from google.protobuf import empty_pb2, struct_pb2
        from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

        def struct(**values):
            made = struct_pb2.Struct()
            made.update(values)
            return made

        stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        urn = "urn:pulumi:dev::p::pulumi:providers:agentrun::default"
        try:
            stub.Handshake(provider_pb2.ProviderHandshakeRequest())
        except grpc.RpcError as exc:
            print(exc.code().name)
        version = stub.GetPluginInfo(empty_pb2.Empty()).version
        checked = stub.CheckConfig(provider_pb2.CheckRequest(urn=urn, news=struct(regoin="cn-hangzhou")))
        diffed = stub.DiffConfig(provider_pb2.DiffRequest(urn=urn, olds=struct(region="a"), news=struct(region="b")))
        print(type(sys.modules["pulumi"]).__name__, "pulumi_agents._plugin" in sys.modules)
        variables = {"agentrun:config:endpoint": "http://127.0.0.1:9", "agentrun:config:accessKeyId": "id",
                     "agentrun:config:accessKeySecret": "secret", "agentrun:config:skipCredentialsValidation": "true"}
        configured = stub.Configure(provider_pb2.ConfigureRequest(urn=urn, variables=variables, acceptSecrets=True))
        print(version, [f.reason for f in checked.failures], list(diffed.diffs), configured.acceptSecrets)

        runtime = struct(agentRuntimeName="bot", artifactType="Code", cpu=1, memory=2048, port=8080,
                         networkConfiguration={"networkMode": "PUBLIC"},
                         codeConfiguration={"language": "python3.12", "ossBucketName": "b", "ossObjectName": "a.zip"})
        rt = "urn:pulumi:dev::p::agentrun:index:AgentRuntime::bot"
        checked = stub.Check(provider_pb2.CheckRequest(urn=rt, olds=struct(), news=runtime))
        print([f.reason for f in checked.failures], checked.inputs["agentRuntimeName"])
        # Check, Diff and Read (every resource's) never load the SDK; a Create does.
        diffed = stub.Diff(provider_pb2.DiffRequest(urn=rt, id="ar-1", olds=checked.inputs, news=checked.inputs))
        print(provider_pb2.DiffResponse.DiffChanges.Name(diffed.changes), type(sys.modules["pulumi"]).__name__)
        made = stub.Create(provider_pb2.CreateRequest(urn=rt, properties=checked.inputs, preview=True))
        print(made.properties["agentRuntimeName"], type(sys.modules["pulumi"]).__name__)
        """
        )
    )
    from pulumi_agents import __version__

    assert out.splitlines() == [
        "UNIMPLEMENTED",
        "_Deferred False",
        f"{__version__} ['agentrun:regoin is not a setting of agentrun (did you mean agentrun:region?)']"
        " ['region'] True",
        "[] bot",
        "DIFF_NONE _Deferred",
        "bot module",
    ]



def test_a_plugin_stopped_by_the_engine_exits_quietly() -> None:
    """The engine stops a plugin with SIGINT: it stops serving and exits 0, with nothing on
    stderr (which the engine's log shows), not a traceback of the loop torn down under gRPC."""
    import signal

    script = Path(sys.executable).parent / "pulumi-resource-agentrun"
    plugin = subprocess.Popen([str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert int(plugin.stdout.readline()) > 0  # type: ignore[union-attr]
        plugin.send_signal(signal.SIGINT)
        _, err = plugin.communicate(timeout=30)
    finally:
        plugin.kill()
    assert (plugin.returncode, err) == (0, "")
