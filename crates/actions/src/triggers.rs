//! Triggers: what starts a workflow when a store's orders, products or customers change,
//! as data beside the actions. Each trigger names
//!
//! - the webhook scope BigCommerce sends when it happens (`store/order/created`);
//! - how to poll for it when webhooks cannot reach the server (a list endpoint, the filter
//!   that asks for what is new since a cursor, and the order of the answer);
//! - the action that fetches the full record (the webhook payload holds only an ID), so
//!   that the workflow gets the whole order, product or customer;
//! - a condition on the record (a status reached, stock below a threshold) and what makes
//!   two events the same (for deduplication across webhook retries and polling).
//!
//! The conformance test checks every trigger against BigCommerce's specs: the scope is one
//! the webhooks spec documents; the poll endpoint, its filter, sort and paging parameters
//! exist; the record action exists.

use bigcommerce_api::ApiVersion::{self, V2, V3};
use serde::Serialize;

use crate::model::{Items, Param, ParamType, QueryPair, Resource, Scope, Section, Wire};
use crate::registry::{CUSTOMERS_READ, ORDER_STATUSES, ORDERS_READ, PRODUCTS_READ};

/// The name later steps use for a workflow's trigger: `{{trigger.data.id}}`.
pub const TRIGGER_STEP: &str = "trigger";

/// What a poll asks for: records after the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Since {
    /// Records whose ID is above the highest seen (IDs only grow): `param` takes the
    /// highest ID seen plus one (`inclusive`) or the highest ID itself.
    IdAbove {
        /// The query parameter (`min_id`, `id:greater`).
        param: &'static str,
        /// Whether the parameter includes its value.
        inclusive: bool,
    },
    /// Records whose date `field` is at or after the cursor (`param` includes its value),
    /// deduplicated at the boundary by the IDs seen at the cursor's second.
    TimeFrom {
        /// The query parameter (`min_date_modified`, `date_modified:min`).
        param: &'static str,
        /// The record's date field.
        field: &'static str,
        /// How the parameter wants the date.
        format: DateFormat,
    },
}

/// How a poll writes a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `Thu, 26 Nov 2026 12:00:00 +0000` (V2).
    Rfc2822,
    /// `2026-11-26T12:00:00Z` (V3).
    Rfc3339,
}

/// How to poll a list for new events.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Poll {
    /// The API version.
    pub api_version: ApiVersion,
    /// The list endpoint (`GET`).
    pub path: &'static str,
    /// Where the records are.
    pub items: Items,
    /// What is new.
    pub since: Since,
    /// Query pairs that sort the answer oldest first.
    pub sort: &'static [QueryPair],
    /// The page parameter.
    pub page_param: &'static str,
    /// The page-size parameter.
    pub limit_param: &'static str,
}

/// When a changed record is an event of the trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// Every record the trigger sees.
    Always,
    /// The record's `field` changed since it was last seen (and, when the trigger's
    /// parameter `param` is set, now equals it). A record seen for the first time is
    /// remembered, not an event: its previous value is unknown.
    Changed {
        /// The record field.
        field: &'static str,
        /// The optional parameter it must equal.
        equals: Option<&'static str>,
        /// The optional parameter it must be below.
        below: Option<&'static str>,
    },
}

/// What identifies an event, to start one run per event whatever delivered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// The record's ID: it is created once.
    Record,
    /// The record's ID and its `date_modified`: one event per modification.
    Version,
}

/// The action that fetches the full record, and its ID parameter.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RecordFetch {
    /// The action id (`get_order`).
    pub action: &'static str,
    /// Its ID parameter (`orderId`).
    pub id_param: &'static str,
}

/// One trigger.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Trigger {
    /// Its id, as a workflow's `trigger: {type: …}` names it.
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What starts it.
    pub description: &'static str,
    /// The resource it watches.
    pub resource: Resource,
    /// The webhook scope BigCommerce sends.
    pub webhook: &'static str,
    /// How it polls.
    pub poll: Poll,
    /// How the full record is fetched.
    pub record: RecordFetch,
    /// Its own parameters (a status to reach, a threshold).
    pub params: &'static [Param],
    /// When a changed record is an event.
    pub condition: Condition,
    /// What makes two events the same.
    pub identity: Identity,
    /// The scope it needs (reading the records).
    pub scope: Scope,
}

