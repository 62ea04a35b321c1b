//! [`PubSubClient`]: one HTTP/2 channel to the Pub/Sub endpoint (TLS with the
//! webpki roots plus an optional extra CA, always verified; plain `http://`
//! means h2c), the `accesstoken`/`instanceurl`/`tenantid` metadata on every
//! call from a [`SessionSource`], `GetTopic`, and `GetSchema` cached by id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tokio_stream::Stream;
use tonic::metadata::MetadataValue;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::Streaming;

use super::proto::pub_sub_client::PubSubClient as Grpc;
use super::proto::{FetchRequest, FetchResponse, SchemaRequest, TopicInfo, TopicRequest};
use super::{PubSubConfig, PubSubError};

/// How long `GetTopic` and `GetSchema` may take.
const UNARY_TIMEOUT: Duration = Duration::from_secs(30);

/// What the Pub/Sub API needs from an authenticated session.
#[derive(Clone)]
pub struct PubSubSession {
    /// The access token (never printed).
    pub access_token: SecretString,
    /// The org's instance URL.
    pub instance_url: String,
    /// The org id (`tenantid`).
    pub org_id: String,
}

impl std::fmt::Debug for PubSubSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubSubSession")
            .field("access_token", &"[redacted]")
            .field("instance_url", &self.instance_url)
            .field("org_id", &self.org_id)
            .finish()
    }
}

/// Where sessions come from: the crate's REST client in production.
#[async_trait]
pub trait SessionSource: Send + Sync + std::fmt::Debug {
    /// A valid session (authenticating if needed).
    async fn session(&self) -> Result<PubSubSession, PubSubError>;
    /// Forgets the current session so the next [`SessionSource::session`] re-authenticates.
    async fn invalidate_session(&self);
}

#[derive(Debug)]
struct Inner {
    grpc: Grpc<Channel>,
    auth: Arc<dyn SessionSource>,
    schemas: Mutex<HashMap<String, Arc<apache_avro::Schema>>>,
    max_schema_bytes: usize,
    max_cached_schemas: usize,
}

/// A Pub/Sub API client; cheap to clone (clones share the channel and the schema cache).
#[derive(Debug, Clone)]
pub struct PubSubClient {
    inner: Arc<Inner>,
}

fn endpoint(config: &PubSubConfig) -> Result<Endpoint, PubSubError> {
    let url = url::Url::parse(&config.endpoint)
        .map_err(|e| PubSubError::Config(format!("endpoint {}: {e}", config.endpoint)))?;
    // gRPC paths are absolute: only the origin counts (`…:7443/` works too).
    let origin = url.origin().ascii_serialization();
    let mut ep = Endpoint::from_shared(origin)
        .map_err(|e| PubSubError::Config(format!("endpoint {}: {e}", config.endpoint)))?
        .connect_timeout(Duration::from_millis(config.connect_timeout_ms))
        .http2_keep_alive_interval(Duration::from_secs(60))
        .keep_alive_timeout(Duration::from_secs(20))
        .keep_alive_while_idle(true);
    match url.scheme() {
        "https" => {
            let mut tls = ClientTlsConfig::new().with_webpki_roots();
            if let Some(pem) = &config.extra_root_ca_pem {
                if !pem.contains("-----BEGIN CERTIFICATE-----") {
                    return Err(PubSubError::Config(
                        "extra_root_ca_pem holds no PEM certificate".into(),
                    ));
                }
                tls = tls.ca_certificate(Certificate::from_pem(pem.as_bytes()));
            }
            ep = ep
                .tls_config(tls)
                .map_err(|e| PubSubError::Config(format!("TLS: {e}")))?;
        }
        "http" => {}
        other => {
            return Err(PubSubError::Config(format!(
                "endpoint scheme {other} is neither https nor http"
            )))
        }
    }
    Ok(ep)
}

impl PubSubClient {
    /// A client for `config.endpoint` taking sessions from `auth`. Connects lazily.
    pub fn new(auth: Arc<dyn SessionSource>, config: &PubSubConfig) -> Result<Self, PubSubError> {
        let channel = endpoint(config)?.connect_lazy();
        Ok(Self {
            inner: Arc::new(Inner {
                grpc: Grpc::new(channel),
                auth,
                schemas: Mutex::new(HashMap::new()),
                max_schema_bytes: config.max_schema_bytes,
                max_cached_schemas: config.max_cached_schemas.max(1),
            }),
        })
    }

