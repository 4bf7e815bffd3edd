//! `cargo xtask codegen`: pinned specs → overlays → operation index, and → passes →
//! progenitor → prettyplease → `crates/bigcommerce-api/src/generated/`.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;

use crate::index::{self, SpecFacts};
use crate::manifest::{Manifest, Overlay, SpecEntry, apply_overlay, load_overlays, verify_checksum};
use crate::passes::PASSES;

/// Where generated files go, relative to the repository root.
pub(crate) const GENERATED_DIR: &str = "crates/bigcommerce-api/src/generated";

/// What `cargo xtask codegen` was asked to do.
pub(crate) struct Options {
    /// The upstream `reference/` folder; defaults to the shared copy beside the repository.
    pub(crate) specs: Option<PathBuf>,
    /// Compare with the committed files instead of writing.
    pub(crate) check: bool,
}

/// The repository root (the parent of `xtask/`).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The shared copy of BigCommerce's specs, beside the repository.
pub(crate) fn default_specs_dir(root: &Path) -> PathBuf {
    root.join("../shared/specs/bigcommerce/reference")
}

/// Runs the generator; in check mode, fails listing every stale file.
pub(crate) fn run(options: &Options) -> Result<()> {
    run_in(&repo_root(), options)
}

/// [`run`] for the repository at `root`.
pub(crate) fn run_in(root: &Path, options: &Options) -> Result<()> {
    let root = root.to_path_buf();
    let specs_dir = options.specs.clone().unwrap_or_else(|| default_specs_dir(&root));
    if !specs_dir.is_dir() {
        bail!(
            "the specs folder {} does not exist; pass the upstream `reference/` folder with --specs DIR",
            specs_dir.display()
        );
    }
    let manifest = Manifest::load(&root.join("specs/manifest.toml"))?;
    check_features(&root, &manifest)?;
    let overlays = load_overlays(&root.join("specs/overlays.toml"))?;
    let outputs = generate_all(&manifest, &overlays, &specs_dir)?;
    let out_dir = root.join(GENERATED_DIR);
    let readme_path = root.join("README.md");
    let readme =
        std::fs::read_to_string(&readme_path).with_context(|| format!("cannot read {}", readme_path.display()))?;
    let table = specs_table(&manifest, &outputs)?;
    let new_readme = with_specs_table(&readme, &table)?;
    if options.check {
        let mut stale = stale_files(&out_dir, &outputs)?;
        if new_readme != readme {
            stale.push("README.md (the table of pinned specs differs)".into());
        }
        if !stale.is_empty() {
            bail!(
                "generated code is stale; run `cargo xtask codegen` and commit the result:\n  {}",
                stale.join("\n  ")
            );
        }
        eprintln!("codegen --check: {} generated files are up to date", outputs.len());
        return Ok(());
    }
    write_outputs(&out_dir, &outputs)?;
    if new_readme != readme {
        std::fs::write(&readme_path, new_readme).with_context(|| format!("cannot write {}", readme_path.display()))?;
    }
    eprintln!("codegen: wrote {} files to {GENERATED_DIR}", outputs.len());
    Ok(())
}

/// Each spec's Cargo feature must exist in `bigcommerce-api` and be part of `full`.
fn check_features(root: &Path, manifest: &Manifest) -> Result<()> {
    let path = root.join("crates/bigcommerce-api/Cargo.toml");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let cargo: toml::Table = toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let features = cargo.get("features").and_then(toml::Value::as_table);
    let full: Vec<&str> = features
        .and_then(|f| f.get("full"))
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
        .unwrap_or_default();
    for entry in &manifest.specs {
        let Some(feature) = &entry.feature else { continue };
        if !features.is_some_and(|f| f.contains_key(feature)) || !full.contains(&feature.as_str()) {
            bail!(
                "spec {} becomes feature `{feature}`: declare it in {} and add it to `full`",
                entry.file,
                path.display()
            );
        }
    }
    Ok(())
}

/// Every generated file, by name inside the generated folder, with its contents.
pub(crate) fn generate_all(
    manifest: &Manifest,
    overlays: &[Overlay],
    specs_dir: &Path,
) -> Result<BTreeMap<String, String>> {
    let mut outputs = BTreeMap::new();
    let mut versions = Vec::new();
    for entry in &manifest.specs {
        let spec_overlays: Vec<&Overlay> = overlays.iter().filter(|o| o.module == entry.module).collect();
        let (client, index, version) = generate_spec(manifest, entry, &spec_overlays, specs_dir)?;
        if let Some(client) = client {
            outputs.insert(format!("{}.rs", entry.module), client);
        }
        outputs.insert(format!("{}.index.json", entry.module), index);
        versions.push(version);
    }
    outputs.insert("mod.rs".into(), specs_module(manifest, &versions));
    Ok(outputs)
}

