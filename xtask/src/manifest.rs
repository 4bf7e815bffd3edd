//! `specs/manifest.toml` (which upstream files we build from, pinned by sha256) and
//! `specs/overlays.toml` (our fixes for upstream defects).

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The whole manifest.
#[derive(Debug, Deserialize)]
pub(crate) struct Manifest {
    /// Where the specs come from.
    pub(crate) upstream: Upstream,
    /// One entry per spec file.
    #[serde(rename = "spec")]
    pub(crate) specs: Vec<SpecEntry>,
}

/// The upstream repository and the commit the files are pinned at.
#[derive(Debug, Deserialize)]
pub(crate) struct Upstream {
    /// The repository, as a reader would find it.
    pub(crate) repository: String,
    /// The pinned commit.
    pub(crate) commit: String,
}

/// One pinned spec file and what it becomes.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SpecEntry {
    /// Path below the upstream `reference/` folder.
    pub(crate) file: String,
    /// Expected sha256 of the file, lowercase hex.
    pub(crate) sha256: String,
    /// Rust module (and file stem) of the generated client and index.
    pub(crate) module: String,
    /// Cargo feature of `bigcommerce-api` that compiles the client. A spec without one is
    /// pinned for its operation index only (the registry's option sources are checked
    /// against it) and gets no typed client.
    #[serde(default)]
    pub(crate) feature: Option<String>,
}

impl Manifest {
    /// Reads and checks the manifest.
    pub(crate) fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let manifest: Self =
            toml::from_str(&text).with_context(|| format!("{} is not a valid manifest", path.display()))?;
        let mut modules: Vec<&str> = manifest.specs.iter().map(|s| s.module.as_str()).collect();
        modules.sort_unstable();
        if let Some(dup) = modules.windows(2).find(|w| w[0] == w[1]) {
            bail!("{}: module `{}` is listed twice", path.display(), dup[0]);
        }
        Ok(manifest)
    }
}

/// Hex sha256 of some bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses a spec file whose checksum is not the pinned one, saying which file and what
/// to do about it.
pub(crate) fn verify_checksum(entry: &SpecEntry, path: &Path, bytes: &[u8]) -> Result<()> {
    let actual = sha256_hex(bytes);
    if actual == entry.sha256 {
        return Ok(());
    }
    bail!(
        "{file}: sha256 is {actual}, but specs/manifest.toml pins {expected}.\n\
         The file at {path} is not the pinned upstream version. If BigCommerce changed it and you \
         mean to follow, update the commit and this sha256 in specs/manifest.toml, run \
         `cargo xtask codegen`, and read the registry conformance test; otherwise restore the file.",
        file = entry.file,
        expected = entry.sha256,
        path = path.display(),
    )
}

/// One fix for an upstream defect, applied to the parsed spec before anything else.
#[derive(Debug, Deserialize)]
pub(crate) struct Overlay {
    /// The module (spec) it applies to.
    pub(crate) module: String,
    /// JSON pointer into the document.
    pub(crate) pointer: String,
    /// The value to put there (absent with `remove = true`).
    pub(crate) value: Option<toml::Value>,
    /// Remove what is at `pointer` instead of setting it.
    #[serde(default)]
    pub(crate) remove: bool,
    /// One line: which defect and why this fixes it.
    pub(crate) reason: String,
}

#[derive(Debug, Default, Deserialize)]
struct OverlayFile {
    #[serde(default, rename = "overlay")]
    overlays: Vec<Overlay>,
}

/// Reads `specs/overlays.toml`; a missing file means no overlays.
pub(crate) fn load_overlays(path: &Path) -> Result<Vec<Overlay>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: OverlayFile =
        toml::from_str(&text).with_context(|| format!("{} is not a valid overlay file", path.display()))?;
    for overlay in &file.overlays {
        if overlay.reason.trim().is_empty() {
            bail!("overlay {} {} has no reason", overlay.module, overlay.pointer);
        }
        if overlay.remove == overlay.value.is_some() {
            bail!(
                "overlay {} {} needs exactly one of `value` or `remove = true`",
                overlay.module,
                overlay.pointer
            );
        }
    }
    Ok(file.overlays)
}

