//! The Automerge relay: the hub's side of Automerge's sync protocol for store
//! documents.
//!
//! The hub never edits a document; it merges what terminals send and answers
//! with what they lack. Each request is one protocol step run against the stored
//! document and the terminal's stored sync state, so any request may be lost or
//! repeated and a terminal may reconnect at any time: only the state that
//! Automerge says is reusable across sessions (`State::encode`) is kept. The
//! document is stored in Automerge's compacted save format, which is also what
//! the JavaScript library loads.

use crate::domain::sync::{DocStep, DocUpdate};
use automerge::sync::{self, SyncDoc};
use automerge::AutoCommit;

/// Decodes a terminal's message; an empty body is a terminal with nothing to
/// say that wants the hub's news.
pub fn decode_message(body: &[u8]) -> Result<Option<sync::Message>, String> {
    if body.is_empty() {
        return Ok(None);
    }
    sync::Message::decode(body)
        .map(Some)
        .map_err(|e| format!("the body is not an Automerge sync message: {e}"))
}

/// One step: take in the terminal's message, produce the reply.
pub fn step(message: Option<sync::Message>) -> DocStep {
    Box::new(move |stored_doc, stored_state| {
        let mut doc = match stored_doc {
            Some(bytes) => AutoCommit::load(&bytes)
                .map_err(|e| format!("stored document is unreadable: {e}"))?,
            None => AutoCommit::new(),
        };
        // A sync state that does not decode only costs a longer exchange.
        let mut state = stored_state
            .and_then(|bytes| sync::State::decode(&bytes).ok())
            .unwrap_or_default();
        let before = doc.get_heads();
        if let Some(message) = message {
            doc.sync()
                .receive_sync_message(&mut state, message)
                .map_err(|e| format!("the sync message cannot be applied: {e}"))?;
        }
        let reply = doc
            .sync()
            .generate_sync_message(&mut state)
            .map(sync::Message::encode);
        let changed = doc.get_heads() != before;
        Ok(DocUpdate {
            doc: changed.then(|| doc.save()),
            sync_state: state.encode(),
            reply,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ReadDoc, ROOT};

    /// Runs the exchange a terminal would, against an in-memory "stored" copy.
    fn sync_through(hub: &mut (Option<Vec<u8>>, Option<Vec<u8>>), terminal: &mut AutoCommit) {
        let mut state = sync::State::new();
        for _ in 0..10 {
            let out = terminal.sync().generate_sync_message(&mut state);
            let sent = out.is_some();
            let update = step(out)(hub.0.clone(), hub.1.clone()).unwrap();
            if update.doc.is_some() {
                hub.0 = update.doc;
            }
            hub.1 = Some(update.sync_state);
            match update.reply {
                Some(bytes) => {
                    let reply = sync::Message::decode(&bytes).unwrap();
                    let in_sync = reply.heads == terminal.get_heads();
                    terminal
                        .sync()
                        .receive_sync_message(&mut state, reply)
                        .unwrap();
                    if in_sync && !sent {
                        return;
                    }
                }
                None if !sent => return,
                None => {}
            }
        }
    }

    #[test]
    fn two_terminals_edits_meet_at_the_hub() {
        let mut hub = (None, None);
        let mut a = AutoCommit::new();
        let mut b = AutoCommit::new();
        a.put(ROOT, "4006381333931/shelf", "A3").unwrap();
        b.put(ROOT, "8901234567890/disabled", true).unwrap();
        sync_through(&mut hub, &mut a);
        sync_through(&mut hub, &mut b);
        sync_through(&mut hub, &mut a);
        for doc in [&a, &b] {
            let keys: Vec<String> = doc.keys(ROOT).collect();
            assert_eq!(keys, ["4006381333931/shelf", "8901234567890/disabled"]);
        }
        let stored = AutoCommit::load(hub.0.as_ref().unwrap()).unwrap();
        assert_eq!(stored.keys(ROOT).count(), 2);
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(decode_message(b"not automerge")
            .unwrap_err()
            .contains("not an Automerge sync message"));
        assert!(decode_message(b"").unwrap().is_none());
    }
}
