//! The sentinel token appears nowhere: not in snapshots, debug output or dry-run requests.

use serde_json::json;

use crate::{TOKEN, step};

#[test]
fn no_snapshot_contains_the_token() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(TOKEN));
        checked += 1;
    }
    assert!(checked >= 18, "expected a snapshot per action, found {checked}");
}

#[test]
fn debug_output_and_dry_runs_never_show_the_token() {
    let config = bigcommerce_api::TransportConfig::new("http://127.0.0.1:9").unwrap();
    let executor = syncaut_executor::Executor::new(&config).unwrap();
    let step = step(
        "create_customer",
        json!({"first_name": "A", "last_name": "B", "email": "a@b.co"}),
    );
    let prepared = executor.prepare(&step, &syncaut_executor::StepOutputs::new()).unwrap();
    let described = serde_json::to_value(syncaut_executor::request::describe(&prepared, &config)).unwrap();
    let previewed = serde_json::to_value(step.preview(&config)).unwrap();
    assert_eq!(described, previewed, "nothing to render: the preview is the request");
    let printed = format!("{step:?} {prepared:?} {executor:?} {described}");
    assert!(!printed.contains(TOKEN), "{printed}");
    assert_eq!(described["headers"]["X-Auth-Token"], "[redacted]");
    assert_eq!(described["url"], "http://127.0.0.1:9/stores/abc123/v3/customers");
}
