//! Every exported form renders in a stock JSON Schema form library in a real browser:
//! `tests/forms/` (react-jsonschema-form 6 with Ajv's 2020-12 validator, no uiSchema)
//! in Debian's headless Chromium. Each form is screenshotted; the test fails on any
//! unsupported field, console error or render error, and checks what an untouched form
//! submits.
//!
//! Needs `/usr/bin/chromium` and `npm ci --prefix tests/forms` (`.ci/run` installs both);
//! outside CI it skips with a message when either is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{private_dir, stderr, syncaut};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/forms")
}

/// Where the screenshots stay after the run, for people (and CI artifacts) to look at.
fn screenshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/form-screenshots")
}

fn ready() -> Result<(), String> {
    if !Path::new("/usr/bin/chromium").exists() {
        return Err("Chromium is not installed (apt-get install chromium)".into());
    }
    if !forms_dir().join("node_modules/@rjsf/core").is_dir() {
        return Err("the form harness is not installed (npm ci --prefix tests/forms)".into());
    }
    Ok(())
}

#[test]
fn every_form_renders_in_a_stock_form_library() {
    if let Err(why) = ready() {
        assert!(std::env::var("CI").is_err(), "CI must run the browser test: {why}");
        eprintln!("SKIPPED browser form test: {why}");
        return;
    }
    let dir = private_dir();
    let schemas = dir.path().join("schemas");
    let exported = syncaut(
        dir.path(),
        None,
        &["actions", "export", "--out", schemas.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert!(exported.status.success(), "{}", stderr(&exported));
    let out = screenshots_dir();
    let _ = std::fs::remove_dir_all(&out);
    let ran = Command::new("node")
        .arg(forms_dir().join("run.mjs"))
        .arg(&schemas)
        .arg(&out)
        .output()
        .unwrap();
    assert!(ran.status.success(), "the harness failed: {}", stderr(&ran));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let index: Value = serde_json::from_str(&std::fs::read_to_string(schemas.join("index.json")).unwrap()).unwrap();
    let forms = report["forms"].as_array().unwrap();
    assert_eq!(
        forms.len(),
        1 + index["actions"].as_array().unwrap().len(),
        "every form was rendered"
    );
    let mut problems = Vec::new();
    for form in forms {
        let name = form["name"].as_str().unwrap();
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(schemas.join(format!("{name}.json"))).unwrap()).unwrap();
        if !form["unsupported"].as_array().unwrap().is_empty() {
            problems.push(format!("{name}: unsupported fields {}", form["unsupported"]));
        }
        let errors: Vec<&Value> = form["consoleErrors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] != "warning")
            .collect();
        if !errors.is_empty() {
            problems.push(format!("{name}: console errors {errors:?}"));
        }
        if !form["renderError"].is_null() {
            problems.push(format!("{name}: render error {}", form["renderError"]));
        }
        if !Path::new(&out).join(format!("{name}.png")).exists() {
            problems.push(format!("{name}: no screenshot"));
        }
        let fields = form["fields"].as_array().unwrap();
        let properties = schema["properties"].as_object().unwrap();
        if fields.len() != properties.len() {
            problems.push(format!(
                "{name}: {} fields rendered for {} properties",
                fields.len(),
                properties.len()
            ));
        }
        // Titled choices are selects showing their titles.
        for (key, property) in properties {
            let Some(options) = property["oneOf"].as_array() else {
                continue;
            };
            let field = fields.iter().find(|f| f["id"] == format!("root_{key}"));
            let shown: Vec<&str> = field
                .and_then(|f| f["options"].as_array())
                .map(|o| o.iter().filter_map(Value::as_str).filter(|t| !t.is_empty()).collect())
                .unwrap_or_default();
            let titles: Vec<&str> = options.iter().filter_map(|o| o["title"].as_str()).collect();
            if field.map(|f| &f["kind"]) != Some(&Value::from("select")) || shown != titles {
                problems.push(format!("{name}.{key}: not a select of its titles: {field:?}"));
            }
        }
        // An untouched form: required fields are named in the errors; otherwise it submits
        // nothing but the defaults the schema states.
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let submit = &form["emptySubmit"];
        if required.is_empty() {
            let defaults: serde_json::Map<String, Value> = properties
                .iter()
                .filter_map(|(k, p)| p.get("default").map(|d| (k.clone(), d.clone())))
                .collect();
            if submit["submitted"] != true || submit["formData"] != Value::Object(defaults.clone()) {
                problems.push(format!(
                    "{name}: an untouched form submits {} (defaults {defaults:?})",
                    submit["formData"]
                ));
            }
        } else {
            for key in required {
                let title = properties[key]["title"].as_str().unwrap();
                let wanted = format!("must have required property '{title}'");
                if !submit["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e == &Value::from(wanted.clone()))
                {
                    problems.push(format!(
                        "{name}: an empty submit does not say {wanted}: {}",
                        submit["errors"]
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "forms that do not render well:\n{}",
        problems.join("\n")
    );
}
