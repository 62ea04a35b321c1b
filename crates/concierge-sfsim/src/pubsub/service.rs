//! The `PubSub` service: authentication from call metadata (`accesstoken`,
//! `instanceurl`, `tenantid`), topics (`/data/{Entity}ChangeEvent`,
//! `/data/ChangeEvents`), schemas by id, and `Subscribe` (in `subscribe`).
//! Publishing is not offered: change-event topics are read-only.

use std::pin::Pin;

use tokio_stream::Stream;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status, Streaming};

use super::avro::{self, EntitySchema};
use super::proto::pub_sub_server::PubSub;
use super::proto::{
    FetchRequest, FetchResponse, PublishRequest, PublishResponse, SchemaInfo, SchemaRequest,
    TopicInfo, TopicRequest,
};
use super::PubSubConfig;
use crate::server::SimState;
use crate::session::Session;

/// Longest topic name or schema id accepted.
const MAX_NAME_LEN: usize = 256;

/// The topic every change event goes to.
pub(crate) const ALL_CHANGE_EVENTS: &str = "/data/ChangeEvents";

/// The Pub/Sub service over the simulator's state.
#[derive(Debug, Clone)]
pub struct PubSubService {
    pub(crate) state: SimState,
    pub(crate) config: PubSubConfig,
}

/// What a topic name resolves to.
#[derive(Debug, Clone)]
pub(crate) struct Topic {
    pub name: String,
    /// The entities it carries; `None` for every entity.
    pub entities: Option<Vec<String>>,
}

/// A fresh rpc id, as Salesforce returns on every call.
pub(crate) fn rpc_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A status with Salesforce's `error-code` trailer.
pub(crate) fn status(code: tonic::Code, error_code: &str, message: String) -> Status {
    let mut md = MetadataMap::new();
    if let Ok(v) = error_code.parse() {
        md.insert("error-code", v);
    }
    Status::with_metadata(code, message, md)
}

pub(crate) fn unauthenticated() -> Status {
    status(
        tonic::Code::Unauthenticated,
        "sfdc.platform.eventbus.grpc.service.auth.error",
        format!(
            "The session is invalid or expired. Provide a valid access token in the accesstoken header. rpcId: {}",
            rpc_id()
        ),
    )
}

impl PubSubService {
    /// The service over `state`.
    pub fn new(state: SimState, config: PubSubConfig) -> Self {
        Self { state, config }
    }

    /// The session the call's metadata stands for, or UNAUTHENTICATED.
    pub(crate) fn authenticate(&self, md: &MetadataMap) -> Result<(Session, String), Status> {
        let token = md
            .get("accesstoken")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty() && t.len() <= 4096)
            .ok_or_else(unauthenticated)?;
        let session = self
            .state
            .sessions
            .validate(token)
            .ok_or_else(unauthenticated)?;
        let org_id = self.state.db.org_id().to_string();
        let tenant = md.get("tenantid").and_then(|v| v.to_str().ok());
        if tenant.is_none_or(|t| !same_org(t, &org_id) || !same_org(t, &session.org_id)) {
            return Err(status(
                tonic::Code::Unauthenticated,
                "sfdc.platform.eventbus.grpc.service.auth.error",
                format!(
                    "The tenantid header is missing or does not match the session's org. rpcId: {}",
                    rpc_id()
                ),
            ));
        }
        if let Some(instance) = md.get("instanceurl").and_then(|v| v.to_str().ok()) {
            if instance.trim_end_matches('/') != session.instance_url.trim_end_matches('/') {
                return Err(status(
                    tonic::Code::Unauthenticated,
                    "sfdc.platform.eventbus.grpc.service.auth.error",
                    format!(
                        "The instanceurl header does not match the session. rpcId: {}",
                        rpc_id()
                    ),
                ));
            }
        }
        Ok((session, token.to_string()))
    }

    /// Resolves a topic name, or NOT_FOUND as Salesforce words it.
    pub(crate) fn topic(&self, name: &str) -> Result<Topic, Status> {
        let not_found = || {
            status(
                tonic::Code::NotFound,
                "sfdc.platform.eventbus.grpc.service.topic.not.found",
                format!(
                    "The topic {} does not exist or you don't have access to it. rpcId: {}",
                    name.chars().take(MAX_NAME_LEN).collect::<String>(),
                    rpc_id()
                ),
            )
        };
        if name.len() > MAX_NAME_LEN {
            return Err(not_found());
        }
        if name == ALL_CHANGE_EVENTS {
            return Ok(Topic {
                name: name.to_string(),
                entities: None,
            });
        }
        let event = name
            .strip_prefix("/data/")
            .and_then(|n| n.strip_suffix("ChangeEvent"))
            .filter(|n| !n.is_empty())
            .ok_or_else(not_found)?;
        let entity = match event.strip_suffix("__") {
            Some(base) => format!("{base}__c"),
            None => event.to_string(),
        };
        let schema = self.state.db.schema();
        let object = schema.object(&entity).ok_or_else(not_found)?;
        if avro::event_name(&object.name) != name["/data/".len()..] {
            return Err(not_found());
        }
        Ok(Topic {
            name: name.to_string(),
            entities: Some(vec![object.name.clone()]),
        })
    }

    /// The change-event schema of one entity.
    pub(crate) fn entity_schema(&self, entity: &str) -> Result<Option<EntitySchema>, Status> {
        let schema = self.state.db.schema();
        let Some(object) = schema.object(entity) else {
            return Ok(None);
        };
        avro::entity_schema(object).map(Some).map_err(|e| {
            tracing::error!(error.message = %e, entity, "cannot build the change-event schema");
            Status::internal("internal error building the event schema")
        })
    }
}

