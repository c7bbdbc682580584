//! Real processes on loopback: `Hub::start(backend)` and `Agent::start(&hub, code)`,
//! each with stop (SIGKILL) and restart on the same port and data.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_TOKEN: &str = "system-test-admin";

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$scenario(backend)` as two tests: `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario($crate::harness::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$scenario($crate::harness::Backend::Postgres).await
            }
        }
    };
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn tail(path: &PathBuf) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A child process whose output goes to a log file, killed when dropped.
struct Process {
    child: Option<Child>,
}

impl Process {
    fn spawn(mut cmd: Command, log: PathBuf) -> Process {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let err = out.try_clone().expect("log file");
        let child = cmd
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("spawn");
        Process { child: Some(child) }
    }

    /// SIGKILL: no chance to flush or say goodbye.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn wait_healthy(base: &str, log: &PathBuf) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{base}/health")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} did not become healthy; log:\n{}", tail(log));
}

pub struct Hub {
    pub base: String,
    port: u16,
    database_url: String,
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    process: Option<Process>,
}

impl Hub {
    pub async fn start(backend: Backend) -> Hub {
        Hub::start_with(backend, &[]).await
    }

    /// Starts a hub with extra environment settings (kept across restarts).
    pub async fn start_with(backend: Backend, env: &[(&str, &str)]) -> Hub {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("hub.db").display()),
            Backend::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL").expect(
                    "TEST_DATABASE_URL is not set: run ./scripts/test.sh, which starts PostgreSQL for the tests",
                );
                let name = format!("system_{}", uuid::Uuid::now_v7().simple());
                cloud_hub::storage::postgres::create_database(&admin, &name)
                    .await
                    .expect("create database")
            }
        };
        let port = free_port();
        let mut hub = Hub {
            base: format!("http://127.0.0.1:{port}"),
            port,
            database_url,
            dir,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            process: None,
        };
        hub.restart().await;
        hub
    }

    /// Another hub process on the same database (PostgreSQL), on a port and
    /// with a log of its own: tills may talk to either.
    pub async fn beside(&self) -> Hub {
        let port = free_port();
        let mut hub = Hub {
            base: format!("http://127.0.0.1:{port}"),
            port,
            database_url: self.database_url.clone(),
            dir: tempfile::tempdir().expect("temp dir"),
            env: self.env.clone(),
            process: None,
        };
        hub.restart().await;
        hub
    }

    /// Starts the hub process again on the same port and database.
    pub async fn restart(&mut self) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pos-hub"));
        cmd.env("HUB_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("DATABASE_URL", &self.database_url)
            .env("HUB_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("RUST_LOG", "info")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let log = self.dir.path().join("hub.log");
        self.process = Some(Process::spawn(cmd, log.clone()));
        wait_healthy(&self.base, &log).await;
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Kills the hub (SIGKILL), as a crash or a cut link would leave it.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.kill();
        }
    }

    pub fn log(&self) -> String {
        tail(&self.dir.path().join("hub.log"))
    }

    /// The folder of the hub's own files: its SQLite database (`hub.db`
    /// with its `-wal` and `-shm`) and its log.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

pub struct Agent {
    pub base: String,
    pub data_dir: PathBuf,
    port: u16,
    hub_url: String,
    enroll_code: String,
    env: Vec<(String, String)>,
    _dir: tempfile::TempDir,
    process: Option<Process>,
    http: reqwest::Client,
}

impl Agent {
    pub async fn start(hub: &Hub, enroll_code: &str) -> Agent {
        Agent::start_at(&hub.base, enroll_code).await
    }

    /// Starts an agent that reaches the hub at `hub_url` (a proxy, say).
    pub async fn start_at(hub_url: &str, enroll_code: &str) -> Agent {
        Agent::start_with(hub_url, enroll_code, &[]).await
    }

