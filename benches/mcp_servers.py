#!/usr/bin/env python3
"""MCP over Streamable HTTP: switchboard vs the official Python SDK server
(MCPServer, formerly FastMCP) vs the official TypeScript SDK server, side by
side, with the same load generator (wrk + benches/mcp/call.lua) and the same
trivial tool (`greet` returns "Hello, <name>!"), at 1 and 32 concurrent
connections. Every server runs stateless with JSON responses.

Every server is measured once per round (three by default, in rotated
order) and the median of each figure is reported.

Usage: benches/mcp_servers.py [--seconds N] [--rounds N]
Needs wrk (Debian package) and the peers from scripts/install-test-peers.sh.
"""

import argparse
import tempfile
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port, rounds, wait_for, wrk  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(ROOT, "benches", "mcp", "call.lua")






def call_once(port):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mcp",
        data=b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"Ada"}}}',
        headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                 "MCP-Protocol-Version": "2025-11-25"},
        method="POST",
    )
    body = urllib.request.urlopen(request, timeout=10).read().decode()
    if "Hello, Ada!" not in body:
        raise SystemExit(f"unexpected answer on {port}: {body}")






DATA_DIR = tempfile.mkdtemp(prefix="switchboard-bench-")
# The baseline build's own store, kept across rounds like the new build's.
BASE_DATA_DIR = tempfile.mkdtemp(prefix="switchboard-bench-base-")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", help="a baseline switchboard binary, measured in the same rounds")
    parser.add_argument("--switchboard-only", action="store_true", help="leave out the Python and TypeScript SDK servers")
    args = parser.parse_args()
    peers = subprocess.run([os.path.join(ROOT, "scripts", "install-test-peers.sh")], capture_output=True, text=True,
                           check=True).stdout.strip()
    target = os.environ.get("CARGO_TARGET_DIR", "/var/tmp/switchboard-target")
    binary = os.path.join(target, "release", "switchboard")
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=target))
    servers = {
        "switchboard": lambda port: subprocess.Popen(
            [binary, "serve", os.path.join(ROOT, "benches", "greeter"), "--listen", f"127.0.0.1:{port}"],
            env=dict(os.environ, SWITCHBOARD_MCP_STATELESS="1", SWITCHBOARD_DATA_DIR=DATA_DIR), stderr=subprocess.DEVNULL),
        "switchboard_history_off": lambda port: subprocess.Popen(
            [binary, "serve", os.path.join(ROOT, "benches", "greeter"), "--listen", f"127.0.0.1:{port}"],
            env=dict(os.environ, SWITCHBOARD_MCP_STATELESS="1", SWITCHBOARD_DATA_DIR=tempfile.mkdtemp(prefix="switchboard-bench-"),
                     SWITCHBOARD_RECORD_RUNS="off"), stderr=subprocess.DEVNULL),
        "python_sdk": lambda port: subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "benches", "mcp", "py_server.py"), str(port)],
            env=dict(os.environ, PYTHONPATH=os.path.join(peers, "python")), stderr=subprocess.DEVNULL),
        "typescript_sdk": lambda port: subprocess.Popen(
            ["node", os.path.join(ROOT, "benches", "mcp", "ts_server.mjs"), str(port)],
            cwd=os.path.join(peers, "mcp-js"), stderr=subprocess.DEVNULL),
    }
    # ts_server.mjs resolves the SDK from the peers folder's node_modules.
    subprocess.run(["cp", os.path.join(ROOT, "benches", "mcp", "ts_server.mjs"), os.path.join(peers, "mcp-js")], check=True)
    servers["typescript_sdk"] = lambda port: subprocess.Popen(
        ["node", "ts_server.mjs", str(port)], cwd=os.path.join(peers, "mcp-js"), stderr=subprocess.DEVNULL)

    if args.base:
        servers["switchboard_base"] = lambda port: subprocess.Popen(
            [args.base, "serve", os.path.join(ROOT, "benches", "greeter"), "--listen", f"127.0.0.1:{port}"],
            env=dict(os.environ, SWITCHBOARD_MCP_STATELESS="1", SWITCHBOARD_DATA_DIR=BASE_DATA_DIR),
            stderr=subprocess.DEVNULL)
    if args.switchboard_only:
        del servers["python_sdk"], servers["typescript_sdk"]

    def measure(name):
        port = free_port()
        process = servers[name](port)
        try:
            wait_for(port)
            call_once(port)
            url = f"http://127.0.0.1:{port}/mcp"
            wrk(url, 4, 2, LUA)  # warm-up
            return {"c1": wrk(url, 1, args.seconds, LUA), "c32": wrk(url, 32, args.seconds, LUA)}
        finally:
            process.kill()
            process.wait()

    report = rounds(servers, measure, args.rounds)
    sb = report["switchboard"]
    off = report["switchboard_history_off"]
    base_ratios = {
        f"{level}_over_base": round(sb[level]["requests_per_s"] / report["switchboard_base"][level]["requests_per_s"], 3)
        for level in ("c1", "c32")
    } if args.base else {}
    if args.switchboard_only:
        report["ratios"] = base_ratios
        json.dump(report, sys.stdout, indent=2)
        print()
        return
    report["ratios"] = {
        f"{level}_over_{other}": round(sb[level]["requests_per_s"] / report[other][level]["requests_per_s"], 1)
        for other in ("python_sdk", "typescript_sdk") for level in ("c1", "c32")
    }
    report["ratios"].update({
        f"{level}_history_off_over_{other}": round(off[level]["requests_per_s"] / report[other][level]["requests_per_s"], 1)
        for other in ("python_sdk", "typescript_sdk") for level in ("c1", "c32")
    })
    report["ratios"].update(base_ratios)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
