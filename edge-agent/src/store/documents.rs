//! The terminal's replicas of the store's Automerge documents.
//!
//! A document is loaded, changed and saved inside one call on the single
//! connection, so an edit from the till and a merge from the hub never overwrite
//! each other. This terminal writes with one actor id, kept in the database.

use super::{get_meta, set_meta, StoreError, StoreResult};
use automerge::sync;
use automerge::{ActorId, AutoCommit};
use pos_shared::sync::DocPurpose;
use pos_shared::Timestamp;
use rusqlite::{Connection, OptionalExtension};

const ACTOR_KEY: &str = "document_actor";

fn doc_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Document(e.to_string())
}

fn actor(conn: &Connection) -> StoreResult<ActorId> {
    let hex = match get_meta(conn, ACTOR_KEY)? {
        Some(hex) => hex,
        None => {
            let hex = uuid::Uuid::now_v7().simple().to_string();
            set_meta(conn, ACTOR_KEY, &hex)?;
            hex
        }
    };
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| StoreError::Corrupt(format!("document actor {hex:?} is not hex")))?;
    Ok(ActorId::from(bytes))
}

/// The local replica of `purpose`, empty if this terminal has none yet.
pub fn load(conn: &Connection, purpose: DocPurpose) -> StoreResult<AutoCommit> {
    let stored: Option<Vec<u8>> = conn
        .query_row(
            "SELECT doc FROM documents WHERE purpose = ?1",
            [purpose.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    let doc = match stored {
        Some(bytes) => AutoCommit::load(&bytes).map_err(doc_error)?,
        None => AutoCommit::new(),
    };
    Ok(doc.with_actor(actor(conn)?))
}

pub fn save(conn: &Connection, purpose: DocPurpose, doc: &mut AutoCommit) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO documents (purpose, doc, updated_at_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (purpose) DO UPDATE SET doc = excluded.doc, updated_at_ms = excluded.updated_at_ms",
        rusqlite::params![purpose.as_str(), doc.save(), Timestamp::now().unix_millis()],
    )?;
    Ok(())
}

/// The sync state with the hub as last persisted (what Automerge says is
/// reusable across sessions), or a fresh one.
pub fn sync_state(conn: &Connection, purpose: DocPurpose) -> StoreResult<sync::State> {
    let stored: Option<Option<Vec<u8>>> = conn
        .query_row(
            "SELECT sync_state FROM documents WHERE purpose = ?1",
            [purpose.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(stored
        .flatten()
        .and_then(|bytes| sync::State::decode(&bytes).ok())
        .unwrap_or_default())
}

pub fn save_sync_state(
    conn: &Connection,
    purpose: DocPurpose,
    state: &sync::State,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE documents SET sync_state = ?2 WHERE purpose = ?1",
        rusqlite::params![purpose.as_str(), state.encode()],
    )?;
    Ok(())
}

/// Produces this terminal's next message for the hub, if it has one.
pub fn next_message(
    conn: &Connection,
    purpose: DocPurpose,
    state: &mut sync::State,
) -> StoreResult<Option<Vec<u8>>> {
    use automerge::sync::SyncDoc;
    let mut doc = load(conn, purpose)?;
    let message = doc.sync().generate_sync_message(state);
    Ok(message.map(sync::Message::encode))
}

/// Applies the hub's message and saves the merged document; returns whether the
/// hub's heads now equal ours (nothing left to exchange from its side).
pub fn receive(
    conn: &Connection,
    purpose: DocPurpose,
    state: &mut sync::State,
    message: &[u8],
) -> StoreResult<bool> {
    use automerge::sync::SyncDoc;
    let message = sync::Message::decode(message).map_err(doc_error)?;
    let their_heads = message.heads.clone();
    let mut doc = load(conn, purpose)?;
    let before = doc.get_heads();
    doc.sync()
        .receive_sync_message(state, message)
        .map_err(doc_error)?;
    if doc.get_heads() != before {
        save(conn, purpose, &mut doc)?;
    }
    Ok(their_heads == doc.get_heads())
}