    /// Starts an agent with extra environment settings (kept across restarts).
    pub async fn start_with(hub_url: &str, enroll_code: &str, env: &[(&str, &str)]) -> Agent {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut agent = Agent {
            base: format!("http://127.0.0.1:{port}"),
            data_dir: dir.path().join("data"),
            port,
            hub_url: hub_url.to_owned(),
            enroll_code: enroll_code.to_owned(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            _dir: dir,
            process: None,
            http: reqwest::Client::new(),
        };
        agent.restart().await;
        agent
    }

    pub async fn restart(&mut self) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pos-agent"));
        cmd.env("EDGE_DATA_DIR", &self.data_dir)
            .env("EDGE_HUB_URL", &self.hub_url)
            .env("EDGE_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("EDGE_ENROLL_CODE", &self.enroll_code)
            .env("EDGE_SYNC_INTERVAL_MS", "200")
            .env("EDGE_SYNC_MAX_BACKOFF_MS", "1000")
            // These tests sell without opening shifts; a test about shifts
            // passes EDGE_REQUIRE_OPEN_SHIFT=yes in its env, which wins.
            .env("EDGE_REQUIRE_OPEN_SHIFT", "no")
            .env("RUST_LOG", "info")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        std::fs::create_dir_all(&self.data_dir).expect("data dir");
        let log = self.log_path();
        self.process = Some(Process::spawn(cmd, log.clone()));
        wait_healthy(&self.base, &log).await;
    }

    /// The enrollment code the agent is started with from its next start.
    pub fn set_enroll_code(&mut self, code: &str) {
        self.enroll_code = code.to_owned();
    }

    /// SIGKILL, at whatever instant the agent is in.
    pub fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.kill();
        }
    }

    fn log_path(&self) -> PathBuf {
        self.data_dir.with_file_name("agent.log")
    }

    pub fn log(&self) -> String {
        tail(&self.log_path())
    }

    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("agent request");
        (r.status(), r.json().await.expect("agent json"))
    }

    pub async fn status(&self) -> Value {
        self.get("/v1/sync/status").await.1
    }

    /// Sends JSON to the till's API; returns the status and the answer.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (reqwest::StatusCode, Value) {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request to the till");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// PUTs JSON to the till's API, expecting success; returns the answer.
    pub async fn put(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.send(reqwest::Method::PUT, path, body).await;
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }

    /// POSTs JSON to the till's API; returns the status and the answer.
    pub async fn try_post(&self, path: &str, body: Value) -> (reqwest::StatusCode, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// POSTs JSON to the till's API, expecting success; returns the answer.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.send(reqwest::Method::POST, path, body).await;
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }

    /// Sells `(barcode, qty)` lines for exact cash; returns the sale.
    pub async fn sell(&self, lines: &[(&str, &str)]) -> Value {
        let mut total = 0i64;
        let mut body_lines = vec![];
        for (barcode, qty) in lines {
            let (s, p) = self
                .get(&format!("/v1/products/by-barcode/{barcode}"))
                .await;
            assert!(s.is_success(), "{p}");
            let price = pos_shared::Money::inr(p["price"]["minor"].as_i64().expect("price"));
            total += price
                .times(pos_shared::Qty::parse(qty).expect("qty"))
                .expect("line")
                .minor();
            body_lines.push(serde_json::json!({"barcode": barcode, "qty": qty}));
        }
        let body = serde_json::json!({"lines": body_lines, "tenders": [{"method": "cash", "amount": {"minor": total, "currency": "INR"}}]});
        let r = self
            .http
            .post(format!("{}/v1/sales", self.base))
            .json(&body)
            .send()
            .await
            .expect("sell");
        let status = r.status();
        let sale: Value = r.json().await.expect("sale json");
        assert_eq!(status, reqwest::StatusCode::CREATED, "{sale}");
        sale
    }

    /// Edits one item's state at this till.
    pub async fn edit_item(&self, barcode: &str, patch: Value) -> Value {
        self.put(&format!("/v1/item-state/{barcode}"), patch).await
    }

    /// Available stock of `barcode` as this till sees it.
    pub async fn available(&self, barcode: &str) -> Option<String> {
        let (s, p) = self
            .get(&format!("/v1/products/by-barcode/{barcode}"))
            .await;
        s.is_success()
            .then(|| p["available"].as_str().unwrap_or_default().to_owned())
    }
}

/// Polls `check` until it returns true, or panics after `secs` with `context()`.
pub async fn eventually<F, Fut>(what: &str, secs: u64, mut check: F, context: impl Fn() -> String)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}\n{}", context());
}
