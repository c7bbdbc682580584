//! Who may do what with an HQ credential (an API key or a signed-in user):
//! its role, and optionally the stores it is limited to. Each request is
//! classed by its route into what it needs; a credential either has that or
//! gets a 403 naming what was missing.

use axum::http::Method;
use pos_shared::{StoreId, TenantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = KeyRole)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including stores and keys.
    Owner,
    /// Products, variants, prices, categories and brands; reads everything.
    CatalogManager,
    /// Stock, reservations, terminals, staff, status and assortment of its
    /// stores; reads everything.
    StoreManager,
    /// Reads only.
    ReadOnly,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::CatalogManager => "catalog_manager",
            Role::StoreManager => "store_manager",
            Role::ReadOnly => "read_only",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [
            Role::Owner,
            Role::CatalogManager,
            Role::StoreManager,
            Role::ReadOnly,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// What a request needs of the key that makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Read,
    Catalog,
    Store,
    Owner,
}

impl Need {
    fn describe(self) -> &'static str {
        match self {
            Need::Read => "reading",
            Need::Catalog => "changing the catalog (catalog_manager or owner)",
            Need::Store => {
                "changing a store's stock or set-up, or the chain's customers (store_manager or owner)"
            }
            Need::Owner => {
                "managing stores, keys, webhook subscriptions, GST registrations and loyalty rules (owner)"
            }
        }
    }
}

/// Classes a request by its method and route pattern (`/v1/stores/{store_id}/…`).
pub fn need_for(method: &Method, route: &str) -> Need {
    if route.starts_with("/v1/api-keys")
        || route.starts_with("/v1/users")
        || route.starts_with("/v1/tenant/")
        // Reading them too: a subscription sees every store's events.
        || route.starts_with("/v1/webhook-subscriptions")
        || (route == "/v1/stores" && method == Method::POST)
        // The registration a store's tax returns are filed under.
        || (route == "/v1/stores/{store_id}/gstin" && method != Method::GET)
        // How the whole chain's customers earn and redeem points.
        || (route == "/v1/loyalty/rules" && method != Method::GET)
        // Registering a source, changing it and its secret; reading is anyone's.
        || (method != Method::GET
            && (route == "/v1/sources"
                || route == "/v1/sources/{source_id}"
                || route == "/v1/sources/{source_id}/rotate-secret"))
    {
        Need::Owner
    } else if method == Method::GET
        || method == Method::HEAD
        || route.starts_with("/v1/session")
        || route == "/v1/stores/{store_id}/labels"
    {
        // Everyone may see who they are, sign out and change their password;
        // rendering labels changes nothing.
        Need::Read
    } else if [
        "/v1/stores/",
        "/v1/reservations/",
        "/v1/staff/",
        "/v1/transfers/",
        "/v1/orders",
        "/v1/purchase-orders/",
        // The chain's customers: their profiles and points.
        "/v1/customers/",
    ]
    .iter()
    .any(|p| route.starts_with(p))
    {
        Need::Store
    } else {
        Need::Catalog
    }
}

/// The `{store_id}` of a request's path, found where its route pattern has it.
pub fn store_in_path(route: &str, path: &str) -> Option<String> {
    let at = route.split('/').position(|s| s == "{store_id}")?;
    path.split('/').nth(at).map(str::to_owned)
}

/// Who is making an HQ request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Key(Uuid),
    /// A signed-in user, through the session whose token hashes to `session`.
    User {
        user_id: Uuid,
        session: String,
    },
}

impl Actor {
    /// The `source` of the events this actor causes.
    pub fn source(&self) -> String {
        match self {
            Actor::Key(id) => format!("hq:key:{id}"),
            Actor::User { user_id, .. } => format!("hq:user:{user_id}"),
        }
    }

    fn noun(&self) -> &'static str {
        match self {
            Actor::Key(_) => "key",
            Actor::User { .. } => "user",
        }
    }
}

/// What an HQ credential (API key or user session) grants, as the hub found it.
#[derive(Debug, Clone)]
pub struct Grant {
    pub actor: Actor,
    pub tenant: TenantId,
    pub role: Role,
    /// The stores it is limited to; empty for every store of the tenant.
    pub stores: Vec<StoreId>,
}

