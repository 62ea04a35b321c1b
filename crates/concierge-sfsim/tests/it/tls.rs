//! TLS and HTTP/2: a client that verifies certificates (trusting only the
//! test's self-signed CA) talks to the simulator over https, with ALPN h2;
//! plain TCP serves HTTP/1.1 and h2c prior knowledge on the same port.

use std::path::PathBuf;

use crate::{json_of, TestSim};

struct TempCert {
    dir: PathBuf,
    cert_pem: String,
}

impl Drop for TempCert {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn self_signed() -> TempCert {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let dir = std::env::temp_dir().join(format!("sfsim-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert_pem = ck.cert.pem();
    std::fs::write(dir.join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(dir.join("key.pem"), ck.key_pair.serialize_pem()).unwrap();
    TempCert { dir, cert_pem }
}

#[tokio::test]
async fn https_with_a_trusted_self_signed_certificate() {
    let cert = self_signed();
    let files = concierge_sfsim::server::TlsFiles {
        cert_pem: cert.dir.join("cert.pem"),
        key_pem: cert.dir.join("key.pem"),
    };
    let mut sim = TestSim::start_with(|c| c.tls = Some(files)).await;
    assert!(sim.sim.url().starts_with("https://127.0.0.1:"));

    // A client that does not trust the certificate is refused.
    let untrusting = reqwest::Client::builder().use_rustls_tls().build().unwrap();
    assert!(untrusting
        .get(sim.url("/services/data/"))
        .send()
        .await
        .is_err());

    sim.http = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let res = sim
        .http
        .get(sim.url("/services/data/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.version(),
        reqwest::Version::HTTP_2,
        "ALPN should pick h2"
    );
    let token = sim.token().await;
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/")).await).await;
    assert_eq!(status, 200);
    assert!(body["sobjects"].is_array());

    // HTTP/1.1 over TLS too.
    let h1 = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert_pem.as_bytes()).unwrap())
        .http1_only()
        .build()
        .unwrap();
    let res = h1.get(sim.url("/services/data/")).send().await.unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_11);
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn plain_tcp_serves_http1_and_h2c() {
    let sim = TestSim::start().await;
    let res = sim
        .http
        .get(sim.url("/services/data/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_11);
    let h2c = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let res = h2c.get(sim.url("/services/data/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sim = TestSim::start().await;
    let url = sim.url("/services/data/");
    assert_eq!(sim.http.get(&url).send().await.unwrap().status(), 200);
    let TestSim { sim, .. } = sim;
    sim.shutdown().await;
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
}
