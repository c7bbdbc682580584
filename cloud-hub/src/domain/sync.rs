//! What the hub exchanges with a till, as the storage layer takes and gives
//! it: one step of an Automerge document exchange, a store's snapshot for a
//! terminal starting from scratch, what became of an uploaded fact, and the
//! rule that tells a fact sent again from another fact reusing its id.

use super::stores::DeviceIdentity;
use pos_shared::sync::Fact;
use pos_shared::sync::{SnapshotHeader, SnapshotRecord};
use pos_shared::Envelope;
use uuid::Uuid;

/// One step of a document exchange: given the stored document and the
/// terminal's stored sync state (absent the first time), the new document (if it
/// changed), the new sync state and the reply for the terminal.
pub type DocStep =
    Box<dyn FnOnce(Option<Vec<u8>>, Option<Vec<u8>>) -> Result<DocUpdate, String> + Send>;

pub struct DocUpdate {
    /// The document to store, when it changed.
    pub doc: Option<Vec<u8>>,
    pub sync_state: Vec<u8>,
    pub reply: Option<Vec<u8>>,
}

/// A store's state at one feed sequence, as a new terminal needs it, handed
/// over in parts as it is read so it can be encoded and sent meanwhile.
///
/// First a [`SnapshotPart::Head`] with the sequence and how many records of
/// each kind follow; then the records: variants, categories (parents before
/// children), price windows that hold now or later, staff, the delivery orders
/// the store is picking, and last the positions, each on hand without the
/// requesting terminal's own movements (which it holds itself), so nothing is
/// counted twice.
#[derive(Debug)]
pub enum SnapshotPart {
    Head(SnapshotHeader),
    Records(Vec<SnapshotRecord>),
}

/// Where a storage backend hands a snapshot's parts; it stops reading when the
/// receiver is gone.
pub type SnapshotSink = tokio::sync::mpsc::Sender<SnapshotPart>;

/// Records per [`SnapshotPart::Records`]: big enough that the channel costs
/// nothing per record, small enough that encoding starts at once.
pub const SNAPSHOT_CHUNK: usize = 2_000;

/// What became of an uploaded fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactStored {
    Accepted,
    Duplicate,
    /// Refused for good, with the reason a person can act on.
    Rejected(String),
}

/// Given what is stored under a fact's id (its tenant and envelope), whether
/// the arriving fact is that one again (a duplicate) or another fact reusing
/// the id (refused as `id_conflict`).
pub fn judge_duplicate(
    device: &DeviceIdentity,
    arriving: &Envelope<Fact>,
    stored: Option<(Uuid, String)>,
) -> FactStored {
    let kind = arriving.data.kind();
    let conflict = |why: &str| {
        FactStored::Rejected(format!(
            "id_conflict: {kind} {} {why}; the till must give a new fact a new id",
            arriving.event_id
        ))
    };
    let Some((tenant, raw)) = stored else {
        // Not under this kind's table: the id was taken by a fact of another kind.
        return conflict("is already used by another kind of fact");
    };
    if tenant != device.tenant_id.as_uuid() {
        return conflict("is already used");
    }
    match serde_json::from_str::<Envelope<Fact>>(&raw) {
        Ok(kept) if kept.data == arriving.data => FactStored::Duplicate,
        _ => conflict("is already recorded with other content"),
    }
}
