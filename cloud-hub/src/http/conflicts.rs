//! Which field a broken uniqueness rule is about, and the words for it.
//!
//! One exact table, keyed by the rule's name as each backend reports it:
//! PostgreSQL gives the constraint or index name, SQLite the columns
//! (`UNIQUE constraint failed: stores.tenant_id, stores.code`), and the
//! storage code names the rules it checks itself (`movement_id reused`). A
//! test holds the table to the migrations, so a new unique constraint without
//! words fails the build's tests rather than reaching a caller as "conflict".

/// One uniqueness rule: its names on each backend, the field it is about and
/// what to tell the caller.
struct UniqueRule {
    names: &'static [&'static str],
    field: &'static str,
    detail: &'static str,
}

const RULES: &[UniqueRule] = &[
    UniqueRule {
        names: &["stores_tenant_id_code_key", "stores.tenant_id, stores.code"],
        field: "code",
        detail: "a store with this code already exists",
    },
    UniqueRule {
        names: &[
            "terminals_tenant_id_receipt_prefix_key",
            "terminals.tenant_id, terminals.receipt_prefix",
        ],
        field: "receipt_prefix",
        detail: "another terminal already uses this receipt prefix",
    },
    UniqueRule {
        names: &[
            "terminals_enrollment_code_hash_key",
            "terminals.enrollment_code_hash",
            "terminals_device_token_hash_key",
            "terminals.device_token_hash",
        ],
        field: "id",
        detail: "a freshly minted terminal secret collided; try again",
    },
    UniqueRule {
        names: &["variants_sku_unique", "variants.tenant_id, variants.sku"],
        field: "sku",
        detail: "a variant with this SKU already exists",
    },
    UniqueRule {
        names: &[
            "variants_gtin_unique",
            "variants.tenant_id, variants.gtin",
            "variant_barcodes_gtin_unique",
            "variant_barcodes.tenant_id, variant_barcodes.gtin",
        ],
        field: "barcode",
        detail: "a variant with this barcode already exists",
    },
    UniqueRule {
        names: &["staff_code_unique", "staff.store_id, staff.code"],
        field: "code",
        detail: "a member of this store's staff already signs in with this code",
    },
    UniqueRule {
        names: &["brands_name_unique", "brands.tenant_id, brands.name"],
        field: "name",
        detail: "a brand with this name already exists",
    },
    UniqueRule {
        names: &["category name"],
        field: "name",
        detail: "a category with this name already exists under the same parent",
    },
    UniqueRule {
        names: &["hq_users_email", "hq_users.email"],
        field: "email",
        detail: "a user with this email already exists",
    },
    UniqueRule {
        names: &[
            "hq_users_invitation",
            "hq_users.invitation_hash",
            "api_keys_by_id",
            "api_keys.id",
        ],
        field: "id",
        detail: "a freshly minted secret collided; try again",
    },
    UniqueRule {
        names: &["reservation_id reused", "stock_reservations_pkey", "stock_reservations.id"],
        field: "reservation_id",
        detail: "this reservation_id was already used for a different reservation; mint a new id",
    },
    UniqueRule {
        names: &["reservation_id taken by a movement"],
        field: "reservation_id",
        detail: "a stock movement already has this reservation's id, so its goods cannot leave the stock under it; \
                 release the reservation and reserve again with a new id",
    },
    UniqueRule {
        names: &["transfer_id reused"],
        field: "transfer_id",
        detail: "this transfer_id was already used for a different transfer; mint a new id",
    },
    UniqueRule {
        names: &["credit account at another store"],
        field: "phone",
        detail: "this customer's credit account is kept at another store: a customer has one account, at one store; close it there or change it there",
    },
    UniqueRule {
        names: &["adjustment_id reused"],
        field: "adjustment_id",
        detail: "this adjustment_id was already used for a different adjustment; mint a new id",
    },
    UniqueRule {
        names: &["request_id reused"],
        field: "request_id",
        detail: "this request_id was already used for a different transfer request; mint a new id",
    },
    UniqueRule {
        names: &["po_id reused"],
        field: "po_id",
        detail: "this po_id was already used for a different purchase order; mint a new id",
    },
    UniqueRule {
        names: &["bill_id reused"],
        field: "bill_id",
        detail: "this bill_id was already used for a different supplier bill; mint a new id",
    },
    UniqueRule {
        names: &["supplier_id reused"],
        field: "supplier_id",
        detail: "this supplier_id was already used for a different supplier; mint a new id",
    },
    UniqueRule {
        names: &["movement_id reused"],
        field: "movement_id",
        detail: "this movement_id was already used for a different movement; mint a new id",
    },
    UniqueRule {
        names: &[
            "sales_receipt_unique",
            "sales.terminal_id, sales.receipt_no",
            "returns_receipt_unique",
            "returns.terminal_id, returns.receipt_no",
        ],
        field: "receipt_no",
        detail: "this terminal already recorded another bill under this receipt number",
    },
    UniqueRule {
        names: &[
            "orders_tenant_id_idempotency_key_key",
            "orders.tenant_id, orders.idempotency_key",
            "idempotency_key reused",
        ],
        field: "idempotency_key",
        detail: "this idempotency key was used for an order with another body",
    },
    UniqueRule {
        names: &[
            "order_delivery_by_reference",
            "order_delivery.partner, order_delivery.partner_ref",
        ],
        field: "reference",
        detail: "the partner gave a delivery reference another order already has",
    },
    UniqueRule {
        names: &[
            "source_systems_tenant_id_code_key",
            "source_systems.tenant_id, source_systems.code",
        ],
        field: "code",
        detail: "a source with this code already exists",
    },
    UniqueRule {
        names: &[
            "source_entities_pkey",
            "source_entities.source_id, source_entities.entity, source_entities.external_id",
        ],
        field: "stores",
        detail: "the source names one of its stores twice",
    },
    UniqueRule {
        names: &[
            "feed_review_rows_run_id_line_key",
            "feed_review_rows.run_id, feed_review_rows.line",
        ],
        field: "line",
        detail: "this line of the feed is already in review",
    },
    UniqueRule {
        names: &["webhook-id reused"],
        field: "webhook-id",
        detail: "this webhook-id was already delivered with another body",
    },
];

