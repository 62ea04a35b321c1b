//! `/v1/admin/knowledge`: the tenant's knowledge articles — list and search
//! with usage (times cited, resolutions, resolution rate), one article with
//! its versions, create, new version, retire, and import of files (Markdown,
//! HTML, text, JSON, JSON Lines, CSV — the same readers as `concierge kb
//! ingest`). Admins write; agents and supervisors read.
//!
//! Writes go through the knowledge base, which indexes them at once, so the
//! next search (and the next answer) sees the change. Without a knowledge
//! base (a server started without the engine) articles are stored only.

use std::collections::HashMap;

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use concierge_core::model::KnowledgeEntry;
use concierge_core::{KnowledgeId, Role};
use concierge_knowledge::article::slugify;
use concierge_knowledge::ingest::{parse, Format, IngestDefaults};
use concierge_knowledge::{ArticleInput, KnowledgeBase, KnowledgeError, SearchQuery};
use concierge_store::{KnowledgeUsage, NewKnowledgeVersion};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::state::AppState;

const READERS: &[Role] = &[Role::Admin, Role::Supervisor, Role::Agent];
const WRITERS: &[Role] = &[Role::Admin];

/// Largest JSON body of a create or update (an article body may be 512 KiB).
const ARTICLE_BODY_LIMIT: usize = 1024 * 1024;
/// Largest import upload, all files together.
pub const IMPORT_LIMIT_BYTES: usize = 8 * 1024 * 1024;
/// Largest single imported file.
pub const IMPORT_FILE_LIMIT_BYTES: usize = 2 * 1024 * 1024;
/// Most files in one import.
pub const IMPORT_MAX_FILES: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/admin/knowledge",
            get(list)
                .post(create)
                .layer(DefaultBodyLimit::max(ARTICLE_BODY_LIMIT)),
        )
        .route(
            "/v1/admin/knowledge/import",
            axum::routing::post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT_BYTES)),
        )
        .route(
            "/v1/admin/knowledge/{id}",
            get(read)
                .put(update)
                .delete(retire)
                .layer(DefaultBodyLimit::max(ARTICLE_BODY_LIMIT)),
        )
}

/// How often an article helped.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Usage {
    /// Answers that cited it.
    pub cited: i64,
    /// Resolved conversations whose answers cited it.
    pub resolved: i64,
    /// `resolved / cited`; `null` before it was cited.
    pub resolution_rate: Option<f64>,
    pub last_cited_at: Option<DateTime<Utc>>,
}

impl From<&KnowledgeUsage> for Usage {
    fn from(u: &KnowledgeUsage) -> Self {
        Self {
            cited: u.cited,
            resolved: u.resolved,
            resolution_rate: (u.cited > 0).then(|| u.resolved as f64 / u.cited as f64),
            last_cited_at: u.last_cited_at,
        }
    }
}

/// An article in a list (no body; an excerpt instead).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleSummary {
    #[schema(value_type = String, format = Uuid)]
    pub id: KnowledgeId,
    pub slug: String,
    pub title: String,
    /// The first 200 characters of the body.
    pub excerpt: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub language: String,
    pub source_url: Option<String>,
    /// The current version number (1 for a new article).
    pub version: i32,
    /// When the current version was written.
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub usage: Usage,
}

fn summary(e: &KnowledgeEntry, usage: Usage) -> ArticleSummary {
    ArticleSummary {
        id: e.id,
        slug: e.slug.clone(),
        title: e.title.clone(),
        excerpt: e.body.chars().take(200).collect(),
        category: e.category.clone(),
        tags: e.tags.clone(),
        language: e.language.clone(),
        source_url: e.source_url.clone(),
        version: e.version,
        updated_at: e.created_at,
        expires_at: e.expires_at,
        usage,
    }
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticlePage {
    pub items: Vec<ArticleSummary>,
    /// Matching articles in all pages.
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
}

/// Which articles to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Search words: the search index's best matches first, then articles
    /// whose title, body, slug or tags contain `q` (case-insensitive).
    /// Unset: every current article, by slug.
    pub q: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<usize>,
    /// Default 0.
    pub offset: Option<usize>,
}

fn knowledge(state: &AppState) -> Option<&KnowledgeBase> {
    state.services.as_ref().and_then(|e| e.knowledge())
}

