//! The seeded store: a small, realistic shop ("Jane's Jars") with products and variants,
//! orders in several statuses, customers in groups and a category tree.

use serde_json::{Value, json};

/// The seeded store's hash (the product docs' example).
pub const STORE_HASH: &str = "abc123xyz";

/// A fixed "now" for seeded records, so outputs are reproducible.
pub(crate) const SEEDED_AT: &str = "2026-11-01T09:00:00+00:00";

pub(crate) fn categories() -> Vec<Value> {
    [
        (18, 0, "Kitchen", "Everything for the kitchen.", 0),
        (19, 0, "Garden", "Pots, planters and preserving.", 1),
        (20, 18, "Jars", "Glass jars for preserving and storage.", 0),
        (21, 18, "Utensils", "Spoons, ladles and funnels.", 1),
        (22, 19, "Planters", "Indoor and outdoor planters.", 0),
    ]
    .into_iter()
    .map(|(id, parent_id, name, description, sort_order)| category(id, parent_id, name, description, sort_order))
    .collect()
}

pub(crate) fn category(id: i64, parent_id: i64, name: &str, description: &str, sort_order: i64) -> Value {
    let slug = name.to_lowercase().replace(' ', "-");
    json!({
        "id": id,
        "parent_id": parent_id,
        "name": name,
        "description": description,
        "views": 0,
        "sort_order": sort_order,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "layout_file": "category.html",
        "image_url": "",
        "is_visible": true,
        "search_keywords": "",
        "default_product_sort": "use_store_settings",
        "custom_url": {"url": format!("/{slug}/"), "is_customized": false}
    })
}

/// (id, name, sku, price, inventory, warning, categories, visible, availability, variants)
type ProductSeed = (
    i64,
    &'static str,
    &'static str,
    f64,
    i64,
    i64,
    &'static [i64],
    bool,
    &'static str,
    &'static [(&'static str, i64)],
);

const PRODUCTS: &[ProductSeed] = &[
    (
        111,
        "1L Le Parfait Jar",
        "JAR-1L",
        7.95,
        48,
        10,
        &[20],
        true,
        "available",
        &[],
    ),
    (
        112,
        "Mason Jar Set",
        "JAR-MASON",
        24.0,
        4,
        10,
        &[20],
        true,
        "available",
        &[("JAR-MASON-S", 2), ("JAR-MASON-L", 2)],
    ),
    (
        113,
        "Wooden Spoon",
        "UTL-SPOON",
        5.5,
        120,
        20,
        &[21],
        true,
        "available",
        &[],
    ),
    (
        114,
        "Canning Funnel",
        "UTL-FUNNEL",
        9.99,
        0,
        5,
        &[21],
        true,
        "disabled",
        &[],
    ),
    (
        115,
        "Terracotta Planter",
        "PLN-TERRA",
        18.5,
        2,
        5,
        &[22],
        true,
        "available",
        &[("PLN-TERRA-SM", 1), ("PLN-TERRA-LG", 1)],
    ),
    (
        116,
        "Glazed Planter (2027 collection)",
        "PLN-GLAZE",
        32.0,
        0,
        0,
        &[22],
        true,
        "preorder",
        &[],
    ),
    (
        117,
        "Staff Sample Jar",
        "JAR-SAMPLE",
        0.0,
        3,
        0,
        &[20],
        false,
        "available",
        &[],
    ),
];

