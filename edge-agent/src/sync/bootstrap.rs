//! Bootstrapping a terminal from a store snapshot.
//!
//! The snapshot streams to a file in the data dir, so a download cut half-way
//! resumes from the bytes already there (HTTP range) instead of starting over.
//! It is applied while it downloads: a blocking reader follows the file as it
//! grows, line by line, in bounded batches, so memory stays flat however big
//! the store's catalog is and the till is ready soon after the last byte. A
//! cut download stops the apply too; the next try resumes the download and
//! applies the file again from its start (applying is idempotent).

use super::error::SyncError;
use crate::store::snapshot::{self as snapshot_store, Pending};
use crate::store::LocalStore;
use crate::sync::hub_client::{HubClient, HubError, SnapshotDownload};
use flate2::read::GzDecoder;
use pos_shared::sync::{check_protocol, DeviceCredential, SnapshotHeader, SnapshotRecord};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Records applied per local transaction.
const BATCH: usize = 10_000;

fn part_file(data_dir: &Path) -> PathBuf {
    data_dir.join("snapshot.jsonl.gz.part")
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn io_error(what: &str, e: impl std::fmt::Display) -> SyncError {
    SyncError::Setup(format!("{what}: {e}"))
}

/// How much of the snapshot file has arrived, told by the download to the
/// apply that reads it meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrived {
    /// The file holds this many bytes; more are coming.
    Partly(u64),
    Whole,
    /// The download stopped short; the apply must stop too.
    Cut,
}

struct Arrival {
    state: Mutex<Arrived>,
    changed: Condvar,
}

impl Arrival {
    fn new(state: Arrived) -> Arc<Self> {
        Arc::new(Arrival {
            state: Mutex::new(state),
            changed: Condvar::new(),
        })
    }

    fn set(&self, to: impl FnOnce(Arrived) -> Arrived) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        *state = to(*state);
        self.changed.notify_all();
    }
}

/// Reads the snapshot file as the download writes it: at the end of what is
/// there it waits for more, and it ends only when the download is whole.
struct Following {
    file: std::fs::File,
    at: u64,
    arrival: Arc<Arrival>,
}

impl Read for Following {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.file.read(buf)?;
            if n > 0 || buf.is_empty() {
                self.at += n as u64;
                return Ok(n);
            }
            let mut state = self.arrival.state.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                match *state {
                    Arrived::Partly(len) if len > self.at => break,
                    Arrived::Partly(_) => {
                        state = self
                            .arrival
                            .changed
                            .wait(state)
                            .unwrap_or_else(|e| e.into_inner());
                    }
                    Arrived::Whole => {
                        drop(state);
                        // The last bytes may have landed since the read above.
                        let n = self.file.read(buf)?;
                        self.at += n as u64;
                        return Ok(n);
                    }
                    Arrived::Cut => {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionAborted,
                            "the snapshot download was cut",
                        ))
                    }
                }
            }
        }
    }
}

/// Downloads (or finishes downloading) a snapshot, applying it meanwhile;
/// returns its sequence.
pub async fn run(
    store: &LocalStore,
    client: &HubClient,
    credential: &DeviceCredential,
    data_dir: &Path,
) -> Result<u64, SyncError> {
    let path = part_file(data_dir);
    let started = Instant::now();
    let (seq, download) = open(store, client, credential, &path).await?;
    let arrival = Arrival::new(match download {
        Some(_) => Arrived::Partly(file_len(&path)),
        None => Arrived::Whole,
    });
    let reader = Following {
        file: std::fs::File::open(&path).map_err(|e| io_error("cannot open the snapshot", e))?,
        at: 0,
        arrival: arrival.clone(),
    };
    let applier = store.clone();
    let mut applying = tokio::task::spawn_blocking(move || apply(&applier, reader, seq));
    let fetched = async {
        if let Some(download) = download {
            let fetched = fetch(store, download, &path, &arrival).await;
            arrival.set(|_| {
                if fetched.is_ok() {
                    Arrived::Whole
                } else {
                    Arrived::Cut
                }
            });
            fetched?;
            tracing::info!(
                seq,
                bytes = file_len(&path),
                download_ms = started.elapsed().as_millis() as u64,
                "store snapshot downloaded"
            );
        }
        Ok::<(), SyncError>(())
    };
    let mut fetched = std::pin::pin!(fetched);
    let applied = tokio::select! {
        fetched = &mut fetched => {
            // Cut: the apply stops on it, and is waited for, so no batch of
            // this try lands after the next try has begun.
            let applied = (&mut applying).await;
            fetched?; // The next try resumes the download.
            applied
        }
        applied = &mut applying => match applied {
            // The gzip stream ended whole before the body did: let the
            // download finish its bookkeeping, so none of it lands after
            // the pending snapshot is cleared below.
            Ok(Ok(())) => {
                let _ = fetched.await;
                Ok(Ok(()))
            }
            // The apply gave up before the download ended: bad bytes, not worth the rest.
            other => other,
        },
    }
    .map_err(|e| io_error("snapshot task", e))
    .and_then(|applied| applied);
    if let Err(e) = applied {
        // A file that does not read back is not worth resuming.
        let _ = std::fs::remove_file(&path);
        store.call(|c| snapshot_store::set_pending(c, None)).await?;
        return Err(e);
    }
    let _ = std::fs::remove_file(&path);
    store.call(|c| snapshot_store::set_pending(c, None)).await?;
    tracing::info!(
        seq,
        ready_ms = started.elapsed().as_millis() as u64,
        "store snapshot applied"
    );
    Ok(seq)
}

