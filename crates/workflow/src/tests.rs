use super::*;

fn error(text: &str) -> String {
    Plan::parse(text).unwrap_err().to_string()
}

const GOOD: &str = "name: Ship\ndefaults:\n  storeHash: abc123xyz\n  credential: shop\nsteps:\n  - name: awaiting\n    action: get_orders\n    params:\n      status_id: 11\n  - name: ship\n    action: update_order\n    params:\n      orderId: \"{{awaiting.data.[0].id}}\"\n      status_id: 2\n";

#[test]
fn a_good_file_parses_with_defaults_and_lines() {
    let plan = Plan::parse(GOOD).unwrap();
    assert_eq!(plan.name.as_deref(), Some("Ship"));
    assert_eq!(plan.steps.iter().map(|s| s.line).collect::<Vec<_>>(), [6, 10]);
    assert_eq!(
        plan.steps[1].store_hash.as_ref().map(StoreHash::as_str),
        Some("abc123xyz")
    );
    assert_eq!(plan.steps[1].credential, Some(CredentialRef::Named("shop".into())));
    plan.check_target(&Target::AsWritten).unwrap();
}

#[test]
fn duplicate_step_names_are_rejected_with_both_lines() {
    let text = GOOD.replace("name: ship", "name: awaiting");
    assert_eq!(
        error(&text),
        "line 10: step name `awaiting` is already used by the step on line 6; step names must be unique"
    );
}

#[test]
fn duplicate_keys_are_an_error_with_their_line() {
    let text = GOOD.replace("      status_id: 2\n", "      status_id: 2\n      status_id: 5\n");
    assert_eq!(
        error(&text),
        "line 15: steps[1].params: duplicate key `status_id`: each key may appear once in a mapping"
    );
    let nested = "steps:\n  - name: a\n    action: get_orders\n    name: b\n";
    assert!(error(nested).contains("duplicate field `name`"), "{}", error(nested));
}

#[test]
fn references_to_later_or_unknown_steps_are_rejected() {
    let later = "steps:\n  - name: first\n    action: get_order\n    params:\n      orderId: \"{{second.data.id}}\"\n  - name: second\n    action: get_orders\n";
    assert_eq!(
        error(later),
        "line 5: `orderId` refers to step `second`, which runs later (line 6); a step can only use earlier steps' outputs"
    );
    let unknown = GOOD.replace("{{awaiting.data", "{{waiting.data");
    assert_eq!(
        error(&unknown),
        "line 13: `orderId` refers to `waiting`, which is not a step of this workflow; earlier steps: awaiting"
    );
    let itself = "steps:\n  - name: a\n    action: get_order\n    params:\n      orderId: \"{{a.data.id}}\"\n";
    assert!(error(itself).contains("the step itself"));
    let in_block = "steps:\n  - name: a\n    action: get_orders\n  - name: b\n    action: get_order\n    params:\n      orderId: \"{{#if c.data}}1{{/if}}\"\n";
    assert!(error(in_block).contains("refers to `c`"), "{}", error(in_block));
}

#[test]
fn unknown_actions_and_parameters_are_rejected() {
    assert_eq!(
        error(&GOOD.replace("action: update_order", "action: update_ordr")),
        "line 10: unknown action `update_ordr`; did you mean update_order, delete_order, update_product?"
    );
    assert_eq!(
        error(&GOOD.replace("status_id: 2", "status: 2")),
        "line 14: unknown parameter `status` for update_order; its parameters are: orderId, status_id"
    );
}

/// A bad literal in step 3 is found before step 1 writes anything.
#[test]
fn literal_values_are_checked_before_any_step_runs() {
    let text = GOOD.replace("status_id: 2", "status_id: Shiped");
    assert!(
        error(&text).starts_with("line 14: status_id: must be one of 0 (Incomplete)"),
        "{}",
        error(&text)
    );
    let text = GOOD.replace("status_id: 11", "status_id: \"{{x\"");
    assert!(
        error(&text).starts_with("line 9: status_id: cannot render"),
        "{}",
        error(&text)
    );
}

