//! Sentences of the product docs, checked against the sandbox: every field takes a
//! template, every output is exactly the docs' envelope, every "+ variable" entry renders
//! when typed, a record that does not exist is not found, and the customer keyword and
//! `limit` mean what their forms say.

use bigcommerce_api::{SecretString, Stats, TransportConfig};
use serde_json::{Value, json};
use syncaut_actions::ACTIONS;
use syncaut_executor::{CredentialSource, ExecError, Executor, NoCredentials, Output, Step, StepOutputs};
use syncaut_sandbox::{FULL_ACCESS_TOKEN, RunningSandbox, STORE_HASH, Sandbox};

async fn sandbox() -> (RunningSandbox, Executor) {
    let running = Sandbox::new().start().await.unwrap();
    let executor = Executor::new(&TransportConfig::new(&running.base_url()).unwrap()).unwrap();
    (running, executor)
}

fn step(name: &str, action: &str, params: Value) -> Step {
    Step::new(
        name,
        action,
        STORE_HASH,
        CredentialSource::Token(SecretString::from(FULL_ACCESS_TOKEN)),
        params.as_object().unwrap(),
    )
    .unwrap()
}

async fn run(executor: &Executor, step: &Step, outputs: &StepOutputs) -> Result<Output, ExecError> {
    executor.execute(step, outputs, &NoCredentials, &Stats::default()).await
}

/// Parameters that work on the seeded sandbox store.
fn sample(action: &str) -> Value {
    match action {
        "get_products" => json!({"keyword": "jar", "visibility": "visible"}),
        "get_product" | "get_inventory" => json!({"productId": 111}),
        "create_product" => json!({"name": "Docs test kit", "price": 9.5}),
        "update_product" => json!({"productId": 111, "price": 8.25}),
        "delete_product" => json!({"productId": 112}),
        "get_orders" => json!({"status_id": "Awaiting Fulfillment"}),
        "get_order" => json!({"orderId": 100}),
        "update_order" => json!({"orderId": 101, "status_id": 2}),
        "delete_order" => json!({"orderId": 103}),
        "get_customers" => json!({"keyword": "Smith"}),
        "get_customer" => json!({"customerId": 1}),
        "create_customer" => json!({"first_name": "Doc", "last_name": "Test", "email": "doc.test@example.com"}),
        "update_customer" => json!({"customerId": 2, "company": "Jerry & Co"}),
        "delete_customer" => json!({"customerId": 4}),
        "get_categories" => json!({}),
        "create_category" => json!({"name": "Docs test"}),
        "update_inventory" => json!({"productId": 111, "inventory_level": 12}),
        "get_order_products" => json!({"orderId": 100}),
        "ship_order" => json!({"orderId": 105, "tracking_number": "1Z999AA10123456784", "shipping_provider": "ups"}),
        "get_shipments" => json!({"orderId": 105}),
        "get_variants" => json!({"productId": 115}),
        "update_variant" => json!({"productId": 115, "variantId": 306, "inventory_level": 5, "price": 19.5}),
        "adjust_inventory" => json!({"items": [{"sku": "PLN-TERRA-LG", "quantity": 3}], "reason": "Docs test"}),
        "get_inventory_levels" => json!({"sku": "PLN-TERRA-SM, PLN-TERRA-LG"}),
        "update_products" => json!({"products": [{"id": 111, "price": 8.0}, {"id": 113, "is_visible": false}]}),
        "find_product" => json!({"sku": "UTL-SPOON"}),
        "find_customer" => json!({"email": "jane.smith@example.com"}),
        "api_request" => json!({"method": "GET", "path": "/v3/catalog/brands", "query": {"name:like": "Kil"}}),
        other => panic!("no sample parameters for {other}"),
    }
}

