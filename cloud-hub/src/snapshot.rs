//! Store snapshots for bootstrapping terminals.
//!
//! A snapshot is the store's catalog and stock at one feed sequence, written as
//! gzip-compressed JSON lines. It is built once per request, kept per terminal
//! while the terminal downloads it, and served with byte ranges, so a download
//! cut half-way resumes where it stopped instead of starting again.

use crate::domain::sync::StoreSnapshot;
use axum::body::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use pos_shared::sync::{SnapshotHeader, SnapshotRecord};
use pos_shared::TerminalId;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// A built snapshot, ready to serve.
pub struct Built {
    pub seq: u64,
    pub bytes: Bytes,
}

/// The snapshot each terminal is downloading; one per terminal, replaced when
/// it asks for a new one.
#[derive(Default)]
pub struct SnapshotCache {
    by_terminal: Mutex<HashMap<TerminalId, Arc<Built>>>,
}

impl SnapshotCache {
    pub fn get(&self, terminal: TerminalId, seq: u64) -> Option<Arc<Built>> {
        let map = self.by_terminal.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&terminal).filter(|b| b.seq == seq).cloned()
    }

    pub fn put(&self, terminal: TerminalId, built: Built) -> Arc<Built> {
        let built = Arc::new(built);
        self.by_terminal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(terminal, built.clone());
        built
    }
}

/// Writes the snapshot as gzip-compressed JSON lines.
pub fn encode(snapshot: &StoreSnapshot, protocol_version: u16) -> std::io::Result<Built> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    let header = SnapshotHeader {
        protocol_version,
        seq: snapshot.seq,
        variants: snapshot.variants.len() as u64,
        positions: snapshot.positions.len() as u64,
        staff: snapshot.staff.len() as u64,
        categories: snapshot.categories.len() as u64,
        prices: snapshot.prices.len() as u64,
        orders: if protocol_version >= pos_shared::sync::ORDERS_PROTOCOL {
            snapshot.orders.len() as u64
        } else {
            0
        },
    };
    write_line(&mut gz, &header)?;
    for v in &snapshot.variants {
        write_line(&mut gz, &SnapshotRecord::Variant(v.clone()))?;
    }
    // Parents before children, so a till can build its tree as it reads.
    for category in &snapshot.categories {
        write_line(&mut gz, &SnapshotRecord::Category(category.clone()))?;
    }
    for window in &snapshot.prices {
        write_line(&mut gz, &SnapshotRecord::Price(window.clone()))?;
    }
    for member in &snapshot.staff {
        write_line(&mut gz, &SnapshotRecord::Staff(member.clone()))?;
    }
    if protocol_version >= pos_shared::sync::ORDERS_PROTOCOL {
        for order in &snapshot.orders {
            write_line(&mut gz, &SnapshotRecord::Order(order.clone()))?;
        }
    }
    for (variant_id, on_hand) in &snapshot.positions {
        let record = SnapshotRecord::Position {
            variant_id: *variant_id,
            on_hand: *on_hand,
        };
        write_line(&mut gz, &record)?;
    }
    Ok(Built {
        seq: snapshot.seq,
        bytes: Bytes::from(gz.finish()?),
    })
}

fn write_line<T: serde::Serialize>(out: &mut impl Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
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
}
