//! Option sources: where the values of form fields that live in the store come from
//! (categories, customer groups, brands, channels, locations, products, customers), as
//! data. A field names its source ([`FieldOptions`]); its form schema then carries
//! `x-options`, and the service answers `POST /v1/options/{source}` by reading the
//! source's list endpoint with the user's credential. The conformance test checks every
//! source's endpoint and query parameters against BigCommerce's spec.

use bigcommerce_api::ApiVersion::{self, V2, V3};
use serde::Serialize;

use crate::model::{Choice, Items, QueryRule, Scope, ValueLooks};
use crate::registry::{CUSTOMERS_READ, PRODUCTS_READ};

/// How an option's label is made from a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Label {
    /// Fields joined by a space, then `detail` (prefix, field, suffix) when that field is
    /// not empty: `Maya Chen <maya@example.com>`, `Mason Jar (SKU JAR-1)`.
    Fields {
        /// The fields shown first.
        fields: &'static [&'static str],
        /// A detail after them.
        detail: Option<(&'static str, &'static str, &'static str)>,
    },
    /// The record's path in a tree, `Kitchen › Jars`: the names of its ancestors (found
    /// by `parent`, which is 0 at the top) and its own, joined by ` › `.
    TreePath {
        /// The name field.
        name: &'static str,
        /// The field holding the parent's value (0 at the top).
        parent: &'static str,
    },
}

/// How a source is read page by page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fetch {
    /// One page of the endpoint per answer; the cursor is the next page number.
    Pages,
    /// Every page first (at most `max_records`), because each label needs the others (a
    /// tree path); the answer pages through the labelled list, searched by label.
    Whole {
        /// The most records read.
        max_records: u32,
    },
}

/// A list endpoint of the store that options are read from.
#[derive(Debug, Serialize)]
pub struct OptionSource {
    /// Its id in `POST /v1/options/{source}`.
    pub id: &'static str,
    /// What it lists.
    pub title: &'static str,
    /// The API version.
    pub api_version: ApiVersion,
    /// The list endpoint (`GET`).
    pub path: &'static str,
    /// Where the records are: V3's `data`, or V2's bare array.
    pub items: Items,
    /// The record field that is the option's value.
    pub value: &'static str,
    /// How the label is made.
    pub label: Label,
    /// The query parameter a search goes to, by what the search looks like (empty: the
    /// endpoint cannot search; a [`Fetch::Whole`] source searches its labels itself).
    pub search: &'static [QueryRule],
    /// The page parameter.
    pub page_param: &'static str,
    /// The page-size parameter.
    pub limit_param: &'static str,
    /// Records per page.
    pub page_size: u32,
    /// How it is read.
    pub fetch: Fetch,
    /// The scope reading it needs.
    pub scope: Scope,
}

/// A form field whose values come from a source.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldOptions {
    /// The source.
    #[serde(serialize_with = "source_id")]
    pub source: &'static OptionSource,
    /// Options offered before the store's (such as "Top level" for a parent category).
    pub leading: &'static [Choice],
}

fn source_id<S: serde::Serializer>(source: &&'static OptionSource, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(source.id)
}

/// Channel Settings — Read-Only.
const CHANNELS_READ: Scope = Scope {
    name: "store_channel_settings_read_only",
    label: "Channel Settings — Read-Only",
};

/// Store Locations — Read-Only.
const LOCATIONS_READ: Scope = Scope {
    name: "store_locations_read_only",
    label: "Store Locations — Read-Only",
};

/// Categories, labelled with their path in their tree.
pub const CATEGORIES: OptionSource = OptionSource {
    id: "categories",
    title: "Categories",
    api_version: V3,
    path: "/catalog/trees/categories",
    items: Items::Data,
    value: "category_id",
    label: Label::TreePath {
        name: "name",
        parent: "parent_id",
    },
    search: &[],
    page_param: "page",
    limit_param: "limit",
    page_size: 250,
    fetch: Fetch::Whole { max_records: 10_000 },
    scope: PRODUCTS_READ,
};