const fn trigger_param(key: &'static str, title: &'static str, help: &'static str, ty: ParamType) -> Param {
    Param {
        key,
        title,
        help,
        placeholder: None,
        wire: Wire::Control(crate::model::Control::Trigger),
        ty,
        required: false,
        default: None,
        choices: &[],
        minimum: None,
        maximum: None,
        max_length: None,
        section: Section::Form,
        options: None,
    }
}

const V2_ORDERS_BY_CREATED: Poll = Poll {
    api_version: V2,
    path: "/orders",
    items: Items::Body,
    since: Since::TimeFrom {
        param: "min_date_created",
        field: "date_created",
        format: DateFormat::Rfc2822,
    },
    sort: &[QueryPair {
        name: "sort",
        value: "date_created",
    }],
    page_param: "page",
    limit_param: "limit",
};

const V2_ORDERS_BY_MODIFIED: Poll = Poll {
    since: Since::TimeFrom {
        param: "min_date_modified",
        field: "date_modified",
        format: DateFormat::Rfc2822,
    },
    sort: &[QueryPair {
        name: "sort",
        value: "date_modified",
    }],
    ..V2_ORDERS_BY_CREATED
};

const V3_PRODUCTS_BY_ID: Poll = Poll {
    api_version: V3,
    path: "/catalog/products",
    items: Items::Data,
    since: Since::IdAbove {
        param: "id:greater",
        inclusive: false,
    },
    sort: &[
        QueryPair {
            name: "sort",
            value: "id",
        },
        QueryPair {
            name: "direction",
            value: "asc",
        },
    ],
    page_param: "page",
    limit_param: "limit",
};

const V3_PRODUCTS_BY_MODIFIED: Poll = Poll {
    since: Since::TimeFrom {
        param: "date_modified:min",
        field: "date_modified",
        format: DateFormat::Rfc3339,
    },
    sort: &[
        QueryPair {
            name: "sort",
            value: "date_modified",
        },
        QueryPair {
            name: "direction",
            value: "asc",
        },
    ],
    ..V3_PRODUCTS_BY_ID
};

const V3_CUSTOMERS_BY_CREATED: Poll = Poll {
    api_version: V3,
    path: "/customers",
    items: Items::Data,
    since: Since::TimeFrom {
        param: "date_created:min",
        field: "date_created",
        format: DateFormat::Rfc3339,
    },
    sort: &[QueryPair {
        name: "sort",
        value: "date_created:asc",
    }],
    page_param: "page",
    limit_param: "limit",
};

const V3_CUSTOMERS_BY_MODIFIED: Poll = Poll {
    since: Since::TimeFrom {
        param: "date_modified:min",
        field: "date_modified",
        format: DateFormat::Rfc3339,
    },
    sort: &[QueryPair {
        name: "sort",
        value: "date_modified:asc",
    }],
    ..V3_CUSTOMERS_BY_CREATED
};

const ORDER: RecordFetch = RecordFetch {
    action: "get_order",
    id_param: "orderId",
};
const PRODUCT: RecordFetch = RecordFetch {
    action: "get_product",
    id_param: "productId",
};
const CUSTOMER: RecordFetch = RecordFetch {
    action: "get_customer",
    id_param: "customerId",
};