    /// Forces re-authentication on the next call.
    pub async fn invalidate_session(&self) {
        self.inner.auth.invalidate_session().await;
    }

    async fn request<T>(&self, message: T) -> Result<tonic::Request<T>, PubSubError> {
        let session = self.inner.auth.session().await?;
        let mut req = tonic::Request::new(message);
        let md = req.metadata_mut();
        let mut token: MetadataValue<_> =
            session.access_token.expose_secret().parse().map_err(|_| {
                PubSubError::Session("the access token is not valid metadata".into())
            })?;
        token.set_sensitive(true);
        md.insert("accesstoken", token);
        let bad = |what: &str| PubSubError::Session(format!("the {what} is not valid metadata"));
        md.insert(
            "instanceurl",
            session
                .instance_url
                .trim_end_matches('/')
                .parse()
                .map_err(|_| bad("instance URL"))?,
        );
        md.insert(
            "tenantid",
            session.org_id.parse().map_err(|_| bad("org id"))?,
        );
        Ok(req)
    }

    /// `GetTopic`: whether the topic exists, may be subscribed to, and its schema id.
    pub async fn get_topic(&self, topic: &str) -> Result<TopicInfo, PubSubError> {
        let mut req = self
            .request(TopicRequest {
                topic_name: topic.to_string(),
            })
            .await?;
        req.set_timeout(UNARY_TIMEOUT);
        Ok(self.inner.grpc.clone().get_topic(req).await?.into_inner())
    }

    /// `GetSchema`, cached by schema id: the parsed Avro schema.
    pub async fn get_schema(
        &self,
        schema_id: &str,
    ) -> Result<Arc<apache_avro::Schema>, PubSubError> {
        if let Some(s) = self.cached(schema_id)? {
            return Ok(s);
        }
        let mut req = self
            .request(SchemaRequest {
                schema_id: schema_id.to_string(),
            })
            .await?;
        req.set_timeout(UNARY_TIMEOUT);
        let info = self.inner.grpc.clone().get_schema(req).await?.into_inner();
        if info.schema_json.len() > self.inner.max_schema_bytes {
            return Err(PubSubError::Decode(format!(
                "schema {schema_id} is {} bytes, more than {}",
                info.schema_json.len(),
                self.inner.max_schema_bytes
            )));
        }
        let schema = Arc::new(
            apache_avro::Schema::parse_str(&info.schema_json)
                .map_err(|e| PubSubError::Decode(format!("schema {schema_id}: {e}")))?,
        );
        let mut cache = self
            .inner
            .schemas
            .lock()
            .map_err(|_| PubSubError::Decode("schema cache lock poisoned".into()))?;
        if cache.len() >= self.inner.max_cached_schemas {
            cache.clear();
        }
        cache.insert(schema_id.to_string(), schema.clone());
        Ok(schema)
    }

    fn cached(&self, schema_id: &str) -> Result<Option<Arc<apache_avro::Schema>>, PubSubError> {
        let cache = self
            .inner
            .schemas
            .lock()
            .map_err(|_| PubSubError::Decode("schema cache lock poisoned".into()))?;
        Ok(cache.get(schema_id).cloned())
    }

    /// Opens a `Subscribe` stream fed by `requests`.
    pub(crate) async fn subscribe(
        &self,
        requests: impl Stream<Item = FetchRequest> + Send + 'static,
    ) -> Result<Streaming<FetchResponse>, PubSubError> {
        let req = self.request(requests).await?;
        Ok(self.inner.grpc.clone().subscribe(req).await?.into_inner())
    }
}

#[async_trait]
impl SessionSource for crate::Client {
    async fn session(&self) -> Result<PubSubSession, PubSubError> {
        let s = crate::Client::session(self)
            .await
            .map_err(|e| PubSubError::Session(e.to_string()))?;
        Ok(PubSubSession {
            access_token: s.access_token,
            instance_url: s.instance_url.as_str().trim_end_matches('/').to_string(),
            org_id: s.org_id,
        })
    }

    async fn invalidate_session(&self) {
        crate::Client::invalidate_session(self).await;
    }
}

impl PubSubClient {
    /// A client taking its sessions from the crate's REST [`crate::Client`].
    pub fn from_client(client: crate::Client, config: &PubSubConfig) -> Result<Self, PubSubError> {
        Self::new(Arc::new(client), config)
    }
}
