//! The shared transport and the client of one store.

use std::fmt;
use std::sync::Arc;

use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::pacing::{LocalBudgets, RateBudget, RateBudgets};
use crate::{Error, TransportConfig};

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("syncaut/", env!("CARGO_PKG_VERSION"));

/// The header BigCommerce reads the access token from (HTTP/1 sends names in lowercase).
pub(crate) const AUTH_HEADER: HeaderName = HeaderName::from_static("x-auth-token");

/// A store hash: the `abc123xyz` of `/stores/abc123xyz/v3`. Only lowercase ASCII letters
/// and digits, so it can never change the shape of a URL. Shared, not copied, by the
/// step, its client and its output.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreHash(Arc<str>);

impl StoreHash {
    /// The longest store hash accepted. BigCommerce's are about ten characters; the limit
    /// only keeps a pasted paragraph out of URLs and messages.
    pub const MAX_LEN: usize = 64;

    /// Validates a store hash. Whitespace around it (from pasting) is removed.
    pub fn new(hash: &str) -> Result<Self, Error> {
        let hash = hash.trim();
        let valid = !hash.is_empty()
            && hash.len() <= Self::MAX_LEN
            && hash.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if valid {
            return Ok(Self(hash.into()));
        }
        let shown: String = hash
            .chars()
            .take(Self::MAX_LEN)
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        Err(Error::InvalidStoreHash(shown))
    }

    /// The hash as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StoreHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StoreHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreHash({})", self.0)
    }
}

impl std::str::FromStr for StoreHash {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl serde::Serialize for StoreHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// The REST API generation an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiVersion {
    /// `/stores/{hash}/v2`: bare JSON arrays and objects.
    V2,
    /// `/stores/{hash}/v3`: `{data, meta}` envelopes.
    V3,
}

impl ApiVersion {
    /// `v2` or `v3`, as in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "v2",
            Self::V3 => "v3",
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks that a token can be sent as a header, and makes that header (marked sensitive,
/// so it is redacted wherever headers are printed). Tokens with line breaks or other
/// control characters, or that are empty, are refused with the product docs' wording.
pub fn auth_header(token: &SecretString) -> Result<HeaderValue, Error> {
    let token = token.expose_secret().trim();
    if token.is_empty() {
        return Err(Error::InvalidToken("is empty"));
    }
    if token.chars().any(char::is_control) {
        return Err(Error::InvalidToken(
            "contains line breaks or other control characters, which cannot be sent",
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidToken(
            "contains spaces or characters other than ASCII letters, digits and punctuation, which BigCommerce tokens never have",
        ));
    }
    let mut header = HeaderValue::from_str(token)
        .map_err(|_| Error::InvalidToken("contains characters that cannot be sent in an HTTP header"))?;
    header.set_sensitive(true);
    Ok(header)
}

/// The HTTP side of a process: one connection pool, the settings and every store's rate
/// budget, shared by every store and step. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Transport(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    http: reqwest::Client,
    config: TransportConfig,
    budgets: Arc<dyn RateBudgets>,
    turns: crate::pacing::Turns,
}

impl Transport {
    /// A transport whose rate budgets live in this process.
    pub fn new(config: &TransportConfig) -> Result<Self, Error> {
        Self::with_budgets(config, Arc::new(LocalBudgets::default()))
    }

    /// A transport whose rate budgets come from `budgets` (shared between processes, for
    /// example).
    pub fn with_budgets(config: &TransportConfig, budgets: Arc<dyn RateBudgets>) -> Result<Self, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            // BigCommerce's REST API does not redirect; a redirect is refused by the send
            // path, so the token never follows one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Error::Http)?;
        Ok(Self(Arc::new(Shared {
            http,
            config: config.clone(),
            budgets,
            turns: crate::pacing::Turns::default(),
        })))
    }

    /// The configuration this transport was built from.
    pub fn config(&self) -> &TransportConfig {
        &self.0.config
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.0.http
    }

    /// The client of one store, with that store's rate budget.
    pub fn store(&self, store_hash: StoreHash, token: &SecretString) -> Result<StoreClient, Error> {
        Ok(StoreClient(Arc::new(StoreShared {
            transport: self.clone(),
            budget: self.0.budgets.store(&store_hash),
            turn: self.0.turns.store(&store_hash),
            auth: auth_header(token)?,
            store_hash,
        })))
    }
}

/// The client of one store: its URLs and token over the shared [`Transport`]. Cheap to
/// clone.
#[derive(Clone)]
pub struct StoreClient(Arc<StoreShared>);

struct StoreShared {
    transport: Transport,
    budget: Arc<dyn RateBudget>,
    turn: Arc<crate::pacing::Turn>,
    auth: HeaderValue,
    store_hash: StoreHash,
}

impl fmt::Debug for StoreClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreClient")
            .field("base_url", &self.0.transport.config().base_url())
            .field("store_hash", &self.0.store_hash)
            .field("token", &"[redacted]")
            .finish()
    }
}

impl StoreClient {
    /// The client of one store with a transport of its own.
    pub fn new(config: &TransportConfig, store_hash: StoreHash, token: &SecretString) -> Result<Self, Error> {
        Transport::new(config)?.store(store_hash, token)
    }

    /// The store this client talks to.
    pub fn store_hash(&self) -> &StoreHash {
        &self.0.store_hash
    }

    /// The shared transport.
    pub fn transport(&self) -> &Transport {
        &self.0.transport
    }

    /// The store's rate budget.
    pub fn budget(&self) -> &dyn RateBudget {
        &*self.0.budget
    }

