//! `cargo xtask specs diff|bump`: from a new release of BigCommerce's specs to an impact
//! report (Markdown, fit for a pull request) and, with `bump`, the regenerated bindings.
//!
//! The report compares each pinned file of the new release with the pinned version (the
//! committed operation index and typed client): operations added, removed, deprecated
//! and changed (parameters, required body fields, response properties, scopes), upstream
//! files that appeared or disappeared, the generated types and functions that changed, and
//! which actions and option sources the registry's conformance check now faults, with its
//! own messages. Exit status: 0 when nothing in the registry is affected, 1 when something
//! is, 2 on error.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use bigcommerce_api::index::{Operation, ParamLocation, SpecIndex, Specs};
use serde_json::Value;

use crate::codegen::{self, GENERATED_DIR};
use crate::manifest::{Manifest, SpecEntry, load_overlays, sha256_hex};

/// The list of every spec file in the upstream folder at the pinned commit, so that new
/// and removed upstream files can be reported.
pub(crate) const UPSTREAM_FILES: &str = "specs/upstream-files.txt";

/// What `cargo xtask specs` was asked to do.
pub(crate) struct Options {
    /// The repository root.
    pub(crate) root: PathBuf,
    /// The new release's `reference/` folder.
    pub(crate) specs: PathBuf,
    /// Write the manifest, the upstream file list and the generated code (`bump`).
    pub(crate) write: bool,
    /// The upstream commit of the new release.
    pub(crate) commit: Option<String>,
    /// Its date, `YYYY-MM-DD`.
    pub(crate) date: Option<String>,
    /// Also write the report to this file.
    pub(crate) report: Option<PathBuf>,
}

/// The outcome: the report and whether the registry is affected.
pub(crate) struct Outcome {
    /// The Markdown report.
    pub(crate) report: String,
    /// Actions or option sources the new specs fault.
    pub(crate) affected: usize,
    /// Whether anything differs from the pinned release.
    pub(crate) changed: bool,
}

/// One spec of the new release, compared with the pinned one.
struct SpecChange {
    entry: SpecEntry,
    new_sha: Option<String>,
    old: SpecIndex,
    new: Option<(SpecIndex, String)>,
    new_client: Option<String>,
}

/// Every `.yml`/`.yaml` file below `dir`, as paths relative to it, sorted.
fn list_spec_files(dir: &Path) -> Result<BTreeSet<String>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) -> Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                walk(base, &path, out)?;
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                let relative = path.strip_prefix(base).unwrap_or(&path);
                out.insert(relative.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut files = BTreeSet::new();
    walk(dir, dir, &mut files)?;
    Ok(files)
}

