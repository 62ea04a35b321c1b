//! Administrative operations shared by the CLI (`concierge tenant create` …),
//! the API, and first-start bootstrap.

use concierge_core::model::{ApiKey, Organization, User};
use concierge_core::validate;
use concierge_core::{OrgId, Role, SubscriptionTier, UserId};
use concierge_store::{NewApiKey, NewAudit, NewOrganization, NewUser, Store};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::auth;
use crate::error::{ApiError, ApiResult};

/// Creates a tenant with a fresh publishable widget key.
pub async fn create_tenant(
    store: &Store,
    slug: &str,
    name: &str,
    tier: SubscriptionTier,
) -> ApiResult<Organization> {
    validate::slug("slug", slug)?;
    validate::short_text("name", name)?;
    let widget_key = format!("pk_{}_{}", slug.replace('-', ""), auth::random_secret(18));
    Ok(store
        .create_organization(&NewOrganization {
            slug: slug.to_owned(),
            name: name.to_owned(),
            subscription_tier: tier,
            salesforce_org_id: None,
            widget_key,
        })
        .await?)
}

/// A generated password: 24 URL-safe characters (~144 bits).
pub fn generate_password() -> String {
    auth::random_secret(18)
}

/// Creates a staff user; without a password one is generated and returned.
pub async fn create_staff_user(
    store: &Store,
    org: OrgId,
    email: &str,
    role: Role,
    password: Option<SecretString>,
    actor: &str,
) -> ApiResult<(User, Option<String>)> {
    let email = validate::email("email", email)?;
    if !role.is_staff() && role != Role::Service {
        return Err(ApiError::field(
            "role",
            "must be admin, supervisor, agent or service",
        ));
    }
    let (password, generated) = match password {
        Some(p) => {
            validate::password("password", p.expose_secret())?;
            (p, None)
        }
        None => {
            let p = generate_password();
            (SecretString::from(p.clone()), Some(p))
        }
    };
    let hash = auth::hash_password(password).await?;
    let user = store
        .create_user(
            org,
            &NewUser {
                external_id: None,
                email: Some(email.clone()),
                display_name: None,
                password_hash: Some(hash),
                role,
                customer_tier: None,
            },
        )
        .await?;
    store
        .append_audit(
            org,
            &NewAudit {
                actor: actor.to_owned(),
                action: "user.create".into(),
                target: Some(format!("user:{}", user.id)),
                details: json!({ "email": email, "role": role }),
            },
        )
        .await?;
    Ok((user, generated))
}

/// Creates an API key; the full key is returned once and never stored.
pub async fn create_api_key(
    store: &Store,
    org: OrgId,
    name: &str,
    role: Role,
    created_by: Option<UserId>,
    actor: &str,
) -> ApiResult<(String, ApiKey)> {
    validate::short_text("name", name)?;
    if role == Role::Customer {
        return Err(ApiError::field(
            "role",
            "API keys cannot have the customer role",
        ));
    }
    let (key, prefix) = auth::generate_api_key();
    let stored = store
        .create_api_key(
            org,
            &NewApiKey {
                name: name.to_owned(),
                prefix,
                key_hash: auth::sha256(&key),
                role,
                created_by,
            },
        )
        .await?;
    store
        .append_audit(
            org,
            &NewAudit {
                actor: actor.to_owned(),
                action: "api_key.create".into(),
                target: Some(format!("api_key:{}", stored.id)),
                details: json!({ "name": name, "role": role, "prefix": stored.prefix }),
            },
        )
        .await?;
    Ok((key, stored))
}

/// What first start prints, once.
#[derive(Debug)]
pub struct DemoCredentials {
    pub tenant: Organization,
    pub admin_email: String,
    pub admin_password: String,
    pub api_key: String,
}

/// The demo admin's email.
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.concierge.local";

/// On an empty database, creates the `demo` tenant, an admin and an API key.
/// Returns `None` when any tenant already exists.
pub async fn bootstrap_demo(store: &Store) -> ApiResult<Option<DemoCredentials>> {
    if store.count_organizations().await? > 0 {
        return Ok(None);
    }
    let tenant = create_tenant(
        store,
        "demo",
        "Demo Company",
        SubscriptionTier::Professional,
    )
    .await?;
    let (admin, password) = create_staff_user(
        store,
        tenant.id,
        DEMO_ADMIN_EMAIL,
        Role::Admin,
        None,
        "system:bootstrap",
    )
    .await?;
    let (api_key, _) = create_api_key(
        store,
        tenant.id,
        "demo integration",
        Role::Service,
        Some(admin.id),
        "system:bootstrap",
    )
    .await?;
    Ok(Some(DemoCredentials {
        tenant,
        admin_email: DEMO_ADMIN_EMAIL.to_owned(),
        admin_password: password.unwrap_or_default(),
        api_key,
    }))
}

/// The JWT secret: from configuration, or generated once and kept in the
/// database so every node (and every restart) shares it.
pub async fn jwt_secret(
    store: &Store,
    configured: Option<&SecretString>,
) -> ApiResult<SecretString> {
    if let Some(s) = configured {
        return Ok(s.clone());
    }
    let candidate = auth::random_secret(48);
    Ok(SecretString::from(
        store
            .instance_setting_or_insert("jwt_secret", &candidate)
            .await?,
    ))
}
