//! Variants (V3 catalog), the batch product update, and the Inventory API: stock per
//! location. The default location (1) holds whatever of an item's catalog
//! `inventory_level` the other locations do not; an adjustment at any location changes the
//! catalog level by the same amount, so both APIs always agree.

use serde_json::{Map, Value, json};

use crate::wire::*;
use crate::world::World;

/// The inventory locations: (id, code, name). The first is the default.
pub(crate) const LOCATIONS: &[(i64, &str, &str)] = &[(1, "WH-1", "Warehouse"), (2, "SHOP", "Shop floor")];

/// The most items one adjustment takes, as BigCommerce documents.
const MAX_ADJUSTMENT_ITEMS: usize = 2000;
/// The most products one batch update takes.
const MAX_BATCH_PRODUCTS: usize = 10;

/// An inventory item: its product, its variant, and whether stock is kept per variant.
struct Item {
    product_id: i64,
    variant_id: i64,
    by_variant: bool,
}

impl World {
    /// `GET /v3/catalog/products/{id}/variants`.
    pub(crate) fn list_variants(&self, id: Option<i64>, query: &[(String, String)]) -> Response {
        let Some(variants) = id.and_then(|id| self.variants.get(&id)) else {
            return Self::product_not_found();
        };
        v3_page(variants.iter(), query, Value::clone)
    }

