//! `{{…}}` templates over the outputs of earlier steps, parsed once by Handlebars.
//!
//! [`Template::parse`] compiles a field's text with Handlebars when the step is checked
//! (before anything runs) and keeps the parsed template. The parse tree says which steps
//! it references, and refuses what a step parameter does not need: partials, inline
//! partials and decorators, helpers other than [`HELPERS`], and nesting deeper than
//! [`MAX_DEPTH`] (`#each` inside `#each` at most [`MAX_EACH_DEPTH`] deep).
//!
//! Rendering:
//! - a field whose whole value is one reference (`{{getOrder.data.id}}`) receives the
//!   referenced JSON value with its type;
//! - text made of plain references (`Order #{{getOrder.data.id}}`) is filled in directly,
//!   reading only the values it names (a "return all" is not materialised);
//! - anything else (blocks, helpers) is rendered by Handlebars, strictly (an unknown step
//!   or field is an error) and without HTML escaping.
//!
//! In text, strings are written as they are, numbers and booleans as JSON writes them,
//! `null` as nothing, and whole objects and lists as JSON (`{{getOrder.data}}` inside a
//! sentence gives `{"id":42,…}`, not `[object]`). Rendering is bounded while it runs: by
//! output size ([`MAX_RENDERED_LEN`]), by `#each` iterations ([`MAX_ITERATIONS`]) and by
//! time ([`MAX_RENDER_TIME`]).

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use handlebars::template::{Parameter, TemplateElement};
use handlebars::{
    BlockContext, BlockParams, Context, Handlebars, Helper, HelperDef, HelperResult, Output, Path, PathSeg,
    RenderContext, RenderError, RenderErrorReason, Renderable,
};
use serde_json::Value;

pub use crate::output::StepOutputs;
use crate::output::{Field, parse_record};

/// The longest template a field may hold.
pub const MAX_TEMPLATE_LEN: usize = 64 * 1024;

/// The longest text a field may render to.
pub const MAX_RENDERED_LEN: usize = 1024 * 1024;

/// How deeply blocks and helper calls may nest.
pub const MAX_DEPTH: usize = 8;

/// How deeply `#each` blocks may nest inside each other.
pub const MAX_EACH_DEPTH: usize = 2;

/// The most `#each` iterations one rendering may run, over all its blocks.
pub const MAX_ITERATIONS: u64 = 100_000;

/// The longest one field's rendering may take.
pub const MAX_RENDER_TIME: Duration = Duration::from_secs(1);

/// The helpers a template may call: reading (`lookup`, `json`, `len`), comparing and
/// combining conditions, arithmetic for prices and quantities (`add`, `multiply`,
/// `round`: `{{round (multiply price 1.05) 2}}`), and the blocks `#each`, `#if`,
/// `#unless`, `#with`.
pub const HELPERS: &[&str] = &[
    "each", "if", "unless", "with", "lookup", "json", "len", "eq", "ne", "gt", "gte", "lt", "lte", "and", "or", "not",
    "add", "multiply", "round",
];

/// Arithmetic on numbers (or text holding one); anything else is a render error that
/// names the helper. Results that are not finite give nothing.
mod arithmetic {
    use super::finite;

    handlebars::handlebars_helper!(AddHelper: |a: f64, b: f64| finite(a + b));
    handlebars::handlebars_helper!(MultiplyHelper: |a: f64, b: f64| finite(a * b));
    handlebars::handlebars_helper!(RoundHelper: |a: f64, places: u64| {
        let scale = 10f64.powi(i32::try_from(places.min(6)).unwrap_or(6));
        finite((a * scale).round() / scale)
    });
}

fn finite(number: f64) -> Value {
    serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
}

/// A parsed template. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Template(Arc<Parsed>);

#[derive(Debug)]
struct Parsed {
    source: Box<str>,
    kind: Kind,
    steps: Vec<String>,
}

