//! "Return all": every page of a list, 250 records at a time, several pages at once.
//!
//! - V3: the first page's `meta.pagination.total_pages` says how many pages there are;
//!   the rest are fetched concurrently (at most `TransportConfig::concurrency` at once).
//! - V2: the count endpoint (same filters) says how many records there are, and the pages
//!   are fetched concurrently; when the count is unavailable, pages are read one after
//!   another until a short page or a `204`.
//!
//! Pages come back in order as one array, cut to the optional `limit`. Any page that
//! fails (after the retries `http::call` allows) fails the step: no partial list is output
//! as if it were complete. The envelope gains `meta` with pages, items, requests, retries,
//! time waited for rate limits and backoff, and bytes received.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bigcommerce_api::StoreClient;
use serde_json::{Value, json};
use syncaut_actions::{Control, Pagination};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::http::{RawAnswer, Stats};
use crate::request::PreparedRequest;
use crate::{ExecError, Executor, Prepared};

/// Records per request when fetching everything: BigCommerce's maximum.
pub(crate) const PAGE_SIZE: u64 = 250;

/// The request for one page: the step's own filters, with `page` and `limit` replaced.
fn page_request(base: &PreparedRequest, page: u64) -> PreparedRequest {
    let mut request = base.clone();
    request.query.retain(|(name, _)| name != "page" && name != "limit");
    request.query.push(("page".into(), page.to_string()));
    request.query.push(("limit".into(), PAGE_SIZE.to_string()));
    request
}

/// The items of one page, from a V3 envelope or a V2 array (`204`: none).
fn page_items(answer: &RawAnswer) -> Result<(Vec<Value>, Option<u64>), ExecError> {
    let invalid = |reason: &str| ExecError::InvalidResponse {
        status: answer.status,
        reason: reason.to_owned(),
    };
    if answer.status == 204 || answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok((Vec::new(), None));
    }
    match serde_json::from_slice::<Value>(&answer.body).map_err(|_| invalid("a page is not JSON"))? {
        Value::Array(items) => Ok((items, None)),
        Value::Object(mut envelope) => {
            let total_pages = envelope
                .get("meta")
                .and_then(|m| m.pointer("/pagination/total_pages"))
                .and_then(Value::as_u64);
            match envelope.remove("data") {
                Some(Value::Array(items)) => Ok((items, total_pages)),
                _ => Err(invalid("a V3 page should have a `data` array")),
            }
        }
        _ => Err(invalid("a page should be a JSON array or a V3 envelope")),
    }
}

fn paging_error(page: u64, pages: Option<u64>, source: ExecError) -> ExecError {
    ExecError::Paging {
        page,
        pages,
        source: Box::new(source),
    }
}

impl Executor {
    /// One page: sent, checked, and its items returned.
    async fn page(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        request: &PreparedRequest,
        stats: &Arc<Stats>,
    ) -> Result<(Vec<Value>, Option<u64>), ExecError> {
        let answer = self
            .exchange(store, prepared.action, prepared.action.api_version, request, stats)
            .await?;
        if !(200..300).contains(&answer.status) {
            return Err(self.interpret_failure(store, prepared, &answer).await);
        }
        page_items(&answer)
    }

