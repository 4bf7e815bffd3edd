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
        Ok(self
            .orders
            .values()
            .filter(|o| status.is_none_or(|s| o["status_id"] == s))
            .collect())
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

    pub(crate) fn delete_order(&mut self, id: Option<i64>) -> Response {
        match id.and_then(|id| self.orders.remove(&id)) {
            Some(_) => Response::no_content(),
            None => Self::order_not_found(),
        }
    }
}
