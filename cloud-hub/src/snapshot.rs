//! Store snapshots for bootstrapping terminals.
//!
//! A snapshot is the store's catalog and stock at one feed sequence, written as
//! gzip-compressed JSON lines. Three things overlap while it is taken: the
//! storage reads rows in one consistent view and hands them over in chunks,
//! a blocking thread encodes and compresses them, and the terminal downloads
//! the bytes as they come (protocol 7), so a new till starts applying before
//! the hub has read the last row. The bytes are kept per terminal while it
//! downloads, and served with byte ranges, so a download cut half-way resumes
//! where it stopped instead of starting again.

use crate::domain::stores::DeviceIdentity;
use crate::domain::sync::SnapshotPart;
use crate::storage::{DbError, DynStorage};
use axum::body::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use pos_shared::sync::{SnapshotHeader, SnapshotRecord};
use pos_shared::TerminalId;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};

/// Compressed bytes gathered before waking the readers: a few TCP segments.
const WAKE_EVERY: usize = 32 * 1024;

/// How far a snapshot's encoding has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// This many bytes are written so far.
    Writing(usize),
    /// Whole, this many bytes.
    Done(usize),
    /// Given up: reading or encoding failed (the detail is logged).
    Failed,
}

/// A snapshot being written or written: its bytes so far, and a signal that
/// wakes everyone downloading it when more arrive.
pub struct Snapshot {
    pub seq: u64,
    bytes: Mutex<Vec<u8>>,
    progress: watch::Sender<Progress>,
}

impl Snapshot {
    fn new(seq: u64) -> Self {
        Snapshot {
            seq,
            bytes: Mutex::new(Vec::new()),
            progress: watch::Sender::new(Progress::Writing(0)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.bytes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn append(&self, data: &[u8]) {
        let len = {
            let mut bytes = self.lock();
            bytes.extend_from_slice(data);
            bytes.len()
        };
        self.progress.send_replace(Progress::Writing(len));
    }

    fn end(&self, ok: bool) {
        let len = self.lock().len();
        self.progress.send_replace(if ok {
            Progress::Done(len)
        } else {
            Progress::Failed
        });
    }

    /// Waits until there are bytes past `offset` or the snapshot has ended;
    /// returns those bytes (empty at the end), or `None` when it failed.
    pub async fn bytes_from(&self, offset: usize) -> Option<Bytes> {
        let mut rx = self.progress.subscribe();
        let seen = rx
            .wait_for(|p| !matches!(p, Progress::Writing(len) if *len <= offset))
            .await
            .map(|p| p.clone())
            .unwrap_or(Progress::Failed);
        if seen == Progress::Failed {
            return None;
        }
        let bytes = self.lock();
        Some(Bytes::copy_from_slice(
            bytes.get(offset..).unwrap_or_default(),
        ))
    }

    /// Waits for the whole snapshot; `None` when it failed.
    pub async fn whole(&self) -> Option<Bytes> {
        let mut rx = self.progress.subscribe();
        let ended = rx
            .wait_for(|p| !matches!(p, Progress::Writing(_)))
            .await
            .map(|p| p.clone())
            .unwrap_or(Progress::Failed);
        match ended {
            Progress::Done(_) => Some(Bytes::copy_from_slice(&self.lock())),
            _ => None,
        }
    }

    /// The bytes from `offset` on as a body stream that follows the writing;
    /// it ends in an error if the snapshot fails, so the terminal sees a cut
    /// download rather than a short one.
    pub fn stream_from(
        self: Arc<Self>,
        offset: usize,
    ) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
        futures_util::stream::unfold(Some(offset), move |at| {
            let snapshot = self.clone();
            async move {
                let at = at?;
                match snapshot.bytes_from(at).await {
                    None => Some((Err(std::io::Error::other("the snapshot failed")), None)),
                    Some(b) if b.is_empty() => None,
                    Some(b) => {
                        let next = at + b.len();
                        Some((Ok(b), Some(next)))
                    }
                }
            }
        })
    }
}

/// The snapshot each terminal is downloading; one per terminal, replaced when
/// it asks for a new one.
#[derive(Default)]
pub struct SnapshotCache {
    by_terminal: Mutex<HashMap<TerminalId, Arc<Snapshot>>>,
}

impl SnapshotCache {
    pub fn get(&self, terminal: TerminalId, seq: u64) -> Option<Arc<Snapshot>> {
        let map = self.by_terminal.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&terminal).filter(|b| b.seq == seq).cloned()
    }

    fn put(&self, terminal: TerminalId, snapshot: Arc<Snapshot>) {
        self.by_terminal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(terminal, snapshot);
    }
}

/// Starts taking the device's snapshot: returns once its sequence is known,
/// with the snapshot kept for the terminal and still being written.
pub async fn take(
    storage: DynStorage,
    cache: Arc<SnapshotCache>,
    device: DeviceIdentity,
    protocol_version: u16,
) -> Result<Arc<Snapshot>, DbError> {
    let (parts, mut received) = mpsc::channel::<SnapshotPart>(4);
    let (started, start) = oneshot::channel();
    tokio::spawn(async move {
        let begun = std::time::Instant::now();
        let reader_storage = storage.clone();
        let reader_device = device.clone();
        let reading =
            tokio::spawn(async move { reader_storage.store_snapshot(&reader_device, parts).await });
        let Some(SnapshotPart::Head(header)) = received.recv().await else {
            let failure = match reading.await {
                Ok(Err(e)) => e,
                Ok(Ok(())) => DbError::Corrupt("the snapshot began without its head".into()),
                Err(e) => DbError::Corrupt(format!("the snapshot's reader stopped: {e}")),
            };
            let _ = started.send(Err(failure));
            return;
        };
        let snapshot = Arc::new(Snapshot::new(header.seq));
        cache.put(device.terminal_id, snapshot.clone());
        let _ = started.send(Ok(snapshot.clone()));
        let writer = snapshot.clone();
        let encoding = tokio::task::spawn_blocking(move || {
            encode(header, received, protocol_version, &writer)
        });
        let read = reading.await;
        let encoded = encoding.await;
        let outcome = match (read, encoded) {
            (Ok(Ok(())), Ok(Ok(()))) => Ok(()),
            (Ok(Err(e)), _) => Err(format!("reading: {e}")),
            (_, Ok(Err(e))) => Err(format!("encoding: {e}")),
            (Err(e), _) | (_, Err(e)) => Err(format!("task: {e}")),
        };
        snapshot.end(outcome.is_ok());
        match outcome {
            Ok(()) => tracing::info!(
                terminal = %device.terminal_id,
                seq = snapshot.seq,
                bytes = snapshot.lock().len(),
                taken_ms = begun.elapsed().as_millis() as u64,
                "snapshot taken"
            ),
            Err(e) => tracing::error!(
                terminal = %device.terminal_id,
                seq = snapshot.seq,
                error = %e,
                "snapshot failed"
            ),
        }
    });
    start
        .await
        .map_err(|_| DbError::Corrupt("the snapshot task stopped".into()))?
}

/// Appends compressed output to the snapshot, waking its readers every
/// [`WAKE_EVERY`] bytes rather than on every small write.
struct Appender<'a> {
    snapshot: &'a Snapshot,
    pending: Vec<u8>,
}

