//! The shared transport: one configured HTTP client per store.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// BigCommerce's API host.
pub const DEFAULT_API_URL: &str = "https://api.bigcommerce.com";

/// Environment variable that replaces [`DEFAULT_API_URL`] (tests, proxies, the sandbox).
pub const API_URL_ENV: &str = "SYNCAUT_BIGCOMMERCE_API_URL";

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("syncaut/", env!("CARGO_PKG_VERSION"));

/// The header BigCommerce reads the access token from.
/// `X-Auth-Token`, as a ready header name (HTTP/1 sends names in lowercase anyway).
const AUTH_HEADER: HeaderName = HeaderName::from_static("x-auth-token");

/// A store hash: the `abc123xyz` of `/stores/abc123xyz/v3`. Only lowercase ASCII letters
/// and digits, so it can never change the shape of a URL. Shared, not copied, by the
/// step, its client and its output.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StoreHash(std::sync::Arc<str>);

impl StoreHash {
    /// The longest store hash we accept; real ones are about ten characters.
    pub const MAX_LEN: usize = 64;

    /// Validates a store hash.
    pub fn new(hash: &str) -> Result<Self, Error> {
        let valid = !hash.is_empty()
            && hash.len() <= Self::MAX_LEN
            && hash.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if valid {
            return Ok(Self(hash.into()));
        }
        let shown: String = hash.chars().take(Self::MAX_LEN).collect();
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

/// Environment variable with the request timeout in seconds.
pub const TIMEOUT_ENV: &str = "SYNCAUT_HTTP_TIMEOUT_SECS";

/// Environment variable with the number of pages a "return all" fetches at once.
pub const CONCURRENCY_ENV: &str = "SYNCAUT_HTTP_CONCURRENCY";

/// When to try a request again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries of an idempotent request after a 5xx, a timeout or a lost connection.
    pub max_retries: u32,
    /// Retries after a 429 (any method: a 429 means the request was not processed).
    pub max_rate_limited: u32,
    /// First backoff; it doubles with each retry.
    pub base_delay: Duration,
    /// Longest single wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_rate_limited: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            max_rate_limited: 0,
            ..Self::default()
        }
    }

    /// The capped exponential backoff before retry number `attempt` (from 1), with up to
    /// 25% jitter so that concurrent callers do not retry in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exponential.min(self.max_delay);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let jitter = capped.mul_f64(f64::from(nanos % 1000) / 4000.0);
        capped + jitter
    }
}

/// Where and how to reach BigCommerce. Shared by every store client of a process.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    base_url: Url,
    /// How long to wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// How long a whole request, body included, may take.
    pub timeout: Duration,
    /// When to retry.
    pub retry: RetryPolicy,
    /// How many pages of one "return all" are fetched at once (the store's quota is
    /// respected whatever this is: see [`crate::pacing`]).
    pub concurrency: usize,
}

impl TransportConfig {
    /// Default connection timeout.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default request timeout.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default number of pages fetched at once. BigCommerce's specs give a default limit of
    /// 40 concurrent requests where they state one (categories, V2 customers), and
    /// BigCommerce now limits concurrency adaptively, answering `429` past it (which the
    /// transport waits out); 20 stays well inside that while fetching 10,000 records in
    /// three round trips.
    pub const DEFAULT_CONCURRENCY: usize = 20;
    /// The most pages fetched at once that a setting may ask for.
    pub const MAX_CONCURRENCY: usize = 40;

