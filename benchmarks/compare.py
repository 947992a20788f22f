"""The provider's performance goals, measured side by side against the emulator: one command.

    .venv/bin/python benchmarks/compare.py [--runs 3] [--quick] [--long] [--tests] [--seed N] [--dev-venv]

Needs the package installed in .venv and the Pulumi CLI that ./run provides (.pulumi-cli/, else
`pulumi` on PATH). Loopback only: the emulator runs in this process (the app of `pulumi-agents
emulator`, served by uvicorn in a thread on a free 127.0.0.1 port, state in memory; its AgentRun
state is extended to take a T per create and to report the READY instant and every GET); the stacks
live in a temp dir (file backend, passphrase secrets, PULUMI_HOME there), and their programs and
provider hosts run in a virtualenv made there with `pip install` of this clone and nothing else,
at the versions .venv has: what a user's Pulumi project has (--dev-venv: in .venv instead, with
every development tool and vendor SDK, whose extra packages some imports then load too). Making it
is the only thing that needs more than loopback: pip, from its cache or PyPI. Every row but the last
is measured in --runs runs (at least 3; `--quick`: 1, for trying it out) and shown as the median
with its spread (min-max); where sides are compared they run interleaved, in alternating order,
so that a shared machine's load falls on all alike. Stacks are destroyed and the emulator stopped
at the end, on failure and on Ctrl-C or SIGTERM too (a running `pulumi` gets one SIGINT and
cancels as it does on Ctrl-C). Progress goes to stderr, the table to stdout.

Rows:

1. READY lag, T of 1-10 s: 24 creates per run (12 at a time) through the dynamic provider
   (AgentRuntimeProvider.create, in this process), each READY after its own random T, uniform
   in the range (seeded; the seed is printed, --seed repeats it). The lag is the instant create
   returned minus the emulator's exact READY instant (the `at` of the runtime's pending
   transition). Per run: the mean lag. Its sub-row: the GETs per second of each resource past
   the fast start (the polls after `_wait.FAST_START`), the highest of the run.
2. READY lag, T of 30-60 ... 300-900 s: COMPUTED, not measured: the provider's own
   `_wait.wait_for` runs on a virtual clock where every GET takes a latency drawn from the ones
   measured in row 1 (the service reads the state halfway through it) and create returns the
   measured median time after its last GET; 1000 random T per range and run. The same model on
   row 1's own T is printed next to row 1's measurement, to show how well it predicts.
   `--long` also measures T of 30-60 s for real (24 creates at once, one run, about a minute: the
   lag of one create is spread evenly over 0-1.5 s, so 6 left the mean of one run +-0.2 s).
3. No-change `pulumi preview --expect-no-changes` of 50 dynamic resources (25 agentrun.AgentRuntime
   + 25 qoder.Agent, created once by `pulumi up`) vs 50 no-I/O dynamic resources (a trivial
   provider, imported by its program as ours are: create returns an id, diff says no change):
   the ratio of the times, paired per run.
4. `pulumi refresh --yes` of the same two stacks: the ratio, paired per run.
5. `pulumi up --skip-preview --parallel 20` of 20 runtimes (T = 1 s) with the dynamic resources
   and with the provider plugin, as a % of the 4-worker ceiling. The dynamic provider host serves
   4 calls at once, so the best it can do is what it does for 20 resources whose create does
   nothing but take exactly d, where d is the median create of one runtime alone (5 creates in
   this emulator, in process). Ceiling time = the `pulumi up` of a stack of 20 no-I/O dynamic
   resources whose create sleeps d (interleaved with the other two, so it carries the engine's
   and the host's fixed costs of the moment); % of ceiling = ceiling time / time, paired per run.
   100% is a 4-worker host that adds nothing to d; the plugin runs calls side by side beyond 4,
   so it can pass 100%. Each stack is destroyed (untimed) after each up.
6. `--tests`: the pytest part of `./run test` (it sets PULUMI_AGENTS_E2E=1, puts the CLI on PATH
   and picks pytest's workers): one run of `./run test -q -p no:cacheprovider`, pytest's own time.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, QODER_TOKEN  # noqa: E402
from tests.runtimes import code_runtime  # noqa: E402

import pulumi_agents.agentrun.emulator.state as agentrun_state  # noqa: E402
from pulumi_agents import _wait  # noqa: E402
from pulumi_agents.agentrun import AgentRuntimeProvider  # noqa: E402
from pulumi_agents.agentrun.client import AgentRunClient  # noqa: E402
from pulumi_agents.emulator import EmulatorConfig, create_app  # noqa: E402
from pulumi_agents.emulator.store import Store  # noqa: E402

LONG_RANGES = ((30, 60), (60, 120), (120, 300), (300, 900))
COMMAND_TIMEOUT = 900.0
CLI = next((ROOT / ".pulumi-cli").glob("v*/bin"), None)
VENV = Path(sys.prefix)  # the stacks' virtualenv: main() makes a lean one unless --dev-venv
ENVIRON = dict(os.environ)  # for the commands: main() points this process's own provider calls at the emulator

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


# -- the emulator, in this process -----------------------------------------------------------------


class BenchState(agentrun_state.AgentRunState):
    """The emulator's AgentRun state, plus: a transition time per create (``planned``, by runtime
    name), each create's instant and exact READY instant, and every GET's arrival."""

    def __init__(self, store: Store, **options: Any) -> None:
        super().__init__(store, **options)
        self.planned: dict[str, float] = {}
        self.created: dict[str, tuple[str, float]] = {}  # runtime id -> (name, instant of the create)
        self.ready_at: dict[str, float] = {}
        self.gets: dict[str, list[float]] = defaultdict(list)

    def _begin(self, doc: dict[str, Any], operation: str, status: str, failure: str | None, ready: str) -> None:
        super()._begin(doc, operation, status, failure, ready)
        if operation == "create" and "agentRuntimeEndpointId" not in doc:
            now, seconds = self.clock(), self.planned.pop(doc["agentRuntimeName"], None)
            if seconds is not None:
                doc["_pending"]["at"] = now + seconds
            self.created[doc["agentRuntimeId"]] = (doc["agentRuntimeName"], now)
            self.ready_at[doc["agentRuntimeId"]] = doc["_pending"]["at"]

    def get(self, runtime_id: str, version: str | None = None) -> dict[str, Any]:
        self.gets[runtime_id].append(self.clock())
        return super().get(runtime_id, version)

    def most_in_flight(self, prefix: str, since: float) -> int:
        """The most creates of runtimes named ``prefix``... (made after ``since``) that were in
        flight at once: from the create to the GET that saw READY."""
        edges: list[tuple[float, int]] = []
        for runtime_id, (name, start) in list(self.created.items()):
            if name.startswith(prefix) and start >= since:
                seen = [t for t in self.gets[runtime_id] if t >= self.ready_at[runtime_id]]
                edges += [(start, 1), (min(seen, default=self.ready_at[runtime_id]), -1)]
        most = current = 0
        for _, step in sorted(edges):
            current += step
            most = max(most, current)
        return most


@contextmanager
def emulator() -> Iterator[tuple[str, BenchState]]:
    """The emulator's app, every service as `pulumi-agents emulator` serves it, with BenchState."""
    made: list[BenchState] = []

    def state(store: Store, **options: Any) -> BenchState:
        made.append(BenchState(store, **options))
        return made[-1]

    with mock.patch.object(agentrun_state, "AgentRunState", state):
        app = create_app(EmulatorConfig(transition_seconds=1.0))
    # Bound here, so that no other process can take the port meanwhile. IPPROTO_TCP, not the default
    # 0: asyncio sets TCP_NODELAY only on such sockets, and without it every answer waits 40 ms
    # for a delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", made[-1]
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