/// The field and the words for a broken rule, given its name as the backend
/// reported it. A rule missing from the table (the test below keeps that from
/// happening for the migrations' own constraints) is logged and answered in
/// general words, never with the raw database message.
pub(crate) fn describe(rule: &str) -> (&'static str, &'static str) {
    let name = rule
        .strip_prefix("UNIQUE constraint failed: ")
        .unwrap_or(rule);
    match RULES.iter().find(|r| r.names.contains(&name)) {
        Some(r) => (r.field, r.detail),
        None => {
            tracing::warn!(rule, "a uniqueness rule without words in http/conflicts.rs");
            ("id", "this record already exists")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every named unique constraint and unique index in the PostgreSQL
    /// migrations, and the columns of every one in the SQLite migrations, has
    /// its words.
    #[test]
    fn every_unique_rule_in_the_migrations_is_described() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
        let mut missing = Vec::new();
        for dir in ["hub-postgres", "hub-sqlite"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                let sql = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for line in sql.lines() {
                    let words: Vec<&str> = line
                        .split(|c: char| c.is_whitespace() || c == '(')
                        .filter(|w| !w.is_empty())
                        .collect();
                    let named = match words.as_slice() {
                        ["CONSTRAINT", name, "UNIQUE", ..] => Some(*name),
                        ["CREATE", "UNIQUE", "INDEX", name, ..] => Some(*name),
                        _ => None,
                    };
                    if let Some(name) = named {
                        if !RULES.iter().any(|r| r.names.contains(&name)) {
                            missing.push(format!("{dir}: {name}"));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "no words for: {missing:?}");
        assert_eq!(
            describe("UNIQUE constraint failed: variants.tenant_id, variants.sku").0,
            "sku"
        );
        assert_eq!(describe("variants_sku_unique").0, "sku");
        assert_eq!(describe("stores_tenant_id_code_key").0, "code");
        assert_eq!(
            describe("no such rule"),
            ("id", "this record already exists")
        );
    }
}
