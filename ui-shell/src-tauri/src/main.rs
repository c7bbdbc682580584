//! The desktop POS. Finds the till's local agent on loopback, or starts the
//! agent it is bundled with when no agent service is running (and starts it
//! again if it dies), then shows the agent's own cashier UI in a window,
//! optionally as a kiosk.
//!
//! The UI is the agent's: the window only navigates to it, so the desktop app
//! and a browser on the till show exactly the same thing.
//!
//! Settings (environment; `--help` prints them):
//! - `TILL_AGENT`: the agent's address, `127.0.0.1:8710` by default; a
//!   loopback `ip:port` or `localhost:port`. Anything else is refused at start.
//! - `TILL_SIDECAR`: `auto` (the default) starts the bundled agent when none
//!   answers; `off` never does, for tills that run the agent as a service.
//! - `TILL_AGENT_BIN`: the agent binary to start; by default
//!   `pos-till-agent` beside this program, where the bundle puts the agent it
//!   carries (Tauri's `externalBin`). The sidecar reads the agent's own
//!   settings (its config file in the user's config directory, `EDGE_*`
//!   variables) and listens where this app looks for it (`TILL_AGENT`).
//! - `TILL_KIOSK=1`: full screen, no window decorations (`0` or unset: an
//!   ordinary window; anything else is refused at start).
//! - `TILL_CUSTOMER_DISPLAY`: the customer-facing display (the agent's
//!   `/display`) in a second window, `customer-display`. `auto` (the
//!   default) opens it full screen on a second monitor when there is one
//!   and not at all otherwise; `window` opens it anyway, as an ordinary
//!   window where there is no second monitor; `off` never.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod sidecar;

use sidecar::{Answer, Sidecar, SIDECAR};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::{WebviewUrl, WebviewWindowBuilder};

const DEFAULT_AGENT: &str = "127.0.0.1:8710";

const HELP: &str = "pos-till-desktop: the till's point of sale.

Shows the till agent's cashier UI. Uses the agent that answers on TILL_AGENT,
or starts the agent bundled beside this program when none does.

Environment:
  TILL_AGENT=127.0.0.1:8710   the agent's loopback address (ip:port or localhost:port)
  TILL_SIDECAR=auto|off       start the bundled agent when none answers (auto), or never (off)
  TILL_AGENT_BIN=PATH         the agent to start instead of the bundled pos-till-agent
  TILL_KIOSK=1|0              full screen with no window decorations (1), or not
  TILL_CUSTOMER_DISPLAY=auto|window|off   the customer display window
The agent started here reads its own settings: EDGE_* variables and its
config file (edge-agent.toml in the user's config directory).
Messages go to standard error.";

/// The agent's address from `TILL_AGENT`: loopback only, as the agent listens.
fn agent_address(value: Option<&str>) -> Result<SocketAddr, String> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(DEFAULT_AGENT.parse().expect("default address"));
    };
    let value = value.trim();
    let addr = match value.strip_prefix("localhost:") {
        Some(port) => port
            .parse::<u16>()
            .map(|port| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
            .map_err(|_| {
                format!("TILL_AGENT {value:?}: the port is not a number from 1 to 65535")
            })?,
        None => value.parse::<SocketAddr>().map_err(|_| {
            format!(
                "TILL_AGENT {value:?} is not ip:port or localhost:port (such as {DEFAULT_AGENT})"
            )
        })?,
    };
    if !addr.ip().is_loopback() || addr.port() == 0 {
        return Err(format!(
            "TILL_AGENT {value:?}: the till agent listens on a loopback address with a port, such as {DEFAULT_AGENT}"
        ));
    }
    Ok(addr)
}

/// Whether the window is a kiosk (`TILL_KIOSK`): `1` full screen without
/// decorations, `0` or unset an ordinary window.
fn kiosk_wanted(value: Option<&str>) -> Result<bool, String> {
    match value.map(str::trim) {
        None | Some("") | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(other) => Err(format!("TILL_KIOSK {other:?} is not 1 or 0")),
    }
}

/// Whether to start the bundled agent when none answers (`TILL_SIDECAR`).
fn sidecar_wanted(value: Option<&str>) -> Result<bool, String> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("auto") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(format!("TILL_SIDECAR {other:?} is not auto or off")),
    }
}

/// On Linux the window needs an X or Wayland display that answers: without
/// one, say so plainly rather than let the toolkit abort.
fn display_present(
    x11: Option<&str>,
    wayland: Option<&str>,
    runtime_dir: Option<&str>,
) -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let set = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
    if !set(x11) && !set(wayland) {
        return Err("no display to open the till's window on (neither DISPLAY nor WAYLAND_DISPLAY is set): start the app from the till's desktop session".into());
    }
    if !sidecar::display_answers(x11, wayland, runtime_dir) {
        return Err(format!(
            "the display cannot be reached (DISPLAY={:?}, WAYLAND_DISPLAY={:?}: nothing answers there): start the app from the till's desktop session",
            x11.unwrap_or_default(),
            wayland.unwrap_or_default()
        ));
    }
    Ok(())
}

