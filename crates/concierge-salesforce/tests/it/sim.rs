//! The main paths end to end against the simulator (`concierge-sfsim`) over
//! real HTTP: every OAuth flow, CRUD and upsert, SOQL built with hostile
//! values, paging with batchSize, queryAll, SOSL, composite and
//! collections, Bulk 2.0, limits, the fault switchboard (expired sessions,
//! request limits, lock rows, 503s, slowness) and https with a self-signed CA.

use std::net::SocketAddr;
use std::time::Duration;

use concierge_salesforce::soql::{Condition, Like, Order, Soql};
use concierge_salesforce::{AuthFlow, Client, CompositeSubrequest, Error, SalesforceConfig};
use concierge_sfsim::oauth::{ConnectedApp, UserCredential};
use concierge_sfsim::{Fault, RunningSim, SimConfig};
use serde_json::{json, Value};
use url::Url;

const APP_ID: &str = "concierge-test-app";
const APP_SECRET: &str = "concierge-test-secret";
const USER: &str = "concierge@acme.example";
const PUBLIC_KEY: &str = include_str!("../fixtures/jwt_public_key.pem");
const PRIVATE_KEY: &str = include_str!("../fixtures/jwt_private_key.pem");
const EXT: &str = "Concierge_Conversation_Id__c";

fn sim_config() -> SimConfig {
    let mut c = SimConfig::default();
    c.connected_apps.push(ConnectedApp {
        client_id: APP_ID.into(),
        client_secret: APP_SECRET.to_owned().into(),
        jwt_public_key_pem: Some(PUBLIC_KEY.into()),
        run_as_username: None,
    });
    c.user_credentials.push(UserCredential {
        username: USER.into(),
        password: "correct horse".to_owned().into(),
        security_token: Some("SECTOKEN".to_owned().into()),
    });
    c
}

async fn start(f: impl FnOnce(&mut SimConfig)) -> RunningSim {
    let mut c = sim_config();
    f(&mut c);
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    concierge_sfsim::start(c, addr).await.unwrap()
}

fn jwt_config(sim: &RunningSim) -> SalesforceConfig {
    let mut cfg = SalesforceConfig::new(
        Url::parse(&sim.url()).unwrap(),
        AuthFlow::JwtBearer {
            client_id: APP_ID.into(),
            username: USER.into(),
            private_key_pem: PRIVATE_KEY.into(),
            audience: None,
        },
    );
    cfg.retry_base_delay = Duration::from_millis(1);
    cfg.retry_max_delay = Duration::from_millis(20);
    cfg.timeout = Duration::from_secs(10);
    cfg
}

#[tokio::test]
async fn every_oauth_flow_gets_a_session() {
    let sim = start(|_| {}).await;
    let login = Url::parse(&sim.url()).unwrap();
    let flows = [
        jwt_config(&sim).auth,
        AuthFlow::ClientCredentials {
            client_id: APP_ID.into(),
            client_secret: APP_SECRET.into(),
        },
        AuthFlow::Password {
            client_id: APP_ID.into(),
            client_secret: APP_SECRET.into(),
            username: USER.into(),
            password: "correct horse".into(),
            security_token: Some("SECTOKEN".into()),
        },
    ];
    for flow in flows {
        let name = flow.name();
        let client = Client::new(SalesforceConfig::new(login.clone(), flow)).unwrap();
        let session = client
            .session()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(session.org_id.starts_with("00D"), "{name}: {session:?}");
        assert!(session.user_id.starts_with("005"), "{name}: {session:?}");
        let versions = client.versions().await.unwrap();
        assert!(versions.iter().any(|v| v.version == "62.0"), "{name}");
        client.revoke().await.unwrap();
    }
    let bad = Client::new(SalesforceConfig::new(
        login,
        AuthFlow::ClientCredentials {
            client_id: APP_ID.into(),
            client_secret: "wrong".into(),
        },
    ))
    .unwrap();
    assert!(matches!(bad.session().await, Err(Error::Auth { .. })));
    sim.shutdown().await;
}

