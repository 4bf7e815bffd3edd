//! Writing to standard output without panicking on a closed pipe.

use std::io::Write;

use serde_json::Value;

use crate::error::CliError;

/// Prints pretty JSON and a newline.
pub(crate) fn print_json(value: &Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::new("internal", e.to_string()))?;
    print_lines(&[text])
}

/// Prints lines.
pub(crate) fn print_lines(lines: &[String]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}").map_err(|e| CliError::io("write to standard output", &e))?;
    }
    Ok(())
}
