//! Where and how to reach BigCommerce: the base URL, timeouts, bounds and retry policy,
//! from code or from `SYNCAUT_*` environment variables.

use std::time::Duration;

use reqwest::Url;

use crate::{ApiVersion, Error, StoreHash};

/// BigCommerce's API host.
pub const DEFAULT_API_URL: &str = "https://api.bigcommerce.com";

/// Environment variable that replaces [`DEFAULT_API_URL`] (tests, proxies, the sandbox).
pub const API_URL_ENV: &str = "SYNCAUT_BIGCOMMERCE_API_URL";

/// Environment variable with the request timeout in seconds.
pub const TIMEOUT_ENV: &str = "SYNCAUT_HTTP_TIMEOUT_SECS";

/// Environment variable with the number of pages a "return all" fetches at once.
pub const CONCURRENCY_ENV: &str = "SYNCAUT_HTTP_CONCURRENCY";

/// Environment variable with the largest response body accepted, in MiB.
pub const MAX_RESPONSE_ENV: &str = "SYNCAUT_HTTP_MAX_RESPONSE_MB";

/// Environment variable with a step's overall deadline in seconds.
pub const STEP_TIMEOUT_ENV: &str = "SYNCAUT_STEP_TIMEOUT_SECS";

/// Environment variable with the most records one "return all" may collect.
pub const MAX_RECORDS_ENV: &str = "SYNCAUT_RETURN_ALL_MAX_RECORDS";

/// Every environment variable the transport reads: a workflow may not name one of these as
/// the variable holding its token.
pub const SETTINGS_ENV: &[&str] = &[
    API_URL_ENV,
    TIMEOUT_ENV,
    CONCURRENCY_ENV,
    MAX_RESPONSE_ENV,
    STEP_TIMEOUT_ENV,
    MAX_RECORDS_ENV,
];

/// When to try a request again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries of an idempotent request after a 5xx, a timeout or a lost connection.
    pub max_retries: u32,
    /// 429s in a row waited out at exactly the announced reset; later ones wait at least
    /// the backoff. A 429 is retried (any method: it means the request was not processed)
    /// until the step's deadline.
    pub max_rate_limited: u32,
    /// First backoff; it doubles with each retry.
    pub base_delay: Duration,
    /// Longest backoff between two attempts.
    pub max_delay: Duration,
    /// Longest single wait for a rate-limit reset, whatever the headers say; the wait is
    /// asked for again afterwards.
    pub max_rate_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_rate_limited: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_rate_wait: Duration::from_secs(60),
        }
    }
}

/// Where and how to reach BigCommerce. Shared by every store client of a process.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    base_url: Url,
    /// How long to wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// How long one request, its whole answer included, may take.
    pub timeout: Duration,
    /// How long one step may take in all: every page, retry and rate-limit wait.
    pub step_deadline: Duration,
    /// The largest response body read; a larger one fails the request.
    pub max_response_bytes: u64,
    /// The most records one "return all" collects; a list that claims more fails.
    pub max_records: u64,
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
    /// Default step deadline: ten minutes, enough to page through 200,000 records on
    /// BigCommerce's smallest quota.
    pub const DEFAULT_STEP_DEADLINE: Duration = Duration::from_secs(600);
    /// Default largest response body: 32 MiB, some ten times a full page of 250 products
    /// with their variants.
    pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
    /// Default most records per "return all" (800 pages of 250).
    pub const DEFAULT_MAX_RECORDS: u64 = 200_000;
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
            step_deadline: Self::DEFAULT_STEP_DEADLINE,
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
            max_records: Self::DEFAULT_MAX_RECORDS,
            retry: RetryPolicy::default(),
            concurrency: Self::DEFAULT_CONCURRENCY,
        })
    }

    /// BigCommerce's own API, or the URL in `SYNCAUT_BIGCOMMERCE_API_URL` when it is set,
    /// with every other `SYNCAUT_HTTP_*` / `SYNCAUT_STEP_*` / `SYNCAUT_RETURN_ALL_*`
    /// setting that is set. A value that cannot be used is an error that names it.
    pub fn from_env() -> Result<Self, Error> {
        let mut config = match std::env::var(API_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => Self::new(url.trim())?,
            // Set but empty is a mistake, not a wish for BigCommerce's own API.
            Ok(_) => {
                return Err(Error::InvalidSetting {
                    name: API_URL_ENV,
                    value: String::new(),
                    why: "it is set but empty: set it to the API's base URL (such as the sandbox's), or unset it to use BigCommerce's",
                });
            }
            Err(_) => Self::new(DEFAULT_API_URL)?,
        };
        if let Some(seconds) = setting(
            TIMEOUT_ENV,
            seconds_between(0.0, 86_400.0),
            "it must be a number of seconds above 0 and below 86400",
        )? {
            config.timeout = seconds;
        }
        if let Some(seconds) = setting(
            STEP_TIMEOUT_ENV,
            seconds_between(0.0, 86_400.0),
            "it must be a number of seconds above 0 and below 86400",
        )? {
            config.step_deadline = seconds;
        }
        if let Some(n) = setting(
            CONCURRENCY_ENV,
            whole_between(1, Self::MAX_CONCURRENCY as u64),
            "it must be a whole number from 1 to 40",
        )? {
            config.concurrency = n as usize;
        }
        if let Some(mb) = setting(
            MAX_RESPONSE_ENV,
            whole_between(1, 1024),
            "it must be a whole number of MiB from 1 to 1024",
        )? {
            config.max_response_bytes = mb * 1024 * 1024;
        }
        if let Some(n) = setting(
            MAX_RECORDS_ENV,
            whole_between(1, 10_000_000),
            "it must be a whole number from 1 to 10000000",
        )? {
            config.max_records = n;
        }
        Ok(config)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// The API base of a store: `{base}/stores/{hash}/{v2|v3}`, without a trailing slash.
    /// Every URL of every request starts with this; it is the only place the shape is
    /// written.
    pub fn api_base(&self, store_hash: &StoreHash, version: ApiVersion) -> String {
        let base = self.base_url();
        let mut url = String::with_capacity(base.len() + store_hash.as_str().len() + 12);
        url.push_str(base);
        url.push_str("/stores/");
        url.push_str(store_hash.as_str());
        url.push('/');
        url.push_str(version.as_str());
        url
    }

    /// The URL of a request: `path` (already percent-encoded, starting with `/`) below
    /// [`Self::api_base`], with an already encoded `query`. The base URL was parsed once;
    /// only the path and query are set here.
    pub fn url(&self, store_hash: &StoreHash, version: ApiVersion, path: &str, query: Option<&str>) -> Url {
        let mut url = self.base_url.clone();
        let stem = url.path().trim_end_matches('/');
        let mut full = String::with_capacity(stem.len() + store_hash.as_str().len() + path.len() + 12);
        full.push_str(stem);
        full.push_str("/stores/");
        full.push_str(store_hash.as_str());
        full.push('/');
        full.push_str(version.as_str());
        full.push_str(path);
        url.set_path(&full);
        url.set_query(query.filter(|q| !q.is_empty()));
        url
    }

    /// Whether `url` is on the API's origin (scheme, host and port), as every request
    /// must be.
    pub fn is_api_origin(&self, url: &Url) -> bool {
        url.origin() == self.base_url.origin()
    }
}