pub(crate) fn products() -> Vec<(Value, Vec<Value>)> {
    let mut variant_id = 300;
    PRODUCTS
        .iter()
        .map(
            |&(id, name, sku, price, inventory, warning, categories, visible, availability, variants)| {
                let tracking = if variants.is_empty() { "product" } else { "variant" };
                let mut product = product(id, name, "physical", price, 1.0, "");
                product["sku"] = json!(sku);
                product["inventory_level"] = json!(inventory);
                product["inventory_warning_level"] = json!(warning);
                product["inventory_tracking"] = json!(tracking);
                product["categories"] = json!(categories);
                product["is_visible"] = json!(visible);
                product["availability"] = json!(availability);
                let variants: Vec<Value> = if variants.is_empty() {
                    variant_id += 1;
                    vec![variant(variant_id, id, sku, price, inventory, warning, true)]
                } else {
                    variants
                        .iter()
                        .map(|&(variant_sku, level)| {
                            variant_id += 1;
                            variant(variant_id, id, variant_sku, price, level, warning / 2, false)
                        })
                        .collect()
                };
                if tracking == "product" {
                    product["base_variant_id"] = variants[0]["id"].clone();
                }
                (product, variants)
            },
        )
        .collect()
}

/// A product as BigCommerce returns it (`product_Full`).
pub(crate) fn product(id: i64, name: &str, kind: &str, price: f64, weight: f64, description: &str) -> Value {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    json!({
        "id": id,
        "name": name,
        "type": kind,
        "sku": "",
        "description": description,
        "weight": weight,
        "width": 0,
        "depth": 0,
        "height": 0,
        "price": price,
        "cost_price": 0,
        "retail_price": 0,
        "sale_price": 0,
        "map_price": 0,
        "tax_class_id": 0,
        "product_tax_code": "",
        "calculated_price": price,
        "categories": [],
        "brand_id": 0,
        "option_set_display": "right",
        "inventory_level": 0,
        "inventory_warning_level": 0,
        "inventory_tracking": "none",
        "reviews_rating_sum": 0,
        "reviews_count": 0,
        "total_sold": 0,
        "fixed_cost_shipping_price": 0,
        "is_free_shipping": false,
        "is_visible": true,
        "is_featured": false,
        "related_products": [-1],
        "warranty": "",
        "bin_picking_number": "",
        "layout_file": "product.html",
        "upc": "",
        "mpn": "",
        "gtin": "",
        "search_keywords": "",
        "availability": "available",
        "availability_description": "",
        "gift_wrapping_options_type": "any",
        "gift_wrapping_options_list": [],
        "sort_order": 0,
        "condition": "New",
        "is_condition_shown": false,
        "order_quantity_minimum": 0,
        "order_quantity_maximum": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "date_created": SEEDED_AT,
        "date_modified": SEEDED_AT,
        "view_count": 0,
        "preorder_release_date": null,
        "preorder_message": "",
        "is_preorder_only": false,
        "is_price_hidden": false,
        "price_hidden_label": "",
        "custom_url": {"url": format!("/{slug}/"), "is_customized": false},
        "open_graph_type": "product",
        "open_graph_title": "",
        "open_graph_description": "",
        "open_graph_use_meta_description": true,
        "open_graph_use_product_name": true,
        "open_graph_use_image": true
    })
}

pub(crate) fn variant(
    id: i64,
    product_id: i64,
    sku: &str,
    price: f64,
    level: i64,
    warning: i64,
    is_base: bool,
) -> Value {
    json!({
        "id": id,
        "product_id": product_id,
        "sku": sku,
        "sku_id": id + 1000,
        "price": if is_base { json!(price) } else { Value::Null },
        "calculated_price": price,
        "sale_price": null,
        "retail_price": null,
        "map_price": null,
        "weight": null,
        "calculated_weight": 1.0,
        "width": null,
        "height": null,
        "depth": null,
        "is_free_shipping": false,
        "fixed_cost_shipping_price": null,
        "purchasing_disabled": false,
        "purchasing_disabled_message": "",
        "image_url": "",
        "cost_price": 0,
        "upc": "",
        "mpn": "",
        "gtin": "",
        "inventory_level": level,
        "inventory_warning_level": warning,
        "bin_picking_number": "",
        "option_values": []
    })
}