#[tokio::test]
async fn crud_upsert_and_queries() {
    let sim = start(|_| {}).await;
    let client = Client::new(jwt_config(&sim)).unwrap();

    let describe = client.describe("Case").await.unwrap();
    assert!(describe
        .fields
        .iter()
        .any(|f| f.name == EXT && f.external_id));

    let subject = "Customer says 'hi' \\ and \"bye\" -- OR Id != null";
    let id = client
        .create(
            "Case",
            &json!({"Subject": subject, "Status": "New", "Origin": "Web"}),
        )
        .await
        .unwrap();
    let rec = client
        .get("Case", &id, Some(&["Subject", "Status"]))
        .await
        .unwrap();
    assert_eq!(rec["Subject"], subject);
    client
        .update("Case", &id, &json!({"Status": "Working"}))
        .await
        .unwrap();
    assert_eq!(
        client.get("Case", &id, None).await.unwrap()["Status"],
        "Working"
    );

    // The hostile subject matches itself and nothing else.
    let soql = Soql::select(&["Id", "Subject"])
        .from("Case")
        .where_eq("Subject", subject)
        .build()
        .unwrap();
    let found = client.query::<Value>(&soql).await.unwrap();
    assert_eq!(found.total_size, 1);
    assert_eq!(found.records[0]["Id"], id.as_str());
    let soql = Soql::select(&["Id"])
        .from("Case")
        .where_like("Subject", Like::Contains("'hi' \\".into()))
        .build()
        .unwrap();
    assert_eq!(client.query::<Value>(&soql).await.unwrap().total_size, 1);

    // Upsert: created, then updated, by the conversation id.
    let conv = "conv/0001 é";
    let first = client
        .upsert(
            "Case",
            EXT,
            conv,
            &json!({"Subject":"Handoff","Origin":"Chat"}),
        )
        .await
        .unwrap();
    assert!(first.created);
    let second = client
        .upsert("Case", EXT, conv, &json!({"Priority":"High"}))
        .await
        .unwrap();
    assert!(!second.created);
    assert_eq!(first.id, second.id);
    let by_ext = client.get_by_external_id("Case", EXT, conv).await.unwrap();
    assert_eq!(by_ext["Priority"], "High");
    assert_eq!(by_ext["Id"], first.id.as_str());

    // Delete; queryAll still sees it.
    client.delete("Case", &id).await.unwrap();
    let soql = Soql::select(&["Id", "IsDeleted"])
        .from("Case")
        .where_eq("Id", id.as_str())
        .build()
        .unwrap();
    assert_eq!(client.query::<Value>(&soql).await.unwrap().total_size, 0);
    let all = client.query_all_deleted::<Value>(&soql).await.unwrap();
    assert_eq!(all.total_size, 1);
    assert_eq!(all.records[0]["IsDeleted"], true);
    let e = client.get("Case", &id, None).await.unwrap_err();
    assert!(matches!(e, Error::Api { status: 404, .. }), "{e:?}");

    let e = client
        .query::<Value>(&Soql::raw_trusted("SELECT Id FORM Case"))
        .await
        .unwrap_err();
    assert_eq!(e.error_code(), Some("MALFORMED_QUERY"));

    let info = client.last_limit_info().unwrap();
    assert!(info.used > 0 && info.max == 15_000, "{info:?}");
    let limits = client.limits().await.unwrap();
    assert_eq!(limits.daily_api_requests.max, 15_000);
    sim.shutdown().await;
}

