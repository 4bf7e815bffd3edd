//! The registry against BigCommerce's own spec (through the generated operation index).

use syncaut_actions::conformance::{Mismatch, check, check_source};
use syncaut_actions::registry::{ORDERS_MODIFY, PRODUCTS_READ};
use syncaut_actions::{ACTIONS, Action, Literal, Param, ParamType, Wire, find};

fn action(id: &str) -> Action {
    *find(id).unwrap()
}

/// A copy of `action` whose parameter `key` is changed by `edit`.
fn with_param(action: Action, key: &str, edit: impl Fn(&mut Param)) -> Action {
    let mut params = action.params.to_vec();
    params.iter_mut().filter(|p| p.key == key).for_each(edit);
    Action {
        params: params.leak(),
        ..action
    }
}

fn problems(action: &Action) -> Vec<String> {
    check(action).into_iter().map(|m| m.to_string()).collect()
}

#[test]
fn every_action_conforms_to_the_bigcommerce_spec() {
    let mismatches: Vec<String> = ACTIONS.iter().flat_map(check).map(|m| m.to_string()).collect();
    assert!(
        mismatches.is_empty(),
        "actions that disagree with BigCommerce's spec:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn every_option_source_conforms_to_the_bigcommerce_spec() {
    let mut mismatches = Vec::new();
    for source in syncaut_actions::options::OPTION_SOURCES {
        mismatches.extend(check_source(source).into_iter().map(|p| format!("{}: {p}", source.id)));
    }
    assert!(
        mismatches.is_empty(),
        "option sources that disagree with the spec:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn a_source_with_a_wrong_search_or_label_field_is_reported() {
    let doctored = syncaut_actions::options::OptionSource {
        search: &[syncaut_actions::QueryRule {
            when: syncaut_actions::ValueLooks::Anything,
            name: "title:like",
        }],
        label: syncaut_actions::options::Label::Fields {
            fields: &["title"],
            detail: None,
        },
        ..syncaut_actions::options::BRANDS
    };
    assert_eq!(
        check_source(&doctored),
        [
            "GET /catalog/brands has no query parameter `title:like`",
            "the records of GET /catalog/brands have no field `title`",
        ]
    );
}

/// Fields that offer values from the store keep their plain type (no `enum`, so a typed
/// ID or a template stays valid) and name a source.
#[test]
fn fields_from_the_store_name_their_source_in_the_form() {
    let form = syncaut_actions::schema::form_schema(find("create_category").unwrap());
    let parent = &form["properties"]["parent_id"];
    assert_eq!(
        parent["type"],
        serde_json::json!(["integer", "string"]),
        "an ID or a template"
    );
    assert!(parent.get("enum").is_none() && parent.get("oneOf").is_none());
    assert_eq!(parent["x-options"]["source"], "categories");
    assert_eq!(
        parent["x-options"]["dependsOn"],
        serde_json::json!(["credential", "storeHash"])
    );
    assert_eq!(parent["x-options"]["leading"][0]["value"], 0);
    let form = syncaut_actions::schema::form_schema(find("create_product").unwrap());
    assert_eq!(form["properties"]["categories"]["x-options"]["multiple"], true);
    assert_eq!(form["properties"]["brand_id"]["x-options"]["source"], "brands");
    for action in ACTIONS {
        for param in action.params {
            if let Some(options) = &param.options {
                assert!(
                    matches!(param.ty, ParamType::Integer | ParamType::IntegerList),
                    "{}.{}: values from {} are IDs",
                    action.id,
                    param.key,
                    options.source.id
                );
            }
        }
    }
}

#[test]
fn a_wrong_path_is_reported_with_the_action() {
    let doctored = Action {
        path: "/catalog/product/{product_id}",
        ..action("get_product")
    };
    assert_eq!(
        check(&doctored),
        [Mismatch {
            action: "get_product",
            problem: "the v3 spec has no operation GET /catalog/product/{product_id}".into()
        }]
    );
}

#[test]
fn a_wrong_method_is_reported() {
    let doctored = Action {
        method: syncaut_actions::Method::Post,
        ..action("update_order")
    };
    assert_eq!(
        problems(&doctored),
        ["update_order: the v2 spec has no operation POST /orders/{order_id}"]
    );
}

#[test]
fn an_unknown_query_parameter_is_reported() {
    let doctored = with_param(action("get_customers"), "keyword", |p| {
        p.wire = Wire::Query("name:contains")
    });
    assert_eq!(
        problems(&doctored),
        ["get_customers: `keyword` is sent as Query parameter `name:contains`, which the spec does not define"]
    );
}

#[test]
fn an_incompatible_type_is_reported() {
    let doctored = with_param(action("get_product"), "productId", |p| p.ty = ParamType::String);
    assert_eq!(
        problems(&doctored),
        ["get_product: `productId` is String but the spec's Path parameter `product_id` is integer"]
    );
}

#[test]
fn an_unknown_body_field_is_reported() {
    let doctored = with_param(action("update_order"), "status_id", |p| p.wire = Wire::Body("/status"));
    assert_eq!(
        problems(&doctored),
        ["update_order: `status_id` is sent as body field `/status`, which the spec's body does not define"]
    );
}

#[test]
fn a_required_body_field_without_default_is_reported() {
    let doctored = with_param(action("create_product"), "weight", |p| p.default = None);
    assert_eq!(
        problems(&doctored),
        ["create_product: the spec requires body field `weight`, which no required parameter or default provides"]
    );
    let fixed = with_param(doctored, "weight", |p| p.default = Some(Literal::Int(0)));
    assert!(check(&fixed).is_empty());
}

#[test]
fn a_choice_outside_the_spec_enum_is_reported() {
    let doctored = Action {
        fixed_query: &[syncaut_actions::QueryPair {
            name: "include",
            value: "warehouses",
        }],
        ..action("get_inventory")
    };
    assert_eq!(
        problems(&doctored),
        [r#"get_inventory: `(fixed)` offers "warehouses", which `include` does not allow"#]
    );
}

#[test]
fn an_array_body_sent_as_an_object_is_reported() {
    let doctored = Action {
        body: syncaut_actions::BodyShape::Object,
        ..action("create_customer")
    };
    assert_eq!(
        problems(&doctored),
        ["create_customer: the spec's body is a JSON array, but the action sends an object"]
    );
}

#[test]
fn a_scope_the_spec_does_not_list_is_reported() {
    let doctored = Action {
        scope: PRODUCTS_READ,
        ..action("get_orders")
    };
    let found = problems(&doctored);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("get_orders: scope `store_v2_products_read_only` does not allow this operation"));
    let over_privileged = Action {
        scope: ORDERS_MODIFY,
        ..action("get_orders")
    };
    assert_eq!(
        problems(&over_privileged),
        [
            r#"get_orders: a read should need only a read-only scope, not `store_v2_orders` (spec: ["store_v2_orders_read_only"])"#
        ]
    );
}

#[test]
fn a_deprecated_operation_without_a_reason_is_reported() {
    let mut old = action("get_categories");
    old.path = "/catalog/categories";
    let found = problems(&old);
    assert!(
        found.iter().any(|p| p.contains("is deprecated in the spec")),
        "{found:?}"
    );
    old.deprecated_because = Some("the replacement lacks a field we need");
    assert!(!problems(&old).iter().any(|p| p.contains("deprecated")));
}

#[test]
fn a_body_lookup_the_spec_does_not_support_is_reported() {
    const BAD: syncaut_actions::BodyLookup = syncaut_actions::BodyLookup {
        param: "parent_id",
        when: syncaut_actions::When::Equals(syncaut_actions::Literal::Int(0)),
        path: "/catalog/forests",
        query: &[],
        pick: syncaut_actions::Pick::Pointer("/data/0/id"),
        into: "/forest_id",
        missing: "a forest",
    };
    let mut create = action("create_category");
    create.body_lookups = &[BAD];
    let found = problems(&create);
    assert!(
        found
            .iter()
            .any(|p| p.contains("GET /catalog/forests is not in the spec")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("`/forest_id`, which the spec's body does not define")),
        "{found:?}"
    );
}

#[test]
fn every_trigger_conforms_to_the_bigcommerce_spec() {
    let mut mismatches = Vec::new();
    for trigger in syncaut_actions::triggers::TRIGGERS {
        mismatches.extend(
            syncaut_actions::conformance::check_trigger(trigger)
                .into_iter()
                .map(|p| format!("{}: {p}", trigger.id)),
        );
    }
    assert!(
        mismatches.is_empty(),
        "triggers that disagree with the spec:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn a_trigger_with_an_undocumented_scope_or_a_wrong_filter_is_reported() {
    let order_created = &syncaut_actions::triggers::TRIGGERS[0];
    let doctored = syncaut_actions::triggers::Trigger {
        webhook: "store/order/teleported",
        poll: syncaut_actions::triggers::Poll {
            since: syncaut_actions::triggers::Since::TimeFrom {
                param: "created_after",
                field: "date_created",
                format: syncaut_actions::triggers::DateFormat::Rfc2822,
            },
            ..order_created.poll
        },
        ..*order_created
    };
    assert_eq!(
        syncaut_actions::conformance::check_trigger(&doctored),
        [
            "the webhooks spec documents no scope `store/order/teleported`",
            "GET /orders has no query parameter `created_after`",
        ]
    );
}
