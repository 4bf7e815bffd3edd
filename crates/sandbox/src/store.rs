//! The emulated store and its endpoints, as plain Rust: a request in, a response out.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::seed;

/// The status-code page BigCommerce links from its V3 errors.
const STATUS_CODES_URL: &str = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes";

/// The largest page BigCommerce serves.
const MAX_LIMIT: usize = 250;
const DEFAULT_LIMIT: usize = 50;

/// A request as the emulator sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path, such as `/stores/abc123xyz/v2/orders/100`.
    pub path: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// The `X-Auth-Token` header, if sent.
    pub token: Option<String>,
    /// The raw body.
    pub body: Vec<u8>,
}

/// A response: status, JSON body (none for 204) and headers.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON body, if any.
    pub body: Option<Value>,
    /// Extra headers (rate limits).
    pub headers: Vec<(&'static str, String)>,
}

impl Response {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V2,
    V3,
}

/// An error in BigCommerce's shape for the API version.
fn error(version: Version, status: u16, title: &str, errors: Option<Value>) -> Response {
    match version {
        Version::V2 => Response::json(status, json!([{"status": status, "message": title}])),
        Version::V3 => {
            let mut body = json!({"status": status, "title": title, "type": STATUS_CODES_URL});
            if let Some(errors) = errors {
                body["errors"] = errors;
            }
            Response::json(status, body)
        }
    }
}

fn unprocessable(field: &str, message: &str) -> Response {
    error(
        Version::V3,
        422,
        "JSON data is missing or invalid",
        Some(json!({field: message})),
    )
}

/// Scope groups, as BigCommerce names their scopes (`store_v2_products[_read_only]`).
#[derive(Clone, Copy)]
enum Group {
    Products,
    Orders,
    Customers,
    Information,
}

impl Group {
    fn scope(self) -> &'static str {
        match self {
            Self::Products => "store_v2_products",
            Self::Orders => "store_v2_orders",
            Self::Customers => "store_v2_customers",
            Self::Information => "store_v2_information",
        }
    }
}

/// Every scope the emulator knows, modify and read-only.
pub const ALL_SCOPES: &[&str] = &[
    "store_v2_products",
    "store_v2_orders",
    "store_v2_customers",
    "store_v2_information",
];

/// The read-only variants of [`ALL_SCOPES`].
pub const READ_ONLY_SCOPES: &[&str] = &[
    "store_v2_products_read_only",
    "store_v2_orders_read_only",
    "store_v2_customers_read_only",
    "store_v2_information_read_only",
];

/// Rate-limit settings (BigCommerce's headers, per store).
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub quota: u32,
    /// Window length.
    pub window: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            quota: 450,
            window: Duration::from_secs(30),
        }
    }
}

struct Window {
    started: Instant,
    used: u32,
}

/// The whole emulated world: one seeded store, tokens with scopes, rate limits.
pub struct World {
    store_hash: String,
    tokens: HashMap<String, HashSet<String>>,
    rate: RateLimit,
    window: Window,
    clock: u32,
    products: BTreeMap<i64, Value>,
    variants: BTreeMap<i64, Vec<Value>>,
    categories: BTreeMap<i64, Value>,
    customers: BTreeMap<i64, Value>,
    orders: BTreeMap<i64, Value>,
    next_id: i64,
    rate_limited: u32,
}

impl World {
    /// The seeded store, with no tokens yet.
    pub fn seeded(rate: RateLimit) -> Self {
        let mut products = BTreeMap::new();
        let mut variants = BTreeMap::new();
        for (product, product_variants) in seed::products() {
            let id = product["id"].as_i64().unwrap_or_default();
            products.insert(id, product);
            variants.insert(id, product_variants);
        }
        let by_id = |items: Vec<Value>| {
            items
                .into_iter()
                .map(|v| (v["id"].as_i64().unwrap_or_default(), v))
                .collect()
        };
        Self {
            store_hash: seed::STORE_HASH.to_owned(),
            tokens: HashMap::new(),
            rate,
            window: Window {
                started: Instant::now(),
                used: 0,
            },
            clock: 0,
            products,
            variants,
            categories: by_id(seed::categories()),
            customers: by_id(seed::customers()),
            orders: by_id(seed::orders()),
            next_id: 1000,
            rate_limited: 0,
        }
    }