#[tokio::test]
async fn collections_paging_composite_search_and_bulk() {
    let sim = start(|_| {}).await;
    let mut cfg = jwt_config(&sim);
    cfg.query_batch_size = Some(200);
    let client = Client::new(cfg).unwrap();

    // 250 contacts in two collection calls, one item failing.
    let mut created = 0;
    for batch in 0..2 {
        let mut records: Vec<Value> = (0..125)
            .map(|i| json!({"attributes":{"type":"Contact"},"LastName":format!("Bulk{batch}-{i}"),"Email":format!("bulk{batch}.{i}@load.example")}))
            .collect();
        if batch == 1 {
            records[3] = json!({"attributes":{"type":"Contact"},"FirstName":"NoLastName"});
        }
        let res = client.create_collection(false, records).await.unwrap();
        assert_eq!(res.len(), 125);
        created += res.iter().filter(|r| r.success).count();
        if batch == 1 {
            assert!(!res[3].success);
            assert_eq!(res[3].errors[0].status_code, "REQUIRED_FIELD_MISSING");
        }
    }
    assert_eq!(created, 249);

    let soql = Soql::select(&["Id", "LastName"])
        .from("Contact")
        .where_like("Email", Like::EndsWith("@load.example".into()))
        .order_by("LastName", Order::Asc)
        .build()
        .unwrap();
    let first = client.query::<Value>(&soql).await.unwrap();
    assert_eq!(first.total_size, 249);
    assert!(!first.done);
    assert!(first.records.len() <= 200);
    let rows: Vec<Value> = client.query_all_pages(&soql, 10_000).await.unwrap();
    assert_eq!(rows.len(), 249);

    // Composite: account, contact and case linked by references.
    let reqs = vec![
        CompositeSubrequest::new(
            "POST",
            client.rest_path("sobjects/Account"),
            "acct",
            Some(json!({"Name":"Composite Co"})),
        ),
        CompositeSubrequest::new(
            "POST",
            client.rest_path("sobjects/Contact"),
            "ct",
            Some(json!({"LastName":"Linked","AccountId":"@{acct.id}"})),
        ),
        CompositeSubrequest::new(
            "POST",
            client.rest_path("sobjects/Case"),
            "cs",
            Some(json!({"Subject":"Linked case","ContactId":"@{ct.id}"})),
        ),
        CompositeSubrequest::new(
            "GET",
            client.rest_path("sobjects/Contact/@{ct.id}"),
            "readback",
            None,
        ),
    ];
    let res = client.composite(true, reqs).await.unwrap();
    assert_eq!(
        res.iter().map(|r| r.http_status_code).collect::<Vec<_>>(),
        [201, 201, 201, 200]
    );
    assert_eq!(res[3].body["AccountId"], res[0].body["id"]);

    let hits = client
        .search("FIND {Linked} IN ALL FIELDS RETURNING Contact(Id, LastName)")
        .await
        .unwrap();
    assert!(hits.iter().any(|h| h["LastName"] == "Linked"), "{hits:?}");

    let soql = Soql::select(&["Id", "LastName", "Email"])
        .from("Contact")
        .filter(Condition::like(
            "Email",
            Like::EndsWith("@load.example".into()),
        ))
        .build()
        .unwrap();
    let rows = client
        .bulk_query_all_rows(&soql, Duration::from_millis(20), Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(rows.len(), 249);
    assert!(rows.iter().all(|r| r["Email"].ends_with("@load.example")));
    sim.shutdown().await;
}

#[tokio::test]
async fn recovers_from_injected_faults() {
    let sim = start(|_| {}).await;
    let mut cfg = jwt_config(&sim);
    cfg.max_retries = 3;
    let client = Client::new(cfg).unwrap();
    let soql = Soql::select(&["Id"]).from("Case").limit(5).build().unwrap();
    client.query::<Value>(&soql).await.unwrap();

    sim.faults().inject(Fault::ExpireAllSessions);
    client.query::<Value>(&soql).await.unwrap();
    assert_eq!(client.metrics().reauths, 1);
    assert_eq!(client.metrics().authentications, 2);

    sim.faults()
        .inject(Fault::RequestLimitExceeded { times: 2 });
    client.query::<Value>(&soql).await.unwrap();
    sim.faults().inject(Fault::ServiceUnavailable { times: 1 });
    client.query::<Value>(&soql).await.unwrap();
    let id = client
        .create("Case", &json!({"Subject":"lock test"}))
        .await
        .unwrap();
    sim.faults().inject(Fault::UnableToLockRow { times: 1 });
    client
        .update("Case", &id, &json!({"Status":"Working"}))
        .await
        .unwrap();
    assert_eq!(client.metrics().retries, 4);

    sim.faults().inject(Fault::ServiceUnavailable { times: 10 });
    let e = client.query::<Value>(&soql).await.unwrap_err();
    assert!(
        e.is_retryable() && e.error_code() == Some("SERVER_UNAVAILABLE"),
        "{e:?}"
    );
    sim.faults().clear();

    // A slow read times out and is retried; a slow create is not.
    let mut cfg = jwt_config(&sim);
    cfg.timeout = Duration::from_millis(1000);
    cfg.max_retries = 2;
    let impatient = Client::new(cfg).unwrap();
    impatient.session().await.unwrap();
    sim.faults().inject(Fault::Slow {
        millis: 1500,
        times: 1,
    });
    impatient.query::<Value>(&soql).await.unwrap();
    assert_eq!(impatient.metrics().retries, 1);
    sim.faults().inject(Fault::Slow {
        millis: 1500,
        times: 1,
    });
    let e = impatient
        .create("Case", &json!({"Subject":"slow"}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout), "{e:?}");
    assert_eq!(impatient.metrics().retries, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn https_simulator_with_a_self_signed_certificate() {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "sf-client-tls-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cert.pem"), ck.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), ck.key_pair.serialize_pem()).unwrap();
    let files = concierge_sfsim::server::TlsFiles {
        cert_pem: dir.join("cert.pem"),
        key_pem: dir.join("key.pem"),
    };
    let sim = start(|c| c.tls = Some(files)).await;
    assert!(sim.url().starts_with("https://"));

    let mut cfg = jwt_config(&sim);
    cfg.extra_root_ca_pem = Some(ck.cert.pem());
    let client = Client::new(cfg).unwrap();
    let soql = Soql::select(&["Id", "Subject"])
        .from("Case")
        .where_eq("Status", "New")
        .build()
        .unwrap();
    assert!(client.query::<Value>(&soql).await.unwrap().total_size >= 1);

    let mut cfg = jwt_config(&sim);
    cfg.max_retries = 0;
    let untrusting = Client::new(cfg).unwrap();
    assert!(matches!(
        untrusting.session().await,
        Err(Error::Transport(_))
    ));
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[tokio::test]
async fn upsert_on_an_old_api_version_and_update_only() {
    let sim = start(|_| {}).await;
    // Before v46 an upsert that updates answers a bare 204: the id is read back.
    let mut cfg = jwt_config(&sim);
    cfg.api_version = "45.0".into();
    let old = Client::new(cfg).unwrap();
    let created = old
        .upsert("Case", EXT, "conv-old-api", &json!({"Subject":"Old API"}))
        .await
        .unwrap();
    assert!(created.created);
    let updated = old
        .upsert("Case", EXT, "conv-old-api", &json!({"Status":"Working"}))
        .await
        .unwrap();
    assert_eq!(
        updated,
        concierge_salesforce::UpsertOutcome {
            id: created.id.clone(),
            created: false
        }
    );

    let client = Client::new(jwt_config(&sim)).unwrap();
    let e = client
        .upsert_update_only("Case", EXT, "conv-missing", &json!({"Subject":"x"}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Api { status: 404, .. }), "{e:?}");
    let o = client
        .upsert_update_only("Case", EXT, "conv-old-api", &json!({"Priority":"Low"}))
        .await
        .unwrap();
    assert_eq!((o.id.as_str(), o.created), (created.id.as_str(), false));
    let soql = Soql::select(&["Id"])
        .from("Case")
        .where_eq(EXT, "conv-missing")
        .build()
        .unwrap();
    assert_eq!(client.query::<Value>(&soql).await.unwrap().total_size, 0);
    sim.shutdown().await;
}