#[derive(Debug)]
enum Kind {
    /// `{{path}}` alone: the value itself.
    Whole(Reference),
    /// Text and plain references.
    Plain(Vec<Piece>),
    /// Anything with blocks or helpers, rendered by Handlebars.
    Handlebars(handlebars::Template),
}

#[derive(Debug)]
enum Piece {
    Text(String),
    Reference(Reference),
}

/// A plain path: a step name, then fields and list indexes.
#[derive(Debug)]
struct Reference {
    raw: String,
    segments: Vec<String>,
}

/// Why a template failed: the expression, and what is wrong and what exists instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The expression (or the template) that failed, shortened.
    pub expression: String,
    /// What is wrong.
    pub reason: String,
}

fn error(expression: &str, reason: impl Into<String>) -> TemplateError {
    TemplateError {
        expression: shorten(expression),
        reason: reason.into(),
    }
}

/// Whether a value holds a template.
pub fn has_template(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.contains("{{"))
}

impl Template {
    /// Parses and checks a field's text; `None` when it holds no `{{`.
    pub fn parse(text: &str) -> Result<Option<Self>, TemplateError> {
        if !text.contains("{{") {
            return Ok(None);
        }
        if text.len() > MAX_TEMPLATE_LEN {
            return Err(error(
                text,
                format!("the template is longer than {MAX_TEMPLATE_LEN} bytes"),
            ));
        }
        let mut parsed =
            handlebars::Template::compile(text).map_err(|e| error(text, short_reason(&e.reason().to_string())))?;
        let mut steps = Vec::new();
        check_elements(&parsed.elements, 1, 0, false, &mut steps).map_err(|reason| error(text, reason))?;
        let kind = match classify(&parsed.elements) {
            Some(kind) => kind,
            None => {
                to_json_expressions(&mut parsed.elements);
                Kind::Handlebars(parsed)
            }
        };
        Ok(Some(Self(Arc::new(Parsed {
            source: text.into(),
            kind,
            steps,
        }))))
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.0.source
    }

    /// The steps it references outside `#each`/`#with` blocks, in order of appearance.
    pub fn steps(&self) -> &[String] {
        &self.0.steps
    }

    /// Renders the template against the outputs of earlier steps.
    pub fn render(&self, outputs: &StepOutputs) -> Result<Value, TemplateError> {
        match &self.0.kind {
            Kind::Whole(reference) => lookup(reference, outputs)
                .map(Cow::into_owned)
                .map_err(|reason| error(self.source().trim(), reason)),
            Kind::Plain(pieces) => {
                let mut rendered = String::with_capacity(self.source().len());
                for piece in pieces {
                    match piece {
                        Piece::Text(text) => rendered.push_str(text),
                        Piece::Reference(reference) => {
                            let value = lookup(reference, outputs)
                                .map_err(|reason| error(&format!("{{{{{}}}}}", reference.raw), reason))?;
                            write_value(&mut rendered, &value);
                        }
                    }
                    if rendered.len() > MAX_RENDERED_LEN {
                        return Err(error(self.source(), too_long()));
                    }
                }
                Ok(Value::String(rendered))
            }
            Kind::Handlebars(template) => {
                // `#if` treats a missing value as false, even in strict mode: a step that
                // does not exist is still an error.
                if let Some(missing) = self.steps().iter().find(|step| outputs.get(step).is_none()) {
                    let reference = Reference {
                        raw: missing.clone(),
                        segments: vec![missing.clone()],
                    };
                    let reason = lookup(&reference, outputs).err().unwrap_or_default();
                    return Err(error(self.source(), reason));
                }
                render_handlebars(template, outputs).map_err(|reason| error(self.source(), reason))
            }
        }
    }
}

fn too_long() -> String {
    format!("it renders to more than {MAX_RENDERED_LEN} bytes")
}

/// Writes a value into text: strings as they are, objects and lists as JSON, null as
/// nothing.
fn write_value(text: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::String(s) => text.push_str(s),
        Value::Number(n) => text.push_str(&n.to_string()),
        Value::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
        other => text.push_str(&other.to_string()),
    }
}