/// Reads an environment variable through `parse`; `Ok(None)` when it is unset or empty.
fn setting<T>(name: &'static str, parse: impl Fn(&str) -> Option<T>, why: &'static str) -> Result<Option<T>, Error> {
    let Ok(text) = std::env::var(name) else { return Ok(None) };
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse(text.trim()).map(Some).ok_or_else(|| Error::InvalidSetting {
        name,
        value: text.chars().take(40).collect(),
        why,
    })
}

fn seconds_between(above: f64, below: f64) -> impl Fn(&str) -> Option<Duration> {
    move |text| {
        text.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > above && *s < below)
            .map(Duration::from_secs_f64)
    }
}

fn whole_between(min: u64, max: u64) -> impl Fn(&str) -> Option<u64> {
    move |text| text.parse::<u64>().ok().filter(|n| (min..=max).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Setting path and query on the parsed base gives the URL that parsing the whole
    /// text would, for every base shape and for encoded paths and queries.
    #[test]
    fn request_urls_match_parsing_the_whole_text() {
        let store = StoreHash::new("abc123").unwrap();
        for base in [
            "https://api.bigcommerce.com",
            "http://127.0.0.1:8080/",
            "http://localhost:9/proxy/bc",
        ] {
            let config = TransportConfig::new(base).unwrap();
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
                        "" => format!("{}{path}", config.api_base(&store, version)),
                        q => format!("{}{path}?{q}", config.api_base(&store, version)),
                    };
                    let url = config.url(&store, version, path, Some(query));
                    assert_eq!(url, Url::parse(&text).unwrap(), "{text}");
                    assert_eq!(url.as_str(), text);
                    assert!(config.is_api_origin(&url));
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
        let store = StoreHash::new("abc123").unwrap();
        assert_eq!(
            config.api_base(&store, ApiVersion::V3),
            "http://127.0.0.1:9/stores/abc123/v3"
        );
        assert_eq!(
            config.api_base(&store, ApiVersion::V2),
            "http://127.0.0.1:9/stores/abc123/v2"
        );
    }

    #[test]
    fn another_origin_is_not_the_api() {
        let config = TransportConfig::new("http://127.0.0.1:9").unwrap();
        for other in ["http://localhost:9/x", "http://127.0.0.1:10/x", "https://127.0.0.1:9/x"] {
            assert!(!config.is_api_origin(&Url::parse(other).unwrap()), "{other}");
        }
    }

    #[test]
    fn setting_parsers_refuse_what_they_cannot_use() {
        let seconds = seconds_between(0.0, 86_400.0);
        assert_eq!(seconds("1.5"), Some(Duration::from_millis(1500)));
        for bad in ["0", "-1", "nan", "inf", "86400", "ten"] {
            assert_eq!(seconds(bad), None, "{bad}");
        }
        let whole = whole_between(1, 40);
        assert_eq!(whole("40"), Some(40));
        for bad in ["0", "41", "-3", "2.5", "x"] {
            assert_eq!(whole(bad), None, "{bad}");
        }
    }
}