/// Applies one overlay. An overlay whose target no longer exists is an error, so a
/// stale fix is noticed when upstream changes.
pub(crate) fn apply_overlay(doc: &mut Value, overlay: &Overlay) -> Result<()> {
    let (parent_pointer, last) = overlay
        .pointer
        .rsplit_once('/')
        .with_context(|| format!("overlay pointer `{}` must start with /", overlay.pointer))?;
    let key = last.replace("~1", "/").replace("~0", "~");
    let parent = doc.pointer_mut(parent_pointer).with_context(|| {
        format!(
            "overlay for {}: `{}` does not exist (upstream changed?)",
            overlay.module, parent_pointer
        )
    })?;
    let stale = || {
        format!(
            "overlay for {}: `{}` does not exist (upstream changed?)",
            overlay.module, overlay.pointer
        )
    };
    match (parent, overlay.remove) {
        (Value::Object(map), true) => {
            map.shift_remove(&key).with_context(stale)?;
        }
        (Value::Array(items), true) => {
            let index: usize = key.parse().with_context(stale)?;
            if index >= items.len() {
                bail!(stale());
            }
            items.remove(index);
        }
        (Value::Object(map), false) => {
            let value = overlay.value.clone().map(toml_to_json).unwrap_or(Value::Null);
            map.insert(key, value);
        }
        (Value::Array(items), false) => {
            let index: usize = key.parse().with_context(stale)?;
            let slot = items.get_mut(index).with_context(stale)?;
            *slot = overlay.value.clone().map(toml_to_json).unwrap_or(Value::Null);
        }
        _ => bail!(
            "overlay for {}: `{}` is not inside an object or array",
            overlay.module,
            overlay.pointer
        ),
    }
    Ok(())
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(table.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(sha256: &str) -> SpecEntry {
        SpecEntry {
            file: "orders.v2.oas2.yml".into(),
            sha256: sha256.into(),
            module: "orders".into(),
            feature: Some("orders".into()),
        }
    }

    #[test]
    fn a_changed_byte_is_refused_naming_the_file_and_the_fix() {
        let pinned = sha256_hex(b"openapi: 3.0.0\n");
        assert!(verify_checksum(&entry(&pinned), Path::new("x"), b"openapi: 3.0.0\n").is_ok());
        let err = verify_checksum(&entry(&pinned), Path::new("x"), b"openapi: 3.0.1\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("orders.v2.oas2.yml: sha256 is "), "{err}");
        assert!(
            err.contains("update the commit and this sha256 in specs/manifest.toml"),
            "{err}"
        );
    }

    #[test]
    fn overlays_set_and_remove_and_refuse_stale_targets() {
        let mut doc = json!({"paths": {"/a/{id}": {"get": {"parameters": [1, 2]}}}});
        let set: Overlay = toml::from_str(
            "module = 'm'\npointer = '/paths/~1a~1{id}/get/summary'\nvalue = 'Fixed'\nreason = 'missing summary'",
        )
        .unwrap();
        apply_overlay(&mut doc, &set).unwrap();
        assert_eq!(doc.pointer("/paths/~1a~1{id}/get/summary").unwrap(), "Fixed");
        let remove: Overlay = toml::from_str(
            "module = 'm'\npointer = '/paths/~1a~1{id}/get/parameters/0'\nremove = true\nreason = 'dup'",
        )
        .unwrap();
        apply_overlay(&mut doc, &remove).unwrap();
        assert_eq!(doc.pointer("/paths/~1a~1{id}/get/parameters").unwrap(), &json!([2]));
        let stale: Overlay =
            toml::from_str("module = 'm'\npointer = '/paths/~1gone/get'\nremove = true\nreason = 'x'").unwrap();
        let err = apply_overlay(&mut doc, &stale).unwrap_err().to_string();
        assert!(err.contains("does not exist (upstream changed?)"), "{err}");
    }

    #[test]
    fn the_repository_manifest_loads_and_names_each_module_once() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = Manifest::load(&root.join("specs/manifest.toml")).unwrap();
        assert!(manifest.specs.iter().any(|s| s.module == "orders"));
        assert!(manifest.specs.iter().all(|s| s.sha256.len() == 64));
        load_overlays(&root.join("specs/overlays.toml")).unwrap();
    }
}
