//! Bootstrapping a terminal from a store snapshot.
//!
//! The snapshot streams to a file in the data dir, so a download cut half-way
//! resumes from the bytes already there (HTTP range) instead of starting over.
//! It is then read back line by line and applied in bounded batches, so memory
//! stays flat however big the store's catalog is.

use super::error::SyncError;
use crate::store::snapshot::{self as snapshot_store, Pending};
use crate::store::LocalStore;
use crate::sync::hub_client::{HubClient, HubError};
use flate2::read::GzDecoder;
use pos_shared::sync::{check_protocol, DeviceCredential, SnapshotHeader, SnapshotRecord};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

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

/// Downloads (or finishes downloading) a snapshot and applies it; returns its sequence.
pub async fn run(
    store: &LocalStore,
    client: &HubClient,
    credential: &DeviceCredential,
    data_dir: &Path,
) -> Result<u64, SyncError> {
    let path = part_file(data_dir);
    let started = std::time::Instant::now();
    let pending = download(store, client, credential, &path).await?;
    tracing::info!(
        seq = pending.seq,
        bytes = file_len(&path),
        download_ms = started.elapsed().as_millis() as u64,
        "applying store snapshot"
    );
    let applying = std::time::Instant::now();
    let (store2, path2) = (store.clone(), path.clone());
    let applied = tokio::task::spawn_blocking(move || apply(&store2, &path2, pending.seq))
        .await
        .map_err(|e| io_error("snapshot task", e))?;
    if let Err(e) = applied {
        // A file that does not read back is not worth resuming.
        let _ = std::fs::remove_file(&path);
        store.call(|c| snapshot_store::set_pending(c, None)).await?;
        return Err(e);
    }
    let _ = std::fs::remove_file(&path);
    tracing::info!(
        seq = pending.seq,
        apply_ms = applying.elapsed().as_millis() as u64,
        "store snapshot applied"
    );
    Ok(pending.seq)
}

async fn download(
    store: &LocalStore,
    client: &HubClient,
    credential: &DeviceCredential,
    path: &Path,
) -> Result<Pending, SyncError> {
    let mut pending = store.call(|c| snapshot_store::pending(c)).await?;
    loop {
        if let Some(Pending { len: Some(len), .. }) = pending {
            if file_len(path) == len {
                return Ok(pending.expect("checked above"));
            }
        }
        let from = if pending.is_some() { file_len(path) } else { 0 };
        let mut download = match client
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
        if pending.is_none() {
            // The snapshot holds the staff's PIN hashes: the agent's user alone reads it.
            crate::private_files::options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(path)
                .and_then(|_| crate::private_files::restrict(path))
                .map_err(|e| io_error("cannot start the snapshot file", e))?;
        }
        let now = Pending {
            seq: download.seq,
            len: Some(download.total),
        };
        pending = Some(now);
        store
            .call(move |c| snapshot_store::set_pending(c, Some(now)))
            .await?;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_error("cannot open the snapshot file", e))?;
        // Whatever arrives is kept: if the link drops, the next try resumes here.
        loop {
            match download.response.chunk().await {
                Ok(Some(chunk)) => file
                    .write_all(&chunk)
                    .map_err(|e| io_error("cannot write the snapshot file", e))?,
                Ok(None) => break,
                Err(e) => {
                    let _ = file.sync_all();
                    return Err(HubError::Unreachable(format!("snapshot download cut: {e}")).into());
                }
            }
        }
        file.sync_all()
            .map_err(|e| io_error("cannot sync the snapshot file", e))?;
    }
}

fn apply(store: &LocalStore, path: &Path, seq: u64) -> Result<(), SyncError> {
    let file = std::fs::File::open(path).map_err(|e| io_error("cannot open the snapshot", e))?;
    let mut lines = BufReader::new(GzDecoder::new(file)).lines();
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
    store.with_conn(snapshot_store::begin)?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut count = 0u64;
    for line in lines {
        let line = line.map_err(|e| bad(&e))?;
        batch.push(serde_json::from_str::<SnapshotRecord>(&line).map_err(|e| bad(&e))?);
        if batch.len() == BATCH {
            store.with_conn(|c| snapshot_store::apply_batch(c, seq, &batch))?;
            count += batch.len() as u64;
            batch.clear();
        }
    }
    store.with_conn(|c| snapshot_store::apply_batch(c, seq, &batch))?;
    count += batch.len() as u64;
    let promised = header.variants
        + header.positions
        + header.staff
        + header.categories
        + header.prices
        + header.orders;
    if count != promised {
        return Err(bad(&format!(
            "{count} records, the header promised {promised}",
        )));
    }
    store.with_conn(|c| snapshot_store::finish(c, seq))?;
    Ok(())
}
