//! The types an action is made of. Everything here is plain data: the executor interprets
//! it, and behaviour the data cannot express becomes a new variant of one of these enums.

use bigcommerce_api::ApiVersion;
use serde::Serialize;

/// One thing the BigCommerce node can do, such as `get_order`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Action {
    /// Stable id, as stored in workflows (`get_orders`).
    pub id: &'static str,
    /// The resource group it is listed under.
    pub resource: Resource,
    /// Label shown in the action picker.
    pub title: &'static str,
    /// What it does, from the product docs.
    pub description: &'static str,
    /// List, single record, create, update or delete.
    pub kind: ActionKind,
    /// V2 or V3 REST API.
    pub api_version: ApiVersion,
    /// HTTP method.
    pub method: Method,
    /// Path template below `/stores/{hash}/{version}`, as in BigCommerce's spec.
    pub path: &'static str,
    /// The parameters the user fills in.
    pub params: &'static [Param],
    /// Query pairs the action always sends (`include=variants` for get inventory).
    pub fixed_query: &'static [QueryPair],
    /// The OAuth scope the action needs.
    pub scope: Scope,
    /// How the API pages the results.
    pub pagination: Pagination,
    /// How the request body is shaped.
    pub body: BodyShape,
    /// How the response becomes the step's `data`.
    pub response: ResponseShape,
    /// The record a single-record action is about, for not-found messages.
    pub record: Option<Record>,
    /// How to learn first whether the record exists, where BigCommerce's own answer would
    /// not say (a V3 customer delete answers 204 for an ID that never existed).
    pub exists: Option<Exists>,
    /// Fields the answer holds beyond the spec's response schema, because the action asks
    /// for them (`include=variants`).
    pub response_extras: &'static [ExtraField],
    /// Body fields filled in from another request before sending (the category tree of
    /// the default channel, for a top-level category).
    pub body_lookups: &'static [BodyLookup],
    /// Why the action may use an operation the spec marks deprecated; the conformance test
    /// fails on a deprecated operation without a reason.
    pub deprecated_because: Option<&'static str>,
    /// Optional parameters of which at least one must be given (a product is found by SKU
    /// or by name).
    pub one_of: &'static [&'static str],
    /// A list parameter sent in several requests when it holds more items than one request
    /// may carry.
    pub batch: Option<Batch>,
    /// Other operations the action sends to when a parameter has a given value (an
    /// absolute inventory adjustment instead of a relative one). The action's own method
    /// and path are the default.
    pub routes: &'static [Route],
}

/// Another operation of an action, chosen by a parameter's value (or by its being given).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Route {
    /// The parameter (`mode`).
    pub param: &'static str,
    /// When it chooses this route.
    pub when: When,
    /// Its HTTP method.
    pub method: Method,
    /// Its path template.
    pub path: &'static str,
}

/// How a long list parameter is split over requests: in order, each with at most
/// `max_items` items, the rest of the body the same each time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// The list parameter (`items`).
    pub param: &'static str,
    /// The most items BigCommerce takes in one request.
    pub max_items: usize,
}

/// A body field filled in from another request, when a parameter has a given value (or
/// none). Lookups run in order, so a later one may depend on what an earlier one filled in.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BodyLookup {
    /// The parameter whose value calls for the lookup.
    pub param: &'static str,
    /// When it is called for.
    pub when: When,
    /// `GET <path>` below the action's API version (placeholders filled like the action's
    /// own path)…
    pub path: &'static str,
    /// …with these query pairs.
    pub query: &'static [QueryPair],
    /// What to take from the answer.
    pub pick: Pick,
    /// Where the value goes in the body object (`/tree_id`), or `{name}`: into that
    /// placeholder of the path, when no parameter filled it.
    pub into: &'static str,
    /// What the store lacks when the answer has no such value, for the error.
    pub missing: &'static str,
}

/// When a [`BodyLookup`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// The parameter has this value (`parent_id` 0: a top-level category).
    Equals(Literal),
    /// The parameter was left empty (the order's only shipping address).
    Empty,
    /// The parameter was given (a variant's SKU).
    Given,
}

/// What a [`BodyLookup`] takes from its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// The value at this JSON pointer (`/data/0/id`).
    Pointer(&'static str),
    /// The `id` of the only record of a list answer (V2: the body is the list). Several
    /// records are an error that lists each by these fields and asks for the parameter.
    OnlyRecord {
        /// Fields that tell the records apart in the error (`street_1`, `city`).
        describe: &'static [&'static str],
    },
    /// What is left of each record of a list answer, as `{<id_as>: id, <quantity_as>:
    /// total - done}`, for each record with something left (and, with `same`, whose field
    /// equals the body's value at a pointer).
    Remaining {
        /// The record field with the total (`quantity`).
        total: &'static str,
        /// The record field with what is done (`quantity_shipped`).
        done: &'static str,
        /// The key of the ID in each item (`order_product_id`).
        id_as: &'static str,
        /// The key of what is left in each item (`quantity`).
        quantity_as: &'static str,
        /// (record field, body pointer): only records that match what the body holds.
        same: Option<(&'static str, &'static str)>,
    },
    /// The `id` of the one record of a list answer whose field equals a parameter's value
    /// (the variant with a SKU); none is `not_found`, several `ambiguous`.
    WhereEquals {
        /// The record field (`sku`).
        field: &'static str,
    },
}

