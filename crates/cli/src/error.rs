//! The one error type of the CLI: a stable code and a message that says what to do.

use std::fmt;

/// A failure to report to the user.
#[derive(Debug)]
pub(crate) struct CliError {
    /// Stable machine code, such as `unknown_action`.
    pub(crate) code: &'static str,
    /// What happened and what to do about it.
    pub(crate) message: String,
}

impl CliError {
    /// A new error.
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Writing output failed (a closed pipe, a full disk).
    pub(crate) fn io(what: &str, err: &std::io::Error) -> Self {
        Self::new("io", format!("could not {what}: {err}"))
    }

    /// Prints the error on standard error, as text or JSON.
    pub(crate) fn print(&self, json: bool) {
        if json {
            let value = serde_json::json!({"error": {"code": self.code, "message": self.message}});
            eprintln!("{value}");
        } else {
            eprintln!("{self}");
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)
    }
}