#[test]
fn yaml_errors_and_unknown_keys_carry_the_line() {
    assert!(error("steps:\n  - name: a\n    action: [\n").starts_with("line "));
    assert!(
        error(&GOOD.replace("    action: get_orders", "    action: get_orders\n    stepName: x"))
            .contains("unknown field `stepName`")
    );
    assert_eq!(
        error("steps: []\n"),
        "the workflow has no steps; add a list under `steps:`"
    );
    assert!(
        error("steps:\n  - name: get orders\n    action: get_orders\n")
            .starts_with("line 2: step name `get orders` is not valid: it contains a space")
    );
    assert!(
        error("steps:\n  - name: get.orders\n    action: get_orders\n").contains("separates the fields of a reference")
    );
    assert!(
        error("steps:\n  - name: a\n    action: get_orders\n    storeHash: ABC\n")
            .starts_with("line 4: store hash `ABC`")
    );
}

#[test]
fn steps_without_store_or_credential_are_rejected_unless_overridden() {
    let bare = "steps:\n  - name: a\n    action: get_orders\n";
    let plan = Plan::parse(bare).unwrap();
    assert_eq!(
        plan.check_target(&Target::AsWritten).unwrap_err().to_string(),
        "line 2: step `a` has no storeHash: add `storeHash: …` to it or to `defaults:`"
    );
    let target = Target::Override {
        store_hash: StoreHash::new("abc").unwrap(),
        token: SecretString::from("t"),
    };
    plan.check_target(&target).unwrap();
}

#[test]
fn token_env_cannot_name_syncauts_own_settings() {
    for var in ["SYNCAUT_MASTER_KEY", "syncaut_api_key", "SYNCAUT_BIGCOMMERCE_API_URL"] {
        let text = format!("steps:\n  - name: a\n    action: get_orders\n    storeHash: abc\n    tokenEnv: {var}\n");
        assert!(error(&text).starts_with("line 5: tokenEnv"), "{var}: {}", error(&text));
        assert!(
            error(&text).contains("names one of syncaut's own settings"),
            "{}",
            error(&text)
        );
    }
    let text = "steps:\n  - name: a\n    action: get_orders\n    storeHash: abc\n    tokenEnv: \"BC TOKEN\"\n";
    assert!(error(text).contains("is not an environment variable name"));
}

/// Edition 2024 makes setting a variable unsafe (and this workspace forbids unsafe code),
/// so the empty case runs in a child process given the variable.
#[test]
fn an_empty_token_variable_says_it_is_empty_not_unset() {
    if let Ok(var) = std::env::var("WORKFLOW_TEST_CHILD_VAR") {
        let empty = token_from_env(&var).unwrap_err().to_string();
        assert!(
            empty.contains("the environment variable EMPTY_TOKEN_7F3A is empty"),
            "{empty}"
        );
        return;
    }
    let unset = token_from_env("BC_TOKEN_TEST_UNSET_7F3A").unwrap_err().to_string();
    assert!(unset.contains("is not set"), "{unset}");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "tests::an_empty_token_variable_says_it_is_empty_not_unset"])
        .env("EMPTY_TOKEN_7F3A", "   ")
        .env("WORKFLOW_TEST_CHILD_VAR", "EMPTY_TOKEN_7F3A")
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stdout));
    assert!(String::from_utf8_lossy(&status.stdout).contains("1 passed"));
}

#[test]
fn a_preview_needs_no_token_and_shows_references_as_written() {
    let text = "defaults:\n  storeHash: abc123\n  tokenEnv: TEST_UNSET_TOKEN_VAR_7F3A\nsteps:\n  - name: a\n    action: get_orders\n  - name: b\n    action: get_order\n    params:\n      orderId: \"{{a.data.[0].id}}\"\n";
    let plan = Plan::parse(text).unwrap();
    let config = TransportConfig::new("http://127.0.0.1:9").unwrap();
    let previews = plan.preview(&config, &Target::AsWritten).unwrap();
    assert_eq!(
        previews[1].url,
        "http://127.0.0.1:9/stores/abc123/v2/orders/{{a.data.[0].id}}"
    );
    assert_eq!(previews[1].headers["X-Auth-Token"], "[redacted]");
}