impl Grant {
    /// Whether the role covers `need`; the error says what was missing.
    pub fn allows(&self, need: Need) -> Result<(), String> {
        let ok = match self.role {
            Role::Owner => true,
            Role::CatalogManager => matches!(need, Need::Read | Need::Catalog),
            Role::StoreManager => matches!(need, Need::Read | Need::Store),
            Role::ReadOnly => need == Need::Read,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "this {}'s role is {}; {} needs another",
                self.actor.noun(),
                self.role.as_str(),
                need.describe()
            ))
        }
    }

    /// Whether the key reaches `store`.
    pub fn reaches(&self, store: StoreId) -> bool {
        self.stores.is_empty() || self.stores.contains(&store)
    }

    pub fn limited(&self) -> bool {
        !self.stores.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_classed_by_what_they_change() {
        let cases = [
            (Method::GET, "/v1/stores/{store_id}/inventory", Need::Read),
            (Method::POST, "/v1/stores/{store_id}/movements", Need::Store),
            (
                Method::POST,
                "/v1/reservations/{reservation_id}/commit",
                Need::Store,
            ),
            (Method::POST, "/v1/staff/{staff_id}/deactivate", Need::Store),
            (
                Method::POST,
                "/v1/transfers/{transfer_id}/receive",
                Need::Store,
            ),
            (Method::POST, "/v1/products", Need::Catalog),
            (Method::POST, "/v1/stores/{store_id}/labels", Need::Read),
            (
                Method::POST,
                "/v1/variants/{variant_id}/barcode",
                Need::Catalog,
            ),
            (Method::PUT, "/v1/settings/in-store-barcodes", Need::Catalog),
            (Method::PATCH, "/v1/variants/{variant_id}", Need::Catalog),
            (Method::POST, "/v1/prices/{price_id}/end", Need::Catalog),
            (Method::PUT, "/v1/customers/{phone}", Need::Store),
            (
                Method::POST,
                "/v1/customers/{phone}/points/adjustments",
                Need::Store,
            ),
            (Method::POST, "/v1/stores", Need::Owner),
            (Method::PUT, "/v1/stores/{store_id}/gstin", Need::Owner),
            (Method::GET, "/v1/reports/gstr1", Need::Read),
            (Method::GET, "/v1/api-keys", Need::Owner),
            (Method::GET, "/v1/users", Need::Owner),
            (Method::PATCH, "/v1/users/{user_id}", Need::Owner),
            (Method::DELETE, "/v1/session", Need::Read),
            (Method::GET, "/v1/webhook-subscriptions", Need::Owner),
            (
                Method::POST,
                "/v1/webhook-subscriptions/{subscription_id}/replay",
                Need::Owner,
            ),
            (Method::POST, "/v1/session/password", Need::Read),
            (Method::POST, "/v1/sources", Need::Owner),
            (Method::PATCH, "/v1/sources/{source_id}", Need::Owner),
            (Method::GET, "/v1/sources/{source_id}", Need::Read),
            (
                Method::POST,
                "/v1/sources/{source_id}/payloads/{payload_id}/replay",
                Need::Catalog,
            ),
        ];
        for (method, route, need) in cases {
            assert_eq!(need_for(&method, route), need, "{method} {route}");
        }
    }

    #[test]
    fn each_role_covers_its_own() {
        let grant = |role| Grant {
            actor: Actor::Key(Uuid::nil()),
            tenant: TenantId::new(),
            role,
            stores: vec![],
        };
        assert!(grant(Role::Owner).allows(Need::Owner).is_ok());
        assert!(grant(Role::CatalogManager).allows(Need::Catalog).is_ok());
        assert!(grant(Role::CatalogManager).allows(Need::Store).is_err());
        assert!(grant(Role::StoreManager).allows(Need::Store).is_ok());
        assert!(grant(Role::StoreManager).allows(Need::Owner).is_err());
        let refused = grant(Role::ReadOnly).allows(Need::Catalog).unwrap_err();
        assert!(refused.contains("read_only"), "{refused}");
    }

    #[test]
    fn the_store_is_found_where_the_route_has_it() {
        assert_eq!(
            store_in_path(
                "/v1/stores/{store_id}/inventory",
                "/v1/stores/abc/inventory"
            )
            .as_deref(),
            Some("abc")
        );
        assert_eq!(store_in_path("/v1/products", "/v1/products"), None);
    }
}
