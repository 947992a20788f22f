"""The stacks the rows measure: their programs (ours, and the no-I/O baselines), the `pulumi`
command run in its own session, the stacks' lean virtualenv, and what each provider process
reports of its own CPU time (``sitecustomize``, on the programs' PYTHONPATH)."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench import ROOT
from bench.measure import Sample

COMMAND_TIMEOUT = 900.0
CLI = next((ROOT / ".pulumi-cli").glob("v*/bin"), None)
Log = Callable[[str], None]

# The no-I/O baseline, a module on the programs' PYTHONPATH: dill pickles its provider by
# reference, as it does the package's own.
NOIO_MODULE = """import time, uuid
import pulumi.dynamic as dyn

class NoIOProvider(dyn.ResourceProvider):
    def create(self, props):
        time.sleep(float(props.get("sleep") or 0))
        return dyn.CreateResult(uuid.uuid4().hex, props)

    def diff(self, _id, _olds, _news):
        return dyn.DiffResult(changes=False)

class NoIO(dyn.Resource):
    def __init__(self, name, sleep):
        super().__init__(NoIOProvider(), name, {"sleep": sleep})
"""
NOIO_PROGRAM = "from benchnoio import NoIO\nfor i in range({count}):\n    NoIO(f'n-{{i}}', {sleep})\n"

# The no-I/O baseline with the SAME properties as a stack of ours: each resource registers the
# inputs one of ours has in its state, and its create answers the outputs that one has
# (benchsame.json, keyed by the inputs), so the engine moves as many properties for each side.
SAME_MODULE = """import hashlib, json, pathlib, uuid
import pulumi.dynamic as dyn

