//! Catalog endpoints: products (with their variants) and categories.

use serde_json::{Map, Value, json};

use crate::seed;
use crate::wire::*;
use crate::world::World;

impl World {
    pub(crate) fn check_product_fields(&self, body: &Map<String, Value>, own_id: Option<i64>) -> FieldResult {
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

    pub(crate) fn product_view(&self, product: &Value, query: &[(String, String)]) -> Value {
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

    pub(crate) fn list_products(&self, query: &[(String, String)]) -> Response {
        let keyword = param(query, "keyword").map(str::to_lowercase);
        let visible = param(query, "is_visible").map(|v| v == "true" || v == "1");
        let availability = param(query, "availability");
        // `sku` and `name` match exactly, as BigCommerce's filters do.
        let (sku, name) = (param(query, "sku"), param(query, "name"));
        let in_categories = id_list(query, "categories:in");
        let ids = id_list(query, "id:in");
        let above = match param(query, "id:greater").map(str::parse::<i64>) {
            None => None,
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => return unprocessable("id:greater", "must be an integer"),
        };
        let modified = match date_filter(query, "date_modified:min", Version::V3) {
            Ok(modified) => modified,
            Err(response) => return response,
        };
        let mut items: Vec<&Value> = self
            .products
            .values()
            .filter(|p| above.is_none_or(|min| p["id"].as_i64().is_some_and(|id| id > min)))
            .filter(|p| modified.is_none_or(|min| record_time(p, "date_modified") >= min))
            .filter(|p| {
                keyword
                    .as_ref()
                    .is_none_or(|k| ["name", "sku", "description"].iter().any(|f| contains_ci(&p[*f], k)))
            })
            .filter(|p| visible.is_none_or(|v| p["is_visible"] == v))
            .filter(|p| availability.is_none_or(|a| p["availability"] == a))
            .filter(|p| sku.is_none_or(|s| p["sku"] == s))
            .filter(|p| {
                in_categories.as_ref().is_none_or(|wanted| {
                    p["categories"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|id| id.as_i64().is_some_and(|id| wanted.contains(&id))))
                })
            })
            .filter(|p| name.is_none_or(|n| p["name"] == n))
            .filter(|p| {
                ids.as_ref()
                    .is_none_or(|ids| p["id"].as_i64().is_some_and(|id| ids.contains(&id)))
            })
            .collect();
        if let Some(sort) = param(query, "sort") {
            if !["id", "name", "price", "date_modified", "inventory_level"].contains(&sort) {
                return unprocessable("sort", "is not a field products can be sorted by");
            }
            sort_records(&mut items, sort, param(query, "direction") == Some("desc"));
        }
        v3_page(items.into_iter(), query, |p| self.product_view(p, query))
    }

    pub(crate) fn product_not_found() -> Response {
        error(Version::V3, 404, "The requested product was not found.", None)
    }

    pub(crate) fn get_product(&self, id: Option<i64>, query: &[(String, String)]) -> Response {
        match id.and_then(|id| self.products.get(&id)) {
            Some(product) => Response::json(200, json!({"data": self.product_view(product, query), "meta": {}})),
            None => Self::product_not_found(),
        }
    }

    pub(crate) fn create_product(&mut self, body: &[u8]) -> Response {
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
        self.emit("store/product/created", json!({"type": "product", "id": id}));
        Response::json(200, json!({"data": product, "meta": {}}))
    }

    pub(crate) fn update_product(&mut self, id: Option<i64>, body: &[u8]) -> Response {
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
        let level_before = product["inventory_level"].as_i64().unwrap_or(0);
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
        self.emit("store/product/updated", json!({"type": "product", "id": id}));
        let level_after = product["inventory_level"].as_i64().unwrap_or(0);
        if level_after != level_before {
            self.emit(
                "store/product/inventory/updated",
                json!({"type": "product", "id": id, "inventory": {"product_id": id, "method": "absolute", "value": level_after - level_before}}),
            );
        }
        Response::json(200, json!({"data": product, "meta": {}}))
    }

    pub(crate) fn delete_product(&mut self, id: Option<i64>) -> Response {
        match id.and_then(|id| self.products.remove(&id).map(|_| id)) {
            Some(id) => {
                self.variants.remove(&id);
                Response::no_content()
            }
            None => Self::product_not_found(),
        }
    }

    pub(crate) fn list_categories(&self, query: &[(String, String)]) -> Response {
        let name_like = param(query, "name:like").map(str::to_lowercase);
        let items = self
            .categories
            .values()
            .filter(|c| name_like.as_ref().is_none_or(|n| contains_ci(&c["name"], n)));
        v3_page(items, query, Value::clone)
    }

    pub(crate) fn create_category(&mut self, body: &[u8]) -> Response {
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

    /// The store's one category tree, as `GET /v3/catalog/trees` lists it: the tree of
    /// the default channel (channel 1).
    pub(crate) fn list_trees(&self, query: &[(String, String)]) -> Response {
        let channels = id_list(query, "channel_id:in");
        let ids = id_list(query, "id:in");
        let tree = json!({"id": DEFAULT_TREE, "name": "Default", "channels": [1]});
        let matches = channels.is_none_or(|c| c.contains(&1)) && ids.is_none_or(|i| i.contains(&DEFAULT_TREE));
        let trees: Vec<&Value> = if matches { vec![&tree] } else { Vec::new() };
        v3_page(trees.into_iter(), query, Value::clone)
    }

    /// A category as the tree API shows it, in its order: `category_id`, `parent_id`,
    /// `tree_id`, then the rest, with `url` for `custom_url`.
    fn tree_view(category: &Value) -> Value {
        let Value::Object(fields) = category else {
            return category.clone();
        };
        let mut view = Map::new();
        view.insert("category_id".into(), fields.get("id").cloned().unwrap_or(Value::Null));
        for (key, value) in fields {
            match key.as_str() {
                "id" => {}
                "parent_id" => {
                    view.insert(key.clone(), value.clone());
                    view.insert("tree_id".into(), json!(DEFAULT_TREE));
                }
                "custom_url" => {
                    view.insert(
                        "url".into(),
                        json!({"path": value["url"], "is_customized": value["is_customized"]}),
                    );
                }
                _ => {
                    view.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(view)
    }

    /// `GET /v3/catalog/trees/categories`, with the filters the actions use.
    pub(crate) fn list_tree_categories(&self, query: &[(String, String)]) -> Response {
        let ids = id_list(query, "category_id:in");
        let parents = id_list(query, "parent_id:in");
        let trees = id_list(query, "tree_id:in");
        let name_like = param(query, "name:like").map(str::to_lowercase);
        let items = self
            .categories
            .values()
            .filter(|_| trees.as_ref().is_none_or(|t| t.contains(&DEFAULT_TREE)))
            .filter(|c| {
                ids.as_ref()
                    .is_none_or(|i| c["id"].as_i64().is_some_and(|id| i.contains(&id)))
            })
            .filter(|c| {
                parents
                    .as_ref()
                    .is_none_or(|p| c["parent_id"].as_i64().is_some_and(|id| p.contains(&id)))
            })
            .filter(|c| name_like.as_ref().is_none_or(|n| contains_ci(&c["name"], n)));
        v3_page(items, query, Self::tree_view)
    }

    /// `POST /v3/catalog/trees/categories`: an array of categories, each with a name and
    /// either a tree (top level) or a parent.
    pub(crate) fn create_tree_categories(&mut self, body: &[u8]) -> Response {
        let items = match parse_body(body, Version::V3) {
            Ok(Value::Array(items)) if !items.is_empty() => items,
            Ok(_) => return unprocessable("body", "must be a non-empty JSON array of categories"),
            Err(response) => return response,
        };
        let mut created = Vec::new();
        for item in items {
            let Value::Object(item) = item else {
                return unprocessable("body", "each category must be a JSON object");
            };
            let checks = require(&item, &["name"])
                .and_then(|()| check_text(&item, "name", 50))
                .and_then(|()| check_integer(&item, "parent_id", 0))
                .and_then(|()| check_integer(&item, "tree_id", 1))
                .and_then(|()| check_text(&item, "description", 65_535));
            if let Err(response) = checks {
                return response;
            }
            let parent_id = item.get("parent_id").and_then(Value::as_i64).unwrap_or(0);
            let tree_id = item.get("tree_id").and_then(Value::as_i64);
            if parent_id == 0 && tree_id.is_none() {
                return unprocessable("tree_id", "a top-level category needs tree_id (or give parent_id)");
            }
            if tree_id.is_some_and(|t| t != DEFAULT_TREE) {
                return unprocessable("tree_id", "no category tree has this ID");
            }
            if parent_id != 0 && !self.categories.contains_key(&parent_id) {
                return unprocessable("parent_id", &format!("category {parent_id} does not exist"));
            }
            let name = item["name"].as_str().unwrap_or_default();
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
            let description = item.get("description").and_then(Value::as_str).unwrap_or_default();
            let category = seed::category(id, parent_id, name, description, 0);
            self.categories.insert(id, category.clone());
            created.push(Self::tree_view(&category));
        }
        let count = created.len();
        Response::json(
            201,
            json!({"data": created, "meta": {"total": count, "success": count, "failed": 0}}),
        )
    }
}

/// The ID of the store's one category tree, the default channel's.
const DEFAULT_TREE: i64 = 1;
