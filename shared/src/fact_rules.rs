//! What a till's fact means beyond itself, written once for both ends.
//!
//! - The stock movements a sale or a return makes: the till applies them to
//!   its replica in the transaction that records the fact, and the hub applies
//!   the same movements to the ledger when the fact arrives. One rule, so the
//!   two positions cannot disagree on a sign, an id or a timestamp.
//! - The origin check: a fact is the sending terminal's own (tenant, store,
//!   terminal), its event id is the fact's id, and its figures agree. The hub
//!   runs it on every uploaded fact; the reason names the field at fault.
//!
//! The size bounds a fact must keep are in [`crate::limits`].

use crate::event::Envelope;
use crate::returns::ReturnFact;
use crate::sale::{SaleFact, SaleLine};
use crate::sync::{Batch, Fact, MovementReason, MovementRecord};
use crate::{StoreId, TenantId, TerminalId};

impl SaleFact {
    /// One movement per line, taking the sold quantity off the shelf at the
    /// sale's store, under the line's own movement id (so a retried upload
    /// moves nothing twice).
    pub fn movements(&self) -> Vec<MovementRecord> {
        self.lines
            .iter()
            .map(|line| MovementRecord {
                movement_id: line.movement_id,
                store_id: self.store_id,
                variant_id: line.variant_id,
                delta: -line.qty,
                reason: MovementReason::Sale,
                sale_id: Some(self.sale_id),
                terminal_id: Some(self.terminal_id),
                occurred_at: self.occurred_at,
                batch: line.sold_batch(),
            })
            .collect()
    }
}

impl SaleLine {
    /// The batch a line sold, when its pack's symbol carried both the lot
    /// and the use-by date (a batch without its date is not a ledger batch).
    pub fn sold_batch(&self) -> Option<Batch> {
        Some(Batch {
            code: self.batch.clone()?,
            expires_on: self.expires_on.clone()?,
        })
    }
}

impl ReturnFact {
    /// One movement per line, putting the returned quantity back on the
    /// shelf, tied to the original sale.
    pub fn movements(&self) -> Vec<MovementRecord> {
        self.lines
            .iter()
            .map(|line| MovementRecord {
                movement_id: line.movement_id,
                store_id: self.store_id,
                variant_id: line.variant_id,
                delta: line.qty,
                reason: MovementReason::Return,
                sale_id: Some(self.original_sale_id),
                terminal_id: Some(self.terminal_id),
                occurred_at: self.occurred_at,
                batch: None,
            })
            .collect()
    }
}

impl Fact {
    /// The stock movements this fact makes; none for shift closes and audit entries.
    pub fn movements(&self) -> Vec<MovementRecord> {
        match self {
            Fact::Sale(sale) => sale.movements(),
            Fact::Return(ret) => ret.movements(),
            Fact::OrderPacked(packed) => packed.movements(),
            Fact::StockTakeApproved(take) => take.movements(),
            Fact::GoodsReceived(receipt) => receipt.movements(),
            Fact::TransferDispatched(dispatch) => dispatch.movements(),
            Fact::TransferReceived(receipt) => receipt.movements(),
            Fact::ShiftClosed(_)
            | Fact::Audit(_)
            | Fact::OrderClaimed(_)
            | Fact::DuesPaid(_)
            | Fact::CreditReleased(_)
            | Fact::LoyaltyReleased(_) => Vec::new(),
        }
    }
}

/// The terminal a fact arrives from, as its credential says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub tenant_id: TenantId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
}