    /// Accepts `token` with these scopes.
    pub fn add_token(&mut self, token: &str, scopes: &[&str]) {
        self.tokens
            .insert(token.to_owned(), scopes.iter().map(|s| (*s).to_owned()).collect());
    }

    /// How many requests were answered 429 so far.
    pub fn rate_limited_count(&self) -> u32 {
        self.rate_limited
    }

    /// Adds `count` more products (for large-store tests and benchmarks).
    pub fn add_generated_products(&mut self, count: usize) {
        for _ in 0..count {
            let id = self.fresh_id();
            let mut product = seed::product(id, &format!("Generated product {id}"), "physical", 10.0, 1.0, "");
            product["sku"] = json!(format!("GEN-{id}"));
            self.variants.insert(
                id,
                vec![seed::variant(id * 10, id, &format!("GEN-{id}"), 10.0, 5, 1, true)],
            );
            self.products.insert(id, product);
        }
    }

    /// Adds `count` more orders (for large-store tests and benchmarks).
    pub fn add_generated_orders(&mut self, count: usize) {
        for i in 0..count {
            let id = self.fresh_id();
            let order = seed::order(
                id,
                1,
                [1, 7, 9, 11][i % 4],
                10.0,
                1,
                20,
                "Jane",
                "Smith",
                "jane.smith@example.com",
            );
            self.orders.insert(id, order);
        }
    }

    fn fresh_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// A deterministic clock: each write is one second after the last.
    fn tick(&mut self) -> (String, String) {
        self.clock += 1;
        let (minutes, seconds) = (self.clock / 60 % 60, self.clock % 60);
        (
            format!("2026-11-26T12:{minutes:02}:{seconds:02}+00:00"),
            format!("Thu, 26 Nov 2026 12:{minutes:02}:{seconds:02} +0000"),
        )
    }

