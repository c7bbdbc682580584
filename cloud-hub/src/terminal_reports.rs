//! What terminals report with each feed request (cursor, outbox depth, agent
//! version), kept in memory and written in batches.
//!
//! Every terminal asks for the feed every few seconds, so one write per
//! request would make the database's busiest work bookkeeping: 5,000
//! terminals returning at once would queue 5,000 writes behind each other.
//! The newest report of each terminal waits here instead, and [`run`] writes
//! whatever arrived in one transaction every flush interval. HQ's view of a
//! store's terminals writes what is waiting first, so it is never behind
//! what this process heard; another hub process's reports reach it within
//! that process's interval.

use crate::domain::stores::{DeviceIdentity, SeenReport, TerminalReport};
use crate::storage::{DbResult, DynStorage};
use pos_shared::TerminalId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How often waiting reports are written, unless configured.
pub const DEFAULT_FLUSH_EVERY: Duration = Duration::from_secs(2);

/// At most this many reports wait; past it, the next report writes them at
/// once (one terminal's report replaces its last, so only that many
/// terminals reporting within one interval can reach it).
const MAX_WAITING: usize = 20_000;

/// The newest report of each terminal not yet written.
#[derive(Default)]
pub struct TerminalReports {
    waiting: Mutex<HashMap<TerminalId, SeenReport>>,
    /// Serializes writers, so an older batch never lands after a newer one.
    writing: tokio::sync::Mutex<()>,
}

impl TerminalReports {
    /// Keeps `report` as the terminal's newest; written with the next batch,
    /// or now if the batch is full.
    pub async fn record(
        &self,
        storage: &DynStorage,
        device: &DeviceIdentity,
        report: TerminalReport,
    ) -> DbResult<()> {
        let full = {
            let mut waiting = self.waiting.lock().expect("terminal reports lock");
            waiting.insert(
                device.terminal_id,
                SeenReport {
                    device: device.clone(),
                    report,
                    seen_at: pos_shared::Timestamp::now(),
                },
            );
            waiting.len() >= MAX_WAITING
        };
        if full {
            self.flush(storage).await?;
        }
        Ok(())
    }

    /// Writes every waiting report in one batch.
    pub async fn flush(&self, storage: &DynStorage) -> DbResult<()> {
        let _writing = self.writing.lock().await;
        let batch: Vec<SeenReport> = {
            let mut waiting = self.waiting.lock().expect("terminal reports lock");
            waiting.drain().map(|(_, r)| r).collect()
        };
        if batch.is_empty() {
            return Ok(());
        }
        if let Err(e) = storage.record_terminal_reports(&batch).await {
            // Put them back unless a newer report came meanwhile: a failed
            // write loses nothing.
            let mut waiting = self.waiting.lock().expect("terminal reports lock");
            for r in batch {
                waiting.entry(r.device.terminal_id).or_insert(r);
            }
            return Err(e);
        }
        Ok(())
    }
}

/// Writes the waiting reports every `every`, for as long as the hub runs
/// (the hub writes the last ones when it stops; a hub killed outright loses
/// at most one interval of reports, which each terminal makes again with its
/// next request).
pub async fn run(storage: DynStorage, reports: std::sync::Arc<TerminalReports>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = reports.flush(&storage).await {
            tracing::warn!(error = %e, "writing terminals' reports failed; kept for the next try");
        }
    }
}