/// A plain path of named segments, or `None` (`this`, `../`, `@root`, `@index` …).
fn plain_reference(path: &Path) -> Option<Reference> {
    let Path::Relative((segments, raw)) = path else {
        return None;
    };
    let first_is_this = raw.starts_with("this") || raw.starts_with("./");
    let segments: Option<Vec<String>> = segments
        .iter()
        .map(|s| match s {
            PathSeg::Named(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    let segments = segments.filter(|s| !s.is_empty() && !first_is_this)?;
    Some(Reference {
        raw: raw.clone(),
        segments,
    })
}

/// The reference of an expression that is nothing but a path.
fn simple_reference(element: &TemplateElement) -> Option<Reference> {
    match element {
        TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h)
            if h.params.is_empty() && h.hash.is_empty() && !h.block =>
        {
            match &h.name {
                Parameter::Path(path) => plain_reference(path),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A whole reference, or text with plain references; `None` when Handlebars must render.
fn classify(elements: &[TemplateElement]) -> Option<Kind> {
    let significant: Vec<&TemplateElement> = elements
        .iter()
        .filter(|e| !matches!(e, TemplateElement::RawString(s) if s.trim().is_empty()))
        .collect();
    if let [only] = significant.as_slice()
        && let Some(reference) = simple_reference(only)
    {
        return Some(Kind::Whole(reference));
    }
    let mut pieces = Vec::with_capacity(elements.len());
    for element in elements {
        match element {
            TemplateElement::RawString(text) => pieces.push(Piece::Text(text.clone())),
            TemplateElement::Comment(_) => {}
            other => pieces.push(Piece::Reference(simple_reference(other)?)),
        }
    }
    Some(Kind::Plain(pieces))
}

/// The step a path at the top level of a template reads (`@root.` allowed).
fn referenced_step(path: &Path) -> Option<String> {
    let Path::Relative((segments, raw)) = path else {
        return None;
    };
    if raw.starts_with("this") || raw.starts_with('.') {
        return None;
    }
    let mut named = segments.iter().skip_while(|s| matches!(s, PathSeg::Ruled(_)));
    let root_ok = segments.first().is_some_and(|s| matches!(s, PathSeg::Named(_))) || raw.starts_with("@root");
    match named.next() {
        Some(PathSeg::Named(step)) if root_ok => Some(step.clone()),
        _ => None,
    }
}

fn note_path(path: &Path, scoped: bool, steps: &mut Vec<String>) {
    let at_root = !scoped || matches!(path, Path::Relative((_, raw)) if raw.starts_with("@root"));
    if let Some(step) = referenced_step(path).filter(|_| at_root)
        && !steps.contains(&step)
    {
        steps.push(step);
    }
}

fn check_parameter(parameter: &Parameter, depth: usize, scoped: bool, steps: &mut Vec<String>) -> Result<(), String> {
    match parameter {
        Parameter::Path(path) => {
            note_path(path, scoped, steps);
            Ok(())
        }
        Parameter::Subexpression(sub) => {
            if depth >= MAX_DEPTH {
                return Err(format!("helpers and blocks nest more than {MAX_DEPTH} deep"));
            }
            check_elements(std::slice::from_ref(sub.as_element()), depth + 1, 0, scoped, steps)
        }
        _ => Ok(()),
    }
}

/// Walks the parse tree: refuses what is not allowed and collects referenced steps.
fn check_elements(
    elements: &[TemplateElement],
    depth: usize,
    each_depth: usize,
    scoped: bool,
    steps: &mut Vec<String>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("helpers and blocks nest more than {MAX_DEPTH} deep"));
    }
    for element in elements {
        match element {
            TemplateElement::RawString(_) | TemplateElement::Comment(_) => {}
            TemplateElement::PartialExpression(_) | TemplateElement::PartialBlock(_) => {
                return Err("partials (`{{> name}}`) are not supported in step parameters".into());
            }
            TemplateElement::DecoratorExpression(_) | TemplateElement::DecoratorBlock(_) => {
                return Err(
                    "decorators and inline partials (`{{* …}}`, `{{#* inline}}`) are not supported in step parameters"
                        .into(),
                );
            }
            TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) | TemplateElement::HelperBlock(h) => {
                let name = match &h.name {
                    Parameter::Name(name) => Some(name.as_str()),
                    Parameter::Path(path) if h.params.is_empty() && h.hash.is_empty() && !h.block => {
                        note_path(path, scoped, steps);
                        None
                    }
                    Parameter::Path(Path::Relative((_, raw))) => Some(raw.as_str()),
                    _ => return Err("an expression here must be a reference or a helper".into()),
                };
                if let Some(name) = name
                    && !HELPERS.contains(&name)
                {
                    return Err(format!(
                        "`{name}` is not a helper templates can use; they can use {}",
                        HELPERS.join(", ")
                    ));
                }
                for parameter in h.params.iter().chain(h.hash.values()) {
                    check_parameter(parameter, depth, scoped, steps)?;
                }
                let is_each = name == Some("each");
                let each_depth = each_depth + usize::from(is_each);
                if each_depth > MAX_EACH_DEPTH {
                    return Err(format!("`#each` blocks nest more than {MAX_EACH_DEPTH} deep"));
                }
                let scoped_inside = scoped || matches!(name, Some("each" | "with"));
                for inner in [&h.template, &h.inverse].into_iter().flatten() {
                    check_elements(&inner.elements, depth + 1, each_depth, scoped_inside, steps)?;
                }
            }
            _ => return Err("this template holds an element step parameters do not support".into()),
        }
    }
    Ok(())
}

/// Rewrites every `{{path}}` into `{{json path}}`, so that Handlebars writes values the
/// way plain text does (objects and lists as JSON).
fn to_json_expressions(elements: &mut [TemplateElement]) {
    for element in elements {
        match element {
            TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h)
                if h.params.is_empty() && h.hash.is_empty() && matches!(h.name, Parameter::Path(_)) =>
            {
                let path = std::mem::replace(&mut h.name, Parameter::Name("json".into()));
                h.params = vec![path];
            }
            TemplateElement::HelperBlock(h) => {
                for inner in [&mut h.template, &mut h.inverse].into_iter().flatten() {
                    to_json_expressions(&mut inner.elements);
                }
            }
            _ => {}
        }
    }
}

thread_local! {
    /// The budget of the rendering running on this thread (renderings are synchronous).
    static BUDGET: Cell<Budget> = const { Cell::new(Budget { iterations: 0, deadline: None }) };
}

#[derive(Clone, Copy)]
struct Budget {
    iterations: u64,
    deadline: Option<Instant>,
}

fn over_time() -> bool {
    BUDGET.get().deadline.is_some_and(|d| Instant::now() > d)
}

fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_helper("each", Box::new(BoundedEach));
        hb.register_helper("json", Box::new(JsonText));
        hb.register_helper("add", Box::new(arithmetic::AddHelper));
        hb.register_helper("multiply", Box::new(arithmetic::MultiplyHelper));
        hb.register_helper("round", Box::new(arithmetic::RoundHelper));
        hb
    })
}