# -- rows 1 and 2: READY lag -----------------------------------------------------------------------


@dataclass
class LagRun:
    transitions: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    steady_rates: list[float] = field(default_factory=list)  # GET/s of each resource past the fast start
    get_latency: list[float] = field(default_factory=list)  # each GET as the client saw it
    tails: list[float] = field(default_factory=list)  # create's return minus the end of its last GET


def ready_lag(state: BenchState, creates: int, workers: int, span: tuple[float, float], rng: random.Random) -> LagRun:
    """``creates`` runtimes, ``workers`` at a time, each READY after a random T in ``span``."""
    run, provider, tag = LagRun(), AgentRuntimeProvider(), secrets.token_hex(3)
    planned = [rng.uniform(*span) for _ in range(creates)]  # drawn here: the threads take them in any order
    last_get_end: dict[str, float] = {}
    original = AgentRunClient.request

    def timed(client: AgentRunClient, op: Any, path: str, **kwargs: Any) -> dict[str, Any]:
        if op.action != "GetAgentRuntime":  # the life cycle's reads of a runtime, and nothing else
            return original(client, op, path, **kwargs)
        runtime_id = path.rsplit("/", 1)[1]
        start = time.time()
        try:
            return original(client, op, path, **kwargs)
        finally:
            last_get_end[runtime_id] = end = time.time()
            run.get_latency.append(end - start)

    def one(i: int) -> str:
        name = f"lag-{tag}-{i}"
        state.planned[name] = planned[i]
        result = provider.create(code_runtime(agentRuntimeName=name))
        returned, runtime_id = time.time(), str(result.id)
        run.transitions.append(planned[i])
        run.lags.append(returned - state.ready_at[runtime_id])
        run.tails.append(returned - last_get_end[runtime_id])
        steady = state.gets[runtime_id][len(_wait.FAST_START) :]
        if len(steady) >= 2:
            run.steady_rates.append((len(steady) - 1) / (steady[-1] - steady[0]))
        return runtime_id

    state.transition_seconds = 0.2  # for the deletes after the creates
    try:
        with mock.patch.object(AgentRunClient, "request", timed), ThreadPoolExecutor(workers) as pool:
            ids = list(pool.map(one, range(creates)))
            list(pool.map(lambda runtime_id: provider.delete(runtime_id, {}), ids))
    finally:
        state.transition_seconds = 1.0
    return run


