//! Every way a step can fail, each with a stable code and a message that says what to do.
//! No variant holds the token, and messages never include request headers.

use thiserror::Error;

/// Why a step failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The step name cannot be referenced as `{{stepName.data}}`.
    #[error(transparent)]
    InvalidStepName(#[from] syncaut_actions::StepNameError),
    /// No action has this id.
    #[error("unknown action `{id}`; did you mean {}?", suggestions.join(", "))]
    UnknownAction {
        /// The id as given.
        id: String,
        /// The nearest valid ids.
        suggestions: Vec<&'static str>,
    },
    /// The node's credential was deleted.
    #[error(
        "Credential not found: the credential `{0}` attached to the node was deleted from your workspace. Re-add it under Workspace → Credentials and update the node."
    )]
    CredentialNotFound(String),
    /// The vault could not produce the token (wrong key, damaged record …).
    #[error("the credential `{name}` could not be read: {reason}")]
    CredentialUnavailable {
        /// The credential's name.
        name: String,
        /// What the vault said.
        reason: String,
    },
    /// A `{{…}}` expression could not be rendered.
    #[error("{field}: cannot render `{expression}`: {reason}")]
    Template {
        /// The parameter key.
        field: String,
        /// The expression, as written.
        expression: String,
        /// What is wrong and what exists instead.
        reason: String,
    },
    /// A required parameter is empty.
    #[error("{key} is required: {hint}")]
    Required {
        /// The parameter key (`orderId`).
        key: &'static str,
        /// How to fill it.
        hint: String,
    },
    /// A parameter has a value of the wrong type or out of bounds.
    #[error("{key}: {message}")]
    InvalidParam {
        /// The parameter key.
        key: String,
        /// What is wrong, with the expected type or range.
        message: String,
    },
    /// A parameter the action does not have.
    #[error("unknown parameter `{key}` for {action}; its parameters are: {known}")]
    UnknownParam {
        /// The key as given.
        key: String,
        /// The action id.
        action: &'static str,
        /// The valid keys, comma-separated.
        known: String,
    },
    /// 401: the token is not valid.
    #[error(
        "Invalid Access Token: BigCommerce refused the token (401). The token is malformed or has been invalidated. BigCommerce tokens do not expire on their own but are invalidated when you regenerate or delete the API account. Create a new API account and save the new token as a credential."
    )]
    InvalidAccessToken,
    /// 403: the token lacks the action's scope, or belongs to another store.
    #[error(
        "403 Forbidden: your API token is missing the scope {action} needs: {scope_label} ({scope}). Go to BigCommerce → Settings → API → API Accounts, edit your account, and enable the missing scope. Also verify that the store hash `{store_hash}` belongs to the same store as the token."
    )]
    Forbidden {
        /// The action id.
        action: &'static str,
        /// The scope's control-panel label.
        scope_label: &'static str,
        /// The scope.
        scope: &'static str,
        /// The store hash used.
        store_hash: String,
    },
    /// 404 for the store itself.
    #[error(
        "Store not found (404): no BigCommerce store has the hash `{0}`. Your store hash is incorrect; double-check it on your BigCommerce API credentials page."
    )]
    StoreNotFound(String),
    /// 404 (or an empty lookup) for the record.
    #[error("{noun} {id} not found in store `{store_hash}`: check the ID, or whether it was deleted.", noun = capitalise(noun))]
    RecordNotFound {
        /// The record kind (`order`).
        noun: &'static str,
        /// The ID looked up.
        id: i64,
        /// The store hash used.
        store_hash: String,
    },
    /// A search (or a lookup before a write) found nothing.
    #[error("{what} in store `{store_hash}`: {hint}")]
    NoMatch {
        /// What was looked for (`no product has sku "MUG-9"`).
        what: String,
        /// What to do.
        hint: String,
        /// The store hash used.
        store_hash: String,
    },
    /// A search (or a lookup before a write) found several where one was needed.
    #[error("{what}: {candidates}. {hint}")]
    Ambiguous {
        /// What was looked for (`order 105 has 2 shipping addresses`).
        what: String,
        /// Each candidate, with what tells them apart.
        candidates: String,
        /// How to choose.
        hint: String,
    },
    /// A step run for each item of a list failed for one; those before it were done.
    #[error(
        "item {item} of {items} failed: {source}. {done} Items {item}–{items} were not run{maybe}",
        done = if *item > 1 { format!("Items 1–{} were done (their outputs are lost with the step; check the store before running it again).", item - 1) } else { "Nothing was done.".to_owned() },
        maybe = if source.code() == "uncertain_write" { format!(" (item {item} may have been)") } else { String::new() }
    )]
    ItemFailed {
        /// The item that failed, from 1.
        item: usize,
        /// How many items there were.
        items: usize,
        /// Why it failed.
        source: Box<ExecError>,
    },
    /// One request of a batched list failed; the batches before it were applied.
    #[error(
        "batch {batch} of {batches} (items {first}–{last}) failed: {source}. {applied} Items {first}–{total} were not applied{maybe}; fix the cause and run the step again with only those items",
        applied = if *first > 1 { format!("Items 1–{} were applied (batches 1–{}).", first - 1, batch - 1) } else { "Nothing was applied.".to_owned() },
        maybe = if source.code() == "uncertain_write" { format!(" (batch {batch} may have been)") } else { String::new() }
    )]
    BatchFailed {
        /// The batch that failed, from 1.
        batch: usize,
        /// How many batches there were.
        batches: usize,
        /// Its first item, from 1.
        first: usize,
        /// Its last item.
        last: usize,
        /// How many items in all.
        total: usize,
        /// Why it failed.
        source: Box<ExecError>,
    },
    /// 400, 409 or 422: BigCommerce refused the request, with its reasons.
    #[error("BigCommerce rejected the request ({status}): {details}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// BigCommerce's title and field errors, readable.
        details: String,
    },
    /// 429 after the retries the transport allows.
    #[error(
        "BigCommerce's rate limit for store `{store_hash}` is used up (429); {}. Run the step again then, or space out the workflow's requests.",
        match reset_ms { Some(ms) => format!("the quota resets in {ms} ms"), None => "wait a few seconds".to_owned() }
    )]
    RateLimited {
        /// The store hash.
        store_hash: String,
        /// `X-Rate-Limit-Time-Reset-Ms`, when BigCommerce sent it.
        reset_ms: Option<u64>,
    },
    /// 5xx from BigCommerce.
    #[error("BigCommerce answered {status}: the problem is on BigCommerce's side; try again in a minute{request_id}")]
    Upstream {
        /// The HTTP status.
        status: u16,
        /// ` (X-Request-Id …)` when BigCommerce sent one, for its support.
        request_id: String,
    },
    /// The request took longer than the timeout.
    #[error(
        "BigCommerce did not answer within {seconds} s; try again, or raise SYNCAUT_HTTP_TIMEOUT_SECS if the store is slow"
    )]
    Timeout {
        /// The timeout that ran out.
        seconds: u64,
    },
    /// The step's overall deadline passed.
    #[error(
        "the step did not finish within its deadline of {seconds} s ({waiting_for}); run it again later, ask for fewer records (limit), or raise SYNCAUT_STEP_TIMEOUT_SECS"
    )]
    DeadlineExceeded {
        /// The deadline.
        seconds: u64,
        /// What it was waiting for when the deadline passed.
        waiting_for: &'static str,
    },
    /// The server redirected; redirects are never followed.
    #[error(
        "the server answered {status} redirecting to {location}; BigCommerce's API does not redirect, so it was not followed and the token was not sent there. Check SYNCAUT_BIGCOMMERCE_API_URL, or whether a proxy is in the way"
    )]
    Redirected {
        /// The 3xx status.
        status: u16,
        /// Where it pointed (origin and path only).
        location: String,
    },
    /// An answer larger than the size limit.
    #[error(
        "BigCommerce's answer is larger than {limit_mib} MiB, so it was not read; ask for fewer records per page (per_page), or raise SYNCAUT_HTTP_MAX_RESPONSE_MB"
    )]
    TooLarge {
        /// The limit, in MiB.
        limit_mib: u64,
    },
    /// A "return all" whose list claims more records than one may collect.
    #[error(
        "the list has {claimed} records, more than the {limit} one \"return all\" may collect; set limit, narrow the filters, or raise SYNCAUT_RETURN_ALL_MAX_RECORDS"
    )]
    TooManyRecords {
        /// How many the server said there are.
        claimed: u64,
        /// The setting.
        limit: u64,
    },
    /// The connection could not be made.
    #[error("could not reach {url}: {reason}. Check the network, or SYNCAUT_BIGCOMMERCE_API_URL if you set it")]
    Connection {
        /// The API base URL (never with credentials).
        url: String,
        /// What failed.
        reason: String,
    },
    /// A create whose outcome is unknown: it may have reached BigCommerce, so it is not
    /// retried.
    #[error(
        "BigCommerce did not confirm {action} ({reason}): the record may or may not have been created. Check the store before running the step again, so it is not created twice"
    )]
    UncertainWrite {
        /// The action id.
        action: &'static str,
        /// What happened instead of an answer.
        reason: String,
    },
    /// A page of a "return all" failed, so the step output nothing.
    #[error("page {page}{} failed, so no partial list was output: {source}", pages.map(|p| format!(" of {p}")).unwrap_or_default())]
    Paging {
        /// The page that failed.
        page: u64,
        /// How many pages there were, when known.
        pages: Option<u64>,
        /// Why it failed.
        source: Box<ExecError>,
    },
    /// A 2xx response that is not what the spec promises.
    #[error("BigCommerce sent an unexpected response ({status}): {reason}")]
    InvalidResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        reason: String,
    },
    /// A status outside the classes HTTP defines (600 and above).
    #[error(
        "the server answered with status {status}, which is not an HTTP status BigCommerce uses; check SYNCAUT_BIGCOMMERCE_API_URL, or whether a proxy is in the way"
    )]
    InvalidStatus {
        /// The status.
        status: u16,
    },
    /// Another status BigCommerce does not document for this request.
    #[error("BigCommerce answered {status} unexpectedly: {details}")]
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
        /// BigCommerce's message, if any.
        details: String,
    },
    /// The transport could not be set up (bad base URL, bad token characters).
    #[error(transparent)]
    Transport(#[from] bigcommerce_api::Error),
}