impl Write for Appender<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(data);
        if self.pending.len() >= WAKE_EVERY {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            self.snapshot.append(&self.pending);
            self.pending.clear();
        }
        Ok(())
    }
}

/// Writes the head and every record received as gzip-compressed JSON lines.
/// The stream is only finished (its gzip trailer written) when every record
/// the head promised arrived, so a read cut short never looks whole.
fn encode(
    mut header: SnapshotHeader,
    mut received: mpsc::Receiver<SnapshotPart>,
    protocol_version: u16,
    snapshot: &Snapshot,
) -> std::io::Result<()> {
    let with_orders = protocol_version >= pos_shared::sync::ORDERS_PROTOCOL;
    let with_items_at_store = protocol_version >= pos_shared::sync::ITEM_AT_STORE_PROTOCOL;
    let with_purchase_orders = protocol_version >= pos_shared::sync::PURCHASE_PROTOCOL;
    let with_credit = protocol_version >= pos_shared::sync::CREDIT_PROTOCOL;
    let with_transfers = protocol_version >= pos_shared::sync::STORE_TRANSFER_PROTOCOL;
    let with_loyalty = protocol_version >= pos_shared::sync::LOYALTY_PROTOCOL;
    header.protocol_version = protocol_version;
    if !with_orders {
        header.orders = 0;
    }
    if !with_items_at_store {
        header.items_at_store = 0;
    }
    if !with_purchase_orders {
        header.purchase_orders = 0;
        header.stores = 0;
    }
    if !with_credit {
        header.credit_accounts = 0;
    }
    if !with_transfers {
        header.transfers = 0;
    }
    if !with_loyalty {
        header.loyalty = 0;
    }
    let promised = header.records();
    let appender = Appender {
        snapshot,
        pending: Vec::with_capacity(WAKE_EVERY * 2),
    };
    let mut gz = GzEncoder::new(appender, Compression::fast());
    let mut line = Vec::with_capacity(1024);
    write_line(&mut gz, &mut line, &header)?;
    let mut written = 0u64;
    while let Some(part) = received.blocking_recv() {
        let SnapshotPart::Records(records) = part else {
            return Err(std::io::Error::other("a second head in one snapshot"));
        };
        for record in &records {
            let unknown = match record {
                SnapshotRecord::Order(_) => !with_orders,
                SnapshotRecord::ItemAtStore(_) => !with_items_at_store,
                SnapshotRecord::PurchaseOrder(_) | SnapshotRecord::Store(_) => {
                    !with_purchase_orders
                }
                SnapshotRecord::CreditAccount(_) => !with_credit,
                SnapshotRecord::TransferRequest(_) | SnapshotRecord::Transfer(_) => !with_transfers,
                SnapshotRecord::LoyaltyRules(_) | SnapshotRecord::LoyaltyAccount(_) => {
                    !with_loyalty
                }
                _ => false,
            };
            if unknown {
                continue;
            }
            write_line(&mut gz, &mut line, record)?;
            written += 1;
        }
    }
    if written != promised {
        return Err(std::io::Error::other(format!(
            "{written} records read, the head promised {promised}"
        )));
    }
    let mut appender = gz.finish()?;
    appender.flush()
}

