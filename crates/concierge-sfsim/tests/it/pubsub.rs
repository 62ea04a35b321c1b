//! The Pub/Sub API over the wire: a raw tonic client (the crate's generated
//! code) against `start(..)` on port 0 — topics, schemas, authentication,
//! subscriptions with flow control and replay, keep-alives and the drop fault.

use std::time::Duration;

use apache_avro::types::Value as Avro;
use concierge_sfsim::pubsub::proto::pub_sub_client::PubSubClient;
use concierge_sfsim::pubsub::proto::{
    FetchRequest, FetchResponse, ReplayPreset, SchemaRequest, TopicRequest,
};
use concierge_sfsim::pubsub::{router_with, PubSubConfig};
use concierge_sfsim::{Fault, Session, SimState};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;
use tonic::{Code, Request, Streaming};

use super::TestSim;

const CASES: &str = "/data/CaseChangeEvent";

/// Call credentials: token, org id, instance URL.
#[derive(Clone)]
struct Creds {
    token: String,
    org: String,
    instance: String,
}

impl Creds {
    fn request<T>(&self, message: T) -> Request<T> {
        let mut req = Request::new(message);
        let md = req.metadata_mut();
        md.insert("accesstoken", self.token.parse().unwrap());
        md.insert("tenantid", self.org.parse().unwrap());
        md.insert("instanceurl", self.instance.parse().unwrap());
        req
    }
}

async fn grpc(url: &str) -> PubSubClient<Channel> {
    PubSubClient::connect(url.to_string()).await.unwrap()
}

async fn setup() -> (TestSim, PubSubClient<Channel>, Creds) {
    let sim = TestSim::start().await;
    let creds = Creds {
        token: sim.token().await,
        org: sim.sim.db().org_id(),
        instance: sim.sim.url(),
    };
    let client = grpc(&sim.sim.url()).await;
    (sim, client, creds)
}

fn fetch(preset: ReplayPreset, replay_id: Vec<u8>, n: i32) -> FetchRequest {
    FetchRequest {
        topic_name: CASES.into(),
        replay_preset: preset as i32,
        replay_id,
        num_requested: n,
        auth_refresh: String::new(),
    }
}

/// Opens a subscription; returns the request sender and the response stream.
async fn subscribe(
    client: &mut PubSubClient<Channel>,
    creds: &Creds,
    first: FetchRequest,
) -> Result<(mpsc::Sender<FetchRequest>, Streaming<FetchResponse>), tonic::Status> {
    let (tx, rx) = mpsc::channel(8);
    tx.send(first).await.unwrap();
    let stream = client
        .subscribe(creds.request(ReceiverStream::new(rx)))
        .await?
        .into_inner();
    Ok((tx, stream))
}

/// The next response with events (keep-alives skipped), within 10 s.
async fn next_events(stream: &mut Streaming<FetchResponse>) -> FetchResponse {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let resp = stream.message().await.unwrap().unwrap();
            if !resp.events.is_empty() {
                return resp;
            }
        }
    })
    .await
    .expect("no events within 10 s")
}

