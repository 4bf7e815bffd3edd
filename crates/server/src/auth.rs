//! The API key every `/v1` route needs (`Authorization: Bearer <key>`): from
//! `SYNCAUT_API_KEY`, or generated on first start into `<data dir>/api.key` (mode 0600) and
//! printed once.

use std::io::Write;
use std::path::{Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};

use crate::StartError;
use crate::error::ApiError;

/// The setting that gives the API key.
pub const API_KEY_ENV: &str = "SYNCAUT_API_KEY";

/// The file in the data directory that holds a generated key.
pub const API_KEY_FILE: &str = "api.key";

/// The shortest key accepted from the environment.
const MIN_KEY_CHARS: usize = 16;

/// The service's API key.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Where the key came from, for the start-up message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// `SYNCAUT_API_KEY`.
    Env,
    /// The key file, made on an earlier start.
    File(PathBuf),
    /// Generated now into the key file: print it once.
    Generated(PathBuf),
}

impl ApiKey {
    /// The key from the environment, the key file, or a new key file.
    pub fn load_or_create(data_dir: &Path) -> Result<(Self, KeyOrigin), StartError> {
        match std::env::var(API_KEY_ENV) {
            Ok(key) if key.trim().chars().count() >= MIN_KEY_CHARS => {
                return Ok((Self(SecretString::from(key.trim().to_owned())), KeyOrigin::Env));
            }
            Ok(key) if key.trim().is_empty() => {
                return Err(StartError::new(
                    "invalid_api_key",
                    format!(
                        "{API_KEY_ENV} is set but empty: set it to a key of at least {MIN_KEY_CHARS} characters (for example `openssl rand -base64 32`), or unset it to use {API_KEY_FILE} in the data directory"
                    ),
                ));
            }
            Ok(_) => {
                return Err(StartError::new(
                    "invalid_api_key",
                    format!(
                        "{API_KEY_ENV} is too short: use at least {MIN_KEY_CHARS} characters (for example `openssl rand -base64 32`)"
                    ),
                ));
            }
            Err(_) => {}
        }
        let path = data_dir.join(API_KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                check_private(&path)?;
                let key = text.trim();
                if key.chars().count() < MIN_KEY_CHARS {
                    return Err(StartError::new(
                        "invalid_api_key",
                        format!(
                            "{} holds no usable key; delete it to have a new one generated",
                            path.display()
                        ),
                    ));
                }
                Ok((Self(SecretString::from(key.to_owned())), KeyOrigin::File(path)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes)
                    .map_err(|e| StartError::new("random", format!("cannot generate an API key: {e}")))?;
                let key = format!(
                    "syncaut_{}",
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
                );
                write_private(&path, &key)?;
                Ok((Self(SecretString::from(key)), KeyOrigin::Generated(path)))
            }
            Err(e) => Err(StartError::new(
                "io",
                format!("cannot read the API key file {}: {e}", path.display()),
            )),
        }
    }

    /// The key itself, to print once when it was generated.
    pub fn reveal(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether `candidate` is the key, compared in constant time.
    fn matches(&self, candidate: &str) -> bool {
        let expected = self.0.expose_secret().as_bytes();
        let given = candidate.as_bytes();
        if expected.len() != given.len() {
            return false;
        }
        expected.iter().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

fn write_private(path: &Path, key: &str) -> Result<(), StartError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(format!("{key}\n").as_bytes()))
        .map_err(|e| StartError::new("io", format!("cannot write the API key file {}: {e}", path.display())))
}

fn check_private(path: &Path) -> Result<(), StartError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| StartError::new("io", format!("cannot read {}: {e}", path.display())))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(StartError::new(
                "insecure_permissions",
                format!(
                    "the API key file {path} can be read or changed by other users (mode {mode:o}); run `chmod 600 {path}` and start again",
                    path = path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The middleware of every `/v1` route.
pub async fn require_key(State(key): State<ApiKey>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let refusal = match given {
        Some(candidate) if key.matches(candidate) => return next.run(request).await,
        Some(_) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!(
                "the API key is not valid: send `Authorization: Bearer <key>` with the key in {API_KEY_FILE} in the data directory (or in {API_KEY_ENV})"
            ),
        ),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!(
                "this route needs the API key: send `Authorization: Bearer <key>` with the key in {API_KEY_FILE} in the data directory (or in {API_KEY_ENV})"
            ),
        ),
    };
    let mut response = refusal.into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}