/// A lookup that tells whether a record exists: `GET <path>?<id_query>=<ID>` answers a V3
/// list whose `data` is empty when it does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Exists {
    /// The list endpoint, such as `/customers`.
    pub path: &'static str,
    /// The query parameter that filters it by ID, such as `id:in`.
    pub id_query: &'static str,
}

/// A field of the answer that the spec's response schema leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ExtraField {
    /// Its name in `data`.
    pub name: &'static str,
    /// The component schema (of the same spec) of each of its items: the field is a list.
    pub list_of: &'static str,
}

/// The resource groups of the action picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Resource {
    /// Catalog products.
    Products,
    /// Orders (V2).
    Orders,
    /// Customers (V3).
    Customers,
    /// Catalog categories.
    Categories,
    /// Product inventory levels.
    Inventory,
    /// Requests for what the other actions lack.
    Advanced,
}

/// What kind of operation an action is; decides filters versus parameter form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A paginated list with filters.
    List,
    /// One record by ID.
    Get,
    /// Creates a record.
    Create,
    /// Updates a record.
    Update,
    /// Deletes a record.
    Delete,
    /// A request the user describes (method, path, query, body), checked against the
    /// operation index when it runs.
    Raw,
}

/// HTTP methods the actions use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    /// The method as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

/// An OAuth scope with its control-panel label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// The scope as BigCommerce names it (`store_v2_orders_read_only`).
    pub name: &'static str,
    /// What the control panel calls it (`Orders — Read-Only`).
    pub label: &'static str,
}

/// How a list is paged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pagination {
    /// Not a list.
    None,
    /// Pages by number; "return all" fetches them as [`Paging`] says.
    Pages(Paging),
}

/// How a list pages: the parameters it takes, the largest page, where a page's records are
/// and how the total is known. The executor's "return all" reads only this.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Paging {
    /// The query parameter with the page number, from 1 (`page`).
    pub page_param: &'static str,
    /// The query parameter with the page size (`limit`).
    pub limit_param: &'static str,
    /// The largest page the API serves.
    pub max_page_size: u64,
    /// Where a page's records are.
    pub items: Items,
    /// How the number of pages is known.
    pub total: Total,
}

/// Where a page's records are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Items {
    /// The body is the array (V2); a page past the end answers `204 No Content`.
    Body,
    /// The `data` array of a V3 envelope.
    Data,
}

/// How "return all" learns how many pages there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Total {
    /// `meta.pagination.total_pages` of each page (V3).
    PagesInMeta,
    /// A count endpoint that takes the list's filters and answers `{"<field>": n}` records.
    CountEndpoint {
        /// Its path, such as `/orders/count`.
        path: &'static str,
        /// The field with the number of records.
        field: &'static str,
    },
    /// Not known: pages are read in turn until a short or empty one.
    Unknown,
}

/// The shape of the request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyShape {
    /// No body.
    None,
    /// One JSON object built from the body parameters.
    Object,
    /// A JSON array holding that one object (V3 customers take arrays).
    ArrayOfOne,
    /// The value of the one body parameter whose pointer is empty: a JSON array of
    /// records (the batch endpoints).
    List,
}

/// How the response becomes the step's `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseShape {
    /// The JSON body as it is (V2).
    Body,
    /// The `data` member of a V3 envelope.
    V3Data,
    /// The single element of a V3 `data` array, or not-found when it is empty.
    V3FirstOfData,
    /// `204 No Content`: `data` is `{"id": <the ID>, "deleted": true}`.
    Deleted,
    /// The one element of a V3 `data` array found by a search: none is `not_found`, and
    /// more than one is `ambiguous` (naming them), never a guess.
    OneMatch {
        /// The record kind, for the messages (`product`).
        noun: &'static str,
    },
}

/// The record a single-record action is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Lower-case noun for messages (`order`).
    pub noun: &'static str,
    /// The parameter that holds its ID (`orderId`).
    pub id_param: &'static str,
}

/// A query parameter with a fixed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct QueryPair {
    /// Name on the wire.
    pub name: &'static str,
    /// Value on the wire.
    pub value: &'static str,
}

