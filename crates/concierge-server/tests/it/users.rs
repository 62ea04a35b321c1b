//! Staff accounts and roles: admins create, list and change users (the new
//! user signs in with the password; a disabled one cannot, and their
//! refresh token stops working); an admin cannot demote or disable
//! themselves; other roles and other tenants are refused.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, assert_invalid_field, on_both, TestApp, PASSWORD};

async fn patch(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.request(Method::PATCH, path, token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn admins_manage_staff_accounts() {
    on_both(|app| async move {
        let s = app.admin_session("acme").await;
        let resp = app
            .post(
                "/v1/admin/users",
                s.token(),
                &json!({ "email": "Sam@Acme.test", "name": "Sam Agent", "role": "agent", "password": PASSWORD }),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let created: Value = resp.json().await.unwrap();
        assert_eq!(created["generated_password"], Value::Null);
        let user = &created["user"];
        assert_eq!(user["email"], "sam@acme.test");
        assert_eq!(user["name"], "Sam Agent");
        assert_eq!(user["role"], "agent");
        assert_eq!(user["status"], "active");
        let id = user["id"].as_str().unwrap().to_owned();

        // Without a password one is generated, returned once, and works.
        let resp = app
            .post("/v1/admin/users", s.token(), &json!({ "email": "sue@acme.test", "role": "supervisor" }))
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let sue: Value = resp.json().await.unwrap();
        let generated = sue["generated_password"].as_str().unwrap().to_owned();
        let resp = app.sign_in("sue@acme.test", &generated, Some("acme")).await;
        assert_eq!(resp.status(), StatusCode::OK);

        // Listed: staff only (a widget visitor is a customer and is not).
        app.visitor(&s.tenant.org.widget_key, None).await;
        let list: Value = app.get("/v1/admin/users", s.token()).await.json().await.unwrap();
        let emails: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap())
            .collect();
        assert_eq!(emails, vec!["admin@acme.test", "sam@acme.test", "sue@acme.test"]);

        // The agent signs in, is promoted, renamed.
        let sam = app.sign_in_ok("sam@acme.test", "acme").await;
        let resp = patch(&app, &format!("/v1/admin/users/{id}"), s.token(), &json!({ "role": "supervisor", "name": "Sam Lead" })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let changed: Value = resp.json().await.unwrap();
        assert_eq!((changed["role"].as_str(), changed["name"].as_str()), (Some("supervisor"), Some("Sam Lead")));
        // The new role arrives with the next refresh.
        let resp = app.refresh(&sam.refresh_token).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let refreshed: Value = resp.json().await.unwrap();
        assert_eq!(refreshed["user"]["role"], "supervisor", "{refreshed}");

        // Disabled: no sign-in, and the refresh token is dead.
        let resp = patch(&app, &format!("/v1/admin/users/{id}"), s.token(), &json!({ "status": "disabled" })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let resp = app.sign_in("sam@acme.test", PASSWORD, Some("acme")).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, 1004).await;
        let resp = app
            .refresh(refreshed["refresh_token"].as_str().unwrap())
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        // Re-enabled: signs in again.
        let resp = patch(&app, &format!("/v1/admin/users/{id}"), s.token(), &json!({ "status": "active" })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        app.sign_in_ok("sam@acme.test", "acme").await;
        app
    })
    .await;
}

#[tokio::test]
async fn users_are_validated_and_guarded() {
    on_both(|app| async move {
        let s = app.admin_session("acme").await;
        let me = s.tokens.user["id"].as_str().unwrap().to_owned();

        // Validation names the field.
        for (body, field) in [
            (json!({ "email": "not-an-email", "role": "agent" }), "email"),
            (
                json!({ "email": "a@acme.test", "role": "customer" }),
                "role",
            ),
            (json!({ "email": "a@acme.test", "role": "wizard" }), "role"),
            (
                json!({ "email": "a@acme.test", "role": "agent", "password": "short" }),
                "password",
            ),
            (
                json!({ "email": "a@acme.test", "role": "agent", "name": " " }),
                "name",
            ),
            (json!({ "role": "agent" }), "email"),
        ] {
            assert_invalid_field(app.post("/v1/admin/users", s.token(), &body).await, field).await;
        }
        let err = assert_error(
            app.post(
                "/v1/admin/users",
                s.token(),
                &json!({ "email": "admin@acme.test", "role": "agent" }),
            )
            .await,
            StatusCode::CONFLICT,
            3003,
        )
        .await;
        assert_eq!(err["details"]["field"], "email", "{err}");

        // An admin cannot demote or disable themselves.
        let path = format!("/v1/admin/users/{me}");
        assert_invalid_field(
            patch(&app, &path, s.token(), &json!({ "role": "agent" })).await,
            "role",
        )
        .await;
        assert_invalid_field(
            patch(&app, &path, s.token(), &json!({ "status": "disabled" })).await,
            "status",
        )
        .await;
        let resp = patch(&app, &path, s.token(), &json!({ "name": "Ada Admin" })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let resp = patch(&app, &path, s.token(), &json!({ "status": "invited" })).await;
        assert_invalid_field(resp, "status").await;

        // Unknown ids, customers and other tenants' users are not found.
        let resp = patch(
            &app,
            "/v1/admin/users/019364a2-6c1e-7d43-9a51-2f1c2b7d9e10",
            s.token(),
            &json!({ "name": "x" }),
        )
        .await;
        assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
        let v = app.visitor(&s.tenant.org.widget_key, None).await;
        let resp = patch(
            &app,
            &format!("/v1/admin/users/{}", v.customer_id),
            s.token(),
            &json!({ "role": "admin" }),
        )
        .await;
        assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
        let other = app.admin_session("other").await;
        let resp = patch(&app, &path, other.token(), &json!({ "status": "disabled" })).await;
        assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
        let list: Value = app
            .get("/v1/admin/users", other.token())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);

        // Only admins: a supervisor is refused everything here.
        app.create_staff(s.org(), "sup@acme.test", concierge_core::Role::Supervisor)
            .await;
        let sup = app.sign_in_ok("sup@acme.test", "acme").await;
        assert_error(
            app.get("/v1/admin/users", &sup.access_token).await,
            StatusCode::FORBIDDEN,
            1002,
        )
        .await;
        assert_error(
            app.get("/v1/admin/roles", &sup.access_token).await,
            StatusCode::FORBIDDEN,
            1002,
        )
        .await;
        assert_error(
            app.post(
                "/v1/admin/users",
                &sup.access_token,
                &json!({ "email": "x@acme.test", "role": "admin" }),
            )
            .await,
            StatusCode::FORBIDDEN,
            1002,
        )
        .await;
        assert_error(
            patch(&app, &path, &sup.access_token, &json!({ "role": "agent" })).await,
            StatusCode::FORBIDDEN,
            1002,
        )
        .await;

        // The roles, with what each may do.
        let roles: Value = app
            .get("/v1/admin/roles", s.token())
            .await
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = roles
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["role"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            vec!["admin", "supervisor", "agent", "service", "customer"]
        );
        assert!(roles[0]["permissions"].as_array().unwrap().len() > 3);
        assert_eq!(roles[4]["assignable"], false);
        app
    })
    .await;
}
