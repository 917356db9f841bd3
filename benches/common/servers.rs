//! Real `atlas serve` processes for a benchmark, and a small HTTP/1.1
//! client that keeps its connection open (so a tight loop of requests
//! measures the server, not TCP set-up).
//!
//! The binary is the one Cargo builds for the benchmark
//! (`CARGO_BIN_EXE_atlas`: `target/release/atlas` under `cargo bench`).
//! Each server listens on a free port of 127.0.0.1, logs to a file of its
//! own, and is killed when dropped.

#![allow(dead_code)] // a bench uses the part it needs

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The `atlas` binary of this build.
pub const ATLAS: &str = env!("CARGO_BIN_EXE_atlas");

/// Run `atlas` with these arguments to the end; its stdout, or a panic
/// with its stderr.
pub fn atlas(args: &[&str]) -> String {
    let output = Command::new(ATLAS)
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

/// A token of a new account `name` with `role` on the store of `store_args`.
pub fn token_for(store_args: &[&str], name: &str, role: &str) -> String {
    let mut add = vec!["user", "add", name, "--role", role];
    add.extend_from_slice(store_args);
    atlas(&add);
    let mut token = vec!["user", "token", name];
    token.extend_from_slice(store_args);
    atlas(&token).trim().to_string()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("a bound address")
        .port()
}

/// The load average (1, 5 and 15 minutes) as `/proc/loadavg` gives it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_string())
}

/// One `atlas serve` child process.
pub struct Server {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Server {
    /// `atlas serve` with `store_args` (`--database-url URL` or `--gpkg
    /// FILE`) on a free port, logging at `rust_log`, once it answers
    /// `/api/health`.
    pub async fn start(store_args: &[&str], log_dir: &Path, rust_log: &str) -> Server {
        let port = free_port();
        let log = log_dir.join(format!("atlas-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("a log file");
        let child = Command::new(ATLAS)
            .arg("serve")
            .args(store_args)
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", rust_log)
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("starting atlas serve");
        let server = Server { child, port, log };
        if answers_within(port, "/api/health", Duration::from_secs(120)).await {
            return server;
        }
        panic!(
            "atlas serve on port {port} did not answer: {}",
            std::fs::read_to_string(&server.log).unwrap_or_default()
        );
    }

    /// The server's process id (to read its memory in `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn connect(&self) -> Connection {
        Connection::open(self.port)
            .await
            .expect("connect to atlas serve")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status and body (headers are read, not kept).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
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
}

/// One kept-alive HTTP/1.1 connection to a server on 127.0.0.1; opened
/// again when the server closes it.
pub struct Connection {
    port: u16,
    stream: Option<BufReader<TcpStream>>,
}

impl Connection {
    pub async fn open(port: u16) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            port,
            stream: Some(BufReader::new(stream)),
        })
    }

    pub async fn get(&mut self, path: &str) -> std::io::Result<Answer> {
        self.request("GET", path, &[], b"").await
    }

    /// GET `path`, expecting a 200 with a JSON body.
    pub async fn get_json(&mut self, path: &str) -> Json {
        let answer = self.get(path).await.expect("a GET");
        assert_eq!(
            answer.status,
            200,
            "GET {path}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()
    }

    pub async fn post_json(
        &mut self,
        path: &str,
        token: &str,
        body: &Json,
    ) -> std::io::Result<Answer> {
        let authorization = format!("Bearer {token}");
        self.request(
            "POST",
            path,
            &[
                ("Authorization", authorization.as_str()),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
        .await
    }

    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Answer> {
        if self.stream.is_none() {
            *self = Connection::open(self.port).await?;
        }
        let result = self.exchange(method, path, headers, body).await;
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Answer> {
        let bad = |what: &str| std::io::Error::other(format!("bad HTTP answer: {what}"));
        let stream = self.stream.as_mut().expect("an open connection");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        stream.get_mut().write_all(&request).await?;

        let mut line = String::new();
        stream.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| bad("no status line"))?;
        let mut content_length = None;
        let mut chunked = false;
        let mut close = false;
        loop {
            line.clear();
            if stream.read_line(&mut line).await? == 0 {
                return Err(bad("closed in the headers"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            match name.as_str() {
                "content-length" => content_length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.contains("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| bad("a chunk size"))?;
                let start = body.len();
                body.resize(start + size, 0);
                stream.read_exact(&mut body[start..]).await?;
                let mut crlf = [0u8; 2];
                stream.read_exact(&mut crlf).await?;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = content_length {
            body.resize(length, 0);
            stream.read_exact(&mut body).await?;
        } else if !(status == 204 || status == 304 || method == "HEAD") {
            stream.read_to_end(&mut body).await?;
            close = true;
        }
        if close {
            self.stream = None;
        }
        Ok(Answer { status, body })
    }
}

/// The value at `share` (0 to 1) of sorted durations, nearest rank.
pub fn percentile(sorted: &[Duration], share: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * share).round() as usize]
}

pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Whether a server on `port` answers `path` with 200 within `patience`
/// (asked every 100 ms).
pub async fn answers_within(port: u16, path: &str, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if let Ok(mut connection) = Connection::open(port).await {
            if let Ok(answer) = connection.get(path).await {
                if answer.status == 200 {
                    return true;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
