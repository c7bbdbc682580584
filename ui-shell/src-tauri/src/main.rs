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
//!   `pos-till-agent` beside this program, where the bundle puts the agent it
//!   carries (Tauri's `externalBin`). The sidecar reads the agent's own
//!   settings (its config file in the user's config directory, `EDGE_*`
//!   variables) and listens where this app looks for it (`TILL_AGENT`).
//! - `TILL_KIOSK=1`: full screen, no window decorations.
//! - `TILL_CUSTOMER_DISPLAY`: the customer-facing display (the agent's
//!   `/display`) in a second window, `customer-display`. `auto` (the
//!   default) opens it full screen on a second monitor when there is one
//!   and not at all otherwise; `window` opens it anyway, as an ordinary
//!   window where there is no second monitor; `off` never.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::{WebviewUrl, WebviewWindowBuilder};

const DEFAULT_AGENT: &str = "127.0.0.1:8710";
/// The agent the bundle carries, named apart from the `pos-edge-agent`
/// service package's `edge-agent` so both may be installed.
const SIDECAR: &str = "pos-till-agent";

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
        .with_file_name(format!("{SIDECAR}{}", std::env::consts::EXE_SUFFIX));
    beside.exists().then_some(beside)
}

/// The agent this app started, kept running for as long as the app runs.
struct Sidecar {
    binary: PathBuf,
    addr: SocketAddr,
    child: Mutex<Option<Child>>,
    /// Set as the app exits: the watch starts no agent after that.
    stopping: AtomicBool,
}

impl Sidecar {
    fn start(&self) {
        match Command::new(&self.binary)
            .env("EDGE_LISTEN", self.addr.to_string())
            .spawn()
        {
            Ok(child) => {
                eprintln!(
                    "till: started the agent {} (pid {}) on {}",
                    self.binary.display(),
                    child.id(),
                    self.addr
                );
                *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
            }
            Err(e) => eprintln!("till: cannot start {}: {e}", self.binary.display()),
        }
    }

    /// Restarts the agent whenever it exits; the UI reconnects by itself.
    fn watch(self: Arc<Self>) {
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(2));
            if self.stopping.load(Ordering::SeqCst) {
                return;
            }
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
                // Reap the one that died before its successor takes the port.
                if let Some(mut old) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    let _ = old.wait();
                }
                self.start();
            }
        });
    }

    /// Stops the agent as the app exits (the event loop ends the process, so
    /// nothing is dropped then).
    fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        if let Some(mut child) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Where the customer's display goes (`TILL_CUSTOMER_DISPLAY`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum CustomerDisplay {
    Auto,
    Window,
    Off,
}

impl CustomerDisplay {
    fn from_env() -> CustomerDisplay {
        match std::env::var("TILL_CUSTOMER_DISPLAY").as_deref() {
            Err(_) | Ok("") | Ok("auto") => CustomerDisplay::Auto,
            Ok("window") => CustomerDisplay::Window,
            Ok("off") => CustomerDisplay::Off,
            Ok(other) => {
                eprintln!(
                    "till: TILL_CUSTOMER_DISPLAY {other:?} is not auto, window or off; using auto"
                );
                CustomerDisplay::Auto
            }
        }
    }
}

/// The customer's window, showing the splash page until the agent answers:
/// full screen on the first monitor that is not the primary one (where the
/// cashier's window is), if any. It never takes the focus, so a keyboard-wedge
/// scanner keeps typing into the cashier's window.
fn open_customer_display(
    app: &tauri::App,
    setting: CustomerDisplay,
) -> tauri::Result<Option<tauri::WebviewWindow>> {
    if setting == CustomerDisplay::Off {
        return Ok(None);
    }
    let monitors = app.available_monitors()?;
    let primary = app.primary_monitor()?;
    let second = if monitors.len() < 2 {
        None
    } else {
        match &primary {
            Some(p) => monitors.into_iter().find(|m| m.position() != p.position()),
            None => monitors.into_iter().nth(1),
        }
    };
    if second.is_none() && setting == CustomerDisplay::Auto {
        return Ok(None);
    }
    let mut builder = WebviewWindowBuilder::new(
        app,
        "customer-display",
        WebviewUrl::App("index.html".into()),
    )
    .title("Customer display")
    .inner_size(800.0, 480.0)
    .focused(false);
    if let Some(monitor) = &second {
        // The builder takes logical coordinates; the monitor's own scale
        // converts its corner.
        let corner = monitor.position().to_logical::<f64>(monitor.scale_factor());
        builder = builder.position(corner.x, corner.y);
    }
    let window = builder.build()?;
    if second.is_some() {
        window.set_fullscreen(true)?;
    }
    Ok(Some(window))
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
    let customer_display = CustomerDisplay::from_env();

    // An agent service that is already running wins; otherwise start our own.
    let sidecar = if healthy(addr) {
        eprintln!("till: an agent answers at {addr}; using it");
        None
    } else {
        match sidecar_binary() {
            Some(binary) => {
                let sidecar = Arc::new(Sidecar {
                    binary,
                    addr,
                    child: Mutex::new(None),
                    stopping: AtomicBool::new(false),
                });
                sidecar.start();
                sidecar.clone().watch();
                Some(sidecar)
            }
            None => {
                eprintln!(
                    "till: no agent answers at {addr} and there is no {SIDECAR} beside this program to start; waiting for one"
                );
                None
            }
        }
    };

    let app = tauri::Builder::default()
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
            // A display that cannot open is no reason to stop the till.
            let display = open_customer_display(app, customer_display).unwrap_or_else(|e| {
                eprintln!("till: cannot open the customer display: {e}");
                None
            });
            let display_url: tauri::Url = format!("http://{addr}/display").parse()?;
            // The splash page shows until the agent answers.
            std::thread::spawn(move || {
                while !wait_healthy(addr, Duration::from_secs(30)) {
                    eprintln!("till: no agent answers at {addr} yet");
                }
                if let Err(e) = window.navigate(url) {
                    eprintln!("till: cannot open the till UI: {e}");
                }
                if let Some(display) = display {
                    if let Err(e) = display.navigate(display_url) {
                        eprintln!("till: cannot open the customer display: {e}");
                    }
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("till: {e}");
            if let Some(sidecar) = &sidecar {
                sidecar.stop();
            }
            std::process::exit(1);
        }
    };
    app.run(move |_, event| {
        if let tauri::RunEvent::Exit = event {
            if let Some(sidecar) = &sidecar {
                sidecar.stop();
            }
        }
    });
}
