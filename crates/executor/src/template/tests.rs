use serde_json::json;

use super::*;
use crate::output::Output;

fn outputs() -> StepOutputs {
    json!({
        "getOrder": {"data": {"id": 42, "status_id": 11, "customer": "Tom & Jerry", "note": "say \"hi\""}, "action": "get_order", "storeHash": "abc"},
        "getOrders": {"data": [{"id": 7}, {"id": 8}], "action": "get_orders", "storeHash": "abc"}
    })
    .as_object()
    .unwrap()
    .clone()
    .into()
}

fn render_with(text: &str, outputs: &StepOutputs) -> Result<Value, String> {
    let template = Template::parse(text)
        .map_err(|e| format!("cannot parse `{}`: {}", e.expression, e.reason))?
        .expect("has a template");
    template
        .render(outputs)
        .map_err(|e| format!("cannot render `{}`: {}", e.expression, e.reason))
}

fn ok(text: &str) -> Value {
    render_with(text, &outputs()).unwrap()
}

fn err(text: &str) -> String {
    render_with(text, &outputs()).unwrap_err()
}

#[test]
fn a_whole_expression_keeps_its_type() {
    assert_eq!(ok("{{getOrder.data.id}}"), json!(42));
    assert_eq!(ok("  {{ getOrder.data.id }} "), json!(42));
    assert_eq!(ok("{{getOrders.data.[1].id}}"), json!(8));
    assert_eq!(ok("{{getOrders.data.0.id}}"), json!(7));
    assert_eq!(ok("{{getOrders.data}}"), json!([{"id": 7}, {"id": 8}]));
    assert_eq!(ok("{{{getOrder.data.id}}}"), json!(42));
}

#[test]
fn mixed_text_renders_as_a_string_without_escaping() {
    assert_eq!(
        ok("Order #{{getOrder.data.id}} for {{getOrder.data.customer}}"),
        json!("Order #42 for Tom & Jerry")
    );
    assert_eq!(ok("Note: {{getOrder.data.note}}"), json!("Note: say \"hi\""));
    assert_eq!(ok("{{#each getOrders.data}}{{id}},{{/each}}"), json!("7,8,"));
}