/// Every trigger.
pub const TRIGGERS: &[Trigger] = &[
    Trigger {
        id: "order_created",
        title: "Order created",
        description: "Starts the workflow with each new order.",
        resource: Resource::Orders,
        webhook: "store/order/created",
        poll: V2_ORDERS_BY_CREATED,
        record: ORDER,
        params: &[],
        condition: Condition::Always,
        identity: Identity::Record,
        scope: ORDERS_READ,
    },
    Trigger {
        id: "order_status_changed",
        title: "Order status changed",
        description: "Starts the workflow when an order's status changes, optionally only when it becomes a given status.",
        resource: Resource::Orders,
        webhook: "store/order/statusUpdated",
        poll: V2_ORDERS_BY_MODIFIED,
        record: ORDER,
        params: &[Param {
            choices: ORDER_STATUSES,
            ..trigger_param(
                "status_id",
                "To status",
                "Only when the order becomes this status; any change when empty.",
                ParamType::Integer,
            )
        }],
        condition: Condition::Changed {
            field: "status_id",
            equals: Some("status_id"),
            below: None,
        },
        identity: Identity::Version,
        scope: ORDERS_READ,
    },
    Trigger {
        id: "order_updated",
        title: "Order updated",
        description: "Starts the workflow each time an order changes.",
        resource: Resource::Orders,
        webhook: "store/order/updated",
        poll: V2_ORDERS_BY_MODIFIED,
        record: ORDER,
        params: &[],
        condition: Condition::Always,
        identity: Identity::Version,
        scope: ORDERS_READ,
    },
    Trigger {
        id: "product_created",
        title: "Product created",
        description: "Starts the workflow with each new product.",
        resource: Resource::Products,
        webhook: "store/product/created",
        poll: V3_PRODUCTS_BY_ID,
        record: PRODUCT,
        params: &[],
        condition: Condition::Always,
        identity: Identity::Record,
        scope: PRODUCTS_READ,
    },
    Trigger {
        id: "product_updated",
        title: "Product updated",
        description: "Starts the workflow each time a product changes.",
        resource: Resource::Products,
        webhook: "store/product/updated",
        poll: V3_PRODUCTS_BY_MODIFIED,
        record: PRODUCT,
        params: &[],
        condition: Condition::Always,
        identity: Identity::Version,
        scope: PRODUCTS_READ,
    },
    Trigger {
        id: "product_inventory_changed",
        title: "Product inventory changed",
        description: "Starts the workflow when a product's stock level changes, optionally only when it falls below a threshold (low stock).",
        resource: Resource::Products,
        webhook: "store/product/inventory/updated",
        poll: V3_PRODUCTS_BY_MODIFIED,
        record: PRODUCT,
        params: &[Param {
            minimum: Some(0),
            placeholder: Some("5"),
            ..trigger_param(
                "below",
                "Below",
                "Only when the stock level is below this number (low stock); every change when empty.",
                ParamType::Integer,
            )
        }],
        condition: Condition::Changed {
            field: "inventory_level",
            equals: None,
            below: Some("below"),
        },
        identity: Identity::Version,
        scope: PRODUCTS_READ,
    },
    Trigger {
        id: "customer_created",
        title: "Customer created",
        description: "Starts the workflow with each new customer.",
        resource: Resource::Customers,
        webhook: "store/customer/created",
        poll: V3_CUSTOMERS_BY_CREATED,
        record: CUSTOMER,
        params: &[],
        condition: Condition::Always,
        identity: Identity::Record,
        scope: CUSTOMERS_READ,
    },
    Trigger {
        id: "customer_updated",
        title: "Customer updated",
        description: "Starts the workflow each time a customer changes.",
        resource: Resource::Customers,
        webhook: "store/customer/updated",
        poll: V3_CUSTOMERS_BY_MODIFIED,
        record: CUSTOMER,
        params: &[],
        condition: Condition::Always,
        identity: Identity::Version,
        scope: CUSTOMERS_READ,
    },
];

/// The trigger with this id.
pub fn find_trigger(id: &str) -> Option<&'static Trigger> {
    TRIGGERS.iter().find(|t| t.id == id)
}

impl Trigger {
    /// The action that fetches its record.
    pub fn record_action(&self) -> &'static crate::Action {
        // Checked by the conformance test (`every_trigger_conforms_to_the_bigcommerce_spec`).
        crate::find(self.record.action).unwrap_or(&crate::ACTIONS[0])
    }
}
