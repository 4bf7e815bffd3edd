use serde_json::Value;

use crate::{stderr, stdout, syncaut};

#[test]
fn actions_list_json_lists_the_eighteen_documented_ids_then_the_others() {
    let output = syncaut(&["actions", "list", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let list: Vec<Value> = serde_json::from_str(&stdout(&output)).unwrap();
    let ids: Vec<&str> = list.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "get_products",
            "get_product",
            "create_product",
            "update_product",
            "delete_product",
            "get_orders",
            "get_order",
            "update_order",
            "delete_order",
            "get_customers",
            "get_customer",
            "create_customer",
            "update_customer",
            "delete_customer",
            "get_categories",
            "create_category",
            "get_inventory",
            "update_inventory",
            "get_order_products",
            "ship_order",
            "get_shipments",
            "get_variants",
            "update_variant",
            "adjust_inventory",
            "get_inventory_levels",
            "update_products",
            "find_product",
            "find_customer",
            "api_request"
        ]
    );
}

#[test]
fn actions_show_json_has_request_params_and_scope() {
    let output = syncaut(&["actions", "show", "get_customer", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let action: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(action["method"], "GET");
    assert_eq!(action["path"], "/customers");
    assert_eq!(action["api_version"], "v3");
    assert_eq!(action["params"][0]["key"], "customerId");
    assert_eq!(
        action["params"][0]["wire"],
        serde_json::json!({"in": "query", "name": "id:in"})
    );
    assert_eq!(action["scope"]["name"], "store_v2_customers_read_only");
    assert_eq!(action["scope"]["label"], "Customers — Read-Only");
}

#[test]
fn an_unknown_action_suggests_the_nearest_ids() {
    let output = syncaut(&["actions", "schema", "get_ordr"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).trim(),
        "error[unknown_action]: unknown action `get_ordr`; did you mean get_order, get_orders, delete_order? `syncaut actions list` shows all 29"
    );
    let output = syncaut(&["actions", "show", "get_ordr", "--json"]);
    let error: Value = serde_json::from_str(stderr(&output).trim()).unwrap();
    assert_eq!(error["error"]["code"], "unknown_action");
}

#[test]
fn export_writes_every_schema_and_an_index() {
    let dir = crate::private_dir();
    let output = syncaut(&["actions", "export", "--out", dir.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let index: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("index.json")).unwrap()).unwrap();
    let actions = index["actions"].as_array().unwrap();
    assert_eq!(actions.len(), syncaut_actions::ACTIONS.len());
    for action in actions {
        for key in ["form", "output"] {
            let file = dir.path().join(action[key].as_str().unwrap());
            let schema: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            assert_eq!(
                schema["$schema"],
                "https://json-schema.org/draft/2020-12/schema",
                "{}",
                file.display()
            );
        }
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2 + 2 * actions.len());
}

#[test]
fn variables_refuse_a_step_name_with_spaces() {
    let output = syncaut(&["actions", "variables", "get_order", "--step", "get order"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error[invalid_step_name]: step name `get order` is not valid"));
    let output = syncaut(&["actions", "variables", "get_orders", "--step", "getOrders"]);
    assert!(stdout(&output).contains("{{getOrders.data.[0].id}}"));
}