/// The knowledge base's errors: bad input names its field, the rest is ours.
fn kb_error(e: KnowledgeError) -> ApiError {
    match e {
        KnowledgeError::Invalid {
            origin,
            field,
            message,
        } => ApiError::new(Code::Validation, format!("{field}: {message}"))
            .with_details(json!({ "field": field, "origin": origin })),
        KnowledgeError::Query { field, message } => ApiError::field(field, message),
        KnowledgeError::UnsupportedFormat(origin) => ApiError::new(
            Code::UnsupportedMedia,
            format!("{origin}: unsupported file type (expected .md, .markdown, .html, .htm, .txt, .json, .jsonl or .csv)"),
        )
        .with_details(json!({ "field": "files", "origin": origin })),
        KnowledgeError::Store(s) => s.into(),
        other => ApiError::internal(&other),
    }
}

/// Current articles with their usage, optionally searched.
#[utoipa::path(get, path = "/v1/admin/knowledge", tag = "knowledge", params(ListQuery),
    responses((status = 200, body = ArticlePage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    AppQuery(q): AppQuery<ListQuery>,
) -> ApiResult<Json<ArticlePage>> {
    p.require(READERS)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 200"));
    }
    let offset = q.offset.unwrap_or(0);
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.len() > 500) {
        return Err(ApiError::field("q", "must be at most 500 bytes"));
    }
    let articles = state.store.current_knowledge(p.org).await?;
    let usage: HashMap<KnowledgeId, Usage> = state
        .store
        .knowledge_usage(p.org)
        .await?
        .iter()
        .map(|u| (u.knowledge_id, Usage::from(u)))
        .collect();
    let matching: Vec<&KnowledgeEntry> = match text {
        None => articles.iter().collect(),
        Some(t) => {
            let mut order: Vec<KnowledgeId> = match knowledge(&state) {
                Some(kb) => search_ids(kb.clone(), p.org, t).await?,
                None => Vec::new(),
            };
            let needle = t.to_lowercase();
            for a in &articles {
                let hit = a.title.to_lowercase().contains(&needle)
                    || a.body.to_lowercase().contains(&needle)
                    || a.slug.contains(&needle)
                    || a.tags.iter().any(|tag| tag.to_lowercase() == needle);
                if hit && !order.contains(&a.id) {
                    order.push(a.id);
                }
            }
            let by_id: HashMap<KnowledgeId, &KnowledgeEntry> =
                articles.iter().map(|a| (a.id, a)).collect();
            order
                .iter()
                .filter_map(|id| by_id.get(id).copied())
                .collect()
        }
    };
    let total = matching.len();
    let items = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|e| summary(e, usage.get(&e.id).cloned().unwrap_or_default()))
        .collect();
    Ok(Json(ArticlePage {
        items,
        total,
        limit,
        offset,
    }))
}

/// The ids of the best-matching articles, best first (search is CPU work).
async fn search_ids(
    kb: KnowledgeBase,
    org: concierge_core::OrgId,
    text: &str,
) -> ApiResult<Vec<KnowledgeId>> {
    let query = SearchQuery {
        text: text.to_owned(),
        limit: 50,
        per_article: 1,
        ..Default::default()
    };
    let passages = tokio::task::spawn_blocking(move || kb.search(org, &query))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(kb_error)?;
    let mut ids = Vec::new();
    for passage in passages {
        if !ids.contains(&passage.citation.article_id) {
            ids.push(passage.citation.article_id);
        }
    }
    Ok(ids)
}

/// One article: its current version, every version, and its usage.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDetail {
    /// The current version, body included.
    pub article: KnowledgeEntry,
    /// Every version, newest first (bodies included).
    pub versions: Vec<KnowledgeEntry>,
    pub usage: Usage,
}

async fn detail(
    state: &AppState,
    org: concierge_core::OrgId,
    id: KnowledgeId,
) -> ApiResult<ArticleDetail> {
    let article = state.store.get_knowledge(org, id).await?;
    let versions = state.store.knowledge_versions(org, id).await?;
    let usage = state
        .store
        .knowledge_usage(org)
        .await?
        .iter()
        .find(|u| u.knowledge_id == id)
        .map(Usage::from)
        .unwrap_or_default();
    Ok(ArticleDetail {
        article,
        versions,
        usage,
    })
}

/// One current article with its versions.
#[utoipa::path(get, path = "/v1/admin/knowledge/{id}", tag = "knowledge",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ArticleDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<KnowledgeId>,
) -> ApiResult<Json<ArticleDetail>> {
    p.require(READERS)?;
    Ok(Json(detail(&state, p.org, id).await?))
}

