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
//!
//! A snapshot leaves out the stock its terminal moved (the till holds those
//! movements itself). For a terminal that moved none it is the store's: the
//! tills of a store that bootstrap within [`SHARE_FOR`] (the hub's
//! `feed.snapshot_share_secs`) of each other and have moved no stock (a
//! store opening, new tills) are given the same one, even while it is still
//! being written, and catch up from its sequence through the feed like any
//! till. Snapshots are let go [`KEEP_FOR`] after they were taken, and the
//! oldest sooner when the kept bytes pass [`MAX_KEPT_BYTES`].

use crate::domain::stores::DeviceIdentity;
use crate::domain::sync::SnapshotPart;
use crate::storage::{DbError, DynStorage};
use axum::body::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use pos_shared::sync::{SnapshotHeader, SnapshotRecord};
use pos_shared::{StoreId, TenantId, TerminalId};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};

/// Compressed bytes gathered before waking the readers: a few TCP segments.
const WAKE_EVERY: usize = 32 * 1024;

/// How long a store's snapshot is given to its other tills that bootstrap
/// unless the hub is told otherwise: short enough that the feed they catch
/// up through is a few pages.
pub const SHARE_FOR: Duration = Duration::from_secs(120);

/// How long a snapshot is kept for a cut download to resume.
pub const KEEP_FOR: Duration = Duration::from_secs(30 * 60);

/// The most snapshot bytes kept at once; past it the oldest are let go
/// (a terminal resuming one then asks for a new one).
pub const MAX_KEPT_BYTES: usize = 256 * 1024 * 1024;

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
    taken_at: Instant,
    bytes: Mutex<Vec<u8>>,
    progress: watch::Sender<Progress>,
}

impl Snapshot {
    fn new(seq: u64) -> Self {
        Snapshot {
            seq,
            taken_at: Instant::now(),
            bytes: Mutex::new(Vec::new()),
            progress: watch::Sender::new(Progress::Writing(0)),
        }
    }

    /// Bytes written so far.
    fn len(&self) -> usize {
        match *self.progress.borrow() {
            Progress::Writing(n) | Progress::Done(n) => n,
            Progress::Failed => 0,
        }
    }

