use thiserror::Error;

/// What can go wrong while setting up a store client. No variant ever holds the token.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The store hash is not lowercase letters and digits.
    #[error(
        "store hash `{0}` is not valid: use only lowercase letters and digits, at most 64 of them, as in /stores/abc123xyz/v3 on your BigCommerce API credentials page"
    )]
    InvalidStoreHash(String),
    /// The token is empty or cannot be sent as an HTTP header.
    #[error(
        "Invalid Access Token: the token {0}. Paste the API Access Token exactly as BigCommerce showed it when you created the API account"
    )]
    InvalidToken(&'static str),
    /// The API base URL (from `SYNCAUT_BIGCOMMERCE_API_URL` or configuration) is not usable.
    #[error(
        "API base URL `{url}` is not valid: {why}; use a URL such as https://api.bigcommerce.com or http://127.0.0.1:8080"
    )]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        why: String,
    },
    /// A setting from the environment (`SYNCAUT_HTTP_TIMEOUT_SECS`, …) is not usable.
    #[error("{name}=`{value}` is not valid: {why}; fix or unset it")]
    InvalidSetting {
        /// The environment variable.
        name: &'static str,
        /// Its value, as given.
        value: String,
        /// What it must be.
        why: &'static str,
    },
    /// The HTTP client could not be built (for example, no TLS backend).
    #[error("could not set up the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

impl Error {
    /// A stable machine code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidStoreHash(_) => "invalid_store_hash",
            Self::InvalidToken(_) => "invalid_token",
            Self::InvalidBaseUrl { .. } => "invalid_base_url",
            Self::InvalidSetting { .. } => "invalid_setting",
            Self::Http(_) => "http_client",
        }
    }
}
