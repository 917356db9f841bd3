//! Real `atlas serve` processes for tests of several servers on one store:
//! start one on a free port, wait for it, speak plain HTTP/1.1 to it, and
//! kill it when the test is done.

#![allow(dead_code)] // each test module uses its own subset

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a test waits for a change to show on another server.
pub const VISIBLE_WITHIN: Duration = Duration::from_secs(2);

/// An answer: status, headers (names lowercase) and body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// One `atlas serve` child process.
pub struct Server {
    child: Child,
    pub port: u16,
    pub log: std::path::PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Run `atlas` with these arguments to the end; its stdout, or a panic
/// with its stderr.
pub fn atlas(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_atlas"))
        .args(args)
        .output()
        .expect("running atlas");
    assert!(
        output.status.success(),
        "atlas {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl Server {
    /// `atlas serve` with `store_args` (`--database-url URL` or `--gpkg
    /// FILE`) on a free port, once it answers `/api/health`.
    pub async fn start(store_args: &[&str], log_dir: &std::path::Path) -> Server {
        Self::start_on(store_args, free_port(), log_dir).await
    }

    pub async fn start_on(store_args: &[&str], port: u16, log_dir: &std::path::Path) -> Server {
        let log = log_dir.join(format!("atlas-{port}.log"));
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_atlas"))
            .arg("serve")
            .args(store_args)
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "genk_atlas=debug,info")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("starting atlas serve");
        let server = Server { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(answer) = server.get("/api/health").await {
                if answer.status == 200 {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "atlas serve on port {port} did not answer: {}",
            std::fs::read_to_string(&server.log).unwrap_or_default()
        );
    }

    /// Kill the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub async fn get(&self, path: &str) -> std::io::Result<Answer> {
        self.request("GET", path, &[], None).await
    }

    pub async fn get_ok(&self, path: &str) -> Json {
        let answer = self.get(path).await.unwrap();
        assert_eq!(
            answer.status,
            200,
            "GET {path} on {}: {}",
            self.port,
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Json) -> Answer {
        let headers = [
            ("Authorization", format!("Bearer {token}")),
            ("Content-Type", "application/json".to_string()),
        ];
        self.request("POST", path, &headers, Some(body.to_string().into_bytes()))
            .await
            .unwrap()
    }

    /// One request on a connection of its own (`Connection: close`).
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> std::io::Result<Answer> {
        send(self.port, method, path, headers, body).await
    }
}

/// One request to the server on `port`, on a connection of its own.
async fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Option<Vec<u8>>,
) -> std::io::Result<Answer> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let body = body.unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse_answer(&raw)
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn parse_answer(raw: &[u8]) -> std::io::Result<Answer> {
    let bad = |what: &str| std::io::Error::other(format!("bad HTTP answer: {what}"));
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_lowercase(), value.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    if chunked {
        body = dechunk(&body).ok_or_else(|| bad("broken chunks"))?;
    }
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|window| window == b"\r\n")?;
        let size_text = std::str::from_utf8(&raw[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

/// Ask `probe` again and again until it returns `Some`, for at most
/// `within`; the value and how long it took, or a panic naming `what`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut probe: F) -> (T, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return (value, started.elapsed());
        }
        if started.elapsed() > within {
            panic!("{what}: not within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A PostgreSQL cluster of the test's own (for a test that stops and
/// starts the server, which the shared cluster of `scripts/test` must not
/// see), with PostGIS, removed when dropped.
pub struct OwnCluster {
    dir: tempfile::TempDir,
    pub port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

fn as_postgres(program: &str) -> Command {
    // PostgreSQL refuses to run as root: run it as the postgres user then
    let is_root = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"));
    if is_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", &format!("{PG_BIN}/{program}")]);
        command
    } else {
        Command::new(format!("{PG_BIN}/{program}"))
    }
}

fn run_ok(mut command: Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what}: {error}"));
    assert!(
        output.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl OwnCluster {
    pub fn start() -> OwnCluster {
        let dir = tempfile::Builder::new()
            .prefix("atlas-own-pg")
            .tempdir()
            .unwrap();
        let _ = Command::new("chown")
            .args(["postgres:", dir.path().to_str().unwrap()])
            .status();
        let data = dir.path().join("data");
        let mut initdb = as_postgres("initdb");
        initdb
            .args([
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ])
            .args(["--no-sync", "-E", "UTF8"]);
        run_ok(initdb, "initdb");
        let cluster = OwnCluster {
            dir,
            port: free_port(),
        };
        cluster.pg_ctl_start();
        cluster
    }

    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self) -> Command {
        let mut command = as_postgres("pg_ctl");
        command.args(["-D", self.dir.path().join("data").to_str().unwrap()]);
        command
    }

    fn pg_ctl_start(&self) {
        let mut start = self.pg_ctl();
        start.args([
            "-l",
            self.dir.path().join("server.log").to_str().unwrap(),
            "-w",
            "-t",
            "60",
            "-o",
            &format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.dir.path().display()
            ),
            "start",
        ]);
        run_ok(start, "pg_ctl start");
    }

    pub fn stop(&self) {
        let mut stop = self.pg_ctl();
        stop.args(["-m", "fast", "-w", "stop"]);
        run_ok(stop, "pg_ctl stop");
    }

    pub fn restart_later(&self) {
        self.pg_ctl_start();
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let mut stop = self.pg_ctl();
        stop.args(["-m", "immediate", "stop"]);
        let _ = stop.output();
    }
}

/// A client of a server by port only (to use from a task of its own).
pub struct Client {
    pub port: u16,
}

impl Client {
    pub async fn post_json(&self, path: &str, token: &str, body: &Json) -> std::io::Result<Answer> {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await?;
        let body = body.to_string();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        parse_answer(&raw)
    }

    /// As [`Server::request`], for a task that does not own the server.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> std::io::Result<Answer> {
        send(self.port, method, path, headers, body).await
    }
}