/// Checks one fact against the terminal that sent it and against its own
/// arithmetic. The error starts with the field at fault (`store_id: …`).
pub fn check_origin(envelope: &Envelope<Fact>, origin: &Origin) -> Result<(), String> {
    if envelope.tenant_id != origin.tenant_id {
        return Err("tenant_id: the fact belongs to another tenant".into());
    }
    // Where each kind names the terminal that made it.
    const TERMINAL: &str = "terminal_id";
    const PICKER: &str = "picker.terminal_id";
    let (id, store, (terminal, terminal_field)) = match &envelope.data {
        Fact::Sale(f) => (f.sale_id.as_uuid(), f.store_id, (f.terminal_id, TERMINAL)),
        Fact::Return(f) => (f.return_id.as_uuid(), f.store_id, (f.terminal_id, TERMINAL)),
        Fact::Audit(f) => (f.entry_id.as_uuid(), f.store_id, (f.terminal_id, TERMINAL)),
        Fact::ShiftClosed(f) => (f.shift_id.as_uuid(), f.store_id, (f.terminal_id, TERMINAL)),
        Fact::OrderClaimed(f) => (f.claim_id, f.store_id, (f.picker.terminal_id, PICKER)),
        Fact::OrderPacked(f) => (f.pack_id, f.store_id, (f.picker.terminal_id, PICKER)),
        Fact::StockTakeApproved(f) => (f.part_id, f.store_id, (f.terminal_id, TERMINAL)),
        Fact::GoodsReceived(f) => (f.receipt_id, f.store_id, (f.terminal_id, TERMINAL)),
        Fact::DuesPaid(f) => (f.payment_id, f.store_id, (f.terminal_id, TERMINAL)),
        Fact::CreditReleased(f) => (f.release_id, f.store_id, (f.terminal_id, TERMINAL)),
        Fact::TransferDispatched(f) => (f.transfer_id, f.store_id, (f.terminal_id, TERMINAL)),
        Fact::TransferReceived(f) => (f.receipt_id, f.store_id, (f.terminal_id, TERMINAL)),
        Fact::LoyaltyReleased(f) => (f.release_id, f.store_id, (f.terminal_id, TERMINAL)),
    };
    let kind = envelope.data.kind();
    if envelope.event_id != id {
        return Err(format!(
            "event_id: {}'s event id must be its own id",
            crate::text::a_or_an(kind)
        ));
    }
    if store != origin.store_id {
        return Err(format!(
            "store_id: the {kind} was not made at this terminal's store"
        ));
    }
    if terminal != origin.terminal_id {
        return Err(format!(
            "{terminal_field}: the {kind} was made on another terminal, not this one"
        ));
    }
    check_envelope(envelope, origin)?;
    match &envelope.data {
        Fact::Sale(sale) => sale.validate().map_err(|e| e.to_string()),
        Fact::Return(ret) => ret.validate().map_err(|e| e.to_string()),
        Fact::Audit(entry) => entry.validate(),
        Fact::ShiftClosed(report) => report.validate_closed().map_err(|e| e.to_string()),
        Fact::OrderClaimed(claim) => claim.picker.validate(),
        Fact::OrderPacked(packed) => packed.validate(),
        Fact::StockTakeApproved(take) => take.validate(),
        Fact::GoodsReceived(receipt) => receipt.validate(),
        Fact::DuesPaid(payment) => payment.validate(),
        Fact::CreditReleased(release) => release.validate(),
        Fact::TransferDispatched(dispatch) => dispatch.validate(),
        Fact::TransferReceived(receipt) => receipt.validate(),
        Fact::LoyaltyReleased(release) => release.validate(),
    }
}

