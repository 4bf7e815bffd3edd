//! "Return all": every page of a list, as the action's [`Paging`] data describes it.
//!
//! - The first page is fetched with the largest page size; when the total is known
//!   ([`Total::PagesInMeta`] from the page itself, [`Total::CountEndpoint`] asked at the
//!   same time), the other pages are fetched at most `TransportConfig::concurrency` at a
//!   time, spawned as earlier ones finish; otherwise pages are read in turn until a short
//!   or empty one.
//! - What the server says about the total is input: a list that claims more records than
//!   [`TransportConfig::max_records`](bigcommerce_api::TransportConfig) fails with
//!   `too_many_records` before anything more is fetched, a total of zero beside a first
//!   page with records is an error, and the records actually received are counted against
//!   the same limit. Nothing is silently cut: the output holds every record (up to the
//!   user's own `limit`) or the step fails.
//! - Records are kept as the JSON text received, each checked (see [`crate::Output`]).

use std::collections::BTreeMap;

use bigcommerce_api::{Answer, Call, StoreClient};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use syncaut_actions::{Control, Items, Pagination, Paging, Total};
use tokio::task::JoinSet;

use crate::output::check_record;
use crate::request::PreparedRequest;
use crate::{ExecError, Executor, Output, Prepared};

/// One page's records, each the JSON text of one record (checked, not parsed into values).
type Records = Vec<Box<RawValue>>;

/// The request for one page: the step's own filters, with the page and size replaced.
fn page_request(base: &PreparedRequest, paging: &Paging, page: u64) -> PreparedRequest {
    let mut request = base.clone();
    request
        .query
        .retain(|(name, _)| name != paging.page_param && name != paging.limit_param);
    request.query.push((paging.page_param.into(), page.to_string()));
    request
        .query
        .push((paging.limit_param.into(), paging.max_page_size.to_string()));
    request
}

/// A V3 page: `{"data": [...], "meta": {"pagination": {"total_pages": N}}}`.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    data: Option<Vec<&'a RawValue>>,
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    pagination: Option<MetaPagination>,
}

#[derive(Deserialize)]
struct MetaPagination {
    total_pages: Option<u64>,
}

fn invalid(status: u16, reason: String) -> ExecError {
    ExecError::InvalidResponse { status, reason }
}

/// The records of one page and, for [`Total::PagesInMeta`], the page count it reports.
fn page_items(paging: &Paging, answer: &Answer) -> Result<(Records, Option<u64>), ExecError> {
    let body = answer.body.trim_ascii_start();
    if answer.status == 204 || body.is_empty() {
        return Ok((Vec::new(), None));
    }
    let (items, total_pages) = match paging.items {
        Items::Body => {
            let items: Vec<&RawValue> = serde_json::from_slice(body)
                .map_err(|e| invalid(answer.status, format!("a page is not a JSON array ({e})")))?;
            (items, None)
        }
        Items::Data => {
            let page: Envelope<'_> = serde_json::from_slice(body)
                .map_err(|e| invalid(answer.status, format!("a page is not a V3 envelope ({e})")))?;
            let total = page.meta.and_then(|m| m.pagination).and_then(|p| p.total_pages);
            let items = page
                .data
                .ok_or_else(|| invalid(answer.status, "a V3 page should have a `data` array".into()))?;
            (items, total)
        }
    };
    let mut records = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        check_record(item)
            .map_err(|e| invalid(answer.status, format!("record {index} of a page cannot be read ({e})")))?;
        records.push(item.to_owned());
    }
    Ok((records, total_pages))
}

fn paging_error(page: u64, pages: Option<u64>, source: ExecError) -> ExecError {
    ExecError::Paging {
        page,
        pages,
        source: Box::new(source),
    }
}

/// What the user asked for and what the settings allow.
struct Bounds {
    /// The user's `limit`, if any.
    limit: Option<u64>,
    /// The most records one "return all" may collect.
    max_records: u64,
    page_size: u64,
}

impl Bounds {
    /// The pages needed for `available` pages, or an error when they hold more records than
    /// may be collected (and the user's limit does not stop earlier).
    fn pages_to_fetch(&self, available: u64, claimed_records: u64) -> Result<u64, ExecError> {
        if let Some(limit) = self.limit.filter(|l| *l <= self.max_records) {
            return Ok(limit.div_ceil(self.page_size).min(available));
        }
        if claimed_records > self.max_records {
            return Err(ExecError::TooManyRecords {
                claimed: claimed_records,
                limit: self.max_records,
            });
        }
        Ok(available)
    }

