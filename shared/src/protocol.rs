//! The sync protocol's versions: what each one added, the oldest a hub
//! still serves, and the check of a peer's version. Re-exported from
//! [`crate::sync`], where the messages are.

/// Carried by every upload and feed page; the hub refuses versions it does not speak.
///
/// - 1: catalog, stock and document changes; sale facts.
/// - 2: store staff in the feed and in snapshots; the store's sales and returns
///   in the feed; return, shift-close and audit facts.
/// - 3: the category tree and price windows in the feed and in snapshots;
///   brand, category, synonyms, alternate barcodes and quick keys on variants.
/// - 4: variant tombstones in the feed (HQ deleted the item).
/// - 5: movement reasons `transfer_out`, `transfer_in`, `damage` and `expiry`.
/// - 6: delivery orders in a store's feed (`order_changed`); order claim and
///   packed-order facts.
/// - 7: the snapshot is sent as the hub reads it, without a length.
/// - 8: what HQ lets a store do with an item (`item_at_store`: taken out of
///   its assortment, stock on hold) in the feed and in snapshots.
/// - 9: the store's stock takes (`stock_takes` document, approved-take facts).
/// - 10: purchase orders for the store (`purchase_order_changed`, open orders
///   in snapshots) and goods-receipt facts; the store as HQ keeps it
///   (`store_profile`: its name, GSTIN and status).
/// - 11: credit accounts (`credit_account_changed`, in snapshots too), sales
///   on account, dues-payment and credit-release facts.
/// - 12: transfers at the store: HQ's requests for the store to send stock
///   (`transfer_requested`) and transfers on their way to it
///   (`transfer_changed`), in snapshots too; dispatch and arrival facts;
///   the store's reorder points and expiring batches on request
///   (`GET /v1/sync/stock-watch`).
/// - 13: loyalty points: the tenant's rules (`loyalty_rules_changed`) and
///   the points of the customers the store knows (`loyalty_account_changed`),
///   in snapshots too; bills paid with points and the points they earned;
///   loyalty-release facts; a customer's profile corrected at another store
///   (`customer_changed`).
///
/// A hub serves older terminals their feed and snapshots without what they
/// could not read (fields they do not know they ignore).
pub const PROTOCOL_VERSION: u16 = 13;

/// The first version whose movements may carry transfer and write-off reasons.
pub const TRANSFER_PROTOCOL: u16 = 5;

/// The first version whose feed carries delivery orders for the store to pick.
pub const ORDERS_PROTOCOL: u16 = 6;

/// The first version that takes a new snapshot as it is written, its size
/// unknown until its stream ends; older terminals get it whole, with a length.
pub const STREAMED_SNAPSHOT_PROTOCOL: u16 = 7;

/// The first version that hears which items a store may not sell.
pub const ITEM_AT_STORE_PROTOCOL: u16 = 8;

/// The first version that counts stock with the store (the `stock_takes`
/// document and the approval facts).
pub const STOCK_TAKE_PROTOCOL: u16 = 9;

/// The first version that hears the store's purchase orders and receives
/// goods against them.
pub const PURCHASE_PROTOCOL: u16 = 10;

/// The first version that sells on credit: it hears the store's credit
/// accounts and its grants on them (see [`crate::credit`]).
pub const CREDIT_PROTOCOL: u16 = 11;

/// The first version that dispatches and receives transfers at the store
/// (see [`crate::transfer`]).
pub const STORE_TRANSFER_PROTOCOL: u16 = 12;

/// The first version that earns and redeems loyalty points (see
/// [`crate::loyalty`]).
pub const LOYALTY_PROTOCOL: u16 = 13;

/// The header binary sync requests carry their protocol version in.
pub const PROTOCOL_HEADER: &str = "x-pos-protocol";

/// The oldest version a hub still serves: terminals two versions behind keep
/// syncing while a chain upgrades store by store.
pub const OLDEST_SUPPORTED_PROTOCOL: u16 = PROTOCOL_VERSION - 2;

// Every terminal a hub serves takes its snapshot streamed.
const _: () = assert!(STREAMED_SNAPSHOT_PROTOCOL <= OLDEST_SUPPORTED_PROTOCOL);

/// Checks a peer's protocol version, saying what to do when it is not spoken.
pub fn check_protocol(version: u16) -> Result<(), String> {
    if version > PROTOCOL_VERSION {
        Err(format!(
            "protocol_version {version} is newer than this hub speaks ({OLDEST_SUPPORTED_PROTOCOL}..={PROTOCOL_VERSION}); upgrade the hub"
        ))
    } else if version < OLDEST_SUPPORTED_PROTOCOL {
        Err(format!(
            "protocol_version {version} is too old for this hub ({OLDEST_SUPPORTED_PROTOCOL}..={PROTOCOL_VERSION}); upgrade the terminal"
        ))
    } else {
        Ok(())
    }
}
