//! A test-only TCP proxy between one till and the hub that misbehaves on demand.
//!
//! Each new connection takes the proxy's mode at the moment it is accepted;
//! switching to a faulty mode first cuts the live connections, so long-polls and
//! pooled keep-alive connections meet the fault too.
//!
//! - `Partition`: connections are closed at once, nothing passes.
//! - `Delay`: the connection waits before it reaches the hub.
//! - `CutResponse`: the hub's answer is cut after a few bytes (the hub acted, the
//!   till never hears: a lost ack).
//! - `Trickle`: answers are cut after some kilobytes (a big download keeps
//!   breaking half-way).
//! - `Duplicate`: everything the till sends is also sent to the hub on a second
//!   connection at the same time (duplicated delivery).
//! - `Replay`: the same, but the copy arrives later, after newer requests
//!   (reordered delivery).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Pass,
    Partition,
    Delay,
    CutResponse,
    Trickle,
    Duplicate,
    Replay,
}

struct State {
    mode: Mode,
    live: Vec<AbortHandle>,
    rng: fastrand::Rng,
}

pub struct FaultProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
    accept: AbortHandle,
}

impl FaultProxy {
    pub async fn start(upstream: SocketAddr, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let url = format!("http://{}", listener.local_addr().expect("proxy addr"));
        let state = Arc::new(Mutex::new(State {
            mode: Mode::Pass,
            live: Vec::new(),
            rng: fastrand::Rng::with_seed(seed),
        }));
        let accept_state = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let (mode, seed) = {
                    let mut s = accept_state.lock().unwrap();
                    s.live.retain(|h| !h.is_finished());
                    (s.mode, s.rng.u64(..))
                };
                let task = tokio::spawn(serve(client, upstream, mode, seed));
                accept_state.lock().unwrap().live.push(task.abort_handle());
            }
        })
        .abort_handle();
        FaultProxy { url, state, accept }
    }

    /// Switches mode; a faulty mode cuts every live connection first.
    pub fn set_mode(&self, mode: Mode) {
        let mut s = self.state.lock().unwrap();
        s.mode = mode;
        if mode != Mode::Pass {
            for h in s.live.drain(..) {
                h.abort();
            }
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        for h in self.state.lock().unwrap().live.drain(..) {
            h.abort();
        }
    }
}

async fn serve(client: TcpStream, upstream: SocketAddr, mode: Mode, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    match mode {
        Mode::Partition => return,
        Mode::Delay => tokio::time::sleep(Duration::from_millis(rng.u64(50..600))).await,
        _ => {}
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();

    // A second delivery of what the till sends, now or later.
    let shadow = match mode {
        Mode::Duplicate => Some(Duration::ZERO),
        Mode::Replay => Some(Duration::from_millis(rng.u64(200..1500))),
        _ => None,
    };
    let (copy_tx, copy_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    if let Some(delay) = shadow {
        tokio::spawn(deliver_copy(upstream, delay, copy_rx));
    }

    let upward = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match client_rx.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if shadow.is_some() {
                        let _ = copy_tx.send(buf[..n].to_vec());
                    }
                    if server_tx.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
    };
    let mut budget = match mode {
        Mode::CutResponse => Some(rng.usize(1..120)),
        Mode::Trickle => Some(rng.usize(2_000..20_000)),
        _ => None,
    };
    let downward = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match server_rx.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let n = match budget.as_mut() {
                        Some(left) => {
                            let take = n.min(*left);
                            *left -= take;
                            take
                        }
                        None => n,
                    };
                    if client_tx.write_all(&buf[..n]).await.is_err() || budget == Some(0) {
                        break;
                    }
                }
            }
        }
    };
    tokio::select! {
        _ = upward => {}
        _ = downward => {}
    }
}

/// Sends the copied bytes to the hub on a connection of their own after `delay`,
/// and throws the answers away.
async fn deliver_copy(
    upstream: SocketAddr,
    delay: Duration,
    mut bytes: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    tokio::time::sleep(delay).await;
    let Ok(conn) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut rx, mut tx) = conn.into_split();
    let drain = tokio::spawn(async move {
        let mut sink = vec![0u8; 16 * 1024];
        while matches!(rx.read(&mut sink).await, Ok(n) if n > 0) {}
    });
    while let Some(chunk) = bytes.recv().await {
        if tx.write_all(&chunk).await.is_err() {
            break;
        }
    }
    // Give the hub time to answer the last copied request before hanging up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drain.abort();
}
