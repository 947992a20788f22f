"""`pulumi up` of N runtimes with the dynamic resources and with the provider plugin, side by side.

Each run creates the runtimes of a fresh stack and destroys them again; the two modes alternate
(interleaved, so the shared machine's load falls on both alike) and every figure is the median
of the runs with its spread. Loopback only, bounded in count and time:

    .venv/bin/python benchmarks/parallel_create.py [--runtimes 20] [--runs 3] [--transition 1]

Needs the Pulumi CLI that ./run builds (.pulumi-cli/) and the package installed in .venv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, start_emulator  # noqa: E402

PROGRAM = """
import pulumi
from {module} import agentrun

for i in range({count}):
    agentrun.AgentRuntime(
        f"rt-{{i}}",
        agent_runtime_name=f"bench-{{i}}",
        artifact_type="Code",
        cpu=1,
        memory=2048,
        port=8080,
        code_configuration={{"language": "python3.12", "oss_bucket_name": "code", "oss_object_name": "a.zip"}},
        network_configuration={{"network_mode": "PUBLIC"}},
    )
"""


def stack(workdir: Path, module: str, count: int, endpoint: str) -> dict[str, str]:
    workdir.mkdir(parents=True)
    (workdir / "Pulumi.yaml").write_text(
        f"name: bench-{workdir.name}\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
    )
    (workdir / "__main__.py").write_text(PROGRAM.format(module=module, count=count))
    cli = next((ROOT / ".pulumi-cli").glob("v*/bin"))
    env = {
        **os.environ,
        "PATH": f"{cli}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PULUMI_HOME": str(workdir / "home"),
        "PULUMI_BACKEND_URL": f"file://{workdir / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "bench",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    (workdir / "state").mkdir()
    for args in (
        ["stack", "init", "bench"],
        ["config", "set", "agentrun:endpoint", endpoint],
        ["config", "set", "--secret", "agentrun:accessKeyId", ACCESS_KEY_ID],
        ["config", "set", "--secret", "agentrun:accessKeySecret", ACCESS_KEY_SECRET],
    ):
        pulumi(workdir, env, *args)
    return env


def pulumi(workdir: Path, env: dict[str, str], *args: str) -> float:
    start = time.monotonic()
    subprocess.run(
        ["pulumi", *args, "--non-interactive"], cwd=workdir, env=env, check=True, capture_output=True, timeout=900
    )
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtimes", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--transition", type=float, default=1.0, help="seconds a runtime takes to become READY")
    parser.add_argument("--parallel", type=int, default=0, help="pulumi up --parallel (0: the engine's default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        emulator = start_emulator(Path(tmp) / "emulator", transition=args.transition)
        try:
            modes = {"dynamic": "pulumi_agents", "plugin": "pulumi_agents.plugin"}
            envs = {
                mode: stack(Path(tmp) / mode, module, args.runtimes, emulator.url) for mode, module in modes.items()
            }
            times: dict[str, list[float]] = {mode: [] for mode in modes}
            for run in range(args.runs):
                for mode in modes if run % 2 == 0 else reversed(modes):  # interleaved, alternating order
                    workdir = Path(tmp) / mode
                    parallel = ["--parallel", str(args.parallel)] if args.parallel else []
                    times[mode].append(pulumi(workdir, envs[mode], "up", "--yes", "--skip-preview", *parallel))
                    pulumi(workdir, envs[mode], "destroy", "--yes", "--skip-preview")
        finally:
            emulator.process.terminate()
            emulator.process.wait(10)
    parallel = f"--parallel {args.parallel}" if args.parallel else "the engine's default --parallel"
    print(
        f"pulumi up of {args.runtimes} runtimes (READY after {args.transition:g} s, {parallel}), {args.runs} runs each:"
    )
    for mode, values in times.items():
        spread = f"{min(values):.1f}-{max(values):.1f}"
        print(f"  {mode:8} median {statistics.median(values):6.1f} s  (spread {spread} s)")
    ratio = statistics.median(times["dynamic"]) / statistics.median(times["plugin"])
    print(f"  the plugin is {ratio:.2f}x as fast")


if __name__ == "__main__":
    main()