/// Every action's output is exactly `{"data", "action", "storeHash"}`, and every entry its
/// "+ variable" picker offers renders when typed into a later step: it reads a value, or
/// says the field is absent from this record, never that the path itself is wrong.
#[tokio::test]
async fn every_output_is_the_docs_envelope_and_every_picker_entry_renders() {
    let (_running, executor) = sandbox().await;
    for action in ACTIONS {
        let output = run(
            &executor,
            &step("earlier", action.id, sample(action.id)),
            &StepOutputs::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", action.id));
        let value = output.to_value();
        assert_eq!(
            value.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["data", "action", "storeHash"],
            "{}",
            action.id
        );
        let mut outputs = StepOutputs::new();
        outputs.insert("earlier", output);
        for variable in syncaut_actions::output::variables(action, "earlier") {
            let template = syncaut_executor::Template::parse(&variable.expression)
                .unwrap_or_else(|e| panic!("{}: {} does not parse: {}", action.id, variable.expression, e.reason))
                .unwrap();
            if let Err(err) = template.render(&outputs) {
                let absent = err.reason.contains("has no field") || err.reason.contains("item(s); [0] is out of range");
                assert!(absent, "{}: {} fails: {}", action.id, variable.expression, err.reason);
            }
        }
    }
}

/// The docs: "reference outputs from previous workflow steps inside any parameter field".
/// A status copied from one order to another, by number and by the docs' label.
#[tokio::test]
async fn any_field_takes_a_template_so_a_status_can_be_copied() {
    let (_running, executor) = sandbox().await;
    let mut outputs = StepOutputs::new();
    let shipped = run(
        &executor,
        &step("shipped", "get_order", json!({"orderId": 102})),
        &outputs,
    )
    .await
    .unwrap();
    outputs.insert("shipped", shipped);
    outputs.insert("labels", json!({"data": {"status": "Shipped"}}));
    for template in ["{{shipped.data.status_id}}", "{{labels.data.status}}"] {
        let copy = step("copy", "update_order", json!({"orderId": 100, "status_id": template}));
        let updated = run(&executor, &copy, &outputs).await.unwrap().to_value();
        assert_eq!(updated["data"]["status_id"], 2, "{template}");
    }
    let bad = step(
        "copy",
        "update_order",
        json!({"orderId": 100, "status_id": "{{shipped.data.id}}"}),
    );
    let err = run(&executor, &bad, &outputs).await.unwrap_err();
    assert_eq!(err.code(), "invalid_param");
    assert!(err.to_string().starts_with("status_id: must be one of"), "{err}");
    let visible = step("v", "get_products", json!({"visibility": "{{labels.data.status}}"}));
    assert!(
        run(&executor, &visible, &outputs)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("visibility: must be one of")
    );
    let all = step("all", "get_orders", json!({"return_all": "{{labels.data.status}}"}));
    assert!(
        run(&executor, &all, &outputs)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("return_all: must be true or false")
    );
}

/// "Not found is not found": a customer that does not exist is `not_found` for update and
/// delete alike, as products and orders are, and nothing reports `deleted: true`.
#[tokio::test]
async fn a_customer_that_does_not_exist_is_not_found_for_every_write() {
    let (_running, executor) = sandbox().await;
    for (action, params) in [
        ("delete_customer", json!({"customerId": 999})),
        ("update_customer", json!({"customerId": 999, "first_name": "Nobody"})),
        ("delete_product", json!({"productId": 999})),
        ("delete_order", json!({"orderId": 999})),
        ("get_customer", json!({"customerId": 999})),
    ] {
        let err = run(&executor, &step("s", action, params), &StepOutputs::new())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "not_found", "{action}: {err}");
    }
    let deleted = run(
        &executor,
        &step("s", "delete_customer", json!({"customerId": 3})),
        &StepOutputs::new(),
    )
    .await
    .unwrap()
    .to_value();
    assert_eq!(deleted["data"], json!({"id": 3, "deleted": true}));
    let again = run(
        &executor,
        &step("s", "delete_customer", json!({"customerId": 3})),
        &StepOutputs::new(),
    )
    .await;
    assert_eq!(again.unwrap_err().code(), "not_found", "deleted once, then gone");
}

fn ids(output: &Output) -> Vec<i64> {
    output.to_value()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// The customer keyword finds by name or, when it is an email address, by address;
/// company has a filter of its own.
#[tokio::test]
async fn the_customer_keyword_finds_by_name_or_email_and_company_filters() {
    let (_running, executor) = sandbox().await;
    let none = StepOutputs::new();
    let by = |params: Value| step("c", "get_customers", params);
    assert_eq!(
        ids(&run(&executor, &by(json!({"keyword": "smith"})), &none).await.unwrap()),
        [1]
    );
    assert_eq!(
        ids(&run(&executor, &by(json!({"keyword": "Ana"})), &none).await.unwrap()),
        [3]
    );
    assert_eq!(
        ids(&run(&executor, &by(json!({"keyword": "li.wei@example.com"})), &none)
            .await
            .unwrap()),
        [4]
    );
    assert_eq!(
        ids(&run(&executor, &by(json!({"company": "Acme Corp"})), &none)
            .await
            .unwrap()),
        [1]
    );
    assert!(
        ids(&run(&executor, &by(json!({"keyword": "nobody@example.com"})), &none)
            .await
            .unwrap())
        .is_empty()
    );
}

/// `limit` is the most records output, with or without "return all".
#[tokio::test]
async fn limit_means_the_same_with_and_without_return_all() {
    let (_running, executor) = sandbox().await;
    let none = StepOutputs::new();
    for return_all in [false, true] {
        let listed = run(
            &executor,
            &step("o", "get_orders", json!({"limit": 2, "return_all": return_all})),
            &none,
        )
        .await
        .unwrap();
        assert_eq!(ids(&listed).len(), 2, "return_all {return_all}");
        let products = run(
            &executor,
            &step("p", "get_products", json!({"limit": 3, "return_all": return_all})),
            &none,
        )
        .await
        .unwrap();
        assert_eq!(ids(&products).len(), 3, "return_all {return_all}");
    }
}
