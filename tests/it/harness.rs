//! Helpers: run the binary with a hard stop, locate fixtures, write
//! throw-away apps.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

pub(crate) fn example() -> PathBuf {
    repo().join("examples/hello-crm")
}

/// Output of one CLI call.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// Runs the binary; a call still running after `limit` is killed and fails
/// the test (a guard against hangs, not a timing assertion).
pub(crate) fn switchboard_with(args: &[&str], envs: &[(&str, &str)], limit: Duration) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let data = own_data_dir(&mut command, envs);
    for (key, value) in envs {
        command.env(key, value);
    }
    let child = command.spawn().expect("spawn switchboard");
    let pid = child.id();
    // Drain stdout/stderr while waiting: a large output must not fill the pipe.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let output = match receiver.recv_timeout(limit) {
        Ok(output) => output.expect("output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("switchboard {args:?} still running after {limit:?}");
        }
    };
    drop(data);
    let Output { status, stdout, stderr } = output;
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub(crate) fn switchboard(args: &[&str]) -> Run {
    switchboard_with(args, &[], Duration::from_secs(60))
}

pub(crate) fn path(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Writes `files` (relative path, content) into a new temporary app folder.
pub(crate) fn app(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (relative, content) in files {
        let file = dir.path().join(relative);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, content).expect("write");
    }
    dir
}

pub(crate) const APPLICATION: &str = "import { defineApplication } from 'twenty-sdk/define';\nexport default defineApplication({ universalIdentifier: '44444444-4444-4444-8444-444444444441', displayName: 'Temp', description: 'temp' });\n";
pub(crate) const ROLE: &str = "import { defineApplicationRole } from 'twenty-sdk/define';\nexport default defineApplicationRole({ universalIdentifier: '44444444-4444-4444-8444-444444444442', label: 'Role' });\n";

/// A logic function file with the given config body (without `handler`).
pub(crate) fn function(config: &str, handler: &str) -> String {
    format!(
        "import {{ defineLogicFunction }} from 'twenty-sdk/define';\nexport default defineLogicFunction({{ {config}, handler: {handler} }});\n"
    )
}

/// A folder of installed test peers named by `variable`; with
/// `SWITCHBOARD_REQUIRE_PEERS` set, a missing one fails the test instead of
/// skipping it (scripts/install-test-peers.sh installs them).
pub(crate) fn peer_dir(variable: &str) -> Option<PathBuf> {
    match std::env::var_os(variable) {
        Some(dir) => Some(PathBuf::from(dir)),
        None if std::env::var_os("SWITCHBOARD_REQUIRE_PEERS").is_some() => {
            panic!("{variable} is not set but SWITCHBOARD_REQUIRE_PEERS is: run scripts/install-test-peers.sh")
        }
        None => {
            eprintln!("skipped: set {variable} (see scripts/install-test-peers.sh)");
            None
        }
    }
}

/// Gives a command (and whatever it starts) a store of its own; keep the
/// returned folder until the command is done.
pub(crate) fn isolated(command: &mut Command) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("data dir");
    command.env("SWITCHBOARD_DATA_DIR", dir.path());
    dir
}

/// Gives a command a store of its own (a fresh data directory) unless
/// `envs` names one; the folder lives as long as the returned guard.
fn own_data_dir(command: &mut Command, envs: &[(&str, &str)]) -> Option<tempfile::TempDir> {
    if envs.iter().any(|(key, _)| *key == "SWITCHBOARD_DATA_DIR") {
        return None;
    }
    let dir = tempfile::tempdir().expect("data dir");
    command.env("SWITCHBOARD_DATA_DIR", dir.path());
    Some(dir)
}

