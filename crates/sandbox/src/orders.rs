//! Order endpoints (V2) and their count.

use serde_json::{Value, json};

use crate::seed;
use crate::wire::*;
use crate::world::World;

impl World {
    pub(crate) fn filtered_orders(&self, query: &[(String, String)]) -> Result<Vec<&Value>, Response> {
        let status = match param(query, "status_id") {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(s) => Some(s),
                Err(_) => return Err(error(Version::V2, 400, "The field 'status_id' is invalid.", None)),
            },
        };
        let min_id = match param(query, "min_id") {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(s) => Some(s),
                Err(_) => return Err(error(Version::V2, 400, "The field 'min_id' is invalid.", None)),
            },
        };
        let modified = date_filter(query, "min_date_modified", Version::V2)?;
        let created = date_filter(query, "min_date_created", Version::V2)?;
        let mut orders: Vec<&Value> = self
            .orders
            .values()
            .filter(|o| status.is_none_or(|s| o["status_id"] == s))
            .filter(|o| min_id.is_none_or(|min| o["id"].as_i64().is_some_and(|id| id >= min)))
            .filter(|o| modified.is_none_or(|min| record_time(o, "date_modified") >= min))
            .filter(|o| created.is_none_or(|min| record_time(o, "date_created") >= min))
            .collect();
        // `sort=field` or `sort=field:asc|desc`; by id otherwise.
        if let Some(sort) = param(query, "sort") {
            let (field, direction) = sort.split_once(':').unwrap_or((sort, "asc"));
            if !["id", "date_created", "date_modified", "status_id", "customer_id"].contains(&field) {
                return Err(error(Version::V2, 400, "The field 'sort' is invalid.", None));
            }
            sort_records(&mut orders, field, direction == "desc");
        }
        Ok(orders)
    }

    /// `POST /v2/orders`: an order from its line items and billing address (the sandbox
    /// prices each line from `price_inc_tax`, 10.00 when absent).
    pub(crate) fn create_order(&mut self, body: &[u8]) -> Response {
        let body = match parse_body(body, Version::V2) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return error(Version::V2, 400, "The request body must be a JSON object.", None),
            Err(response) => return response,
        };
        let Some(products) = body.get("products").and_then(Value::as_array).filter(|p| !p.is_empty()) else {
            return error(
                Version::V2,
                400,
                "The field 'products' is required: the order's line items.",
                None,
            );
        };
        if !body.get("billing_address").is_some_and(Value::is_object) {
            return error(Version::V2, 400, "The field 'billing_address' is required.", None);
        }
        let mut items = 0;
        let mut total = 0.0;
        for line in products {
            let quantity = line.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            if quantity < 1 {
                return error(Version::V2, 400, "Each product needs a 'quantity' of at least 1.", None);
            }
            let price = line.get("price_inc_tax").and_then(Value::as_f64).unwrap_or(10.0);
            items += quantity;
            total += price * quantity as f64;
        }
        let status = match body.get("status_id") {
            None => 1,
            Some(s) => match s.as_u64().filter(|s| *s < 15) {
                Some(s) => s as usize,
                None => return error(Version::V2, 400, "The field 'status_id' is invalid.", None),
            },
        };
        let customer_id = body.get("customer_id").and_then(Value::as_i64).unwrap_or(0);
        let billing = &body["billing_address"];
        let text = |field: &str, default: &str| billing[field].as_str().unwrap_or(default).to_owned();
        let id = self.fresh_id();
        let (_, at) = self.tick();
        let mut order = seed::order(
            id,
            customer_id,
            status,
            total,
            items,
            26,
            &text("first_name", "Guest"),
            &text("last_name", "Shopper"),
            &text("email", "guest@example.com"),
        );
        order["date_created"] = json!(at);
        order["date_modified"] = json!(at);
        self.seed_fulfilment(&order);
        self.orders.insert(id, order.clone());
        self.emit("store/order/created", json!({"type": "order", "id": id}));
        Response::json(201, order)
    }

    pub(crate) fn list_orders(&self, query: &[(String, String)]) -> Response {
        let orders = match self.filtered_orders(query) {
            Ok(orders) => orders,
            Err(response) => return response,
        };
        let (page, limit) = match paging(query, Version::V2) {
            Ok(paging) => paging,
            Err(response) => return response,
        };
        let page: Vec<Value> = page_of(orders.into_iter(), page, limit).cloned().collect();
        // V2 answers an empty page with 204 No Content.
        if page.is_empty() {
            Response::no_content()
        } else {
            Response::json(200, Value::Array(page))
        }
    }

    pub(crate) fn count_orders(&self, query: &[(String, String)]) -> Response {
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

    pub(crate) fn order_not_found() -> Response {
        error(Version::V2, 404, "The requested resource was not found.", None)
    }

    pub(crate) fn get_order(&self, id: Option<i64>) -> Response {
        match id.and_then(|id| self.orders.get(&id)) {
            Some(order) => Response::json(200, order.clone()),
            None => Self::order_not_found(),
        }
    }

    pub(crate) fn update_order(&mut self, id: Option<i64>, body: &[u8]) -> Response {
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
        let previous_status = order["status_id"].as_u64().unwrap_or_default();
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
        let order = order.clone();
        self.emit("store/order/updated", json!({"type": "order", "id": id}));
        if let Some(status) = status.filter(|s| *s as u64 != previous_status) {
            self.emit(
                "store/order/statusUpdated",
                json!({"type": "order", "id": id, "status": {"previous_status_id": previous_status, "new_status_id": status}}),
            );
        }
        Response::json(200, order)
    }

    pub(crate) fn delete_order(&mut self, id: Option<i64>) -> Response {
        match id.and_then(|id| self.orders.remove(&id)) {
            Some(_) => Response::no_content(),
            None => Self::order_not_found(),
        }
    }
}
