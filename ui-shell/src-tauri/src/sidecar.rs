//! The till agent as this app's sidecar: how the app tells the agent from
//! anything else on its port, and the agent it starts, watches and stops when
//! no agent service runs.
//!
//! The agent dies with the app: on Linux the kernel sends it SIGTERM when the
//! app's process ends, however it ends (closed, killed, logged out), so no
//! orphan agent holds the port for the next start. A start that fails, or an
//! agent that dies soon after starting, is retried with a growing pause, and
//! the reason is kept for the window to show.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The agent the bundle carries, named apart from the `pos-edge-agent`
/// service package's `edge-agent` so both may be installed.
pub const SIDECAR: &str = "pos-till-agent";

/// Whether the display the window would open on answers: an X server
/// (`DISPLAY`, its socket or TCP port) or a Wayland compositor
/// (`WAYLAND_DISPLAY`, under `XDG_RUNTIME_DIR`). A stale variable (an SSH
/// session, a service started before the desktop) names one that does not.
pub fn display_answers(
    x11: Option<&str>,
    wayland: Option<&str>,
    runtime_dir: Option<&str>,
) -> bool {
    let x11 = x11.filter(|d| !d.is_empty()).is_some_and(|d| {
        let (host, rest) = d.rsplit_once(':').unwrap_or(("", d));
        let Ok(number) = rest.split('.').next().unwrap_or_default().parse::<u16>() else {
            return false;
        };
        if host.is_empty() || host == "unix" {
            unix_answers(&format!("/tmp/.X11-unix/X{number}"))
        } else {
            use std::net::ToSocketAddrs;
            (host, 6000 + number)
                .to_socket_addrs()
                .is_ok_and(|mut addrs| {
                    addrs.any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_ok())
                })
        }
    });
    let wayland = wayland.filter(|w| !w.is_empty()).is_some_and(|w| {
        if w.starts_with('/') {
            unix_answers(w)
        } else {
            runtime_dir.is_some_and(|dir| unix_answers(&format!("{dir}/{w}")))
        }
    });
    x11 || wayland
}

#[cfg(unix)]
fn unix_answers(path: &str) -> bool {
    std::os::unix::net::UnixStream::connect(path).is_ok()
}

#[cfg(not(unix))]
fn unix_answers(_path: &str) -> bool {
    false
}

/// What answers on the agent's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The till agent, ready.
    Agent,
    /// Nothing listens.
    Nothing,
    /// Something that is not the till agent holds the port: another HTTP
    /// service (its status line), or a program that takes the connection
    /// and says nothing an HTTP client could read.
    Stranger(String),
}

/// Asks `GET /health`: the agent answers 200 with `"service":"edge-agent"`.
pub fn probe(addr: SocketAddr) -> Answer {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return Answer::Nothing;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return Answer::Nothing;
    }
    let mut answer = Vec::new();
    // A health answer is small; more than this is not the agent's. A port
    // that took the connection is held, whether or not anything came back:
    // starting an agent there would only fail on "address in use".
    let _ = stream.take(64 * 1024).read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status = text.lines().next().unwrap_or_default().to_owned();
    if status.split_whitespace().nth(1) == Some("200")
        && text.contains("\"service\":\"edge-agent\"")
    {
        Answer::Agent
    } else if answer.is_empty() {
        Answer::Stranger("it takes connections but gives no HTTP answer".into())
    } else {
        Answer::Stranger(format!("it answers \"{status}\" and is another service"))
    }
}

/// The agent binary to start: `TILL_AGENT_BIN`, else the bundled one beside
/// this program.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TILL_AGENT_BIN") {
        return Some(PathBuf::from(path));
    }
    let beside = std::env::current_exe()
        .ok()?
        .with_file_name(format!("{SIDECAR}{}", std::env::consts::EXE_SUFFIX));
    beside.exists().then_some(beside)
}

/// An agent that runs at least this long before dying is restarted at once.
const HEALTHY_RUN: Duration = Duration::from_secs(10);
const FIRST_PAUSE: Duration = Duration::from_secs(2);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);

/// The agent this app started, kept running for as long as the app runs.
pub struct Sidecar {
    binary: PathBuf,
    addr: SocketAddr,
    child: Mutex<Option<(Child, Instant)>>,
    /// Why the agent is not running, for the window; `None` while it runs.
    problem: Mutex<Option<String>>,
    /// Set as the app exits: the watch starts no agent after that.
    stopping: AtomicBool,
}

