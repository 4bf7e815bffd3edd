//! The 18 actions of the BigCommerce node, as data. Ids, keys and labels follow the
//! product documentation (`bigcommerce-node.md`); methods, paths and wire names follow
//! BigCommerce's spec, which the conformance test checks.

use bigcommerce_api::ApiVersion::{V2, V3};

use crate::model::{
    Action, ActionKind, Batch, BodyLookup, BodyShape, Choice, Control, Exists, ExtraField, Items, Literal, Method,
    Pagination, Paging, Param, ParamType, Pick, QueryPair, QueryRule, Record, Resource, ResponseShape, Route, Scope,
    Section, Total, ValueLooks, When, Wire,
};
use crate::options::{self, FieldOptions, OptionSource};

/// Products — Read-Only.
pub const PRODUCTS_READ: Scope = Scope {
    name: "store_v2_products_read_only",
    label: "Products — Read-Only",
};
/// Products — Modify.
pub const PRODUCTS_MODIFY: Scope = Scope {
    name: "store_v2_products",
    label: "Products — Modify",
};
/// Orders — Read-Only.
pub const ORDERS_READ: Scope = Scope {
    name: "store_v2_orders_read_only",
    label: "Orders — Read-Only",
};
/// Orders — Modify.
pub const ORDERS_MODIFY: Scope = Scope {
    name: "store_v2_orders",
    label: "Orders — Modify",
};
/// Customers — Read-Only.
pub const CUSTOMERS_READ: Scope = Scope {
    name: "store_v2_customers_read_only",
    label: "Customers — Read-Only",
};
/// Customers — Modify.
pub const CUSTOMERS_MODIFY: Scope = Scope {
    name: "store_v2_customers",
    label: "Customers — Modify",
};

/// Inventory — Read-Only (the Inventory API).
pub const INVENTORY_READ: Scope = Scope {
    name: "store_inventory_read_only",
    label: "Inventory — Read-Only",
};
/// Inventory — Modify (the Inventory API).
pub const INVENTORY_MODIFY: Scope = Scope {
    name: "store_inventory",
    label: "Inventory — Modify",
};

/// V2 sub-lists (an order's products, shipments): `page` and `limit`, a bare array (204
/// when empty), no count: pages are read until a short one.
pub const V2_PAGES: Pagination = Pagination::Pages(Paging {
    page_param: "page",
    limit_param: "limit",
    max_page_size: MAX_PER_PAGE as u64,
    items: Items::Body,
    total: Total::Unknown,
});

/// The providers BigCommerce links a tracking number to (`shipping_provider`).
const SHIPPING_PROVIDERS: &[Choice] = &[
    provider("", "None"),
    provider("auspost", "Australia Post"),
    provider("canadapost", "Canada Post"),
    provider("endicia", "Endicia"),
    provider("usps", "USPS"),
    provider("fedex", "Federal Express"),
    provider("royalmail", "Royal Mail"),
    provider("ups", "UPS"),
    provider("upsready", "UPS Ready"),
    provider("shipperhq", "Shipper HQ"),
];

const fn provider(value: &'static str, label: &'static str) -> Choice {
    Choice {
        value: Literal::Str(value),
        label,
        query: &[],
    }
}

const HTTP_METHODS: &[Choice] = &[
    provider("GET", "GET"),
    provider("POST", "POST"),
    provider("PUT", "PUT"),
    provider("DELETE", "DELETE"),
];

const ADJUSTMENT_MODES: &[Choice] = &[
    provider("relative", "Relative (+/-)"),
    provider("absolute", "Absolute (set to)"),
];

/// The largest page BigCommerce serves.
pub const MAX_PER_PAGE: i64 = 250;

/// V3 lists: `page` and `limit`, records in `data`, the page count in
/// `meta.pagination.total_pages`.
pub const V3_PAGES: Pagination = Pagination::Pages(Paging {
    page_param: "page",
    limit_param: "limit",
    max_page_size: MAX_PER_PAGE as u64,
    items: Items::Data,
    total: Total::PagesInMeta,
});

/// V2 orders: `page` and `limit`, a bare array (204 past the end), the record count from
/// `GET /orders/count` with the same filters.
pub const V2_ORDER_PAGES: Pagination = Pagination::Pages(Paging {
    page_param: "page",
    limit_param: "limit",
    max_page_size: MAX_PER_PAGE as u64,
    items: Items::Body,
    total: Total::CountEndpoint {
        path: "/orders/count",
        field: "count",
    },
});

/// The order statuses of the product docs (`status_id` 0–14).
pub const ORDER_STATUSES: &[Choice] = &[
    status(0, "Incomplete"),
    status(1, "Pending"),
    status(2, "Shipped"),
    status(3, "Partially Shipped"),
    status(4, "Refunded"),
    status(5, "Cancelled"),
    status(6, "Declined"),
    status(7, "Awaiting Payment"),
    status(8, "Awaiting Pickup"),
    status(9, "Awaiting Shipment"),
    status(10, "Completed"),
    status(11, "Awaiting Fulfillment"),
    status(12, "Manual Verification Required"),
    status(13, "Disputed"),
    status(14, "Partially Refunded"),
];

const fn status(id: i64, label: &'static str) -> Choice {
    Choice {
        value: Literal::Int(id),
        label,
        query: &[],
    }
}