def modelled_lag(transition: float, run: LagRun, rng: random.Random) -> float:
    """The lag of a create whose runtime is READY ``transition`` s after its wait began, by the
    provider's own ``wait_for`` on a virtual clock, each GET as slow as one measured in ``run``."""
    now = 0.0

    def fetch() -> bool:
        nonlocal now
        latency = rng.choice(run.get_latency)
        ready = now + latency / 2 >= transition  # the service reads the state halfway through
        now += latency
        return ready

    def sleep(seconds: float) -> None:
        nonlocal now
        now += seconds

    _wait.wait_for(fetch, bool, timeout=2 * transition + 60, what="the model", clock=lambda: now, sleep=sleep)
    return now + statistics.median(run.tails) - transition


# -- rows 3 to 5: Pulumi stacks --------------------------------------------------------------------


def command(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command in its own session; when interrupted (Ctrl-C, SIGTERM, a timeout) it gets one
    SIGINT, so that it cancels and stops its own children (Pulumi's plugins) as on Ctrl-C."""
    process = subprocess.Popen(args, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)  # fmt: skip
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
    def __init__(self, tmp: Path, name: str, source: str, config: dict[str, str], secret: dict[str, str]) -> None:
        self.dir, self.deployed = tmp / name, False
        self.dir.mkdir()
        (self.dir / "Pulumi.yaml").write_text(
            f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {VENV}\n"
        )
        (self.dir / "__main__.py").write_text(source)
        self.env = {
            **ENVIRON,
            # The CLI, and the venv's scripts: the engine finds the provider plugins on PATH.
            "PATH": os.pathsep.join([*([str(CLI)] if CLI else []), str(VENV / "bin"), os.environ["PATH"]]),
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

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> float:
        start = time.monotonic()
        done = command(["pulumi", *args, "--non-interactive"], self.dir, self.env, timeout)
        if done.returncode != 0:
            raise RuntimeError(
                f"pulumi {' '.join(args)} in {self.dir.name} failed:\n{done.stdout[-3000:]}{done.stderr}"
            )
        return time.monotonic() - start

    def up(self, *extra: str) -> float:
        self.deployed = True
        return self.run("up", "--yes", "--skip-preview", *extra)

    def destroy(self, timeout: float = COMMAND_TIMEOUT) -> None:
        self.run("destroy", "--yes", "--skip-preview", timeout=timeout)
        self.deployed = False


Log = Callable[[str], None]


def interleaved(runs: int, sides: dict[str, Callable[[], float]], log: Log) -> dict[str, list[float]]:
    """Every side once per run, in the order given, then reversed, then given, ..."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    for run in range(runs):
        for name in list(sides) if run % 2 == 0 else reversed(list(sides)):
            times[name].append(sides[name]())
            log(f"  run {run + 1}: {name} {times[name][-1]:.1f} s")
    return times


# -- the report ------------------------------------------------------------------------------------


def spread(values: Sequence[float], fmt: str = "{:.2f}", unit: str = " s") -> str:
    middle, low, high = (fmt.format(v) for v in (statistics.median(values), min(values), max(values)))
    return f"{middle}{unit} ({low}-{high})"


@dataclass
class Row:
    what: str
    measured: str
    goal: str
    met: bool


def table(rows: list[Row]) -> str:
    cells = [("what", "measured: median (min-max)", "goal", "")]
    cells += [(r.what, r.measured, r.goal, "met" if r.met else "NOT met") for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(4)).rstrip() for c in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def lag_rows(
    state: BenchState, runs: int, creates: int, samples: int, seed: int, long: bool, notes: list[str], log: Log
) -> list[Row]:
    rng = random.Random(seed)
    log(f"row 1: READY lag, T of 1-10 s: {creates} creates, 12 at a time, {runs} run(s), seed {seed}")
    lag_runs = []
    for run in range(runs):
        lag_runs.append(ready_lag(state, creates, 12, (1.0, 10.0), rng))
        log(f"  run {run + 1}: mean lag {statistics.mean(lag_runs[-1].lags):.3f} s")
    means = [statistics.mean(r.lags) for r in lag_runs]
    rates = [max(r.steady_rates) for r in lag_runs]
    rows = [
        Row("READY lag, T of 1-10 s (measured)", f"mean {spread(means)}", "mean <= 1.0 s",
            statistics.median(means) <= 1),
        Row("  GET/s per resource past the fast start, highest", spread(rates, "{:.3f}", "/s"),
            f"<= {1 / _wait.STEADY:.3f}/s (1 per {_wait.STEADY:g} s)", statistics.median(rates) <= 1 / _wait.STEADY),
    ]  # fmt: skip
    for low, high in LONG_RANGES:
        computed = [
            statistics.mean(modelled_lag(rng.uniform(low, high), r, rng) for _ in range(samples)) for r in lag_runs
        ]
        rows.append(Row(f"READY lag, T of {low}-{high} s (computed*)", f"mean {spread(computed)}", "mean <= 1.0 s",
                        statistics.median(computed) <= 1))  # fmt: skip
    if long:
        log("--long: READY lag, T of 30-60 s, 24 creates at once")
        lags = ready_lag(state, 24, 24, (30.0, 60.0), rng).lags
        rows.append(Row("READY lag, T of 30-60 s (measured, --long, 1 run of 24)",
                        f"mean {statistics.mean(lags):.2f} s ({min(lags):.2f}-{max(lags):.2f})", "mean <= 1.0 s",
                        statistics.mean(lags) <= 1))  # fmt: skip
    every, latency = [x for r in lag_runs for x in r.lags], sorted(x for r in lag_runs for x in r.get_latency)
    model = [statistics.mean(modelled_lag(t, r, rng) for t in r.transitions) for r in lag_runs]
    notes.append(
        f"row 1: {len(every)} creates, seed {seed}; lag max {max(every):.2f} s; the model of row 2 on the same T: "
        f"mean {spread(model)}; GET latency median {statistics.median(latency) * 1000:.0f} ms, p95 "
        f"{latency[int(0.95 * len(latency))] * 1000:.0f} ms; return after the last GET "
        f"{statistics.median([t for r in lag_runs for t in r.tails]) * 1000:.0f} ms\n"
        f"* computed from the poll schedule (pulumi_agents._wait.wait_for on a virtual clock) + the GET latencies "
        f"measured in row 1: {samples} random T per range and run"
    )
    return rows


def stack_rows(
    tmp: Path, url: str, state: BenchState, runs: int, stacks: list[Stack], notes: list[str], log: Log
) -> list[Row]:
    (tmp / "lib").mkdir()
    (tmp / "lib" / "benchnoio.py").write_text(NOIO_MODULE)
    (tmp / "state").mkdir()
    config = {"agentrun:endpoint": url, "qoder:baseUrl": f"{url}/api/v1/cloud"}
    keys = {
        "agentrun:accessKeyId": ACCESS_KEY_ID,
        "agentrun:accessKeySecret": ACCESS_KEY_SECRET,
        "qoder:token": QODER_TOKEN,
    }

    def stack(name: str, source: str, agents: bool = True) -> Stack:
        stacks.append(Stack(tmp, name, source, config if agents else {}, keys if agents else {}))
        return stacks[-1]

    log("rows 3-4: two stacks of 50 resources, created once")
    agents = stack("agents50", program("pulumi_agents", 25, "pv", agents=True))
    noio = stack("noio50", NOIO_PROGRAM.format(count=50, sleep=0.0), agents=False)
    agents.up()
    noio.up()
    rows = []
    for args, what, most in (
        (("preview", "--expect-no-changes"), "no-change `pulumi preview`", 1.2),
        (("refresh", "--yes"), "`pulumi refresh --yes`", 1.5),
    ):
        log(f"row: {what}")
        times = interleaved(runs, {"agents": partial(agents.run, *args), "no-I/O": partial(noio.run, *args)}, log)
        ratios = [a / b for a, b in zip(times["agents"], times["no-I/O"], strict=True)]
        measured = (
            f"{spread(ratios, unit='x')}: {spread(times['agents'], '{:.1f}')} vs {spread(times['no-I/O'], '{:.1f}')}"
        )
        rows.append(
            Row(f"{what}, 50 agents vs 50 no-I/O", measured, f"ratio <= {most}x", statistics.median(ratios) <= most)
        )
    agents.destroy()
    noio.destroy()

    log("row 5: d, the create of one runtime alone (T = 1 s), 5 times")
    provider, singles = AgentRuntimeProvider(), []
    for i in range(5):
        start = time.monotonic()
        created = provider.create(code_runtime(agentRuntimeName=f"single-{i}"))
        singles.append(time.monotonic() - start)
        provider.delete(str(created.id), {})
    d = statistics.median(singles)
    sides = {
        "dynamic": stack("dynamic20", program("pulumi_agents", 20, "dyn")),
        "plugin": stack("plugin20", program("pulumi_agents.plugin", 20, "plg")),
        "ceiling": stack("ceiling20", NOIO_PROGRAM.format(count=20, sleep=round(d, 3)), agents=False),
    }
    prefixes, in_flight = {"dynamic": "dyn-", "plugin": "plg-", "ceiling": "-"}, defaultdict[str, int](int)

    def up_and_down(side: str) -> float:
        since = time.time()
        took = sides[side].up("--parallel", "20")
        in_flight[side] = max(in_flight[side], state.most_in_flight(prefixes[side], since))
        sides[side].destroy()
        return took

    times = interleaved(runs, {side: partial(up_and_down, side) for side in sides}, log)
    for side, goal in (("dynamic", ">= 95%"), ("plugin", "> 100%")):
        pct = [100 * c / t for c, t in zip(times["ceiling"], times[side], strict=True)]
        met = statistics.median(pct) >= 95 if side == "dynamic" else statistics.median(pct) > 100
        measured = f"{spread(pct, '{:.1f}', '%')}: {spread(times[side], '{:.1f}')}"
        rows.append(Row(f"`pulumi up` of 20 runtimes, T=1 s, {side}: % of 4-worker ceiling", measured, goal, met))
    notes.append(
        f"row 5: d = {d:.2f} s (median of 5 creates of one runtime alone, {min(singles):.2f}-{max(singles):.2f}); "
        f"ceiling time = `pulumi up` of 20 no-I/O dynamic resources whose create sleeps d, which the dynamic "
        f"provider host runs 4 at a time: {spread(times['ceiling'], '{:.1f}')}; % = ceiling time / time, paired per "
        f"run; every up with --skip-preview --parallel 20; most creates in flight at once: dynamic "
        f"{in_flight['dynamic']}, plugin {in_flight['plugin']}"
    )
    return rows


def lean_venv(tmp: Path, notes: list[str], log: Log) -> Path:
    """A virtualenv with this clone installed as a user installs it (`pip install`, no extras), each
    dependency at the version .venv has, so that the two differ only in what is installed."""
    log("the stacks' virtualenv: pip install of this clone into a new one")
    start, venv = time.monotonic(), tmp / "venv"
    frozen = command([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], tmp, ENVIRON, 120).stdout
    (tmp / "constraints.txt").write_text(frozen)
    pip = [str(venv / "bin" / "pip"), "install", "-q", "-c", str(tmp / "constraints.txt"), str(ROOT)]
    for args in ([sys.executable, "-m", "venv", str(venv)], pip):
        done = command(args, tmp, ENVIRON, 900)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    listed = command([str(venv / "bin" / "pip"), "list", "--format=freeze"], tmp, ENVIRON, 120).stdout.split()
    notes.append(
        f"rows 3-5: the stacks ran in a new virtualenv with `pip install` of this clone ({len(listed)} packages, "
        f"made in {time.monotonic() - start:.0f} s, untimed); --dev-venv runs them in .venv"
    )
    return venv


def pytest_row(log: Log) -> Row:
    """`./run test -q -p no:cacheprovider` (its set-up, then pytest with PULUMI_AGENTS_E2E=1 and the
    workers it picks); the figure is pytest's own time, from its summary line."""
    log("row 6: ./run test -q -p no:cacheprovider, one run")
    start = time.monotonic()
    done = command([str(ROOT / "run"), "test", "-q", "-p", "no:cacheprovider"], ROOT, ENVIRON, 3600)
    took = time.monotonic() - start
    summary = (done.stdout.strip().splitlines() or ["no output"])[-1]
    counts = ", ".join(" ".join(m) for m in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary))
    own = re.search(r" in ([\d.]+)s", summary)
    workers = re.search(r"running the tests \(pytest ([^)]*)\)", done.stderr)
    pytest_time = float(own.group(1)) if own else took
    measured = f"{pytest_time:.0f} s ({workers.group(1) if workers else 'no -n'}; {took:.0f} s with the set-up): "
    return Row("pytest part of ./run test (1 run)", measured + (counts or summary), "<= 60 s", pytest_time <= 60)


def main() -> None:
    global VENV
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per row, 3 to 10 (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 run of each row, fewer samples: to try it out")
    parser.add_argument("--long", action="store_true", help="also measure T of 30-60 s for real (a minute more)")
    parser.add_argument("--tests", action="store_true", help="also time the pytest part of ./run test (long)")
    parser.add_argument("--seed", type=int, default=secrets.randbelow(10**6), help="seed of the random T")
    parser.add_argument("--dev-venv", action="store_true", help="run the stacks in .venv, not in a new lean one")
    args = parser.parse_args()
    if not args.quick and not 3 <= args.runs <= 10:
        parser.error("--runs must be from 3 to 10 (--quick for a single run)")
    runs, creates, samples = (1, 12, 300) if args.quick else (args.runs, 24, 1000)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as on Ctrl-C
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:5.0f} s] {message}", file=sys.stderr, flush=True)

    os.environ.update(ALIBABA_CLOUD_ACCESS_KEY_ID=ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    os.environ.pop("ALIBABA_CLOUD_SECURITY_TOKEN", None)
    stacks: list[Stack] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp, emulator() as (url, state):
        os.environ["AGENTRUN_ENDPOINT"] = url  # the in-process creates of rows 1 and 5
        try:
            # First: should pip fail, nothing has been measured in vain.
            if not args.dev_venv:
                VENV = lean_venv(Path(tmp), notes, log)
            else:
                notes.append(f"rows 3-5: the stacks ran in {VENV} (--dev-venv)")
            rows = lag_rows(state, runs, creates, samples, args.seed, args.long, notes, log)
            rows += stack_rows(Path(tmp), url, state, runs, stacks, notes, log)
        finally:
            for stack in (s for s in stacks if s.deployed):
                try:
                    log(f"cleanup: destroying {stack.dir.name}")
                    stack.destroy(timeout=300)
                except Exception as exc:  # say so, and go on: the temp dir and the emulator go anyway
                    log(f"cleanup: {exc}")
    if args.tests:
        rows.append(pytest_row(log))
    print("\n".join(["", table(rows), "", *notes, ""]))
    print(f"total wall time {time.monotonic() - started:.0f} s ({runs} run(s) per row but the last)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: the stacks were destroyed (unless the cleanup lines above say otherwise)")