    /// Whether `collected` records already answer the request.
    fn enough(&self, collected: u64) -> bool {
        self.limit.is_some_and(|l| collected >= l)
    }
}

impl Executor {
    /// One page: sent, checked, and its items returned.
    async fn page(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        paging: &Paging,
        page: u64,
        call: &Call<'_>,
    ) -> Result<(Records, Option<u64>), ExecError> {
        let request = page_request(&prepared.request, paging, page);
        let answer = self.exchange(store, prepared, &request, call).await?;
        if !(200..300).contains(&answer.status) {
            return Err(self.interpret_failure(store, prepared, &request, &answer, call).await);
        }
        page_items(paging, &answer)
    }

    /// Fetches every page of a list action and shapes the output envelope.
    pub(crate) async fn fetch_all(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        call: &Call<'_>,
    ) -> Result<Output, ExecError> {
        let Pagination::Pages(paging) = prepared.action.pagination else {
            return Err(ExecError::InvalidParam {
                key: "return_all".into(),
                message: "this action does not page".into(),
            });
        };
        let config = self.transport.config();
        let bounds = Bounds {
            limit: prepared.control(Control::Limit).and_then(Value::as_u64),
            max_records: config.max_records,
            page_size: paging.max_page_size.max(1),
        };
        let (first, reported_pages, count) = match paging.total {
            Total::CountEndpoint { path, field } => {
                let first = self.page(store, prepared, &paging, 1, call);
                let count = self.count(store, prepared, &paging, path, field, call);
                let (first, count) = if config.concurrency > 1 {
                    tokio::join!(first, count)
                } else {
                    let first = first.await;
                    (first, count.await)
                };
                let pages = count.map(|c| c.div_ceil(bounds.page_size));
                let (first, _) = first.map_err(|e| paging_error(1, pages, e))?;
                (first, None, count)
            }
            Total::PagesInMeta | Total::Unknown => {
                let (first, pages) = self
                    .page(store, prepared, &paging, 1, call)
                    .await
                    .map_err(|e| paging_error(1, None, e))?;
                let pages = pages.filter(|_| paging.total == Total::PagesInMeta);
                (first, pages, None)
            }
        };
        let first_len = first.len() as u64;
        let claimed = match (reported_pages, count) {
            (Some(pages), _) => Some((pages, pages.saturating_mul(bounds.page_size))),
            (None, Some(count)) => Some((count.div_ceil(bounds.page_size), count)),
            (None, None) => None,
        };
        if let Some((0, _)) = claimed
            && first_len > 0
        {
            return Err(paging_error(
                1,
                Some(0),
                invalid(
                    200,
                    format!(
                        "the list says it is empty, but its first page has {first_len} records; nothing was output rather than a partial list"
                    ),
                ),
            ));
        }
        let mut pages: BTreeMap<u64, Records> = BTreeMap::new();
        pages.insert(1, first);
        let mut collected = first_len;
        self.check_collected(collected, &bounds)?;
        match claimed {
            Some((available, records)) => {
                let last = bounds.pages_to_fetch(available, records)?;
                if last > 1 && !bounds.enough(collected) {
                    self.fetch_concurrently(store, prepared, &paging, 2..=last, available, call, &bounds, &mut pages)
                        .await?;
                }
            }
            None if first_len < bounds.page_size || bounds.enough(collected) => {}
            None => {
                // No total: read pages in turn until one is short or empty.
                for page in 2.. {
                    let (items, _) = self
                        .page(store, prepared, &paging, page, call)
                        .await
                        .map_err(|e| paging_error(page, None, e))?;
                    let short = (items.len() as u64) < bounds.page_size;
                    collected += items.len() as u64;
                    self.check_collected(collected, &bounds)?;
                    pages.insert(page, items);
                    if let Some(progress) = &self.progress {
                        progress(page, 0);
                    }
                    if short || bounds.enough(collected) {
                        break;
                    }
                }
            }
        }
        let mut data: Records = Vec::with_capacity(pages.values().map(Vec::len).sum());
        for records in pages.into_values() {
            data.extend(records);
        }
        if let Some(limit) = bounds.limit {
            data.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(Output::records(data, prepared.action.id, prepared.store_hash.clone()))
    }

    /// Refuses to hold more records than a "return all" may collect (a server that ignores
    /// the page size, or claims pages that never end). With the user's own limit, the last
    /// page may go past it by less than a page.
    fn check_collected(&self, collected: u64, bounds: &Bounds) -> Result<(), ExecError> {
        let allowed = match bounds.limit {
            Some(limit) if limit <= bounds.max_records => limit + bounds.page_size,
            _ => bounds.max_records,
        };
        if collected > allowed {
            return Err(ExecError::TooManyRecords {
                claimed: collected,
                limit: bounds.max_records,
            });
        }
        Ok(())
    }

    /// The count endpoint's answer for the list's filters; `None` when it cannot be had or
    /// is not a whole number.
    async fn count(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        paging: &Paging,
        path: &str,
        field: &str,
        call: &Call<'_>,
    ) -> Option<u64> {
        let mut request = prepared.request.clone();
        request.path = path.to_owned();
        request
            .query
            .retain(|(name, _)| name != paging.page_param && name != paging.limit_param);
        let answer = self.exchange(store, prepared, &request, call).await.ok()?;
        if !(200..300).contains(&answer.status) {
            return None;
        }
        serde_json::from_slice::<Value>(&answer.body).ok()?.get(field)?.as_u64()
    }

    /// Fetches `range` with at most `concurrency` pages in flight, into `pages`. A page is
    /// spawned only when a slot is free, so a huge range costs nothing up front.
    #[allow(clippy::too_many_arguments)]
    async fn fetch_concurrently(
        &self,
        store: &StoreClient,
        prepared: &Prepared,
        paging: &Paging,
        range: std::ops::RangeInclusive<u64>,
        total: u64,
        call: &Call<'_>,
        bounds: &Bounds,
        pages: &mut BTreeMap<u64, Records>,
    ) -> Result<(), ExecError> {
        let concurrency = self.transport.config().concurrency.max(1);
        let mut next = range.clone();
        let mut tasks = JoinSet::new();
        let mut collected: u64 = pages.values().map(|p| p.len() as u64).sum();
        // Spawned tasks need owned handles; the call's statistics and deadline are shared
        // through an owned copy of the deadline and a shared counter.
        let stats = std::sync::Arc::new(bigcommerce_api::Stats::default());
        let deadline = call.deadline;
        let budget = call.budget;
        let priority = call.priority;
        let result = loop {
            while tasks.len() < concurrency {
                let Some(page) = next.next() else { break };
                let (executor, store, prepared, stats) = (
                    self.clone(),
                    store.clone(),
                    prepared.clone(),
                    std::sync::Arc::clone(&stats),
                );
                let paging = *paging;
                tasks.spawn(async move {
                    let call = Call {
                        stats: &stats,
                        deadline,
                        budget,
                        priority,
                    };
                    let result = executor.page(&store, &prepared, &paging, page, &call).await;
                    (page, result)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break Ok(());
            };
            let (page, result) = match joined {
                Ok(done) => done,
                Err(e) => break Err(invalid(0, format!("a page fetch stopped: {e}"))),
            };
            match result {
                Ok((items, _)) => {
                    collected += items.len() as u64;
                    if let Err(err) = self.check_collected(collected, bounds) {
                        break Err(err);
                    }
                    pages.insert(page, items);
                    if let Some(progress) = &self.progress {
                        progress(pages.len() as u64, total);
                    }
                }
                Err(err) => break Err(paging_error(page, Some(total), err)),
            }
        };
        tasks.abort_all();
        call.stats.add(&stats.snapshot());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGING: Paging = Paging {
        page_param: "page",
        limit_param: "limit",
        max_page_size: 250,
        items: Items::Body,
        total: Total::Unknown,
    };

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
        assert_eq!(
            page_request(&base, &PAGING, 7).query_string(),
            "status_id=11&page=7&limit=250"
        );
    }

    #[test]
    fn bounds_refuse_lists_larger_than_the_setting_unless_a_limit_stops_first() {
        let bounds = Bounds {
            limit: None,
            max_records: 1000,
            page_size: 250,
        };
        assert_eq!(bounds.pages_to_fetch(4, 1000).unwrap(), 4);
        assert_eq!(
            bounds
                .pages_to_fetch(1_000_000_000, 250_000_000_000)
                .unwrap_err()
                .code(),
            "too_many_records"
        );
        let limited = Bounds {
            limit: Some(300),
            ..bounds
        };
        assert_eq!(limited.pages_to_fetch(1_000_000_000, 250_000_000_000).unwrap(), 2);
        assert!(limited.enough(300) && !limited.enough(299));
    }
}
