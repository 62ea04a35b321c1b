//! TLS: a self-signed https server (rcgen certificate, rustls on ring) is
//! trusted through `extra_root_ca_pem` and refused without it.

use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Json, Router};
use concierge_salesforce::{Client, Error};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tokio_rustls::rustls;
use url::Url;

use crate::support::config;

/// Serves `router` over TLS on 127.0.0.1:0 with a fresh self-signed
/// certificate for `localhost`; returns the URL and the certificate PEM.
async fn https_server(router: impl FnOnce(String) -> Router) -> (Url, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = cert.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let base = format!("https://localhost:{port}");
    let app = router(base.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = TowerToHyperService::new(app);
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (Url::parse(&base).unwrap(), cert_pem)
}

fn routes(base: String) -> Router {
    Router::new()
        .route(
            "/services/oauth2/token",
            post(move || {
                let base = base.clone();
                async move {
                    Json(json!({"access_token":"tls-token","instance_url":base,
                        "id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001Sv6AAAS","issued_at":"1700000000000"}))
                }
            }),
        )
        .route(
            "/services/data/",
            get(|| async { Json(json!([{"label":"Winter '25","url":"/services/data/v62.0","version":"62.0"}])) }),
        )
}

#[tokio::test]
async fn trusts_a_self_signed_server_only_through_the_extra_ca() {
    let (url, pem) = https_server(routes).await;

    let mut cfg = config(&url);
    cfg.extra_root_ca_pem = Some(pem);
    let client = Client::new(cfg).unwrap();
    let versions = client.versions().await.unwrap();
    assert_eq!(versions[0].version, "62.0");
    assert_eq!(
        client.session().await.unwrap().instance_url.scheme(),
        "https"
    );

    let mut cfg = config(&url);
    cfg.max_retries = 3;
    let untrusted = Client::new(cfg).unwrap();
    match untrusted.versions().await {
        Err(Error::Transport(message)) => {
            assert!(message.to_lowercase().contains("certificate"), "{message}")
        }
        other => panic!("expected a certificate failure, got {other:?}"),
    }
    // Not retried: an untrusted certificate stays untrusted.
    assert_eq!(untrusted.metrics().retries, 0);
}

#[test]
fn a_bad_extra_ca_is_a_config_error() {
    let mut cfg = config(&Url::parse("https://localhost:1").unwrap());
    cfg.extra_root_ca_pem =
        Some("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".into());
    assert!(matches!(Client::new(cfg), Err(Error::Config(_))));
    let mut cfg = config(&Url::parse("https://localhost:1").unwrap());
    cfg.extra_root_ca_pem = Some(String::new());
    assert!(matches!(Client::new(cfg), Err(Error::Config(_))));
}
