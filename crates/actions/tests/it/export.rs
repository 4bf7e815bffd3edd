//! The exported frontend contract, snapshotted whole.

use syncaut_actions::output::variables;
use syncaut_actions::{ACTIONS, export_files, find};

#[test]
fn exported_registry_matches_the_snapshots() {
    let files = export_files();
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.len(), 2 + 2 * ACTIONS.len());
    for (name, value) in &files {
        let text = serde_json::to_string(value).unwrap();
        assert!(!text.contains("\"$ref\""), "{name} has an unresolved $ref");
        insta::assert_json_snapshot!(name.as_str(), value);
    }
}

#[test]
fn variables_offer_the_documented_references() {
    let order = variables(find("get_order").unwrap(), "getOrder");
    let expressions: Vec<&str> = order.iter().map(|v| v.expression.as_str()).collect();
    assert!(expressions.contains(&"{{getOrder.data}}"));
    assert!(expressions.contains(&"{{getOrder.data.id}}"));
    assert!(expressions.contains(&"{{getOrder.data.status_id}}"));
    let orders = variables(find("get_orders").unwrap(), "getOrders");
    let first_id = orders
        .iter()
        .find(|v| v.expression == "{{getOrders.data.[0].id}}")
        .unwrap();
    assert_eq!(first_id.type_name, "integer");
    let deleted = variables(find("delete_order").unwrap(), "deleteOrder");
    assert_eq!(
        deleted.iter().map(|v| v.expression.as_str()).collect::<Vec<_>>(),
        [
            "{{deleteOrder.data}}",
            "{{deleteOrder.data.id}}",
            "{{deleteOrder.data.deleted}}"
        ]
    );
}

#[test]
fn variables_of_every_action_snapshot() {
    let all: Vec<_> = ACTIONS.iter().map(|a| (a.id, variables(a, "step"))).collect();
    insta::assert_json_snapshot!("variables", all);
}