    /// The store's turn lock (see [`crate::pacing`]).
    pub(crate) fn turn(&self) -> &crate::pacing::Turn {
        &self.0.turn
    }

    /// `{base}/stores/{hash}/{v2|v3}`, without a trailing slash.
    pub fn api_base(&self, version: ApiVersion) -> String {
        self.transport().config().api_base(&self.0.store_hash, version)
    }

    /// The URL of a request below [`Self::api_base`] (see [`TransportConfig::url`]).
    pub fn url(&self, version: ApiVersion, path: &str, query: Option<&str>) -> Url {
        self.transport().config().url(&self.0.store_hash, version, path, query)
    }

    /// A request to `url` with the token header and, when given, a JSON body. Send it with
    /// [`Self::send`].
    pub fn request(&self, method: reqwest::Method, url: Url, json: Option<bytes::Bytes>) -> reqwest::Request {
        let mut request = reqwest::Request::new(method, url);
        let headers = request.headers_mut();
        headers.insert(AUTH_HEADER, self.0.auth.clone());
        if let Some(body) = json {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.into());
        }
        request
    }

    /// `body` with the token replaced by `[redacted]` wherever a server echoed it (as sent,
    /// or JSON-escaped), or `None` when it does not appear, as is usual.
    pub fn redact(&self, body: &bytes::Bytes) -> Option<bytes::Bytes> {
        let token = self.0.auth.as_bytes();
        let escaped: Vec<u8>;
        let forms: &[&[u8]] = if token.iter().any(|b| matches!(b, b'"' | b'\\')) {
            escaped = serde_json::to_vec(&String::from_utf8_lossy(token)).unwrap_or_default();
            &[
                token,
                escaped.get(1..escaped.len().saturating_sub(1)).unwrap_or_default(),
            ]
        } else {
            &[token]
        };
        if !forms.iter().any(|form| memchr::memmem::find(body, form).is_some()) {
            return None;
        }
        let mut clean = body.to_vec();
        for form in forms.iter().filter(|f| !f.is_empty()) {
            let mut replaced = Vec::with_capacity(clean.len());
            let mut rest = clean.as_slice();
            while let Some(at) = memchr::memmem::find(rest, form) {
                replaced.extend_from_slice(&rest[..at]);
                replaced.extend_from_slice(b"[redacted]");
                rest = &rest[at + form.len()..];
            }
            replaced.extend_from_slice(rest);
            clean = replaced;
        }
        Some(bytes::Bytes::from(clean))
    }

    /// Puts the token on a request a typed client built.
    #[cfg(feature = "generated")]
    pub(crate) fn authorise(&self, request: &mut reqwest::Request) {
        request.headers_mut().insert(AUTH_HEADER, self.0.auth.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_hash_accepts_lowercase_letters_and_digits_only() {
        assert_eq!(StoreHash::new("abc123xyz").unwrap().as_str(), "abc123xyz");
        assert_eq!(StoreHash::new("  abc123xyz\n").unwrap().as_str(), "abc123xyz", "pasted");
        for bad in ["", "ABC123", "abc/../x", "abc 123", "abc?x=1", "abç", &"a".repeat(65)] {
            let err = StoreHash::new(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_store_hash", "{bad}");
            assert!(
                err.to_string()
                    .contains("use only lowercase letters and digits, at most 64"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused_without_echoing_it() {
        for (token, why) in [
            ("SENTINEL\nline", "line breaks"),
            ("SENTINEL\u{7}bell", "control characters"),
            ("  ", "is empty"),
            ("SENTINELé", "other than ASCII"),
            ("SENTINEL inner", "spaces"),
        ] {
            let err = auth_header(&SecretString::from(token)).unwrap_err();
            assert_eq!(err.code(), "invalid_token");
            let text = format!("{err} {err:?}");
            assert!(text.contains(why), "{text}");
            assert!(text.starts_with("Invalid Access Token"), "{text}");
            assert!(!text.contains("SENTINEL"), "{text}");
        }
        assert!(auth_header(&SecretString::from(" tok\t")).unwrap().is_sensitive());
    }

    #[test]
    fn an_echoed_token_is_redacted_from_bodies() {
        let config = TransportConfig::new("http://127.0.0.1:9").unwrap();
        let store = StoreHash::new("abc").unwrap();
        let client = StoreClient::new(&config, store.clone(), &SecretString::from("SENTINEL-123")).unwrap();
        let body = bytes::Bytes::from_static(br#"{"echo":"SENTINEL-123","again":"xSENTINEL-123y"}"#);
        assert_eq!(
            client.redact(&body).unwrap(),
            bytes::Bytes::from_static(br#"{"echo":"[redacted]","again":"x[redacted]y"}"#)
        );
        assert_eq!(client.redact(&bytes::Bytes::from_static(b"{}")), None);
        let quoted = StoreClient::new(&config, store, &SecretString::from(r#"SENT"INEL"#)).unwrap();
        let body = bytes::Bytes::from_static(br#"{"echo":"SENT\"INEL"}"#);
        assert_eq!(
            quoted.redact(&body).unwrap(),
            bytes::Bytes::from_static(br#"{"echo":"[redacted]"}"#)
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let config = TransportConfig::new("http://127.0.0.1:9").unwrap();
        let client =
            StoreClient::new(&config, StoreHash::new("abc").unwrap(), &SecretString::from("SENTINEL")).unwrap();
        assert!(!format!("{client:?}").contains("SENTINEL"));
        let request = client.request(reqwest::Method::GET, client.url(ApiVersion::V2, "/time", None), None);
        assert!(!format!("{request:?}").contains("SENTINEL"));
    }
}
