//! OAuth: the four flows with Salesforce's exact bodies, the JWT claim
//! variants (and strict mode), failures, refresh, revoke and userinfo.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::{json_of, TestSim, APP_ID, APP_SECRET, OTHER_PRIVATE_KEY, PRIVATE_KEY};

const JWT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

async fn jwt_login(sim: &TestSim, overrides: Value) -> (u16, Value) {
    let assertion = sim.assertion(PRIVATE_KEY, overrides);
    json_of(
        sim.token_request(&[("grant_type", JWT), ("assertion", &assertion)])
            .await,
    )
    .await
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn check_success_body(sim: &TestSim, body: &Value, secret: &str, with_refresh: bool) {
    let mut expected = vec![
        "access_token",
        "id",
        "instance_url",
        "issued_at",
        "scope",
        "signature",
        "token_type",
    ];
    if with_refresh {
        expected.push("refresh_token");
        expected.sort();
    }
    assert_eq!(keys(body), expected);
    let org = sim.sim.db().org_id();
    let token = body["access_token"].as_str().unwrap();
    assert!(token.starts_with(&format!("{}!AQ", &org[..15])), "{token}");
    assert_eq!(body["instance_url"], json!(sim.sim.url()));
    assert_eq!(body["token_type"], "Bearer");
    let id = body["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("https://login.salesforce.com/id/{org}/005")),
        "{id}"
    );
    let issued_at = body["issued_at"].as_str().unwrap();
    let ms: i64 = issued_at.parse().unwrap();
    assert!((chrono::Utc::now().timestamp_millis() - ms).abs() < 60_000);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(id.as_bytes());
    mac.update(issued_at.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(body["signature"], json!(sig));
}

#[tokio::test]
async fn jwt_bearer_issues_a_session_with_the_exact_body() {
    let sim = TestSim::start().await;
    let (status, body) = jwt_login(&sim, json!({})).await;
    assert_eq!(status, 200, "{body}");
    check_success_body(&sim, &body, APP_SECRET, false);
    let token = body["access_token"].as_str().unwrap();
    let res = sim.get(token, &sim.api("limits/")).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn jwt_claim_variants_are_accepted_by_default() {
    let sim = TestSim::start().await;
    let now = chrono::Utc::now().timestamp();
    let variants = [
        json!({"exp": (now + 120).to_string()}),
        json!({"exp": (now + 120) * 1000}),
        json!({"aud": "login.salesforce.com"}),
        json!({"aud": "https://test.salesforce.com/"}),
        json!({"aud": sim.sim.url()}),
        json!({"aud": ["https://example.com", "https://login.salesforce.com"]}),
    ];
    for v in variants {
        let (status, body) = jwt_login(&sim, v.clone()).await;
        assert_eq!(status, 200, "{v}: {body}");
    }
}

#[tokio::test]
async fn strict_mode_refuses_the_variants() {
    let sim = TestSim::start_with(|c| c.strict_jwt = true).await;
    let now = chrono::Utc::now().timestamp();
    assert_eq!(jwt_login(&sim, json!({})).await.0, 200);
    for v in [
        json!({"exp": (now + 120).to_string()}),
        json!({"exp": (now + 120) * 1000}),
        json!({"aud": "login.salesforce.com"}),
    ] {
        let (status, body) = jwt_login(&sim, v.clone()).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(body["error"], "invalid_grant", "{v}");
    }
}

#[tokio::test]
async fn jwt_failures_are_invalid_grant() {
    let sim = TestSim::start().await;
    // Signed with a key that is not the app's.
    let bad_sig = sim.assertion(OTHER_PRIVATE_KEY, json!({}));
    let (status, body) = json_of(
        sim.token_request(&[("grant_type", JWT), ("assertion", &bad_sig)])
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // Unknown user.
    let (status, body) = jwt_login(&sim, json!({"sub": "nobody@nowhere.invalid"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // The wrong client: an app whose key did not sign the assertion.
    let (status, body) = jwt_login(&sim, json!({"iss": "concierge-sim"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // Expired.
    let (status, body) = jwt_login(&sim, json!({"exp": chrono::Utc::now().timestamp() - 10})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // Wrong audience.
    let (status, body) = jwt_login(&sim, json!({"aud": "https://evil.example.com"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // Unknown client id.
    let (status, body) = jwt_login(&sim, json!({"iss": "no-such-app"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client_id")),
        "{body}"
    );
    // Garbage.
    let (status, body) = json_of(
        sim.token_request(&[("grant_type", JWT), ("assertion", "x.y.z")])
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (status, body) = json_of(sim.token_request(&[("grant_type", "magic")]).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

async fn password_login(sim: &TestSim, password: &str) -> (u16, Value) {
    let user = sim.username();
    json_of(
        sim.token_request(&[
            ("grant_type", "password"),
            ("client_id", APP_ID),
            ("client_secret", APP_SECRET),
            ("username", &user),
            ("password", password),
        ])
        .await,
    )
    .await
}

fn with_password(c: &mut concierge_sfsim::SimConfig) {
    c.default_password = Some("s3cret-pw".to_string().into());
}

#[tokio::test]
async fn password_flow_and_refresh() {
    let sim = TestSim::start_with(with_password).await;
    let (status, body) = password_login(&sim, "s3cret-pw").await;
    assert_eq!(status, 200, "{body}");
    check_success_body(&sim, &body, APP_SECRET, true);
    let refresh = body["refresh_token"].as_str().unwrap().to_string();

    let (status, body) = password_login(&sim, "wrong").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "authentication failure"})
    );

    let (status, body) = json_of(
        sim.token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", APP_ID),
            ("refresh_token", &refresh),
        ])
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    check_success_body(&sim, &body, APP_SECRET, false);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(sim.get(token, &sim.api("sobjects/")).await.status(), 200);

    let (status, body) = json_of(
        sim.token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", APP_ID),
            ("refresh_token", "5Aepnope"),
        ])
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn password_flow_accepts_an_appended_security_token() {
    let sim = TestSim::start().await;
    let user = sim.username();
    let sim = TestSim::start_with(move |c| {
        c.user_credentials
            .push(concierge_sfsim::server::UserCredential {
                username: user,
                password: "pw".to_string().into(),
                security_token: Some("TOKEN123".to_string().into()),
            })
    })
    .await;
    assert_eq!(password_login(&sim, "pwTOKEN123").await.0, 200);
    assert_eq!(password_login(&sim, "pw").await.0, 200);
    assert_eq!(password_login(&sim, "pwTOKEN").await.0, 400);
}

#[tokio::test]
async fn client_credentials_basic_or_body() {
    let sim = TestSim::start().await;
    let res = sim
        .http
        .post(sim.url("/services/oauth2/token"))
        .basic_auth(APP_ID, Some(APP_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(res).await;
    assert_eq!(status, 200, "{body}");
    check_success_body(&sim, &body, APP_SECRET, false);

    let (status, body) = json_of(
        sim.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP_ID),
            ("client_secret", APP_SECRET),
        ])
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = json_of(
        sim.token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP_ID),
            ("client_secret", "nope"),
        ])
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client"))
    );
}

#[tokio::test]
async fn revoked_tokens_get_401() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    assert_eq!(sim.get(&token, &sim.api("sobjects/")).await.status(), 200);
    let res = sim
        .http
        .post(sim.url("/services/oauth2/revoke"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/")).await).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
}

#[tokio::test]
async fn userinfo_describes_the_user() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let (status, body) =
        json_of(sim.get(&token, &sim.url("/services/oauth2/userinfo")).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organization_id"], json!(sim.sim.db().org_id()));
    assert_eq!(body["preferred_username"], json!(sim.username()));
    assert!(body["user_id"].as_str().unwrap().starts_with("005"));
    assert!(body["email"].as_str().unwrap().contains('@'));
    assert_eq!(
        body["sub"],
        json!(format!(
            "https://login.salesforce.com/id/{}/{}",
            body["organization_id"].as_str().unwrap(),
            body["user_id"].as_str().unwrap()
        ))
    );
    let (status, _) = json_of(
        sim.get("bogus", &sim.url("/services/oauth2/userinfo"))
            .await,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn sessions_expire() {
    let sim = TestSim::start_with(|c| c.session_lifetime = std::time::Duration::ZERO).await;
    let token = sim.token().await;
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/")).await).await;
    assert_eq!(status, 401);
    assert_eq!(body[0]["errorCode"], "INVALID_SESSION_ID");
}

fn soap_envelope(username: &str, password: &str) -> String {
    // As simple-salesforce sends it.
    format!(
        r#"<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">
  <env:Header><urn:CallOptions><urn:client>simple-salesforce</urn:client><urn:defaultNamespace>sf</urn:defaultNamespace></urn:CallOptions></env:Header>
  <env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{username}</n1:username><n1:password>{password}</n1:password></n1:login></env:Body>
</env:Envelope>"#
    )
}

fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].to_string())
}

#[tokio::test]
async fn soap_login_gives_a_rest_session() {
    let sim = TestSim::start_with(with_password).await;
    let user = sim.username();
    let res = sim
        .http
        .post(sim.url("/services/Soap/u/59.0"))
        .header("content-type", "text/xml")
        .header("SOAPAction", "login")
        .body(soap_envelope(&user, "s3cret-pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let xml = res.text().await.unwrap();
    let session = xml_value(&xml, "sessionId").unwrap();
    let server_url = xml_value(&xml, "serverUrl").unwrap();
    let org = sim.sim.db().org_id();
    assert_eq!(
        server_url,
        format!("{}/services/Soap/u/59.0/{org}", sim.sim.url())
    );
    assert_eq!(xml_value(&xml, "organizationId").unwrap(), org);
    assert_eq!(xml_value(&xml, "userName").unwrap(), user);
    assert_eq!(sim.get(&session, &sim.api("sobjects/")).await.status(), 200);

    let res = sim
        .http
        .post(sim.url("/services/Soap/u/59.0"))
        .header("content-type", "text/xml")
        .body(soap_envelope(&user, "wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let xml = res.text().await.unwrap();
    assert_eq!(xml_value(&xml, "faultcode").unwrap(), "sf:INVALID_LOGIN");
}
