//! A progress bar on standard error for long "return all" fetches; nothing at all when
//! standard error is not a terminal (pipes, CI, log files).

use std::io::IsTerminal;
use std::sync::Arc;

use bigcommerce_api::StatsSnapshot;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use syncaut_executor::{Executor, Output, Progress};

/// Adds a page counter to the executor when standard error is a terminal.
pub(crate) fn attach(executor: Executor) -> Executor {
    if !std::io::stderr().is_terminal() {
        return executor;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} fetching pages {pos}/{len} ({elapsed})") {
        bar.set_style(style);
    }
    let progress: Progress = Arc::new(move |done, total| {
        if total > 0 {
            bar.set_length(total);
        }
        bar.set_position(done);
        if total > 0 && done >= total {
            bar.finish_and_clear();
        }
    });
    executor.with_progress(progress)
}

/// After a step that took more than one request (a "return all", or retries), says on
/// standard error what it took: the output itself holds only what BigCommerce returned.
pub(crate) fn summary(output: &Output, stats: &StatsSnapshot) {
    if stats.requests <= 1 {
        return;
    }
    let records = output
        .data_len()
        .map(|n| format!("{n} record(s) in "))
        .unwrap_or_default();
    eprintln!(
        "{records}{} request(s), {} retried, {} ms waiting for rate limits and backoff, {} bytes",
        stats.requests, stats.retries, stats.waited_ms, stats.bytes
    );
}