const TABLE_START: &str = "<!-- specs: written by `cargo xtask codegen` from specs/manifest.toml -->\n";
const TABLE_END: &str = "<!-- /specs -->\n";

/// The README's table of pinned specs, from the manifest and each spec's API version.
fn specs_table(manifest: &Manifest, outputs: &BTreeMap<String, String>) -> Result<String> {
    let mut table =
        String::from("| spec (upstream `reference/…`) | module | Cargo feature | API |\n| --- | --- | --- | --- |\n");
    for entry in &manifest.specs {
        let index: Value = serde_json::from_str(&outputs[&format!("{}.index.json", entry.module)])?;
        let version = index["api_version"].as_str().unwrap_or("?");
        let feature = entry
            .feature
            .as_ref()
            .map_or_else(|| "— (index only)".to_owned(), |f| format!("`{f}`"));
        table.push_str(&format!(
            "| `{}` | `{}` | {feature} | {version} |\n",
            entry.file, entry.module
        ));
    }
    Ok(table)
}

/// `readme` with the text between the table's markers replaced by `table`.
fn with_specs_table(readme: &str, table: &str) -> Result<String> {
    let (Some(start), Some(end)) = (readme.find(TABLE_START), readme.find(TABLE_END)) else {
        bail!(
            "README.md has no table markers ({} … {})",
            TABLE_START.trim(),
            TABLE_END.trim()
        );
    };
    let start = start + TABLE_START.len();
    if end < start {
        bail!("README.md's table markers are in the wrong order");
    }
    Ok(format!("{}{table}{}", &readme[..start], &readme[end..]))
}