/// The envelope says what the fact is and who made it: a receiver that goes
/// by the fact alone would pass on an envelope that says otherwise, so it
/// must agree with the fact and the credential.
fn check_envelope(envelope: &Envelope<Fact>, origin: &Origin) -> Result<(), String> {
    let kind = envelope.data.kind();
    let event_type = envelope.data.event_type();
    if envelope.event_type != event_type {
        return Err(format!(
            "event_type: {} travels as {event_type}, not {:?}",
            crate::text::a_or_an(kind),
            envelope.event_type
        ));
    }
    let source = format!("terminal:{}", origin.terminal_id);
    if envelope.source != source {
        return Err(format!(
            "source: a fact from this terminal says {source}, not {:?}",
            envelope.source
        ));
    }
    if envelope.schema_version != crate::event::ENVELOPE_SCHEMA_VERSION {
        return Err(format!(
            "schema_version: envelopes are version {}, not {}",
            crate::event::ENVELOPE_SCHEMA_VERSION,
            envelope.schema_version
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::{SaleLine, Tender, TenderMethod};
    use crate::{Gtin, Money, MovementId, Qty, SaleId, Timestamp, VariantId};

    fn sale(origin: &Origin) -> SaleFact {
        let line = |milli: i64| {
            let qty = Qty::from_milli(milli);
            let unit_price = Money::inr(1000);
            SaleLine {
                movement_id: MovementId::new(),
                variant_id: VariantId::new(),
                barcode: Gtin::parse("4006381333931").unwrap(),
                name: "Rice".into(),
                qty,
                unit_price,
                line_total: unit_price.times(qty).unwrap(),
                tax: None,
                discount: None,
                price_override: None,
                modifiers: Vec::new(),
                batch: None,
                expires_on: None,
            }
        };
        let lines = vec![line(2000), line(500)];
        let total = Money::sum(crate::Currency::INR, lines.iter().map(|l| &l.line_total)).unwrap();
        SaleFact {
            sale_id: SaleId::new(),
            store_id: origin.store_id,
            terminal_id: origin.terminal_id,
            receipt_no: "T1-000001".into(),
            occurred_at: Timestamp::now(),
            lines,
            total,
            tenders: vec![Tender {
                method: TenderMethod::Cash,
                amount: total,
                reference: None,
            }],
            change_due: Money::inr(0),
            rounding: None,
            discount_approved_by: None,
            cashier: None,
            customer: None,
            receipt_key: None,
        }
    }

    #[test]
    fn a_sale_takes_each_line_off_the_shelf_under_its_own_movement_id() {
        let origin = Origin {
            tenant_id: TenantId::new(),
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
        };
        let sale = sale(&origin);
        let moves = sale.movements();
        assert_eq!(moves.len(), 2);
        for (m, line) in moves.iter().zip(&sale.lines) {
            assert_eq!(m.movement_id, line.movement_id);
            assert_eq!(m.delta, -line.qty);
            assert_eq!(m.reason, MovementReason::Sale);
            assert_eq!(m.sale_id, Some(sale.sale_id));
            assert_eq!(m.store_id, origin.store_id);
        }
        assert_eq!(Fact::Sale(sale.clone()).movements(), moves);

        // A line whose pack's symbol carried lot and use-by moves that batch;
        // a lot without its date is no ledger batch.
        let mut scanned = sale.clone();
        scanned.lines[0].batch = Some("LOT42".into());
        scanned.lines[0].expires_on = Some("2027-12-31".into());
        scanned.lines[1].batch = Some("LOT7".into());
        let moves = scanned.movements();
        assert_eq!(
            moves[0].batch,
            Some(Batch {
                code: "LOT42".into(),
                expires_on: "2027-12-31".into()
            })
        );
        assert_eq!(moves[1].batch, None);

        let envelope = |sale: &SaleFact| {
            Envelope::new(
                sale.sale_id.as_uuid(),
                "pos.sale.completed",
                format!("terminal:{}", origin.terminal_id),
                origin.tenant_id,
                Timestamp::now(),
                Fact::Sale(sale.clone()),
            )
        };
        check_origin(&envelope(&sale), &origin).unwrap();
        let elsewhere = Origin {
            store_id: StoreId::new(),
            ..origin
        };
        let e = check_origin(&envelope(&sale), &elsewhere).unwrap_err();
        assert!(e.starts_with("store_id:"), "{e}");
        let another_till = Origin {
            terminal_id: crate::TerminalId::new(),
            ..origin
        };
        let e = check_origin(&envelope(&sale), &another_till).unwrap_err();
        assert!(e.starts_with("terminal_id:"), "{e}");
        let other_tenant = Origin {
            tenant_id: TenantId::new(),
            ..origin
        };
        let e = check_origin(&envelope(&sale), &other_tenant).unwrap_err();
        assert!(e.starts_with("tenant_id:"), "{e}");
        let mut wrong_id = envelope(&sale);
        wrong_id.event_id = uuid::Uuid::now_v7();
        let e = check_origin(&wrong_id, &origin).unwrap_err();
        assert!(e.starts_with("event_id:"), "{e}");
        let mut short = sale.clone();
        short.total = Money::inr(1);
        assert!(check_origin(&envelope(&short), &origin).is_err());

        // The envelope must say what the fact is, who sent it, in the
        // envelope version there is.
        let mut mislabelled = envelope(&sale);
        mislabelled.event_type = "pos.return.completed".into();
        let e = check_origin(&mislabelled, &origin).unwrap_err();
        assert!(
            e.starts_with("event_type:") && e.contains("pos.sale.completed"),
            "{e}"
        );
        let mut someone_else = envelope(&sale);
        someone_else.source = "terminal:test".into();
        let e = check_origin(&someone_else, &origin).unwrap_err();
        assert!(
            e.starts_with("source:") && e.contains(&origin.terminal_id.to_string()),
            "{e}"
        );
        let mut newer = envelope(&sale);
        newer.schema_version = 2;
        let e = check_origin(&newer, &origin).unwrap_err();
        assert!(e.starts_with("schema_version:"), "{e}");
    }
}