impl Sidecar {
    /// Starts the agent on `addr` and watches it from a thread of its own.
    pub fn launch(binary: PathBuf, addr: SocketAddr) -> Arc<Sidecar> {
        let sidecar = Arc::new(Sidecar {
            binary,
            addr,
            child: Mutex::new(None),
            problem: Mutex::new(None),
            stopping: AtomicBool::new(false),
        });
        sidecar.start();
        let watched = sidecar.clone();
        std::thread::spawn(move || watched.watch());
        sidecar
    }

    /// Why the agent is not running, if it is not.
    pub fn problem(&self) -> Option<String> {
        self.problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_problem(&self, problem: Option<String>) {
        if let Some(p) = &problem {
            eprintln!("till: {p}");
        }
        *self.problem.lock().unwrap_or_else(|e| e.into_inner()) = problem;
    }

    fn start(&self) -> bool {
        let mut command = Command::new(&self.binary);
        command.env("EDGE_LISTEN", self.addr.to_string());
        die_with_this_process(&mut command);
        match command.spawn() {
            Ok(child) => {
                eprintln!(
                    "till: started the agent {} (pid {}) on {}",
                    self.binary.display(),
                    child.id(),
                    self.addr
                );
                *self.child.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((child, Instant::now()));
                self.set_problem(None);
                true
            }
            Err(e) => {
                self.set_problem(Some(format!(
                    "cannot start the till agent {}: {e}",
                    self.binary.display()
                )));
                false
            }
        }
    }

    /// Restarts the agent whenever it exits (the UI reconnects by itself):
    /// at once after a good run, else after a pause that doubles each time.
    fn watch(&self) {
        let mut pause = FIRST_PAUSE;
        loop {
            std::thread::sleep(Duration::from_secs(1));
            if self.stopping.load(Ordering::SeqCst) {
                return;
            }
            let ended = {
                let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
                match child.as_mut().map(|(c, since)| (c.try_wait(), *since)) {
                    Some((Ok(None), _)) => continue,
                    Some((Ok(Some(status)), since)) => {
                        child.take();
                        Some((
                            format!("the till agent stopped ({status})"),
                            since.elapsed(),
                        ))
                    }
                    Some((Err(e), since)) => {
                        child.take();
                        Some((
                            format!("the till agent cannot be watched: {e}"),
                            since.elapsed(),
                        ))
                    }
                    None => None, // It never started.
                }
            };
            match ended {
                Some((what, ran)) if ran >= HEALTHY_RUN => {
                    pause = FIRST_PAUSE;
                    self.set_problem(Some(format!("{what}; starting it again")));
                }
                Some((what, _)) => {
                    // The usual cause: another program took the agent's port.
                    let held = match probe(self.addr) {
                        Answer::Stranger(how) => format!(
                            "; another program holds {} ({how}): stop it, or set TILL_AGENT to a free port",
                            self.addr
                        ),
                        _ => String::new(),
                    };
                    self.set_problem(Some(format!(
                        "{what} soon after it started{held}; starting it again in {} s",
                        pause.as_secs()
                    )));
                    self.sleep_unless_stopping(pause);
                    pause = (pause * 2).min(LONGEST_PAUSE);
                }
                None => {
                    self.sleep_unless_stopping(pause);
                    pause = (pause * 2).min(LONGEST_PAUSE);
                }
            }
            if self.stopping.load(Ordering::SeqCst) {
                return;
            }
            // An agent service may have come up meanwhile: it wins.
            if probe(self.addr) == Answer::Agent {
                self.set_problem(None);
                continue;
            }
            self.start();
        }
    }

    fn sleep_unless_stopping(&self, pause: Duration) {
        let until = Instant::now() + pause;
        while Instant::now() < until && !self.stopping.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops the agent as the app exits (the event loop ends the process, so
    /// nothing is dropped then).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        if let Some((mut child, _)) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Has the kernel end the agent (SIGTERM, which it shuts down cleanly on)
/// when this process ends, however it ends.
#[cfg(target_os = "linux")]
fn die_with_this_process(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Elsewhere the app stops the agent when it exits normally.
#[cfg(not(target_os = "linux"))]
fn die_with_this_process(_command: &mut Command) {}