/// `generated/mod.rs`: the list of pinned specs, each spec's typed-client module behind its
/// feature, and the hooks that send it through the transport. The manifest is the one
/// hand-written list of specs; everything else that needs it is generated from it.
fn specs_module(manifest: &Manifest, versions: &[&'static str]) -> String {
    let mut text = String::from(
        "// @generated by `cargo xtask codegen` from specs/manifest.toml. Do not edit: change the\n\
         // manifest and run `cargo xtask codegen` again.\n\n\
         //! The pinned BigCommerce specs: one typed client per spec, behind its Cargo feature,\n\
         //! and one operation index per spec, always compiled in.\n\n\
         use crate::ApiVersion;\n\n\
         /// Every pinned upstream spec, in the manifest's order.\n\
         pub const SPECS: &[crate::PinnedSpec] = &[\n",
    );
    for (entry, version) in manifest.specs.iter().zip(versions) {
        text.push_str(&format!(
            "    crate::PinnedSpec {{\n        file: {file:?},\n        module: {module:?},\n        feature: {feature:?},\n        api_version: ApiVersion::{v},\n        sha256: {sha:?},\n    }},\n",
            file = entry.file,
            module = entry.module,
            feature = entry.feature.as_deref(),
            v = version.to_uppercase(),
            sha = entry.sha256,
        ));
    }
    text.push_str("];\n\n/// Each spec's operation index, in the order of [`SPECS`].\npub(crate) const INDEX_SOURCES: &[&str] = &[\n");
    for entry in &manifest.specs {
        text.push_str(&format!("    include_str!(\"{}.index.json\"),\n", entry.module));
    }
    text.push_str("];\n");
    for (entry, version) in manifest.specs.iter().zip(versions) {
        let Some(feature) = &entry.feature else { continue };
        text.push_str(&format!(
            "\ngenerated_module!({feature:?}, {module}, {file:?});\ntyped_client!(\n    {feature:?},\n    {module},\n    ApiVersion::{v},\n    \"The typed client of `{spec}` ({version} API).\"\n);\n",
            module = entry.module,
            file = format!("{}.rs", entry.module),
            v = version.to_uppercase(),
            spec = entry.file,
        ));
    }
    text
}

/// A spec's typed client (when it has a feature), its operation index and its API
/// version.
pub(crate) fn generate_spec(
    manifest: &Manifest,
    entry: &SpecEntry,
    overlays: &[&Overlay],
    specs_dir: &Path,
) -> Result<(Option<String>, String, &'static str)> {
    let path = specs_dir.join(&entry.file);
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read the pinned spec {}", path.display()))?;
    verify_checksum(entry, &path, &bytes)?;
    let mut doc = parse_yaml(&bytes).with_context(|| format!("{} is not valid YAML", entry.file))?;
    for overlay in overlays {
        apply_overlay(&mut doc, overlay).with_context(|| format!("{}: {}", entry.file, overlay.reason))?;
    }
    let facts = SpecFacts {
        module: &entry.module,
        file: &entry.file,
        sha256: &entry.sha256,
    };
    let index =
        index::build(&doc, &facts).with_context(|| format!("{}: cannot build the operation index", entry.file))?;
    let version = match index["api_version"].as_str() {
        Some("v2") => "v2",
        Some("v3") => "v3",
        other => bail!("{}: API version {other:?} is neither v2 nor v3", entry.file),
    };
    let mut index_text = serde_json::to_string_pretty(&index)?;
    index_text.push('\n');
    let operations = index["operations"].as_array().map_or(0, Vec::len);
    if entry.feature.is_none() {
        eprintln!("{:>18}: {operations} operations; index only", entry.module);
        return Ok((None, index_text, version));
    }
    let mut applied = Vec::new();
    for pass in PASSES {
        let changed = (pass.run)(&mut doc);
        if changed > 0 {
            applied.push(format!("{}×{changed}", pass.label));
        }
    }
    eprintln!(
        "{:>18}: {operations} operations; passes {}",
        entry.module,
        applied.join(" ")
    );
    let code = generate_client(&doc).with_context(|| format!("progenitor failed on {}", entry.file))?;
    let header = format!(
        "// @generated by `cargo xtask codegen`. Do not edit: change the generator (xtask/) or\n\
         // specs/overlays.toml and run `cargo xtask codegen` again.\n\
         // Source: {repo}@{commit} reference/{file} (sha256 {sha}).\n\n",
        repo = manifest.upstream.repository,
        commit = manifest.upstream.commit,
        file = entry.file,
        sha = entry.sha256,
    );
    Ok((Some(header + &code), index_text, version))
}

/// YAML to JSON, with non-string keys (BigCommerce writes `200:` unquoted) as strings.
pub(crate) fn parse_yaml(bytes: &[u8]) -> Result<Value> {
    let yaml: serde_norway::Value = serde_norway::from_slice(bytes)?;
    yaml_to_json(yaml)
}

fn yaml_to_json(yaml: serde_norway::Value) -> Result<Value> {
    use serde_norway::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n)?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_>>()?),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (key, value) in map {
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => bail!("unsupported YAML key {other:?}"),
                };
                out.insert(key, yaml_to_json(value)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

/// Serialises progenitor runs: the panic hook is process-wide.
static PANIC_HOOK: Mutex<()> = Mutex::new(());

/// Runs progenitor on one document, turning its panics into errors. When it fails, it is
/// run again on each operation alone to name the operation that breaks it.
fn generate_client(doc: &Value) -> Result<String> {
    match progenitor_once(doc) {
        Ok(code) => Ok(code),
        Err(whole) => Err(match find_failing_operation(doc) {
            Some(culprit) => whole.context(culprit),
            None => whole,
        }),
    }
}

fn progenitor_once(doc: &Value) -> Result<String> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone()).context("not an OpenAPI 3.0 document")?;
    let mut settings = GenerationSettings::default();
    // Every generated client sends through the hand-written transport: it carries the
    // store's client as its inner value, and `bigcommerce_api::typed` implements its hooks
    // (a missing implementation is a compile error).
    let inner: proc_macro2::TokenStream = "crate::typed::Inner"
        .parse()
        .map_err(|e| anyhow::anyhow!("the inner type does not parse: {e}"))?;
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(inner)
        .with_hooks(HooksMode::Expected);
    let tokens = {
        let _guard = PANIC_HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let result = catch_unwind(AssertUnwindSafe(|| Generator::new(&settings).generate_tokens(&spec)));
        std::panic::set_hook(previous);
        match result {
            Ok(tokens) => tokens?,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                bail!("progenitor panicked: {message}");
            }
        }
    };
    let file: syn::File = syn::parse2(tokens).context("progenitor produced tokens that are not a Rust file")?;
    Ok(prettyplease::unparse(&file))
}

fn find_failing_operation(doc: &Value) -> Option<String> {
    let mut bare = doc.clone();
    bare["paths"] = Value::Object(serde_json::Map::new());
    if progenitor_once(&bare).is_err() {
        return Some("it fails on the component schemas alone, before any operation".into());
    }
    let paths = doc.get("paths")?.as_object()?;
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, op) in item {
            let Some(operation_id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut single_item = serde_json::Map::new();
            if let Some(params) = item.get("parameters") {
                single_item.insert("parameters".into(), params.clone());
            }
            single_item.insert(method.clone(), op.clone());
            let mut single = doc.clone();
            single["paths"] = serde_json::json!({ path.clone(): single_item });
            if let Err(err) = progenitor_once(&single) {
                return Some(format!(
                    "operation {operation_id} ({} {path}) fails: {err:#}",
                    method.to_uppercase()
                ));
            }
        }
    }
    None
}

