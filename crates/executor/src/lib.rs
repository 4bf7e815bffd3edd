//! Runs one BigCommerce step by interpreting the action registry.
//!
//! A [`Step`] is checked when it is made ([`Step::new`]): the step name, the action id,
//! the store hash, and every parameter (literal values coerced and checked, templates
//! parsed). [`Executor::execute`] then takes the step and the outputs of earlier steps,
//! and:
//!
//! 1. renders the templates and checks what they give ([`params::Params::render`]), into
//!    the only type a request can be built from ([`params::ValidatedParams`]);
//! 2. builds the request from the action's data ([`request::build`]);
//! 3. resolves the token through a [`CredentialStore`] and sends the request through the
//!    transport's one send path ([`bigcommerce_api::StoreClient::send`]);
//! 4. returns an [`Output`], exactly `{"data": …, "action": "<id>", "storeHash": "<hash>"}`,
//!    or an [`ExecError`] with a stable code and a message that says what to do.
//!
//! There is no per-action code here: everything an action does is data in
//! `syncaut_actions`. Workflow files, environment variables and the sandbox are not known
//! here either (see the `syncaut-workflow` crate).

mod credentials;
mod error;
mod lookups;
pub mod options;
mod output;
mod paging;
pub mod params;
mod raw;
mod redact;
pub mod request;
mod response;
mod store_info;
pub mod template;

use std::sync::Arc;

use bigcommerce_api::{
    Answer, ApiVersion, Call, SecretString, Stats, StoreClient, StoreHash, Transport, TransportConfig,
};
use serde_json::{Map, Value};
use syncaut_actions::{Action, Control, Method, Pagination, ResponseShape, StepName};

pub use crate::credentials::{CredentialError, CredentialSource, CredentialStore, NoCredentials, TokenFuture};
pub use crate::error::ExecError;
pub use crate::options::{OptionItem, OptionsPage, OptionsQuery};
pub use crate::output::{ENVELOPE_KEYS, Output, StepOutputs};
pub use crate::params::{ParamValue, Params, ValidatedParams};
use crate::redact::{Redactor, neutralise};
pub use crate::request::{PreparedRequest, RequestPreview};
pub use crate::store_info::{StoreInfo, check_token};
pub use crate::template::Template;

/// One step, checked: everything that needs no network and no earlier step's output has
/// passed.
#[derive(Debug, Clone)]
pub struct Step {
    /// The step name later steps reference (`getOrders`).
    pub name: StepName,
    /// The store.
    pub store_hash: StoreHash,
    /// Where the token comes from.
    pub credential: CredentialSource,
    /// The action's parameters: literals checked, templates parsed.
    pub params: Params,
    /// `forEach`: a template giving a list; the step then runs once per item, `{{item}}`
    /// being the item, and outputs the list of what each run output as `data`.
    pub for_each: Option<Template>,
}

/// The name by which a step run for each item of a list reads the item (`{{item.id}}`).
pub const ITEM: &str = "item";

/// The most items a `forEach` step runs for.
pub const MAX_FOR_EACH_ITEMS: usize = 1000;

impl Step {
    /// Checks a step as a user configured it.
    pub fn new(
        name: &str,
        action: &str,
        store_hash: &str,
        credential: CredentialSource,
        params: &Map<String, Value>,
    ) -> Result<Self, ExecError> {
        let name = StepName::new(name)?;
        let action = find_action(action)?;
        let store_hash = StoreHash::new(store_hash)?;
        let params = Params::check(action, params)?;
        Ok(Self {
            name,
            store_hash,
            credential,
            params,
            for_each: None,
        })
    }

    /// The action.
    pub fn action(&self) -> &'static Action {
        self.params.action()
    }

    /// The request this step would send, its templates shown as written (a dry run).
    pub fn preview(&self, config: &TransportConfig) -> RequestPreview {
        request::preview(&self.params, config, &self.store_hash)
    }
}