/// The output of one rendering: bounded in size and time as it is written.
struct Bounded(String);

impl Output for Bounded {
    fn write(&mut self, segment: &str) -> Result<(), std::io::Error> {
        if self.0.len() + segment.len() > MAX_RENDERED_LEN {
            return Err(std::io::Error::other(too_long()));
        }
        if over_time() {
            return Err(std::io::Error::other(format!(
                "it took longer than {} ms to render",
                MAX_RENDER_TIME.as_millis()
            )));
        }
        self.0.push_str(segment);
        Ok(())
    }
}

fn render_handlebars(template: &handlebars::Template, outputs: &StepOutputs) -> Result<Value, String> {
    let data = outputs.to_value();
    let context = Context::wraps(&data).map_err(|e| e.to_string())?;
    BUDGET.set(Budget {
        iterations: 0,
        deadline: Some(Instant::now() + MAX_RENDER_TIME),
    });
    let mut out = Bounded(String::new());
    let rendered = {
        let mut render_context = RenderContext::new(None);
        template.render(registry(), &context, &mut render_context, &mut out)
    };
    BUDGET.set(Budget {
        iterations: 0,
        deadline: None,
    });
    rendered.map_err(|e| render_reason(&e))?;
    Ok(Value::String(out.0))
}

fn render_reason(err: &RenderError) -> String {
    let mut current: &dyn std::error::Error = err;
    while let Some(source) = current.source() {
        current = source;
    }
    short_reason(&current.to_string())
}