/// (id, email, first, last, company, group)
const CUSTOMERS: &[(i64, &str, &str, &str, &str, i64)] = &[
    (1, "jane.smith@example.com", "Jane", "Smith", "Acme Corp", 1),
    (2, "tom.jerry@example.com", "Tom", "Jerry", "", 0),
    (3, "ana.garcia@example.com", "Ana", "García", "Huerta Verde", 2),
    (4, "li.wei@example.com", "Li", "Wei", "", 1),
    (5, "sam.okafor@example.com", "Sam", "Okafor", "Okafor Preserves", 2),
];

pub(crate) fn customers() -> Vec<Value> {
    CUSTOMERS
        .iter()
        .map(|&(id, email, first, last, company, group)| customer(id, email, first, last, company, "", group))
        .collect()
}

pub(crate) fn customer(id: i64, email: &str, first: &str, last: &str, company: &str, phone: &str, group: i64) -> Value {
    json!({
        "id": id,
        "email": email,
        "first_name": first,
        "last_name": last,
        "company": company,
        "phone": phone,
        "registration_ip_address": "",
        "notes": "",
        "tax_exempt_category": "",
        "customer_group_id": group,
        "address_count": 0,
        "attribute_count": 0,
        "authentication": {"force_password_reset": false},
        "date_created": "2026-10-01T09:00:00Z",
        "date_modified": "2026-10-01T09:00:00Z",
        "accepts_product_review_abandoned_cart_emails": true,
        "origin_channel_id": 1,
        "channel_ids": [1]
    })
}

/// The order statuses of BigCommerce (status_id → label).
pub const ORDER_STATUSES: [&str; 15] = [
    "Incomplete",
    "Pending",
    "Shipped",
    "Partially Shipped",
    "Refunded",
    "Cancelled",
    "Declined",
    "Awaiting Payment",
    "Awaiting Pickup",
    "Awaiting Shipment",
    "Completed",
    "Awaiting Fulfillment",
    "Manual Verification Required",
    "Disputed",
    "Partially Refunded",
];

/// (id, customer id, status id, total, items, day of month)
const ORDERS: &[(i64, i64, usize, f64, i64, u32)] = &[
    (100, 1, 11, 31.90, 4, 2),
    (101, 3, 11, 18.50, 1, 3),
    (102, 2, 2, 24.00, 1, 4),
    (103, 4, 10, 13.45, 2, 5),
    (104, 5, 7, 64.00, 2, 6),
    (105, 1, 9, 7.95, 1, 7),
    (106, 3, 5, 9.99, 1, 8),
    (107, 2, 1, 55.50, 3, 9),
];

pub(crate) fn orders() -> Vec<Value> {
    ORDERS
        .iter()
        .map(|&(id, customer_id, status, total, items, day)| {
            let (first, last, email) = CUSTOMERS
                .iter()
                .find(|c| c.0 == customer_id)
                .map_or(("Guest", "Shopper", "guest@example.com"), |c| (c.2, c.3, c.1));
            order(id, customer_id, status, total, items, day, first, last, email)
        })
        .collect()
}

