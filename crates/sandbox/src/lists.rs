//! The store's reference lists, read-only: brands, channels, inventory locations and
//! customer groups (what forms offer as options).

use serde_json::{Value, json};

use crate::wire::*;

fn brands_seed() -> Vec<Value> {
    [(36, "Ball"), (37, "Kilner"), (38, "Le Parfait"), (39, "Weck")]
        .into_iter()
        .map(|(id, name)| json!({"id": id, "name": name, "page_title": name, "meta_keywords": [], "meta_description": "", "image_url": "", "search_keywords": "", "custom_url": {"url": format!("/brands/{}/", name.to_lowercase().replace(' ', "-")), "is_customized": false}}))
        .collect()
}

/// `GET /v3/catalog/brands` (`name:like`).
pub(crate) fn brands(query: &[(String, String)]) -> Response {
    let like = param(query, "name:like").map(str::to_lowercase);
    let all = brands_seed();
    let items = all
        .iter()
        .filter(|b| like.as_ref().is_none_or(|n| contains_ci(&b["name"], n)));
    v3_page(items, query, Value::clone)
}

/// `GET /v3/channels`.
pub(crate) fn channels(query: &[(String, String)]) -> Response {
    let all: Vec<Value> = [
        (1, "Jane's Jars", "bigcommerce", "storefront"),
        (664_178, "Jane's Jars on Amazon", "amazon", "marketplace"),
    ]
    .into_iter()
    .map(|(id, name, platform, kind)| {
        json!({"id": id, "name": name, "platform": platform, "type": kind, "status": "active", "is_listable_from_ui": true, "is_visible": true, "date_created": "2026-01-10T09:00:00Z", "date_modified": "2026-01-10T09:00:00Z"})
    })
    .collect();
    v3_page(all.iter(), query, Value::clone)
}

/// `GET /v3/inventory/locations`.
pub(crate) fn locations(query: &[(String, String)]) -> Response {
    let only_default = param(query, "is_default").is_some_and(|v| v == "true");
    let all: Vec<Value> = crate::inventory::LOCATIONS
        .iter()
        .take(if only_default { 1 } else { usize::MAX })
        .map(|&(id, code, label)| {
            json!({"id": id, "code": code, "label": label, "description": "", "managed_by_external_source": false, "type_id": "PHYSICAL", "enabled": true, "storefront_visibility": true})
        })
        .collect();
    v3_page(all.iter(), query, Value::clone)
}

/// `GET /v2/customer_groups` (`name:like`; a bare array, 204 past the end).
pub(crate) fn customer_groups(query: &[(String, String)]) -> Response {
    let (page, limit) = match paging(query, Version::V2) {
        Ok(paging) => paging,
        Err(response) => return response,
    };
    let like = param(query, "name:like").map(str::to_lowercase);
    let all: Vec<Value> = [(1, "Retail", true), (2, "Wholesale", false), (3, "VIP", false)]
        .into_iter()
        .map(|(id, name, is_default)| {
            json!({"id": id, "name": name, "is_default": is_default, "is_group_for_guests": false, "category_access": {"type": "all"}, "discount_rules": []})
        })
        .filter(|g| like.as_ref().is_none_or(|n| contains_ci(&g["name"], n)))
        .collect();
    let page: Vec<Value> = page_of(all.into_iter(), page, limit).collect();
    if page.is_empty() {
        return Response::no_content();
    }
    Response::json(200, Value::Array(page))
}