    fn rate_headers(&mut self) -> (bool, Vec<(&'static str, String)>) {
        let now = Instant::now();
        if now.duration_since(self.window.started) >= self.rate.window {
            self.window = Window { started: now, used: 0 };
        }
        let allowed = self.window.used < self.rate.quota;
        if allowed {
            self.window.used += 1;
        }
        let reset = self.rate.window.saturating_sub(now.duration_since(self.window.started));
        let headers = vec![
            ("X-Rate-Limit-Requests-Quota", self.rate.quota.to_string()),
            (
                "X-Rate-Limit-Requests-Left",
                (self.rate.quota - self.window.used).to_string(),
            ),
            ("X-Rate-Limit-Time-Window-Ms", self.rate.window.as_millis().to_string()),
            ("X-Rate-Limit-Time-Reset-Ms", reset.as_millis().to_string()),
        ];
        (allowed, headers)
    }

    /// Answers one request.
    pub fn handle(&mut self, request: &Request) -> Response {
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let ["stores", hash, version, rest @ ..] = segments.as_slice() else {
            return Response::json(
                404,
                json!({"status": 404, "title": "Not Found", "type": STATUS_CODES_URL}),
            );
        };
        let version = match *version {
            "v2" => Version::V2,
            "v3" => Version::V3,
            _ => return error(Version::V3, 404, "Not Found", None),
        };
        if *hash != self.store_hash {
            return error(version, 404, "Store not found", None);
        }
        let Some(scopes) = request.token.as_ref().and_then(|t| self.tokens.get(t)).cloned() else {
            return error(
                version,
                401,
                "No valid credential was provided: the X-Auth-Token is missing or unknown.",
                None,
            );
        };
        let (allowed, headers) = self.rate_headers();
        let mut response = if allowed {
            self.route(version, rest, request, &scopes)
        } else {
            self.rate_limited += 1;
            error(
                version,
                429,
                "Too many requests: the store's rate limit is used up; retry after the reset time.",
                None,
            )
        };
        response.headers.extend(headers);
        response
    }

    fn route(&mut self, version: Version, rest: &[&str], request: &Request, scopes: &HashSet<String>) -> Response {
        let method = request.method.as_str();
        let id = |s: &str| s.parse::<i64>().ok();
        let (group, write) = match (version, rest) {
            (Version::V3, ["catalog", ..]) => (Group::Products, method != "GET"),
            (Version::V3, ["customers"]) => (Group::Customers, method != "GET"),
            (Version::V2, ["orders", ..]) => (Group::Orders, method != "GET"),
            (Version::V2, ["store"]) => (Group::Information, false),
            (Version::V2, ["time"]) => return Response::json(200, json!({"time": 1_795_694_400})),
            _ => return error(version, 404, "The requested resource was not found.", None),
        };
        let modify = group.scope();
        let read_only = format!("{modify}_read_only");
        if !(scopes.contains(modify) || (!write && scopes.contains(&read_only))) {
            let needed = if write { modify.to_owned() } else { read_only };
            return error(
                version,
                403,
                &format!("You don't have a required scope to access the endpoint ({needed})."),
                None,
            );
        }
        let query = &request.query;
        let body = &request.body;
        match (version, method, rest) {
            (Version::V3, "GET", ["catalog", "products"]) => self.list_products(query),
            (Version::V3, "POST", ["catalog", "products"]) => self.create_product(body),
            (Version::V3, "GET", ["catalog", "products", p]) => self.get_product(id(p), query),
            (Version::V3, "PUT", ["catalog", "products", p]) => self.update_product(id(p), body),
            (Version::V3, "DELETE", ["catalog", "products", p]) => self.delete_product(id(p)),
            (Version::V3, "GET", ["catalog", "categories"]) => self.list_categories(query),
            (Version::V3, "POST", ["catalog", "categories"]) => self.create_category(body),
            (Version::V3, "GET", ["customers"]) => self.list_customers(query),
            (Version::V3, "POST", ["customers"]) => self.create_customers(body),
            (Version::V3, "PUT", ["customers"]) => self.update_customers(body),
            (Version::V3, "DELETE", ["customers"]) => self.delete_customers(query),
            (Version::V2, "GET", ["orders"]) => self.list_orders(query),
            (Version::V2, "GET", ["orders", "count"]) => self.count_orders(query),
            (Version::V2, "GET", ["orders", o]) => self.get_order(id(o)),
            (Version::V2, "PUT", ["orders", o]) => self.update_order(id(o), body),
            (Version::V2, "DELETE", ["orders", o]) => self.delete_order(id(o)),
            (Version::V2, "GET", ["store"]) => Response::json(200, seed::store_information()),
            (_, _, _) => error(version, 405, "The method is not allowed for this resource.", None),
        }
    }
}

// ----- Query helpers -------------------------------------------------------------------

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn id_list(query: &[(String, String)], name: &str) -> Option<Vec<i64>> {
    param(query, name).map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
}

/// `page` (from 1) and `limit` (1–250, default 50).
fn paging(query: &[(String, String)]) -> (usize, usize) {
    let page = param(query, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let limit = param(query, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l >= 1)
        .unwrap_or(DEFAULT_LIMIT)
        .min(MAX_LIMIT);
    (page, limit)
}

/// One page of a V3 list, with BigCommerce's `meta.pagination`. Only the records of the
/// page are copied (`view` builds each one), so large stores stay fast.
fn v3_page<'a>(
    items: impl Iterator<Item = &'a Value>,
    query: &[(String, String)],
    view: impl Fn(&Value) -> Value,
) -> Response {
    let (page, limit) = paging(query);
    let matching: Vec<&Value> = items.collect();
    let total = matching.len();
    let total_pages = total.div_ceil(limit);
    let data: Vec<Value> = matching
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .map(view)
        .collect();
    let mut links = json!({"current": format!("?page={page}&limit={limit}")});
    if page > 1 {
        links["previous"] = json!(format!("?page={}&limit={limit}", page - 1));
    }
    if page < total_pages {
        links["next"] = json!(format!("?page={}&limit={limit}", page + 1));
    }
    let count = data.len();
    Response::json(
        200,
        json!({
            "data": data,
            "meta": {"pagination": {"total": total, "count": count, "per_page": limit, "current_page": page, "total_pages": total_pages, "links": links}}
        }),
    )
}

fn parse_body(body: &[u8], version: Version) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|e| error(version, 400, &format!("The request body is not valid JSON: {e}"), None))
}

