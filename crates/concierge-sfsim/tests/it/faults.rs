//! Faults: each injected fault answers as Salesforce does for the next calls,
//! then the simulator recovers; the HTTP admin endpoint for other clients.

use std::time::{Duration, Instant};

use concierge_sfsim::Fault;
use serde_json::json;

use crate::{json_of, TestSim, ADMIN_TOKEN};

#[tokio::test]
async fn request_limit_lock_and_unavailable_then_recovery() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let url = sim.api("sobjects/");
    let faults = sim.sim.faults();

    faults.inject(Fault::RequestLimitExceeded { times: 2 });
    for _ in 0..2 {
        let (status, body) = json_of(sim.get(&token, &url).await).await;
        assert_eq!(status, 403);
        assert_eq!(
            body,
            json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        );
    }
    assert_eq!(sim.get(&token, &url).await.status(), 200);

    faults.inject(Fault::UnableToLockRow { times: 1 });
    let (status, body) = json_of(
        sim.patch(
            &token,
            &sim.api("sobjects/Case/500000000000000AAA"),
            &json!({"Subject": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{"message": "unable to obtain exclusive access to this record", "errorCode": "UNABLE_TO_LOCK_ROW"}])
    );
    assert_eq!(sim.get(&token, &url).await.status(), 200);

    faults.inject(Fault::ServiceUnavailable { times: 1 });
    let (status, body) = json_of(sim.get(&token, &url).await).await;
    assert_eq!(status, 503);
    assert_eq!(body[0]["errorCode"], "SERVER_UNAVAILABLE");
    assert_eq!(sim.get(&token, &url).await.status(), 200);

    // OAuth and the versions list are never affected.
    faults.inject(Fault::ServiceUnavailable { times: 1 });
    assert_eq!(
        sim.http
            .get(sim.url("/services/data/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let _ = sim.token().await;
    faults.clear();
    assert_eq!(sim.get(&token, &url).await.status(), 200);
}

#[tokio::test]
async fn slow_calls_are_delayed() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    sim.sim.faults().inject(Fault::Slow {
        millis: 300,
        times: 1,
    });
    let t = Instant::now();
    assert_eq!(sim.get(&token, &sim.api("limits/")).await.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    assert_eq!(sim.get(&token, &sim.api("limits/")).await.status(), 200);
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn expire_all_sessions_forces_a_new_login() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    sim.sim.faults().inject(Fault::ExpireAllSessions);
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/")).await).await;
    assert_eq!(status, 401);
    assert_eq!(body[0]["errorCode"], "INVALID_SESSION_ID");
    let fresh = sim.token().await;
    assert_eq!(sim.get(&fresh, &sim.api("sobjects/")).await.status(), 200);
}

#[tokio::test]
async fn drop_event_streams_bumps_the_counter() {
    let sim = TestSim::start().await;
    let mut rx = sim.sim.faults().subscribe_drops();
    sim.sim.faults().inject(Fault::DropEventStreams);
    rx.changed().await.unwrap();
    assert_eq!(*rx.borrow(), 1);
    assert!(sim.sim.faults().take_drop_event_streams());
}

#[tokio::test]
async fn faults_over_http_need_the_admin_token() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let res = sim
        .http
        .post(sim.url("/__sim/faults"))
        .json(&json!({"fault": "request_limit_exceeded", "times": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = sim
        .http
        .post(sim.url("/__sim/faults"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"fault": "request_limit_exceeded", "times": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(sim.get(&token, &sim.api("limits/")).await.status(), 403);
    let res = sim
        .http
        .delete(sim.url("/__sim/faults"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(sim.get(&token, &sim.api("limits/")).await.status(), 200);
    let res = sim
        .http
        .post(sim.url("/__sim/faults"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"fault": "nonsense"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}
