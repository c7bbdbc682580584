//! Picking delivery orders at a dark store: the queue of orders to pick,
//! claiming one, picking it item by item by scan, closing a line short or
//! taking an offered substitute, and packing it. Works offline: the claim
//! and every pick go into the store's pick-progress document and the claim
//! and the pack into the outbox; the hub settles who won a contested claim
//! and commits the stock when the pack arrives.

use super::{Till, TillError};
use crate::pos::picking::{self, ScanIntent, ScannedItem, SheetLine};
use crate::store::pick_progress::{self, ClaimSeen};
use crate::store::{catalog, orders, StoreResult};
use pos_shared::orders::{OrderClaim, OrderState, Pick, PickOrder, Picker};
use pos_shared::scan_code::ScannedCode;
use pos_shared::sync::{Batch, DeviceCredential, Fact};
use pos_shared::{Money, MovementId, Qty, StaffId, Timestamp};
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// The member of staff picking, as signed in on the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerSession {
    pub staff_id: StaffId,
    pub name: String,
}

/// An order in the pickers' queue.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct QueuedOrder {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub order_id: Uuid,
    pub state: OrderState,
    pub channel: String,
    pub placed_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due_at: Option<Timestamp>,
    pub lines: u32,
    pub open_lines: u32,
    pub total: Money,
    pub claims: Vec<ClaimSeen>,
    /// The claim the hub took first, once it has said.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub winner: Option<Picker>,
    /// Claimed at this terminal.
    pub claimed_here: bool,
    /// Claimed at more than one terminal.
    pub contested: bool,
}

/// An order as a picker works it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PickSheet {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub queued: QueuedOrder,
    /// Lines in walk order: zone, then bin.
    pub sheet: Vec<SheetLine>,
    /// Who claimed it here, if anyone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub picker: Option<String>,
    /// Every line picked or closed short.
    pub ready_to_pack: bool,
    /// Packed here: the total and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub packed: Option<PackedSummary>,
}

/// An accepted scan: what was picked and the sheet after it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PickedScan {
    pub line: u32,
    pub pick: Pick,
    pub substitute: bool,
    /// For the screen and the speaker: `Milk 1L: 2 of 2`.
    pub message: String,
    pub order: PickSheet,
}

/// What packing came to.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PackedSummary {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub pack_id: Uuid,
    pub packed_at: Timestamp,
    pub packed_total: Money,
    pub ordered_total: Money,
    /// Lines with less of the ordered item than asked.
    pub short_lines: Vec<u32>,
    /// Lines made up (in part) with a substitute.
    pub substituted_lines: Vec<u32>,
}

fn conflict(kind: &'static str, message: impl Into<String>) -> TillError {
    TillError::PickConflict {
        kind,
        message: message.into(),
    }
}

fn device(till: &Till) -> Result<DeviceCredential, TillError> {
    till.sync.credential().ok_or(TillError::NotEnrolled)
}

/// Everything the screens show of one order, read in one call.
struct Loaded {
    order: PickOrder,
    work: Option<orders::Work>,
    claims: Vec<ClaimSeen>,
    sheet: Vec<SheetLine>,
}

fn load(
    conn: &rusqlite::Connection,
    id: Uuid,
    today: &str,
) -> crate::store::StoreResult<Option<Loaded>> {
    let Some(order) = orders::order(conn, id)? else {
        return Ok(None);
    };
    let work = orders::work(conn, id)?;
    let claims = pick_progress::claims(conn, id)?;
    let picks = orders::picks(conn, id)?;
    let short = work
        .as_ref()
        .map(|w| w.short_lines.clone())
        .unwrap_or_default();
    let mut weighed = std::collections::BTreeSet::new();
    for line in &order.lines {
        if let Some(unit) = catalog::unit_of(conn, line.variant_id)? {
            if unit.is_measured() {
                weighed.insert(line.variant_id);
            }
        }
    }
    let sheet = picking::sheet_lines(&order, &picks, &short, |v| weighed.contains(&v), today);
    Ok(Some(Loaded {
        order,
        work,
        claims,
        sheet,
    }))
}

