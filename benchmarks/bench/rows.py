"""The rows of the READY lag, of the 50-resource stacks and of `pulumi up`, and of the test suite."""

from __future__ import annotations

import random
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from functools import partial

from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, QODER_TOKEN
from tests.runtimes import code_runtime

from bench import ROOT
from bench.emulator import BenchState
from bench.measure import Log, interleaved, modelled_lag, ready_lag
from bench.report import Row, spread
from bench.stacks import NOIO_PROGRAM, Stack, command, program
from pulumi_agents import _wait
from pulumi_agents.agentrun import AgentRuntimeProvider

LONG_RANGES = ((30, 60), (60, 120), (120, 300), (300, 900))
MakeStack = Callable[..., Stack]  # (name, source, agents=True): a stack, cleaned up at the end


def keys(url: str) -> tuple[dict[str, str], dict[str, str]]:
    """The stack config of a stack of ours against the emulator at ``url``: plain, and secret."""
    config = {"agentrun:endpoint": url, "qoder:baseUrl": f"{url}/api/v1/cloud"}
    secret = {
        "agentrun:accessKeyId": ACCESS_KEY_ID,
        "agentrun:accessKeySecret": ACCESS_KEY_SECRET,
        "qoder:token": QODER_TOKEN,
    }
    return config, secret


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


def small_rows(stack: MakeStack, runs: int, log: Log) -> list[Row]:
    """Rows 3-4: a no-change preview and a refresh of 25 runtimes + 25 agents against 50 no-I/O."""
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
    return rows


def up_rows(stack: MakeStack, state: BenchState, runs: int, notes: list[str], log: Log) -> list[Row]:
    """Row 5: `pulumi up` of 20 runtimes in each front door, against the 4-worker ceiling."""
    rows = []
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


def pytest_row(environ: Mapping[str, str], log: Log) -> Row:
    """`./run test -q -p no:cacheprovider` (its set-up, then pytest with PULUMI_AGENTS_E2E=1 and the
    workers it picks); the figure is pytest's own time, from its summary line."""
    log("row 6: ./run test -q -p no:cacheprovider, one run")
    start = time.monotonic()
    done = command([str(ROOT / "run"), "test", "-q", "-p", "no:cacheprovider"], ROOT, environ, 3600)
    took = time.monotonic() - start
    summary = (done.stdout.strip().splitlines() or ["no output"])[-1]
    counts = ", ".join(" ".join(m) for m in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary))
    own = re.search(r" in ([\d.]+)s", summary)
    workers = re.search(r"running the tests \(pytest ([^)]*)\)", done.stderr)
    pytest_time = float(own.group(1)) if own else took
    measured = f"{pytest_time:.0f} s ({workers.group(1) if workers else 'no -n'}; {took:.0f} s with the set-up): "
    return Row("pytest part of ./run test (1 run)", measured + (counts or summary), "<= 60 s", pytest_time <= 60)