    /// Fetches every page of a list action and shapes the output envelope.
    pub(crate) async fn fetch_all(&self, store: &StoreClient, prepared: &Prepared) -> Result<Value, ExecError> {
        let stats = Arc::new(Stats::default());
        let limit = prepared.control(Control::Limit).and_then(Value::as_u64);
        let wanted_pages = |available: u64| limit.map_or(available, |l| l.div_ceil(PAGE_SIZE).min(available));
        let base = &prepared.request;
        let mut pages: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
        let mut total_pages = None;
        match prepared.action.pagination {
            Pagination::None => {
                return Err(ExecError::InvalidParam {
                    key: "return_all".into(),
                    message: "this action does not page".into(),
                });
            }
            Pagination::V3Pages => {
                let (first, reported) = self
                    .page(store, prepared, &page_request(base, 1), &stats)
                    .await
                    .map_err(|e| paging_error(1, None, e))?;
                pages.insert(1, first);
                let available = reported.unwrap_or(1).max(1);
                total_pages = Some(available);
                let last = wanted_pages(available);
                self.fetch_concurrently(store, prepared, 2..=last, Some(available), &stats, &mut pages)
                    .await?;
            }
            Pagination::V2Pages { count_path } => {
                let count = match count_path {
                    Some(path) => self.count(store, prepared, path, &stats).await,
                    None => None,
                };
                match count {
                    Some(count) => {
                        let available = count.div_ceil(PAGE_SIZE);
                        total_pages = Some(available);
                        self.fetch_concurrently(
                            store,
                            prepared,
                            1..=wanted_pages(available),
                            Some(available),
                            &stats,
                            &mut pages,
                        )
                        .await?;
                    }
                    None => {
                        // No count: read pages in turn until one is short (or a 204).
                        for page in 1.. {
                            let (items, _) = self
                                .page(store, prepared, &page_request(base, page), &stats)
                                .await
                                .map_err(|e| paging_error(page, None, e))?;
                            let short = (items.len() as u64) < PAGE_SIZE;
                            pages.insert(page, items);
                            if short || limit.is_some_and(|l| page * PAGE_SIZE >= l) {
                                break;
                            }
                        }
                    }
                }
            }
        }
        let fetched = pages.len();
        let mut data: Vec<Value> = pages.into_values().flatten().collect();
        if let Some(limit) = limit {
            data.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        let meta = json!({
            "pages": fetched,
            "total_pages": total_pages,
            "items": data.len(),
            "requests": stats.requests.load(Ordering::Relaxed),
            "retries": stats.retries.load(Ordering::Relaxed),
            "waited_ms": stats.waited_ms.load(Ordering::Relaxed),
            "bytes": stats.bytes.load(Ordering::Relaxed),
        });
        Ok(json!({"data": data, "action": prepared.action.id, "storeHash": prepared.store_hash.as_str(), "meta": meta}))
    }

    /// `GET <count_path>` with the list's filters; `None` when it cannot be had.
    async fn count(&self, store: &StoreClient, prepared: &Prepared, path: &str, stats: &Arc<Stats>) -> Option<u64> {
        let mut request = prepared.request.clone();
        request.path = path.to_owned();
        request.query.retain(|(name, _)| name != "page" && name != "limit");
        let answer = self
            .exchange(store, prepared.action, prepared.action.api_version, &request, stats)
            .await
            .ok()?;
        if !(200..300).contains(&answer.status) {
            return None;
        }
        serde_json::from_slice::<Value>(&answer.body)
            .ok()?
            .get("count")?
            .as_u64()
    }

    /// Fetches `range` with at most `concurrency` pages in flight, into `pages`.
    async fn fetch_concurrently(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        range: std::ops::RangeInclusive<u64>,
        total: Option<u64>,
        stats: &Arc<Stats>,
        pages: &mut BTreeMap<u64, Vec<Value>>,
    ) -> Result<(), ExecError> {
        let limit = Arc::new(Semaphore::new(self.transport.config().concurrency.max(1)));
        let mut tasks = JoinSet::new();
        for page in range {
            let (executor, store, prepared, stats, limit) = (
                self.clone(),
                store.clone(),
                prepared.clone(),
                Arc::clone(stats),
                Arc::clone(&limit),
            );
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let request = page_request(&prepared.request, page);
                (page, executor.page(&store, &prepared, &request, &stats).await)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let (page, result) = joined.map_err(|e| ExecError::InvalidResponse {
                status: 0,
                reason: format!("a page fetch stopped: {e}"),
            })?;
            match result {
                Ok((items, _)) => {
                    pages.insert(page, items);
                    if let Some(progress) = &self.progress {
                        progress(pages.len() as u64, total.unwrap_or(0));
                    }
                }
                Err(err) => {
                    tasks.abort_all();
                    return Err(paging_error(page, total, err));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_requests_replace_page_and_limit_and_keep_filters() {
        let base = PreparedRequest {
            method: syncaut_actions::Method::Get,
            api_version: bigcommerce_api::ApiVersion::V2,
            path: "/orders".into(),
            query: vec![
                ("status_id".into(), "11".into()),
                ("page".into(), "3".into()),
                ("limit".into(), "5".into()),
            ],
            body: None,
        };
        assert_eq!(page_request(&base, 7).query_string(), "status_id=11&page=7&limit=250");
    }
}
