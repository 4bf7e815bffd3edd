//! Fulfilment (V2): an order's line items, its shipping addresses and its shipments. A
//! shipment ships quantities of line items to one address; the order's `items_shipped`
//! grows and its status becomes Shipped (all shipped) or Partially Shipped, as
//! BigCommerce does.

use serde_json::{Value, json};

use crate::seed;
use crate::wire::*;
use crate::world::World;

/// Order 107 ships to two addresses (its two line items go to one each).
pub(crate) const TWO_ADDRESS_ORDER: i64 = 107;

/// The most line items, addresses or shipments one order may hold in the sandbox.
const MAX_PER_ORDER: usize = 250;

impl World {
    /// Line items and shipping addresses for an order: `items` units over one or two lines
    /// (two lines when there are two units or more), of seeded products.
    pub(crate) fn seed_fulfilment(&mut self, order: &Value) {
        let id = order["id"].as_i64().unwrap_or_default();
        let items = order["items_total"].as_i64().unwrap_or(0).max(1);
        let shipped_all = order["items_shipped"].as_i64() == Some(items);
        let two_addresses = id == TWO_ADDRESS_ORDER;
        let first_quantity = if items >= 2 { (items + 1) / 2 } else { items };
        let quantities: Vec<i64> = if items >= 2 {
            vec![first_quantity, items - first_quantity]
        } else {
            vec![items]
        };
        let addresses: Vec<Value> = (1..=if two_addresses { 2 } else { 1 })
            .map(|n| {
                seed::shipping_address(
                    id * 10 + n,
                    order,
                    n,
                    if two_addresses {
                        quantities[n as usize - 1]
                    } else {
                        items
                    },
                    shipped_all,
                )
            })
            .collect();
        let products: Vec<Value> = quantities
            .iter()
            .enumerate()
            .map(|(n, &quantity)| {
                let address = if two_addresses { &addresses[n] } else { &addresses[0] };
                let catalog = self
                    .products
                    .values()
                    .nth((id as usize + n) % self.products.len().max(1));
                let variant = catalog
                    .and_then(|p| self.variants.get(&p["id"].as_i64().unwrap_or_default()))
                    .and_then(|v| v.first());
                seed::order_product(
                    id * 10 + n as i64 + 1,
                    id,
                    address["id"].as_i64().unwrap_or_default(),
                    catalog,
                    variant,
                    quantity,
                    if shipped_all { quantity } else { 0 },
                )
            })
            .collect();
        self.order_addresses.insert(id, addresses);
        self.order_products.insert(id, products);
    }

    /// `GET /v2/orders/{id}/products`: a bare array, 204 past the end.
    pub(crate) fn list_order_products(&self, id: Option<i64>, query: &[(String, String)]) -> Response {
        self.order_list(id, query, |world, id| world.order_products.get(&id))
    }

    /// `GET /v2/orders/{id}/shipping_addresses`.
    pub(crate) fn list_shipping_addresses(&self, id: Option<i64>, query: &[(String, String)]) -> Response {
        self.order_list(id, query, |world, id| world.order_addresses.get(&id))
    }

    /// `GET /v2/orders/{id}/shipments`: 204 when there are none.
    pub(crate) fn list_shipments(&self, id: Option<i64>, query: &[(String, String)]) -> Response {
        self.order_list(id, query, |world, id| world.shipments.get(&id))
    }

    fn order_list(
        &self,
        id: Option<i64>,
        query: &[(String, String)],
        records: impl Fn(&Self, i64) -> Option<&Vec<Value>>,
    ) -> Response {
        let Some(id) = id.filter(|id| self.orders.contains_key(id)) else {
            return Self::order_not_found();
        };
        let (page, limit) = match paging(query, Version::V2) {
            Ok(paging) => paging,
            Err(response) => return response,
        };
        let all = records(self, id).map(Vec::as_slice).unwrap_or_default();
        let page: Vec<Value> = page_of(all.iter(), page, limit).cloned().collect();
        if page.is_empty() {
            Response::no_content()
        } else {
            Response::json(200, Value::Array(page))
        }
    }

