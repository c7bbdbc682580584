//! Credit accounts at the hub: HQ opens one with a limit, the store's till
//! hears its grant, sales on account and payments move what is owed and the
//! statement, a till tops up online and gives back what it holds past its
//! share, and the tills never hold more than the limit between them. Bad
//! input is refused by field and changes nothing.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::credit::{CreditReleased, DuesPayment};
use pos_shared::sale::TenderMethod;
use pos_shared::sync::Fact;
use pos_shared::{Envelope, Money, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const PHONE: &str = "+919876543210";

/// A sale of one tea (₹145) put on `phone`'s account for `on_account`
/// minor units, the rest in cash.
fn sale_on_account(shop: &Shop, receipt: &str, phone: &str, on_account: i64) -> Value {
    let mut sale = shop.sale(receipt, &[(0, "1")]);
    let total = sale["data"]["total"]["minor"].as_i64().unwrap();
    let mut tenders =
        vec![json!({"method": "credit", "amount": {"minor": on_account, "currency": "INR"}})];
    if total > on_account {
        tenders.push(
            json!({"method": "cash", "amount": {"minor": total - on_account, "currency": "INR"}}),
        );
    }
    sale["data"]["tenders"] = json!(tenders);
    sale["data"]["customer"] = json!({ "phone": phone });
    sale
}

fn fact(shop: &Shop, id: Uuid, event_type: &str, data: Fact) -> Value {
    let envelope = Envelope::new(
        id,
        event_type,
        crate::helpers::source_of(&data),
        shop.tenant_id.parse().unwrap(),
        Timestamp::now(),
        data,
    );
    serde_json::to_value(envelope).unwrap()
}

fn payment(shop: &Shop, minor: i64) -> Value {
    let id = Uuid::now_v7();
    let p = DuesPayment {
        payment_id: id,
        store_id: shop.store_id.parse().unwrap(),
        terminal_id: shop.terminal_id.parse().unwrap(),
        phone: PHONE.into(),
        amount: Money::inr(minor),
        method: TenderMethod::Cash,
        reference: None,
        occurred_at: Timestamp::now(),
        cashier: None,
    };
    fact(shop, id, "pos.dues.paid", Fact::DuesPaid(p))
}

fn release(shop: &Shop, released: i64) -> Value {
    let id = Uuid::now_v7();
    let r = CreditReleased {
        release_id: id,
        store_id: shop.store_id.parse().unwrap(),
        terminal_id: shop.terminal_id.parse().unwrap(),
        phone: PHONE.into(),
        released: Money::inr(released),
        occurred_at: Timestamp::now(),
    };
    fact(shop, id, "pos.credit.released", Fact::CreditReleased(r))
}

/// The till's grant on the last `credit_account_changed` it heard after
/// `since`, with the account as heard.
async fn heard(shop: &Shop, since: u64) -> (Option<Value>, u64) {
    let (changes, next) = shop.feed_after(since).await;
    let last = changes
        .into_iter()
        .rfind(|c| c["type"] == "credit_account_changed");
    (last, next)
}

fn granted(account: &Value, terminal: &str) -> i64 {
    account["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["terminal_id"] == terminal)
        .map_or(0, |g| g["granted"]["minor"].as_i64().unwrap())
}

/// Online, the shop's till asks for more of PHONE's limit than there is
/// (₹2,000): the account as the hub then grants it.
async fn ask_for_everything(shop: &Shop) -> Value {
    let (s, topped) = shop
        .hub
        .post(
            "/v1/sync/credit-top-up",
            &shop.device_token,
            json!({"phone": PHONE, "need": {"minor": 200_000, "currency": "INR"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{topped}");
    topped
}

/// Opens PHONE's account at the shop's store with a ₹1,000 limit; its path.
async fn open_account(shop: &Shop) -> String {
    let path = format!("/v1/stores/{}/credit-accounts/{PHONE}", shop.store_id);
    let limit = json!({"limit": {"minor": 100_000, "currency": "INR"}});
    let (s, b) = shop.hub.put(&path, &shop.api_key, limit).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    path
}

/// What the tills may have lent between them (what each lent net, and what
/// it may still lend) never passes the limit.
fn assert_within_limit(report: &Value) {
    let minor = |t: &Value, k: &str| t[k]["minor"].as_i64().unwrap();
    let exposed: i64 = report["tills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let net = minor(t, "lent") - minor(t, "paid");
            net + (minor(t, "granted") - minor(t, "released") - net).max(0)
        })
        .sum();
    let limit = report["limit"]["minor"].as_i64().unwrap();
    assert!(
        exposed <= limit,
        "tills may have lent {exposed} of a {limit} limit: {report}"
    );
}

async fn an_account_is_granted_used_paid_and_stated(backend: Backend) {
    let shop = shop(backend).await;
    let path = format!("/v1/stores/{}/credit-accounts/98765%2043210", shop.store_id);
    let (s, opened) = shop
        .hub
        .put(
            &path,
            &shop.api_key,
            json!({"limit": {"minor": 100_000, "currency": "INR"}, "name": " Meena Iyer "}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{opened}");
    assert_eq!(opened["phone"], PHONE);
    assert_eq!(opened["name"], "Meena Iyer");
    // One till: it holds half of the ₹1,000 headroom for offline sales.
    assert_eq!(opened["keep"]["minor"], 50_000);
    assert_within_limit(&opened);
    let (account, since) = heard(&shop, 0).await;
    let account = account.expect("the till hears the account");
    assert_eq!(granted(&account, &shop.terminal_id), 50_000);
    assert_eq!(account["dues"]["minor"], 0);

    // ₹145 put on the account: owed ₹145, and the till's share is topped
    // back up toward half of the new headroom (₹855 / 2).
    let (_, ack) = shop
        .upload(&[sale_on_account(&shop, "T1-000001", PHONE, 14_500)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    let (account, _) = heard(&shop, since).await;
    let account = account.expect("the sale moves the account");
    assert_eq!(account["dues"]["minor"], 14_500);
    assert_eq!(account["keep"]["minor"], 42_750);
    assert_eq!(
        granted(&account, &shop.terminal_id),
        50_000 + 14_500 - 7_250
    );

    // ₹100 paid in cash at the till: owed ₹45.
    let (_, ack) = shop.upload(&[payment(&shop, 10_000)]).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    let (s, statement) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{statement}");
    let entries = statement["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{statement}");
    assert_eq!(entries[0]["kind"], "sale");
    assert_eq!(entries[0]["reference"], "T1-000001");
    assert_eq!(entries[0]["balance"]["minor"], 14_500);
    assert_eq!(entries[1]["kind"], "payment");
    assert_eq!(entries[1]["amount"]["minor"], -10_000);
    assert_eq!(entries[1]["balance"]["minor"], 4_500);
    assert_eq!(statement["account"]["dues"]["minor"], 4_500);
    assert_eq!(statement["ageing"]["days_0_30"]["minor"], 4_500);
    assert_within_limit(&statement["account"]);

    // Online, the till asks for more than it holds: it gets what is free of
    // the limit, and no more.
    let topped = ask_for_everything(&shop).await;
    assert_eq!(
        granted(&topped, &shop.terminal_id),
        100_000,
        "the whole limit, and no more"
    );
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    assert_within_limit(&statement["account"]);

    // A till gives back what it holds past its share; the hub hears it once.
    let give_back = release(&shop, 30_000);
    let (_, ack) = shop.upload(std::slice::from_ref(&give_back)).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    let (_, ack) = shop.upload(&[give_back]).await;
    assert_eq!(Shop::statuses(&ack), ["duplicate"], "{ack}");
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    let till = &statement["account"]["tills"][0];
    assert_eq!(till["released"]["minor"], 30_000, "{statement}");
    assert_within_limit(&statement["account"]);

    // HQ lowers the limit to nothing and closes it: no grant is lowered, no
    // new one made, and the tills are told to keep nothing.
    let (s, closed) = shop
        .hub
        .put(
            &path,
            &shop.api_key,
            json!({"limit": {"minor": 0, "currency": "INR"}, "closed": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    assert_eq!(closed["keep"]["minor"], 0);
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["name"], Value::Null, "a name left out is cleared");
    let (account, _) = heard(&shop, 0).await;
    let account = account.unwrap();
    assert_eq!(account["closed"], true);
    assert_eq!(granted(&account, &shop.terminal_id), 100_000);

    let (s, list) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/credit-accounts", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["dues"]["minor"], 4_500);
}
on_both_backends!(an_account_is_granted_used_paid_and_stated);

async fn what_cannot_be_put_on_an_account_is_refused(backend: Backend) {
    let shop = shop(backend).await;
    let store = shop.store_id.clone();
    let path = format!("/v1/stores/{store}/credit-accounts/{PHONE}");
    for (body, field) in [
        (json!({"limit": {"minor": -1, "currency": "INR"}}), "limit"),
        (
            json!({"limit": {"minor": 100, "currency": "INR"}, "name": "A\u{7}B"}),
            "name",
        ),
        (
            json!({"limit": {"minor": 100, "currency": "INR"}, "colour": "red"}),
            "",
        ),
    ] {
        let (s, b) = shop.hub.put(&path, &shop.api_key, body).await;
        assert!(s.is_client_error(), "{s} {b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{b}");
        }
    }
    let (s, b) = shop
        .hub
        .put(
            &format!("/v1/stores/{store}/credit-accounts/12345"),
            &shop.api_key,
            json!({"limit": {"minor": 100, "currency": "INR"}}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "phone");
    let (s, b) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing was opened: {b}");

    // A sale on an account the hub does not have is refused for good, so
    // the till quarantines it where HQ sees it; nothing of it is kept.
    let (_, ack) = shop
        .upload(&[sale_on_account(&shop, "T1-000001", PHONE, 14_500)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    assert!(
        ack["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("no credit account"),
        "{ack}"
    );
    assert_eq!(shop.on_hand(TEA).await, INITIAL_STOCK.to_string());
    let (s, b) = shop
        .hub
        .post(
            "/v1/sync/credit-top-up",
            &shop.device_token,
            json!({"phone": PHONE, "need": {"minor": 100, "currency": "INR"}}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");

    // An account stays at the store it was opened for.
    let (s, _) = shop
        .hub
        .put(
            &path,
            &shop.api_key,
            json!({"limit": {"minor": 100, "currency": "INR"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let other = shop
        .hub
        .as_(&shop.api_key)
        .create_store("BLR-2", "Koramangala", "INR")
        .await
        .unwrap();
    let (s, b) = shop
        .hub
        .put(
            &format!("/v1/stores/{}/credit-accounts/{PHONE}", other.id),
            &shop.api_key,
            json!({"limit": {"minor": 100, "currency": "INR"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let (s, _) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/credit-accounts/{PHONE}", other.id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A sale without its customer is no sale on account.
    let mut nameless = sale_on_account(&shop, "T1-000002", PHONE, 14_500);
    nameless["data"]["customer"] = Value::Null;
    let (_, ack) = shop.upload(&[nameless]).await;
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    assert!(
        ack["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("customer"),
        "{ack}"
    );
}
on_both_backends!(what_cannot_be_put_on_an_account_is_refused);

async fn a_return_goes_back_on_the_account_it_came_from(backend: Backend) {
    let shop = shop(backend).await;
    let path = open_account(&shop).await;
    let on_account = sale_on_account(&shop, "T1-000001", PHONE, 14_500);
    let in_cash = shop.sale("T1-000002", &[(0, "1")]);
    let (_, ack) = shop.upload(&[on_account.clone(), in_cash.clone()]).await;
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"], "{ack}");

    // A bill paid in cash has no account to go back on: refused for good,
    // and its stock stays sold.
    let (_, ack) = shop
        .upload(&[shop.return_of(&in_cash, "T1-000003", TenderMethod::Credit)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    assert!(
        ack["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not put on a credit account"),
        "{ack}"
    );
    assert_eq!(shop.on_hand(TEA).await, (INITIAL_STOCK - 2).to_string());

    let (_, ack) = shop
        .upload(&[shop.return_of(&on_account, "T1-000004", TenderMethod::Credit)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    let kinds: Vec<&str> = statement["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["sale", "refund"], "{statement}");
    assert_eq!(statement["entries"][1]["reference"], "T1-000004");
    assert_eq!(statement["account"]["dues"]["minor"], 0, "{statement}");
    assert_eq!(statement["ageing"]["days_0_30"]["minor"], 0);
    assert_eq!(shop.on_hand(TEA).await, (INITIAL_STOCK - 1).to_string());
}
on_both_backends!(a_return_goes_back_on_the_account_it_came_from);

async fn a_till_that_joins_the_store_is_granted_its_share(backend: Backend) {
    let shop = shop(backend).await;
    let path = open_account(&shop).await;
    let hq = shop.hub.as_(&shop.api_key);
    let second = hq
        .create_terminal(&shop.store_id, "Till 2", "t2")
        .await
        .unwrap();
    let credential = shop
        .hub
        .hq
        .enroll(&second.enrollment_code, "test")
        .await
        .unwrap();
    // Two tills now: each holds a quarter; the first keeps what it had
    // until it gives the excess back.
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    let account = &statement["account"];
    assert_eq!(account["keep"]["minor"], 25_000, "{statement}");
    let share = |terminal: &str| {
        account["tills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["terminal_id"] == terminal)
            .map(|t| t["granted"]["minor"].as_i64().unwrap())
    };
    assert_eq!(
        share(&credential.terminal_id.to_string()),
        Some(25_000),
        "{statement}"
    );
    assert_eq!(share(&shop.terminal_id), Some(50_000), "{statement}");
    assert_within_limit(account);
    // The new till hears the account, with its grant, in its feed.
    let (s, page) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=1000", &credential.token)
        .await;
    assert_eq!(s, StatusCode::OK);
    let heard = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["type"] == "credit_account_changed")
        .cloned()
        .expect("the new till hears the account");
    assert_eq!(granted(&heard, &credential.terminal_id.to_string()), 25_000);
}
on_both_backends!(a_till_that_joins_the_store_is_granted_its_share);

async fn a_till_that_gives_back_is_not_topped_up_in_the_same_turn(backend: Backend) {
    let shop = shop(backend).await;
    let path = open_account(&shop).await;
    // The till says it holds ₹200 more than the hub counts (a payment the
    // hub never took, say) and gives it back: the hub keeps it, rather than
    // granting it again to be given back again, round after round.
    let (_, ack) = shop.upload(&[release(&shop, 20_000)]).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    let till = &statement["account"]["tills"][0];
    assert_eq!(till["granted"]["minor"], 50_000, "{statement}");
    assert_eq!(till["released"]["minor"], 20_000, "{statement}");

    // A limit in another currency than the store's, and a payment in one,
    // are refused.
    let (s, b) = shop
        .hub
        .put(
            &path,
            &shop.api_key,
            json!({"limit": {"minor": 100, "currency": "USD"}}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "limit");
    let mut dollars = payment(&shop, 500);
    dollars["data"]["amount"]["currency"] = json!("USD");
    let (_, ack) = shop.upload(&[dollars]).await;
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    assert!(
        ack["results"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("amount.currency"),
        "{ack}"
    );
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    assert_eq!(statement["entries"], json!([]), "{statement}");
}
on_both_backends!(a_till_that_gives_back_is_not_topped_up_in_the_same_turn);

/// A till that took a bill back on account while apart from the till that
/// already had, and gave back the share that refund seemed to free, lent
/// past what it holds once the hub refuses the second return: the limit
/// covers that, so no top-up lends past it.
async fn a_refused_refund_given_back_is_still_counted_against_the_limit(backend: Backend) {
    let shop = shop(backend).await;
    let path = open_account(&shop).await;
    let other = shop.till_at(&shop.store_id, "Till 2", "t2").await;
    let bill = sale_on_account(&shop, "T1-000001", PHONE, 14_500);
    let (_, ack) = shop.upload(std::slice::from_ref(&bill)).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    let (_, ack) = other
        .upload(&[sale_on_account(&other, "T2-000001", PHONE, 14_500)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    let (_, ack) = shop
        .upload(&[shop.return_of(&bill, "T1-000002", TenderMethod::Credit)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");

    // Till 2 took the same bill back apart, counted its refund and gave
    // back all it then seemed to hold past its lending.
    let mut second_return = other.return_of(&bill, "T2-000002", TenderMethod::Credit);
    second_return["data"]["terminal_id"] = json!(other.terminal_id);
    second_return["data"]["store_id"] = json!(other.store_id);
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    let held_by_2 = statement["account"]["tills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["terminal_id"] == other.terminal_id.as_str())
        .map(|t| t["granted"]["minor"].as_i64().unwrap())
        .unwrap();
    let (_, ack) = other
        .upload(&[second_return, release(&other, held_by_2)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["rejected", "accepted"], "{ack}");
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    assert_within_limit(&statement["account"]);

    // Online, the first till asks for everything: it gets what leaves room
    // for what till 2 lent.
    let topped = ask_for_everything(&shop).await;
    assert_eq!(
        granted(&topped, &shop.terminal_id),
        100_000 - 14_500,
        "{topped}"
    );
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    assert_within_limit(&statement["account"]);
}
on_both_backends!(a_refused_refund_given_back_is_still_counted_against_the_limit);

/// A revoked till lends no more: what it held of the limit goes back to the
/// store's other tills, and what it lent stays owed.
async fn a_revoked_till_gives_back_what_it_held(backend: Backend) {
    let shop = shop(backend).await;
    let path = open_account(&shop).await;
    let other = shop.till_at(&shop.store_id, "Till 2", "t2").await;
    let (_, ack) = other
        .upload(&[sale_on_account(&other, "T2-000001", PHONE, 10_000)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    shop.revoke(&other).await;
    let (_, statement) = shop.hub.get(&path, &shop.api_key).await;
    let account = &statement["account"];
    assert_eq!(account["dues"]["minor"], 10_000, "{statement}");
    assert_eq!(
        account["keep"]["minor"], 45_000,
        "one till keeps half of ₹900"
    );
    let holds = |terminal: &str| {
        let t = account["tills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["terminal_id"] == terminal)
            .unwrap();
        let minor = |k: &str| t[k]["minor"].as_i64().unwrap();
        minor("granted") - minor("released") - minor("lent") + minor("paid")
    };
    assert_eq!(holds(&other.terminal_id), 0, "{statement}");
    assert!(holds(&shop.terminal_id) >= 45_000, "{statement}");
    assert_within_limit(account);
    // Online, the till left may lend all the limit but what is owed.
    let topped = ask_for_everything(&shop).await;
    assert_eq!(granted(&topped, &shop.terminal_id), 90_000, "{topped}");
    // The revoked till is heard no more.
    let (_, ack) = other
        .hub
        .get("/v1/sync/feed?since=0", &other.device_token)
        .await;
    assert_eq!(ack["status"], 401, "{ack}");
}
on_both_backends!(a_revoked_till_gives_back_what_it_held);
