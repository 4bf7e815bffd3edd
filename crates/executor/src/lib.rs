//! Runs one BigCommerce workflow step by interpreting the action registry.
//!
//! [`Executor::execute`] takes a [`Step`] (name, action, store hash, credential,
//! parameters) and the outputs of earlier steps, and:
//!
//! 1. checks the step name, the action id and the store hash;
//! 2. renders `{{…}}` templates and validates parameters into [`ValidatedParams`]
//!    ([`params::validate`]);
//! 3. builds the request from the action's data ([`request::build`]);
//! 4. resolves the token through a [`CredentialStore`] and sends the request over the
//!    shared [`bigcommerce_api::Transport`];
//! 5. returns an [`Output`], `{"data": …, "action": "<id>", "storeHash": "<hash>"}`, or an
//!    [`ExecError`] with a stable code and a message that says what to do.
//!
//! There is no per-action code here: everything an action does is data in
//! `syncaut_actions`.

mod credentials;
mod error;
mod http;
mod output;
mod paging;
pub mod params;
pub mod request;
mod response;
pub mod template;
pub mod workflow;

use std::sync::Arc;

use bigcommerce_api::{ApiVersion, ExposeSecret, SecretString, StoreClient, StoreHash, Transport, TransportConfig};
use serde_json::{Map, Value};
use syncaut_actions::{Action, Control, Method, Pagination};

pub use crate::credentials::{CredentialError, CredentialSource, CredentialStore, NoCredentials};
pub use crate::error::ExecError;
pub use crate::output::{Output, StepOutputs};
pub use crate::params::ValidatedParams;
pub use crate::request::PreparedRequest;

/// One step of a workflow, as configured by the user.
#[derive(Debug, Clone)]
pub struct Step {
    /// The step name later steps reference (`getOrders`).
    pub name: String,
    /// The action id (`get_orders`).
    pub action: String,
    /// The store hash (`abc123xyz`).
    pub store_hash: String,
    /// Where the token comes from.
    pub credential: CredentialSource,
    /// Parameter values as entered: plain JSON, or text with `{{…}}` templates.
    pub params: Map<String, Value>,
}

/// A step that passed every check and is ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The action.
    pub action: &'static Action,
    /// The validated store hash.
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
}