def key(props):
    def plain(v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v
    mine = {k: v for k, v in props.items() if k != "__provider"}
    return hashlib.sha256(json.dumps(plain(mine), sort_keys=True).encode()).hexdigest()

_outs = {}

def outputs(props):
    if not _outs:
        _outs.update(json.loads(pathlib.Path(__file__).with_name("benchsame.json").read_text())["outputs"])
    found = _outs.get(key(props))
    if found is None:
        raise KeyError(f"no outputs for the inputs {json.dumps(props, sort_keys=True)}")
    return found

class SameProvider(dyn.ResourceProvider):
    def create(self, props):
        return dyn.CreateResult(uuid.uuid4().hex, outputs(props))

    def diff(self, _id, _olds, _news):
        return dyn.DiffResult(changes=False)

class Same(dyn.Resource):
    def __init__(self, name, inputs):
        super().__init__(SameProvider(), name, inputs)
"""
SAME_PROGRAM = """import json, pathlib
import benchsame
for name, inputs in json.loads(pathlib.Path(benchsame.__file__).with_name("benchsame.json").read_text())["inputs"]:
    benchsame.Same(name, inputs)
"""

# Loaded by every Python process of the stacks (PYTHONPATH): a provider process (the dynamic
# provider host, a pulumi-resource-* plugin) writes its own CPU seconds to BENCH_CPU_DIR/<pid>
# every 0.1 s and at exit; with BENCH_PROFILE_DIR it also runs cProfile on every thread and
# writes <kind>-<pid>.prof at exit.
SITECUSTOMIZE = """import os, sys

def _kind():
    argv = list(getattr(sys, "orig_argv", sys.argv))
    if "pulumi.dynamic" in argv:
        return "dynamic"
    for arg in argv[:3]:
        if os.path.basename(arg).startswith("pulumi-resource-"):
            return os.path.basename(arg)
    return None

def _start(kind, cpu_dir, profile_dir):
    import atexit, threading, time
    # One writer at a time: at exit a plugin runs atexit while the loop below may be between
    # opening the .tmp file (emptying it) and writing it, then leaves at once (os._exit).
    lock = threading.Lock()
    def write():
        times = os.times()
        path = os.path.join(cpu_dir, str(os.getpid()))
        with lock:
            with open(path + ".tmp", "w") as f:
                f.write(f"{kind} {times.user} {times.system}\\n")
            os.replace(path + ".tmp", path)
    if cpu_dir:
        atexit.register(write)
        def loop():
            while True:
                time.sleep(0.1)
                write()
        threading.Thread(target=loop, daemon=True).start()
    if profile_dir:
        # CPU time of each thread (not wall: the waits on the network are not a cost here),
        # written every second too: the engine may kill a plugin before its atexit runs.
        import cProfile, pstats
        profiles = []
        def begin(*_):
            profiles.append(cProfile.Profile(time.thread_time))
            profiles[-1].enable()
        class Snapshot:  # what pstats takes, without disabling the profiler as create_stats does
            def __init__(self, profile):
                profile.snapshot_stats()
                self.stats = dict(profile.stats)
            def create_stats(self):
                pass
        def dump():
            taken = [t for t in map(Snapshot, list(profiles)) if t.stats]  # pstats refuses an empty one
            stats = pstats.Stats(*taken)
            path = os.path.join(profile_dir, f"{kind}-{os.getpid()}.prof")
            with lock:
                stats.dump_stats(path + ".tmp")
                os.replace(path + ".tmp", path)
        atexit.register(dump)
        def every_second():
            while True:
                time.sleep(1)
                try:
                    dump()
                except Exception:  # a profile changed while read: the next second's will do
                    pass
        threading.Thread(target=every_second, daemon=True).start()  # before the hook: not profiled
        begin()
        threading.setprofile(begin)
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # atexit runs, as on SIGINT

_k = _kind()
if _k and (os.environ.get("BENCH_CPU_DIR") or os.environ.get("BENCH_PROFILE_DIR")):
    _start(_k, os.environ.get("BENCH_CPU_DIR"), os.environ.get("BENCH_PROFILE_DIR"))
"""
RUNTIME = """    agentrun.AgentRuntime(f"rt-{{i}}", agent_runtime_name=f"{prefix}-{{i}}", artifact_type="Code", cpu=1,
        memory=2048, port=8080, network_configuration={{"network_mode": "PUBLIC"}},
        code_configuration={{"language": "python3.12", "oss_bucket_name": "code", "oss_object_name": "a.zip"}})
"""
AGENT = """    qoder.Agent(f"agent-{{i}}", name=f"{prefix}-agent-{{i}}", model="ultimate", on_delete="delete",
        instructions="You help with documentation.", metadata={{"team": "docs"}},
        tools=[{{"type": "agent_toolset_20260401", "enabled_tools": ["Bash", "Read"]}}])
"""


def program(module: str, count: int, prefix: str, *, agents: bool = False) -> str:
    body = (RUNTIME + (AGENT if agents else "")).format(prefix=prefix)
    return f"from {module} import agentrun{', qoder' if agents else ''}\nfor i in range({count}):\n{body}"


def write_lib(lib: Path) -> None:
    """The modules every stack's program and provider host find on PYTHONPATH."""
    lib.mkdir(exist_ok=True)
    (lib / "benchnoio.py").write_text(NOIO_MODULE)
    (lib / "benchsame.py").write_text(SAME_MODULE)
    (lib / "sitecustomize.py").write_text(SITECUSTOMIZE)


def _revealed(value: Any) -> Any:
    """A value of `pulumi stack export --show-secrets`, its secrets as plain values."""
    if isinstance(value, dict):
        if "4dabf18193072939515e22adb298388d" in value:
            return _revealed(json.loads(value.get("plaintext", "null")))
        return {k: _revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revealed(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def same_properties(lib: Path, exported: Mapping[str, Any]) -> int:
    """benchsame.json from a stack export: each dynamic resource's inputs (less ``__provider``,
    which the no-I/O side gets its own of) and, keyed by those, its outputs. Returns how many."""
    import hashlib

    inputs, outputs = [], {}
    for found in exported["deployment"]["resources"]:
        if "__provider" not in found.get("inputs", {}):
            continue
        ins = {k: v for k, v in _revealed(found["inputs"]).items() if k != "__provider"}
        outs = {k: v for k, v in _revealed(found.get("outputs", {})).items() if k != "__provider"}
        name = found["urn"].rsplit("::", 1)[1]
        inputs.append((name, ins))
        key = hashlib.sha256(json.dumps(_plain(ins), sort_keys=True).encode()).hexdigest()
        outputs[key] = outs
    (lib / "benchsame.json").write_text(json.dumps({"inputs": inputs, "outputs": outputs}))
    return len(inputs)


def command(args: list[str], cwd: Path, env: Mapping[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command in its own session; when interrupted (Ctrl-C, SIGTERM, a timeout) it gets one
    SIGINT, so that it cancels and stops its own children (Pulumi's plugins) as on Ctrl-C."""
    process = subprocess.Popen(args, cwd=cwd, env=dict(env), text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
    except BaseException:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        raise
    return subprocess.CompletedProcess(args, process.returncode, out, err)


class Stack:
    """A stack in ``tmp/name`` (file backend, passphrase secrets, PULUMI_HOME in ``tmp``), whose
    program runs in ``venv`` with ``tmp/lib`` on its PYTHONPATH."""

    def __init__(
        self,
        tmp: Path,
        name: str,
        source: str,
        config: Mapping[str, str],
        secret: Mapping[str, str],
        *,
        venv: Path,
        environ: Mapping[str, str],
    ) -> None:
        self.dir, self.deployed = tmp / name, False
        self.cpu_dir = tmp / "cpu" / name
        self.cpu_dir.mkdir(parents=True)
        self.dir.mkdir()
        (self.dir / "Pulumi.yaml").write_text(
            f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n"
        )
        (self.dir / "__main__.py").write_text(source)
        self.env = {
            **environ,
            # The CLI, and the venv's scripts: the engine finds the provider plugins on PATH.
            "PATH": os.pathsep.join([*([str(CLI)] if CLI else []), str(venv / "bin"), os.environ["PATH"]]),
            "PYTHONPATH": str(tmp / "lib"),
            "PULUMI_HOME": str(tmp / "home"),
            "PULUMI_BACKEND_URL": f"file://{tmp / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": "bench",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }
        self.run("stack", "init", "bench")
        if config or secret:  # in one `config set-all`, as tests/e2e/conftest.py's config_all does
            pairs = [("--plaintext", f"{k}={v}") for k, v in config.items()]
            pairs += [("--secret", f"{k}={v}") for k, v in secret.items()]
            self.run("config", "set-all", *(arg for pair in pairs for arg in pair))

    def _command(self, args: tuple[str, ...], timeout: float, env: Mapping[str, str] | None = None) -> str:
        done = command(["pulumi", *args, "--non-interactive"], self.dir, {**self.env, **(env or {})}, timeout)
        if done.returncode != 0:
            raise RuntimeError(
                f"pulumi {' '.join(args)} in {self.dir.name} failed:\n{done.stdout[-3000:]}{done.stderr}"
            )
        return done.stdout

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> float:
        start = time.monotonic()
        self._command(args, timeout)
        return time.monotonic() - start

    def sample(self, *args: str, env: Mapping[str, str] | None = None) -> Sample:
        """Run ``pulumi *args`` and measure it: its wall time, the CPU seconds of its provider
        processes (as each reports its own), of this process (the emulator's thread, nearly all),
        and of the rest of the command's process tree (the engine, the language host, the program)."""
        for old in self.cpu_dir.iterdir():
            old.unlink()
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        self._command(args, COMMAND_TIMEOUT, {**(env or {}), "BENCH_CPU_DIR": str(self.cpu_dir)})
        wall = time.monotonic() - start
        own2, children2 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        providers = 0.0
        for path in self.cpu_dir.iterdir():
            if not path.name.endswith(".tmp"):
                _kind, user, system = path.read_text().split()
                providers += float(user) + float(system)
        tree = (children2.ru_utime + children2.ru_stime) - (children.ru_utime + children.ru_stime)
        emulator = (own2.ru_utime + own2.ru_stime) - (own.ru_utime + own.ru_stime)
        return Sample(wall, providers, emulator, max(0.0, tree - providers))

    def export(self) -> dict[str, Any]:
        exported: dict[str, Any] = json.loads(self._command(("stack", "export", "--show-secrets"), 300))
        return exported

    def up(self, *extra: str) -> float:
        self.deployed = True
        return self.run("up", "--yes", "--skip-preview", *extra)

    def destroy(self, timeout: float = COMMAND_TIMEOUT) -> None:
        self.run("destroy", "--yes", "--skip-preview", timeout=timeout)
        self.deployed = False


def lean_venv(tmp: Path, environ: Mapping[str, str], notes: list[str], log: Log) -> Path:
    """A virtualenv with this clone installed as a user installs it (`pip install`, no extras), each
    dependency at the version .venv has, so that the two differ only in what is installed."""
    log("the stacks' virtualenv: pip install of this clone into a new one")
    start, venv = time.monotonic(), tmp / "venv"
    frozen = command([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], tmp, environ, 120).stdout
    (tmp / "constraints.txt").write_text(frozen)
    pip = [str(venv / "bin" / "pip"), "install", "-q", "-c", str(tmp / "constraints.txt"), str(ROOT)]
    for args in ([sys.executable, "-m", "venv", str(venv)], pip):
        done = command(args, tmp, environ, 900)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    listed = command([str(venv / "bin" / "pip"), "list", "--format=freeze"], tmp, environ, 120).stdout.split()
    notes.append(
        f"the stacks ran in a new virtualenv with `pip install` of this clone ({len(listed)} packages, "
        f"made in {time.monotonic() - start:.0f} s, untimed); --dev-venv runs them in .venv"
    )
    return venv
