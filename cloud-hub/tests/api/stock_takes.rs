//! Stock takes at the hub, through the upload and HQ's API: an approval in
//! parts moves stock once, whatever arrives twice or from a second approval;
//! refused parts name what was wrong and move nothing; HQ reads the takes of
//! a store (paged, checked cursors, store-limited keys); and a terminal a
//! protocol behind never hears of the stock-takes document.

use crate::helpers::*;
use crate::on_both_backends;
use automerge::transaction::Transactable;
use pos_shared::sale::SaleCashier;
use pos_shared::stock_take::{CountScope, CountedLine, StockTakeApproved};
use pos_shared::sync::Fact;
use pos_shared::{Envelope, MovementId, Qty, StaffId, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

struct Approval {
    take: Uuid,
    approval: Uuid,
    parts: u32,
}

impl Approval {
    fn new(take: Uuid, parts: u32) -> Self {
        Approval {
            take,
            approval: Uuid::now_v7(),
            parts,
        }
    }

    /// Part `part` with `lines` of `(variant index, counted, expected)`.
    fn part(&self, shop: &Shop, part: u32, lines: &[(usize, &str, &str)]) -> StockTakeApproved {
        StockTakeApproved {
            part_id: Uuid::now_v7(),
            approval_id: self.approval,
            take_id: self.take,
            part,
            parts: self.parts,
            store_id: shop.store_id.parse().unwrap(),
            terminal_id: shop.terminal_id.parse().unwrap(),
            name: "Month end".into(),
            scope: CountScope::Store,
            blind: false,
            started_at: Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 60_000),
            approved_at: Timestamp::now(),
            approved_by: SaleCashier {
                staff_id: StaffId::new(),
                name: "Meena".into(),
            },
            lines: lines
                .iter()
                .map(|(i, counted, expected)| {
                    let (counted, expected) =
                        (Qty::parse(counted).unwrap(), Qty::parse(expected).unwrap());
                    CountedLine {
                        variant_id: shop.variants[*i].0.parse().unwrap(),
                        counted,
                        expected,
                        movement_id: (counted != expected).then(MovementId::new),
                    }
                })
                .collect(),
        }
    }
}

fn envelope(shop: &Shop, part: StockTakeApproved) -> Value {
    let e = Envelope::new(
        part.part_id,
        "pos.stock_take.approved",
        format!("terminal:{}", shop.terminal_id),
        shop.tenant_id.parse().unwrap(),
        part.approved_at,
        Fact::StockTakeApproved(part),
    );
    serde_json::to_value(e).unwrap()
}