/// The action with this id, or an error suggesting the nearest ones.
pub fn find_action(id: &str) -> Result<&'static Action, ExecError> {
    syncaut_actions::find(id).ok_or_else(|| ExecError::UnknownAction {
        id: id.chars().take(100).collect(),
        suggestions: syncaut_actions::nearest_ids(id, 3),
    })
}

/// A step whose templates are rendered and whose request is built.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The action.
    pub action: &'static Action,
    /// The store.
    pub store_hash: StoreHash,
    /// The validated parameters.
    pub params: ValidatedParams,
    /// The request they make.
    pub request: PreparedRequest,
}

impl Prepared {
    /// The value of an executor option (`return_all`, `limit`), if given.
    pub fn control(&self, control: Control) -> Option<&Value> {
        let param = self
            .action
            .params
            .iter()
            .find(|p| p.wire == syncaut_actions::Wire::Control(control))?;
        self.params.get(param.key)
    }

    /// The ID of the record a single-record action is about.
    fn record_id(&self) -> Option<i64> {
        let record = self.action.record?;
        self.params.get(record.id_param).and_then(Value::as_i64)
    }

    /// Whether this is a "return all".
    fn returns_all(&self) -> bool {
        self.action.pagination != Pagination::None && self.control(Control::ReturnAll) == Some(&Value::Bool(true))
    }
}

/// The request with its page size set to a `limit` the user gave without a page size, so
/// that the one page fetched holds as many records as asked for (up to the largest page).
fn with_page_size(request: &PreparedRequest, paging: &syncaut_actions::Paging, limit: u64) -> PreparedRequest {
    let mut request = request.clone();
    if !request.query.iter().any(|(name, _)| name == paging.limit_param) {
        let size = limit.clamp(1, paging.max_page_size);
        request.query.push((paging.limit_param.to_owned(), size.to_string()));
    }
    request
}

/// The one record a search found: none is `not_found`, several are `ambiguous`.
fn one_match(prepared: &Prepared, noun: &'static str, data: Value) -> Result<Value, ExecError> {
    let criteria = || {
        prepared
            .params
            .iter()
            .map(|(param, value)| format!("{} {}", param.key, value))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let Value::Array(mut found) = data else {
        return Err(ExecError::InvalidResponse {
            status: 200,
            reason: "a V3 search should answer a `data` list".into(),
        });
    };
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(ExecError::NoMatch {
            what: format!("no {noun} has {}", criteria()),
            hint: "check the value (it must match exactly), or whether the record was deleted".into(),
            store_hash: prepared.store_hash.to_string(),
        }),
        several => Err(ExecError::Ambiguous {
            what: format!("{several} {noun}s have {}", criteria()),
            candidates: found
                .iter()
                .take(10)
                .map(|record| format!("ID {}", record.get("id").unwrap_or(&Value::Null)))
                .collect::<Vec<_>>()
                .join(", "),
            hint: format!("Give a value that only one {noun} has, or use the list action to see them all"),
        }),
    }
}