    /// `PUT /v3/catalog/products/{id}/variants/{variant_id}`.
    pub(crate) fn update_variant(&mut self, id: Option<i64>, variant_id: Option<i64>, body: &[u8]) -> Response {
        let Some(product_id) = id.filter(|id| self.products.contains_key(id)) else {
            return Self::product_not_found();
        };
        let not_found = || error(Version::V3, 404, "The variant was not found.", None);
        let Some(index) = variant_id.and_then(|v| self.variants[&product_id].iter().position(|x| x["id"] == v)) else {
            return not_found();
        };
        let body = match parse_body(body, Version::V3) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return unprocessable("body", "must be a JSON object"),
            Err(response) => return response,
        };
        let checks = check_number(&body, "price", 0.0)
            .and_then(|()| check_number(&body, "sale_price", 0.0))
            .and_then(|()| check_integer(&body, "inventory_level", 0))
            .and_then(|()| check_integer(&body, "inventory_warning_level", 0))
            .and_then(|()| check_text(&body, "sku", 255));
        if let Err(response) = checks {
            return response;
        }
        if let Some(sku) = body.get("sku").and_then(Value::as_str) {
            let taken = self
                .variants
                .values()
                .flatten()
                .any(|v| v["sku"] == sku && v["id"].as_i64() != variant_id);
            if sku.trim().is_empty() || taken {
                return error(
                    Version::V3,
                    409,
                    "The SKU is a duplicate or empty",
                    Some(json!({"sku": format!("'{sku}' is already used or empty.")})),
                );
            }
        }
        let by_variant = self.products[&product_id]["inventory_tracking"] == "variant";
        if !by_variant && (body.contains_key("inventory_level") || body.contains_key("inventory_warning_level")) {
            return unprocessable(
                "inventory_level",
                "This product tracks inventory at product level; update the product's inventory level instead.",
            );
        }
        let (at, _) = self.tick();
        let before = self.variants[&product_id][index]["inventory_level"]
            .as_i64()
            .unwrap_or(0);
        let variant = &mut self.variants.get_mut(&product_id).expect("checked above")[index];
        copy_fields(
            variant,
            &body,
            &[
                "price",
                "sale_price",
                "inventory_level",
                "inventory_warning_level",
                "sku",
            ],
        );
        if let Some(price) = body.get("price") {
            variant["calculated_price"] = price.clone();
        }
        let variant = variant.clone();
        let delta = variant["inventory_level"].as_i64().unwrap_or(0) - before;
        if delta != 0 {
            self.add_to_product_level(product_id, delta, &at);
        }
        Response::json(200, json!({"data": variant, "meta": {}}))
    }

    fn add_to_product_level(&mut self, product_id: i64, delta: i64, at: &str) {
        if let Some(product) = self.products.get_mut(&product_id) {
            product["inventory_level"] = json!(product["inventory_level"].as_i64().unwrap_or(0) + delta);
            product["date_modified"] = json!(at);
        }
        self.emit(
            "store/product/inventory/updated",
            json!({"type": "product", "id": product_id, "inventory": {"product_id": product_id, "method": "relative", "value": delta}}),
        );
    }

    /// `PUT /v3/catalog/products`: up to 10 products, each with its `id`; all or nothing.
    pub(crate) fn update_products_batch(&mut self, body: &[u8]) -> Response {
        let items = match parse_body(body, Version::V3) {
            Ok(Value::Array(items)) => items,
            Ok(_) => return unprocessable("body", "must be a JSON array of products"),
            Err(response) => return response,
        };
        if items.is_empty() || items.len() > MAX_BATCH_PRODUCTS {
            return unprocessable("body", &format!("must hold 1 to {MAX_BATCH_PRODUCTS} products"));
        }
        for item in &items {
            let Some(id) = item.get("id").and_then(Value::as_i64) else {
                return unprocessable("id", "each product needs its id");
            };
            if !self.products.contains_key(&id) {
                return error(Version::V3, 404, &format!("Product {id} was not found."), None);
            }
        }
        let mut updated = Vec::with_capacity(items.len());
        for item in items {
            let id = item["id"].as_i64().unwrap_or_default();
            let mut fields = item.as_object().cloned().unwrap_or_default();
            fields.remove("id");
            let response = self.update_product(
                Some(id),
                &serde_json::to_vec(&Value::Object(fields)).unwrap_or_default(),
            );
            match response.body {
                Some(Value::Object(mut body)) if response.status == 200 => {
                    updated.push(body.remove("data").unwrap_or_default());
                }
                _ => return response,
            }
        }
        Response::json(200, json!({"data": updated, "meta": {}}))
    }

    /// The item an adjustment or a filter names: by `variant_id`, `sku` or `product_id`.
    fn item(&self, entry: &Map<String, Value>) -> Result<Item, String> {
        let variant = |found: Option<(&i64, &Value)>, what: String| {
            let (product_id, variant) = found.ok_or(format!("[Item with {what} was not found]"))?;
            let by_variant = self
                .products
                .get(product_id)
                .is_some_and(|p| p["inventory_tracking"] == "variant");
            if !by_variant {
                return Err(format!(
                    "[Item with {what} is tracked by product, please update stock by product id]"
                ));
            }
            Ok(Item {
                product_id: *product_id,
                variant_id: variant["id"].as_i64().unwrap_or_default(),
                by_variant,
            })
        };
        let all = || self.variants.iter().flat_map(|(p, vs)| vs.iter().map(move |v| (p, v)));
        if let Some(id) = entry.get("variant_id").and_then(Value::as_i64) {
            return variant(all().find(|(_, v)| v["id"] == id), format!("variant_id {id}"));
        }
        if let Some(sku) = entry.get("sku").and_then(Value::as_str) {
            return variant(all().find(|(_, v)| v["sku"] == sku), format!("sku {sku}"));
        }
        if let Some(id) = entry.get("product_id").and_then(Value::as_i64) {
            let product = self
                .products
                .get(&id)
                .ok_or(format!("[Item with product_id {id} was not found]"))?;
            if product["inventory_tracking"] == "variant" {
                return Err(format!(
                    "[Item with product_id {id} is tracked by variant, please update stock by variant id or sku]"
                ));
            }
            let base = self
                .variants
                .get(&id)
                .and_then(|v| v.first())
                .map_or(0, |v| v["id"].as_i64().unwrap_or(0));
            return Ok(Item {
                product_id: id,
                variant_id: base,
                by_variant: false,
            });
        }
        Err("[One of sku, product_id or variant_id is required to identify the item]".into())
    }

    /// The catalog level of an item (the variant's, or the product's).
    fn catalog_level(&self, item: &Item) -> i64 {
        if item.by_variant {
            self.variants[&item.product_id]
                .iter()
                .find(|v| v["id"] == item.variant_id)
                .and_then(|v| v["inventory_level"].as_i64())
                .unwrap_or(0)
        } else {
            self.products[&item.product_id]["inventory_level"].as_i64().unwrap_or(0)
        }
    }

    /// Stock of an item at a location.
    fn level_at(&self, item: &Item, location: i64) -> i64 {
        let elsewhere = |except: i64| -> i64 {
            LOCATIONS
                .iter()
                .filter(|(id, _, _)| *id != except && *id != LOCATIONS[0].0)
                .map(|(id, _, _)| self.located.get(&(*id, item.variant_id)).copied().unwrap_or(0))
                .sum()
        };
        if location == LOCATIONS[0].0 {
            self.catalog_level(item) - elsewhere(location)
        } else {
            self.located.get(&(location, item.variant_id)).copied().unwrap_or(0)
        }
    }

    /// `POST /v3/inventory/adjustments/relative` and `PUT …/absolute`: every item is
    /// checked first, then all are applied.
    pub(crate) fn adjust_inventory(&mut self, body: &[u8], absolute: bool) -> Response {
        let body = match parse_body(body, Version::V3) {
            Ok(Value::Object(body)) => body,
            Ok(_) => return unprocessable("body", "must be a JSON object"),
            Err(response) => return response,
        };
        let Some(items) = body.get("items").and_then(Value::as_array) else {
            return unprocessable("items", "is required");
        };
        if items.len() > MAX_ADJUSTMENT_ITEMS {
            return unprocessable(
                "items",
                &format!("Limit of {MAX_ADJUSTMENT_ITEMS} items for payload length"),
            );
        }
        if body.get("reason").is_some_and(|r| !r.is_string()) {
            return unprocessable("reason", "must be text");
        }
        let mut changes: Vec<(Item, i64, i64)> = Vec::with_capacity(items.len());
        for entry in items {
            let Some(entry) = entry.as_object() else {
                return unprocessable("items", "each item must be an object");
            };
            let Some(location) = entry.get("location_id").and_then(Value::as_i64) else {
                return unprocessable("items.location_id", "is required");
            };
            if !LOCATIONS.iter().any(|(id, _, _)| *id == location) {
                return error(
                    Version::V3,
                    422,
                    &format!("[Location with id {location} was not found]"),
                    None,
                );
            }
            let Some(quantity) = entry.get("quantity").and_then(Value::as_i64) else {
                return unprocessable("items.quantity", "is required: a whole number");
            };
            let item = match self.item(entry) {
                Ok(item) => item,
                Err(title) => return error(Version::V3, 422, &title, None),
            };
            let current = self.level_at(&item, location);
            let delta = if absolute { quantity - current } else { quantity };
            if absolute && quantity < 0 {
                return unprocessable("items.quantity", "must be at least 0 for an absolute adjustment");
            }
            changes.push((item, location, delta));
        }
        let (at, _) = self.tick();
        for (item, location, delta) in changes {
            if delta == 0 {
                continue;
            }
            if location != LOCATIONS[0].0 {
                *self.located.entry((location, item.variant_id)).or_insert(0) += delta;
            }
            if let Some(variant) = self
                .variants
                .get_mut(&item.product_id)
                .and_then(|vs| vs.iter_mut().find(|v| v["id"] == item.variant_id))
            {
                variant["inventory_level"] = json!(variant["inventory_level"].as_i64().unwrap_or(0) + delta);
            }
            self.add_to_product_level(item.product_id, delta, &at);
        }
        let transaction = self.fresh_id();
        Response::json(
            200,
            json!({"transaction_id": format!("00000000-0000-4000-8000-{transaction:012}")}),
        )
    }

    /// `GET /v3/inventory/items`: each item (variant) with its stock at each location.
    pub(crate) fn inventory_items(&self, query: &[(String, String)]) -> Response {
        let skus: Option<Vec<&str>> = param(query, "sku:in").map(|v| v.split(',').map(str::trim).collect());
        let (variants, products, locations) = (
            id_list(query, "variant_id:in"),
            id_list(query, "product_id:in"),
            id_list(query, "location_id:in"),
        );
        let mut records = Vec::new();
        for (product_id, product_variants) in &self.variants {
            let by_variant = self
                .products
                .get(product_id)
                .is_some_and(|p| p["inventory_tracking"] == "variant");
            for variant in product_variants.iter().take(if by_variant { usize::MAX } else { 1 }) {
                let variant_id = variant["id"].as_i64().unwrap_or_default();
                let sku = variant["sku"].as_str().unwrap_or_default();
                if skus.as_ref().is_some_and(|s| !s.contains(&sku))
                    || variants.as_ref().is_some_and(|v| !v.contains(&variant_id))
                    || products.as_ref().is_some_and(|p| !p.contains(product_id))
                {
                    continue;
                }
                let item = Item {
                    product_id: *product_id,
                    variant_id,
                    by_variant,
                };
                let warning = variant["inventory_warning_level"].as_i64().unwrap_or(0);
                let at: Vec<Value> = LOCATIONS
                    .iter()
                    .filter(|(id, _, _)| locations.as_ref().is_none_or(|l| l.contains(id)))
                    .map(|&(id, code, name)| {
                        let level = self.level_at(&item, id);
                        json!({"location_id": id, "location_code": code, "location_name": name,
                               "available_to_sell": level, "total_inventory_onhand": level, "location_enabled": true,
                               "settings": {"safety_stock": 0, "is_in_stock": level > 0, "warning_level": warning, "bin_picking_number": ""}})
                    })
                    .collect();
                records.push(json!({
                    "identity": {"sku": sku, "variant_id": variant_id, "product_id": product_id,
                                 "sku_id": variant["sku_id"]},
                    "locations": at
                }));
            }
        }
        v3_page(records.iter(), query, Value::clone)
    }
}