#[test]
fn large_files_parse_in_linear_time_and_are_bounded() {
    let mut text = String::from("defaults:\n  storeHash: abc\n  credential: c\nsteps:\n");
    for i in 0..450 {
        text.push_str(&format!(
            "  - name: s{i}\n    action: get_order\n    params:\n      orderId: {}\n      # {}\n",
            i + 1,
            "x".repeat(400)
        ));
    }
    assert!(text.len() > 200_000, "{}", text.len());
    let started = std::time::Instant::now();
    let plan = Plan::parse(&text).unwrap();
    assert_eq!(plan.steps.len(), 450);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let mut too_many = String::from("steps:\n");
    for i in 0..=file::MAX_STEPS {
        too_many.push_str(&format!("  - name: s{i}\n    action: get_orders\n"));
    }
    assert_eq!(
        error(&too_many),
        "the workflow has 501 steps; the most a workflow may have is 500"
    );
    let huge = format!("{text}#{}", "y".repeat(file::MAX_FILE_BYTES));
    assert!(error(&huge).contains("the most a workflow file may hold"));
}

#[test]
fn yaml_aliases_cannot_expand_without_limit() {
    let mut text = String::from(
        "steps:\n  - name: a\n    action: get_orders\n    params:\n      keyword: &a [x,x,x,x,x,x,x,x,x]\n",
    );
    let mut previous = 'a';
    for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
        text.push_str(&format!("      {name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"));
        previous = name;
    }
    let started = std::time::Instant::now();
    assert!(Plan::parse(&text).is_err());
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn template_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{{a.data.id}}".to_owned()),
            Just("{{#each a.data}}{{id}}{{/each}}".to_owned()),
            Just("{{#if a.data}}x{{else}}y{{/if}}".to_owned()),
            Just("{{> partial}}".to_owned()),
            Just("{{#*inline \"p\"}}{{/inline}}".to_owned()),
            Just("{{lookup a.data 0}}".to_owned()),
            Just("{{{{raw}}}}".to_owned()),
            Just("{{".to_owned()),
            Just("}}".to_owned()),
            Just("\\{{".to_owned()),
            "\\{\\{[#/>!~^&*]?[a-z .\\[\\]0-9@]{0,12}\\}\\}",
            "[a-z 0-9]{0,6}",
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::collection::vec(template_piece(), 0..6).prop_map(|p| format!("{:?}", p.concat())),
            "-?[0-9]{1,22}",
            Just("true".to_owned()),
            Just("null".to_owned()),
            Just("[1, 2]".to_owned()),
            Just("{x: 1}".to_owned()),
            Just("&a [1]".to_owned()),
            Just("*a".to_owned()),
        ]
    }

    fn step() -> impl Strategy<Value = String> {
        (
            prop_oneof![Just("a".to_owned()), Just("b".to_owned()), "[a-zA-Z_.\\- ]{0,8}"],
            prop_oneof![
                Just("get_orders".to_owned()),
                Just("get_order".to_owned()),
                Just("update_order".to_owned()),
                Just("create_product".to_owned()),
                "[a-z_]{0,12}",
            ],
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("orderId".to_owned()),
                        Just("status_id".to_owned()),
                        Just("name".to_owned()),
                        Just("price".to_owned()),
                        Just("return_all".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    value(),
                ),
                0..4,
            ),
        )
            .prop_map(|(name, action, params)| {
                let mut text =
                    format!("  - name: {name:?}\n    action: {action}\n    storeHash: abc\n    credential: c\n");
                if !params.is_empty() {
                    text.push_str("    params:\n");
                    for (key, value) in params {
                        text.push_str(&format!("      {key}: {value}\n"));
                    }
                }
                text
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

        /// Structured files with hostile names, templates and values: parsing (and
        /// previewing what parses) never panics, and every refusal says why.
        #[test]
        fn workflow_files_parse_or_fail_cleanly(steps in prop::collection::vec(step(), 1..5)) {
            let text = format!("steps:\n{}", steps.concat());
            match Plan::parse(&text) {
                Ok(plan) => {
                    let config = TransportConfig::new("http://127.0.0.1:9").unwrap();
                    let previews = plan.preview(&config, &Target::AsWritten).unwrap();
                    prop_assert_eq!(previews.len(), plan.steps.len());
                }
                Err(err) => prop_assert!(!err.reason.is_empty()),
            }
        }

        /// Any text at all.
        #[test]
        fn any_text_parses_or_fails_cleanly(text in ".{0,300}") {
            if let Err(err) = Plan::parse(&text) {
                prop_assert!(!err.reason.is_empty());
            }
        }
    }
}
