"""Helpers shared by the benchmark scripts: free ports, waiting for a
server, running wrk with its latency percentiles parsed, and rounds: every
server measured once per round, in a rotated order, with the median of
each figure reported (this machine's speed drifts by a fifth between
minutes, so one pass per server is not a fair comparison)."""

import re
import statistics
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port):
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.025)
    raise SystemExit(f"server on {port} did not start")


def wrk(url, connections, seconds, script=None, percents=("50", "90", "99")):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", script]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    result = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for percent in percents:
        match = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", out)
        result[f"p{percent}_ms"] = round(float(match.group(1)) * units[match.group(2)], 3) if match else None
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    return result


def rounds(names, measure, count):
    """Measures every name `count` times, rotating the order each round, and
    returns {name: {level: median figures, ...}} plus the raw rounds."""
    names = list(names)
    raw = {name: [] for name in names}
    for index in range(count):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            print(f"round {index + 1}/{count}: {name}", file=sys.stderr, flush=True)
            raw[name].append(measure(name))
    report = {}
    for name, runs in raw.items():
        report[name] = {}
        for level in runs[0]:
            figures = {}
            for key in runs[0][level]:
                values = [run[level][key] for run in runs if run[level][key] is not None]
                if key == "non_2xx":
                    figures[key] = sum(values)
                else:
                    figures[key] = round(statistics.median(values), 3) if values else None
            figures["requests_per_s_each_round"] = [run[level]["requests_per_s"] for run in runs]
            report[name][level] = figures
    return report
