//! A tenant, its stores and what belongs to a store as records: its kind,
//! status and opening hours, its terminals (with what each reports about its
//! sync and who a device credential stands for) and new staff.

use super::hours::OpeningHours;
use super::orderability::StoreStatus;
use pos_shared::{StoreId, TenantId, TerminalId, Timestamp};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    /// The one currency of every price and store of the tenant.
    pub currency: pos_shared::Currency,
}

#[derive(Debug, Clone)]
pub struct NewStore {
    pub code: String,
    pub name: String,
    pub currency: pos_shared::Currency,
    pub kind: StoreKind,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// A shop with tills and customers at the counter.
    #[default]
    Store,
    /// A store that only fulfils orders, picked from bins.
    DarkStore,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Store => "store",
            StoreKind::DarkStore => "dark_store",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "store" => Some(StoreKind::Store),
            "dark_store" => Some(StoreKind::DarkStore),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Store {
    pub id: StoreId,
    pub code: String,
    pub name: String,
    pub currency: String,
    pub kind: StoreKind,
    pub status: StoreStatus,
    /// When it takes orders; absent: at any hour its status is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<OpeningHours>,
    /// Where it is and how it takes delivery orders; absent until HQ sets
    /// it, and a store without it takes none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<Fulfilment>,
    /// The GSTIN the store trades under; absent until HQ sets it. Its GST
    /// returns are filed under it (`/v1/reports/gstr1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gstin: Option<String>,
}

/// A (dark) store's delivery settings: its place, how far it delivers, how
/// many orders it holds open at once and the minutes from confirmation an
/// order should take.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fulfilment {
    /// Latitude in degrees (WGS 84), -90 to 90.
    pub lat: f64,
    /// Longitude in degrees (WGS 84), -180 to 180.
    pub lon: f64,
    /// How far from the store it delivers, in metres (1 to 100 000).
    pub delivery_radius_m: u32,
    /// Orders it holds open at once (1 to 100 000).
    pub order_capacity: u32,
    /// Minutes from confirmation to delivery it aims for (1 to 1 440).
    pub sla_minutes: u32,
}

impl Fulfilment {
    pub const MAX_RADIUS_M: u32 = 100_000;
    pub const MAX_CAPACITY: u32 = 100_000;
    pub const MAX_SLA_MINUTES: u32 = 24 * 60;

    /// The field at fault and why, if any.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return Err(("lat", format!("lat {} is not between -90 and 90", self.lat)));
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return Err((
                "lon",
                format!("lon {} is not between -180 and 180", self.lon),
            ));
        }
        let bounded = [
            (
                "delivery_radius_m",
                self.delivery_radius_m,
                Self::MAX_RADIUS_M,
            ),
            ("order_capacity", self.order_capacity, Self::MAX_CAPACITY),
            ("sla_minutes", self.sla_minutes, Self::MAX_SLA_MINUTES),
        ];
        for (field, value, max) in bounded {
            if value == 0 || value > max {
                return Err((field, format!("{field} {value} is not between 1 and {max}")));
            }
        }
        Ok(())
    }
}

impl Store {
    /// Open by its status but outside its opening hours at `at`.
    pub fn outside_hours(&self, at: Timestamp) -> bool {
        self.status == StoreStatus::Open && self.hours.as_ref().is_some_and(|h| !h.is_open(at))
    }
}

#[derive(Debug, Clone)]
pub struct NewTerminal {
    pub name: String,
    pub receipt_prefix: String,
    /// The id of a terminal the hub lost (its database restored from a copy
    /// older than the terminal), made again under it so the till enrolled
    /// as it enrolls again and its facts are its own; `None` for a new one.
    pub id: Option<TerminalId>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Terminal {
    pub id: TerminalId,
    pub store_id: StoreId,
    pub name: String,
    pub receipt_prefix: String,
}

/// Who a device credential belongs to; everything a device may do is scoped by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    pub tenant_id: TenantId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub terminal_name: String,
    pub receipt_prefix: String,
}

/// What a terminal reports about itself with each feed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalReport {
    pub cursor: u64,
    pub queue_depth: Option<u64>,
    /// When its oldest unsent fact was made (by the hub's clock, from the age
    /// the terminal reported), if it has one.
    pub oldest_unsent_at: Option<Timestamp>,
    /// Facts it holds in quarantine.
    pub quarantined: Option<u64>,
    pub agent_version: Option<String>,
    pub protocol_version: u16,
}

/// A terminal's report and when the hub heard it, waiting to be written.
#[derive(Debug, Clone)]
pub struct SeenReport {
    pub device: DeviceIdentity,
    pub report: TerminalReport,
    pub seen_at: Timestamp,
}

/// A terminal as HQ sees it, with its sync status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TerminalStatus {
    #[serde(flatten)]
    pub terminal: Terminal,
    /// Where the terminal stands, in one word: a revoked terminal is told
    /// from one that never enrolled.
    pub state: TerminalState,
    pub enrolled: bool,
    /// When HQ revoked it; a terminal never enrolled has neither this nor
    /// `enrolled`.
    pub revoked_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub feed_cursor: Option<u64>,
    /// Changes of the tenant's feed the terminal has not asked for yet (an upper
    /// bound: some may be other stores' changes it will never need).
    pub cursor_lag: Option<u64>,
    pub queue_depth: Option<u64>,
    /// When the terminal's oldest unsent fact was made (from the age it last
    /// reported) and how old that fact is now (seconds).
    pub oldest_unsent_at: Option<Timestamp>,
    pub oldest_unsent_age_secs: Option<u64>,
    /// Facts the terminal holds in quarantine (refused by the hub).
    pub quarantined: Option<u64>,
    pub agent_version: Option<String>,
    pub protocol_version: Option<u16>,
}

/// Where a terminal stands with the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminalState {
    /// Made, its one-time code not used yet.
    AwaitingEnrollment,
    /// Enrolled, its credential working.
    Enrolled,
    /// HQ revoked it (before or after it enrolled); it reaches the hub no more.
    Revoked,
}

impl TerminalState {
    pub fn of(enrolled: bool, revoked: bool) -> Self {
        match (enrolled, revoked) {
            (true, _) => TerminalState::Enrolled,
            (false, true) => TerminalState::Revoked,
            (false, false) => TerminalState::AwaitingEnrollment,
        }
    }
}

/// A member of staff as HQ creates them: the PIN arrives hashed.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub name: String,
    pub code: String,
    pub role: pos_shared::staff::Role,
    /// Empty for an Argon2id hash, which holds its own salt; only the legacy
    /// scheme kept it apart.
    pub pin_salt: String,
    pub pin_hash: String,
}