/// Called as pages of a "return all" arrive: (pages done, pages in all, 0 if unknown).
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Runs steps. Stateless apart from the shared connection pool and the stores' rate-limit
/// state; cheap to clone.
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
    /// An executor over a transport configuration.
    pub fn new(config: &TransportConfig) -> Result<Self, ExecError> {
        Ok(Self {
            transport: Transport::new(config)?,
            progress: None,
        })
    }

    /// Reports the pages of every "return all" as they arrive (for a progress bar).
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// An executor for BigCommerce, or for `SYNCAUT_BIGCOMMERCE_API_URL` when it is set.
    pub fn from_env() -> Result<Self, ExecError> {
        Self::new(&TransportConfig::from_env()?)
    }

    /// The API base of a store for an API version, as requests will use it.
    pub fn api_base(&self, store_hash: &StoreHash, version: ApiVersion) -> String {
        format!(
            "{}/stores/{}/{}",
            self.transport.config().base_url(),
            store_hash,
            version
        )
    }

    /// Every check that needs no token or network: step name, action, store hash,
    /// templates and parameters. A dry run stops here.
    pub fn prepare(&self, step: &Step, outputs: &StepOutputs) -> Result<Prepared, ExecError> {
        self.prepare_with(step, outputs, params::Templates::Render)
    }

    /// [`Self::prepare`], choosing what happens to templates ([`params::Templates::Defer`]
    /// for a dry run of a workflow whose earlier steps have not run).
    pub fn prepare_with(
        &self,
        step: &Step,
        outputs: &StepOutputs,
        templates: params::Templates,
    ) -> Result<Prepared, ExecError> {
        if !syncaut_actions::schema::is_valid_step_name(&step.name) {
            return Err(ExecError::InvalidStepName(step.name.chars().take(100).collect()));
        }
        let action = syncaut_actions::find(&step.action).ok_or_else(|| ExecError::UnknownAction {
            id: step.action.chars().take(100).collect(),
            suggestions: syncaut_actions::nearest_ids(&step.action, 3),
        })?;
        let store_hash = StoreHash::new(&step.store_hash)
            .map_err(|_| ExecError::InvalidStoreHash(step.store_hash.chars().take(64).collect()))?;
        let params = params::validate_with(action, &step.params, outputs, templates)?;
        let request = request::build(&params);
        Ok(Prepared {
            action,
            store_hash,
            params,
            request,
        })
    }

    /// Runs a step: prepare, resolve the credential, send, and shape the output.
    pub async fn execute(
        &self,
        step: &Step,
        outputs: &StepOutputs,
        credentials: &dyn CredentialStore,
    ) -> Result<Output, ExecError> {
        let prepared = self.prepare(step, outputs)?;
        let token = match &step.credential {
            CredentialSource::Token(token) => std::borrow::Cow::Borrowed(token),
            CredentialSource::Named(name) => {
                std::borrow::Cow::Owned(credentials.token(name).map_err(|err| match err {
                    CredentialError::NotFound => ExecError::CredentialNotFound(name.clone()),
                    CredentialError::Unavailable(reason) => ExecError::CredentialUnavailable {
                        name: name.clone(),
                        reason,
                    },
                })?)
            }
        };
        self.send(&prepared, &token).await
    }

    /// Sends a prepared step with its token and shapes the output envelope.
    pub async fn send(&self, prepared: &Prepared, token: &SecretString) -> Result<Output, ExecError> {
        let store = self.transport.store(prepared.store_hash.clone(), token)?;
        let result = self.send_to(&store, prepared).await;
        result.map_err(|err| scrub(err, token))
    }

    async fn send_to(&self, store: &StoreClient, prepared: &Prepared) -> Result<Output, ExecError> {
        let action = prepared.action;
        if action.pagination != Pagination::None && prepared.control(Control::ReturnAll) == Some(&Value::Bool(true)) {
            // Boxed: the paging future is large, and single requests should not carry it.
            return Box::pin(self.fetch_all(store, prepared)).await;
        }
        let stats = http::Stats::default();
        let answer = self
            .exchange(store, action, action.api_version, &prepared.request, &stats)
            .await?;
        if !(200..300).contains(&answer.status) {
            return Err(self.interpret_failure(store, prepared, &answer).await);
        }
        let data = response::data(
            action,
            prepared.record_id(),
            prepared.store_hash.as_str(),
            &answer.view(),
        )?;
        Ok(Output::step(data, action.id, prepared.store_hash.clone()))
    }

    /// One request through the pacer and the retry rules of [`http::call`].
    async fn exchange(
        &self,
        store: &StoreClient,
        action: &'static Action,
        version: ApiVersion,
        request: &PreparedRequest,
        stats: &http::Stats,
    ) -> Result<http::RawAnswer, ExecError> {
        http::call(&self.transport, store, version, request, stats)
            .await
            .map_err(|no_answer| match no_answer {
                http::NoAnswer::Uncertain(reason) => ExecError::UncertainWrite {
                    action: action.id,
                    reason,
                },
                http::NoAnswer::Failed(err) => err,
            })
    }

    /// The error for an answer that is not 2xx.
    async fn interpret_failure(&self, store: &StoreClient, prepared: &Prepared, answer: &http::RawAnswer) -> ExecError {
        let action = prepared.action;
        match answer.status {
            404 => self.not_found(store, prepared).await,
            status if status >= 500 && action.method == Method::Post => ExecError::UncertainWrite {
                action: action.id,
                reason: format!("BigCommerce answered {status}"),
            },
            _ => response::failure(action, prepared.store_hash.as_str(), &answer.view()),
        }
    }

    /// A 404 is either the record or the whole store. BigCommerce answers both the same
    /// way, so for a record we ask the store's clock (`GET /v2/time`, any token may read
    /// it): if the store answers, it was the record.
    async fn not_found(&self, store: &StoreClient, prepared: &Prepared) -> ExecError {
        let store_hash = prepared.store_hash.as_str().to_owned();
        let (Some(record), Some(id)) = (prepared.action.record, prepared.record_id()) else {
            return ExecError::StoreNotFound(store_hash);
        };
        let probe = PreparedRequest {
            method: Method::Get,
            api_version: ApiVersion::V2,
            path: "/time".into(),
            query: Vec::new(),
            body: None,
        };
        let stats = http::Stats::default();
        match http::call(&self.transport, store, ApiVersion::V2, &probe, &stats).await {
            Ok(answer) if answer.status == 404 => ExecError::StoreNotFound(store_hash),
            _ => ExecError::RecordNotFound {
                noun: record.noun,
                id,
                store_hash,
            },
        }
    }
}

impl http::RawAnswer {
    fn view(&self) -> response::Answer<'_> {
        response::Answer {
            status: self.status,
            body: &self.body,
            reset_ms: self.rate.reset_ms,
            request_id: self.request_id.clone(),
        }
    }
}

/// Removes the token from anything the server echoed back into an error.
fn scrub(err: ExecError, token: &SecretString) -> ExecError {
    let secret = token.expose_secret();
    if secret.len() < 4 || !err.to_string().contains(secret) {
        return err;
    }
    let clean = |text: String| text.replace(secret, "[redacted]");
    match err {
        ExecError::Rejected { status, details } => ExecError::Rejected {
            status,
            details: clean(details),
        },
        ExecError::UnexpectedStatus { status, details } => ExecError::UnexpectedStatus {
            status,
            details: clean(details),
        },
        ExecError::InvalidResponse { status, reason } => ExecError::InvalidResponse {
            status,
            reason: clean(reason),
        },
        ExecError::Connection { url, reason } => ExecError::Connection {
            url,
            reason: clean(reason),
        },
        other => ExecError::UnexpectedStatus {
            status: 0,
            details: clean(other.to_string()),
        },
    }
}