    /// A configuration for the given base URL (scheme, host, optional port and path stem).
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let invalid = |why: &str| Error::InvalidBaseUrl {
            url: base_url.to_owned(),
            why: why.to_owned(),
        };
        let mut url = Url::parse(base_url).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if url.host_str().is_none() {
            return Err(invalid("it has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it must not carry a query, fragment or credentials"));
        }
        let stem = url.path().trim_end_matches('/').to_owned();
        url.set_path(&stem);
        Ok(Self {
            base_url: url,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            timeout: Self::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            concurrency: Self::DEFAULT_CONCURRENCY,
        })
    }

    /// BigCommerce's own API, or the URL in `SYNCAUT_BIGCOMMERCE_API_URL` when it is set;
    /// the request timeout from `SYNCAUT_HTTP_TIMEOUT_SECS` and the pages fetched at once
    /// from `SYNCAUT_HTTP_CONCURRENCY` when they are set.
    pub fn from_env() -> Result<Self, Error> {
        let mut config = match std::env::var(API_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => Self::new(url.trim())?,
            _ => Self::new(DEFAULT_API_URL)?,
        };
        if let Ok(text) = std::env::var(TIMEOUT_ENV) {
            let seconds: f64 = text
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s < 86_400.0)
                .ok_or_else(|| Error::InvalidSetting {
                    name: TIMEOUT_ENV,
                    value: text.chars().take(40).collect(),
                    why: "it must be a number of seconds above 0 and below 86400",
                })?;
            config.timeout = Duration::from_secs_f64(seconds);
        }
        if let Ok(text) = std::env::var(CONCURRENCY_ENV) {
            config.concurrency = text
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=Self::MAX_CONCURRENCY).contains(n))
                .ok_or_else(|| Error::InvalidSetting {
                    name: CONCURRENCY_ENV,
                    value: text.chars().take(40).collect(),
                    why: "it must be a whole number from 1 to 40",
                })?;
        }
        Ok(config)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }
}

/// The HTTP side of a process: one connection pool, the user agent and timeouts, shared
/// by every store and step. Cheap to clone: one shared allocation, so making a store's
/// client for a step touches one reference count.
#[derive(Clone, Debug)]
pub struct Transport(std::sync::Arc<Shared>);

#[derive(Debug)]
struct Shared {
    http: reqwest::Client,
    config: TransportConfig,
    pacer: crate::pacing::Pacer,
    deadlines: std::sync::Arc<crate::timeouts::Deadlines>,
}

impl Transport {
    /// Builds the shared HTTP client.
    pub fn new(config: &TransportConfig) -> Result<Self, Error> {
        let http = Self::builder(config).build().map_err(Error::Http)?;
        Ok(Self(std::sync::Arc::new(Shared {
            http,
            config: config.clone(),
            pacer: crate::pacing::Pacer::default(),
            deadlines: crate::timeouts::Deadlines::new(config.timeout),
        })))
    }

    /// The shared client's settings. It has no timeout of its own: requests are bounded by
    /// [`Self::within_timeout`], which costs no timer per request.
    fn builder(config: &TransportConfig) -> reqwest::ClientBuilder {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
    }

    /// Runs a request (sending it and reading its answer), pinned by the caller, until it
    /// finishes, or gives up with `None` once the configured timeout has passed: at most a
    /// tenth of it (and at most a second) later, as one clock thread per transport ticks
    /// for every request instead of a timer per request. The request is held by reference,
    /// not moved: request futures are large, and every move copies them.
    pub async fn within_timeout<F: std::future::Future>(&self, request: std::pin::Pin<&mut F>) -> Option<F::Output> {
        self.0.deadlines.within(request).await
    }

    /// The configuration this transport was built from.
    pub fn config(&self) -> &TransportConfig {
        &self.0.config
    }

    /// The client of one store, with that store's rate-limit budget. The token goes
    /// straight into a header value marked sensitive, so it is redacted wherever headers
    /// are printed.
    pub fn store(&self, store_hash: StoreHash, token: &SecretString) -> Result<StoreClient, Error> {
        let token = token.expose_secret();
        if token.trim().is_empty() {
            return Err(Error::InvalidToken("is empty"));
        }
        let mut auth = HeaderValue::from_str(token)
            .map_err(|_| Error::InvalidToken("contains characters that cannot be sent in an HTTP header"))?;
        auth.set_sensitive(true);
        Ok(StoreClient {
            transport: self.clone(),
            budget: self.0.pacer.store(store_hash.as_str()),
            auth,
            typed_http: OnceLock::new(),
            store_hash,
        })
    }
}

/// The client of one store: base URLs for V2 and V3 and the token header, over the shared
/// [`Transport`]. Cheap to clone.
#[derive(Clone)]
pub struct StoreClient {
    transport: Transport,
    budget: crate::pacing::StoreBudget,
    auth: HeaderValue,
    typed_http: OnceLock<reqwest::Client>,
    store_hash: StoreHash,
}

impl fmt::Debug for StoreClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreClient")
            .field("base_url", &self.transport.0.config.base_url())
            .field("store_hash", &self.store_hash)
            .field("token", &"[redacted]")
            .finish()
    }
}

impl StoreClient {
    /// Builds the client of one store with a transport of its own.
    pub fn new(config: &TransportConfig, store_hash: StoreHash, token: &SecretString) -> Result<Self, Error> {
        Transport::new(config)?.store(store_hash, token)
    }

