#!/usr/bin/env python3
"""Many apps on one gateway: `switchboard serve` with 1 and with 50
generated apps (each a `greet<n>` function with a route `GET /s/app<n>/:name`
and a tool), default settings (MCP served without sessions, as plain JSON,
which wrk can drive), loaded with wrk round-robin and at random
over the apps, over HTTP routes and MCP `tools/call`, at 1 and 16
connections. For each it prints p50, p99 and requests/s, and from
`GET /api/pool` the gateway's RSS, threads and boots after warm-up and after
the measured calls (eight loads of 4 s each: well over 20,000 calls), with
the 50-app/1-app ratios.

    benches/many_apps.py [--apps 50] [--seconds 4] [--binary PATH]

Needs wrk (Debian package `wrk`)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port, wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(ROOT, "benches", "many_apps", "calls.lua")
KEY = "bench-key"


def write_app(folder, n):
    uid = lambda last: f"66666666-6666-4666-8666-{n:06d}{last:06d}"  # noqa: E731
    files = {
        "package.json": json.dumps({"name": f"app{n}", "version": "1.0.0", "private": True}),
        "src/app.ts": "import { defineApplication } from 'twenty-sdk/define';\n"
        f"export default defineApplication({{ universalIdentifier: '{uid(1)}', displayName: 'App {n}', defaultRoleUniversalIdentifier: '{uid(2)}' }});\n",
        "src/role.ts": "import { defineApplicationRole } from 'twenty-sdk/define';\n"
        f"export default defineApplicationRole({{ universalIdentifier: '{uid(2)}', label: 'Role' }});\n",
        "src/greet.ts": "import { defineLogicFunction } from 'twenty-sdk/define';\n"
        f"export default defineLogicFunction({{ universalIdentifier: '{uid(3)}', name: 'greet{n}', description: 'Greets someone',\n"
        f"  httpRouteTriggerSettings: {{ path: '/app{n}/:name', httpMethod: 'GET', isAuthRequired: false }},\n"
        "  toolTriggerSettings: { inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },\n"
        "  handler: (event) => ({ message: `Hello, ${event.name ?? event.pathParameters?.name}!` }) });\n",
    }
    for relative, text in files.items():
        path = os.path.join(folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)


def http(port, method, path, body=None, headers=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status, dict(answer.headers), answer.read().decode()


def pool(port, pid):
    """The gateway's RSS (MiB) and threads from /proc, with its pool
    counters from `GET /api/pool` when it has one (older builds do not)."""
    with open(f"/proc/{pid}/status") as handle:
        status = dict(line.split(":", 1) for line in handle if ":" in line)
    figures = {"rss_mib": int(status["VmRSS"].split()[0]) // 1024, "threads": int(status["Threads"])}
    try:
        counters = json.loads(http(port, "GET", "/api/pool", headers={"Authorization": f"Bearer {KEY}"})[2])
        figures.update(boots=counters["boots"], alive=counters["runtimes"]["alive"], evictions=counters["evictions"],
                       estimate_mib=counters["memory"]["estimateMiB"], runtime_mib=counters["memory"]["runtimeMiB"])
    except OSError:
        figures.update(boots="-", alive="-", evictions="-", estimate_mib="-", runtime_mib="-")
    return figures


def wrk(port, apps, kind, mode, connections, seconds):
    env = dict(os.environ, APPS=str(apps), KIND=kind, MODE=mode)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", LUA,
               "-H", f"Authorization: Bearer {KEY}", f"http://127.0.0.1:{port}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    import re
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    figures = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for percent in ("50", "99"):
        match = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", out)
        figures[f"p{percent}_ms"] = round(float(match.group(1)) * units[match.group(2)], 3)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["non_2xx"] = int(errors.group(1)) if errors else 0
    figures["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    return figures


def measure(binary, apps, seconds):
    folder = tempfile.mkdtemp(prefix=f"many-apps-{apps}-")
    roots = []
    for n in range(apps):
        root = os.path.join(folder, f"app{n}")
        write_app(root, n)
        roots.append(root)
    port = free_port()
    # Default settings, but for MCP without sessions (plain JSON answers),
    # which wrk can drive; routes are unaffected.
    env = dict(os.environ, SWITCHBOARD_API_KEYS=KEY, SWITCHBOARD_DATA_DIR=os.path.join(folder, "data"), SWITCHBOARD_MCP_STATELESS="1")
    server = subprocess.Popen([binary, "serve", *roots, "--listen", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        # Warm-up: every app once, then the heaviest loads (16 connections,
        # both kinds, both orders) until the pool stops growing, so each app
        # has the runtimes the measured loads will give it.
        for n in range(apps):
            http(port, "GET", f"/s/app{n}/Ada")
        warm_rss = None
        for _ in range(5):
            for kind in ("route", "mcp"):
                for mode in ("rr", "random"):
                    wrk(port, apps, kind, mode, 16, 2)
            before, warm_rss = warm_rss, pool(port, server.pid)
            # Warm once the pool stops growing (older builds say nothing).
            if before is not None and (warm_rss["boots"] == "-" or warm_rss["alive"] == before["alive"]):
                break
        warm = warm_rss
        loads = [(kind, mode, connections) for kind in ("route", "mcp") for mode in ("rr", "random") for connections in (1, 16)]
        results = {}
        for kind, mode, connections in loads:
            results[f"{kind} {mode} c{connections}"] = wrk(port, apps, kind, mode, connections, seconds)
        after = pool(port, server.pid)
        return results, warm, after
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=4, help="per load; the eight loads make well over 20,000 calls")
    parser.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "switchboard"))
    args = parser.parse_args()
    one = measure(args.binary, 1, args.seconds)
    many = measure(args.binary, args.apps, args.seconds)
    print(f"{'load':20} {'1 app p50':>10} {f'{args.apps} p50':>10} {'ratio':>6} {'1 app p99':>10} {f'{args.apps} p99':>10} {'1 app r/s':>10} {f'{args.apps} r/s':>10} {'non-2xx':>8}")
    for load in one[0]:
        a, b = one[0][load], many[0][load]
        ratio = b["p50_ms"] / a["p50_ms"] if a["p50_ms"] else float("nan")
        print(f"{load:20} {a['p50_ms']:>10.3f} {b['p50_ms']:>10.3f} {ratio:>6.2f} {a['p99_ms']:>10.3f} {b['p99_ms']:>10.3f} "
              f"{a['requests_per_s']:>10.0f} {b['requests_per_s']:>10.0f} {a['non_2xx'] + b['non_2xx']:>8}")
    print()
    print(f"{'gateway':12} {'RSS warm':>9} {'RSS after':>10} {'ratio':>6} {'threads warm':>13} {'after':>6} {'boots warm':>11} {'after':>6} {'alive':>6} {'evictions':>10}")
    for label, (_, warm, after) in (("1 app", one), (f"{args.apps} apps", many)):
        print(f"{label:12} {warm['rss_mib']:>8}M {after['rss_mib']:>9}M {after['rss_mib'] / warm['rss_mib']:>6.2f} {warm['threads']:>13} "
              f"{after['threads']:>6} {warm['boots']:>11} {after['boots']:>6} {after['alive']:>6} {after['evictions']:>10}")
    total = sum(result["requests"] for result in many[0].values())
    print(f"\n{args.apps} apps: {total} measured calls; pool memory estimate {many[2]['estimate_mib']} MiB "
          f"({many[2]['alive']} runtimes x {many[2]['runtime_mib']} MiB); RSS {many[2]['rss_mib']} MiB against {one[2]['rss_mib']} MiB for one app")


if __name__ == "__main__":
    main()