/// A `switchboard serve` on a port the system picked, stopped on drop.
pub(crate) struct Server {
    child: std::process::Child,
    pub(crate) port: u16,
    _data: Option<tempfile::TempDir>,
    /// What the server printed on stderr so far.
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `serve` with `--listen 127.0.0.1:0` and reads the bound port
    /// from its `listening on` line.
    pub(crate) fn start(args: &[&str], envs: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command.arg("serve").args(args).args(["--listen", "127.0.0.1:0"]).stdout(Stdio::null()).stderr(Stdio::piped());
        let data = own_data_dir(&mut command, envs);
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("serve");
        let stderr = child.stderr.take().expect("stderr");
        let (found, port) = std::sync::mpsc::channel();
        let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = printed.clone();
        // Reads stderr for as long as the server runs (a full pipe would
        // block it); SWITCHBOARD_TEST_STDERR=1 echoes it, for debugging.
        std::thread::spawn(move || {
            let echo = std::env::var_os("SWITCHBOARD_TEST_STDERR").is_some();
            let mut seen = String::new();
            let mut found = Some(found);
            for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
                if echo {
                    eprintln!("{line}");
                }
                if let Ok(mut kept) = kept.lock() {
                    kept.push(line.clone());
                }
                if let Some(address) = line.strip_prefix("switchboard: listening on http://") {
                    let port = address.rsplit_once(':').and_then(|(_, port)| port.parse::<u16>().ok());
                    if let (Some(sender), Some(port)) = (found.take(), port) {
                        let _ = sender.send(Ok(port));
                    }
                } else if found.is_some() {
                    seen.push_str(&line);
                    seen.push('\n');
                }
            }
            if let Some(sender) = found {
                let _ = sender.send(Err(seen));
            }
        });
        match port.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(port)) => Server { child, port, _data: data, stderr: printed },
            Ok(Err(stderr)) => {
                let status = child.wait().expect("wait");
                panic!("switchboard serve exited ({status}) before listening:\n{stderr}")
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("switchboard serve did not start listening within 60 s")
            }
        }
    }

    /// Stops the server with SIGTERM, as a service manager would, and waits
    /// for it to exit; returns its exit code.
    pub(crate) fn terminate(mut self) -> Option<i32> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        self.child.wait().ok().and_then(|status| status.code())
    }

    /// Stops the server with SIGKILL, as a crash would.
    pub(crate) fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The lines the server printed on stderr so far.
    pub(crate) fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().map(|lines| lines.clone()).unwrap_or_default()
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one raw HTTP request and returns (status, headers lower-cased, body).
pub(crate) fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, String) {
    let (status, head, body) = http_exact(port, method, path, headers, body);
    (status, head.to_ascii_lowercase(), body)
}

/// Like [`http`], with the response headers as sent.
pub(crate) fn http_exact(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("write");
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_owned() };
    (status, head.to_owned(), body)
}

/// The payload of a `Transfer-Encoding: chunked` body.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or("0").trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// The run history (`GET /api/runs` with `query`), newest first.
pub(crate) fn runs(server: &Server, key: &str, query: &str) -> Vec<Value> {
    let auth = format!("Bearer {key}");
    let (status, _, text) = http(server.port, "GET", &format!("/api/runs?limit=1000&{query}"), &[("Authorization", &auth)], b"");
    assert_eq!(status, 200, "{text}");
    let page: Value = serde_json::from_str(&text).expect("json");
    page["runs"].as_array().expect("runs").clone()
}

/// Polls the run history until `done` holds (a guard against hangs, not a
/// timing assertion).
pub(crate) fn wait_for_runs(server: &Server, key: &str, query: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let started = std::time::Instant::now();
    loop {
        let found = runs(server, key, query);
        if done(&found) {
            return found;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "runs never reached the expected state ({query}): {found:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Copies the folder `from` (recursively) to `to`.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Copies `files` (paths relative to the fixture) of fixture `name` into a
/// new temporary app folder.
pub(crate) fn fixture_copy(name: &str, files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("app");
    for file in files {
        let target = dir.path().join(file);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(fixture(name).join(file), target).expect("copy");
    }
    dir
}

/// Runs `command` (a `switchboard mcp ...`) as a raw stdio MCP client:
/// initializes, sends `request` (a JSON-RPC request with id 2), and returns
/// the answer to it (if one came within 30 s) with the process's output
/// once its stdin is closed.
pub(crate) fn stdio_mcp_request(mut command: Command, request: &Value) -> (Option<Value>, Output) {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("mcp");
    let mut stdin = child.stdin.take().expect("stdin");
    for message in [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_owned(),
        request.to_string(),
    ] {
        writeln!(stdin, "{message}").expect("write");
    }
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let mut answer = None;
    while let Ok(line) = receiver.recv_timeout(Duration::from_secs(30)) {
        let message: Value = serde_json::from_str(&line).expect("json line");
        if message["id"] == request["id"] {
            answer = Some(message);
            break;
        }
    }
    drop(stdin);
    (answer, child.wait_with_output().expect("exit"))
}