/// Starts or resumes the download; `None` when the file is already whole.
async fn open(
    store: &LocalStore,
    client: &HubClient,
    credential: &DeviceCredential,
    path: &Path,
) -> Result<(u64, Option<SnapshotDownload>), SyncError> {
    let mut pending = store.call(|c| snapshot_store::pending(c)).await?;
    loop {
        if let Some(Pending {
            seq,
            len: Some(len),
        }) = pending
        {
            if file_len(path) == len {
                return Ok((seq, None));
            }
        }
        let from = if pending.is_some() { file_len(path) } else { 0 };
        let download = match client
            .snapshot(&credential.token, pending.map(|p| p.seq), from)
            .await
        {
            // The hub no longer keeps it (restarted, or replaced): start afresh.
            Err(HubError::Refused {
                status: 410 | 416, ..
            }) if pending.is_some() => {
                let _ = std::fs::remove_file(path);
                pending = None;
                store.call(|c| snapshot_store::set_pending(c, None)).await?;
                continue;
            }
            other => other?,
        };
        if pending.is_none() || from == 0 {
            // The snapshot holds the staff's PIN hashes: the agent's user alone reads it.
            crate::private_files::options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(path)
                .and_then(|_| crate::private_files::restrict(path))
                .map_err(|e| io_error("cannot start the snapshot file", e))?;
        }
        // A snapshot sent as the hub reads it has no size until it ends.
        let now = Pending {
            seq: download.seq,
            len: download.total,
        };
        store
            .call(move |c| snapshot_store::set_pending(c, Some(now)))
            .await?;
        return Ok((download.seq, Some(download)));
    }
}

/// Appends the download to the file, telling the apply as bytes land; once
/// the stream ends the file's size is recorded, so a restart applies it
/// without downloading again.
async fn fetch(
    store: &LocalStore,
    mut download: SnapshotDownload,
    path: &Path,
    arrival: &Arrival,
) -> Result<(), SyncError> {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| io_error("cannot open the snapshot file", e))?;
    // Whatever arrives is kept: if the link drops, the next try resumes here.
    loop {
        match download.response.chunk().await {
            Ok(Some(chunk)) => {
                file.write_all(&chunk)
                    .map_err(|e| io_error("cannot write the snapshot file", e))?;
                let n = chunk.len() as u64;
                arrival.set(|a| match a {
                    Arrived::Partly(len) => Arrived::Partly(len + n),
                    other => other,
                });
            }
            Ok(None) => break,
            Err(e) => {
                let _ = file.sync_all();
                return Err(HubError::Unreachable(format!("snapshot download cut: {e}")).into());
            }
        }
    }
    file.sync_all()
        .map_err(|e| io_error("cannot sync the snapshot file", e))?;
    let len = file_len(path);
    if download.total.is_some_and(|total| total != len) {
        return Err(HubError::Unreachable(format!(
            "snapshot download cut at {len} bytes of {}",
            download.total.unwrap_or_default()
        ))
        .into());
    }
    let whole = Pending {
        seq: download.seq,
        len: Some(len),
    };
    store
        .call(move |c| snapshot_store::set_pending(c, Some(whole)))
        .await?;
    Ok(())
}

fn apply(store: &LocalStore, file: Following, seq: u64) -> Result<(), SyncError> {
    let mut lines = BufReader::with_capacity(64 * 1024, GzDecoder::new(file)).lines();
    let bad =
        |e: &dyn std::fmt::Display| SyncError::Hub(HubError::BadAnswer(format!("snapshot: {e}")));
    let first = lines
        .next()
        .ok_or_else(|| bad(&"empty"))?
        .map_err(|e| bad(&e))?;
    let header: SnapshotHeader = serde_json::from_str(&first).map_err(|e| bad(&e))?;
    check_protocol(header.protocol_version).map_err(|e| bad(&e))?;
    if header.seq != seq {
        return Err(bad(&format!("taken at {}, expected {seq}", header.seq)));
    }
    let empty = store.with_conn(snapshot_store::begin)?;
    // One thread reads, unzips and decodes the next batch while this one
    // writes the last: the two halves of the work overlap.
    let (batches, arriving) =
        std::sync::mpsc::sync_channel::<Result<Vec<SnapshotRecord>, SyncError>>(1);
    // Where the time goes, for the log: waiting for a decoded batch (which
    // includes waiting for the download), writing the rows, finishing.
    let (mut reading, mut writing) = (Duration::ZERO, Duration::ZERO);
    let mut count = 0u64;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for line in lines {
                let record = line.map_err(|e| bad(&e)).and_then(|line| {
                    serde_json::from_str::<SnapshotRecord>(&line).map_err(|e| bad(&e))
                });
                match record {
                    Ok(record) => batch.push(record),
                    Err(e) => {
                        let _ = batches.send(Err(e));
                        return;
                    }
                }
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if batches.send(Ok(full)).is_err() {
                        return; // The writer gave up.
                    }
                }
            }
            let _ = batches.send(Ok(batch));
        });
        let mut read_from = Instant::now();
        for batch in arriving {
            reading += read_from.elapsed();
            let batch = batch?;
            let write_from = Instant::now();
            store.with_conn(|c| snapshot_store::apply_batch(c, seq, &batch, empty))?;
            writing += write_from.elapsed();
            count += batch.len() as u64;
            read_from = Instant::now();
        }
        Ok::<(), SyncError>(())
    })?;
    let promised = header.records();
    if count != promised {
        return Err(bad(&format!(
            "{count} records, the header promised {promised}",
        )));
    }
    let finish_from = Instant::now();
    store.with_conn(|c| snapshot_store::finish(c, seq, header.seq_mark))?;
    tracing::info!(
        seq,
        records = count,
        read_ms = reading.as_millis() as u64,
        write_ms = writing.as_millis() as u64,
        finish_ms = finish_from.elapsed().as_millis() as u64,
        "store snapshot written"
    );
    Ok(())
}
