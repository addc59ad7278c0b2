#!/usr/bin/env bash
# Runs switchboard on real Twenty apps, as a new user would, and prints one
# table row per app:
#   check      `switchboard check` accepts the app
#   manifest   `switchboard manifest` against the manifest Twenty's own
#              `twenty dev:build` wrote (DIR/golden/<app>.manifest.json);
#              the build checksums of esbuild's output cannot match and are
#              left out of the comparison
#   functions  the calls listed in tests/real-apps/<app>.json, each run with
#              `switchboard run`, that ended as expected
#   hooks      for an app with install hooks: a first `switchboard serve`
#              ran them (pre, then post) and recorded them, and a second
#              serve of the same version ran none
#
#   scripts/real-apps.sh [DIR]      DIR defaults to ../shared/real-apps
#
# Each app is copied to a scratch folder, its FIX-2.43.patch applied if it
# has one, and given a real node_modules as `yarn install` leaves it:
# twenty-sdk@2.43.0, twenty-client-sdk@2.43.0 and the app's own
# dependencies, installed once per package.json into
# $SWITCHBOARD_REAL_APPS_CACHE (default /var/tmp/switchboard-peers/real-apps)
# with install scripts off (puppeteer's would download a browser).
# The binary is $SWITCHBOARD_BIN, or the release build (built if missing).
# Exit status 1 if any app fails any column.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(cd "${1:-$ROOT/../shared/real-apps}" && pwd)"
CACHE="${SWITCHBOARD_REAL_APPS_CACHE:-/var/tmp/switchboard-peers/real-apps}"
if [ -z "${SWITCHBOARD_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
  SWITCHBOARD_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/switchboard"
fi
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$CACHE"

# The app's package.json with the SDK pinned to the version the goldens
# were built with.
pinned_package() {
  python3 - "$1" <<'EOF'
import json, sys
package = json.load(open(sys.argv[1]))
for section in ("dependencies", "devDependencies"):
    for name in ("twenty-sdk", "twenty-client-sdk"):
        if name in (package.get(section) or {}):
            package[section][name] = "2.43.0"
package.setdefault("devDependencies", {}).setdefault("twenty-sdk", "2.43.0")
package["devDependencies"].setdefault("twenty-client-sdk", "2.43.0")
print(json.dumps(package, indent=2))
EOF
}

# node_modules for an app, installed once per pinned package.json.
install_deps() { # app_dir -> prints the folder holding node_modules
  local app="$1" name key folder
  name="$(basename "$app")"
  key="$(pinned_package "$app/package.json" | md5sum | cut -c1-12)"
  folder="$CACHE/$name-$key"
  if [ ! -f "$folder/.installed" ]; then
    echo "installing the npm dependencies of $name into $folder (once)" >&2
    rm -rf "$folder"
    mkdir -p "$folder"
    pinned_package "$app/package.json" > "$folder/package.json"
    npm install --prefix "$folder" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
    touch "$folder/.installed"
  fi
  echo "$folder"
}

# Differences between our manifest and the golden one, one per line.
compare_manifests() { # ours golden
  python3 - "$1" "$2" <<'EOF'
import json, sys
BUILD_CHECKSUMS = {"builtHandlerChecksum", "builtComponentChecksum"}
def walk(path, ours, golden, out):
    if isinstance(ours, dict) and isinstance(golden, dict):
        for key in sorted(set(ours) | set(golden)):
            if key in BUILD_CHECKSUMS:
                continue
            walk(f"{path}.{key}", ours.get(key, "<missing>"), golden.get(key, "<missing>"), out)
    elif isinstance(ours, list) and isinstance(golden, list):
        keyed = all(isinstance(item, dict) and "universalIdentifier" in item for item in ours + golden)
        if keyed:
            mine = {item["universalIdentifier"]: item for item in ours}
            theirs = {item["universalIdentifier"]: item for item in golden}
            for key in sorted(set(mine) | set(theirs)):
                walk(f"{path}[{key}]", mine.get(key, "<missing>"), theirs.get(key, "<missing>"), out)
        elif len(ours) != len(golden):
            out.append(f"{path}: {len(ours)} items, golden {len(golden)}")
        else:
            for index, (a, b) in enumerate(zip(ours, golden)):
                walk(f"{path}[{index}]", a, b, out)
    elif ours != golden:
        out.append(f"{path}: ours {json.dumps(ours)[:120]} | golden {json.dumps(golden)[:120]}")
ours = json.load(open(sys.argv[1]))
golden = json.load(open(sys.argv[2]))
out = []
walk("", ours, golden, out)
print("\n".join(out))
EOF
}

# Runs the calls of tests/real-apps/<app>.json; prints "passed total" and
# writes details to stderr.
run_functions() { # app_dir spec
  python3 - "$SWITCHBOARD_BIN" "$1" "$2" "$SCRATCH/$(basename "$1").data" <<'EOF'
import json, subprocess, sys
binary, app, spec_path, data = sys.argv[1:5]
spec = json.load(open(spec_path))
passed = 0
for call in spec["calls"]:
    args = [binary, "run", app, call["function"], "--data-dir", data, "--payload", json.dumps(call.get("payload", {}))]
    for name, value in call.get("vars", {}).items():
        args += ["--var", f"{name}={value}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    try:
        result = json.loads(done.stdout)
    except ValueError:
        result = {"status": "NO-JSON", "stdout": done.stdout[-300:], "stderr": done.stderr[-300:]}
    status = result.get("status")
    ok = status == call.get("status", "SUCCESS")
    expect = call.get("dataContains")
    if ok and expect is not None:
        ok = expect in json.dumps(result.get("data"), ensure_ascii=False) or expect in json.dumps(result.get("error"), ensure_ascii=False)
    passed += ok
    detail = result.get("error", {}).get("errorMessage") if isinstance(result.get("error"), dict) else None
    print(f"  {'ok ' if ok else 'BAD'} {call['function']}: {status}" + (f" ({detail[:200]})" if detail else ""), file=sys.stderr)
print(passed, len(spec["calls"]))
EOF
}

# Serves the app twice on a fresh store; prints what the install hooks did.
check_hooks() { # app_dir
  python3 - "$SWITCHBOARD_BIN" "$1" "$SCRATCH/$(basename "$1").hooks-data" <<'EOF'
import json, socket, subprocess, sys, time
binary, app, data = sys.argv[1:4]
manifest = json.loads(subprocess.run([binary, "manifest", app], capture_output=True, text=True, check=True).stdout)
expected = [key for key in ("preInstallLogicFunction", "postInstallLogicFunction") if key in manifest["application"]]
if not expected:
    print("-")
    sys.exit(0)
def serve():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([binary, "serve", app, "--listen", f"127.0.0.1:{port}", "--data-dir", data], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if server.poll() is not None:
                print("serve failed: " + server.stderr.read()[-300:], file=sys.stderr)
                print("fail")
                sys.exit(0)
            time.sleep(0.05)
    server.terminate()
    server.wait(timeout=30)
def hook_runs():
    listed = json.loads(subprocess.run([binary, "runs", "--json", "--limit", "100", "--data-dir", data], capture_output=True, text=True, check=True).stdout)
    return [run["detail"]["hook"] for run in reversed(listed["runs"]) if isinstance(run.get("detail"), dict) and "hook" in run["detail"] and run["status"] == "SUCCESS"]
serve()
first = hook_runs()
serve()
second = hook_runs()
ok = first == expected and second == first
print(f"  hooks: first serve ran {', '.join(first) or 'none'}; a second serve of the same version ran {len(second) - len(first)}", file=sys.stderr)
print("ok" if ok else "fail")
EOF
}

printf '%-22s %-6s %-22s %-10s %-6s %s\n' app check manifest functions hooks seconds
failed=0
for app in "$DIR"/*/; do
  app="${app%/}"
  name="$(basename "$app")"
  [ -f "$app/package.json" ] || continue
  started=$(date +%s)
  deps="$(install_deps "$app")"
  work="$SCRATCH/$name"
  cp -a "$app" "$work"
  if [ -f "$work/FIX-2.43.patch" ]; then (cd "$work" && patch -p1 -s < FIX-2.43.patch); fi
  cp -al "$deps/node_modules" "$work/node_modules" 2>/dev/null || cp -a "$deps/node_modules" "$work/node_modules"
  check=fail
  if "$SWITCHBOARD_BIN" check "$work" > "$SCRATCH/$name.check" 2>&1; then check=ok; fi
  manifest="no golden"
  if [ -f "$DIR/golden/$name.manifest.json" ]; then
    if "$SWITCHBOARD_BIN" manifest "$work" > "$SCRATCH/$name.manifest.json" 2> "$SCRATCH/$name.manifest.err"; then
      compare_manifests "$SCRATCH/$name.manifest.json" "$DIR/golden/$name.manifest.json" > "$SCRATCH/$name.diff"
      differences=$(grep -c . "$SCRATCH/$name.diff" || true)
      if [ "$differences" = 0 ]; then manifest="equal"; else manifest="$differences differences"; fi
    else
      manifest="not built"
    fi
  fi
  functions="-"
  spec="$ROOT/tests/real-apps/$name.json"
  if [ -f "$spec" ] && [ "$check" = ok ]; then
    read -r passed total < <(run_functions "$work" "$spec" 2> "$SCRATCH/$name.runs")
    functions="$passed/$total"
    [ "$passed" = "$total" ] || failed=1
  elif [ -f "$spec" ]; then
    functions="0/?"
  fi
  hooks="-"
  if [ "$check" = ok ]; then
    hooks="$(check_hooks "$work" 2>> "$SCRATCH/$name.runs")"
    [ "$hooks" != fail ] || failed=1
  fi
  printf '%-22s %-6s %-22s %-10s %-6s %s\n' "$name" "$check" "$manifest" "$functions" "$hooks" "$(( $(date +%s) - started ))"
  if [ "$check" != ok ]; then
    failed=1
    grep -v '^warning' "$SCRATCH/$name.check" | head -20 | sed 's/^/    /' || true
  elif [ "$manifest" != equal ] && [ "$manifest" != "no golden" ]; then
    failed=1
    cat "$SCRATCH/$name.diff" "$SCRATCH/$name.manifest.err" 2>/dev/null | grep -v '^warning' | head -20 | sed 's/^/    /' || true
  fi
  if [ -s "$SCRATCH/$name.runs" ]; then sed 's/^/  /' "$SCRATCH/$name.runs"; fi
done
exit "$failed"