    /// The store this client talks to.
    pub fn store_hash(&self) -> &StoreHash {
        &self.store_hash
    }

    /// The store's rate-limit budget, shared by every client of the store in the process.
    pub fn budget(&self) -> &crate::pacing::StoreBudget {
        &self.budget
    }

    /// The URL of a request: `path` (already percent-encoded, starting with `/`) below
    /// [`Self::api_base`], with an already encoded `query`. The transport's base URL was
    /// parsed once; only the path and query are set here.
    pub fn url(&self, version: ApiVersion, path: &str, query: Option<&str>) -> Url {
        let mut url = self.transport.0.config.base_url.clone();
        let stem = url.path().trim_end_matches('/');
        let mut full = String::with_capacity(stem.len() + self.store_hash.as_str().len() + path.len() + 12);
        full.push_str(stem);
        full.push_str("/stores/");
        full.push_str(self.store_hash.as_str());
        full.push('/');
        full.push_str(version.as_str());
        full.push_str(path);
        url.set_path(&full);
        url.set_query(query.filter(|q| !q.is_empty()));
        url
    }

    /// `{base}/stores/{hash}/{v2|v3}`, without a trailing slash.
    pub fn api_base(&self, version: ApiVersion) -> String {
        // Sized once: this runs for every request, and the request URL is appended to it.
        let base = self.transport.0.config.base_url();
        let mut url = String::with_capacity(base.len() + self.store_hash.as_str().len() + 160);
        url.push_str(base);
        url.push_str("/stores/");
        url.push_str(self.store_hash.as_str());
        url.push('/');
        url.push_str(version.as_str());
        url
    }

    /// A request to `url` (below [`Self::api_base`]) with the token header, user agent and
    /// `Accept: application/json`. Send it, and read its answer, inside
    /// [`Self::within_timeout`]: the request itself has no overall timeout.
    pub fn request(&self, method: reqwest::Method, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.transport
            .0
            .http
            .request(method, url)
            .header(AUTH_HEADER, self.auth.clone())
    }

    /// Runs a request of this store until it finishes, or gives up with `None` once the
    /// configured timeout has passed ([`Transport::within_timeout`]).
    pub async fn within_timeout<F: std::future::Future>(&self, request: std::pin::Pin<&mut F>) -> Option<F::Output> {
        self.transport.within_timeout(request).await
    }

