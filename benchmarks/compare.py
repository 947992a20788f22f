"""The provider's performance goals, measured side by side against the emulator: one command.

    .venv/bin/python benchmarks/compare.py [--runs 3] [--quick] [--long] [--tests] [--seed N] [--dev-venv]
                                           [--rows lag,50,up,250] [--size 250] [--profile DIR]

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

`--rows` picks rows by group: lag (rows 1-2), 50 (3-4), up (5), 250 (6); all by default. The
parts live in benchmarks/bench/, by job: emulator, stacks, measure, rows, scale, report.

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
6. At platform scale (`--size`, 250 by default): a no-change `pulumi preview --expect-no-changes`
   (with the credentials check on, and off: AGENTRUN_/QODER_SKIP_CREDENTIALS_VALIDATION=true) and
   a `pulumi refresh --yes` of 125 runtimes + 125 agents, in the dynamic door and in the plugin
   door, against 250 no-I/O dynamic resources that register the inputs and answer the outputs
   that the dynamic stack's resources have in its state (the same properties, so that the ratio
   counts our cost, not the engine's per property); the three sides interleaved. Per row: each
   door's ratio to the no-I/O side, the plugin's to the dynamic door's, and the CPU seconds of
   each side's provider processes (each writes its own, os.times, to a file every 0.1 s and at
   exit: a `sitecustomize` on the programs' PYTHONPATH), of the emulator (this process) and of
   the rest of the command's process tree (the engine, the language host, the program).
   `--profile DIR` instead runs one refresh of each door's stack under cProfile (every thread of
   every provider process, the same `sitecustomize`) and prints each one's top entries.
7. `--tests`: the pytest part of `./run test` (it sets PULUMI_AGENTS_E2E=1, puts the CLI on PATH
   and picks pytest's workers): one run of `./run test -q -p no:cacheprovider`, pytest's own time.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.emulator import emulator
from bench.profile import profile_rows
from bench.report import Row, table
from bench.rows import keys, lag_rows, pytest_row, small_rows, up_rows
from bench.scale import scale_rows
from bench.stacks import Stack, lean_venv, write_lib
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET

GROUPS = ("lag", "50", "up", "250")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per row, 3 to 10 (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 run of each row, fewer samples: to try it out")
    parser.add_argument("--long", action="store_true", help="also measure T of 30-60 s for real (a minute more)")
    parser.add_argument("--tests", action="store_true", help="also time the pytest part of ./run test (long)")
    parser.add_argument("--seed", type=int, default=secrets.randbelow(10**6), help="seed of the random T")
    parser.add_argument("--dev-venv", action="store_true", help="run the stacks in .venv, not in a new lean one")
    parser.add_argument("--rows", default=",".join(GROUPS), help=f"the row groups to run (default {','.join(GROUPS)})")
    parser.add_argument("--size", type=int, default=250, help="resources of the rows at scale (default 250)")
    parser.add_argument("--profile", type=Path, help="profile a refresh at --size in each door into this dir")
    args = parser.parse_args()
    groups = set(args.rows.split(","))
    if not groups <= set(GROUPS):
        parser.error(f"--rows takes some of {','.join(GROUPS)}")
    if not args.quick and not 3 <= args.runs <= 10:
        parser.error("--runs must be from 3 to 10 (--quick for a single run)")
    if args.size < 2 or args.size % 2:
        parser.error("--size must be even: half runtimes, half agents")
    runs, creates, samples = (1, 12, 300) if args.quick else (args.runs, 24, 1000)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as on Ctrl-C
    # Run in the background (`cmd &`), this process starts with SIGINT ignored, and every command
    # would inherit that: the engine stops a language host with SIGINT, so each preview and up
    # then waited ~4.5 s for its kill, which no foreground run pays. Children get the default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:5.0f} s] {message}", file=sys.stderr, flush=True)

    environ = dict(os.environ)  # for the commands: this process's own provider calls go to the emulator
    os.environ.update(ALIBABA_CLOUD_ACCESS_KEY_ID=ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    os.environ.pop("ALIBABA_CLOUD_SECURITY_TOKEN", None)
    stacks: list[Stack] = []
    notes: list[str] = []
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp_name, emulator() as (url, state):
        tmp = Path(tmp_name)
        os.environ["AGENTRUN_ENDPOINT"] = url  # the in-process creates of rows 1 and 5
        write_lib(tmp / "lib")
        (tmp / "state").mkdir()
        config, secret = keys(url)
        venv = Path(sys.prefix)

        def stack(name: str, source: str, agents: bool = True) -> Stack:
            made = Stack(tmp, name, source, config if agents else {}, secret if agents else {},
                         venv=venv, environ=environ)  # fmt: skip
            stacks.append(made)
            return made

        try:
            # First: should pip fail, nothing has been measured in vain.
            if groups - {"lag"} or args.profile:
                if not args.dev_venv:
                    venv = lean_venv(tmp, environ, notes, log)
                else:
                    notes.append(f"the stacks ran in {venv} (--dev-venv)")
            if args.profile:
                profile_rows(stack, tmp / "lib", state, args.size, args.profile, log)
                return
            if "lag" in groups:
                rows += lag_rows(state, runs, creates, samples, args.seed, args.long, notes, log)
            if "50" in groups:
                rows += small_rows(stack, runs, log)
            if "up" in groups:
                rows += up_rows(stack, state, runs, notes, log)
            if "250" in groups:
                rows += scale_rows(stack, tmp / "lib", state, runs, args.size, notes, log)
        finally:
            for made in (s for s in stacks if s.deployed):
                try:
                    log(f"cleanup: destroying {made.dir.name}")
                    made.destroy(timeout=300)
                except Exception as exc:  # say so, and go on: the temp dir and the emulator go anyway
                    log(f"cleanup: {exc}")
    if args.tests:
        rows.append(pytest_row(environ, log))
    print("\n".join(["", table(rows), "", *notes, ""]))
    print(f"total wall time {time.monotonic() - started:.0f} s ({runs} run(s) per row but the last)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: the stacks were destroyed (unless the cleanup lines above say otherwise)")
