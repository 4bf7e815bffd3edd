//! `syncaut workflow run`: the examples against the sandbox, file errors, dry runs.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{command, stderr, stdout};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn run_example(name: &str) -> Value {
    run_in_sandbox(&examples().join(name))
}

/// Runs a workflow file against the built-in sandbox and returns its `--json` report.
fn run_in_sandbox(file: &Path) -> Value {
    let dir = crate::private_dir();
    let output = command(
        dir.path(),
        None,
        &["workflow", "run", file.to_str().unwrap(), "--sandbox", "--json"],
    )
    .output()
    .unwrap();
    assert!(output.status.success(), "{}: {}", file.display(), stderr(&output));
    assert!(stderr(&output).contains("using the built-in BigCommerce sandbox"));
    serde_json::from_str(&stdout(&output)).unwrap()
}

/// Every example without a trigger (those run in `syncaut serve`, once per event; the
/// end-to-end test `the_readme_example_ships_each_new_order` runs them).
#[test]
fn every_example_runs_against_the_sandbox() {
    let mut names: Vec<String> = std::fs::read_dir(examples())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .filter(|n| {
            let text = std::fs::read_to_string(examples().join(n)).unwrap();
            !text.lines().any(|l| l.starts_with("trigger:"))
        })
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    for name in names {
        let result = run_example(&name);
        let steps = result["steps"].as_array().unwrap();
        assert!(steps.len() >= 3, "{name}");
        insta::assert_json_snapshot!(name.trim_end_matches(".yaml"), result);
    }
}

#[test]
fn later_steps_use_earlier_steps_data() {
    let result = run_example("ship-awaiting-fulfillment.yaml");
    let steps = result["steps"].as_array().unwrap();
    let first_awaiting = &steps[0]["output"]["data"][0]["id"];
    assert_eq!(&steps[1]["output"]["data"]["id"], first_awaiting);
    assert_eq!(steps[2]["output"]["data"]["status"], "Shipped");
    let shipped: Vec<&Value> = steps[3]["output"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert!(shipped.contains(&first_awaiting));
}

#[test]
fn the_text_output_prints_every_step() {
    let dir = crate::private_dir();
    let file = examples().join("new-customer.yaml");
    let output = command(
        dir.path(),
        None,
        &["workflow", "run", file.to_str().unwrap(), "--sandbox"],
    )
    .output()
    .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for header in [
        "── step 1/4: create (create_customer)",
        "── step 4/4: wholesale (get_customers)",
        "workflow finished: 4 step(s) succeeded",
    ] {
        assert!(text.contains(header), "{header} missing from:\n{text}");
    }
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let file = dir.join("workflow.yaml");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_bad_file_is_rejected_before_anything_is_sent_with_the_line() {
    let dir = crate::private_dir();
    let cases = [
        (
            "steps:\n  - name: a\n    action: get_orders\n  - name: a\n    action: get_orders\n",
            "line 4: step name `a` is already used by the step on line 2",
        ),
        (
            "steps:\n  - name: a\n    action: get_order\n    params:\n      orderId: \"{{b.data.id}}\"\n  - name: b\n    action: get_orders\n",
            "line 5: `orderId` refers to step `b`, which runs later (line 6)",
        ),
        (
            "steps:\n  - name: a\n    action: get_order\n    params:\n      orderId: \"{{nope.data.id}}\"\n",
            "line 5: `orderId` refers to `nope`, which is not a step of this workflow",
        ),
        (
            "steps:\n  - name: a\n    action: fetch_orders\n",
            "line 2: unknown action `fetch_orders`",
        ),
    ];
    for (text, expected) in cases {
        let file = write(dir.path(), text);
        let output = command(
            dir.path(),
            Some("http://127.0.0.1:9"),
            &["workflow", "run", file.to_str().unwrap(), "--sandbox"],
        )
        .output()
        .unwrap();
        assert_eq!(output.status.code(), Some(1), "{expected}");
        let message = stderr(&output);
        assert!(message.starts_with("error[invalid_workflow]: "), "{message}");
        assert!(
            message.contains(&format!("workflow.yaml: {expected}")),
            "expected `{expected}` in {message}"
        );
        assert!(
            !message.contains("using the built-in"),
            "nothing may start before the file is valid"
        );
    }
}

#[test]
fn a_failing_step_stops_the_run_naming_the_step_and_code() {
    let dir = crate::private_dir();
    let file = write(
        dir.path(),
        "steps:\n  - name: order\n    action: get_order\n    params:\n      orderId: 999999\n  - name: never\n    action: get_orders\n",
    );
    let output = command(
        dir.path(),
        None,
        &["workflow", "run", file.to_str().unwrap(), "--sandbox"],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).lines().last().unwrap(),
        "error[not_found]: step `order` (get_order, step 1 of 2) failed: Order 999999 not found in store `abc123xyz`: check the ID, or whether it was deleted."
    );
    assert!(!stdout(&output).contains("never"));
}

#[test]
fn dry_run_prints_requests_with_references_unfilled_and_sends_nothing() {
    let dir = crate::private_dir();
    let file = examples().join("ship-awaiting-fulfillment.yaml");
    // No sandbox and an unreachable API: a dry run must not need either.
    let output = command(
        dir.path(),
        Some("http://127.0.0.1:9"),
        &["workflow", "run", file.to_str().unwrap(), "--dry-run", "--json"],
    )
    .output()
    .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let result: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let requests: Vec<&Value> = result["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["request"])
        .collect();
    assert_eq!(
        requests[0]["url"],
        "http://127.0.0.1:9/stores/abc123xyz/v2/orders?status_id=11&limit=1"
    );
    assert_eq!(
        requests[2]["url"],
        "http://127.0.0.1:9/stores/abc123xyz/v2/orders/{{order.data.id}}"
    );
    assert_eq!(requests[2]["method"], "PUT");
    assert_eq!(requests[2]["body"], serde_json::json!({"status_id": 2}));
    assert_eq!(requests[2]["headers"]["X-Auth-Token"], "[redacted]");
}

#[test]
fn without_sandbox_a_step_needs_a_saved_credential() {
    let dir = crate::private_dir();
    let file = examples().join("ship-awaiting-fulfillment.yaml");
    let output = command(
        dir.path(),
        Some("http://127.0.0.1:9"),
        &["workflow", "run", file.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with(
            "error[credential_not_found]: step `awaiting` (get_orders, step 1 of 4) failed: Credential not found"
        ),
        "{}",
        stderr(&output)
    );
}

/// A "return all" keeps its records as JSON text; later steps read into them the same way
/// as into any list, by whole references and inside text.
#[test]
fn later_steps_read_into_a_return_all() {
    let dir = crate::private_dir();
    let file = write(
        dir.path(),
        r#"steps:
  - name: everything
    action: get_products
    params:
      return_all: true
  - name: third
    action: get_product
    params:
      productId: "{{everything.data.[2].id}}"
  - name: summary
    action: create_category
    params:
      name: "{{len everything.data}} products, first {{everything.data.[0].name}}"
"#,
    );
    let result = run_in_sandbox(&file);
    let steps = result["steps"].as_array().unwrap();
    let all = steps[0]["output"]["data"].as_array().unwrap();
    assert_eq!(
        steps[0]["output"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["data", "action", "storeHash"],
        "a return all's envelope is the docs' too"
    );
    assert_eq!(steps[1]["output"]["data"], all[2], "the third record, whole");
    let first_name = all[0]["name"].as_str().unwrap();
    assert_eq!(
        steps[2]["output"]["data"]["name"],
        format!("{} products, first {first_name}", all.len())
    );
}