fn same_org(a: &str, b: &str) -> bool {
    // 15- and 18-character forms of one id match on their first 15 characters.
    a.len() >= 15 && b.len() >= 15 && a.get(..15) == b.get(..15)
}

type FetchStream = Pin<Box<dyn Stream<Item = Result<FetchResponse, Status>> + Send + 'static>>;
type PublishStream = Pin<Box<dyn Stream<Item = Result<PublishResponse, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl PubSub for PubSubService {
    type SubscribeStream = FetchStream;
    type PublishStreamStream = PublishStream;

    async fn get_topic(
        &self,
        request: Request<TopicRequest>,
    ) -> Result<Response<TopicInfo>, Status> {
        self.authenticate(request.metadata())?;
        let topic = self.topic(&request.get_ref().topic_name)?;
        let schema_id = match topic.entities.as_deref() {
            Some([entity]) => self
                .entity_schema(entity)?
                .map(|s| s.id)
                .unwrap_or_default(),
            _ => String::new(),
        };
        Ok(Response::new(TopicInfo {
            topic_name: topic.name,
            tenant_guid: self.state.db.org_id().to_string(),
            can_publish: false,
            can_subscribe: true,
            schema_id,
            rpc_id: rpc_id(),
        }))
    }

    async fn get_schema(
        &self,
        request: Request<SchemaRequest>,
    ) -> Result<Response<SchemaInfo>, Status> {
        self.authenticate(request.metadata())?;
        let id = &request.get_ref().schema_id;
        let objects: Vec<String> = self
            .state
            .db
            .schema()
            .objects()
            .map(|o| o.name.clone())
            .collect();
        if id.len() <= MAX_NAME_LEN {
            for name in objects {
                if let Some(s) = self.entity_schema(&name)?.filter(|s| &s.id == id) {
                    return Ok(Response::new(SchemaInfo {
                        schema_json: s.json,
                        schema_id: s.id,
                        rpc_id: rpc_id(),
                    }));
                }
            }
        }
        Err(status(
            tonic::Code::NotFound,
            "sfdc.platform.eventbus.grpc.schema.not.found",
            format!(
                "The schema ID is invalid or doesn't exist. rpcId: {}",
                rpc_id()
            ),
        ))
    }

    async fn subscribe(
        &self,
        request: Request<Streaming<FetchRequest>>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let (_, token) = self.authenticate(request.metadata())?;
        let stream = super::subscribe::start(self.clone(), token, request.into_inner()).await?;
        Ok(Response::new(Box::pin(stream)))
    }

    async fn publish(
        &self,
        request: Request<PublishRequest>,
    ) -> Result<Response<PublishResponse>, Status> {
        self.authenticate(request.metadata())?;
        Err(Status::unimplemented(
            "Publishing is not supported by the simulator: change-event topics are read-only",
        ))
    }

    async fn publish_stream(
        &self,
        request: Request<Streaming<PublishRequest>>,
    ) -> Result<Response<Self::PublishStreamStream>, Status> {
        self.authenticate(request.metadata())?;
        Err(Status::unimplemented(
            "Publishing is not supported by the simulator: change-event topics are read-only",
        ))
    }
}