fn queued(l: &Loaded, terminal: Option<pos_shared::TerminalId>) -> QueuedOrder {
    let terminals: std::collections::BTreeSet<_> =
        l.claims.iter().map(|c| c.picker.terminal_id).collect();
    QueuedOrder {
        order_id: l.order.order_id,
        state: l.order.state,
        channel: l.order.channel.clone(),
        placed_at: l.order.placed_at,
        due_at: l.order.due_at,
        lines: u32::try_from(l.sheet.len()).unwrap_or(u32::MAX),
        open_lines: u32::try_from(picking::open_lines(&l.sheet).len()).unwrap_or(u32::MAX),
        total: l.order.total,
        claims: l.claims.clone(),
        winner: l.order.picker.clone(),
        claimed_here: l.work.is_some(),
        contested: terminals.len() > 1
            || l.order
                .picker
                .as_ref()
                .is_some_and(|w| terminal.is_some_and(|t| l.work.is_some() && w.terminal_id != t)),
    }
}

fn sheet_of(l: Loaded, terminal: Option<pos_shared::TerminalId>) -> PickSheet {
    let queued = queued(&l, terminal);
    let packed = l
        .work
        .as_ref()
        .and_then(|w| w.packed)
        .map(|(pack_id, packed_at)| summary(&l.order, &l.sheet, pack_id, packed_at));
    PickSheet {
        ready_to_pack: l.work.is_some()
            && packed.is_none()
            && l.order.state.pickable()
            && picking::open_lines(&l.sheet).is_empty(),
        queued,
        picker: l.work.as_ref().map(|w| w.picker_name.clone()),
        sheet: l.sheet,
        packed,
    }
}

fn summary(
    order: &PickOrder,
    sheet: &[SheetLine],
    pack_id: Uuid,
    packed_at: Timestamp,
) -> PackedSummary {
    let mut packed_total = Money::zero(order.total.currency());
    for line in sheet {
        if let Ok(amount) = line.line.check_picks(&line.picks, line.weighed) {
            packed_total = packed_total.checked_add(amount).unwrap_or(packed_total);
        }
    }
    PackedSummary {
        pack_id,
        packed_at,
        packed_total,
        ordered_total: order.total,
        short_lines: sheet
            .iter()
            .filter(|l| l.line.short_in(&l.picks, l.weighed))
            .map(|l| l.line.line)
            .collect(),
        substituted_lines: sheet
            .iter()
            .filter(|l| l.substituted.is_positive())
            .map(|l| l.line.line)
            .collect(),
    }
}

/// The orders the store may pick that this terminal has not packed, the
/// one due first first.
pub async fn queue(till: &Till) -> Result<Vec<QueuedOrder>, TillError> {
    let terminal = till.sync.credential().map(|c| c.terminal_id);
    let today = till.sale_policy.today();
    Ok(till
        .store
        .call(move |c| {
            let mut found = Vec::new();
            for order in orders::open_orders(c)? {
                if let Some(l) = load(c, order.order_id, &today)? {
                    found.push(queued(&l, terminal));
                }
            }
            Ok(found)
        })
        .await?)
}

pub async fn sheet(till: &Till, id: Uuid) -> Result<PickSheet, TillError> {
    let terminal = till.sync.credential().map(|c| c.terminal_id);
    let today = till.sale_policy.today();
    let loaded = till.store.call(move |c| load(c, id, &today)).await?;
    loaded
        .map(|l| sheet_of(l, terminal))
        .ok_or(TillError::NotFound("order"))
}

/// Refuses work on an order this picker may not touch: not the store's to
/// pick any more, claimed here by someone else, or won by another terminal.
fn check_workable(
    l: &Loaded,
    me: &DeviceCredential,
    picker: &PickerSession,
) -> Result<(), TillError> {
    if !l.order.state.pickable() {
        let what = match l.order.state {
            OrderState::Cancelled => "This order was cancelled: put its items back.".to_owned(),
            state => format!(
                "This order is {}: it is not picked here any more.",
                state.as_str()
            ),
        };
        return Err(conflict("order_not_pickable", what));
    }
    if let Some(work) = &l.work {
        if work.packed.is_some() {
            return Err(conflict("already_packed", "This order is already packed."));
        }
        if work.staff_id != picker.staff_id {
            return Err(conflict(
                "claimed_by_other_picker",
                format!("{} is picking this order on this device.", work.picker_name),
            ));
        }
    }
    if let Some(winner) = &l.order.picker {
        if winner.terminal_id != me.terminal_id {
            return Err(conflict(
                "claimed_elsewhere",
                format!(
                    "{} claimed this order first on another device: leave it to them and put back what you picked.",
                    winner.name
                ),
            ));
        }
    }
    Ok(())
}

/// What a use case may find before it acts: whether the order must already
/// be claimed here.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Workable,
    Claimed,
}