/// The event's header and fields, decoded with the schema the service serves.
async fn decode(
    client: &mut PubSubClient<Channel>,
    creds: &Creds,
    resp: &FetchResponse,
    i: usize,
) -> (Vec<(String, Avro)>, Vec<(String, Avro)>) {
    let event = resp.events[i].event.as_ref().unwrap();
    let info = client
        .get_schema(creds.request(SchemaRequest {
            schema_id: event.schema_id.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    let schema = apache_avro::Schema::parse_str(&info.schema_json).unwrap();
    let value = apache_avro::from_avro_datum(&schema, &mut event.payload.as_slice(), None).unwrap();
    let Avro::Record(fields) = value else {
        panic!("not a record")
    };
    let Avro::Record(header) = fields[0].1.clone() else {
        panic!("no header")
    };
    (header, fields)
}

fn get<'a>(record: &'a [(String, Avro)], name: &str) -> &'a Avro {
    &record.iter().find(|(n, _)| n == name).unwrap().1
}

async fn create_case(sim: &TestSim, token: &str, subject: &str) -> String {
    sim.create(token, "Case", json!({"Subject": subject, "Status": "New"}))
        .await
}

fn replay_u64(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(bytes.try_into().unwrap())
}

#[tokio::test]
async fn topics_and_schemas() {
    let (_sim, mut client, creds) = setup().await;
    let topic = client
        .get_topic(creds.request(TopicRequest {
            topic_name: CASES.into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(topic.topic_name, CASES);
    assert_eq!(topic.tenant_guid, creds.org);
    assert!(topic.can_subscribe && !topic.can_publish);
    assert!(!topic.rpc_id.is_empty());
    let info = client
        .get_schema(creds.request(SchemaRequest {
            schema_id: topic.schema_id.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.schema_id, topic.schema_id);
    let schema: serde_json::Value = serde_json::from_str(&info.schema_json).unwrap();
    assert_eq!(schema["name"], "CaseChangeEvent");
    assert_eq!(schema["namespace"], "com.sforce.eventbus");
    assert_eq!(schema["fields"][0]["name"], "ChangeEventHeader");
    let status = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Status")
        .unwrap();
    assert_eq!(status["type"], json!(["null", "string"]));
    assert_eq!(status["default"], json!(null));

    for name in [
        "/data/CaseCommentChangeEvent",
        "/data/ContactChangeEvent",
        "/data/AccountChangeEvent",
        "/data/ChangeEvents",
    ] {
        let t = client
            .get_topic(creds.request(TopicRequest {
                topic_name: name.into(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(t.topic_name, name);
    }
    let err = client
        .get_topic(creds.request(TopicRequest {
            topic_name: "/data/NopeChangeEvent".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(
        err.message().contains("/data/NopeChangeEvent"),
        "{}",
        err.message()
    );
    let err = client
        .get_schema(creds.request(SchemaRequest {
            schema_id: "nope".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn refuses_missing_invalid_or_foreign_credentials() {
    let (_sim, mut client, creds) = setup().await;
    let topic = || TopicRequest {
        topic_name: CASES.into(),
    };
    let err = client.get_topic(Request::new(topic())).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let bad = Creds {
        token: "00Dbogus!token".into(),
        ..creds.clone()
    };
    let err = client.get_topic(bad.request(topic())).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let foreign = Creds {
        org: "00D000000000000AAA".into(),
        ..creds.clone()
    };
    let err = client
        .get_topic(foreign.request(topic()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let err = subscribe(&mut client, &bad, fetch(ReplayPreset::Latest, vec![], 1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    // The good credentials work.
    client.get_topic(creds.request(topic())).await.unwrap();
}

#[tokio::test]
async fn latest_subscription_receives_a_rest_write() {
    let (sim, mut client, creds) = setup().await;
    create_case(&sim, &creds.token, "before subscribing").await;
    let (_tx, mut stream) = subscribe(&mut client, &creds, fetch(ReplayPreset::Latest, vec![], 10))
        .await
        .unwrap();
    let id = create_case(&sim, &creds.token, "printer on fire").await;
    let resp = next_events(&mut stream).await;
    assert_eq!(resp.events.len(), 1);
    assert_eq!(resp.pending_num_requested, 9);
    assert_eq!(resp.latest_replay_id, resp.events[0].replay_id);
    let (header, fields) = decode(&mut client, &creds, &resp, 0).await;
    assert_eq!(get(&header, "entityName"), &Avro::String("Case".into()));
    assert_eq!(get(&header, "changeType"), &Avro::Enum(0, "CREATE".into()));
    assert_eq!(
        get(&header, "recordIds"),
        &Avro::Array(vec![Avro::String(id.clone())])
    );
    assert_eq!(
        get(&fields, "Subject"),
        &Avro::Union(1, Box::new(Avro::String("printer on fire".into())))
    );

    // An update: changedFields is a bitmap naming Status.
    let res = sim
        .patch(
            &creds.token,
            &sim.api(&format!("sobjects/Case/{id}")),
            &json!({"Status": "Closed"}),
        )
        .await;
    assert_eq!(res.status(), 204);
    let resp = next_events(&mut stream).await;
    let (header, fields) = decode(&mut client, &creds, &resp, 0).await;
    assert_eq!(get(&header, "changeType"), &Avro::Enum(1, "UPDATE".into()));
    let Avro::Array(changed) = get(&header, "changedFields") else {
        panic!()
    };
    let Avro::String(bitmap) = &changed[0] else {
        panic!()
    };
    assert!(bitmap.starts_with("0x"), "{bitmap}");
    let status_pos = fields.iter().position(|(n, _)| n == "Status").unwrap();
    let bits = u128::from_str_radix(&bitmap[2..], 16).unwrap();
    assert_ne!(
        bits & (1 << status_pos),
        0,
        "Status (position {status_pos}) not in {bitmap}"
    );
    assert_eq!(
        get(&fields, "Status"),
        &Avro::Union(1, Box::new(Avro::String("Closed".into())))
    );
}

#[tokio::test]
async fn delivers_no_more_than_requested() {
    let (sim, mut client, creds) = setup().await;
    for i in 0..3 {
        create_case(&sim, &creds.token, &format!("case {i}")).await;
    }
    let (tx, mut stream) = subscribe(
        &mut client,
        &creds,
        fetch(ReplayPreset::Earliest, vec![], 1),
    )
    .await
    .unwrap();
    let first = next_events(&mut stream).await;
    assert_eq!(first.events.len(), 1);
    assert_eq!(first.pending_num_requested, 0);
    let nothing = tokio::time::timeout(Duration::from_millis(300), stream.message()).await;
    assert!(nothing.is_err(), "an event arrived beyond num_requested");
    tx.send(FetchRequest {
        num_requested: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let second = next_events(&mut stream).await;
    assert_eq!(second.events.len(), 1);
    assert!(replay_u64(&second.events[0].replay_id) > replay_u64(&first.events[0].replay_id));
}

#[tokio::test]
async fn earliest_and_custom_replay() {
    let (sim, mut client, creds) = setup().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(create_case(&sim, &creds.token, &format!("replay {i}")).await);
    }
    let (_tx, mut stream) = subscribe(
        &mut client,
        &creds,
        fetch(ReplayPreset::Earliest, vec![], 100),
    )
    .await
    .unwrap();
    let mut events = Vec::new();
    while events.len() < 3 {
        events.extend(next_events(&mut stream).await.events);
    }
    let replay_ids: Vec<u64> = events.iter().map(|e| replay_u64(&e.replay_id)).collect();
    assert!(replay_ids.windows(2).all(|w| w[0] < w[1]), "{replay_ids:?}");

    let (_tx, mut stream) = subscribe(
        &mut client,
        &creds,
        fetch(ReplayPreset::Custom, events[1].replay_id.clone(), 100),
    )
    .await
    .unwrap();
    let resp = next_events(&mut stream).await;
    assert_eq!(resp.events[0].replay_id, events[2].replay_id);
    let (header, _) = decode(&mut client, &creds, &resp, 0).await;
    assert_eq!(
        get(&header, "recordIds"),
        &Avro::Array(vec![Avro::String(ids[2].clone())])
    );
}

#[tokio::test]
async fn unknown_replay_id_is_refused() {
    let (sim, mut client, creds) = setup().await;
    create_case(&sim, &creds.token, "one").await;
    for bad in [vec![0xff; 8], vec![1, 2, 3], Vec::new()] {
        let err = subscribe(&mut client, &creds, fetch(ReplayPreset::Custom, bad, 1))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(
            err.message().contains("The Replay ID validation failed"),
            "{}",
            err.message()
        );
    }
    let mut unknown = fetch(ReplayPreset::Latest, vec![], 1);
    unknown.topic_name = "/data/NopeChangeEvent".into();
    let err = subscribe(&mut client, &creds, unknown).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn idle_streams_get_keepalives() {
    // A simulator state served with a 100 ms keep-alive on its own port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = SimState::new(super::test_config(), &url).unwrap();
    let user = state.db.user_by_username(&{
        let rows = state
            .db
            .query(
                "SELECT Username FROM User WHERE IsActive = true LIMIT 1",
                &concierge_sfsim::db::QueryOpts::new("62.0"),
            )
            .unwrap();
        rows[0]["Username"].as_str().unwrap().to_string()
    });
    let user = user.unwrap();
    let org = state.db.org_id();
    let token = state.sessions.issue(
        Session {
            user_id: user["Id"].as_str().unwrap().to_string(),
            org_id: org.clone(),
            username: user["Username"].as_str().unwrap().to_string(),
            instance_url: url.clone(),
        },
        None,
    );
    let config = PubSubConfig {
        keepalive: Duration::from_millis(100),
        ..PubSubConfig::default()
    };
    let app = router_with(state.clone(), config);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let creds = Creds {
        token,
        org,
        instance: url.clone(),
    };
    let mut client = grpc(&url).await;
    let (_tx, mut stream) = subscribe(&mut client, &creds, fetch(ReplayPreset::Latest, vec![], 5))
        .await
        .unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(resp.events.is_empty());
    assert_eq!(resp.pending_num_requested, 5);
    let latest = state.db.events().latest_replay_id();
    assert_eq!(
        resp.latest_replay_id,
        latest.map(|l| l.to_be_bytes().to_vec()).unwrap_or_default()
    );
    server.abort();
}

#[tokio::test]
async fn drop_fault_cuts_open_streams() {
    let (sim, mut client, creds) = setup().await;
    let (_tx, mut stream) = subscribe(&mut client, &creds, fetch(ReplayPreset::Latest, vec![], 5))
        .await
        .unwrap();
    sim.sim.faults().inject(Fault::DropEventStreams);
    let err = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.message().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("stream ended without a status"),
                Err(status) => return status,
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(err.code(), Code::Unavailable);
    // A new subscription works and sees new writes.
    let (_tx, mut stream) = subscribe(&mut client, &creds, fetch(ReplayPreset::Latest, vec![], 5))
        .await
        .unwrap();
    create_case(&sim, &creds.token, "after the drop").await;
    assert_eq!(next_events(&mut stream).await.events.len(), 1);
}

#[tokio::test]
async fn expired_sessions_end_the_stream_at_the_next_request() {
    let (sim, mut client, creds) = setup().await;
    let (tx, mut stream) = subscribe(&mut client, &creds, fetch(ReplayPreset::Latest, vec![], 1))
        .await
        .unwrap();
    sim.sim.faults().inject(Fault::ExpireAllSessions);
    tx.send(FetchRequest {
        num_requested: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn the_all_events_topic_carries_every_entity_with_its_schema() {
    let (sim, mut client, creds) = setup().await;
    let mut first = fetch(ReplayPreset::Latest, vec![], 10);
    first.topic_name = "/data/ChangeEvents".into();
    let (_tx, mut all) = subscribe(&mut client, &creds, first).await.unwrap();
    let mut first = fetch(ReplayPreset::Latest, vec![], 10);
    first.topic_name = "/data/CaseCommentChangeEvent".into();
    let (_tx2, mut comments) = subscribe(&mut client, &creds, first).await.unwrap();

    let case = create_case(&sim, &creds.token, "with a comment").await;
    let comment = sim
        .create(
            &creds.token,
            "CaseComment",
            json!({"ParentId": case, "CommentBody": "we are on it", "IsPublished": true}),
        )
        .await;
    let mut events = Vec::new();
    while events.len() < 2 {
        events.extend(next_events(&mut all).await.events);
    }
    let case_schema = &events[0].event.as_ref().unwrap().schema_id;
    let comment_schema = &events[1].event.as_ref().unwrap().schema_id;
    assert_ne!(case_schema, comment_schema);

    let resp = next_events(&mut comments).await;
    assert_eq!(resp.events.len(), 1, "only the comment on its own topic");
    let (header, fields) = decode(&mut client, &creds, &resp, 0).await;
    assert_eq!(
        get(&header, "entityName"),
        &Avro::String("CaseComment".into())
    );
    assert_eq!(
        get(&header, "recordIds"),
        &Avro::Array(vec![Avro::String(comment)])
    );
    assert_eq!(
        get(&fields, "CommentBody"),
        &Avro::Union(1, Box::new(Avro::String("we are on it".into())))
    );
    assert_eq!(
        get(&fields, "IsPublished"),
        &Avro::Union(1, Box::new(Avro::Boolean(true)))
    );
}