/// An article as written by an admin.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleRequest {
    /// 1–300 characters.
    pub title: String,
    /// Markdown, up to 512 KiB.
    pub body: String,
    /// Stable key (a-z, 0-9, `-`, `_`, `.`; ≤ 128). Create only; default: from the title.
    pub slug: Option<String>,
    pub category: Option<String>,
    /// Up to 32.
    #[serde(default)]
    pub tags: Vec<String>,
    /// ISO 639-1 (default `en`).
    pub language: Option<String>,
    pub source_url: Option<String>,
    /// After this instant the article is no longer served.
    pub expires_at: Option<DateTime<Utc>>,
}

impl ArticleRequest {
    fn into_input(self, slug: String) -> ArticleInput {
        ArticleInput {
            slug,
            title: self.title,
            body: self.body,
            category: self.category.filter(|c| !c.trim().is_empty()),
            tags: self.tags,
            language: self.language.unwrap_or_else(|| "en".to_owned()),
            source_url: self.source_url.filter(|u| !u.trim().is_empty()),
            source_version: None,
            expires_at: self.expires_at,
            translation_of: None,
        }
    }
}

/// Stores `input` (indexed at once when the knowledge base runs).
async fn write(
    state: &AppState,
    org: concierge_core::OrgId,
    id: Option<KnowledgeId>,
    input: &ArticleInput,
) -> ApiResult<KnowledgeId> {
    input.validate("article").map_err(kb_error)?;
    if let Some(kb) = knowledge(state) {
        kb.ingest(org, std::slice::from_ref(input))
            .await
            .map_err(kb_error)?;
        let stored = state.store.current_knowledge(org).await?;
        return stored
            .iter()
            .find(|e| e.slug == input.slug)
            .map(|e| e.id)
            .ok_or_else(|| ApiError::new(Code::Internal, "the article was not stored"));
    }
    let entry = state
        .store
        .put_knowledge(
            org,
            &NewKnowledgeVersion {
                id,
                title: input.title.clone(),
                body: input.body.clone(),
                category: input.category.clone(),
                tags: input.tags.clone(),
                language: input.language.clone(),
                source_url: input.source_url.clone(),
                slug: Some(input.slug.clone()),
                expires_at: input.expires_at,
                translation_of: input.translation_of.clone(),
                content_hash: None,
            },
        )
        .await?;
    Ok(entry.id)
}

/// Creates an article (version 1).
#[utoipa::path(post, path = "/v1/admin/knowledge", tag = "knowledge", request_body = ArticleRequest,
    responses((status = 201, body = ArticleDetail), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "A current article has that slug"),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    AppJson(req): AppJson<ArticleRequest>,
) -> ApiResult<(StatusCode, Json<ArticleDetail>)> {
    p.require(WRITERS)?;
    let slug = match &req.slug {
        Some(s) => s.clone(),
        None => slugify(&req.title),
    };
    if slug.is_empty() {
        return Err(ApiError::field("title", "must contain a letter or digit"));
    }
    let current = state.store.current_knowledge(p.org).await?;
    if current.iter().any(|e| e.slug == slug) {
        return Err(ApiError::new(
            Code::Conflict,
            format!("slug: `{slug}` is taken by a current article"),
        )
        .with_details(json!({ "field": "slug" })));
    }
    let id = write(&state, p.org, None, &req.into_input(slug)).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, p.org, id).await?)))
}

/// Writes a new version of an article (its slug stays).
#[utoipa::path(put, path = "/v1/admin/knowledge/{id}", tag = "knowledge", request_body = ArticleRequest,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ArticleDetail), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<KnowledgeId>,
    AppJson(req): AppJson<ArticleRequest>,
) -> ApiResult<Json<ArticleDetail>> {
    p.require(WRITERS)?;
    let current = state.store.get_knowledge(p.org, id).await?;
    if req.slug.as_ref().is_some_and(|s| *s != current.slug) {
        return Err(ApiError::field(
            "slug",
            "cannot change; create a new article instead",
        ));
    }
    let mut input = req.into_input(current.slug.clone());
    input.translation_of = current.translation_of.clone();
    write(&state, p.org, Some(id), &input).await?;
    Ok(Json(detail(&state, p.org, id).await?))
}