/// Runs `act` on order `id` in one call on the store, once `picker` may
/// work on it; `act` answers with the order's sheet after it (or a refusal).
async fn act_on<T: Send + 'static>(
    till: &Till,
    id: Uuid,
    picker: PickerSession,
    needs: Needs,
    act: impl FnOnce(
            &mut Connection,
            Loaded,
            &DeviceCredential,
            &PickerSession,
        ) -> StoreResult<Result<T, TillError>>
        + Send
        + 'static,
) -> Result<T, TillError> {
    let me = device(till)?;
    let today = till.sale_policy.today();
    till.store
        .call(move |c| {
            let Some(l) = load(c, id, &today)? else {
                return Ok(Err(TillError::NotFound("order")));
            };
            if let Err(e) = check_workable(&l, &me, &picker) {
                return Ok(Err(e));
            }
            if needs == Needs::Claimed && l.work.is_none() {
                return Ok(Err(conflict(
                    "not_claimed",
                    "Claim the order before picking it.",
                )));
            }
            act(c, l, &me, &picker)
        })
        .await?
}

/// The order's sheet as it stands after a change.
fn sheet_after(
    c: &Connection,
    id: Uuid,
    me: &DeviceCredential,
    today: &str,
) -> StoreResult<Result<PickSheet, TillError>> {
    Ok(load(c, id, today)?
        .map(|l| sheet_of(l, Some(me.terminal_id)))
        .ok_or(TillError::NotFound("order")))
}

/// Claims the order for `picker` at this terminal: in the pick-progress
/// document for the other terminals, and as a fact for the hub to settle.
pub async fn claim(till: &Till, id: Uuid, picker: PickerSession) -> Result<PickSheet, TillError> {
    let today = till.sale_policy.today();
    let sheet = act_on(
        till,
        id,
        picker,
        Needs::Workable,
        move |c, l, me, picker| {
            if l.work.is_none() {
                let now = Timestamp::now();
                let claim = OrderClaim {
                    claim_id: Uuid::now_v7(),
                    order_id: id,
                    store_id: me.store_id,
                    picker: Picker {
                        terminal_id: me.terminal_id,
                        staff_id: picker.staff_id,
                        name: picker.name.clone(),
                    },
                    claimed_at: now,
                };
                let tx = c.transaction()?;
                orders::claim(&tx, id, picker.staff_id, &picker.name, now)?;
                let seen = ClaimSeen {
                    picker: claim.picker.clone(),
                    claimed_at: now,
                };
                pick_progress::record_claim(&tx, id, &seen)?;
                crate::store::outbox::enqueue(
                    &tx,
                    me,
                    claim.claim_id,
                    now,
                    Fact::OrderClaimed(claim),
                )?;
                tx.commit()?;
            }
            sheet_after(c, id, me, &today)
        },
    )
    .await?;
    till.sync.nudge.notify_one();
    till.sync.docs_nudge.notify_one();
    Ok(sheet)
}

fn refused(r: picking::PickRefusal) -> TillError {
    TillError::PickRefused {
        kind: r.kind,
        message: r.message,
        confirmable: r.confirmable,
    }
}

/// Picks a scanned item onto the order.
pub async fn scan(
    till: &Till,
    id: Uuid,
    picker: PickerSession,
    code: ScannedCode,
    intent: ScanIntent,
) -> Result<PickedScan, TillError> {
    let today = till.sale_policy.today();
    let picked = act_on(till, id, picker, Needs::Claimed, move |c, l, me, _| {
        let Some(product) = catalog::product_for_scan(c, &code.gtin, code.alternative.as_ref())?
        else {
            orders::count_wrong_scan(c, id)?;
            return Ok(Err(refused(picking::PickRefusal {
                kind: "unknown_item",
                message: format!(
                    "Barcode {} is not in the store's catalog: put it aside for the manager.",
                    code.gtin.as_str()
                ),
                confirmable: false,
            })));
        };
        let batch = code
            .batch
            .clone()
            .zip(code.expiry.clone())
            .map(|(code, expires_on)| Batch { code, expires_on });
        let item = ScannedItem {
            variant_id: product.variant_id,
            name: &product.name,
            batch: batch.clone(),
            expires_on: code.expiry.as_deref(),
            weight: code.net_weight,
            count: code.count,
        };
        let placed = match picking::place_scan(&l.sheet, &item, &intent, &today) {
            Ok(p) => p,
            Err(r) => {
                if r.kind == "wrong_item" {
                    orders::count_wrong_scan(c, id)?;
                }
                return Ok(Err(refused(r)));
            }
        };
        let pick = Pick {
            movement_id: MovementId::new(),
            variant_id: product.variant_id,
            qty: placed.qty,
            batch,
            picked_at: Timestamp::now(),
        };
        let tx = c.transaction()?;
        orders::add_pick(&tx, id, placed.line, &pick)?;
        pick_progress::record_pick(&tx, id, placed.line, &pick)?;
        tx.commit()?;
        let after = match sheet_after(c, id, me, &today)? {
            Ok(sheet) => sheet,
            Err(e) => return Ok(Err(e)),
        };
        let line = after.sheet.iter().find(|s| s.line.line == placed.line);
        let message = match line {
            Some(line) if placed.substitute => {
                format!(
                    "{} instead of {}: {}",
                    product.name, line.line.name, placed.qty
                )
            }
            Some(line) => format!("{}: {} of {}", line.line.name, line.picked, line.line.qty),
            None => product.name.clone(),
        };
        Ok(Ok(PickedScan {
            line: placed.line,
            pick,
            substitute: placed.substitute,
            message,
            order: after,
        }))
    })
    .await?;
    till.sync.docs_nudge.notify_one();
    Ok(picked)
}

