//! The emulated world: one seeded store, tokens with scopes, the rate limit, and the
//! routing of each request to its endpoint.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::seed;
use crate::wire::{Request, Response, STATUS_CODES_URL, Version, error};

/// Scope groups, as BigCommerce names their scopes (`store_v2_products[_read_only]`).
#[derive(Clone, Copy)]
enum Group {
    Products,
    Orders,
    Customers,
    Information,
    Channels,
    Locations,
    Inventory,
}

impl Group {
    fn scope(self) -> &'static str {
        match self {
            Self::Products => "store_v2_products",
            Self::Orders => "store_v2_orders",
            Self::Customers => "store_v2_customers",
            Self::Information => "store_v2_information",
            Self::Channels => "store_channel_settings",
            Self::Locations => "store_locations",
            Self::Inventory => "store_inventory",
        }
    }
}

/// Every scope the emulator knows, modify and read-only.
pub const ALL_SCOPES: &[&str] = &[
    "store_v2_products",
    "store_v2_orders",
    "store_v2_customers",
    "store_v2_information",
    "store_channel_settings",
    "store_locations",
    "store_inventory",
];

/// The read-only variants of [`ALL_SCOPES`].
pub const READ_ONLY_SCOPES: &[&str] = &[
    "store_v2_products_read_only",
    "store_v2_orders_read_only",
    "store_v2_customers_read_only",
    "store_v2_information_read_only",
    "store_channel_settings_read_only",
    "store_locations_read_only",
    "store_inventory_read_only",
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
    pub(crate) store_hash: String,
    pub(crate) tokens: HashMap<String, HashSet<String>>,
    pub(crate) rate: RateLimit,
    window: Window,
    pub(crate) clock: u32,
    pub(crate) products: BTreeMap<i64, Value>,
    pub(crate) variants: BTreeMap<i64, Vec<Value>>,
    pub(crate) categories: BTreeMap<i64, Value>,
    pub(crate) customers: BTreeMap<i64, Value>,
    pub(crate) orders: BTreeMap<i64, Value>,
    pub(crate) next_id: i64,
    pub(crate) rate_limited: u32,
    pub(crate) served: u64,
    /// Line items of each order.
    pub(crate) order_products: BTreeMap<i64, Vec<Value>>,
    /// Shipping addresses of each order.
    pub(crate) order_addresses: BTreeMap<i64, Vec<Value>>,
    /// Shipments of each order.
    pub(crate) shipments: BTreeMap<i64, Vec<Value>>,
    /// Stock at locations other than the default, by (location, variant).
    pub(crate) located: BTreeMap<(i64, i64), i64>,
    /// Webhook subscriptions, by id.
    pub(crate) hooks: BTreeMap<i64, Value>,
    /// Events waiting to be delivered to the subscriptions.
    pub(crate) outbox: Vec<crate::hooks::HookEvent>,
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
        let mut world = Self {
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
            served: 0,
            order_products: BTreeMap::new(),
            order_addresses: BTreeMap::new(),
            shipments: BTreeMap::new(),
            located: BTreeMap::new(),
            hooks: BTreeMap::new(),
            outbox: Vec::new(),
        };
        let orders: Vec<Value> = world.orders.values().cloned().collect();
        for order in &orders {
            world.seed_fulfilment(order);
        }
        world
    }

    /// Another store with this hash, seeded like this one, with the same tokens and rate
    /// limit.
    pub fn another_store(&self, hash: &str) -> Self {
        let mut world = Self::seeded(self.rate);
        world.store_hash = hash.to_owned();
        world.tokens = self.tokens.clone();
        world
    }

    /// How many requests were answered (not 429) so far.
    pub fn served_count(&self) -> u64 {
        self.served
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
            self.seed_fulfilment(&order);
            self.orders.insert(id, order);
        }
    }

    pub(crate) fn fresh_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// A deterministic clock: each write is one second after the last, from
    /// 2026-11-26T12:00:00Z ([`crate::time::BASE`]); ISO 8601 (V3) and RFC 2822 (V2).
    pub(crate) fn tick(&mut self) -> (String, String) {
        self.clock += 1;
        let at = self.now();
        (crate::time::iso(at), crate::time::rfc2822(at))
    }

    /// The store's time now (Unix seconds), as `GET /v2/time` says.
    pub(crate) fn now(&self) -> i64 {
        crate::time::BASE + i64::from(self.clock)
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
            self.served += 1;
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
            (Version::V2, ["customer_groups"]) => (Group::Customers, method != "GET"),
            (Version::V3, ["channels"]) => (Group::Channels, method != "GET"),
            (Version::V3, ["inventory", "locations"]) => (Group::Locations, method != "GET"),
            (Version::V3, ["inventory", ..]) => (Group::Inventory, method != "GET"),
            (Version::V2, ["orders", ..]) => (Group::Orders, method != "GET"),
            (Version::V2, ["store"]) => (Group::Information, false),
            (Version::V2, ["time"]) => return Response::json(200, json!({"time": self.now()})),
            (Version::V3, ["hooks", ..]) => return self.route_hooks(request, &rest[1..]),
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
            (Version::V3, "PUT", ["catalog", "products"]) => self.update_products_batch(body),
            (Version::V3, "GET", ["catalog", "products", p, "variants"]) => self.list_variants(id(p), query),
            (Version::V3, "PUT", ["catalog", "products", p, "variants", v]) => self.update_variant(id(p), id(v), body),
            (Version::V3, "GET", ["inventory", "items"]) => self.inventory_items(query),
            (Version::V3, "POST", ["inventory", "adjustments", "relative"]) => self.adjust_inventory(body, false),
            (Version::V3, "PUT", ["inventory", "adjustments", "absolute"]) => self.adjust_inventory(body, true),
            (Version::V3, "GET", ["catalog", "trees"]) => self.list_trees(query),
            (Version::V3, "GET", ["catalog", "trees", "categories"]) => self.list_tree_categories(query),
            (Version::V3, "POST", ["catalog", "trees", "categories"]) => self.create_tree_categories(body),
            (Version::V3, "GET", ["catalog", "categories"]) => self.list_categories(query),
            (Version::V3, "POST", ["catalog", "categories"]) => self.create_category(body),
            (Version::V3, "GET", ["customers"]) => self.list_customers(query),
            (Version::V3, "POST", ["customers"]) => self.create_customers(body),
            (Version::V3, "PUT", ["customers"]) => self.update_customers(body),
            (Version::V3, "DELETE", ["customers"]) => self.delete_customers(query),
            (Version::V2, "GET", ["orders"]) => self.list_orders(query),
            (Version::V2, "POST", ["orders"]) => self.create_order(body),
            (Version::V2, "GET", ["orders", "count"]) => self.count_orders(query),
            (Version::V2, "GET", ["orders", o]) => self.get_order(id(o)),
            (Version::V2, "GET", ["orders", o, "products"]) => self.list_order_products(id(o), query),
            (Version::V2, "GET", ["orders", o, "shipping_addresses"]) => self.list_shipping_addresses(id(o), query),
            (Version::V2, "GET", ["orders", o, "shipments"]) => self.list_shipments(id(o), query),
            (Version::V2, "POST", ["orders", o, "shipments"]) => self.create_shipment(id(o), body),
            (Version::V2, "PUT", ["orders", o]) => self.update_order(id(o), body),
            (Version::V2, "DELETE", ["orders", o]) => self.delete_order(id(o)),
            (Version::V2, "GET", ["store"]) => Response::json(200, seed::store_information()),
            (Version::V3, "GET", ["catalog", "brands"]) => crate::lists::brands(query),
            (Version::V3, "GET", ["channels"]) => crate::lists::channels(query),
            (Version::V3, "GET", ["inventory", "locations"]) => crate::lists::locations(query),
            (Version::V2, "GET", ["customer_groups"]) => crate::lists::customer_groups(query),
            (_, _, _) => error(version, 405, "The method is not allowed for this resource.", None),
        }
    }
}