    fn failed(&self) -> bool {
        *self.progress.borrow() == Progress::Failed
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

/// Whose snapshot: a store's, read at one protocol version.
type StoreKey = (TenantId, StoreId, u16);

/// The snapshot each terminal is downloading (one per terminal, replaced
/// when it asks for a new one), and each store's latest.
pub struct SnapshotCache {
    share_for: Duration,
    kept: Mutex<Kept>,
}

impl Default for SnapshotCache {
    fn default() -> Self {
        SnapshotCache::new(SHARE_FOR)
    }
}

#[derive(Default)]
struct Kept {
    by_terminal: HashMap<TerminalId, Arc<Snapshot>>,
    by_store: HashMap<StoreKey, Arc<Snapshot>>,
}

impl SnapshotCache {
    /// Shares a store's snapshot for `share_for` (zero: never).
    pub fn new(share_for: Duration) -> Self {
        SnapshotCache {
            share_for,
            kept: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The snapshot the terminal was given at `seq`, to resume.
    pub fn get(&self, terminal: TerminalId, seq: u64) -> Option<Arc<Snapshot>> {
        self.lock()
            .by_terminal
            .get(&terminal)
            .filter(|b| b.seq == seq)
            .cloned()
    }

    /// The store's snapshot taken less than the sharing time ago for a
    /// terminal that had moved no stock, and not failed, for this terminal
    /// (it must have moved none either, and not have been given that one
    /// already: asking again, it wants a new one). [`Self::give`] makes it
    /// the terminal's.
    pub fn share(&self, device: &DeviceIdentity, protocol: u16) -> Option<Arc<Snapshot>> {
        let kept = self.lock();
        let key = (device.tenant_id, device.store_id, protocol);
        let shared = kept
            .by_store
            .get(&key)
            .filter(|s| s.taken_at.elapsed() < self.share_for && !s.failed())
            .cloned()?;
        // A terminal asking again for a new one is not given its own back.
        if kept
            .by_terminal
            .get(&device.terminal_id)
            .is_some_and(|mine| Arc::ptr_eq(mine, &shared))
        {
            return None;
        }
        Some(shared)
    }

    /// Keeps `snapshot` as the one the terminal downloads (and may resume).
    pub fn give(&self, device: &DeviceIdentity, snapshot: Arc<Snapshot>) {
        self.lock().by_terminal.insert(device.terminal_id, snapshot);
    }

    /// Keeps the terminal's snapshot; `shareable` when the terminal moved
    /// no stock, so the snapshot is the store's as any new till sees it.
    fn put(
        &self,
        device: &DeviceIdentity,
        protocol: u16,
        snapshot: Arc<Snapshot>,
        shareable: bool,
    ) {
        let mut kept = self.lock();
        kept.by_terminal
            .insert(device.terminal_id, snapshot.clone());
        if shareable {
            kept.by_store
                .insert((device.tenant_id, device.store_id, protocol), snapshot);
        }
        kept.let_go();
    }
}

impl Kept {
    /// Lets go of what is older than [`KEEP_FOR`] or failed, then of the
    /// oldest while more than [`MAX_KEPT_BYTES`] are kept.
    fn let_go(&mut self) {
        let stale = |s: &Arc<Snapshot>| s.taken_at.elapsed() >= KEEP_FOR || s.failed();
        self.by_terminal.retain(|_, s| !stale(s));
        self.by_store.retain(|_, s| !stale(s));
        loop {
            let mut distinct: Vec<&Arc<Snapshot>> = self
                .by_terminal
                .values()
                .chain(self.by_store.values())
                .collect();
            distinct.sort_by_key(|s| Arc::as_ptr(s));
            distinct.dedup_by_key(|s| Arc::as_ptr(s));
            if distinct.iter().map(|s| s.len()).sum::<usize>() <= MAX_KEPT_BYTES
                || distinct.len() <= 1
            {
                return;
            }
            let oldest = distinct
                .iter()
                .min_by_key(|s| s.taken_at)
                .map(|s| Arc::as_ptr(s))
                .unwrap_or(std::ptr::null());
            self.by_terminal.retain(|_, s| Arc::as_ptr(s) != oldest);
            self.by_store.retain(|_, s| Arc::as_ptr(s) != oldest);
        }
    }
}

/// The device's snapshot: the store's, when the device moved no stock and
/// another such till was given one moments ago; else a new one, returned
/// once its sequence is known, kept for the terminal and still being
/// written.
pub async fn for_device(
    storage: DynStorage,
    cache: Arc<SnapshotCache>,
    device: DeviceIdentity,
    protocol_version: u16,
) -> Result<Arc<Snapshot>, DbError> {
    let shareable = !storage.terminal_moved_stock(&device).await?;
    if let Some(shared) = cache.share(&device, protocol_version).filter(|_| shareable) {
        // The feed must still hold what followed it: a till given a
        // snapshot older than the feed keeps would be sent back for a new
        // one, and given the same again.
        match storage
            .feed(device.tenant_id, device.store_id, shared.seq, 1)
            .await
        {
            Ok(_) => {
                cache.give(&device, shared.clone());
                return Ok(shared);
            }
            Err(DbError::CursorExpired { .. } | DbError::CursorAhead { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    take(storage, cache, device, protocol_version, shareable).await
}

/// Starts taking the device's snapshot: returns once its sequence is known,
/// with the snapshot kept for the terminal and still being written.
async fn take(
    storage: DynStorage,
    cache: Arc<SnapshotCache>,
    device: DeviceIdentity,
    protocol_version: u16,
    shareable: bool,
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
        cache.put(&device, protocol_version, snapshot.clone(), shareable);
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

    fn till(tenant: TenantId, store: StoreId) -> DeviceIdentity {
        DeviceIdentity {
            tenant_id: tenant,
            store_id: store,
            terminal_id: TerminalId::new(),
            terminal_name: "Till".into(),
            receipt_prefix: "T".into(),
        }
    }

    #[test]
    fn a_stores_tills_share_its_snapshot_and_no_one_else_does() {
        let cache = SnapshotCache::default();
        let (tenant, store) = (TenantId::new(), StoreId::new());
        let first = till(tenant, store);
        let taken = Arc::new(Snapshot::new(42));
        cache.put(&first, 13, taken.clone(), true);
        let second = till(tenant, store);
        let shared = cache
            .share(&second, 13)
            .expect("the store's tills share it");
        assert!(Arc::ptr_eq(&shared, &taken));
        cache.give(&second, shared);
        assert!(
            cache.share(&first, 13).is_none(),
            "a till asking again gets a new one"
        );
        assert!(
            cache.get(second.terminal_id, 42).is_some(),
            "and may resume it"
        );
        assert!(cache.share(&till(tenant, StoreId::new()), 13).is_none());
        assert!(cache.share(&till(TenantId::new(), store), 13).is_none());
        assert!(
            cache.share(&till(tenant, store), 12).is_none(),
            "another protocol reads differently"
        );
        taken.end(false);
        assert!(
            cache.share(&till(tenant, store), 13).is_none(),
            "a failed one is taken again"
        );
        // A till that moved stock has a snapshot of its own.
        let moved = till(tenant, StoreId::new());
        cache.put(&moved, 13, Arc::new(Snapshot::new(7)), false);
        assert!(cache.get(moved.terminal_id, 7).is_some());
        assert!(cache.share(&till(tenant, moved.store_id), 13).is_none());
    }

    #[test]
    fn the_oldest_are_let_go_past_the_byte_cap() {
        let cache = SnapshotCache::default();
        let tenant = TenantId::new();
        let big = vec![0u8; MAX_KEPT_BYTES / 2 + 1];
        let tills: Vec<DeviceIdentity> = (0..3).map(|_| till(tenant, StoreId::new())).collect();
        for (i, t) in tills.iter().enumerate() {
            let s = Arc::new(Snapshot::new(i as u64));
            s.append(&big);
            s.end(true);
            cache.put(t, 13, s, true);
        }
        assert!(
            cache.get(tills[0].terminal_id, 0).is_none(),
            "the oldest went"
        );
        assert!(cache.get(tills[1].terminal_id, 1).is_none());
        assert!(
            cache.get(tills[2].terminal_id, 2).is_some(),
            "the newest stays"
        );
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