fn capitalise(noun: &str) -> String {
    let mut chars = noun.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl ExecError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidStepName(_) => "invalid_step_name",
            Self::UnknownAction { .. } => "unknown_action",
            Self::CredentialNotFound(_) => "credential_not_found",
            Self::CredentialUnavailable { .. } => "credential_unavailable",
            Self::Template { .. } => "template_error",
            Self::Required { .. } => "required",
            Self::InvalidParam { .. } => "invalid_param",
            Self::UnknownParam { .. } => "unknown_param",
            Self::InvalidAccessToken => "invalid_access_token",
            Self::Forbidden { .. } => "forbidden",
            Self::StoreNotFound(_) => "store_not_found",
            Self::RecordNotFound { .. } | Self::NoMatch { .. } => "not_found",
            Self::Ambiguous { .. } => "ambiguous",
            Self::BatchFailed { source, .. } | Self::ItemFailed { source, .. } => source.code(),
            Self::Rejected { .. } => "rejected",
            Self::RateLimited { .. } => "rate_limited",
            Self::Upstream { .. } => "upstream_error",
            Self::Timeout { .. } => "timeout",
            Self::DeadlineExceeded { .. } => "deadline_exceeded",
            Self::Redirected { .. } => "redirect_refused",
            Self::TooLarge { .. } => "response_too_large",
            Self::TooManyRecords { .. } => "too_many_records",
            Self::InvalidStatus { .. } => "invalid_status",
            Self::Connection { .. } => "connection_failed",
            Self::InvalidResponse { .. } => "invalid_response",
            Self::UncertainWrite { .. } => "uncertain_write",
            Self::Paging { source, .. } => source.code(),
            Self::UnexpectedStatus { .. } => "unexpected_status",
            Self::Transport(err) => err.code(),
        }
    }

    /// `{"code": …, "message": …}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"code": self.code(), "message": self.to_string()})
    }

    /// The same error with every text that came from a server passed through `clean`:
    /// the variant, and so the code, never changes.
    pub(crate) fn map_server_text(self, clean: &impl Fn(&str) -> String) -> Self {
        match self {
            Self::Rejected { status, details } => Self::Rejected {
                status,
                details: clean(&details),
            },
            Self::UnexpectedStatus { status, details } => Self::UnexpectedStatus {
                status,
                details: clean(&details),
            },
            Self::InvalidResponse { status, reason } => Self::InvalidResponse {
                status,
                reason: clean(&reason),
            },
            Self::Connection { url, reason } => Self::Connection {
                url,
                reason: clean(&reason),
            },
            Self::Upstream { status, request_id } => Self::Upstream {
                status,
                request_id: clean(&request_id),
            },
            Self::Redirected { status, location } => Self::Redirected {
                status,
                location: clean(&location),
            },
            Self::UncertainWrite { action, reason } => Self::UncertainWrite {
                action,
                reason: clean(&reason),
            },
            Self::Paging { page, pages, source } => Self::Paging {
                page,
                pages,
                source: Box::new(source.map_server_text(clean)),
            },
            Self::BatchFailed {
                batch,
                batches,
                first,
                last,
                total,
                source,
            } => Self::BatchFailed {
                batch,
                batches,
                first,
                last,
                total,
                source: Box::new(source.map_server_text(clean)),
            },
            Self::ItemFailed { item, items, source } => Self::ItemFailed {
                item,
                items,
                source: Box::new(source.map_server_text(clean)),
            },
            Self::Ambiguous { what, candidates, hint } => Self::Ambiguous {
                what,
                candidates: clean(&candidates),
                hint,
            },
            other => other,
        }
    }

    /// The error a send failure becomes for an action (or another request, named).
    pub fn from_send_error(err: bigcommerce_api::SendError, action: &'static str) -> Self {
        use bigcommerce_api::SendError as S;
        match err {
            S::Uncertain { reason } => Self::UncertainWrite { action, reason },
            S::Timeout { seconds } => Self::Timeout { seconds },
            S::Connection { url, reason } => Self::Connection { url, reason },
            S::Redirected { status, location } => Self::Redirected { status, location },
            S::TooLarge { limit_mib } => Self::TooLarge { limit_mib },
            S::DeadlineExceeded { seconds, waiting_for } => Self::DeadlineExceeded { seconds, waiting_for },
            other => Self::Connection {
                url: String::new(),
                reason: other.to_string(),
            },
        }
    }
}
