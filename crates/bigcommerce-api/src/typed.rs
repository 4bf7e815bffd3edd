//! The generated typed clients send through the same path as everything else.
//!
//! Each generated `Client` carries an [`Inner`] (its store's client), and its progenitor
//! `ClientHooks` (implemented by the `typed_client!` lines of the generated `mod.rs`) call
//! the functions here: `pre` checks the request stays on the API's origin and
//! adds the token, `exec` sends it with [`StoreClient::send`] (pacing, retries, timeouts,
//! redirect and size policy, deadline), and `post` turns a transport failure into the
//! typed client's error, with the transport's stable code in the message.

use progenitor_client::Error;

use crate::StoreClient;
use crate::send::{Answer, Call, SendError, Stats};

/// What a generated client carries: the client of its store.
#[derive(Debug, Clone)]
pub struct Inner {
    store: StoreClient,
}

impl Inner {
    pub(crate) fn new(store: StoreClient) -> Self {
        Self { store }
    }
}

/// A transport failure, carried from `exec` to `post` on a placeholder response.
#[derive(Debug, Clone)]
struct Failed(SendError);

fn into_response(answer: Answer) -> reqwest::Response {
    let mut response = http::Response::new(answer.body);
    *response.status_mut() = http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::BAD_GATEWAY);
    *response.headers_mut() = answer.headers;
    reqwest::Response::from(response)
}

fn failed(err: SendError) -> reqwest::Response {
    let mut response = http::Response::new(bytes::Bytes::new());
    *response.status_mut() = http::StatusCode::BAD_GATEWAY;
    response.extensions_mut().insert(Failed(err));
    reqwest::Response::from(response)
}

// The error type is progenitor's, which the hooks must return.
#[allow(clippy::result_large_err)]
pub(crate) fn pre<E>(inner: &Inner, request: &mut reqwest::Request) -> Result<(), Error<E>> {
    if !inner.store.transport().config().is_api_origin(request.url()) {
        return Err(Error::Custom(
            "error[invalid_request]: the request is not for the BigCommerce API's host; nothing was sent".into(),
        ));
    }
    inner.store.authorise(request);
    Ok(())
}

pub(crate) async fn exec(inner: &Inner, request: reqwest::Request) -> reqwest::Response {
    let stats = Stats::default();
    let call = Call::new(&stats, inner.store.transport().config().step_deadline);
    match inner.store.send(request, &call).await {
        Ok(answer) => into_response(answer),
        Err(err) => failed(err),
    }
}

#[allow(clippy::result_large_err)]
pub(crate) fn post<E>(result: &reqwest::Result<reqwest::Response>) -> Result<(), Error<E>> {
    match result {
        Ok(response) => match response.extensions().get::<Failed>() {
            Some(Failed(err)) => Err(Error::Custom(format!("error[{}]: {err}", err.code()))),
            None => Ok(()),
        },
        Err(_) => Ok(()),
    }
}