/// `{{json value}}`: a value as plain text writes it.
#[derive(Clone, Copy)]
struct JsonText;

impl HelperDef for JsonText {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let param = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex("json", 0))?;
        if param.is_value_missing() {
            let path = param.relative_path().cloned().unwrap_or_default();
            return Err(RenderErrorReason::MissingVariable(Some(path)).into());
        }
        let mut text = String::new();
        write_value(&mut text, param.value());
        out.write(&text)?;
        Ok(())
    }
}

/// `#each`, counting iterations against the rendering's budget before running them.
#[derive(Clone, Copy)]
struct BoundedEach;

impl HelperDef for BoundedEach {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        registry: &'reg Handlebars<'reg>,
        context: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let param = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex("each", 0))?;
        if param.is_value_missing() {
            let path = param.relative_path().cloned().unwrap_or_default();
            return Err(RenderErrorReason::MissingVariable(Some(path)).into());
        }
        let items: Vec<(Value, &Value)> = match param.value() {
            Value::Array(list) => list.iter().enumerate().map(|(i, v)| (Value::from(i), v)).collect(),
            Value::Object(map) => map.iter().map(|(k, v)| (Value::from(k.as_str()), v)).collect(),
            _ => Vec::new(),
        };
        let mut budget = BUDGET.get();
        budget.iterations += items.len() as u64;
        BUDGET.set(budget);
        if budget.iterations > MAX_ITERATIONS {
            return Err(RenderErrorReason::Other(format!("`#each` would run more than {MAX_ITERATIONS} times")).into());
        }
        let (Some(body), false) = (h.template(), items.is_empty()) else {
            return match h.inverse() {
                Some(inverse) => inverse.render(registry, context, rc, out),
                None => Ok(()),
            };
        };
        let base_path = param.context_path().cloned();
        let count = items.len();
        for (position, (key, item)) in items.into_iter().enumerate() {
            if over_time() {
                return Err(RenderErrorReason::Other(format!(
                    "it took longer than {} ms to render",
                    MAX_RENDER_TIME.as_millis()
                ))
                .into());
            }
            let mut block = BlockContext::new();
            match &base_path {
                Some(path) => {
                    let mut path = path.clone();
                    path.push(key.as_str().map_or_else(|| key.to_string(), str::to_owned));
                    *block.base_path_mut() = path;
                }
                None => block.set_base_value(item.clone()),
            }
            block.set_local_var("first", Value::Bool(position == 0));
            block.set_local_var("last", Value::Bool(position + 1 == count));
            block.set_local_var("index", Value::from(position));
            if key.is_string() {
                block.set_local_var("key", key.clone());
            }
            let mut params = BlockParams::new();
            if let Some(name) = h.block_param() {
                params.add_value(name, item.clone())?;
            } else if let Some((name, index)) = h.block_param_pair() {
                params.add_value(name, item.clone())?;
                params.add_value(index, key)?;
            }
            block.set_block_params(params);
            rc.push_block(block);
            let rendered = body.render(registry, context, rc, out);
            rc.pop_block();
            rendered?;
        }
        Ok(())
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 200;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The first line of a Handlebars error, bounded, with how to write a reference.
fn short_reason(reason: &str) -> String {
    let first = reason
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid template");
    let first: String = first.chars().take(160).collect();
    format!("{first}; write references as {{{{stepName.data.field}}}} or {{{{stepName.data.[0].field}}}}")
}