/// Retires an article: it is no longer served or searched (its history stays).
#[utoipa::path(delete, path = "/v1/admin/knowledge/{id}", tag = "knowledge",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 204, description = "Retired"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn retire(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<KnowledgeId>,
) -> ApiResult<StatusCode> {
    p.require(WRITERS)?;
    let done = match knowledge(&state) {
        Some(kb) => kb.retire(p.org, id).await.map_err(kb_error)?,
        None => state.store.retire_knowledge(p.org, id).await?,
    };
    if done {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(Code::NotFound, "knowledge entry not found"))
    }
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Files read.
    pub files: usize,
    /// Articles found in them.
    pub articles: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Search chunks indexed (0 without a knowledge base).
    pub chunks: usize,
    /// The slugs imported, in file order.
    pub slugs: Vec<String>,
}

/// The multipart form of an import (for the OpenAPI document).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// One or more files (`.md`, `.markdown`, `.html`, `.htm`, `.txt`, `.json`,
    /// `.jsonl`, `.ndjson`, `.csv`), each ≤ 2 MiB, ≤ 50 files, ≤ 8 MiB in all.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
    /// Language of articles that do not name one (default `en`).
    pub language: Option<String>,
    /// Category of articles that do not name one.
    pub category: Option<String>,
}

/// Imports articles from uploaded files, all or nothing: a bad file fails
/// the import, naming the file and field, before anything is stored.
#[utoipa::path(post, path = "/v1/admin/knowledge/import", tag = "knowledge",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    p: Principal,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<ImportReport>> {
    p.require(WRITERS)?;
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            Code::UnsupportedMedia,
            "send the files as multipart/form-data",
        )
    })?;
    let mut defaults = IngestDefaults::default();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "files" | "file" => {
                let file_name = field
                    .file_name()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::field("files", "each file needs a file name"))?;
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if bytes.len() > IMPORT_FILE_LIMIT_BYTES {
                    return Err(ApiError::new(
                        Code::PayloadTooLarge,
                        format!("{file_name}: larger than {IMPORT_FILE_LIMIT_BYTES} bytes"),
                    )
                    .with_details(json!({ "field": "files", "origin": file_name })));
                }
                files.push((file_name, bytes.to_vec()));
                if files.len() > IMPORT_MAX_FILES {
                    return Err(ApiError::field(
                        "files",
                        format!("at most {IMPORT_MAX_FILES} files per import"),
                    ));
                }
            }
            "language" => defaults.language = field.text().await.map_err(multipart_error)?,
            "category" => {
                let c = field.text().await.map_err(multipart_error)?;
                defaults.category = (!c.trim().is_empty()).then_some(c);
            }
            other => {
                return Err(ApiError::field(
                    other,
                    "unknown form field (expected files, language, category)",
                ))
            }
        }
    }
    if files.is_empty() {
        return Err(ApiError::field("files", "upload at least one file"));
    }
    let mut articles: Vec<ArticleInput> = Vec::new();
    for (name, bytes) in &files {
        let path = std::path::Path::new(name);
        let format = Format::from_path(path)
            .ok_or_else(|| kb_error(KnowledgeError::UnsupportedFormat(name.clone())))?;
        let text = std::str::from_utf8(bytes).map_err(|e| {
            ApiError::new(
                Code::Validation,
                format!("{name}: not UTF-8 text (byte {})", e.valid_up_to()),
            )
            .with_details(json!({ "field": "files", "origin": name }))
        })?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("article");
        articles.extend(parse(format, text, name, stem, &defaults).map_err(kb_error)?);
    }
    if articles.is_empty() {
        return Err(ApiError::field("files", "the files hold no articles"));
    }
    for a in &articles {
        a.validate(&a.slug).map_err(kb_error)?;
    }
    let slugs: Vec<String> = articles.iter().map(|a| a.slug.clone()).collect();
    let report = match knowledge(&state) {
        Some(kb) => kb.ingest(p.org, &articles).await.map_err(kb_error)?,
        None => {
            let mut r = concierge_knowledge::IngestReport::default();
            for a in &articles {
                write(&state, p.org, None, a).await?;
                r.created += 1;
            }
            r
        }
    };
    Ok(Json(ImportReport {
        files: files.len(),
        articles: articles.len(),
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        chunks: report.chunks,
        slugs,
    }))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            Code::PayloadTooLarge,
            format!("the upload is larger than {IMPORT_LIMIT_BYTES} bytes"),
        )
    } else {
        ApiError::new(
            Code::MalformedRequest,
            "the multipart body could not be read",
        )
    }
}
