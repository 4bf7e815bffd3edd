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

    /// Reading or writing failed (a full disk, a missing file). A pipe closed by the
    /// reader (`syncaut … | head`) is not a failure the user needs to hear about: it has
    /// its own code, and the command exits quietly.
    pub(crate) fn io(what: &str, err: &std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            return Self::new(Self::BROKEN_PIPE, "the output was closed");
        }
        Self::new("io", format!("could not {what}: {err}"))
    }

    /// The code of a closed output pipe.
    pub(crate) const BROKEN_PIPE: &'static str = "broken_pipe";

    /// `{"code": …, "message": …}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"code": self.code, "message": self.message})
    }

    /// Prints the error on standard error, as text or JSON.
    pub(crate) fn print(&self, json: bool) {
        use std::io::Write;
        let text = if json {
            serde_json::json!({"error": self.to_json()}).to_string()
        } else {
            self.to_string()
        };
        // Standard error may be closed too; there is nothing more to say then.
        let _ = writeln!(std::io::stderr(), "{text}");
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)
    }
}
