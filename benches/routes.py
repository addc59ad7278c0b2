#!/usr/bin/env python3
"""HTTP route triggers: switchboard vs (a) the same handler in one Node http
server process (an in-process upper bound for a JavaScript route) and (b) a
Node process per request (Twenty's local driver model), side by side with
the same load generator (wrk) on GET /s/hello/Ada, at 1 and 32 connections.
switchboard runs twice: as shipped (every run recorded in the store before
it is answered) and with SWITCHBOARD_RECORD_RUNS=off.

Every server is measured once per round (three by default, in rotated
order) and the median of each figure is reported.

With --base BINARY an older switchboard build is measured in the same
rounds (as `switchboard_base`), with the new/base ratios; --switchboard-only
leaves the Node servers out.

Usage: benches/routes.py [--seconds N] [--rounds N] [--base BINARY] [--switchboard-only]   (needs wrk)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port, rounds, wait_for, wrk  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", help="a baseline switchboard binary, measured in the same rounds")
    parser.add_argument("--switchboard-only", action="store_true", help="leave out the Node servers")
    args = parser.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "/var/tmp/switchboard-target")
    binary = os.path.join(target, "release", "switchboard")
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=target))
    serve_with = lambda program: lambda port: [program, "serve", os.path.join(ROOT, "benches", "greeter"), "--listen", f"127.0.0.1:{port}"]
    serve = serve_with(binary)
    history_off = {"SWITCHBOARD_RECORD_RUNS": "off"}
    servers = {
        "switchboard": serve,
        "switchboard_history_off": serve,
        "node_in_process": lambda port: ["node", os.path.join(ROOT, "benches", "routes", "node_inprocess.mjs"), str(port)],
        "node_process_per_request": lambda port: ["node", os.path.join(ROOT, "benches", "routes", "node_per_request.mjs"), str(port)],
    }
    if args.switchboard_only:
        del servers["node_in_process"], servers["node_process_per_request"]
    if args.base:
        servers["switchboard_base"] = serve_with(args.base)

    def measure(name):
        command = servers[name]
        port = free_port()
        env = dict(os.environ, SWITCHBOARD_DATA_DIR=tempfile.mkdtemp(prefix="switchboard-bench-"))
        if name == "switchboard_history_off":
            env.update(history_off)
        process = subprocess.Popen(command(port), stderr=subprocess.DEVNULL, env=env)
        try:
            wait_for(port)
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/s/hello/Ada", timeout=10).read().decode()
            assert json.loads(body) == {"message": "Hello, Ada!"}, body
            seconds = args.seconds if name != "node_process_per_request" else max(4, args.seconds // 2)
            url = f"http://127.0.0.1:{port}/s/hello/Ada"
            wrk(url, 4, 2)
            return {"c1": wrk(url, 1, seconds, percents=("50", "99")), "c32": wrk(url, 32, seconds, percents=("50", "99"))}
        finally:
            process.kill()
            process.wait()

    report = rounds(servers, measure, args.rounds)
    sb = report["switchboard"]
    report["ratios"] = {}
    if args.base:
        report["ratios"].update({
            f"{level}_over_base": round(sb[level]["requests_per_s"] / report["switchboard_base"][level]["requests_per_s"], 3)
            for level in ("c1", "c32")
        })
    if args.switchboard_only:
        json.dump(report, sys.stdout, indent=2)
        print()
        return
    inproc, spawn = report["node_in_process"], report["node_process_per_request"]
    off = report["switchboard_history_off"]
    report["ratios"].update({
        f"{level}_over_node_in_process": round(sb[level]["requests_per_s"] / inproc[level]["requests_per_s"], 2)
        for level in ("c1", "c32")
    })
    report["ratios"].update({
        f"{level}_history_off_over_node_in_process": round(off[level]["requests_per_s"] / inproc[level]["requests_per_s"], 2)
        for level in ("c1", "c32")
    })
    report["ratios"].update({
        f"{level}_over_node_process_per_request": round(sb[level]["requests_per_s"] / max(spawn[level]["requests_per_s"], 0.01), 1)
        for level in ("c1", "c32")
    })
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