/// `{{stepName.data}}` is usable in text: whole objects and lists are written as JSON,
/// the same in plain text and inside blocks.
#[test]
fn objects_and_lists_in_text_are_written_as_json() {
    assert_eq!(
        ok("Order: {{getOrder.data}}"),
        json!(r#"Order: {"id":42,"status_id":11,"customer":"Tom & Jerry","note":"say \"hi\""}"#)
    );
    assert_eq!(ok("ids {{getOrders.data}}"), json!(r#"ids [{"id":7},{"id":8}]"#));
    assert_eq!(
        ok("{{#each getOrders.data}}{{this}};{{/each}}"),
        json!(r#"{"id":7};{"id":8};"#)
    );
    assert_eq!(
        ok("{{#if getOrder.data.id}}{{getOrders.data}}{{/if}}"),
        json!(r#"[{"id":7},{"id":8}]"#)
    );
    assert_eq!(ok("{{json getOrder.data.id}}!"), json!("42!"));
}

#[test]
fn plain_text_and_blocks_write_every_kind_of_value_alike() {
    let values = json!({"data": {"n": 42, "f": 1.5, "t": true, "z": null, "s": "Tom & \"Jerry\" <b>", "a": [1, "x"], "o": {"k": 1}, "e": ""}});
    let mut outputs = StepOutputs::new();
    outputs.insert("s", values);
    for text in [
        "n={{s.data.n}} f={{s.data.f}} t={{s.data.t}} z={{s.data.z}}.",
        "{{s.data.s}} and {{{s.data.s}}}",
        "a={{s.data.a}} o={{s.data.o}} e=[{{s.data.e}}] {{ s.data.n }}",
        "#{{s.data.a.[1]}}-{{s.data.a.0}}",
    ] {
        let plain = render_with(text, &outputs).unwrap();
        let in_block = render_with(&format!("{{{{#if s.data.t}}}}{text}{{{{/if}}}}"), &outputs).unwrap();
        assert_eq!(plain, in_block, "{text}");
    }
    assert_eq!(
        render_with("n={{s.data.n}} f={{s.data.f}} t={{s.data.t}} z={{s.data.z}}.", &outputs).unwrap(),
        json!("n=42 f=1.5 t=true z=.")
    );
}

#[test]
fn text_without_templates_is_not_a_template() {
    assert!(Template::parse("plain & simple").unwrap().is_none());
    assert_eq!(ok("a \\{{getOrder.data.id}}"), json!("a {{getOrder.data.id}}"));
}

#[test]
fn the_parse_tree_names_the_steps_referenced_at_the_top_level() {
    let steps = |text: &str| Template::parse(text).unwrap().unwrap().steps().to_vec();
    assert_eq!(steps("{{a.data.id}}"), ["a"]);
    assert_eq!(
        steps(
            "{{#each list.data}}{{id}} {{other.x}}{{/each}} {{a.data.x}} {{lookup b.data 0}} {{#if c.data}}{{d.data}}{{/if}}"
        ),
        ["list", "a", "b", "c", "d"]
    );
    assert_eq!(steps("{{#each list.data}}{{@root.e.data}}{{/each}}"), ["list", "e"]);
    assert_eq!(steps("{{[my step].data}} {{this}}"), ["my step"]);
    assert!(steps("{{#each}}{{/each}}").is_empty());
}

#[test]
fn an_unknown_step_names_the_expression_and_the_steps() {
    assert_eq!(
        err("{{getOrdr.data.id}}"),
        "cannot render `{{getOrdr.data.id}}`: there is no earlier step called `getOrdr`; earlier steps: getOrder, getOrders"
    );
    assert!(err("Order {{nope.data}}").contains("there is no earlier step called `nope`"));
    assert!(
        err("{{#if nope.data}}x{{/if}}").contains("nope"),
        "{}",
        err("{{#if nope.data}}x{{/if}}")
    );
}

#[test]
fn a_missing_path_says_what_exists() {
    assert_eq!(
        err("{{getOrder.data.custmer}}"),
        "cannot render `{{getOrder.data.custmer}}`: `getOrder.data` has no field `custmer`; it has: id, status_id, customer, note"
    );
    assert!(err("{{getOrders.data.[5].id}}").contains("`getOrders.data` has 2 item(s); [5] is out of range"));
    assert!(
        err("{{getOrders.data.id}}").contains("`getOrders.data` is a list; use an index such as `getOrders.data.[0]`")
    );
    assert!(err("{{getOrder.data.id.x}}").contains("`getOrder.data.id` is a number, it has no `x`"));
    assert!(err("{{#each getOrders.data}}{{price}}{{/each}}").contains("price"));
}

fn with_records() -> StepOutputs {
    let records = [r#"{"id":7,"name":"A"}"#, r#"{"id":8,"name":"B & C"}"#]
        .iter()
        .map(|t| serde_json::value::RawValue::from_string((*t).to_owned()).unwrap())
        .collect();
    let mut outputs = StepOutputs::new();
    outputs.insert(
        "all",
        Output::records(records, "get_products", bigcommerce_api::StoreHash::new("abc").unwrap()),
    );
    outputs
}

#[test]
fn records_of_a_return_all_read_like_any_list() {
    let outputs = with_records();
    let ok = |text: &str| render_with(text, &outputs).unwrap();
    let err = |text: &str| render_with(text, &outputs).unwrap_err();
    assert_eq!(ok("{{all.data.[1].id}}"), json!(8));
    assert_eq!(ok("{{all.data.0}}"), json!({"id": 7, "name": "A"}));
    assert_eq!(
        ok("{{all.data}}"),
        json!([{"id": 7, "name": "A"}, {"id": 8, "name": "B & C"}])
    );
    assert_eq!(ok("{{all.action}}"), json!("get_products"));
    assert_eq!(ok("Got {{all.data.[1].name}}"), json!("Got B & C"));
    assert_eq!(ok("{{#each all.data}}{{id}};{{/each}}"), json!("7;8;"));
    assert!(err("{{all.data.[2].id}}").contains("`all.data` has 2 item(s); [2] is out of range"));
    assert!(err("{{all.data.id}}").contains("`all.data` is a list; use an index such as `all.data.[0]`"));
    assert!(err("{{all.data.[0].price}}").contains("`all.data.0` has no field `price`; it has: id, name"));
    assert!(err("{{all.meta}}").contains("`all` has no field `meta`; it has: data, action, storeHash"));
}

#[test]
fn long_paths_are_followed_too() {
    let mut deep = json!(7);
    for _ in 0..20 {
        deep = json!({"x": deep});
    }
    let mut outputs = StepOutputs::new();
    outputs.insert("s", json!({"data": deep}));
    let path = format!("{{{{s.data{}}}}}", ".x".repeat(20));
    assert_eq!(render_with(&path, &outputs).unwrap(), json!(7));
    let wrong = format!("{{{{s.data{}.y}}}}", ".x".repeat(20));
    let err = render_with(&wrong, &outputs).unwrap_err();
    assert!(
        err.contains(&format!("`s.data{}` is a number, it has no `y`", ".x".repeat(20))),
        "{err}"
    );
}

#[test]
fn fields_are_found_in_small_and_large_objects() {
    for size in [1, 12, 13, 60] {
        let record: serde_json::Map<String, Value> = (0..size).map(|i| (format!("k{i}"), json!(i))).collect();
        let mut outputs = StepOutputs::new();
        outputs.insert("s", json!({"data": record}));
        for key in [0, size - 1] {
            let path = format!("{{{{s.data.k{key}}}}}");
            assert_eq!(render_with(&path, &outputs).unwrap(), json!(key), "size {size}");
        }
        let err = render_with("{{s.data.missing}}", &outputs).unwrap_err();
        assert!(err.contains("`s.data` has no field `missing`; it has: k0"), "{err}");
    }
}

#[test]
fn broken_syntax_is_an_error_not_a_panic() {
    for text in [
        "{{#each getOrders.data}}",
        "{{getOrder.data.id",
        "{{}}",
        "{{#if}}{{/each}}",
    ] {
        let message = err(text);
        assert!(message.starts_with("cannot parse"), "{text}: {message}");
        assert!(!message.contains('\n'), "{message}");
    }
}

#[test]
fn what_a_step_does_not_need_is_refused_when_parsed() {
    for (text, reason) in [
        ("{{> header}}", "partials"),
        ("{{#> layout}}x{{/layout}}", "partials"),
        ("{{#*inline \"p\"}}x{{/inline}}", "inline partials"),
        ("{{log getOrder.data}}", "`log` is not a helper"),
        ("{{#raw}}x{{/raw}}", "`raw` is not a helper"),
    ] {
        let message = err(text);
        assert!(message.contains(reason), "{text}: {message}");
    }
    let deep = format!("{}x{}", "{{#if getOrder}}".repeat(9), "{{/if}}".repeat(9));
    assert!(err(&deep).contains("nest more than 8 deep"));
    let lookups = format!("{{{{json {}getOrder{}}}}}", "(lookup ".repeat(9), " 0)".repeat(9));
    assert!(err(&lookups).contains("nest more than 8 deep"), "{}", err(&lookups));
    let eaches =
        "{{#each getOrders.data}}{{#each ../getOrders.data}}{{#each ../../getOrders.data}}x{{/each}}{{/each}}{{/each}}";
    assert!(err(eaches).contains("`#each` blocks nest more than 2 deep"));
}

#[test]
fn rendering_is_bounded_while_it_runs() {
    let long = format!("{{{{getOrder.data.id}}}}{}", "x".repeat(MAX_TEMPLATE_LEN));
    assert!(err(&long).contains("longer than 65536 bytes"));
    let mut big = outputs();
    big.insert("blob", json!({"data": "y".repeat(MAX_RENDERED_LEN)}));
    assert!(
        render_with("{{blob.data}}{{blob.data}}", &big)
            .unwrap_err()
            .contains("renders to more than")
    );
    assert!(
        render_with("{{#if blob.data}}{{blob.data}}{{blob.data}}{{/if}}", &big)
            .unwrap_err()
            .contains("renders to more than")
    );
    // Two nested loops over 1,000 items would run a million times, writing nothing.
    let mut wide = StepOutputs::new();
    wide.insert("l", json!({"data": vec![0; 1000]}));
    let started = std::time::Instant::now();
    let message = render_with("{{#each l.data}}{{#each @root.l.data}}{{/each}}{{/each}}", &wide).unwrap_err();
    assert!(message.contains("would run more than 100000 times"), "{message}");
    assert!(started.elapsed() < MAX_RENDER_TIME, "stopped before running them");
}
