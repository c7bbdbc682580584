//! The hub over HTTPS with a throwaway CA: clients that trust the CA are
//! served, others and plain HTTP are not, and a certificate renewed on disk
//! is served after SIGHUP without dropping the connections already open.

use crate::helpers::*;
use reqwest::StatusCode;

/// A CA and a server certificate it signed for 127.0.0.1 and localhost.
struct Issued {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn issue(ca_name: &str) -> Issued {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let key = rcgen::KeyPair::generate().expect("server key");
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("server params");
    let cert = params.signed_by(&key, &ca, &ca_key).expect("server cert");
    Issued {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// A client that trusts `ca_pem` alone.
fn trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA pem"))
        .build()
        .expect("client")
}

fn hang_up() {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[tokio::test]
async fn the_hub_serves_https_and_renews_its_certificate_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("hub.crt"), dir.path().join("hub.key"));
    let first = issue("First Test CA");
    std::fs::write(&cert, &first.cert_pem).unwrap();
    std::fs::write(&key, &first.key_pem).unwrap();
    let files = cloud_hub::tls::TlsFiles {
        cert: cert.clone(),
        key: key.clone(),
    };
    let hub = spawn_hub_with(Backend::Sqlite, |c| cloud_hub::config::HubConfig {
        tls: Some(files),
        ..c
    })
    .await;
    assert!(hub.base.starts_with("https://"), "{}", hub.base);
    let health = format!("{}/health", hub.base);

    // Trusted: served. Another CA, or plain HTTP to the same port: not.
    let open = trusting(&first.ca_pem);
    let answer = open.get(&health).send().await.expect("https");
    assert_eq!(answer.status(), StatusCode::OK);
    let second = issue("Second Test CA");
    let stranger = trusting(&second.ca_pem).get(&health).send().await;
    let refused = stranger.expect_err("a certificate from another CA is refused");
    assert!(refused.is_connect(), "{refused:?}");
    let plain = reqwest::get(health.replace("https://", "http://")).await;
    assert!(
        plain.map(|r| !r.status().is_success()).unwrap_or(true),
        "plain HTTP is not served on the HTTPS port"
    );

    // A key that is not the certificate's: the reload is refused, the
    // certificate in use stays.
    let stray = rcgen::KeyPair::generate().unwrap();
    std::fs::write(&key, stray.serialize_pem()).unwrap();
    hang_up();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let fresh = trusting(&first.ca_pem)
        .get(&health)
        .send()
        .await
        .expect("still the first");
    assert_eq!(fresh.status(), StatusCode::OK);

    // Renewed (here: from another CA, so the switch shows) and SIGHUP: new
    // connections get the new certificate; the open one goes on.
    std::fs::write(&cert, &second.cert_pem).unwrap();
    std::fs::write(&key, &second.key_pem).unwrap();
    hang_up();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if trusting(&second.ca_pem).get(&health).send().await.is_ok() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the renewed certificate is never served"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        trusting(&first.ca_pem).get(&health).send().await.is_err(),
        "new connections no longer get the old certificate"
    );
    let kept = open
        .get(&health)
        .send()
        .await
        .expect("the open connection goes on");
    assert_eq!(kept.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_hub_whose_certificate_cannot_be_read_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("hub.crt");
    std::fs::write(&cert, "not a certificate").unwrap();
    let url = database_url(Backend::Sqlite, dir.path()).await;
    let config = cloud_hub::config::HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some(cloud_hub::tls::TlsFiles {
            cert: cert.clone(),
            key: dir.path().join("missing.key"),
        }),
        ..cloud_hub::config::HubConfig::new(url)
    };
    let err = cloud_hub::start(config).await.err().expect("refused");
    assert!(err.contains("tls.cert") && err.contains("hub.crt"), "{err}");
}