    /// `POST /v2/orders/{id}/shipments`.
    pub(crate) fn create_shipment(&mut self, id: Option<i64>, body: &[u8]) -> Response {
        let Some(id) = id.filter(|id| self.orders.contains_key(id)) else {
            return Self::order_not_found();
        };
        let body = match parse_body(body, Version::V2) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return error(Version::V2, 400, "The request body must be a JSON object.", None),
            Err(response) => return response,
        };
        let bad = |message: &str| error(Version::V2, 400, message, None);
        let Some(address_id) = body.get("order_address_id").and_then(Value::as_i64) else {
            return bad("The field 'order_address_id' is required.");
        };
        let Some(address) = self
            .order_addresses
            .get(&id)
            .and_then(|a| a.iter().find(|a| a["id"] == address_id))
            .cloned()
        else {
            return bad("The field 'order_address_id' is invalid: the order has no such shipping address.");
        };
        let Some(items) = body.get("items").and_then(Value::as_array).filter(|i| !i.is_empty()) else {
            return bad("The field 'items' is required: at least one line item to ship.");
        };
        for field in [
            "tracking_number",
            "shipping_provider",
            "tracking_carrier",
            "comments",
            "shipping_method",
        ] {
            if body.get(field).is_some_and(|v| !v.is_string()) {
                return bad(&format!("The field '{field}' is invalid."));
            }
        }
        if body
            .get("tracking_number")
            .and_then(Value::as_str)
            .is_some_and(|t| t.chars().count() > 50)
        {
            return bad("The field 'tracking_number' is invalid: at most 50 characters.");
        }
        if self.shipments.get(&id).is_some_and(|s| s.len() >= MAX_PER_ORDER) {
            return bad("The order has too many shipments.");
        }
        // Check every item before changing anything.
        let lines = self.order_products.get(&id).cloned().unwrap_or_default();
        let mut shipped: Vec<(usize, i64)> = Vec::new();
        for item in items {
            let (Some(line_id), Some(quantity)) = (
                item.get("order_product_id").and_then(Value::as_i64),
                item.get("quantity").and_then(Value::as_i64),
            ) else {
                return bad("Each item needs an integer 'order_product_id' and 'quantity'.");
            };
            let Some(index) = lines
                .iter()
                .position(|l| l["id"] == line_id && l["order_address_id"] == address_id)
            else {
                return bad(&format!(
                    "The order product {line_id} is not a line item of this order for shipping address {address_id}."
                ));
            };
            let line = &lines[index];
            let already = shipped.iter().filter(|(i, _)| *i == index).map(|(_, q)| q).sum::<i64>();
            let left =
                line["quantity"].as_i64().unwrap_or(0) - line["quantity_shipped"].as_i64().unwrap_or(0) - already;
            if quantity < 1 || quantity > left {
                return bad(&format!(
                    "The quantity {quantity} of order product {line_id} is invalid: {left} left to ship."
                ));
            }
            shipped.push((index, quantity));
        }
        let (_, at) = self.tick();
        let total: i64 = shipped.iter().map(|(_, q)| q).sum();
        if let Some(lines) = self.order_products.get_mut(&id) {
            for (index, quantity) in &shipped {
                let line = &mut lines[*index];
                line["quantity_shipped"] = json!(line["quantity_shipped"].as_i64().unwrap_or(0) + quantity);
            }
        }
        if let Some(address) = self
            .order_addresses
            .get_mut(&id)
            .and_then(|a| a.iter_mut().find(|a| a["id"] == address_id))
        {
            address["items_shipped"] = json!(address["items_shipped"].as_i64().unwrap_or(0) + total);
        }
        let shipment_id = self.fresh_id();
        let Some(order) = self.orders.get_mut(&id) else {
            return Self::order_not_found();
        };
        let previous_status = order["status_id"].as_u64().unwrap_or_default();
        let items_shipped = order["items_shipped"].as_i64().unwrap_or(0) + total;
        let status = if items_shipped >= order["items_total"].as_i64().unwrap_or(0) {
            2
        } else {
            3
        };
        order["items_shipped"] = json!(items_shipped);
        order["status_id"] = json!(status);
        order["status"] = json!(seed::ORDER_STATUSES[status]);
        order["custom_status"] = json!(seed::ORDER_STATUSES[status]);
        order["date_shipped"] = json!(at);
        order["date_modified"] = json!(at);
        let customer_id = order["customer_id"].clone();
        let billing = order["billing_address"].clone();
        let text = |field: &str| body.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
        let provider = text("shipping_provider");
        let shipment = json!({
            "id": shipment_id,
            "order_id": id,
            "customer_id": customer_id,
            "order_address_id": address_id,
            "date_created": at,
            "tracking_number": text("tracking_number"),
            "merchant_shipping_cost": "0.0000",
            "shipping_method": text("shipping_method"),
            "shipping_provider": provider,
            "tracking_carrier": text("tracking_carrier"),
            "tracking_link": "",
            "comments": text("comments"),
            "billing_address": billing,
            "shipping_address": address,
            "items": shipped.iter().map(|(index, quantity)| json!({
                "order_product_id": lines[*index]["id"],
                "product_id": lines[*index]["product_id"],
                "quantity": quantity
            })).collect::<Vec<_>>(),
            "shipping_provider_display_name": provider,
            "generated_tracking_link": ""
        });
        self.shipments.entry(id).or_default().push(shipment.clone());
        self.emit(
            "store/shipment/created",
            json!({"type": "shipment", "id": shipment_id, "orderId": id}),
        );
        self.emit("store/order/updated", json!({"type": "order", "id": id}));
        if status as u64 != previous_status {
            self.emit(
                "store/order/statusUpdated",
                json!({"type": "order", "id": id, "status": {"previous_status_id": previous_status, "new_status_id": status}}),
            );
        }
        Response::json(201, shipment)
    }
}