    /// An HTTP client that sends the token on every request, for the generated typed
    /// clients (which take a `reqwest::Client`; it has the configured timeout of its own).
    /// Built on first use.
    pub fn typed_http(&self) -> Result<&reqwest::Client, Error> {
        if let Some(client) = self.typed_http.get() {
            return Ok(client);
        }
        let mut headers = HeaderMap::new();
        headers.insert(AUTH_HEADER, self.auth.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let client = Transport::builder(&self.transport.0.config)
            .timeout(self.transport.0.config.timeout)
            .default_headers(headers)
            .build()
            .map_err(Error::Http)?;
        Ok(self.typed_http.get_or_init(|| client))
    }

    #[cfg(feature = "generated")]
    fn typed<C>(&self, version: ApiVersion, make: fn(&str, reqwest::Client) -> C) -> Result<C, Error> {
        Ok(make(&self.api_base(version), self.typed_http()?.clone()))
    }

    /// The typed client of the catalog's products API (V3).
    #[cfg(feature = "products")]
    pub fn products(&self) -> Result<crate::products::Client, Error> {
        self.typed(ApiVersion::V3, crate::products::Client::new_with_client)
    }

    /// The typed client of the catalog's categories API (V3).
    #[cfg(feature = "categories")]
    pub fn categories(&self) -> Result<crate::categories::Client, Error> {
        self.typed(ApiVersion::V3, crate::categories::Client::new_with_client)
    }

    /// The typed client of the catalog's product variants API (V3).
    #[cfg(feature = "product-variants")]
    pub fn product_variants(&self) -> Result<crate::product_variants::Client, Error> {
        self.typed(ApiVersion::V3, crate::product_variants::Client::new_with_client)
    }

    /// The typed client of the orders API (V2).
    #[cfg(feature = "orders")]
    pub fn orders(&self) -> Result<crate::orders::Client, Error> {
        self.typed(ApiVersion::V2, crate::orders::Client::new_with_client)
    }

    /// The typed client of the customers API (V3).
    #[cfg(feature = "customers")]
    pub fn customers(&self) -> Result<crate::customers::Client, Error> {
        self.typed(ApiVersion::V3, crate::customers::Client::new_with_client)
    }

    /// The typed client of the inventory API (V3).
    #[cfg(feature = "inventory")]
    pub fn inventory(&self) -> Result<crate::inventory::Client, Error> {
        self.typed(ApiVersion::V3, crate::inventory::Client::new_with_client)
    }

    /// The typed client of the store information API (V2).
    #[cfg(feature = "store-information")]
    pub fn store_information(&self) -> Result<crate::store_information::Client, Error> {
        self.typed(ApiVersion::V2, crate::store_information::Client::new_with_client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_hash_accepts_lowercase_letters_and_digits_only() {
        assert_eq!(StoreHash::new("abc123xyz").unwrap().as_str(), "abc123xyz");
        for bad in ["", "ABC123", "abc/../x", "abc 123", "abc?x=1", "abç", &"a".repeat(65)] {
            let err = StoreHash::new(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_store_hash", "{bad}");
            assert!(
                err.to_string().contains("use only lowercase letters and digits"),
                "{err}"
            );
        }
    }

    /// Setting path and query on the parsed base gives the URL that parsing the whole
    /// text would, for every base shape and for encoded paths and queries.
    #[test]
    fn request_urls_match_parsing_the_whole_text() {
        let token = SecretString::from("t");
        for base in [
            "https://api.bigcommerce.com",
            "http://127.0.0.1:8080/",
            "http://localhost:9/proxy/bc",
        ] {
            let transport = Transport::new(&TransportConfig::new(base).unwrap()).unwrap();
            let store = transport.store(StoreHash::new("abc123").unwrap(), &token).unwrap();
            for (path, query) in [
                ("/catalog/products", ""),
                ("/orders/42", "status_id=11&page=2&limit=250"),
                (
                    "/catalog/products/7/variants",
                    "include=variants%2Cimages&name%3Alike=Tom%20%26%20Jerry",
                ),
                ("/customers/a%2Fb%20c%25", "email%3Ain=a%2Bb%40x.co"),
            ] {
                for version in [ApiVersion::V2, ApiVersion::V3] {
                    let text = match query {
                        "" => format!("{}{path}", store.api_base(version)),
                        q => format!("{}{path}?{q}", store.api_base(version)),
                    };
                    assert_eq!(
                        store.url(version, path, Some(query)),
                        Url::parse(&text).unwrap(),
                        "{text}"
                    );
                    assert_eq!(store.url(version, path, Some(query)).as_str(), text);
                }
            }
        }
    }

    #[test]
    fn base_url_is_normalised_and_checked() {
        assert_eq!(
            TransportConfig::new("http://127.0.0.1:8080/").unwrap().base_url(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            TransportConfig::new("https://proxy.example/bc/").unwrap().base_url(),
            "https://proxy.example/bc"
        );
        for bad in ["ftp://x", "not a url", "https://x/?a=1", "https://user:pw@x"] {
            assert_eq!(
                TransportConfig::new(bad).unwrap_err().code(),
                "invalid_base_url",
                "{bad}"
            );
        }
    }

    #[test]
    fn api_base_joins_store_and_version() {
        let config = TransportConfig::new("http://127.0.0.1:9").unwrap();
        let token = SecretString::from("t");
        let client = StoreClient::new(&config, StoreHash::new("abc123").unwrap(), &token).unwrap();
        assert_eq!(client.api_base(ApiVersion::V3), "http://127.0.0.1:9/stores/abc123/v3");
        assert_eq!(client.api_base(ApiVersion::V2), "http://127.0.0.1:9/stores/abc123/v2");
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused_without_echoing_it() {
        let config = TransportConfig::new("http://127.0.0.1:9").unwrap();
        let hash = StoreHash::new("abc").unwrap();
        let err = StoreClient::new(&config, hash.clone(), &SecretString::from("SENTINEL\nline")).unwrap_err();
        assert_eq!(err.code(), "invalid_token");
        assert!(!format!("{err} {err:?}").contains("SENTINEL"));
        assert_eq!(
            StoreClient::new(&config, hash, &SecretString::from("  "))
                .unwrap_err()
                .code(),
            "invalid_token"
        );
    }
}