/// One field of an action's form.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Param {
    /// The key the user (and the workflow file) uses, such as `orderId`.
    pub key: &'static str,
    /// Human label.
    pub title: &'static str,
    /// Help text under the field.
    pub help: &'static str,
    /// Placeholder text, often a template example.
    pub placeholder: Option<&'static str>,
    /// Where the value goes on the wire.
    pub wire: Wire,
    /// The value's type.
    #[serde(rename = "type")]
    pub ty: ParamType,
    /// Whether the action cannot run without it.
    pub required: bool,
    /// Value used when the user leaves it empty (sent on the wire).
    pub default: Option<Literal>,
    /// Allowed values with labels; empty when any value of the type is allowed.
    pub choices: &'static [Choice],
    /// Inclusive minimum for numbers.
    pub minimum: Option<i64>,
    /// Inclusive maximum for numbers.
    pub maximum: Option<i64>,
    /// Longest allowed text.
    pub max_length: Option<u32>,
    /// Filter (list actions) or form field (single-record actions).
    pub section: Section,
    /// Where its values can be picked from in the store (`x-options` in the form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<crate::options::FieldOptions>,
}

/// Where a parameter's value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "in", content = "name", rename_all = "snake_case")]
pub enum Wire {
    /// A `{name}` in the path template.
    Path(&'static str),
    /// A query parameter of that name.
    Query(&'static str),
    /// A JSON pointer into the body object (`/status_id`).
    Body(&'static str),
    /// The chosen [`Choice`]'s `query` pairs are sent (one user field, several API filters).
    ChoiceQuery,
    /// A query parameter chosen by what the value looks like: the first rule that matches
    /// names it (a keyword that is an email address is looked up by address).
    QueryByValue(&'static [QueryRule]),
    /// Not sent: an option the executor interprets.
    Control(Control),
}

/// One rule of [`Wire::QueryByValue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct QueryRule {
    /// What the value must look like.
    pub when: ValueLooks,
    /// The query parameter it then goes to.
    pub name: &'static str,
}

/// Shapes of a value that [`QueryRule`]s tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueLooks {
    /// It holds an `@`, as an email address does.
    EmailAddress,
    /// Anything.
    Anything,
}

impl ValueLooks {
    /// Whether `text` looks like this.
    pub fn matches(self, text: &str) -> bool {
        match self {
            Self::EmailAddress => text.contains('@'),
            Self::Anything => true,
        }
    }
}

/// Options of list actions that change how the executor fetches, not what it asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// Fetch every page (250 at a time) and output them as one array.
    ReturnAll,
    /// With `ReturnAll`: stop after this many records.
    Limit,
    /// A trigger's own setting (a status to reach, a threshold), read by the trigger.
    Trigger,
    /// Chooses one of the action's [`Route`]s.
    Route,
    /// A part of a raw request (its method, path, query or body).
    Request,
}

impl Wire {
    /// Whether this is the path placeholder `name`.
    pub fn is_path(&self, name: &str) -> bool {
        matches!(self, Self::Path(n) if *n == name)
    }

    /// Whether this is the query parameter `name`.
    pub fn is_query(&self, name: &str) -> bool {
        matches!(self, Self::Query(n) if *n == name)
    }

    /// Whether this is the body field at `pointer`.
    pub fn is_body(&self, pointer: &str) -> bool {
        matches!(self, Self::Body(p) if *p == pointer)
    }
}

/// Types a parameter can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    /// A whole number.
    Integer,
    /// Any number (prices, weights).
    Number,
    /// Text.
    String,
    /// An email address.
    Email,
    /// True or false.
    Boolean,
    /// A list of whole numbers (IDs): a JSON array, a single number, or text such as
    /// `12, 18`.
    IntegerList,
    /// A list of texts (SKUs): a JSON array, or text such as `MUG-1, MUG-2`.
    StringList,
    /// A list of records (line items, batch updates): a JSON array of objects, or text
    /// holding one, or a whole-value template that gives one.
    ObjectList,
    /// Any JSON object (a raw request's query or body): an object, or text holding one.
    Json,
}

/// Where the field shows in the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// A filter of a list action.
    Filters,
    /// A field of a single-record action's parameter form.
    Form,
}

/// A constant value in the registry (a default or a choice).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Literal {
    /// A whole number.
    Int(i64),
    /// Text.
    Str(&'static str),
    /// True or false.
    Bool(bool),
}

impl Literal {
    /// The value as JSON.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Self::Int(i) => i.into(),
            Self::Str(s) => s.into(),
            Self::Bool(b) => b.into(),
        }
    }
}

/// One allowed value of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Choice {
    /// The value stored in the workflow.
    pub value: Literal,
    /// The label shown to the user.
    pub label: &'static str,
    /// For [`Wire::ChoiceQuery`]: the query pairs this choice sends.
    pub query: &'static [QueryPair],
}

impl Action {
    /// The parameter with this key.
    pub fn param(&self, key: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.key == key)
    }

    /// Whether the action only reads.
    pub fn is_read(&self) -> bool {
        self.method == Method::Get
    }
}
