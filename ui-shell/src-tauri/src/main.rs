//! The desktop POS. Finds the till's local agent on loopback, or starts it as a
//! sidecar when no agent service is running (and starts it again if it dies),
//! then shows the agent's own cashier UI in a window, optionally as a kiosk.
//!
//! The UI is the agent's: the window only navigates to it, so the desktop app
//! and a browser on the till show exactly the same thing.
//!
//! Settings (environment):
//! - `TILL_AGENT`: the agent's address, `127.0.0.1:8710` by default.
//! - `TILL_AGENT_BIN`: the agent binary to start when none answers; by default
//!   `edge-agent` beside this program, as the installers place it.
//! - `TILL_KIOSK=1`: full screen, no window decorations.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::{WebviewUrl, WebviewWindowBuilder};

const DEFAULT_AGENT: &str = "127.0.0.1:8710";

/// The agent answers `GET /health` with 200 when it is ready.
fn healthy(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && &head[9..12] == b"200"
}

fn wait_healthy(addr: SocketAddr, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if healthy(addr) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn sidecar_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TILL_AGENT_BIN") {
        return Some(PathBuf::from(path));
    }
    let beside = std::env::current_exe()
        .ok()?
        .with_file_name(format!("edge-agent{}", std::env::consts::EXE_SUFFIX));
    beside.exists().then_some(beside)
}

/// The agent this app started, kept running for as long as the app runs.
struct Sidecar {
    binary: PathBuf,
    addr: SocketAddr,
    child: Mutex<Option<Child>>,
}

impl Sidecar {
    fn start(&self) {
        match Command::new(&self.binary)
            .env("EDGE_LISTEN", self.addr.to_string())
            .spawn()
        {
            Ok(child) => *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child),
            Err(e) => eprintln!("till: cannot start {}: {e}", self.binary.display()),
        }
    }

    /// Restarts the agent whenever it exits; the UI reconnects by itself.
    fn watch(self: Arc<Self>) {
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(2));
            let exited = match self
                .child
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
            {
                Some(child) => !matches!(child.try_wait(), Ok(None)),
                None => true,
            };
            if exited && !healthy(self.addr) {
                eprintln!("till: the agent stopped; starting it again");
                self.start();
            }
        });
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn main() {
    let addr: SocketAddr = std::env::var("TILL_AGENT")
        .unwrap_or_else(|_| DEFAULT_AGENT.into())
        .parse()
        .unwrap_or_else(|e| {
            eprintln!("till: TILL_AGENT is not host:port ({e}); using {DEFAULT_AGENT}");
            DEFAULT_AGENT.parse().expect("default address")
        });
    let kiosk = std::env::var("TILL_KIOSK").is_ok_and(|v| v == "1");

    // An agent service that is already running wins; otherwise start our own.
    let sidecar = if healthy(addr) {
        None
    } else {
        sidecar_binary().map(|binary| {
            let sidecar = Arc::new(Sidecar {
                binary,
                addr,
                child: Mutex::new(None),
            });
            sidecar.start();
            sidecar.clone().watch();
            sidecar
        })
    };

    let result = tauri::Builder::default()
        .setup(move |app| {
            let window =
                WebviewWindowBuilder::new(app, "till", WebviewUrl::App("index.html".into()))
                    .title("Till")
                    .inner_size(1366.0, 768.0)
                    .min_inner_size(1024.0, 700.0)
                    .fullscreen(kiosk)
                    .decorations(!kiosk)
                    .build()?;
            let url: tauri::Url = format!("http://{addr}/").parse()?;
            // The splash page shows until the agent answers.
            std::thread::spawn(move || {
                while !wait_healthy(addr, Duration::from_secs(30)) {
                    eprintln!("till: no agent answers at {addr} yet");
                }
                if let Err(e) = window.navigate(url) {
                    eprintln!("till: cannot open the till UI: {e}");
                }
            });
            Ok(())
        })
        .run(tauri::generate_context!());
    drop(sidecar);
    if let Err(e) = result {
        eprintln!("till: {e}");
        std::process::exit(1);
    }
}