/// Customer groups (V2).
pub const CUSTOMER_GROUPS: OptionSource = OptionSource {
    id: "customer_groups",
    title: "Customer groups",
    api_version: V2,
    path: "/customer_groups",
    items: Items::Body,
    value: "id",
    label: Label::Fields {
        fields: &["name"],
        detail: None,
    },
    search: &[QueryRule {
        when: ValueLooks::Anything,
        name: "name:like",
    }],
    page_param: "page",
    limit_param: "limit",
    page_size: 50,
    fetch: Fetch::Pages,
    scope: CUSTOMERS_READ,
};

/// Brands.
pub const BRANDS: OptionSource = OptionSource {
    id: "brands",
    title: "Brands",
    api_version: V3,
    path: "/catalog/brands",
    items: Items::Data,
    value: "id",
    label: Label::Fields {
        fields: &["name"],
        detail: None,
    },
    search: &[QueryRule {
        when: ValueLooks::Anything,
        name: "name:like",
    }],
    page_param: "page",
    limit_param: "limit",
    page_size: 50,
    fetch: Fetch::Pages,
    scope: PRODUCTS_READ,
};

/// Channels (storefronts and marketplaces).
pub const CHANNELS: OptionSource = OptionSource {
    id: "channels",
    title: "Channels",
    api_version: V3,
    path: "/channels",
    items: Items::Data,
    value: "id",
    label: Label::Fields {
        fields: &["name"],
        detail: Some((" (", "platform", ")")),
    },
    search: &[],
    page_param: "page",
    limit_param: "limit",
    page_size: 50,
    fetch: Fetch::Pages,
    scope: CHANNELS_READ,
};

/// Inventory locations.
pub const LOCATIONS: OptionSource = OptionSource {
    id: "locations",
    title: "Inventory locations",
    api_version: V3,
    path: "/inventory/locations",
    items: Items::Data,
    value: "id",
    label: Label::Fields {
        fields: &["label"],
        detail: Some((" (", "code", ")")),
    },
    search: &[],
    page_param: "page",
    limit_param: "limit",
    page_size: 50,
    fetch: Fetch::Pages,
    scope: LOCATIONS_READ,
};

/// Products, searched by keyword as the user types.
pub const PRODUCTS: OptionSource = OptionSource {
    id: "products",
    title: "Products",
    api_version: V3,
    path: "/catalog/products",
    items: Items::Data,
    value: "id",
    label: Label::Fields {
        fields: &["name"],
        detail: Some((" (SKU ", "sku", ")")),
    },
    search: &[QueryRule {
        when: ValueLooks::Anything,
        name: "keyword",
    }],
    page_param: "page",
    limit_param: "limit",
    page_size: 25,
    fetch: Fetch::Pages,
    scope: PRODUCTS_READ,
};

/// Customers, searched as the user types: by address for an email address, by name
/// otherwise.
pub const CUSTOMERS: OptionSource = OptionSource {
    id: "customers",
    title: "Customers",
    api_version: V3,
    path: "/customers",
    items: Items::Data,
    value: "id",
    label: Label::Fields {
        fields: &["first_name", "last_name"],
        detail: Some((" <", "email", ">")),
    },
    search: &[
        QueryRule {
            when: ValueLooks::EmailAddress,
            name: "email:in",
        },
        QueryRule {
            when: ValueLooks::Anything,
            name: "name:like",
        },
    ],
    page_param: "page",
    limit_param: "limit",
    page_size: 25,
    fetch: Fetch::Pages,
    scope: CUSTOMERS_READ,
};

/// Every source, by id.
pub const OPTION_SOURCES: &[&OptionSource] = &[
    &CATEGORIES,
    &CUSTOMER_GROUPS,
    &BRANDS,
    &CHANNELS,
    &LOCATIONS,
    &PRODUCTS,
    &CUSTOMERS,
];

/// The source with this id.
pub fn find_source(id: &str) -> Option<&'static OptionSource> {
    OPTION_SOURCES.iter().copied().find(|s| s.id == id)
}