/// One JSON line, serialised into a reused buffer and written at once (one
/// call into the compressor per record, not one per token).
fn write_line<T: serde::Serialize>(
    out: &mut impl Write,
    line: &mut Vec<u8>,
    value: &T,
) -> std::io::Result<()> {
    line.clear();
    serde_json::to_writer(&mut *line, value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(line)
}

/// Parses `Range: bytes=N-` (the only form a resuming download sends).
pub fn range_start(header: Option<&str>, len: usize) -> Result<usize, String> {
    let Some(value) = header else { return Ok(0) };
    let start = value
        .strip_prefix("bytes=")
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or_else(|| format!("Range {value:?} is not of the form bytes=N-"))?;
    if start >= len {
        return Err(format!(
            "Range starts at {start}, past the end ({len} bytes)"
        ));
    }
    Ok(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resume_from_an_offset() {
        assert_eq!(range_start(None, 10), Ok(0));
        assert_eq!(range_start(Some("bytes=4-"), 10), Ok(4));
        assert!(range_start(Some("bytes=10-"), 10).is_err());
        assert!(range_start(Some("bytes=1-5"), 10).is_err());
        assert!(range_start(Some("items=1-"), 10).is_err());
    }

    #[tokio::test]
    async fn readers_follow_the_writing_and_see_a_failure() {
        let snapshot = Arc::new(Snapshot::new(7));
        let follower = tokio::spawn({
            let s = snapshot.clone();
            async move {
                use futures_util::StreamExt;
                let mut got = Vec::new();
                let mut stream = std::pin::pin!(s.stream_from(0));
                while let Some(chunk) = stream.next().await {
                    match chunk {
                        Ok(b) => got.extend_from_slice(&b),
                        Err(_) => return Err(got),
                    }
                }
                Ok(got)
            }
        });
        snapshot.append(b"abc");
        tokio::task::yield_now().await;
        snapshot.append(b"def");
        snapshot.end(true);
        assert_eq!(follower.await.unwrap(), Ok(b"abcdef".to_vec()));
        assert_eq!(snapshot.bytes_from(2).await.unwrap(), &b"cdef"[..]);
        assert_eq!(snapshot.whole().await.unwrap(), &b"abcdef"[..]);

        let failing = Arc::new(Snapshot::new(8));
        let follower = tokio::spawn({
            let s = failing.clone();
            async move {
                use futures_util::StreamExt;
                let mut stream = std::pin::pin!(s.stream_from(0));
                let first = stream.next().await.unwrap().unwrap();
                let second = stream.next().await.unwrap();
                (first, second.is_err())
            }
        });
        failing.append(b"xy");
        tokio::task::yield_now().await;
        failing.end(false);
        let (first, failed) = follower.await.unwrap();
        assert_eq!(first, &b"xy"[..]);
        assert!(failed, "a failed snapshot ends its download in an error");
        assert!(failing.whole().await.is_none());
    }
}