/// The text the splash page shows while the UI is not there yet.
fn show_on_splash(window: &tauri::WebviewWindow, text: &str) {
    // A JSON string is a JavaScript string literal.
    let literal = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    let _ = window.eval(format!(
        "document.getElementById('status') && (document.getElementById('status').textContent = {literal});"
    ));
}

/// Where the customer's display goes (`TILL_CUSTOMER_DISPLAY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CustomerDisplay {
    Auto,
    Window,
    Off,
}

impl CustomerDisplay {
    fn parse(value: Option<&str>) -> Result<CustomerDisplay, String> {
        match value.map(str::trim) {
            None | Some("") | Some("auto") => Ok(CustomerDisplay::Auto),
            Some("window") => Ok(CustomerDisplay::Window),
            Some("off") => Ok(CustomerDisplay::Off),
            Some(other) => Err(format!(
                "TILL_CUSTOMER_DISPLAY {other:?} is not auto, window or off"
            )),
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Written, not printed: a reader that stops early (`| head`) is no error.
    let say = |text: String| {
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), "{text}");
    };
    if args.iter().any(|a| a == "--help" || a == "-h") {
        say(HELP.to_owned());
        return;
    }
    if args.iter().any(|a| a == "--version" || a == "-V") {
        say(format!("pos-till-desktop {}", env!("CARGO_PKG_VERSION")));
        return;
    }
    if let Some(other) = args.first() {
        eprintln!("till: unknown argument {other:?}; see --help");
        std::process::exit(2);
    }
    let settings = agent_address(std::env::var("TILL_AGENT").ok().as_deref()).and_then(|addr| {
        sidecar_wanted(std::env::var("TILL_SIDECAR").ok().as_deref()).map(|wanted| (addr, wanted))
    });
    let (addr, sidecar_wanted) = match settings {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("till: {e}");
            std::process::exit(2);
        }
    };
    let customer_display =
        match CustomerDisplay::parse(std::env::var("TILL_CUSTOMER_DISPLAY").ok().as_deref()) {
            Ok(setting) => setting,
            Err(e) => {
                eprintln!("till: {e}");
                std::process::exit(2);
            }
        };
    let kiosk = match kiosk_wanted(std::env::var("TILL_KIOSK").ok().as_deref()) {
        Ok(kiosk) => kiosk,
        Err(e) => {
            eprintln!("till: {e}");
            std::process::exit(2);
        }
    };
    let var = |name: &str| std::env::var(name).ok();
    if let Err(e) = display_present(
        var("DISPLAY").as_deref(),
        var("WAYLAND_DISPLAY").as_deref(),
        var("XDG_RUNTIME_DIR").as_deref(),
    ) {
        eprintln!("till: {e}");
        std::process::exit(2);
    }
    // Set once the window is up: only then is an agent started, so an app
    // that cannot open its window leaves nothing running.
    let sidecar: Arc<Mutex<Option<Arc<Sidecar>>>> = Arc::new(Mutex::new(None));
    let started = sidecar.clone();

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

            // An agent service that is already running wins; otherwise start our own.
            let ours = match sidecar::probe(addr) {
                Answer::Agent => {
                    eprintln!("till: an agent answers at {addr}; using it");
                    None
                }
                Answer::Stranger(how) => {
                    eprintln!("till: another program holds {addr} ({how}); it is not the till agent; waiting for the port");
                    None
                }
                Answer::Nothing if !sidecar_wanted => {
                    eprintln!("till: no agent answers at {addr} yet; TILL_SIDECAR=off, so waiting for the agent service");
                    None
                }
                Answer::Nothing => match sidecar::binary() {
                    Some(binary) => Some(Sidecar::launch(binary, addr)),
                    None => {
                        eprintln!("till: no agent answers at {addr} and there is no {SIDECAR} beside this program to start; waiting for one");
                        None
                    }
                },
            };
            *started.lock().unwrap_or_else(|e| e.into_inner()) = ours.clone();

            // The splash page shows until the agent answers, saying why it
            // waits. Then this keeps watching: a port another program held
            // that comes free, or an agent service that stops for good, gets
            // the bundled agent (the UI reconnects by itself).
            std::thread::spawn(move || {
                let mut ours = ours;
                let mut navigated = false;
                let mut shown = String::new();
                let mut since = Instant::now();
                let mut free_since: Option<Instant> = None;
                loop {
                    let answer = sidecar::probe(addr);
                    if answer == Answer::Nothing && ours.is_none() && sidecar_wanted {
                        let free_for = free_since.get_or_insert_with(Instant::now).elapsed();
                        // Once the UI is up, a restarting service gets a moment first.
                        if !navigated || free_for >= Duration::from_secs(5) {
                            if let Some(binary) = sidecar::binary() {
                                eprintln!("till: nothing holds {addr} now; starting the bundled agent");
                                let launched = Sidecar::launch(binary, addr);
                                *started.lock().unwrap_or_else(|e| e.into_inner()) = Some(launched.clone());
                                ours = Some(launched);
                            }
                        }
                    } else {
                        free_since = None;
                    }
                    if answer == Answer::Agent && !navigated {
                        navigated = true;
                        if let Err(e) = window.navigate(url.clone()) {
                            eprintln!("till: cannot open the till UI: {e}");
                        }
                        if let Some(display) = &display {
                            if let Err(e) = display.navigate(display_url.clone()) {
                                eprintln!("till: cannot open the customer display: {e}");
                            }
                        }
                    }
                    if navigated {
                        // The UI shows its own state while the agent is away.
                        std::thread::sleep(Duration::from_secs(1));
                        continue;
                    }
                    let text = match (&answer, ours.as_ref().and_then(|s| s.problem())) {
                        (_, Some(problem)) => format!("The till service is not running: {problem}."),
                        // Ours is up and about to answer.
                        _ if ours.is_some() => "Starting the till service…".to_owned(),
                        (Answer::Stranger(how), None) => format!(
                            "Another program holds {addr} ({how}). Stop it, or set TILL_AGENT to a free port: the till service starts when the port is free."
                        ),
                        _ => format!("Waiting for the till service at {addr}…"),
                    };
                    if text != shown {
                        show_on_splash(&window, &text);
                        shown = text;
                    }
                    if since.elapsed() > Duration::from_secs(30) {
                        eprintln!("till: still waiting: {shown}");
                        since = Instant::now();
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    let stop = move || {
        if let Some(sidecar) = sidecar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            sidecar.stop();
        }
    };
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("till: {e}");
            stop();
            std::process::exit(1);
        }
    };
    app.run(move |_, event| {
        if let tauri::RunEvent::Exit = event {
            stop();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_address_is_loopback_with_a_port() {
        assert_eq!(agent_address(None).unwrap(), DEFAULT_AGENT.parse().unwrap());
        assert_eq!(
            agent_address(Some("  ")).unwrap(),
            DEFAULT_AGENT.parse().unwrap()
        );
        assert_eq!(
            agent_address(Some("localhost:18720")).unwrap(),
            "127.0.0.1:18720".parse().unwrap()
        );
        assert_eq!(
            agent_address(Some("[::1]:8710")).unwrap(),
            "[::1]:8710".parse().unwrap()
        );
        for bad in [
            "garbage",
            "http://127.0.0.1:8710",
            "0.0.0.0:8710",
            "192.168.1.5:8710",
            "127.0.0.1:0",
            "localhost:x",
        ] {
            let e = agent_address(Some(bad)).unwrap_err();
            assert!(e.contains("TILL_AGENT"), "{bad}: {e}");
        }
        assert!(sidecar_wanted(None).unwrap());
        assert!(!sidecar_wanted(Some("off")).unwrap());
        assert!(sidecar_wanted(Some("no"))
            .unwrap_err()
            .contains("TILL_SIDECAR"));
        assert!(!sidecar_wanted(Some("OFF")).unwrap());
        assert!(kiosk_wanted(Some("1")).unwrap());
        assert!(!kiosk_wanted(None).unwrap() && !kiosk_wanted(Some("0")).unwrap());
        assert!(kiosk_wanted(Some("true"))
            .unwrap_err()
            .contains("TILL_KIOSK"));
    }

    #[test]
    fn a_missing_or_unreachable_display_is_said_plainly() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let e = display_present(None, None, None).unwrap_err();
        assert!(e.contains("neither DISPLAY nor WAYLAND_DISPLAY"), "{e}");
        assert!(display_present(Some(""), Some(""), None).is_err());
        // Stale: no X server on display 987, no compositor at that socket.
        let e =
            display_present(Some(":987"), Some("wayland-987"), Some("/nonexistent")).unwrap_err();
        assert!(e.contains("cannot be reached"), "{e}");
        // A socket that answers is a display.
        let dir = tempfile_dir();
        let socket = dir.join("wayland-test");
        let _compositor = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let runtime = dir.to_str().unwrap();
        assert!(display_present(None, Some("wayland-test"), Some(runtime)).is_ok());
        assert!(display_present(None, Some(socket.to_str().unwrap()), None).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A fresh directory under the system's temporary one.
    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "till-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_bad_customer_display_setting_is_refused() {
        assert_eq!(CustomerDisplay::parse(None), Ok(CustomerDisplay::Auto));
        assert_eq!(
            CustomerDisplay::parse(Some("window")),
            Ok(CustomerDisplay::Window)
        );
        let e = CustomerDisplay::parse(Some("bogus")).unwrap_err();
        assert!(e.contains("TILL_CUSTOMER_DISPLAY"), "{e}");
    }

    /// A port that takes connections and never answers is held: the app
    /// must not start an agent there (it would only fail on "address in
    /// use"). A free port is nothing.
    #[test]
    fn a_silent_listener_is_not_taken_for_a_free_port() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        let held = std::thread::spawn(move || {
            let (conn, _) = silent.accept().unwrap();
            std::thread::sleep(Duration::from_secs(3));
            drop(conn);
        });
        assert!(matches!(sidecar::probe(addr), Answer::Stranger(_)));
        held.join().unwrap();

        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = free.local_addr().unwrap();
        drop(free);
        assert_eq!(sidecar::probe(addr), Answer::Nothing);
    }
}