async fn upload_one(shop: &Shop, fact: Value) -> (String, String) {
    let (s, ack) = shop.upload(&[fact]).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    let r = &ack["results"][0];
    (
        r["status"].as_str().unwrap().to_owned(),
        r["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn an_approval_in_parts_moves_stock_once_and_hq_reads_the_take(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let take = Uuid::now_v7();
    let approval = Approval::new(take, 2);
    let first = envelope(&shop, approval.part(&shop, 1, &[(0, "45", "50")]));
    // Rice is sold loose: a fraction of a kilogram is a count.
    let second = envelope(&shop, approval.part(&shop, 2, &[(1, "49.75", "50")]));

    assert_eq!(upload_one(&shop, first.clone()).await.0, "accepted");
    let (s, list) = hub
        .get(
            &format!("/v1/stores/{}/stock-takes", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let summary = &list["items"][0];
    assert_eq!(
        (
            summary["parts"].as_u64(),
            summary["parts_received"].as_u64()
        ),
        (Some(2), Some(1)),
        "the take is not whole yet: {summary}"
    );
    assert_eq!(shop.on_hand(TEA).await, "45");

    // The same part again is a duplicate; the second part completes it.
    assert_eq!(upload_one(&shop, first.clone()).await.0, "duplicate");
    assert_eq!(upload_one(&shop, second).await.0, "accepted");
    assert_eq!(shop.on_hand(TEA).await, "45", "moved once");
    assert_eq!(
        shop.on_hand(RICE).await,
        "49.75",
        "a quarter kilo of rice missing"
    );

    // Another approval of the same take (another till's, offline) is refused.
    let other = Approval::new(take, 1);
    let (status, reason) = upload_one(
        &shop,
        envelope(&shop, other.part(&shop, 1, &[(0, "10", "50")])),
    )
    .await;
    assert_eq!(status, "rejected", "{reason}");
    assert!(
        reason.starts_with(pos_shared::stock_take::SUPERSEDED_APPROVAL)
            && reason.contains("approved by Meena"),
        "{reason}"
    );
    // A part numbered as one already stored, or claiming another count of parts.
    let (status, reason) = upload_one(
        &shop,
        envelope(&shop, approval.part(&shop, 2, &[(1, "49", "50")])),
    )
    .await;
    assert_eq!(
        (status.as_str(), reason.starts_with("part:")),
        ("rejected", true),
        "{reason}"
    );
    let wrong_parts = Approval {
        take,
        approval: approval.approval,
        parts: 3,
    };
    let (status, reason) =
        upload_one(&shop, envelope(&shop, wrong_parts.part(&shop, 3, &[]))).await;
    assert_eq!(
        (status.as_str(), reason.starts_with("parts:")),
        ("rejected", true),
        "{reason}"
    );
    assert_eq!(shop.on_hand(TEA).await, "45", "nothing refused moved stock");

    let (_, list) = hub
        .get(
            &format!("/v1/stores/{}/stock-takes", shop.store_id),
            &shop.api_key,
        )
        .await;
    let summary = &list["items"][0];
    assert_eq!(summary["take_id"], take.to_string());
    assert_eq!(summary["parts_received"], 2);
    assert_eq!(
        (
            summary["lines"].as_u64(),
            summary["lines_adjusted"].as_u64()
        ),
        (Some(2), Some(2))
    );
    assert_eq!(
        (
            summary["missing"].as_str(),
            summary["found"].as_str(),
            summary["net_variance"].as_str()
        ),
        (Some("5.25"), Some("0"), Some("-5.25"))
    );
    assert_eq!(summary["scope"], json!({"kind": "store"}));
    let (s, report) = hub
        .get(&format!("/v1/stock-takes/{take}"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(
        report["items"][0]["sku"], "TEA-250",
        "what differed first: {report}"
    );
    assert_eq!(report["items"][0]["variance"], "-5");
    assert!(report["items"][0]["movement_id"].is_string());
    assert_eq!(report["items"][1]["variance"], "-0.25", "{report}");

    // HQ hears of it as an event.
    let (_, events) = hub
        .get(
            "/v1/events?type=inventory.stock_take.approved",
            &shop.api_key,
        )
        .await;
    let approved = events["events"].as_array().unwrap();
    assert_eq!(approved.len(), 1, "{events}");
    assert_eq!(approved[0]["data"]["take_id"], take.to_string());

    // Unknown and foreign takes, limited keys, checked cursors.
    let (s, b) = hub
        .get(
            &format!("/v1/stock-takes/{}", Uuid::now_v7()),
            &shop.api_key,
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let path = format!("/v1/stores/{}/stock-takes", shop.store_id);
    assert_cursors_checked(hub, &path, &shop.api_key, &shop.variants[0].0).await;
    let stranger = shop_on(hub.clone(), "Other Chain").await;
    let (s, b) = hub
        .get(&format!("/v1/stock-takes/{take}"), &stranger.api_key)
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    // Another tenant's till naming this take is refused, not merged.
    let theirs = Approval::new(take, 1);
    let (status, reason) = upload_one(
        &stranger,
        envelope(&stranger, theirs.part(&stranger, 1, &[(0, "1", "50")])),
    )
    .await;
    assert_eq!(
        (status.as_str(), reason.starts_with("take_id:")),
        ("rejected", true),
        "{reason}"
    );
}
on_both_backends!(an_approval_in_parts_moves_stock_once_and_hq_reads_the_take);

async fn a_part_that_does_not_add_up_is_refused_by_name_and_moves_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let approval = Approval::new(Uuid::now_v7(), 1);
    let mut no_movement = approval.part(&shop, 1, &[(0, "40", "50")]);
    no_movement.lines[0].movement_id = None;
    let mut unknown = approval.part(&shop, 1, &[(0, "40", "50")]);
    unknown.lines[0].variant_id = pos_shared::VariantId::new();
    let mut twice = approval.part(&shop, 1, &[(0, "40", "50")]);
    twice.lines.push(twice.lines[0].clone());
    let mut elsewhere = approval.part(&shop, 1, &[(0, "40", "50")]);
    elsewhere.store_id = pos_shared::StoreId::new();
    // Tea is counted in packets; a fraction of one is no count.
    let fraction = approval.part(&shop, 1, &[(0, "40.5", "50")]);
    for (part, field) in [
        (fraction, "lines[0].counted"),
        (no_movement, "lines[0].movement_id"),
        (unknown, "lines[0].variant_id"),
        (twice, "lines[1].variant_id"),
        (elsewhere, "store_id"),
    ] {
        let (status, reason) = upload_one(&shop, envelope(&shop, part)).await;
        assert_eq!(status, "rejected", "{field}: {reason}");
        assert!(reason.starts_with(field), "{field}: {reason}");
    }
    assert_eq!(shop.on_hand(TEA).await, INITIAL_STOCK.to_string());
    let (_, list) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/stock-takes", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(list["items"], json!([]), "no take half-kept: {list}");
}
on_both_backends!(a_part_that_does_not_add_up_is_refused_by_name_and_moves_nothing);

async fn a_terminal_too_old_for_the_stock_takes_document_is_told_to_upgrade(backend: Backend) {
    let shop = shop(backend).await;
    let mut doc = automerge::AutoCommit::new();
    doc.put(automerge::ROOT, "take/x", "{}").unwrap();
    shop.push_document("stock_takes", &mut doc).await;
    let purposes = |page: &Value| -> Vec<String> {
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "document_changed")
            .map(|c| c["purpose"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, now) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=5000&v=11", &shop.device_token)
        .await;
    assert_eq!(purposes(&now), ["stock_takes"], "{now}");
    // Protocol 8 tills, which do not know the document, are no longer
    // served at all: they are told to upgrade, never fed what they cannot read.
    let (s, behind) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=5000&v=8", &shop.device_token)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{behind}");
    assert!(
        behind["detail"]
            .as_str()
            .unwrap()
            .contains("upgrade the terminal"),
        "{behind}"
    );
}
on_both_backends!(a_terminal_too_old_for_the_stock_takes_document_is_told_to_upgrade);