fn money(amount: f64) -> String {
    format!("{amount:.4}")
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn order(
    id: i64,
    customer_id: i64,
    status: usize,
    total: f64,
    items: i64,
    day: u32,
    first: &str,
    last: &str,
    email: &str,
) -> Value {
    let date = format!("Mon, {day:02} Nov 2026 10:15:00 +0000");
    json!({
        "id": id,
        "customer_id": customer_id,
        "date_created": date,
        "date_modified": date,
        "date_shipped": if status == 2 || status == 10 { date.clone() } else { String::new() },
        "status_id": status,
        "status": ORDER_STATUSES[status],
        "custom_status": ORDER_STATUSES[status],
        "subtotal_ex_tax": money(total),
        "subtotal_inc_tax": money(total),
        "subtotal_tax": money(0.0),
        "base_shipping_cost": money(0.0),
        "shipping_cost_ex_tax": money(0.0),
        "shipping_cost_inc_tax": money(0.0),
        "shipping_cost_tax": money(0.0),
        "shipping_cost_tax_class_id": 2,
        "base_handling_cost": money(0.0),
        "handling_cost_ex_tax": money(0.0),
        "handling_cost_inc_tax": money(0.0),
        "handling_cost_tax": money(0.0),
        "handling_cost_tax_class_id": 2,
        "base_wrapping_cost": money(0.0),
        "wrapping_cost_ex_tax": money(0.0),
        "wrapping_cost_inc_tax": money(0.0),
        "wrapping_cost_tax": money(0.0),
        "wrapping_cost_tax_class_id": 3,
        "total_ex_tax": money(total),
        "total_inc_tax": money(total),
        "total_tax": money(0.0),
        "items_total": items,
        "items_shipped": if status == 2 || status == 10 { items } else { 0 },
        "payment_method": "Credit Card",
        "payment_provider_id": "",
        "payment_status": if status == 7 { "pending" } else { "captured" },
        "refunded_amount": money(0.0),
        "order_is_digital": false,
        "store_credit_amount": money(0.0),
        "gift_certificate_amount": money(0.0),
        "ip_address": "",
        "ip_address_v6": "",
        "geoip_country": "United States",
        "geoip_country_iso2": "US",
        "currency_id": 1,
        "currency_code": "USD",
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": "USD",
        "staff_notes": "",
        "customer_message": "",
        "discount_amount": money(0.0),
        "coupon_discount": money(0.0),
        "shipping_address_count": 1,
        "is_deleted": false,
        "ebay_order_id": "0",
        "cart_id": format!("00000000-0000-4000-8000-{id:012}"),
        "billing_address": {
            "first_name": first,
            "last_name": last,
            "company": "",
            "street_1": "455 Main Street",
            "street_2": "",
            "city": "Austin",
            "state": "Texas",
            "zip": "78751",
            "country": "United States",
            "country_iso2": "US",
            "phone": "555-123-4567",
            "email": email,
            "form_fields": []
        },
        "is_email_opt_in": false,
        "credit_card_type": null,
        "order_source": "www",
        "channel_id": 1,
        "external_source": "",
        "products": {"url": format!("https://api.bigcommerce.com/stores/{STORE_HASH}/v2/orders/{id}/products"), "resource": format!("/orders/{id}/products")},
        "shipping_addresses": {"url": format!("https://api.bigcommerce.com/stores/{STORE_HASH}/v2/orders/{id}/shipping_addresses"), "resource": format!("/orders/{id}/shipping_addresses")},
        "coupons": {"url": format!("https://api.bigcommerce.com/stores/{STORE_HASH}/v2/orders/{id}/coupons"), "resource": format!("/orders/{id}/coupons")},
        "external_id": null,
        "external_merchant_id": null,
        "tax_provider_id": "BasicTaxProvider",
        "store_default_currency_code": "USD",
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "customer_locale": "en",
        "external_order_id": ""
    })
}

pub(crate) fn store_information() -> Value {
    json!({
        "id": STORE_HASH,
        "domain": "janesjars.example",
        "secure_url": "https://janesjars.example",
        "control_panel_base_url": "https://store-abc123xyz.mybigcommerce.com",
        "status": "live",
        "name": "Jane's Jars (Syncaut sandbox)",
        "first_name": "Jane",
        "last_name": "Smith",
        "address": "455 Main Street, Austin, Texas 78751",
        "country": "United States",
        "country_code": "US",
        "phone": "555-123-4567",
        "admin_email": "jane@janesjars.example",
        "order_email": "orders@janesjars.example",
        "language": "en",
        "currency": "USD",
        "currency_symbol": "$",
        "decimal_separator": ".",
        "thousands_separator": ",",
        "decimal_places": 2,
        "weight_units": "kg",
        "dimension_units": "Centimeters",
        "plan_name": "Sandbox",
        "plan_level": "Sandbox",
        "industry": "Home & Garden",
        "is_price_entered_with_tax": false,
        "active_comparison_modules": [],
        "features": {"stencil_enabled": true, "sitewidehttps_enabled": true, "facebook_catalog_id": "", "checkout_type": "optimized", "wishlists_enabled": true, "graphql_storefront_api_enabled": true, "shopper_consent_tracking_enabled": false, "multi_storefront_enabled": false}
    })
}

/// A shipping address of an order (`orderShippingAddress`): the billing name at one of
/// two streets.
pub(crate) fn shipping_address(id: i64, order: &Value, n: i64, items: i64, shipped_all: bool) -> Value {
    let billing = &order["billing_address"];
    let (street, city, zip) = if n == 1 {
        ("12 Main St", "Austin", "78701")
    } else {
        ("48 Harbour Rd", "Portland", "04101")
    };
    json!({
        "id": id,
        "order_id": order["id"],
        "first_name": billing["first_name"],
        "last_name": billing["last_name"],
        "company": "",
        "street_1": street,
        "street_2": "",
        "city": city,
        "state": if n == 1 { "Texas" } else { "Maine" },
        "zip": zip,
        "country": "United States",
        "country_iso2": "US",
        "phone": "",
        "email": billing["email"],
        "items_total": items,
        "items_shipped": if shipped_all { items } else { 0 },
        "shipping_method": "Flat Rate",
        "base_cost": money(0.0),
        "cost_ex_tax": money(0.0),
        "cost_inc_tax": money(0.0),
        "cost_tax": money(0.0),
        "cost_tax_class_id": 2,
        "base_handling_cost": money(0.0),
        "handling_cost_ex_tax": money(0.0),
        "handling_cost_inc_tax": money(0.0),
        "handling_cost_tax": money(0.0),
        "handling_cost_tax_class_id": 2,
        "shipping_zone_id": 1,
        "shipping_zone_name": "United States",
        "form_fields": []
    })
}

/// A line item of an order (`orderProducts`).
pub(crate) fn order_product(
    id: i64,
    order_id: i64,
    address_id: i64,
    product: Option<&Value>,
    variant: Option<&Value>,
    quantity: i64,
    shipped: i64,
) -> Value {
    let price = product.and_then(|p| p["price"].as_f64()).unwrap_or(10.0);
    json!({
        "id": id,
        "order_id": order_id,
        "product_id": product.map_or(json!(0), |p| p["id"].clone()),
        "variant_id": variant.map_or(json!(0), |v| v["id"].clone()),
        "order_address_id": address_id,
        "name": product.map_or(json!("Custom item"), |p| p["name"].clone()),
        "name_customer": product.map_or(json!("Custom item"), |p| p["name"].clone()),
        "name_merchant": product.map_or(json!("Custom item"), |p| p["name"].clone()),
        "sku": variant.map_or(json!(""), |v| v["sku"].clone()),
        "upc": "",
        "type": "physical",
        "base_price": money(price),
        "price_ex_tax": money(price),
        "price_inc_tax": money(price),
        "price_tax": money(0.0),
        "base_total": money(price * quantity as f64),
        "total_ex_tax": money(price * quantity as f64),
        "total_inc_tax": money(price * quantity as f64),
        "total_tax": money(0.0),
        "quantity": quantity,
        "quantity_shipped": shipped,
        "quantity_refunded": 0,
        "is_refunded": false,
        "refund_amount": money(0.0),
        "return_id": 0,
        "wrapping_id": 0,
        "wrapping_name": null,
        "wrapping_message": "",
        "event_name": null,
        "event_date": null,
        "fixed_shipping_cost": money(0.0),
        "option_set_id": null,
        "parent_order_product_id": null,
        "is_bundled_product": false,
        "bin_picking_number": "",
        "external_id": null,
        "brand": "",
        "applied_discounts": [],
        "product_options": [],
        "configurable_fields": [],
        "gift_certificate_id": null,
        "discounted_total_inc_tax": money(price * quantity as f64)
    })
}