fn read_upstream_list(root: &Path) -> Result<BTreeSet<String>> {
    let path = root.join(UPSTREAM_FILES);
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

fn upstream_list_text(files: &BTreeSet<String>) -> String {
    let mut text = String::from(
        "# Every spec file in BigCommerce's `reference/` folder at the pinned commit (see\n\
         # specs/manifest.toml). Written by `cargo xtask specs bump`; `specs diff` reports files\n\
         # that appear or disappear upstream.\n",
    );
    for file in files {
        text.push_str(file);
        text.push('\n');
    }
    text
}

/// Compares the release in `options.specs` with the pinned one and, for `bump`, writes
/// the result. Returns the report.
pub(crate) fn run(options: &Options) -> Result<Outcome> {
    let root = &options.root;
    if !options.specs.is_dir() {
        bail!("the specs folder {} does not exist", options.specs.display());
    }
    let manifest = Manifest::load(&root.join("specs/manifest.toml"))?;
    let overlays = load_overlays(&root.join("specs/overlays.toml"))?;
    let out_dir = root.join(GENERATED_DIR);

    let known = read_upstream_list(root)?;
    let present = list_spec_files(&options.specs)?;
    let appeared: Vec<&String> = present.difference(&known).collect();
    let disappeared: Vec<&String> = known.difference(&present).collect();

    let mut changes = Vec::new();
    for entry in &manifest.specs {
        let old_text =
            std::fs::read_to_string(out_dir.join(format!("{}.index.json", entry.module))).with_context(|| {
                format!(
                    "the committed index of {} is missing; run `cargo xtask codegen`",
                    entry.module
                )
            })?;
        let old: SpecIndex = serde_json::from_str(&old_text)?;
        let path = options.specs.join(&entry.file);
        let Ok(bytes) = std::fs::read(&path) else {
            changes.push(SpecChange {
                entry: entry.clone(),
                new_sha: None,
                old,
                new: None,
                new_client: None,
            });
            continue;
        };
        let sha = sha256_hex(&bytes);
        if sha == entry.sha256 {
            let same: SpecIndex = serde_json::from_str(&old_text)?;
            changes.push(SpecChange {
                entry: entry.clone(),
                new_sha: Some(sha),
                old,
                new: Some((same, old_text)),
                new_client: None,
            });
            continue;
        }
        let bumped = SpecEntry {
            sha256: sha.clone(),
            ..entry.clone()
        };
        let spec_overlays: Vec<_> = overlays.iter().filter(|o| o.module == entry.module).collect();
        let (client, index_text, _) = codegen::generate_spec(&manifest, &bumped, &spec_overlays, &options.specs)?;
        let new: SpecIndex = serde_json::from_str(&index_text)?;
        changes.push(SpecChange {
            entry: entry.clone(),
            new_sha: Some(sha),
            old,
            new: Some((new, index_text)),
            new_client: client,
        });
    }

    // The registry against the new indexes (a vanished spec contributes nothing).
    let new_sources: Vec<&str> = changes
        .iter()
        .filter_map(|c| c.new.as_ref().map(|(_, text)| text.as_str()))
        .collect();
    let new_specs = Specs::from_sources(&new_sources)?;
    let mut faulted: Vec<(String, Vec<String>)> = Vec::new();
    let mut unaffected: Vec<String> = Vec::new();
    for action in syncaut_actions::ACTIONS {
        let problems: Vec<String> = syncaut_actions::conformance::check_against(action, &new_specs)
            .into_iter()
            .map(|m| m.problem)
            .collect();
        if problems.is_empty() {
            unaffected.push(action.id.to_owned());
        } else {
            faulted.push((action.id.to_owned(), problems));
        }
    }
    for source in syncaut_actions::options::OPTION_SOURCES {
        let problems = syncaut_actions::conformance::check_source_against(source, &new_specs);
        let name = format!("option source `{}`", source.id);
        if problems.is_empty() {
            unaffected.push(name);
        } else {
            faulted.push((name, problems));
        }
    }

    let changed_specs: Vec<&SpecChange> = changes
        .iter()
        .filter(|c| c.new_sha.as_deref() != Some(c.entry.sha256.as_str()))
        .collect();
    let changed = !changed_specs.is_empty() || !appeared.is_empty() || !disappeared.is_empty();
    let report = render(
        &manifest,
        options,
        &changes,
        &appeared,
        &disappeared,
        &faulted,
        &unaffected,
        &out_dir,
    )?;

    if options.write && (changed || options.commit.is_some() || options.date.is_some()) {
        write_bump(root, options, &manifest, &changes, &present)?;
    }
    if let Some(path) = &options.report {
        std::fs::write(path, &report).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Outcome {
        report,
        affected: faulted.len(),
        changed,
    })
}

/// Records the new checksums (and commit and date), the upstream file list, and
/// regenerates the bindings.
fn write_bump(
    root: &Path,
    options: &Options,
    manifest: &Manifest,
    changes: &[SpecChange],
    present: &BTreeSet<String>,
) -> Result<()> {
    if let Some(missing) = changes.iter().find(|c| c.new_sha.is_none()) {
        bail!(
            "{} is pinned but absent from {}: remove it from specs/manifest.toml (and move its actions) before bumping",
            missing.entry.file,
            options.specs.display()
        );
    }
    let path = root.join("specs/manifest.toml");
    let mut text = std::fs::read_to_string(&path)?;
    for change in changes {
        if let Some(new) = &change.new_sha
            && new != &change.entry.sha256
        {
            text = text.replace(
                &format!("sha256 = \"{}\"", change.entry.sha256),
                &format!("sha256 = \"{new}\""),
            );
        }
    }
    if let Some(commit) = &options.commit {
        text = text.replace(
            &format!("commit = \"{}\"", manifest.upstream.commit),
            &format!("commit = \"{commit}\""),
        );
    }
    if let Some(date) = &options.date {
        if !is_date(date) {
            bail!("--date `{date}` is not YYYY-MM-DD");
        }
        text = replace_line_value(&text, "committed", date);
    }
    std::fs::write(&path, text)?;
    std::fs::write(root.join(UPSTREAM_FILES), upstream_list_text(present))?;
    codegen::run_in(
        root,
        &codegen::Options {
            specs: Some(options.specs.clone()),
            check: false,
        },
    )
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// `key = "…"` on its own line, with a new value.
fn replace_line_value(text: &str, key: &str, value: &str) -> String {
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with(&format!("{key} =")) {
                format!("{key} = \"{value}\"")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

type Key = (String, String);

fn key(op: &Operation) -> Key {
    (op.method.clone(), op.path.clone())
}

fn location(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

fn param_type(p: &bigcommerce_api::index::Parameter) -> String {
    match (&p.type_name, &p.items_type) {
        (Some(t), Some(items)) => format!("{t} of {items}"),
        (Some(t), None) => t.clone(),
        (None, _) => "untyped".into(),
    }
}

/// The top-level properties of a 2xx response (inside V3's `data` when there is one).
fn response_properties(spec: &SpecIndex, op: &Operation) -> BTreeSet<String> {
    let Some(schema) = op.response.as_ref().and_then(|r| r.schema.as_ref()) else {
        return BTreeSet::new();
    };
    let resolved = spec.resolve(schema);
    let mut target = resolved.clone();
    if let Some(data) = resolved.pointer("/properties/data") {
        target = data.get("items").cloned().unwrap_or_else(|| data.clone());
    } else if let Some(items) = resolved.get("items") {
        target = items.clone();
    }
    let mut names = BTreeSet::new();
    collect_properties(&target, &mut names);
    names
}

fn collect_properties(schema: &Value, out: &mut BTreeSet<String>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().cloned());
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        for part in schema.get(combinator).and_then(Value::as_array).into_iter().flatten() {
            collect_properties(part, out);
        }
    }
}

fn list(items: &BTreeSet<String>) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// What changed in one operation, as lines.
fn operation_changes(old_spec: &SpecIndex, old: &Operation, new_spec: &SpecIndex, new: &Operation) -> Vec<String> {
    let mut lines = Vec::new();
    let params = |op: &Operation| -> BTreeMap<(String, &'static str), String> {
        op.parameters
            .iter()
            .filter(|p| p.location != ParamLocation::Header)
            .map(|p| ((p.name.clone(), location(p.location)), param_type(p)))
            .collect()
    };
    let (before, after) = (params(old), params(new));
    let removed: Vec<_> = before.keys().filter(|k| !after.contains_key(*k)).cloned().collect();
    let added: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).cloned().collect();
    let mut renamed = BTreeSet::new();
    // One parameter gone and one new in the same place with the same type: a rename.
    for gone in &removed {
        let candidates: Vec<_> = added
            .iter()
            .filter(|a| a.1 == gone.1 && after[*a] == before[gone] && !renamed.contains(*a))
            .collect();
        let siblings = removed
            .iter()
            .filter(|r| r.1 == gone.1 && before[*r] == before[gone])
            .count();
        if candidates.len() == 1 && siblings == 1 {
            lines.push(format!(
                "{} parameter `{}` renamed to `{}` ({})",
                gone.1, gone.0, candidates[0].0, before[gone]
            ));
            renamed.insert(candidates[0].clone());
            renamed.insert(gone.clone());
        }
    }
    for gone in removed.iter().filter(|k| !renamed.contains(*k)) {
        lines.push(format!("{} parameter `{}` removed", gone.1, gone.0));
    }
    for new_param in added.iter().filter(|k| !renamed.contains(*k)) {
        lines.push(format!(
            "{} parameter `{}` added ({})",
            new_param.1, new_param.0, after[new_param]
        ));
    }
    for (k, old_type) in &before {
        if let Some(new_type) = after.get(k)
            && new_type != old_type
        {
            lines.push(format!("{} parameter `{}`: {old_type} → {new_type}", k.1, k.0));
        }
    }
    let required = |op: &Operation| -> BTreeSet<String> {
        op.request_body
            .as_ref()
            .map(|b| b.required_fields.iter().cloned().collect())
            .unwrap_or_default()
    };
    let (req_before, req_after) = (required(old), required(new));
    let req_added: BTreeSet<String> = req_after.difference(&req_before).cloned().collect();
    let req_removed: BTreeSet<String> = req_before.difference(&req_after).cloned().collect();
    if !req_added.is_empty() {
        lines.push(format!("request body now requires {}", list(&req_added)));
    }
    if !req_removed.is_empty() {
        lines.push(format!("request body no longer requires {}", list(&req_removed)));
    }
    match (&old.request_body, &new.request_body) {
        (None, Some(_)) => lines.push("now takes a request body".into()),
        (Some(_), None) => lines.push("no longer takes a request body".into()),
        _ => {}
    }
    let (props_before, props_after) = (response_properties(old_spec, old), response_properties(new_spec, new));
    let props_added: BTreeSet<String> = props_after.difference(&props_before).cloned().collect();
    let props_removed: BTreeSet<String> = props_before.difference(&props_after).cloned().collect();
    if !props_added.is_empty() {
        lines.push(format!("response properties added: {}", list(&props_added)));
    }
    if !props_removed.is_empty() {
        lines.push(format!("response properties removed: {}", list(&props_removed)));
    }
    let status = |op: &Operation| op.response.as_ref().map(|r| r.status);
    if status(old) != status(new) {
        lines.push(format!("success status {:?} → {:?}", status(old), status(new)));
    }
    let scopes =
        |op: &Operation| -> BTreeSet<String> { op.scopes.read_only.iter().chain(&op.scopes.modify).cloned().collect() };
    if scopes(old) != scopes(new) {
        lines.push(format!("scopes {} → {}", list(&scopes(old)), list(&scopes(new))));
    }
    lines
}

/// The public items of a generated client: `types::Name` → its shape, `Client::fn` → its
/// signature.
fn generated_items(code: &str) -> Result<BTreeMap<String, String>> {
    let file = syn::parse_file(code).context("the generated client does not parse")?;
    let mut items = BTreeMap::new();
    collect_items(&file.items, "", &mut items);
    Ok(items)
}

fn collect_items(items: &[syn::Item], prefix: &str, out: &mut BTreeMap<String, String>) {
    for item in items {
        match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                let fields: Vec<String> = s
                    .fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{}: {}",
                            f.ident.as_ref().map(ToString::to_string).unwrap_or_default(),
                            tokens(&f.ty)
                        )
                    })
                    .collect();
                out.insert(
                    format!("{prefix}{}", s.ident),
                    format!("struct {{ {} }}", fields.join(", ")),
                );
            }
            syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                let variants: Vec<String> = e.variants.iter().map(|v| v.ident.to_string()).collect();
                out.insert(
                    format!("{prefix}{}", e.ident),
                    format!("enum {{ {} }}", variants.join(", ")),
                );
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect_items(inner, &format!("{prefix}{}::", m.ident), out);
                }
            }
            syn::Item::Impl(block) if block.trait_.is_none() => {
                let self_type = tokens(&block.self_ty);
                if self_type != "Client" {
                    continue;
                }
                for inner in &block.items {
                    if let syn::ImplItem::Fn(f) = inner
                        && matches!(f.vis, syn::Visibility::Public(_))
                    {
                        let inputs: Vec<String> = f.sig.inputs.iter().map(tokens).collect();
                        let output = tokens(&f.sig.output);
                        out.insert(
                            format!("{prefix}Client::{}", f.sig.ident),
                            format!("fn({}) {output}", inputs.join(", ")),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// An item's tokens as text (compared, not shown).
fn tokens<T: quote::ToTokens>(item: &T) -> String {
    item.to_token_stream().to_string()
}

#[allow(clippy::too_many_arguments)]
fn render(
    manifest: &Manifest,
    options: &Options,
    changes: &[SpecChange],
    appeared: &[&String],
    disappeared: &[&String],
    faulted: &[(String, Vec<String>)],
    unaffected: &[String],
    out_dir: &Path,
) -> Result<String> {
    let mut r = String::new();
    let changed: Vec<&SpecChange> = changes
        .iter()
        .filter(|c| c.new_sha.as_deref() != Some(c.entry.sha256.as_str()))
        .collect();
    writeln!(r, "# BigCommerce specs: impact report\n")?;
    writeln!(
        r,
        "Pinned: {} at `{}`. Compared with: `{}`{}.\n",
        manifest.upstream.repository,
        manifest.upstream.commit,
        options.specs.display(),
        options
            .commit
            .as_ref()
            .map(|c| format!(
                " (upstream commit `{c}`{})",
                options.date.as_ref().map(|d| format!(", {d}")).unwrap_or_default()
            ))
            .unwrap_or_default()
    )?;
    if changed.is_empty() && appeared.is_empty() && disappeared.is_empty() {
        writeln!(
            r,
            "**Nothing changed**: every pinned file has its pinned checksum and the upstream folder lists the same files. {} actions and option sources conform.",
            unaffected.len()
        )?;
        return Ok(r);
    }
    writeln!(r, "## Summary\n")?;
    writeln!(
        r,
        "- {} of {} pinned specs changed; {} upstream files appeared, {} disappeared.",
        changed.len(),
        changes.len(),
        appeared.len(),
        disappeared.len()
    )?;
    writeln!(
        r,
        "- **{} of {} actions and option sources affected**{}.\n",
        faulted.len(),
        faulted.len() + unaffected.len(),
        if faulted.is_empty() {
            ""
        } else {
            " (the registry's conformance test fails until they follow)"
        }
    )?;

    writeln!(r, "## The registry\n")?;
    if faulted.is_empty() {
        writeln!(r, "No action or option source is affected.\n")?;
    } else {
        writeln!(r, "Affected, with the conformance check's messages:\n")?;
        for (name, problems) in faulted {
            writeln!(r, "- **{name}**")?;
            for problem in problems {
                writeln!(r, "  - {problem}")?;
            }
        }
        writeln!(r)?;
    }
    writeln!(r, "Unaffected: {}.\n", unaffected.join(", "))?;

    if !appeared.is_empty() || !disappeared.is_empty() {
        writeln!(r, "## Upstream files\n")?;
        for file in appeared {
            writeln!(
                r,
                "- new upstream, not pinned: `{file}` (pin it in specs/manifest.toml to use it)"
            )?;
        }
        for file in disappeared {
            let pinned = changes.iter().any(|c| &&c.entry.file == file);
            writeln!(
                r,
                "- gone upstream: `{file}`{}",
                if pinned {
                    " — **pinned**: its operations are all removed below"
                } else {
                    ""
                }
            )?;
        }
        writeln!(r)?;
    }

    for change in &changed {
        writeln!(r, "## `{}` (module `{}`)\n", change.entry.file, change.entry.module)?;
        let Some((new, _)) = &change.new else {
            writeln!(r, "**The file is gone upstream.** Every operation of it is removed:\n")?;
            for op in &change.old.operations {
                writeln!(r, "- removed: {} {} (`{}`)", op.method, op.path, op.operation_id)?;
            }
            writeln!(r)?;
            continue;
        };
        writeln!(
            r,
            "sha256 `{}` → `{}`\n",
            change.entry.sha256,
            change.new_sha.as_deref().unwrap_or("?")
        )?;
        let old_ops: BTreeMap<Key, &Operation> = change.old.operations.iter().map(|o| (key(o), o)).collect();
        let new_ops: BTreeMap<Key, &Operation> = new.operations.iter().map(|o| (key(o), o)).collect();
        let mut lines = Vec::new();
        for (k, op) in &new_ops {
            if !old_ops.contains_key(k) {
                lines.push(format!("- added: {} {} (`{}`)", k.0, k.1, op.operation_id));
            }
        }
        for (k, op) in &old_ops {
            if !new_ops.contains_key(k) {
                lines.push(format!("- removed: {} {} (`{}`)", k.0, k.1, op.operation_id));
            }
        }
        for (k, old_op) in &old_ops {
            let Some(new_op) = new_ops.get(k) else { continue };
            if new_op.deprecated && !old_op.deprecated {
                lines.push(format!("- deprecated: {} {} (`{}`)", k.0, k.1, new_op.operation_id));
            }
            if old_op.deprecated && !new_op.deprecated {
                lines.push(format!("- no longer deprecated: {} {}", k.0, k.1));
            }
            let details = operation_changes(&change.old, old_op, new, new_op);
            if !details.is_empty() {
                lines.push(format!("- changed: {} {} (`{}`)", k.0, k.1, new_op.operation_id));
                lines.extend(details.into_iter().map(|d| format!("  - {d}")));
            }
        }
        if lines.is_empty() {
            writeln!(
                r,
                "No operation changed (descriptions, examples or schemas beyond what is compared).\n"
            )?;
        } else {
            writeln!(r, "### Operations\n")?;
            writeln!(r, "{}\n", lines.join("\n"))?;
        }
        if let Some(new_client) = &change.new_client {
            let old_client = std::fs::read_to_string(out_dir.join(format!("{}.rs", change.entry.module)))
                .with_context(|| format!("the committed client of {} is missing", change.entry.module))?;
            let (before, after) = (generated_items(&old_client)?, generated_items(new_client)?);
            let mut type_lines = Vec::new();
            for name in after.keys().filter(|k| !before.contains_key(*k)) {
                type_lines.push(format!("- added: `{name}`"));
            }
            for name in before.keys().filter(|k| !after.contains_key(*k)) {
                type_lines.push(format!("- removed: `{name}`"));
            }
            for (name, shape) in &before {
                if let Some(new_shape) = after.get(name)
                    && new_shape != shape
                {
                    type_lines.push(format!("- changed: `{name}`"));
                }
            }
            writeln!(r, "### Generated types and functions\n")?;
            if type_lines.is_empty() {
                writeln!(r, "None changed name or shape.\n")?;
            } else {
                const SHOWN: usize = 60;
                let more = type_lines.len().saturating_sub(SHOWN);
                type_lines.truncate(SHOWN);
                writeln!(r, "{}", type_lines.join("\n"))?;
                if more > 0 {
                    writeln!(r, "- … and {more} more")?;
                }
                writeln!(r)?;
            }
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::codegen::{default_specs_dir, parse_yaml, repo_root};

    /// The pinned specs folder, or `None` (with a message) where it is absent.
    fn pinned_specs() -> Option<PathBuf> {
        let specs = default_specs_dir(&repo_root());
        if specs.is_dir() {
            Some(specs)
        } else {
            eprintln!("SKIPPED: {} is absent (CI always has it)", specs.display());
            None
        }
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy_dir(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }

    #[test]
    fn a_renamed_parameter_a_removed_operation_and_a_deprecation_are_reported_with_the_actions() {
        let Some(pinned) = pinned_specs() else { return };
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("reference");
        copy_dir(&pinned, &release);
        // A new release: orders' `status_id` filter renamed, DELETE /orders/{order_id}
        // removed, GET /orders/{order_id} deprecated, and one new file.
        let orders = release.join("orders.v2.oas2.yml");
        let mut doc = parse_yaml(&std::fs::read(&orders).unwrap()).unwrap();
        doc["components"]["parameters"]["status_id"]["name"] = "status".into();
        doc["paths"]["/orders/{order_id}"]
            .as_object_mut()
            .unwrap()
            .remove("delete");
        doc["paths"]["/orders/{order_id}"]["get"]["deprecated"] = true.into();
        // JSON is YAML: the generator reads it as it reads the upstream file.
        std::fs::write(&orders, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        std::fs::write(release.join("shipping_rates.v3.yml"), "openapi: 3.0.0\n").unwrap();

        let root = repo_root();
        let manifest_before = std::fs::read(root.join("specs/manifest.toml")).unwrap();
        let outcome = run(&Options {
            root: root.clone(),
            specs: release,
            write: false,
            commit: None,
            date: None,
            report: None,
        })
        .unwrap();
        let report = &outcome.report;
        assert!(outcome.changed);
        for expected in [
            "## `orders.v2.oas2.yml` (module `orders`)",
            "query parameter `status_id` renamed to `status`",
            "- removed: DELETE /orders/{order_id} (`deleteOrder`)",
            "- deprecated: GET /orders/{order_id} (`getOrder`)",
            "- **get_orders**",
            "- **delete_order**",
            "  - the v2 spec has no operation DELETE /orders/{order_id}",
            "- **get_order**",
            "new upstream, not pinned: `shipping_rates.v3.yml`",
            "### Generated types and functions",
            "- removed: `Client::delete_order`",
        ] {
            assert!(report.contains(expected), "the report lacks {expected:?}:\n{report}");
        }
        assert!(
            report.contains("`status_id`") && report.contains("get_orders"),
            "{report}"
        );
        assert!(outcome.affected >= 3, "{report}");
        let unaffected = report.lines().find(|l| l.starts_with("Unaffected:")).unwrap();
        assert!(
            unaffected.contains("get_products") && !unaffected.contains("get_orders,"),
            "{unaffected}"
        );
        assert_eq!(
            std::fs::read(root.join("specs/manifest.toml")).unwrap(),
            manifest_before,
            "diff writes nothing"
        );
    }

    #[test]
    fn the_pinned_release_against_itself_reports_nothing_and_bump_touches_nothing() {
        let Some(pinned) = pinned_specs() else { return };
        // A copy of what bump would write: the manifest, the file list, the generated
        // code, the crate manifest it checks and the README table.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let real = repo_root();
        for file in [
            "specs/manifest.toml",
            "specs/overlays.toml",
            UPSTREAM_FILES,
            "crates/bigcommerce-api/Cargo.toml",
            "README.md",
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::copy(real.join(file), root.join(file)).unwrap();
        }
        copy_dir(&real.join(GENERATED_DIR), &root.join(GENERATED_DIR));
        let snapshot = |root: &Path| -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
            let mut files = Vec::new();
            for dir in ["specs", GENERATED_DIR] {
                for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                    let path = entry.unwrap().path();
                    let meta = std::fs::metadata(&path).unwrap();
                    files.push((path.clone(), std::fs::read(&path).unwrap(), meta.modified().unwrap()));
                }
            }
            files.sort();
            files
        };
        let before = snapshot(root);
        let outcome = run(&Options {
            root: root.to_owned(),
            specs: pinned,
            write: true,
            commit: None,
            date: None,
            report: None,
        })
        .unwrap();
        assert!(!outcome.changed, "{}", outcome.report);
        assert_eq!(outcome.affected, 0);
        assert!(outcome.report.contains("**Nothing changed**"), "{}", outcome.report);
        assert!(before == snapshot(root), "bump touched a file although nothing changed");
    }
}
