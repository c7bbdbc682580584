//! The hub on a PostgreSQL server that takes TLS, at `sslmode=verify-full`
//! with the server's CA named by `sslrootcert`, as a managed database asks:
//! every connection the hub holds is encrypted, and a CA that did not sign
//! the server's certificate stops the start, naming the database.

use reqwest::StatusCode;

fn ssl_url() -> String {
    std::env::var("TEST_DATABASE_SSL_URL").expect(
        "TEST_DATABASE_SSL_URL is not set: run ./scripts/test.sh, which starts PostgreSQL with TLS for the tests",
    )
}

#[tokio::test]
async fn the_hub_reaches_postgresql_over_tls_at_verify_full() {
    let admin = ssl_url();
    assert!(admin.contains("sslmode=verify-full"), "{admin}");
    let name = format!("hub_ssl_{}", uuid::Uuid::now_v7().simple());
    let url = cloud_hub::storage::postgres::create_database(&admin, &name)
        .await
        .expect("create database over TLS");
    let hub = cloud_hub::start(cloud_hub::config::HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_token: Some(pos_shared::Secret::new("ssl-admin")),
        ..cloud_hub::config::HubConfig::new(url.clone())
    })
    .await
    .expect("the hub starts on PostgreSQL over TLS");
    let http = reqwest::Client::new();
    let tenant = http
        .post(format!("{}/v1/admin/tenants", hub.base_url()))
        .bearer_auth("ssl-admin")
        .json(&serde_json::json!({"name": "Encrypted Chain"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tenant.status(),
        StatusCode::CREATED,
        "{:?}",
        tenant.text().await
    );
    let ready = http
        .get(format!("{}/ready", hub.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    // Every connection of the hub's database is encrypted.
    let pool = sqlx::PgPool::connect(&admin).await.expect("admin over TLS");
    let (plain, encrypted): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE NOT s.ssl), count(*) FILTER (WHERE s.ssl) \
         FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1",
    )
    .bind(&name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(plain, 0, "no plain connection to {name}");
    assert!(encrypted > 0, "the hub's connections are there, encrypted");
    hub.stop().await.unwrap();

    // A CA that did not sign the server's certificate: no start, and the
    // error says the database could not be opened.
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let stranger = params.self_signed(&key).unwrap();
    let ca = dir.path().join("stranger.pem");
    std::fs::write(&ca, stranger.pem()).unwrap();
    let (base, _) = url.split_once("sslrootcert=").expect("sslrootcert");
    let wrong = format!("{base}sslrootcert={}", ca.display());
    let err = cloud_hub::start(cloud_hub::config::HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..cloud_hub::config::HubConfig::new(wrong)
    })
    .await
    .err()
    .expect("refused");
    assert!(err.contains("cannot open the postgresql database"), "{err}");
}