/// Called as pages of a "return all" arrive: (pages done, pages in all, 0 if unknown).
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Runs steps. Stateless apart from the shared transport (connection pool, rate budgets);
/// cheap to clone.
#[derive(Clone)]
pub struct Executor {
    transport: Transport,
    progress: Option<Progress>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl Executor {
    /// An executor over a transport configuration (rate budgets in this process).
    pub fn new(config: &TransportConfig) -> Result<Self, ExecError> {
        Ok(Self::with_transport(Transport::new(config)?))
    }

    /// An executor over an existing transport (to share its budgets).
    pub fn with_transport(transport: Transport) -> Self {
        Self {
            transport,
            progress: None,
        }
    }

    /// Reports the pages of every "return all" as they arrive (for a progress bar).
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The transport.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Renders the step's templates against earlier outputs, checks what they give and
    /// builds the request. Needs no token and sends nothing.
    pub fn prepare(&self, step: &Step, outputs: &StepOutputs) -> Result<Prepared, ExecError> {
        let params = step.params.render(outputs)?;
        let request = if step.action().kind == syncaut_actions::ActionKind::Raw {
            raw::resolve(&params)?.request
        } else {
            request::build(&params)
        };
        Ok(Prepared {
            action: step.action(),
            store_hash: step.store_hash.clone(),
            params,
            request,
        })
    }

    /// Runs a step: prepare, resolve the credential, send, and shape the output; with
    /// `forEach`, once per item, in order, stopping at the first failure. What it took
    /// (requests, retries, waits, bytes) is added to `stats`.
    pub async fn execute(
        &self,
        step: &Step,
        outputs: &StepOutputs,
        credentials: &dyn CredentialStore,
        stats: &Stats,
    ) -> Result<Output, ExecError> {
        match &step.for_each {
            None => self.execute_one(step, outputs, credentials, stats).await,
            Some(list) => Box::pin(self.execute_each(step, list, outputs, credentials, stats)).await,
        }
    }

    async fn execute_each(
        &self,
        step: &Step,
        list: &Template,
        outputs: &StepOutputs,
        credentials: &dyn CredentialStore,
        stats: &Stats,
    ) -> Result<Output, ExecError> {
        let rendered = list.render(outputs).map_err(|err| ExecError::Template {
            field: "forEach".into(),
            expression: err.expression,
            reason: err.reason,
        })?;
        let items = match rendered {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => {
                return Err(ExecError::InvalidParam {
                    key: "forEach".into(),
                    message: format!(
                        "`{}` must give a list, such as {{{{getOrders.data}}}}; it gave {}",
                        list.source(),
                        match other {
                            Value::Object(_) => "an object",
                            Value::String(_) => "text",
                            Value::Number(_) => "a number",
                            _ => "true or false",
                        }
                    ),
                });
            }
        };
        if items.len() > MAX_FOR_EACH_ITEMS {
            return Err(ExecError::InvalidParam {
                key: "forEach".into(),
                message: format!(
                    "`{}` gave {} items; a step runs for at most {MAX_FOR_EACH_ITEMS}: narrow the list (limit, filters)",
                    list.source(),
                    items.len()
                ),
            });
        }
        let count = items.len();
        let mut scoped = outputs.clone();
        let mut data = Vec::with_capacity(count);
        for (index, item) in items.into_iter().enumerate() {
            scoped.insert(ITEM, Output::from_value(item));
            match self.execute_one(step, &scoped, credentials, stats).await {
                Ok(output) => data.push(output.into_data()),
                Err(source) => {
                    return Err(ExecError::ItemFailed {
                        item: index + 1,
                        items: count,
                        source: Box::new(source),
                    });
                }
            }
        }
        Ok(Output::step(
            Value::Array(data),
            step.action().id,
            step.store_hash.clone(),
        ))
    }

    async fn execute_one(
        &self,
        step: &Step,
        outputs: &StepOutputs,
        credentials: &dyn CredentialStore,
        stats: &Stats,
    ) -> Result<Output, ExecError> {
        let prepared = self.prepare(step, outputs)?;
        let token = match &step.credential {
            CredentialSource::Token(token) => std::borrow::Cow::Borrowed(token),
            CredentialSource::Named(name) => {
                std::borrow::Cow::Owned(credentials.token(name).await.map_err(|err| match err {
                    CredentialError::NotFound => ExecError::CredentialNotFound(name.clone()),
                    CredentialError::Unavailable(reason) => ExecError::CredentialUnavailable {
                        name: name.clone(),
                        reason,
                    },
                })?)
            }
        };
        self.send(&prepared, &token, stats).await
    }

    /// Sends a prepared step with its token and shapes the output envelope. Anything the
    /// server said that reaches an error is cleaned of the token and of control characters.
    pub async fn send(&self, prepared: &Prepared, token: &SecretString, stats: &Stats) -> Result<Output, ExecError> {
        let store = self.transport.store(prepared.store_hash.clone(), token)?;
        let call = Call::new(stats, self.transport.config().step_deadline);
        let result = if prepared.returns_all() {
            // Boxed: the paging future is large, and single requests should not carry it.
            Box::pin(self.fetch_all(&store, prepared, &call)).await
        } else {
            self.send_one(&store, prepared, &call).await
        };
        result.map_err(|err| {
            let redactor = Redactor::new(token);
            err.map_server_text(&|text| neutralise(&redactor.text(text)))
        })
    }

    async fn send_one(&self, store: &StoreClient, prepared: &Prepared, call: &Call<'_>) -> Result<Output, ExecError> {
        let action = prepared.action;
        if let (Some(exists), Some(id)) = (action.exists, prepared.record_id()) {
            self.check_exists(store, prepared, exists, id, call).await?;
        }
        let limit = prepared.control(Control::Limit).and_then(Value::as_u64);
        let adjusted;
        let request = match (limit, action.pagination) {
            (Some(limit), Pagination::Pages(paging)) => {
                adjusted = with_page_size(&prepared.request, &paging, limit);
                &adjusted
            }
            _ if action.body_lookups.is_empty() => &prepared.request,
            _ => {
                adjusted = self.with_lookups(store, prepared, call).await?;
                &adjusted
            }
        };
        if let Some(batch) = action.batch {
            let data = self.send_batches(store, prepared, request, batch, call).await?;
            return Ok(Output::step(data, action.id, prepared.store_hash.clone()));
        }
        let answer = self.exchange(store, prepared, request, call).await?;
        // A DELETE sent again after an attempt that may have reached BigCommerce finds
        // nothing: the first attempt deleted it.
        let deleted_before = answer.status == 404 && answer.repeated && action.response == ResponseShape::Deleted;
        if !(200..300).contains(&answer.status) && !deleted_before {
            return Err(self.interpret_failure(store, prepared, request, &answer, call).await);
        }
        let mut data = response::data(action, prepared.record_id(), prepared.store_hash.as_str(), &answer)?;
        if let ResponseShape::OneMatch { noun } = action.response {
            data = one_match(prepared, noun, data)?;
        }
        if let (Some(limit), Value::Array(items)) = (limit, &mut data) {
            items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(Output::step(data, action.id, prepared.store_hash.clone()))
    }

    /// Sends a list parameter in batches of at most `batch.max_items`, in order, the rest
    /// of the body the same each time. A failed batch stops the step and says which items
    /// were applied.
    async fn send_batches(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        request: &PreparedRequest,
        batch: syncaut_actions::Batch,
        call: &Call<'_>,
    ) -> Result<Value, ExecError> {
        let pointer = match prepared.action.param(batch.param).map(|p| p.wire) {
            Some(syncaut_actions::Wire::Body(pointer)) => pointer,
            _ => "",
        };
        let items: Vec<Value> = request
            .body
            .as_ref()
            .and_then(|body| {
                if pointer.is_empty() {
                    Some(body)
                } else {
                    body.pointer(pointer)
                }
            })
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let total = items.len();
        let batches = total.div_ceil(batch.max_items.max(1)).max(1);
        let mut results = Vec::with_capacity(batches);
        let mut records = Vec::new();
        for (index, chunk) in items.chunks(batch.max_items.max(1)).enumerate() {
            let first = index * batch.max_items + 1;
            let last = first + chunk.len() - 1;
            let failed = |source: ExecError| ExecError::BatchFailed {
                batch: index + 1,
                batches,
                first,
                last,
                total,
                source: Box::new(source),
            };
            let mut one = request.clone();
            let list = Value::Array(chunk.to_vec());
            match (&mut one.body, pointer) {
                (Some(body), "") => *body = list,
                (Some(body), pointer) => {
                    if let Some(slot) = body.pointer_mut(pointer) {
                        *slot = list;
                    }
                }
                (None, _) => {}
            }
            let answer = self.exchange(store, prepared, &one, call).await.map_err(failed)?;
            if !(200..300).contains(&answer.status) {
                return Err(failed(
                    self.interpret_failure(store, prepared, &one, &answer, call).await,
                ));
            }
            let result =
                response::data(prepared.action, None, prepared.store_hash.as_str(), &answer).map_err(failed)?;
            // A list answer's records are output once, in `records`; the batch says how many.
            results.push(match result {
                Value::Array(answered) => {
                    let count = answered.len();
                    records.extend(answered);
                    serde_json::json!({"batch": index + 1, "first": first, "last": last, "records": count})
                }
                result => serde_json::json!({"batch": index + 1, "first": first, "last": last, "result": result}),
            });
        }
        Ok(serde_json::json!({"items": total, "batches": results, "records": records}))
    }

    /// The request with the body fields its action looks up filled in (the default
    /// channel's category tree for a top-level category; an order's only shipping address
    /// and what is left to ship).
    async fn with_lookups(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        call: &Call<'_>,
    ) -> Result<PreparedRequest, ExecError> {
        let mut request = prepared.request.clone();
        for lookup in prepared.action.body_lookups {
            let given = prepared.params.get(lookup.param);
            let due = match lookup.when {
                syncaut_actions::When::Equals(value) => given == Some(&value.to_json()),
                syncaut_actions::When::Empty => given.is_none(),
                syncaut_actions::When::Given => given.is_some(),
            };
            // A path placeholder a parameter filled already needs no lookup.
            let into_path = lookup.into.starts_with('{');
            if !due || (into_path && !request.path.contains(lookup.into)) {
                continue;
            }
            let get = PreparedRequest {
                method: Method::Get,
                api_version: prepared.action.api_version,
                path: request::lookup_path(lookup.path, &prepared.params),
                query: lookup
                    .query
                    .iter()
                    .map(|pair| (pair.name.to_owned(), pair.value.to_owned()))
                    .collect(),
                body: None,
            };
            let answer = self.exchange(store, prepared, &get, call).await?;
            if !(200..300).contains(&answer.status) {
                return Err(self.interpret_failure(store, prepared, &get, &answer, call).await);
            }
            let body = if answer.status == 204 || answer.body.iter().all(u8::is_ascii_whitespace) {
                Value::Array(Vec::new())
            } else {
                serde_json::from_slice::<Value>(&answer.body).map_err(|e| ExecError::InvalidResponse {
                    status: answer.status,
                    reason: format!("the answer to GET {} is not JSON ({e})", get.path),
                })?
            };
            let value = lookups::pick(prepared, lookup, &get.path, &request, &body)?;
            if into_path {
                let id = value
                    .as_i64()
                    .map(|id| id.to_string())
                    .ok_or_else(|| ExecError::InvalidResponse {
                        status: answer.status,
                        reason: format!("GET {}: the record's `id` is not an integer", get.path),
                    })?;
                request.path = request.path.replace(lookup.into, &id);
            } else {
                request::set_in_body(&mut request, lookup.into, value);
            }
        }
        Ok(request)
    }

    /// Asks whether the record exists before a write whose own answer would not say
    /// (`GET /customers?id:in=ID` answers an empty `data` for one that does not).
    async fn check_exists(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        exists: syncaut_actions::Exists,
        id: i64,
        call: &Call<'_>,
    ) -> Result<(), ExecError> {
        let lookup = PreparedRequest {
            method: Method::Get,
            api_version: prepared.action.api_version,
            path: exists.path.to_owned(),
            query: vec![(exists.id_query.to_owned(), id.to_string())],
            body: None,
        };
        let answer = self.exchange(store, prepared, &lookup, call).await?;
        if !(200..300).contains(&answer.status) {
            return Err(self.interpret_failure(store, prepared, &lookup, &answer, call).await);
        }
        let found = serde_json::from_slice::<Value>(&answer.body).ok().and_then(|body| {
            body.get("data")
                .and_then(Value::as_array)
                .map(|items| !items.is_empty())
        });
        match (found, prepared.action.record) {
            (Some(true), _) => Ok(()),
            (Some(false), Some(record)) => Err(ExecError::RecordNotFound {
                noun: record.noun,
                id,
                store_hash: prepared.store_hash.to_string(),
            }),
            _ => Err(ExecError::InvalidResponse {
                status: answer.status,
                reason: format!("the lookup of {} {id} did not answer a `data` list", exists.path),
            }),
        }
    }

    /// One request through the transport's send path. An answer that echoes the token has
    /// it replaced before anything reads it.
    async fn exchange(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        request: &PreparedRequest,
        call: &Call<'_>,
    ) -> Result<Answer, ExecError> {
        let query = request.query_string();
        let url = store.url(request.api_version, &request.path, Some(&query));
        let http = store.request(request.http_method(), url, request.body_bytes());
        let mut answer = store
            .send(http, call)
            .await
            .map_err(|err| ExecError::from_send_error(err, prepared.action.id))?;
        if let Some(clean) = store.redact(&answer.body) {
            answer.body = clean;
        }
        Ok(answer)
    }

    /// The error for an answer that is not 2xx.
    async fn interpret_failure(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        request: &PreparedRequest,
        answer: &Answer,
        call: &Call<'_>,
    ) -> ExecError {
        let action = prepared.action;
        if action.kind == syncaut_actions::ActionKind::Raw && matches!(answer.status, 403 | 404) {
            return self.raw_failure(store, prepared, request, answer, call).await;
        }
        match answer.status {
            404 => self.not_found(store, prepared, call).await,
            status @ 500..=599 if request.method == Method::Post => ExecError::UncertainWrite {
                action: action.id,
                reason: format!("BigCommerce answered {status}"),
            },
            _ => response::failure(action, prepared.store_hash.as_str(), answer),
        }
    }

    /// A raw request's 403 names the scope of the operation it called; its 404 is the
    /// store's only when the store's clock does not answer either.
    async fn raw_failure(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        request: &PreparedRequest,
        answer: &Answer,
        call: &Call<'_>,
    ) -> ExecError {
        let store_hash = prepared.store_hash.to_string();
        if answer.status == 403 {
            let scope = raw::resolve(&prepared.params).map_or(prepared.action.scope, |r| raw::scope(&r));
            return ExecError::Forbidden {
                action: prepared.action.id,
                scope_label: scope.label,
                scope: scope.name,
                store_hash,
            };
        }
        let probe = store.request(reqwest::Method::GET, store.url(ApiVersion::V2, "/time", None), None);
        match store.send(probe, call).await {
            Ok(probed) if probed.status == 404 => ExecError::StoreNotFound(store_hash),
            _ => ExecError::NoMatch {
                what: format!(
                    "{} /{}{} found nothing",
                    request.method.as_str(),
                    request.api_version.as_str(),
                    request.path
                ),
                hint: "check the IDs in the path, or whether the record was deleted".into(),
                store_hash,
            },
        }
    }

    /// A 404 is either the record or the whole store. BigCommerce answers both the same
    /// way, so for a record we ask the store's clock (`GET /v2/time`, any token may read
    /// it): if the store answers, it was the record.
    async fn not_found(&self, store: &StoreClient, prepared: &Prepared, call: &Call<'_>) -> ExecError {
        let store_hash = prepared.store_hash.as_str().to_owned();
        let (Some(record), Some(id)) = (prepared.action.record, prepared.record_id()) else {
            return ExecError::StoreNotFound(store_hash);
        };
        let probe = store.request(reqwest::Method::GET, store.url(ApiVersion::V2, "/time", None), None);
        match store.send(probe, call).await {
            Ok(answer) if answer.status == 404 => ExecError::StoreNotFound(store_hash),
            _ => ExecError::RecordNotFound {
                noun: record.noun,
                id,
                store_hash,
            },
        }
    }
}
