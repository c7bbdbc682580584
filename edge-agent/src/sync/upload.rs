//! How much one upload may carry, narrowed while the hub (or a proxy before
//! it) refuses batches for their size and widened as batches go through.

use crate::store::outbox;
use pos_shared::limits::{MAX_UPLOAD_BYTES, MAX_UPLOAD_FACTS, UPLOAD_ENVELOPE_SLACK};

/// How much one upload may carry: the shared limits, narrowed while the hub
/// (or a proxy before it) refuses batches for their size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadBudget {
    pub(super) facts: usize,
    pub(super) bytes: usize,
}

impl UploadBudget {
    pub(super) fn full() -> Self {
        UploadBudget {
            facts: MAX_UPLOAD_FACTS,
            bytes: MAX_UPLOAD_BYTES - UPLOAD_ENVELOPE_SLACK,
        }
    }

    /// Half of the refused batch, by count and by bytes.
    pub(super) fn split(self, refused: &[outbox::PendingFact]) -> Self {
        let bytes: usize = refused.iter().map(|f| f.envelope.len() + 1).sum();
        UploadBudget {
            facts: (refused.len() / 2).max(1),
            bytes: (bytes / 2).max(1),
        }
    }

    /// After a batch went through, back towards the full limits.
    pub(super) fn grow(self) -> Self {
        let full = Self::full();
        UploadBudget {
            facts: self.facts.saturating_mul(2).min(full.facts),
            bytes: self.bytes.saturating_mul(2).min(full.bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_batch_is_halved_and_a_good_one_grows_back() {
        let fact = |bytes: usize| outbox::PendingFact {
            seq: 1,
            event_id: uuid::Uuid::now_v7(),
            envelope: "x".repeat(bytes),
        };
        let refused: Vec<_> = (0..10).map(|_| fact(999)).collect();
        let half = UploadBudget::full().split(&refused);
        assert_eq!(half.facts, 5);
        assert_eq!(half.bytes, 5_000);
        let one = half.split(&refused[..1]);
        assert_eq!(one.facts, 1, "never below one fact");
        let mut budget = one;
        for _ in 0..40 {
            budget = budget.grow();
        }
        assert_eq!(
            budget,
            UploadBudget::full(),
            "back to the shared limits, not past them"
        );
    }
}
