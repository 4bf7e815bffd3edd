//! "Return all": every page of a list, 250 records at a time, several pages at once.
//!
//! - V3: the first page's `meta.pagination.total_pages` says how many pages there are;
//!   the rest are fetched concurrently (at most `TransportConfig::concurrency` at once).
//! - V2: the count endpoint (same filters) says how many records there are (asked at the
//!   same time as the first page), and the other pages are fetched concurrently; when the
//!   count is unavailable, pages are read one after another until a short page or a `204`.
//!
//! Records are kept as the JSON text received (see [`crate::Output`]), so ten thousand
//! products cost about their size in JSON, not a tree of values.
//!
//! Pages come back in order as one array, cut to the optional `limit`. Any page that
//! fails (after the retries `http::call` allows) fails the step: no partial list is output
//! as if it were complete. The envelope gains `meta` with pages, items, requests, retries,
//! time waited for rate limits and backoff, and bytes received.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bigcommerce_api::StoreClient;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use syncaut_actions::{Control, Pagination};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::http::{RawAnswer, Stats};
use crate::request::PreparedRequest;
use crate::{ExecError, Executor, Output, Prepared};

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

/// One page's records, each the JSON text of one record (checked, not parsed into values).
type Records = Vec<Box<RawValue>>;

/// A V3 page: `{"data": [...], "meta": {"pagination": {"total_pages": N}}}`.
#[derive(Deserialize)]
struct V3Page<'a> {
    #[serde(borrow)]
    data: Option<Vec<&'a RawValue>>,
    meta: Option<V3Meta>,
}

#[derive(Deserialize)]
struct V3Meta {
    pagination: Option<V3Pagination>,
}

#[derive(Deserialize)]
struct V3Pagination {
    total_pages: Option<u64>,
}

/// The records of one page, from a V3 envelope or a V2 array (`204`: none), and the
/// page count a V3 page reports.
fn page_items(answer: &RawAnswer) -> Result<(Records, Option<u64>), ExecError> {
    let invalid = |reason: String| ExecError::InvalidResponse {
        status: answer.status,
        reason,
    };
    let body = answer.body.trim_ascii_start();
    if answer.status == 204 || body.is_empty() {
        return Ok((Vec::new(), None));
    }
    let own = |items: Vec<&RawValue>| items.into_iter().map(ToOwned::to_owned).collect();
    match body.first() {
        Some(b'[') => serde_json::from_slice::<Vec<&RawValue>>(body)
            .map(|items| (own(items), None))
            .map_err(|e| invalid(format!("a page is not a valid JSON array ({e})"))),
        Some(b'{') => {
            let page = serde_json::from_slice::<V3Page<'_>>(body)
                .map_err(|e| invalid(format!("a V3 page is not valid ({e})")))?;
            let total_pages = page.meta.and_then(|m| m.pagination).and_then(|p| p.total_pages);
            match page.data {
                Some(items) => Ok((own(items), total_pages)),
                None => Err(invalid("a V3 page should have a `data` array".into())),
            }
        }
        _ => Err(invalid("a page should be a JSON array or a V3 envelope".into())),
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
        stats: &Stats,
    ) -> Result<(Records, Option<u64>), ExecError> {
        let answer = self
            .exchange(store, prepared.action, prepared.action.api_version, request, stats)
            .await?;
        if !(200..300).contains(&answer.status) {
            return Err(self.interpret_failure(store, prepared, &answer).await);
        }
        page_items(&answer)
    }

    /// Fetches every page of a list action and shapes the output envelope.
    pub(crate) async fn fetch_all(&self, store: &StoreClient, prepared: &Prepared) -> Result<Output, ExecError> {
        let stats = Arc::new(Stats::default());
        let limit = prepared.control(Control::Limit).and_then(Value::as_u64);
        let wanted_pages = |available: u64| limit.map_or(available, |l| l.div_ceil(PAGE_SIZE).min(available));
        let base = &prepared.request;
        let mut pages: BTreeMap<u64, Records> = BTreeMap::new();
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
                // The count and the first page are needed either way: ask for both at once.
                let first_request = page_request(base, 1);
                let first = self.page(store, prepared, &first_request, &stats);
                let (count, first) = match count_path {
                    Some(path) if self.transport.config().concurrency > 1 => {
                        tokio::join!(self.count(store, prepared, path, &stats), first)
                    }
                    Some(path) => (self.count(store, prepared, path, &stats).await, first.await),
                    None => (None, first.await),
                };
                let (first, _) = first.map_err(|e| paging_error(1, count.map(|c| c.div_ceil(PAGE_SIZE)), e))?;
                let first_short = (first.len() as u64) < PAGE_SIZE;
                pages.insert(1, first);
                match count {
                    Some(count) => {
                        let available = count.div_ceil(PAGE_SIZE);
                        total_pages = Some(available);
                        self.fetch_concurrently(
                            store,
                            prepared,
                            2..=wanted_pages(available),
                            Some(available),
                            &stats,
                            &mut pages,
                        )
                        .await?;
                    }
                    None if first_short || limit.is_some_and(|l| l <= PAGE_SIZE) => {}
                    None => {
                        // No count: read pages in turn until one is short (or a 204).
                        for page in 2.. {
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
        let mut data: Records = Vec::with_capacity(pages.values().map(Vec::len).sum());
        for records in pages.into_values() {
            data.extend(records);
        }
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
        let mut rest = Map::new();
        rest.insert("action".into(), json!(prepared.action.id));
        rest.insert("storeHash".into(), json!(prepared.store_hash.as_str()));
        rest.insert("meta".into(), meta);
        Ok(Output::from_records(data, rest))
    }

    /// `GET <count_path>` with the list's filters; `None` when it cannot be had.
    async fn count(&self, store: &StoreClient, prepared: &Prepared, path: &str, stats: &Stats) -> Option<u64> {
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
        pages: &mut BTreeMap<u64, Records>,
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
