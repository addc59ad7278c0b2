#!/usr/bin/env python3
"""What Node compatibility costs: `switchboard bench` on the trivial `greet`
of benches/greeter with a baseline binary (before CommonJS and the Node
built-ins) and the current one, alternating, and on a function that imports
handlebars and renders a template (tests/fixtures/npm-packages, which the
baseline cannot load) with the current one. Prints the median of each
figure over the rounds and the current/baseline ratios.

    benches/node_compat.py --base OLD_BINARY [--new NEW_BINARY] [--rounds 5]

The handlebars app needs `$SWITCHBOARD_PEERS/npm-packages` from
scripts/install-test-peers.sh."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIGURES = ["boot_ms", "cold_ms", "warm_p50_us", "warm_p99_us", "throughput_per_s", "rss_mb_per_runtime"]


def bench(binary, app, function, payload, data):
    out = subprocess.run(
        [binary, "bench", app, function, "--payload", payload, "--iterations", "2000", "--data-dir", data],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out[out.index("{"):])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--new", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "switchboard"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    peers = os.environ.get("SWITCHBOARD_PEERS", "/var/tmp/switchboard-peers")
    scratch = tempfile.mkdtemp()
    try:
        render_app = os.path.join(scratch, "npm-packages")
        shutil.copytree(os.path.join(ROOT, "tests/fixtures/npm-packages"), render_app)
        shutil.copytree(os.path.join(peers, "npm-packages/node_modules"), os.path.join(render_app, "node_modules"))
        greeter = os.path.join(ROOT, "benches/greeter")
        runs = {"greet base": [], "greet new": [], "handlebars new": []}
        for round_index in range(args.rounds):
            order = [
                ("greet base", args.base, greeter, "greet", '{"name":"a"}'),
                ("greet new", args.new, greeter, "greet", '{"name":"a"}'),
                ("handlebars new", args.new, render_app, "render", '{"name":"grace"}'),
            ]
            order = order[round_index % 3:] + order[:round_index % 3]
            for label, binary, app, function, payload in order:
                result = bench(binary, app, function, payload, os.path.join(scratch, f"data-{label}-{round_index}"))
                runs[label].append(result)
                print(f"round {round_index + 1} {label}: " + ", ".join(f"{k}={result[k]}" for k in FIGURES), file=sys.stderr)
        medians = {label: {k: statistics.median(r[k] for r in results) for k in FIGURES} for label, results in runs.items()}
        print(f"{'figure':<20}" + "".join(f"{label:>16}" for label in medians) + f"{'greet new/base':>16}")
        for figure in FIGURES:
            base = medians["greet base"][figure]
            ratio = medians["greet new"][figure] / base if base else float("nan")
            print(f"{figure:<20}" + "".join(f"{medians[label][figure]:>16.2f}" for label in medians) + f"{ratio:>16.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
