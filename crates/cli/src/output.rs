//! Writing to standard output without panicking on a closed pipe.

use std::io::Write;

use serde::Serialize;

use crate::error::CliError;

/// Prints pretty JSON and a newline, written as it is serialised (a "return all" of
/// thousands of records is never held as one string).
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, value).map_err(|e| {
        if e.is_io() {
            CliError::io("write to standard output", &e.into())
        } else {
            CliError::new("internal", e.to_string())
        }
    });
    written?;
    writeln!(out)
        .and_then(|()| out.flush())
        .map_err(|e| CliError::io("write to standard output", &e))
}

/// Prints lines.
pub(crate) fn print_lines(lines: &[String]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}").map_err(|e| CliError::io("write to standard output", &e))?;
    }
    Ok(())
}
