//! Property tests: no template or parameter value, however odd, makes the executor panic,
//! and every refusal carries a code and a message.

use std::sync::LazyLock;

use bigcommerce_api::TransportConfig;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use syncaut_actions::ACTIONS;
use syncaut_executor::Executor;

/// One executor for every case: building the TLS-capable client is the slow part.
static EXECUTOR: LazyLock<Executor> =
    LazyLock::new(|| Executor::new(&TransportConfig::new("http://127.0.0.1:9").unwrap()).unwrap());

fn outputs() -> syncaut_executor::StepOutputs {
    json!({"getOrder": {"data": {"id": 5, "items": [{"sku": "A"}], "name": "x"}}})
        .as_object()
        .cloned()
        .unwrap()
        .into()
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::from),
        "\\{\\{[a-zA-Z_.\\[\\]0-9 #/]{0,30}\\}\\}".prop_map(Value::from),
        "[a-z ]{0,5}\\{\\{getOrder\\.data\\.[a-z\\[\\]0-9.]{0,12}\\}\\}[a-z ]{0,5}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn preparing_any_parameters_never_panics(action_index in 0..ACTIONS.len(), values in prop::collection::vec(any_json(), 0..6), extra in proptest::option::of("[a-zA-Z_:]{1,12}")) {
        let action = &ACTIONS[action_index];
        let mut params = Map::new();
        for (param, value) in action.params.iter().zip(values) {
            params.insert(param.key.to_owned(), value);
        }
        if let Some(key) = extra {
            params.insert(key, json!(1));
        }
        let prepared = crate::try_step(action.id, Value::Object(params)).and_then(|s| EXECUTOR.prepare(&s, &outputs()));
        match prepared {
            Ok(prepared) => prop_assert!(prepared.request.path.starts_with('/')),
            Err(err) => {
                prop_assert!(!err.code().is_empty());
                prop_assert!(!err.to_string().is_empty());
            }
        }
    }

    #[test]
    fn any_text_as_a_template_renders_or_fails_cleanly(text in ".{0,80}") {
        if let Ok(Some(template)) = syncaut_executor::Template::parse(&text) {
            let _ = template.render(&outputs());
        }
    }

    /// Templates built from the constructs an attacker would reach for: nested blocks,
    /// lookups, partials, raw blocks, unbalanced braces. Parsing and rendering never
    /// panic, and rendering stays within its bounds.
    #[test]
    fn hostile_templates_parse_and_render_within_bounds(pieces in prop::collection::vec(prop_oneof![
        Just("{{#each getOrder.data.items}}".to_owned()),
        Just("{{/each}}".to_owned()),
        Just("{{#if getOrder.data}}".to_owned()),
        Just("{{/if}}".to_owned()),
        Just("{{else}}".to_owned()),
        Just("{{#with getOrder.data}}".to_owned()),
        Just("{{/with}}".to_owned()),
        Just("{{lookup (lookup getOrder.data \"items\") 0}}".to_owned()),
        Just("{{> p}}".to_owned()),
        Just("{{{{raw}}}}x{{{{/raw}}}}".to_owned()),
        Just("{{this}}".to_owned()),
        Just("{{../name}}".to_owned()),
        Just("{{@index}}".to_owned()),
        Just("{{getOrder.data}}".to_owned()),
        Just("{{json getOrder}}".to_owned()),
        Just("{{".to_owned()),
        Just("}}".to_owned()),
        "[a-z ]{0,4}",
    ], 0..12)) {
        let text = pieces.concat();
        if let Ok(Some(template)) = syncaut_executor::Template::parse(&text)
            && let Ok(Value::String(rendered)) = template.render(&outputs())
        {
            prop_assert!(rendered.len() <= syncaut_executor::template::MAX_RENDERED_LEN);
        }
    }

    #[test]
    fn any_step_name_or_store_hash_is_checked_without_panic(name in ".{0,20}", hash in ".{0,20}") {
        let checked = syncaut_executor::Step::new(
            &name,
            "get_orders",
            &hash,
            syncaut_executor::CredentialSource::Named("c".into()),
            &Map::new(),
        );
        if let Err(err) = checked {
            prop_assert!(matches!(err.code(), "invalid_step_name" | "invalid_store_hash"), "{}", err.code());
        }
    }
}
