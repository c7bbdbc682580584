//! Typed UUIDv7 identifiers.
//!
//! Every id is minted where the thing happens (a terminal mints sale and movement
//! ids offline), so ids are UUIDv7: unique without coordination and roughly
//! time-ordered, which keeps B-tree inserts local. A newtype per entity stops a
//! store id being passed where a terminal id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(transparent)]
        pub struct $name(#[cfg_attr(feature = "ts", ts(type = "string"))] Uuid);

        impl $name {
            /// Mints a new time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an id read from storage or the wire.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

id_type!(
    /// A customer of the platform: a retail chain or dark-store operator.
    TenantId
);
id_type!(
    /// A physical store or dark store of a tenant.
    StoreId
);
id_type!(
    /// A till or device enrolled at one store.
    TerminalId
);
id_type!(
    /// A catalog product (the thing a shopper recognises).
    ProductId
);
id_type!(
    /// A sellable variant of a product, with its own barcode and price.
    VariantId
);
id_type!(
    /// A completed sale, minted by the terminal that rang it up.
    SaleId
);
id_type!(
    /// One entry of the stock ledger, minted where the stock moved.
    MovementId
);
id_type!(
    /// A cashier's shift on one terminal, from opening float to Z report.
    ShiftId
);
id_type!(
    /// Goods brought back against an earlier sale, minted by the terminal.
    ReturnId
);
id_type!(
    /// A member of a store's staff who signs in at the till.
    StaffId
);
id_type!(
    /// One entry of a terminal's audit log.
    AuditId
);
id_type!(
    /// A node of the tenant's category tree (shelves, menu sections).
    CategoryId
);
id_type!(
    /// A brand products are sold under.
    BrandId
);
id_type!(
    /// A price window of a variant.
    PriceId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_ordered() {
        let a = SaleId::new();
        let b = SaleId::new();
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!(a < b, "v7 ids minted later sort later");
    }

    #[test]
    fn id_round_trips_through_json_and_text() {
        let id = StoreId::new();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<StoreId>(&json).unwrap(), id);
        assert_eq!(id.to_string().parse::<StoreId>().unwrap(), id);
        assert!("not-a-uuid".parse::<StoreId>().is_err());
    }
}