fn contains_ci(haystack: &Value, needle: &str) -> bool {
    haystack.as_str().is_some_and(|h| h.to_lowercase().contains(needle))
}

// ----- Field checks (V3 422 errors name the field) -------------------------------------

type FieldResult = Result<(), Response>;

fn check_number(object: &Map<String, Value>, field: &str, minimum: f64) -> FieldResult {
    match object.get(field) {
        None => Ok(()),
        Some(v) if v.as_f64().is_some_and(|n| n >= minimum) => Ok(()),
        Some(_) => Err(unprocessable(field, &format!("must be a number, at least {minimum}"))),
    }
}

fn check_integer(object: &Map<String, Value>, field: &str, minimum: i64) -> FieldResult {
    match object.get(field) {
        None => Ok(()),
        Some(v) if v.as_i64().is_some_and(|n| n >= minimum) => Ok(()),
        Some(_) => Err(unprocessable(
            field,
            &format!("must be a whole number, at least {minimum}"),
        )),
    }
}

fn check_text(object: &Map<String, Value>, field: &str, max: usize) -> FieldResult {
    match object.get(field) {
        None => Ok(()),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(()),
        Some(_) => Err(unprocessable(
            field,
            &format!("must be text of at most {max} characters"),
        )),
    }
}

fn require(object: &Map<String, Value>, fields: &[&str]) -> FieldResult {
    match fields.iter().find(|f| object.get(**f).is_none_or(Value::is_null)) {
        Some(missing) => Err(unprocessable(missing, "is required")),
        None => Ok(()),
    }
}

fn copy_fields(target: &mut Value, source: &Map<String, Value>, fields: &[&str]) {
    for field in fields {
        if let Some(value) = source.get(*field) {
            target[*field] = value.clone();
        }
    }
}

const PRODUCT_FIELDS: &[&str] = &[
    "name",
    "type",
    "sku",
    "description",
    "weight",
    "price",
    "cost_price",
    "retail_price",
    "sale_price",
    "categories",
    "inventory_level",
    "inventory_warning_level",
    "inventory_tracking",
    "is_visible",
    "is_featured",
    "availability",
];

