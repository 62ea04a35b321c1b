//! `/v1/admin/users` and `/v1/admin/roles`: the tenant's staff accounts —
//! list, create (argon2id password, as `concierge user create` does), change
//! role, name or status — and what each role may do. Admins only. An admin
//! can neither demote nor disable themselves, so a tenant always keeps the
//! admin who is making the change. Disabling a user revokes their refresh
//! tokens: their session ends when the current access token expires.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use concierge_core::model::User;
use concierge_core::{validate, Role, UserId, UserStatus};
use concierge_store::{NewAudit, UserUpdate};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::admin;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{AppJson, AppPath};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/users", get(list).post(create))
        .route("/v1/admin/users/{id}", patch(update))
        .route("/v1/admin/roles", get(roles))
}

/// A staff or service account.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffUser {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Role,
    /// `active`, `disabled` or `invited`.
    pub status: UserStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<User> for StaffUser {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.display_name,
            role: u.role,
            status: u.status,
            created_at: u.created_at,
        }
    }
}

/// The tenant's staff and service accounts (customers are not listed), oldest first.
#[utoipa::path(get, path = "/v1/admin/users", tag = "users",
    responses((status = 200, body = Vec<StaffUser>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<StaffUser>>> {
    p.require(&[Role::Admin])?;
    let users = state.store.list_staff_users(p.org).await?;
    Ok(Json(users.into_iter().map(StaffUser::from).collect()))
}

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    /// Display name, 1–200 characters.
    pub name: Option<String>,
    /// `admin`, `supervisor`, `agent` or `service`.
    pub role: Role,
    /// At least 12 characters. Omit to have one generated (returned once).
    pub password: Option<String>,
}

/// A created account, with its generated password when none was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: StaffUser,
    /// Shown once; `null` when the request set the password.
    pub generated_password: Option<String>,
}

fn check_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::field("name", "must be 1–200 characters"));
    }
    Ok(name.to_owned())
}

/// Creates a staff account.
#[utoipa::path(post, path = "/v1/admin/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = CreatedUser), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "The email is taken"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    AppJson(req): AppJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    p.require(&[Role::Admin])?;
    let name = req.name.as_deref().map(check_name).transpose()?;
    if let Some(pw) = &req.password {
        validate::password("password", pw)?;
    }
    let (mut user, generated) = admin::create_staff_user(
        &state.store,
        p.org,
        &req.email,
        req.role,
        req.password.map(SecretString::from),
        &p.actor(),
    )
    .await?;
    if let Some(name) = name {
        let change = UserUpdate {
            display_name: Some(name),
            ..Default::default()
        };
        user = state.store.update_user(p.org, user.id, &change).await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user: user.into(),
            generated_password: generated,
        }),
    ))
}

/// A change to a staff account; omitted fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// `admin`, `supervisor`, `agent` or `service`.
    pub role: Option<Role>,
    pub name: Option<String>,
    /// `active` or `disabled`.
    pub status: Option<UserStatus>,
}

/// Changes a staff account's role, name or status.
#[utoipa::path(patch, path = "/v1/admin/users/{id}", tag = "users", request_body = UpdateUser,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = StaffUser), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "A bad value, or an admin demoting or disabling themselves")),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<UserId>,
    AppJson(req): AppJson<UpdateUser>,
) -> ApiResult<Json<StaffUser>> {
    p.require(&[Role::Admin])?;
    let current = state.store.get_user(p.org, id).await.map_err(|e| match e {
        concierge_store::StoreError::NotFound(_) => {
            ApiError::new(crate::error::Code::NotFound, "user not found")
        }
        other => other.into(),
    })?;
    if current.role == Role::Customer {
        return Err(ApiError::new(
            crate::error::Code::NotFound,
            "user not found",
        ));
    }
    if let Some(role) = req.role {
        if !role.is_staff() && role != Role::Service {
            return Err(ApiError::field(
                "role",
                "must be admin, supervisor, agent or service",
            ));
        }
        if p.user == Some(id) && role != Role::Admin {
            return Err(ApiError::field("role", "you cannot demote yourself"));
        }
    }
    if let Some(status) = req.status {
        if status == UserStatus::Invited {
            return Err(ApiError::field("status", "must be active or disabled"));
        }
        if p.user == Some(id) && status != UserStatus::Active {
            return Err(ApiError::field("status", "you cannot disable yourself"));
        }
    }
    let change = UserUpdate {
        role: req.role,
        display_name: req.name.as_deref().map(check_name).transpose()?,
        status: req.status,
    };
    let user = state.store.update_user(p.org, id, &change).await?;
    if user.status == UserStatus::Disabled && current.status != UserStatus::Disabled {
        state.store.revoke_user_tokens(p.org, id).await?;
    }
    state
        .store
        .append_audit(
            p.org,
            &NewAudit {
                actor: p.actor(),
                action: "user.update".into(),
                target: Some(format!("user:{id}")),
                details: json!({
                    "role": req.role, "status": req.status, "name_changed": req.name.is_some(),
                }),
            },
        )
        .await?;
    Ok(Json(user.into()))
}

/// A role and what it may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleInfo {
    pub role: Role,
    pub description: &'static str,
    /// Things this role may do, for display.
    pub permissions: Vec<&'static str>,
    /// Whether an admin may give this role to an account here.
    pub assignable: bool,
}

/// The roles and what each may do.
#[utoipa::path(get, path = "/v1/admin/roles", tag = "users",
    responses((status = 200, body = Vec<RoleInfo>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn roles(p: Principal) -> ApiResult<Json<Vec<RoleInfo>>> {
    p.require(&[Role::Admin])?;
    Ok(Json(role_table()))
}

/// The roles, most powerful first.
pub fn role_table() -> Vec<RoleInfo> {
    vec![
        RoleInfo {
            role: Role::Admin,
            description: "Runs the tenant: everything a supervisor does, plus users, API keys, rules, knowledge, intents and integrations.",
            permissions: vec![
                "manage users and roles",
                "manage API keys",
                "edit rules, workflows and intents",
                "write and import knowledge articles",
                "configure Salesforce",
                "view analytics",
                "handle conversations and escalations",
            ],
            assignable: true,
        },
        RoleInfo {
            role: Role::Supervisor,
            description: "Leads the agents: everything an agent does, plus analytics and moderation review.",
            permissions: vec![
                "view analytics",
                "review moderation flags",
                "read and search knowledge",
                "handle conversations and escalations",
            ],
            assignable: true,
        },
        RoleInfo {
            role: Role::Agent,
            description: "Handles escalated conversations: claims, answers, transfers and resolves them, with suggested replies.",
            permissions: vec![
                "see queues and escalations",
                "claim, answer, transfer and resolve conversations",
                "read and search knowledge",
                "receive the live queue feed",
            ],
            assignable: true,
        },
        RoleInfo {
            role: Role::Service,
            description: "An integration acting for customers through the API (usually an API key, not a person).",
            permissions: vec!["create conversations and post messages for customers"],
            assignable: true,
        },
        RoleInfo {
            role: Role::Customer,
            description: "A customer chatting through the widget or a channel; sees only their own conversations.",
            permissions: vec!["chat in their own conversations", "rate a conversation"],
            assignable: false,
        },
    ]
}