/// Takes a pick back (the item goes back on the shelf).
pub async fn undo(
    till: &Till,
    id: Uuid,
    picker: PickerSession,
    movement: MovementId,
) -> Result<PickSheet, TillError> {
    let today = till.sale_policy.today();
    let sheet = act_on(till, id, picker, Needs::Claimed, move |c, l, me, _| {
        let Some(pick) = l
            .sheet
            .iter()
            .flat_map(|s| s.picks.iter())
            .find(|p| p.movement_id == movement)
            .cloned()
        else {
            return Ok(Err(TillError::NotFound("pick")));
        };
        let tx = c.transaction()?;
        orders::remove_pick(&tx, id, movement)?;
        pick_progress::remove_pick(&tx, id, &pick)?;
        tx.commit()?;
        sheet_after(c, id, me, &today)
    })
    .await?;
    till.sync.docs_nudge.notify_one();
    Ok(sheet)
}

/// Closes a line short (nothing more of it on the shelf), or opens it again.
pub async fn mark_short(
    till: &Till,
    id: Uuid,
    picker: PickerSession,
    line: u32,
    short: bool,
) -> Result<PickSheet, TillError> {
    let today = till.sale_policy.today();
    act_on(till, id, picker, Needs::Claimed, move |c, l, me, _| {
        let Some(sheet_line) = l.sheet.iter().find(|s| s.line.line == line) else {
            return Ok(Err(TillError::NotFound("line")));
        };
        if !short && sheet_line.substituted.is_positive() {
            return Ok(Err(conflict(
                "substitute_picked",
                "Take the substitute back before opening the line again.",
            )));
        }
        orders::set_short(c, id, line, short)?;
        sheet_after(c, id, me, &today)
    })
    .await
}

/// Packs the order: its picks become the store's movements and one fact
/// for the hub, which commits the order's stock and total.
pub async fn pack(till: &Till, id: Uuid, picker: PickerSession) -> Result<PickSheet, TillError> {
    let today = till.sale_policy.today();
    let sheet = act_on(till, id, picker, Needs::Claimed, move |c, l, me, _| {
        let Some(work) = &l.work else {
            return Ok(Err(conflict(
                "not_claimed",
                "Claim the order before packing it.",
            )));
        };
        let open: Vec<String> = picking::open_lines(&l.sheet)
            .iter()
            .map(|s| format!("{} ({} of {})", s.line.name, s.picked, s.line.qty))
            .collect();
        if !open.is_empty() {
            return Ok(Err(conflict(
                "lines_open",
                format!("Pick or mark short first: {}.", open.join(", ")),
            )));
        }
        let picker = Picker {
            terminal_id: me.terminal_id,
            staff_id: work.staff_id,
            name: work.picker_name.clone(),
        };
        let packed = match picking::packed_order(
            &l.order,
            &l.sheet,
            picker,
            Uuid::now_v7(),
            work.claimed_at,
            Timestamp::now(),
            work.wrong_scans,
        ) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Err(TillError::Invalid {
                    field: e.field,
                    detail: e.detail,
                }))
            }
        };
        orders::record_pack(c, me, &packed)?;
        sheet_after(c, id, me, &today)
    })
    .await?;
    till.sync.nudge.notify_one();
    Ok(sheet)
}

/// `qty` as the picker typed it, for the scan's intent.
pub fn typed_qty(text: &str) -> Result<Qty, TillError> {
    Qty::parse(text).map_err(|e| TillError::Invalid {
        field: "qty",
        detail: e.to_string(),
    })
}
