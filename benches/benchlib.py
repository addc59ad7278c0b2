"""Helpers shared by the benchmark scripts: free ports, waiting for a
server, and running wrk with its latency percentiles parsed."""

import re
import socket
import subprocess
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
