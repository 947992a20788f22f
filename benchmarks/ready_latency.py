"""How long after a runtime becomes READY does AgentRuntimeProvider.create return?

Runs the emulator with several transition delays and reports, per delay, the lag between the
moment READY took effect and the moment create() returned (min/median/max over repetitions).
Loopback only, bounded: `python benchmarks/ready_latency.py [--reps 3] [--delays 1,2,5,15]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_agents.agentrun import AgentRuntimeProvider  # noqa: E402
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, start_emulator  # noqa: E402
from tests.runtimes import code_runtime  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--delays", default="1,2,5,15")
    args = parser.parse_args()
    os.environ.update(ALIBABA_CLOUD_ACCESS_KEY_ID=ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    provider = AgentRuntimeProvider()
    print(f"{'transition':>10}  {'lag min':>8}  {'median':>8}  {'max':>8}")
    for delay in (float(d) for d in args.delays.split(",")):
        with tempfile.TemporaryDirectory() as data:
            emulator = start_emulator(Path(data), transition=delay)
            os.environ["AGENTRUN_ENDPOINT"] = emulator.url
            lags = []
            try:
                for rep in range(args.reps):
                    start = time.monotonic()
                    result = provider.create(code_runtime(agentRuntimeName=f"bench-{rep}"))
                    lags.append(time.monotonic() - start - delay)
                    provider.delete(result.id, result.outs)
            finally:
                emulator.process.terminate()
                emulator.process.wait(10)
        print(f"{delay:>9.0f}s  {min(lags):>7.2f}s  {statistics.median(lags):>7.2f}s  {max(lags):>7.2f}s")


if __name__ == "__main__":
    main()