/// Names of generated files that are missing, differ, or should not exist.
pub(crate) fn stale_files(out_dir: &Path, outputs: &BTreeMap<String, String>) -> Result<Vec<String>> {
    let mut stale = Vec::new();
    for (name, contents) in outputs {
        let path = out_dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(current) if current == *contents => {}
            Ok(_) => stale.push(format!("{GENERATED_DIR}/{name} (differs)")),
            Err(_) => stale.push(format!("{GENERATED_DIR}/{name} (missing)")),
        }
    }
    for name in existing_files(out_dir)? {
        if !outputs.contains_key(&name) {
            stale.push(format!("{GENERATED_DIR}/{name} (not generated any more)"));
        }
    }
    Ok(stale)
}

fn existing_files(out_dir: &Path) -> Result<Vec<String>> {
    if !out_dir.exists() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(out_dir).with_context(|| format!("cannot list {}", out_dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

pub(crate) fn write_outputs(out_dir: &Path, outputs: &BTreeMap<String, String>) -> Result<()> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    for name in existing_files(out_dir)? {
        if !outputs.contains_key(&name) {
            std::fs::remove_file(out_dir.join(&name))?;
        }
    }
    for (name, contents) in outputs {
        let path = out_dir.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|current| current == *contents) {
            continue;
        }
        std::fs::write(&path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The committed generated code matches what the pinned specs generate today.
    #[test]
    fn generated_code_is_fresh() {
        let root = repo_root();
        let specs = default_specs_dir(&root);
        if !specs.is_dir() {
            eprintln!(
                "SKIPPED generated_code_is_fresh: {} is absent (CI always has it)",
                specs.display()
            );
            return;
        }
        run(&Options {
            specs: Some(specs),
            check: true,
        })
        .unwrap();
    }

    #[test]
    fn check_names_a_deleted_and_an_edited_file() {
        let dir = tempfile::tempdir().unwrap();
        let outputs: BTreeMap<String, String> = [
            ("a.rs".to_string(), "A".to_string()),
            ("b.rs".to_string(), "B".to_string()),
        ]
        .into();
        write_outputs(dir.path(), &outputs).unwrap();
        assert!(stale_files(dir.path(), &outputs).unwrap().is_empty());
        std::fs::remove_file(dir.path().join("a.rs")).unwrap();
        std::fs::write(dir.path().join("b.rs"), "edited").unwrap();
        std::fs::write(dir.path().join("old.rs"), "").unwrap();
        assert_eq!(
            stale_files(dir.path(), &outputs).unwrap(),
            [
                format!("{GENERATED_DIR}/a.rs (missing)"),
                format!("{GENERATED_DIR}/b.rs (differs)"),
                format!("{GENERATED_DIR}/old.rs (not generated any more)"),
            ]
        );
    }

    #[test]
    fn the_readme_table_is_replaced_between_its_markers_only() {
        let readme = format!("intro\n{TABLE_START}| old |\n{TABLE_END}after\n");
        assert_eq!(
            with_specs_table(&readme, "| new |\n").unwrap(),
            format!("intro\n{TABLE_START}| new |\n{TABLE_END}after\n")
        );
        assert!(with_specs_table("no markers", "x").is_err());
    }

    #[test]
    fn yaml_integer_keys_become_strings() {
        let doc = parse_yaml(b"responses:\n  200:\n    description: ok\n").unwrap();
        assert_eq!(doc, json!({"responses": {"200": {"description": "ok"}}}));
    }

    #[test]
    fn a_progenitor_panic_is_reported_with_the_operation_that_caused_it() {
        let doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": ""},
            "paths": {
                "/fine": {"get": {"operationId": "fine", "responses": {"200": {"description": "ok"}}}},
                "/images": {"post": {
                    "operationId": "createImage",
                    "requestBody": {"content": {
                        "application/json": {"schema": {"type": "object"}},
                        "multipart/form-data": {"schema": {"type": "object"}}
                    }},
                    "responses": {"200": {"description": "ok"}}
                }}
            }
        });
        let err = format!("{:#}", generate_client(&doc).unwrap_err());
        assert!(err.contains("operation createImage (POST /images) fails"), "{err}");
        assert!(err.contains("progenitor panicked"), "{err}");
    }
}