impl World {
    fn check_product_fields(&self, body: &Map<String, Value>, own_id: Option<i64>) -> FieldResult {
        check_text(body, "name", 250)?;
        if body
            .get("name")
            .is_some_and(|n| n.as_str().is_some_and(|s| s.trim().is_empty()))
        {
            return Err(unprocessable("name", "must not be empty"));
        }
        if let Some(kind) = body.get("type")
            && !matches!(kind.as_str(), Some("physical" | "digital"))
        {
            return Err(unprocessable("type", "must be physical or digital"));
        }
        for field in ["price", "weight", "cost_price", "retail_price", "sale_price"] {
            check_number(body, field, 0.0)?;
        }
        check_integer(body, "inventory_level", 0)?;
        check_integer(body, "inventory_warning_level", 0)?;
        check_text(body, "description", 65_535)?;
        if let Some(availability) = body.get("availability")
            && !matches!(availability.as_str(), Some("available" | "disabled" | "preorder"))
        {
            return Err(unprocessable("availability", "must be available, disabled or preorder"));
        }
        if let Some(categories) = body.get("categories") {
            let ids: Option<Vec<i64>> = categories
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_i64).collect());
            if ids.is_none_or(|ids| ids.iter().any(|id| !self.categories.contains_key(id))) {
                return Err(unprocessable("categories", "must be a list of existing category IDs"));
            }
        }
        if let Some(name) = body.get("name").and_then(Value::as_str) {
            let taken = self
                .products
                .values()
                .any(|p| p["name"] == name && p["id"].as_i64() != own_id);
            if taken {
                return Err(error(
                    Version::V3,
                    409,
                    "The product name is a duplicate",
                    Some(json!({"name": format!("A product named '{name}' already exists.")})),
                ));
            }
        }
        Ok(())
    }

    fn product_view(&self, product: &Value, query: &[(String, String)]) -> Value {
        let mut view = product.clone();
        let includes: Vec<&str> = param(query, "include")
            .map(|i| i.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let id = product["id"].as_i64().unwrap_or_default();
        if includes.contains(&"variants") {
            view["variants"] = json!(self.variants.get(&id).cloned().unwrap_or_default());
        }
        for empty in [
            "images",
            "custom_fields",
            "bulk_pricing_rules",
            "videos",
            "options",
            "modifiers",
        ] {
            if includes.contains(&empty) {
                view[empty] = json!([]);
            }
        }
        view
    }

    fn list_products(&self, query: &[(String, String)]) -> Response {
        let keyword = param(query, "keyword").map(str::to_lowercase);
        let visible = param(query, "is_visible").map(|v| v == "true" || v == "1");
        let availability = param(query, "availability");
        let ids = id_list(query, "id:in");
        let items = self
            .products
            .values()
            .filter(|p| {
                keyword
                    .as_ref()
                    .is_none_or(|k| ["name", "sku", "description"].iter().any(|f| contains_ci(&p[*f], k)))
            })
            .filter(|p| visible.is_none_or(|v| p["is_visible"] == v))
            .filter(|p| availability.is_none_or(|a| p["availability"] == a))
            .filter(|p| {
                ids.as_ref()
                    .is_none_or(|ids| p["id"].as_i64().is_some_and(|id| ids.contains(&id)))
            });
        v3_page(items, query, |p| self.product_view(p, query))
    }

    fn product_not_found() -> Response {
        error(Version::V3, 404, "The requested product was not found.", None)
    }

    fn get_product(&self, id: Option<i64>, query: &[(String, String)]) -> Response {
        match id.and_then(|id| self.products.get(&id)) {
            Some(product) => Response::json(200, json!({"data": self.product_view(product, query), "meta": {}})),
            None => Self::product_not_found(),
        }
    }

    fn create_product(&mut self, body: &[u8]) -> Response {
        let body = match parse_body(body, Version::V3) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return unprocessable("body", "must be a JSON object"),
            Err(response) => return response,
        };
        if let Err(response) =
            require(&body, &["name", "type", "weight", "price"]).and_then(|()| self.check_product_fields(&body, None))
        {
            return response;
        }
        let id = self.fresh_id();
        let (at, _) = self.tick();
        let mut product = seed::product(id, "", "physical", 0.0, 0.0, "");
        copy_fields(&mut product, &body, PRODUCT_FIELDS);
        product["calculated_price"] = product["price"].clone();
        product["date_created"] = json!(at);
        product["date_modified"] = json!(at);
        let base = seed::variant(
            id * 10,
            id,
            product["sku"].as_str().unwrap_or_default(),
            product["price"].as_f64().unwrap_or_default(),
            0,
            0,
            true,
        );
        product["base_variant_id"] = base["id"].clone();
        self.variants.insert(id, vec![base]);
        self.products.insert(id, product.clone());
        Response::json(200, json!({"data": product, "meta": {}}))
    }

    fn update_product(&mut self, id: Option<i64>, body: &[u8]) -> Response {
        let Some(id) = id.filter(|id| self.products.contains_key(id)) else {
            return Self::product_not_found();
        };
        let body = match parse_body(body, Version::V3) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return unprocessable("body", "must be a JSON object"),
            Err(response) => return response,
        };
        if let Err(response) = self.check_product_fields(&body, Some(id)) {
            return response;
        }
        let tracking = self.products[&id]["inventory_tracking"]
            .as_str()
            .unwrap_or("none")
            .to_owned();
        if tracking == "variant"
            && (body.contains_key("inventory_level") || body.contains_key("inventory_warning_level"))
        {
            return unprocessable(
                "inventory_level",
                "This product tracks inventory by variant; update the inventory level of its variants instead.",
            );
        }
        let (at, _) = self.tick();
        let Some(product) = self.products.get_mut(&id) else {
            return Self::product_not_found();
        };
        copy_fields(product, &body, PRODUCT_FIELDS);
        product["calculated_price"] = product["price"].clone();
        product["date_modified"] = json!(at);
        if body.contains_key("inventory_level") && tracking == "none" {
            product["inventory_tracking"] = json!("product");
        }
        let (level, warning) = (
            product["inventory_level"].clone(),
            product["inventory_warning_level"].clone(),
        );
        let product = product.clone();
        if let Some(base) = self.variants.get_mut(&id).and_then(|v| v.first_mut())
            && tracking != "variant"
        {
            base["inventory_level"] = level;
            base["inventory_warning_level"] = warning;
        }
        Response::json(200, json!({"data": product, "meta": {}}))
    }

    fn delete_product(&mut self, id: Option<i64>) -> Response {
        match id.and_then(|id| self.products.remove(&id).map(|_| id)) {
            Some(id) => {
                self.variants.remove(&id);
                Response::no_content()
            }
            None => Self::product_not_found(),
        }
    }

    fn list_categories(&self, query: &[(String, String)]) -> Response {
        let name_like = param(query, "name:like").map(str::to_lowercase);
        let items = self
            .categories
            .values()
            .filter(|c| name_like.as_ref().is_none_or(|n| contains_ci(&c["name"], n)));
        v3_page(items, query, Value::clone)
    }

    fn create_category(&mut self, body: &[u8]) -> Response {
        let body = match parse_body(body, Version::V3) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return unprocessable("body", "must be a JSON object"),
            Err(response) => return response,
        };
        let checks = require(&body, &["name", "parent_id"])
            .and_then(|()| check_text(&body, "name", 50))
            .and_then(|()| check_integer(&body, "parent_id", 0))
            .and_then(|()| check_text(&body, "description", 65_535));
        if let Err(response) = checks {
            return response;
        }
        let parent_id = body["parent_id"].as_i64().unwrap_or_default();
        if parent_id != 0 && !self.categories.contains_key(&parent_id) {
            return unprocessable(
                "parent_id",
                &format!("category {parent_id} does not exist; use 0 for a top-level category"),
            );
        }
        let name = body["name"].as_str().unwrap_or_default();
        if self
            .categories
            .values()
            .any(|c| c["parent_id"] == parent_id && c["name"] == name)
        {
            return error(
                Version::V3,
                409,
                "The category name is a duplicate",
                Some(json!({"name": format!("'{name}' already exists under this parent.")})),
            );
        }
        let id = self.fresh_id();
        let description = body.get("description").and_then(Value::as_str).unwrap_or_default();
        let category = seed::category(id, parent_id, name, description, 0);
        self.categories.insert(id, category.clone());
        Response::json(200, json!({"data": category, "meta": {}}))
    }

    fn list_customers(&self, query: &[(String, String)]) -> Response {
        let ids = id_list(query, "id:in");
        let groups = id_list(query, "customer_group_id:in");
        let name_like = param(query, "name:like").map(str::to_lowercase);
        let emails: Option<Vec<String>> =
            param(query, "email:in").map(|e| e.split(',').map(|s| s.trim().to_lowercase()).collect());
        let items = self
            .customers
            .values()
            .filter(|c| {
                ids.as_ref()
                    .is_none_or(|ids| c["id"].as_i64().is_some_and(|id| ids.contains(&id)))
            })
            .filter(|c| {
                groups
                    .as_ref()
                    .is_none_or(|g| c["customer_group_id"].as_i64().is_some_and(|id| g.contains(&id)))
            })
            .filter(|c| {
                name_like.as_ref().is_none_or(|n| {
                    let full = format!(
                        "{} {}",
                        c["first_name"].as_str().unwrap_or_default(),
                        c["last_name"].as_str().unwrap_or_default()
                    );
                    full.to_lowercase().contains(n)
                })
            })
            .filter(|c| {
                emails
                    .as_ref()
                    .is_none_or(|e| c["email"].as_str().is_some_and(|m| e.contains(&m.to_lowercase())))
            });
        v3_page(items, query, Value::clone)
    }

    fn check_customer_fields(&self, customer: &Map<String, Value>, own_id: Option<i64>) -> FieldResult {
        for (field, max) in [
            ("first_name", 100),
            ("last_name", 100),
            ("email", 255),
            ("company", 255),
            ("phone", 50),
            ("notes", 65_535),
        ] {
            check_text(customer, field, max)?;
        }
        check_integer(customer, "customer_group_id", 0)?;
        if let Some(email) = customer.get("email").and_then(Value::as_str) {
            if !email.contains('@') {
                return Err(unprocessable("email", "must be an email address"));
            }
            let taken = self.customers.values().any(|c| {
                c["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)) && c["id"].as_i64() != own_id
            });
            if taken {
                return Err(error(
                    Version::V3,
                    422,
                    "Unable to save the customer(s)",
                    Some(json!({"email": format!("The email address {email} is already in use by another customer.")})),
                ));
            }
        }
        Ok(())
    }

    fn customer_array(body: &[u8]) -> Result<Vec<Map<String, Value>>, Response> {
        match parse_body(body, Version::V3)? {
            Value::Array(items) if !items.is_empty() => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(map) => Ok(map),
                    _ => Err(unprocessable("body", "each customer must be a JSON object")),
                })
                .collect(),
            _ => Err(unprocessable(
                "body",
                "The request payload has to be a JSON array of customers.",
            )),
        }
    }

    fn create_customers(&mut self, body: &[u8]) -> Response {
        let items = match Self::customer_array(body) {
            Ok(items) => items,
            Err(response) => return response,
        };
        for item in &items {
            if let Err(response) = require(item, &["email", "first_name", "last_name"])
                .and_then(|()| self.check_customer_fields(item, None))
            {
                return response;
            }
        }
        let mut created = Vec::new();
        for item in items {
            let id = self.fresh_id();
            let (at, _) = self.tick();
            let mut customer = seed::customer(id, "", "", "", "", "", 0);
            copy_fields(
                &mut customer,
                &item,
                &[
                    "email",
                    "first_name",
                    "last_name",
                    "company",
                    "phone",
                    "notes",
                    "customer_group_id",
                ],
            );
            customer["date_created"] = json!(at.replace("+00:00", "Z"));
            customer["date_modified"] = customer["date_created"].clone();
            self.customers.insert(id, customer.clone());
            created.push(customer);
        }
        Response::json(200, json!({"data": created, "meta": {}}))
    }

    fn update_customers(&mut self, body: &[u8]) -> Response {
        let items = match Self::customer_array(body) {
            Ok(items) => items,
            Err(response) => return response,
        };
        for item in &items {
            let id = item.get("id").and_then(Value::as_i64);
            let Some(id) = id else {
                return unprocessable("id", "is required to update a customer");
            };
            if !self.customers.contains_key(&id) {
                return unprocessable("id", &format!("customer {id} does not exist"));
            }
            if let Err(response) = self.check_customer_fields(item, Some(id)) {
                return response;
            }
        }
        let mut updated = Vec::new();
        for item in items {
            let (at, _) = self.tick();
            let id = item.get("id").and_then(Value::as_i64).unwrap_or_default();
            if let Some(customer) = self.customers.get_mut(&id) {
                copy_fields(
                    customer,
                    &item,
                    &[
                        "email",
                        "first_name",
                        "last_name",
                        "company",
                        "phone",
                        "notes",
                        "customer_group_id",
                    ],
                );
                customer["date_modified"] = json!(at.replace("+00:00", "Z"));
                updated.push(customer.clone());
            }
        }
        Response::json(200, json!({"data": updated, "meta": {}}))
    }

    fn delete_customers(&mut self, query: &[(String, String)]) -> Response {
        let Some(ids) = id_list(query, "id:in").filter(|ids| !ids.is_empty()) else {
            return unprocessable("id:in", "is required: the IDs of the customers to delete");
        };
        for id in ids {
            self.customers.remove(&id);
        }
        Response::no_content()
    }

    fn filtered_orders(&self, query: &[(String, String)]) -> Result<Vec<&Value>, Response> {
        let status = match param(query, "status_id") {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(s) => Some(s),
                Err(_) => return Err(error(Version::V2, 400, "The field 'status_id' is invalid.", None)),
            },
        };
        Ok(self
            .orders
            .values()
            .filter(|o| status.is_none_or(|s| o["status_id"] == s))
            .collect())
    }

    fn list_orders(&self, query: &[(String, String)]) -> Response {
        let orders = match self.filtered_orders(query) {
            Ok(orders) => orders,
            Err(response) => return response,
        };
        let (page, limit) = paging(query);
        let page: Vec<Value> = orders
            .into_iter()
            .skip((page - 1) * limit)
            .take(limit)
            .cloned()
            .collect();
        // V2 answers an empty page with 204 No Content.
        if page.is_empty() {
            Response::no_content()
        } else {
            Response::json(200, Value::Array(page))
        }
    }

    fn count_orders(&self, query: &[(String, String)]) -> Response {
        let orders = match self.filtered_orders(query) {
            Ok(orders) => orders,
            Err(response) => return response,
        };
        let statuses: Vec<Value> = seed::ORDER_STATUSES
            .iter()
            .enumerate()
            .map(|(id, name)| {
                let count = self.orders.values().filter(|o| o["status_id"] == id).count();
                json!({"id": id, "name": name, "system_label": name, "custom_label": name, "system_description": name, "count": count, "sort_order": id})
            })
            .collect();
        Response::json(200, json!({"count": orders.len(), "statuses": statuses}))
    }

    fn order_not_found() -> Response {
        error(Version::V2, 404, "The requested resource was not found.", None)
    }

    fn get_order(&self, id: Option<i64>) -> Response {
        match id.and_then(|id| self.orders.get(&id)) {
            Some(order) => Response::json(200, order.clone()),
            None => Self::order_not_found(),
        }
    }

    fn update_order(&mut self, id: Option<i64>, body: &[u8]) -> Response {
        let Some(id) = id.filter(|id| self.orders.contains_key(id)) else {
            return Self::order_not_found();
        };
        let body = match parse_body(body, Version::V2) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return error(Version::V2, 400, "The request body must be a JSON object.", None),
            Err(response) => return response,
        };
        let status = match body.get("status_id") {
            None => None,
            Some(s) => match s.as_u64().filter(|s| *s < 15) {
                Some(s) => Some(s as usize),
                None => return error(Version::V2, 400, "The field 'status_id' is invalid.", None),
            },
        };
        for field in ["staff_notes", "customer_message"] {
            if body.get(field).is_some_and(|v| !v.is_string()) {
                return error(Version::V2, 400, &format!("The field '{field}' is invalid."), None);
            }
        }
        let (_, at) = self.tick();
        let Some(order) = self.orders.get_mut(&id) else {
            return Self::order_not_found();
        };
        if let Some(status) = status {
            order["status_id"] = json!(status);
            order["status"] = json!(seed::ORDER_STATUSES[status]);
            order["custom_status"] = json!(seed::ORDER_STATUSES[status]);
            if status == 2 {
                order["date_shipped"] = json!(at);
                order["items_shipped"] = order["items_total"].clone();
            }
        }
        copy_fields(order, &body, &["staff_notes", "customer_message"]);
        order["date_modified"] = json!(at);
        Response::json(200, order.clone())
    }

    fn delete_order(&mut self, id: Option<i64>) -> Response {
        match id.and_then(|id| self.orders.remove(&id)) {
            Some(_) => Response::no_content(),
            None => Self::order_not_found(),
        }
    }
}