/// An optional form field; the helpers below adjust it.
const fn field(key: &'static str, title: &'static str, help: &'static str, wire: Wire, ty: ParamType) -> Param {
    Param {
        key,
        title,
        help,
        placeholder: None,
        wire,
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

/// Values picked from a source in the store.
const fn from_store(source: &'static OptionSource) -> Option<FieldOptions> {
    Some(FieldOptions { source, leading: &[] })
}

/// A required record ID: a positive integer, typed or referenced from an earlier step.
const fn record_id(key: &'static str, title: &'static str, wire: Wire, placeholder: &'static str) -> Param {
    Param {
        required: true,
        minimum: Some(1),
        placeholder: Some(placeholder),
        ..field(
            key,
            title,
            "Provide the ID directly or reference it from a previous step using {{stepName.data.id}}.",
            wire,
            ParamType::Integer,
        )
    }
}

const PAGE: Param = Param {
    minimum: Some(1),
    section: Section::Filters,
    placeholder: Some("1"),
    ..field(
        "page",
        "Page",
        "Which page of results to fetch, starting at 1.",
        Wire::Query("page"),
        ParamType::Integer,
    )
};

const PER_PAGE: Param = Param {
    minimum: Some(1),
    maximum: Some(MAX_PER_PAGE),
    section: Section::Filters,
    placeholder: Some("50"),
    ..field(
        "per_page",
        "Per page",
        "How many results per page, at most 250. BigCommerce returns 50 when this is empty.",
        Wire::Query("limit"),
        ParamType::Integer,
    )
};

const RETURN_ALL: Param = Param {
    section: Section::Filters,
    default: None,
    ..field(
        "return_all",
        "Return all",
        "Fetch every page (250 per request, several at once, paced by BigCommerce's rate limits) and output one array. Page and Per page are then ignored.",
        Wire::Control(Control::ReturnAll),
        ParamType::Boolean,
    )
};

const LIMIT: Param = Param {
    section: Section::Filters,
    minimum: Some(1),
    placeholder: Some("1000"),
    ..field(
        "limit",
        "Limit",
        "The most records to output, with or without Return all (with it, across every page). Empty means all that were fetched.",
        Wire::Control(Control::Limit),
        ParamType::Integer,
    )
};

/// A customer keyword: an email address is looked up by address (`email:in`), anything
/// else by name (`name:like`, first or last name). BigCommerce combines filters with AND,
/// so one keyword cannot search name, email and company at once without one request per
/// field and a merge that would break paging; company has a filter of its own instead.
const CUSTOMER_KEYWORD: &[QueryRule] = &[
    QueryRule {
        when: ValueLooks::EmailAddress,
        name: "email:in",
    },
    QueryRule {
        when: ValueLooks::Anything,
        name: "name:like",
    },
];

/// A top-level category goes into the category tree of the default channel (channel 1):
/// BigCommerce's tree API takes the tree's ID where the old API took `parent_id` 0.
const TOP_LEVEL_TREE: BodyLookup = BodyLookup {
    param: "parent_id",
    when: When::Equals(Literal::Int(0)),
    path: "/catalog/trees",
    query: &[QueryPair {
        name: "channel_id:in",
        value: "1",
    }],
    pick: Pick::Pointer("/data/0/id"),
    into: "/tree_id",
    missing: "a category tree for its default channel (channel 1)",
};

const PRODUCT_ID: Param = Param {
    options: from_store(&options::PRODUCTS),
    ..record_id(
        "productId",
        "Product ID",
        Wire::Path("product_id"),
        "{{getProducts.data.[0].id}}",
    )
};
const ORDER_ID: Param = record_id(
    "orderId",
    "Order ID",
    Wire::Path("order_id"),
    "{{getOrders.data.[0].id}}",
);

const VARIANT_ID: Param = record_id(
    "variantId",
    "Variant ID",
    Wire::Path("variant_id"),
    "{{getVariants.data.[0].id}}",
);
const VARIANT_RECORD: Option<Record> = Some(Record {
    noun: "variant",
    id_param: "variantId",
});

const fn customer_id(wire: Wire) -> Param {
    Param {
        options: from_store(&options::CUSTOMERS),
        ..record_id("customerId", "Customer ID", wire, "{{getCustomers.data.[0].id}}")
    }
}

const PRODUCT_RECORD: Option<Record> = Some(Record {
    noun: "product",
    id_param: "productId",
});
const ORDER_RECORD: Option<Record> = Some(Record {
    noun: "order",
    id_param: "orderId",
});
const CUSTOMER_RECORD: Option<Record> = Some(Record {
    noun: "customer",
    id_param: "customerId",
});

const fn body_text(key: &'static str, title: &'static str, help: &'static str, pointer: &'static str) -> Param {
    field(key, title, help, Wire::Body(pointer), ParamType::String)
}

const PRICE_HELP: &str = "The product's price in the store's default currency, such as 19.99.";
const INVENTORY_HELP: &str =
    "Units in stock. BigCommerce applies it when the product tracks inventory at product level.";
const WARNING_HELP: &str = "BigCommerce flags the product as low on stock at or below this level.";

const VISIBILITY: &[Choice] = &[
    Choice {
        value: Literal::Str("any"),
        label: "Any",
        query: &[],
    },
    Choice {
        value: Literal::Str("visible"),
        label: "Visible",
        query: &[QueryPair {
            name: "is_visible",
            value: "true",
        }],
    },
    Choice {
        value: Literal::Str("hidden"),
        label: "Hidden",
        query: &[QueryPair {
            name: "is_visible",
            value: "false",
        }],
    },
    Choice {
        value: Literal::Str("preorder"),
        label: "Pre-order",
        query: &[QueryPair {
            name: "availability",
            value: "preorder",
        }],
    },
];

const PRODUCT_TYPES: &[Choice] = &[
    Choice {
        value: Literal::Str("physical"),
        label: "Physical",
        query: &[],
    },
    Choice {
        value: Literal::Str("digital"),
        label: "Digital",
        query: &[],
    },
];

const CUSTOMER_PROFILE: [Param; 6] = [
    Param {
        max_length: Some(100),
        ..body_text("first_name", "First name", "The customer's first name.", "/first_name")
    },
    Param {
        max_length: Some(100),
        ..body_text("last_name", "Last name", "The customer's last name.", "/last_name")
    },
    Param {
        max_length: Some(255),
        ty: ParamType::Email,
        ..body_text(
            "email",
            "Email",
            "The customer's email address; unique within the store.",
            "/email",
        )
    },
    Param {
        max_length: Some(255),
        ..body_text("company", "Company", "The customer's company.", "/company")
    },
    Param {
        max_length: Some(50),
        ..body_text("phone", "Phone", "The customer's phone number.", "/phone")
    },
    Param {
        minimum: Some(0),
        options: from_store(&options::CUSTOMER_GROUPS),
        ..field(
            "customer_group_id",
            "Customer group ID",
            "The customer group the customer belongs to (0 for none).",
            Wire::Body("/customer_group_id"),
            ParamType::Integer,
        )
    },
];

const fn required(param: Param) -> Param {
    Param {
        required: true,
        ..param
    }
}

/// Every action, in the order of the product docs.
pub const ACTIONS: &[Action] = &[
    Action {
        id: "get_products",
        resource: Resource::Products,
        title: "Get all products",
        description: "Fetches a paginated list of products from your catalog.",
        kind: ActionKind::List,
        api_version: V3,
        method: Method::Get,
        path: "/catalog/products",
        params: &[
            PER_PAGE,
            PAGE,
            Param {
                section: Section::Filters,
                placeholder: Some("t-shirt"),
                ..field(
                    "keyword",
                    "Search keyword",
                    "Matches product names, descriptions and SKUs.",
                    Wire::Query("keyword"),
                    ParamType::String,
                )
            },
            Param {
                section: Section::Filters,
                choices: VISIBILITY,
                ..field(
                    "visibility",
                    "Visibility",
                    "Any, only visible, only hidden, or only pre-order products.",
                    Wire::ChoiceQuery,
                    ParamType::String,
                )
            },
            Param {
                section: Section::Filters,
                options: from_store(&options::CATEGORIES),
                ..field(
                    "category_id",
                    "Categories",
                    "Only products in one of these categories (IDs, such as 20 or 18, 20). Beyond the docs' filters.",
                    Wire::Query("categories:in"),
                    ParamType::IntegerList,
                )
            },
            RETURN_ALL,
            LIMIT,
        ],
        fixed_query: &[],
        scope: PRODUCTS_READ,
        pagination: V3_PAGES,
        body: BodyShape::None,
        response: ResponseShape::V3Data,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_product",
        resource: Resource::Products,
        title: "Get product",
        description: "Fetches a single product by ID.",
        kind: ActionKind::Get,
        api_version: V3,
        method: Method::Get,
        path: "/catalog/products/{product_id}",
        params: &[PRODUCT_ID],
        fixed_query: &[],
        scope: PRODUCTS_READ,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::V3Data,
        record: PRODUCT_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "create_product",
        resource: Resource::Products,
        title: "Create product",
        description: "Creates a new product.",
        kind: ActionKind::Create,
        api_version: V3,
        method: Method::Post,
        path: "/catalog/products",
        params: &[
            Param {
                max_length: Some(250),
                placeholder: Some("Classic T-shirt"),
                ..required(body_text(
                    "name",
                    "Name",
                    "The product name; unique within the store.",
                    "/name",
                ))
            },
            Param {
                minimum: Some(0),
                placeholder: Some("19.99"),
                ..required(field(
                    "price",
                    "Price",
                    PRICE_HELP,
                    Wire::Body("/price"),
                    ParamType::Number,
                ))
            },
            Param {
                choices: PRODUCT_TYPES,
                default: Some(Literal::Str("physical")),
                ..field(
                    "type",
                    "Type",
                    "Physical or digital. BigCommerce requires it; physical when empty.",
                    Wire::Body("/type"),
                    ParamType::String,
                )
            },
            Param {
                minimum: Some(0),
                default: Some(Literal::Int(0)),
                ..field(
                    "weight",
                    "Weight",
                    "In the store's weight unit. BigCommerce requires it; 0 when empty.",
                    Wire::Body("/weight"),
                    ParamType::Number,
                )
            },
            body_text(
                "description",
                "Description",
                "The product description; HTML is allowed.",
                "/description",
            ),
            Param {
                minimum: Some(1),
                options: from_store(&options::BRANDS),
                ..field(
                    "brand_id",
                    "Brand",
                    "The ID of the product's brand, such as 36 or {{brand.data.id}}.",
                    Wire::Body("/brand_id"),
                    ParamType::Integer,
                )
            },
            Param {
                placeholder: Some("{{category.data.category_id}}"),
                options: from_store(&options::CATEGORIES),
                ..field(
                    "categories",
                    "Categories",
                    "IDs of the categories the product is listed in, such as 18, 20 or {{category.data.category_id}}.",
                    Wire::Body("/categories"),
                    ParamType::IntegerList,
                )
            },
        ],
        fixed_query: &[],
        scope: PRODUCTS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::Object,
        response: ResponseShape::V3Data,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "update_product",
        resource: Resource::Products,
        title: "Update product",
        description: "Updates an existing product.",
        kind: ActionKind::Update,
        api_version: V3,
        method: Method::Put,
        path: "/catalog/products/{product_id}",
        params: &[
            PRODUCT_ID,
            Param {
                minimum: Some(0),
                ..field("price", "Price", PRICE_HELP, Wire::Body("/price"), ParamType::Number)
            },
            Param {
                minimum: Some(0),
                ..field(
                    "inventory_level",
                    "Inventory level",
                    INVENTORY_HELP,
                    Wire::Body("/inventory_level"),
                    ParamType::Integer,
                )
            },
        ],
        fixed_query: &[],
        scope: PRODUCTS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::Object,
        response: ResponseShape::V3Data,
        record: PRODUCT_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "delete_product",
        resource: Resource::Products,
        title: "Delete product",
        description: "Permanently deletes a product.",
        kind: ActionKind::Delete,
        api_version: V3,
        method: Method::Delete,
        path: "/catalog/products/{product_id}",
        params: &[PRODUCT_ID],
        fixed_query: &[],
        scope: PRODUCTS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::Deleted,
        record: PRODUCT_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_orders",
        resource: Resource::Orders,
        title: "Get all orders",
        description: "Fetches a paginated list of orders. You can filter by order status.",
        kind: ActionKind::List,
        api_version: V2,
        method: Method::Get,
        path: "/orders",
        params: &[
            Param {
                section: Section::Filters,
                choices: ORDER_STATUSES,
                minimum: Some(0),
                maximum: Some(14),
                ..field(
                    "status_id",
                    "Status",
                    "Only orders in this status; all statuses when empty.",
                    Wire::Query("status_id"),
                    ParamType::Integer,
                )
            },
            PAGE,
            PER_PAGE,
            RETURN_ALL,
            LIMIT,
        ],
        fixed_query: &[],
        scope: ORDERS_READ,
        pagination: V2_ORDER_PAGES,
        body: BodyShape::None,
        response: ResponseShape::Body,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_order",
        resource: Resource::Orders,
        title: "Get order",
        description: "Fetches a single order by ID.",
        kind: ActionKind::Get,
        api_version: V2,
        method: Method::Get,
        path: "/orders/{order_id}",
        params: &[ORDER_ID],
        fixed_query: &[],
        scope: ORDERS_READ,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::Body,
        record: ORDER_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "update_order",
        resource: Resource::Orders,
        title: "Update order",
        description: "Updates an order. Most commonly used to change order status.",
        kind: ActionKind::Update,
        api_version: V2,
        method: Method::Put,
        path: "/orders/{order_id}",
        params: &[
            ORDER_ID,
            Param {
                choices: ORDER_STATUSES,
                minimum: Some(0),
                maximum: Some(14),
                ..field(
                    "status_id",
                    "Status",
                    "The order's new status.",
                    Wire::Body("/status_id"),
                    ParamType::Integer,
                )
            },
        ],
        fixed_query: &[],
        scope: ORDERS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::Object,
        response: ResponseShape::Body,
        record: ORDER_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "delete_order",
        resource: Resource::Orders,
        title: "Delete order",
        description: "Deletes an order.",
        kind: ActionKind::Delete,
        api_version: V2,
        method: Method::Delete,
        path: "/orders/{order_id}",
        params: &[ORDER_ID],
        fixed_query: &[],
        scope: ORDERS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::Deleted,
        record: ORDER_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_customers",
        resource: Resource::Customers,
        title: "Get all customers",
        description: "Fetches a paginated list of customers. Filter by keyword or customer group ID.",
        kind: ActionKind::List,
        api_version: V3,
        method: Method::Get,
        path: "/customers",
        params: &[
            Param {
                section: Section::Filters,
                placeholder: Some("Smith, or jane@example.com"),
                ..field(
                    "keyword",
                    "Keyword",
                    "An email address finds the customer with that address; other text finds customers whose first or last name contains it.",
                    Wire::QueryByValue(CUSTOMER_KEYWORD),
                    ParamType::String,
                )
            },
            Param {
                section: Section::Filters,
                placeholder: Some("Acme"),
                ..field(
                    "company",
                    "Company",
                    "Only customers of this company (the exact company name).",
                    Wire::Query("company:in"),
                    ParamType::String,
                )
            },
            Param {
                section: Section::Filters,
                minimum: Some(0),
                options: from_store(&options::CUSTOMER_GROUPS),
                ..field(
                    "customer_group_id",
                    "Customer group ID",
                    "Only customers in this group.",
                    Wire::Query("customer_group_id:in"),
                    ParamType::Integer,
                )
            },
            PAGE,
            PER_PAGE,
            RETURN_ALL,
            LIMIT,
        ],
        fixed_query: &[],
        scope: CUSTOMERS_READ,
        pagination: V3_PAGES,
        body: BodyShape::None,
        response: ResponseShape::V3Data,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_customer",
        resource: Resource::Customers,
        title: "Get customer",
        description: "Fetches a single customer by ID.",
        kind: ActionKind::Get,
        api_version: V3,
        method: Method::Get,
        path: "/customers",
        params: &[customer_id(Wire::Query("id:in"))],
        fixed_query: &[],
        scope: CUSTOMERS_READ,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::V3FirstOfData,
        record: CUSTOMER_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "create_customer",
        resource: Resource::Customers,
        title: "Create customer",
        description: "Creates a new customer.",
        kind: ActionKind::Create,
        api_version: V3,
        method: Method::Post,
        path: "/customers",
        params: &[
            required(CUSTOMER_PROFILE[0]),
            required(CUSTOMER_PROFILE[1]),
            required(CUSTOMER_PROFILE[2]),
            CUSTOMER_PROFILE[3],
            CUSTOMER_PROFILE[4],
            CUSTOMER_PROFILE[5],
        ],
        fixed_query: &[],
        scope: CUSTOMERS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::ArrayOfOne,
        response: ResponseShape::V3FirstOfData,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "update_customer",
        resource: Resource::Customers,
        title: "Update customer",
        description: "Updates a customer.",
        kind: ActionKind::Update,
        api_version: V3,
        method: Method::Put,
        path: "/customers",
        params: &[
            customer_id(Wire::Body("/id")),
            CUSTOMER_PROFILE[0],
            CUSTOMER_PROFILE[1],
            CUSTOMER_PROFILE[2],
            CUSTOMER_PROFILE[3],
            CUSTOMER_PROFILE[4],
            CUSTOMER_PROFILE[5],
        ],
        fixed_query: &[],
        scope: CUSTOMERS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::ArrayOfOne,
        response: ResponseShape::V3FirstOfData,
        record: CUSTOMER_RECORD,
        exists: Some(Exists {
            path: "/customers",
            id_query: "id:in",
        }),
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "delete_customer",
        resource: Resource::Customers,
        title: "Delete customer",
        description: "Deletes a customer.",
        kind: ActionKind::Delete,
        api_version: V3,
        method: Method::Delete,
        path: "/customers",
        params: &[customer_id(Wire::Query("id:in"))],
        fixed_query: &[],
        scope: CUSTOMERS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::Deleted,
        record: CUSTOMER_RECORD,
        exists: Some(Exists {
            path: "/customers",
            id_query: "id:in",
        }),
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_categories",
        resource: Resource::Categories,
        title: "Get all categories",
        description: "Fetches all categories from your catalog. No parameters required.",
        kind: ActionKind::List,
        api_version: V3,
        method: Method::Get,
        path: "/catalog/trees/categories",
        params: &[
            PAGE,
            PER_PAGE,
            Param {
                default: Some(Literal::Bool(true)),
                ..RETURN_ALL
            },
            LIMIT,
        ],
        fixed_query: &[],
        scope: PRODUCTS_READ,
        pagination: V3_PAGES,
        body: BodyShape::None,
        response: ResponseShape::V3Data,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "create_category",
        resource: Resource::Categories,
        title: "Create category",
        description: "Creates a new category.",
        kind: ActionKind::Create,
        api_version: V3,
        method: Method::Post,
        path: "/catalog/trees/categories",
        params: &[
            Param {
                max_length: Some(50),
                placeholder: Some("Summer sale"),
                ..required(body_text(
                    "name",
                    "Name",
                    "The category name, as shoppers see it.",
                    "/name",
                ))
            },
            Param {
                minimum: Some(0),
                default: Some(Literal::Int(0)),
                options: Some(FieldOptions {
                    source: &options::CATEGORIES,
                    leading: &[Choice {
                        value: Literal::Int(0),
                        label: "Top level (the default channel's tree)",
                        query: &[],
                    }],
                }),
                ..field(
                    "parent_id",
                    "Parent category ID",
                    "The category this one sits under; use 0 for a top-level category (in the default channel's category tree).",
                    Wire::Body("/parent_id"),
                    ParamType::Integer,
                )
            },
        ],
        fixed_query: &[],
        scope: PRODUCTS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::ArrayOfOne,
        response: ResponseShape::V3FirstOfData,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[TOP_LEVEL_TREE],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_inventory",
        resource: Resource::Inventory,
        title: "Get inventory",
        description: "Fetches a product including its variant inventory levels.",
        kind: ActionKind::Get,
        api_version: V3,
        method: Method::Get,
        path: "/catalog/products/{product_id}",
        params: &[PRODUCT_ID],
        fixed_query: &[QueryPair {
            name: "include",
            value: "variants",
        }],
        scope: PRODUCTS_READ,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::V3Data,
        record: PRODUCT_RECORD,
        exists: None,
        response_extras: &[ExtraField {
            name: "variants",
            list_of: "productVariant_Full",
        }],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "update_inventory",
        resource: Resource::Inventory,
        title: "Update inventory",
        description: "Updates the inventory level of a product; of one of its variants, given a variant ID or SKU, for a product that tracks inventory by variant.",
        kind: ActionKind::Update,
        api_version: V3,
        method: Method::Put,
        path: "/catalog/products/{product_id}",
        params: &[
            PRODUCT_ID,
            Param {
                required: false,
                help: "For a product that tracks inventory by variant: the variant to update (get_variants lists them). Empty: the product itself.",
                ..VARIANT_ID
            },
            Param {
                max_length: Some(255),
                placeholder: Some("JAR-MASON-S"),
                ..field(
                    "sku",
                    "Variant SKU",
                    "For a product that tracks inventory by variant: the SKU of the variant to update, instead of its ID.",
                    Wire::Control(Control::Route),
                    ParamType::String,
                )
            },
            Param {
                minimum: Some(0),
                placeholder: Some("100"),
                ..required(field(
                    "inventory_level",
                    "Inventory level",
                    INVENTORY_HELP,
                    Wire::Body("/inventory_level"),
                    ParamType::Integer,
                ))
            },
            Param {
                minimum: Some(0),
                ..field(
                    "inventory_warning_level",
                    "Inventory warning level",
                    WARNING_HELP,
                    Wire::Body("/inventory_warning_level"),
                    ParamType::Integer,
                )
            },
        ],
        fixed_query: &[],
        scope: PRODUCTS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::Object,
        response: ResponseShape::V3Data,
        record: PRODUCT_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[BodyLookup {
            param: "sku",
            when: When::Given,
            path: "/catalog/products/{product_id}/variants",
            query: &[QueryPair {
                name: "limit",
                value: "250",
            }],
            pick: Pick::WhereEquals { field: "sku" },
            into: "{variant_id}",
            missing: "variant with this SKU",
        }],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[
            Route {
                param: "variantId",
                when: When::Given,
                method: Method::Put,
                path: "/catalog/products/{product_id}/variants/{variant_id}",
            },
            Route {
                param: "sku",
                when: When::Given,
                method: Method::Put,
                path: "/catalog/products/{product_id}/variants/{variant_id}",
            },
        ],
    },
    // ---------------------------------------------------------------------------------
    // Beyond the product docs: what users of BigCommerce connectors ask for next
    // (fulfilment, variants, inventory by location, batches, search, raw calls).
    // ---------------------------------------------------------------------------------
    Action {
        id: "get_order_products",
        resource: Resource::Orders,
        title: "Get order products",
        description: "Fetches the line items of an order: product, variant, SKU, quantity and how many are shipped.",
        kind: ActionKind::List,
        api_version: V2,
        method: Method::Get,
        path: "/orders/{order_id}/products",
        params: &[ORDER_ID, PER_PAGE, PAGE, RETURN_ALL, LIMIT],
        fixed_query: &[],
        scope: ORDERS_READ,
        pagination: V2_PAGES,
        body: BodyShape::None,
        response: ResponseShape::Body,
        record: ORDER_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "ship_order",
        resource: Resource::Orders,
        title: "Ship order",
        description: "Creates a shipment with a tracking number. Items default to every line item not yet shipped and the address to the order's only shipping address; BigCommerce then sets the order to Shipped or Partially Shipped.",
        kind: ActionKind::Create,
        api_version: V2,
        method: Method::Post,
        path: "/orders/{order_id}/shipments",
        params: &[
            ORDER_ID,
            Param {
                max_length: Some(50),
                placeholder: Some("1Z999AA10123456784"),
                ..required(body_text(
                    "tracking_number",
                    "Tracking number",
                    "The carrier's tracking number for the parcel.",
                    "/tracking_number",
                ))
            },
            Param {
                choices: SHIPPING_PROVIDERS,
                ..body_text(
                    "shipping_provider",
                    "Shipping provider",
                    "The provider BigCommerce links the tracking number to; empty for none (then Tracking carrier, if given, makes the link).",
                    "/shipping_provider",
                )
            },
            Param {
                placeholder: Some("dhl"),
                ..body_text(
                    "tracking_carrier",
                    "Tracking carrier",
                    "An AfterShip carrier slug (such as dhl or royal-mail) for the tracking link, when the provider is not one of BigCommerce's.",
                    "/tracking_carrier",
                )
            },
            Param {
                max_length: Some(65_535),
                ..body_text("comments", "Comments", "A note kept with the shipment.", "/comments")
            },
            Param {
                minimum: Some(1),
                ..field(
                    "order_address_id",
                    "Shipping address ID",
                    "Which of the order's shipping addresses this shipment goes to. Empty: the order's only shipping address (an order with several fails, naming them, before anything is sent).",
                    Wire::Body("/order_address_id"),
                    ParamType::Integer,
                )
            },
            Param {
                placeholder: Some(r#"[{"order_product_id": 5, "quantity": 2}]"#),
                ..field(
                    "items",
                    "Items",
                    "The line items shipped, as a list of {order_product_id, quantity} (order_product_id is the id get_order_products outputs). Empty: every line item of the address not yet shipped, with the quantity left.",
                    Wire::Body("/items"),
                    ParamType::ObjectList,
                )
            },
        ],
        fixed_query: &[],
        scope: ORDERS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::Object,
        response: ResponseShape::Body,
        record: ORDER_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[
            BodyLookup {
                param: "order_address_id",
                when: When::Empty,
                path: "/orders/{order_id}/shipping_addresses",
                query: &[],
                pick: Pick::OnlyRecord {
                    describe: &["first_name", "last_name", "street_1", "city", "zip", "country"],
                },
                into: "/order_address_id",
                missing: "shipping address on this order",
            },
            BodyLookup {
                param: "items",
                when: When::Empty,
                path: "/orders/{order_id}/products",
                query: &[QueryPair {
                    name: "limit",
                    value: "250",
                }],
                pick: Pick::Remaining {
                    total: "quantity",
                    done: "quantity_shipped",
                    id_as: "order_product_id",
                    quantity_as: "quantity",
                    same: Some(("order_address_id", "/order_address_id")),
                },
                into: "/items",
                missing: "line item left to ship for this address",
            },
        ],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_shipments",
        resource: Resource::Orders,
        title: "Get shipments",
        description: "Fetches the shipments of an order, with their tracking numbers and items.",
        kind: ActionKind::List,
        api_version: V2,
        method: Method::Get,
        path: "/orders/{order_id}/shipments",
        params: &[ORDER_ID, PER_PAGE, PAGE, RETURN_ALL, LIMIT],
        fixed_query: &[],
        scope: ORDERS_READ,
        pagination: V2_PAGES,
        body: BodyShape::None,
        response: ResponseShape::Body,
        record: ORDER_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "get_variants",
        resource: Resource::Products,
        title: "Get variants",
        description: "Fetches a product's variants: ID, SKU, price, inventory level and option values.",
        kind: ActionKind::List,
        api_version: V3,
        method: Method::Get,
        path: "/catalog/products/{product_id}/variants",
        params: &[PRODUCT_ID, PER_PAGE, PAGE, RETURN_ALL, LIMIT],
        fixed_query: &[],
        scope: PRODUCTS_READ,
        pagination: V3_PAGES,
        body: BodyShape::None,
        response: ResponseShape::V3Data,
        record: PRODUCT_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "update_variant",
        resource: Resource::Products,
        title: "Update variant",
        description: "Updates the price, sale price, inventory level, warning level or SKU of one variant.",
        kind: ActionKind::Update,
        api_version: V3,
        method: Method::Put,
        path: "/catalog/products/{product_id}/variants/{variant_id}",
        params: &[
            PRODUCT_ID,
            VARIANT_ID,
            Param {
                minimum: Some(0),
                ..field(
                    "price",
                    "Price",
                    "The variant's price; empty keeps the product's price.",
                    Wire::Body("/price"),
                    ParamType::Number,
                )
            },
            Param {
                minimum: Some(0),
                ..field(
                    "sale_price",
                    "Sale price",
                    "The variant's sale price.",
                    Wire::Body("/sale_price"),
                    ParamType::Number,
                )
            },
            Param {
                minimum: Some(0),
                ..field(
                    "inventory_level",
                    "Inventory level",
                    "Units in stock; BigCommerce applies it when the product tracks inventory by variant.",
                    Wire::Body("/inventory_level"),
                    ParamType::Integer,
                )
            },
            Param {
                minimum: Some(0),
                ..field(
                    "inventory_warning_level",
                    "Inventory warning level",
                    "BigCommerce flags the variant as low on stock at or below this level.",
                    Wire::Body("/inventory_warning_level"),
                    ParamType::Integer,
                )
            },
            Param {
                max_length: Some(255),
                ..body_text("sku", "SKU", "The variant's SKU; unique within the store.", "/sku")
            },
        ],
        fixed_query: &[],
        scope: PRODUCTS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::Object,
        response: ResponseShape::V3Data,
        record: VARIANT_RECORD,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "adjust_inventory",
        resource: Resource::Inventory,
        title: "Adjust inventory",
        description: "Adds to, subtracts from or sets stock at a location (Inventory API), by SKU, variant ID or product ID, with a reason. Lists longer than BigCommerce's 2,000 items are sent in batches, in order.",
        kind: ActionKind::Update,
        api_version: V3,
        method: Method::Post,
        path: "/inventory/adjustments/relative",
        params: &[
            Param {
                default: Some(Literal::Str("relative")),
                choices: ADJUSTMENT_MODES,
                ..field(
                    "mode",
                    "Mode",
                    "Relative adds each quantity to the stock (negative to subtract); absolute sets the stock to it.",
                    Wire::Control(Control::Route),
                    ParamType::String,
                )
            },
            Param {
                placeholder: Some(r#"[{"sku": "MUG-1", "quantity": -2}]"#),
                ..required(field(
                    "items",
                    "Items",
                    "A list of {sku | variant_id | product_id, quantity[, location_id]}: variant_id or sku for products tracked by variant, product_id for products tracked at product level.",
                    Wire::Body("/items"),
                    ParamType::ObjectList,
                ))
            },
            Param {
                minimum: Some(1),
                options: from_store(&options::LOCATIONS),
                ..field(
                    "location_id",
                    "Location ID",
                    "The location of the items that name none. Empty: the store's default location.",
                    Wire::Body("/items/*/location_id"),
                    ParamType::Integer,
                )
            },
            Param {
                max_length: Some(255),
                placeholder: Some("Stock count"),
                ..body_text(
                    "reason",
                    "Reason",
                    "Why the stock changes; kept in the store's inventory history.",
                    "/reason",
                )
            },
        ],
        fixed_query: &[],
        scope: INVENTORY_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::Object,
        response: ResponseShape::Body,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[BodyLookup {
            param: "location_id",
            when: When::Empty,
            path: "/inventory/locations",
            query: &[QueryPair {
                name: "is_default",
                value: "true",
            }],
            pick: Pick::Pointer("/data/0/id"),
            into: "/items/*/location_id",
            missing: "default location",
        }],
        deprecated_because: None,
        one_of: &[],
        batch: Some(Batch {
            param: "items",
            max_items: 2000,
        }),
        routes: &[Route {
            param: "mode",
            when: When::Equals(Literal::Str("absolute")),
            method: Method::Put,
            path: "/inventory/adjustments/absolute",
        }],
    },
    Action {
        id: "get_inventory_levels",
        resource: Resource::Inventory,
        title: "Get inventory levels",
        description: "Fetches stock per location (Inventory API) for the SKUs, variants or products given, or for every item.",
        kind: ActionKind::List,
        api_version: V3,
        method: Method::Get,
        path: "/inventory/items",
        params: &[
            Param {
                section: Section::Filters,
                placeholder: Some("MUG-1, MUG-2"),
                ..field(
                    "sku",
                    "SKUs",
                    "One or more SKUs, separated by commas.",
                    Wire::Query("sku:in"),
                    ParamType::StringList,
                )
            },
            Param {
                section: Section::Filters,
                ..field(
                    "variant_id",
                    "Variant IDs",
                    "One or more variant IDs, separated by commas.",
                    Wire::Query("variant_id:in"),
                    ParamType::IntegerList,
                )
            },
            Param {
                section: Section::Filters,
                options: from_store(&options::PRODUCTS),
                ..field(
                    "product_id",
                    "Product IDs",
                    "One or more product IDs, separated by commas.",
                    Wire::Query("product_id:in"),
                    ParamType::IntegerList,
                )
            },
            Param {
                section: Section::Filters,
                options: from_store(&options::LOCATIONS),
                ..field(
                    "location_id",
                    "Location IDs",
                    "Only these locations; empty for every location.",
                    Wire::Query("location_id:in"),
                    ParamType::IntegerList,
                )
            },
            PER_PAGE,
            PAGE,
            RETURN_ALL,
            LIMIT,
        ],
        fixed_query: &[],
        scope: INVENTORY_READ,
        pagination: V3_PAGES,
        body: BodyShape::None,
        response: ResponseShape::V3Data,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "update_products",
        resource: Resource::Products,
        title: "Update products",
        description: "Updates many products at once (price, inventory, visibility …) from a list, in batches of 10 as BigCommerce takes them. The output lists each product as updated.",
        kind: ActionKind::Update,
        api_version: V3,
        method: Method::Put,
        path: "/catalog/products",
        params: &[Param {
            placeholder: Some(r#"[{"id": 111, "price": 8.5}]"#),
            ..required(field(
                "products",
                "Products",
                "A list of products, each with its id and the fields to change (price, sale_price, inventory_level, is_visible …), or a template that gives one such as {{prices.data}}.",
                Wire::Body(""),
                ParamType::ObjectList,
            ))
        }],
        fixed_query: &[],
        scope: PRODUCTS_MODIFY,
        pagination: Pagination::None,
        body: BodyShape::List,
        response: ResponseShape::V3Data,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: Some(Batch {
            param: "products",
            max_items: 10,
        }),
        routes: &[],
    },
    Action {
        id: "find_product",
        resource: Resource::Products,
        title: "Find product",
        description: "Finds the one product with a SKU (the product's own, exact) or a name (exact). None is not_found; several (possible only with a SKU and a name that point at different products, as names and SKUs are unique) is ambiguous.",
        kind: ActionKind::Get,
        api_version: V3,
        method: Method::Get,
        path: "/catalog/products",
        params: &[
            Param {
                placeholder: Some("JAR-1L"),
                ..field(
                    "sku",
                    "SKU",
                    "The product's SKU, exactly. A variant's SKU is found with get_inventory_levels or get_variants.",
                    Wire::Query("sku"),
                    ParamType::String,
                )
            },
            Param {
                placeholder: Some("1L Le Parfait Jar"),
                ..field(
                    "name",
                    "Name",
                    "The product's name, exactly (names are unique in a store).",
                    Wire::Query("name"),
                    ParamType::String,
                )
            },
        ],
        fixed_query: &[],
        scope: PRODUCTS_READ,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::OneMatch { noun: "product" },
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &["sku", "name"],
        batch: None,
        routes: &[],
    },
    Action {
        id: "find_customer",
        resource: Resource::Customers,
        title: "Find customer",
        description: "Finds the customer with an email address (exact). None is not_found; several (one per channel, when a store does not share customer accounts across channels) is ambiguous.",
        kind: ActionKind::Get,
        api_version: V3,
        method: Method::Get,
        path: "/customers",
        params: &[Param {
            max_length: Some(255),
            placeholder: Some("jane@example.com"),
            ..required(field(
                "email",
                "Email",
                "The customer's email address, exactly.",
                Wire::Query("email:in"),
                ParamType::Email,
            ))
        }],
        fixed_query: &[],
        scope: CUSTOMERS_READ,
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::OneMatch { noun: "customer" },
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
    Action {
        id: "api_request",
        resource: Resource::Advanced,
        title: "API request",
        description: "Sends a request of your own below the store's V2 or V3 API base, for what the other actions lack. The method and path must be an operation of BigCommerce's specs (the preview and a refusal name the scope it needs); the host and the store are the node's and cannot change.",
        kind: ActionKind::Raw,
        api_version: V3,
        method: Method::Get,
        path: "",
        params: &[
            Param {
                default: Some(Literal::Str("GET")),
                choices: HTTP_METHODS,
                ..field(
                    "method",
                    "Method",
                    "The HTTP method.",
                    Wire::Control(Control::Request),
                    ParamType::String,
                )
            },
            Param {
                max_length: Some(1000),
                placeholder: Some("/v3/catalog/brands"),
                ..required(field(
                    "path",
                    "Path",
                    "Below the store's API base, starting with /v2/ or /v3/, such as /v3/catalog/brands or /v2/orders/{{getOrder.data.id}}/coupons. Filters go in Query.",
                    Wire::Control(Control::Request),
                    ParamType::String,
                ))
            },
            Param {
                placeholder: Some(r#"{"limit": 50}"#),
                ..field(
                    "query",
                    "Query",
                    "Query parameters as a JSON object; a list becomes BigCommerce's comma-separated form.",
                    Wire::Control(Control::Request),
                    ParamType::Json,
                )
            },
            Param {
                placeholder: Some(r#"{"name": "Ball"}"#),
                ..field(
                    "body",
                    "Body",
                    "The JSON body of a POST or PUT (an object, or a list for BigCommerce's batch endpoints).",
                    Wire::Control(Control::Request),
                    ParamType::Json,
                )
            },
        ],
        fixed_query: &[],
        scope: Scope {
            name: "",
            label: "the scope of the operation called",
        },
        pagination: Pagination::None,
        body: BodyShape::None,
        response: ResponseShape::Body,
        record: None,
        exists: None,
        response_extras: &[],
        body_lookups: &[],
        deprecated_because: None,
        one_of: &[],
        batch: None,
        routes: &[],
    },
];

/// The action with this id.
pub fn find(id: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.id == id)
}

/// Valid ids closest to a mistyped one (edit distance), best first, for "did you mean".
pub fn nearest_ids(id: &str, how_many: usize) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = ACTIONS.iter().map(|a| (edit_distance(id, a.id), a.id)).collect();
    scored.sort();
    scored.into_iter().take(how_many).map(|(_, id)| id).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eighteen_documented_actions_come_first_and_ids_are_unique() {
        let mut ids: Vec<_> = ACTIONS.iter().map(|a| a.id).collect();
        assert_eq!(ids[17], "update_inventory");
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }

    #[test]
    fn order_statuses_are_the_fifteen_of_the_docs() {
        assert_eq!(ORDER_STATUSES.len(), 15);
        assert_eq!(ORDER_STATUSES[0].label, "Incomplete");
        assert_eq!(ORDER_STATUSES[11].label, "Awaiting Fulfillment");
        assert_eq!(ORDER_STATUSES[14], status(14, "Partially Refunded"));
    }

    #[test]
    fn nearest_ids_suggest_the_likely_action() {
        assert_eq!(nearest_ids("get_order", 1), ["get_order"]);
        assert_eq!(nearest_ids("get_ordr", 2), ["get_order", "get_orders"]);
        assert_eq!(nearest_ids("delete_prodct", 1), ["delete_product"]);
    }

    #[test]
    fn required_id_params_are_positive_integers_that_accept_templates() {
        for action in ACTIONS {
            for param in action.params.iter().filter(|p| p.key.ends_with("Id")) {
                // An ID that chooses another route (a variant of the product) is optional.
                let chooses_route = action.routes.iter().any(|r| r.param == param.key);
                assert!(param.required || chooses_route, "{}.{}", action.id, param.key);
                assert_eq!(
                    (param.ty, param.minimum),
                    (ParamType::Integer, Some(1)),
                    "{}.{}",
                    action.id,
                    param.key
                );
            }
        }
    }
}
