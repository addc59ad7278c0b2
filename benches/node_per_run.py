#!/usr/bin/env python3
"""switchboard vs. a Node process per run, side by side on the same function.

Twenty's local driver starts `node` for every run of a logic function, imports
the function's esbuild bundle and calls its handler. This script builds the
example app with the real `twenty dev:build`, runs that bundle the same way
(a fresh `node` per run; no temp-dir copy or node_modules symlinks, so the
baseline is if anything flattered), then runs `switchboard bench` on the same
app and function, and prints both with their ratios.

Usage: benches/node_per_run.py [--runs N] [--iterations N] [--concurrency C]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join(ROOT, "examples", "hello-crm")
FUNCTION = "greet"
PAYLOAD = '{"name":"Ada"}'
CONTEXT = json.dumps({"workspaceId": "7c0a8f1e-5b2d-4e6a-9f3c-1d2e3f4a5b6c", "userWorkspaceId": None,
                      "workspaceMemberId": None, "retryCount": 0, "maxRetries": 0})
RUNNER = """
const [, , modulePath, payload, context] = process.argv;
const module = await import(modulePath);
const result = await module.default.config.handler(JSON.parse(payload), JSON.parse(context));
process.stdout.write(JSON.stringify({ ok: true, result }));
"""


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def build_bundle(work):
    peers = os.path.join(sh(os.path.join(ROOT, "scripts", "install-test-peers.sh")).stdout.strip(), "node_modules")
    app = os.path.join(work, "app")
    shutil.copytree(APP, app, ignore=shutil.ignore_patterns("node_modules", ".twenty"))
    os.symlink(peers, os.path.join(app, "node_modules"))
    sh("node", os.path.join(peers, "twenty-sdk", "dist", "cli.cjs"), "dev:build", ".", cwd=app)
    return os.path.join(app, ".twenty", "output", "src", "logic-functions", f"{FUNCTION}.mjs")


def node_per_run(bundle, runs, work):
    runner = os.path.join(work, "__runner.mjs")
    with open(runner, "w") as handle:
        handle.write(RUNNER)
    env = dict(os.environ, GREETING="Hello")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(["node", runner, bundle, PAYLOAD, CONTEXT], check=True, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - started)
        assert json.loads(out.stdout)["result"]["message"] == "Hello, Ada."
    # Peak RSS of one node run, measured apart from the timed runs.
    timed = subprocess.run(["/usr/bin/time", "-f", "%M", "node", runner, bundle, PAYLOAD, CONTEXT],
                           check=True, capture_output=True, text=True, env=env)
    rss_mb = int(timed.stderr.strip().splitlines()[-1]) / 1024
    return {"median_ms": statistics.median(times) * 1e3, "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))] * 1e3,
            "runs_per_s": 1 / statistics.median(times), "rss_mb_per_run": rss_mb}


def switchboard_bench(iterations, concurrency):
    target = os.environ.get("CARGO_TARGET_DIR", "/var/tmp/switchboard-target")
    binary = os.path.join(target, "release", "switchboard")
    if not os.path.exists(binary):
        sh("cargo", "build", "--release", cwd=ROOT, env=dict(os.environ, CARGO_TARGET_DIR=target))
    out = sh(binary, "bench", APP, FUNCTION, "--payload", PAYLOAD, "--iterations", str(iterations),
             "--concurrency", str(concurrency))
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30, help="node processes to start")
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        bundle = build_bundle(work)
        node = node_per_run(bundle, args.runs, work)
    sb = switchboard_bench(args.iterations, args.concurrency)
    report = {
        "function": FUNCTION,
        "node_per_run": {k: round(v, 2) for k, v in node.items()},
        "switchboard": sb,
        "ratios": {
            "latency_node_median_over_switchboard_warm_p50": round(node["median_ms"] * 1000 / sb["warm_p50_us"], 1),
            "throughput_switchboard_over_node": round(sb["throughput_per_s"] / node["runs_per_s"], 1),
            "memory_node_per_run_over_switchboard_per_runtime": round(node["rss_mb_per_run"] / sb["rss_mb_per_runtime"], 1),
        },
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