/// A field of an object. Objects in step outputs are mostly small: up to a dozen keys are
/// compared in order, which is cheaper than hashing the key; larger ones use the index.
pub(crate) fn field<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= 12 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The first `upto` segments of a path, as errors show them: `getOrders.data.0`.
#[cold]
fn walked(segments: &[String], upto: usize) -> String {
    segments[..upto.min(segments.len())].join(".")
}

/// Follows a path through the step outputs, or says what exists instead. The records of
/// a "return all" are parsed only where the path reads into them.
fn lookup<'a>(reference: &Reference, outputs: &'a StepOutputs) -> Result<Cow<'a, Value>, String> {
    let segments = &reference.segments;
    let step = segments[0].as_str();
    let Some(output) = outputs.get(step) else {
        let known: Vec<&str> = outputs.names().collect();
        return Err(if known.is_empty() {
            format!("there is no earlier step called `{step}` (this is the first step)")
        } else {
            format!(
                "there is no earlier step called `{step}`; earlier steps: {}",
                known.join(", ")
            )
        });
    };
    if let Some(value) = output.as_value() {
        return walk(value, segments, 1).map(Cow::Borrowed);
    }
    let Some(key) = segments.get(1) else {
        return Ok(Cow::Owned(output.to_value()));
    };
    match output.field(key) {
        None => Err(no_field(step, key, &output.keys())),
        Some(Field::Value(value)) => walk(value, segments, 2).map(Cow::Borrowed),
        Some(Field::Text(text)) => {
            let text = Value::from(text);
            walk(&text, segments, 2).map(|v| Cow::Owned(v.clone()))
        }
        Some(Field::Records(records)) => {
            let Some(segment) = segments.get(2) else {
                return output
                    .get("data")
                    .map(|v| Cow::Owned(v.into_owned()))
                    .ok_or_else(|| format!("`{}` could not be read", walked(segments, 2)));
            };
            let index = list_index(segments, 2, segment, records.len())?;
            let record = parse_record(&records[index])
                .map_err(|e| format!("`{}` could not be read ({e})", walked(segments, 3)))?;
            walk(&record, segments, 3).map(|v| Cow::Owned(v.clone()))
        }
    }
}

/// Follows `segments[from..]` inside one value, which the first `from` segments led to.
fn walk<'a>(mut current: &'a Value, segments: &[String], from: usize) -> Result<&'a Value, String> {
    for position in from..segments.len() {
        let segment = segments[position].as_str();
        current = match current {
            Value::Object(map) => field(map, segment).ok_or_else(|| {
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                no_field(&walked(segments, position), segment, &keys)
            })?,
            Value::Array(items) => &items[list_index(segments, position, segment, items.len())?],
            other => {
                return Err(format!(
                    "`{}` is {}, it has no `{segment}`",
                    walked(segments, position),
                    describe(other)
                ));
            }
        };
    }
    Ok(current)
}

#[cold]
fn no_field(walked: &str, segment: &str, keys: &[&str]) -> String {
    let keys: Vec<&str> = keys.iter().copied().take(25).collect();
    format!("`{walked}` has no field `{segment}`; it has: {}", keys.join(", "))
}

/// The index `segment` (segment number `position`) names in a list of `len` items, or why
/// it names none.
fn list_index(segments: &[String], position: usize, segment: &str, len: usize) -> Result<usize, String> {
    let index: usize = segment.parse().map_err(|_| {
        let walked = walked(segments, position);
        format!("`{walked}` is a list; use an index such as `{walked}.[0]`")
    })?;
    if index >= len {
        return Err(format!(
            "`{}` has {len} item(s); [{index}] is out of range",
            walked(segments, position)
        ));
    }
    Ok(index)
}

#[cfg(test)]
mod tests;
