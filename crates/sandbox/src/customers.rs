//! Customer endpoints (V3, array bodies).

use serde_json::{Map, Value, json};

use crate::seed;
use crate::wire::*;
use crate::world::World;

impl World {
    pub(crate) fn list_customers(&self, query: &[(String, String)]) -> Response {
        let ids = id_list(query, "id:in");
        let groups = id_list(query, "customer_group_id:in");
        let name_like = param(query, "name:like").map(str::to_lowercase);
        let list = |name: &str| -> Option<Vec<String>> {
            param(query, name).map(|e| e.split(',').map(|s| s.trim().to_lowercase()).collect())
        };
        let (emails, companies) = (list("email:in"), list("company:in"));
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
            })
            .filter(|c| {
                companies
                    .as_ref()
                    .is_none_or(|list| c["company"].as_str().is_some_and(|m| list.contains(&m.to_lowercase())))
            });
        let (created, modified) = match (
            date_filter(query, "date_created:min", Version::V3),
            date_filter(query, "date_modified:min", Version::V3),
        ) {
            (Ok(created), Ok(modified)) => (created, modified),
            (Err(response), _) | (_, Err(response)) => return response,
        };
        let mut items: Vec<&Value> = items
            .filter(|c| created.is_none_or(|min| record_time(c, "date_created") >= min))
            .filter(|c| modified.is_none_or(|min| record_time(c, "date_modified") >= min))
            .collect();
        if let Some(sort) = param(query, "sort") {
            let Some((field, direction)) = sort.split_once(':').filter(|(f, d)| {
                ["date_created", "date_modified", "last_name"].contains(f) && ["asc", "desc"].contains(d)
            }) else {
                return unprocessable(
                    "sort",
                    "must be one of date_created, date_modified or last_name with :asc or :desc",
                );
            };
            sort_records(&mut items, field, direction == "desc");
        }
        v3_page(items.into_iter(), query, Value::clone)
    }

    pub(crate) fn check_customer_fields(&self, customer: &Map<String, Value>, own_id: Option<i64>) -> FieldResult {
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

    pub(crate) fn customer_array(body: &[u8]) -> Result<Vec<Map<String, Value>>, Response> {
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

    pub(crate) fn create_customers(&mut self, body: &[u8]) -> Response {
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
            self.emit("store/customer/created", json!({"type": "customer", "id": id}));
            created.push(customer);
        }
        Response::json(200, json!({"data": created, "meta": {}}))
    }

    pub(crate) fn update_customers(&mut self, body: &[u8]) -> Response {
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
                self.emit("store/customer/updated", json!({"type": "customer", "id": id}));
            }
        }
        Response::json(200, json!({"data": updated, "meta": {}}))
    }

    pub(crate) fn delete_customers(&mut self, query: &[(String, String)]) -> Response {
        let Some(ids) = id_list(query, "id:in").filter(|ids| !ids.is_empty()) else {
            return unprocessable("id:in", "is required: the IDs of the customers to delete");
        };
        for id in ids {
            self.customers.remove(&id);
        }
        Response::no_content()
    }
}
